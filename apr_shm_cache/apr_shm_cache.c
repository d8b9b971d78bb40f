/* apr_shm_cache: segment set-up, hash index, tags, locking and the public
 * API.  Slab pages and LRU live in slab.c; the layout in shc_private.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#ifdef APR_SHM_CACHE_TESTING
#include <signal.h>
#endif

#include "apr_file_info.h"
#include "apr_general.h"
#include "apr_strings.h"
#include "apr_tables.h"
#include "shc_private.h"

#define SHC_TAG_SEED   0x9e3779b97f4a7c15ULL  /* tags hash apart from keys */
#define SHC_READ_TRIES 4           /* optimistic reads before locking */
#define SHC_ITER_BATCH 256         /* buckets copied per lock hold */

#define SHC_LOCK_SPINS 200         /* trylocks before sleeping on the lock */

/* The lock wait's deadline: on the monotonic clock where glibc can wait on
 * it (2.30), since one on the wall clock moves with it: set back an hour
 * while a holder is stopped, it made every locker wait an hour. */
#if defined(__GLIBC__) \
    && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 30))
#define SHC_LOCK_CLOCK CLOCK_MONOTONIC
#define shc_mutex_waitlock(m, t) pthread_mutex_clocklock(m, CLOCK_MONOTONIC, t)
#else
#define SHC_LOCK_CLOCK CLOCK_REALTIME
#define shc_mutex_waitlock(m, t) pthread_mutex_timedlock(m, t)
#endif

#define SHC_TAG_EVICT  64          /* evictions to free tag records (the
                                    * header documents it) */
#define SHC_TAG_SCAN   16          /* entries looked at from each LRU tail */
#define SHC_TAG_WINDOW 256         /* tag records fewest_tag() compares */

typedef enum {
    SHC_SET, SHC_ADD, SHC_REPLACE, SHC_CAS
} shc_mode_e;

static APR_INLINE void shc_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Which hit/miss counter line this process bumps (fork changes it). */
static apr_uint32_t stat_slot;
static pthread_once_t stat_once = PTHREAD_ONCE_INIT;

static void stat_slot_pick(void)
{
    stat_slot = (apr_uint32_t)getpid() % SHC_STAT_SLOTS;
}

static void stat_slot_init(void)
{
    stat_slot_pick();
    pthread_atfork(NULL, NULL, stat_slot_pick);
}

static APR_INLINE apr_uint64_t rotl64(apr_uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static APR_INLINE apr_uint64_t load_tail(const unsigned char *s, apr_size_t n)
{
    apr_uint64_t w = 0;

    while (n--) {
        w = (w << 8) | s[n];
    }
    return w;
}

static APR_INLINE apr_uint32_t final_mix(apr_uint64_t h)
{
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (apr_uint32_t)h;
}

/* Key hash: two independent multiply lanes, so short keys cost a few
 * cycles; seeded per zone. */
static apr_uint32_t shc_hash(const void *data, apr_size_t n, apr_uint64_t seed)
{
    const unsigned char *s = data;
    apr_uint64_t a = seed ^ ((apr_uint64_t)n * 0xff51afd7ed558ccdULL);
    apr_uint64_t b = rotl64(seed, 32) + n;
    apr_uint64_t w0, w1;

    while (n >= 16) {
        memcpy(&w0, s, 8);
        memcpy(&w1, s + 8, 8);
        a = rotl64((a ^ w0) * 0x87c37b91114253d5ULL, 31);
        b = rotl64((b ^ w1) * 0x4cf5ad432745937fULL, 29);
        s += 16;
        n -= 16;
    }
    if (n >= 8) {
        memcpy(&w0, s, 8);
        a = rotl64((a ^ w0) * 0x87c37b91114253d5ULL, 31);
        s += 8;
        n -= 8;
    }
    b = (b ^ load_tail(s, n)) * 0xc4ceb9fe1a85ec53ULL;
    return final_mix(a ^ rotl64(b, 27));
}

/* Checksum of a value: detects a torn or half-written copy, so speed
 * matters more than mixing (one add and rotate per word and lane). */
static apr_uint32_t shc_sum(const void *data, apr_size_t n, apr_uint64_t seed)
{
    const unsigned char *s = data;
    apr_uint64_t a = seed, b = n, w0, w1;

    while (n >= 16) {
        memcpy(&w0, s, 8);
        memcpy(&w1, s + 8, 8);
        a = rotl64(a + w0, 29);
        b = rotl64(b ^ w1, 31);
        s += 16;
        n -= 16;
    }
    if (n >= 8) {
        memcpy(&w0, s, 8);
        a = rotl64(a + w0, 29);
        s += 8;
        n -= 8;
    }
    b ^= load_tail(s, n);
    return final_mix((a ^ rotl64(b, 17)) * 0x9e3779b97f4a7c15ULL);
}

static APR_INLINE shc_link_t *entry_links(shc_entry_t *e)
{
    return (shc_link_t *)(e + 1);
}

static APR_INLINE char *entry_key(shc_entry_t *e)
{
    return (char *)(entry_links(e) + e->ntags);
}

static APR_INLINE char *entry_val(shc_entry_t *e)
{
    return entry_key(e) + e->klen;
}

static APR_INLINE apr_uint32_t entry_sum(shc_entry_t *e)
{
    return shc_sum(entry_val(e), e->vlen, e->hash);
}

static apr_status_t check_key(const char *key, apr_size_t *klen)
{
    if (!key || !*key) {
        return APR_SHM_CACHE_EBADKEY;
    }
    *klen = strlen(key);
    return *klen > APR_SHM_CACHE_MAX_KEY ? APR_SHM_CACHE_EKEYLEN
                                         : APR_SUCCESS;
}

/* ---- reader sequence words and the robust lock ----------------------- */

static APR_INLINE unsigned stripe_of(const shc_header_t *hdr, apr_uint32_t h)
{
    return (h & (hdr->nbuckets - 1)) & (SHC_STRIPES - 1);
}

/* Make a stripe's word odd for the rest of this lock hold.  A word that
 * is odd already was left so by a dead writer; it is closed at unlock. */
static void stripe_open(apr_shm_cache_t *c, unsigned s)
{
    apr_uint64_t bit = (apr_uint64_t)1 << s;
    apr_uint32_t v;

    if (c->open & bit) {
        return;
    }
    c->open |= bit;
    v = __atomic_load_n(&c->hdr->seq[s], __ATOMIC_RELAXED);
    if (!(v & 1)) {
        __atomic_store_n(&c->hdr->seq[s], v + 1, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_RELEASE);
    }
}

static void stripes_close(apr_shm_cache_t *c)
{
    unsigned s;

    __atomic_thread_fence(__ATOMIC_RELEASE);
    for (s = 0; c->open; s++) {
        if (c->open & ((apr_uint64_t)1 << s)) {
            apr_uint32_t v = __atomic_load_n(&c->hdr->seq[s],
                                             __ATOMIC_RELAXED);
            __atomic_store_n(&c->hdr->seq[s], v + 1, __ATOMIC_RELEASE);
            c->open &= ~((apr_uint64_t)1 << s);
        }
    }
}

static void tags_reset(apr_shm_cache_t *c)
{
    shc_header_t *hdr = c->hdr;
    apr_uint32_t i;

    memset(c->tag_buckets, 0, hdr->ntag_buckets * sizeof(apr_uint32_t));
    for (i = 0; i < hdr->ntags; i++) {
        c->tags[i].next = i + 2 <= hdr->ntags ? i + 2 : 0;
        c->tags[i].count = 0;
    }
    hdr->tag_free = 1;
    hdr->tags_used = 0;
}

/* Drop every entry.  Runs under the lock with the dirty word set. */
static apr_status_t reset_all(apr_shm_cache_t *c)
{
    shc_header_t *hdr = c->hdr;
    unsigned s;

    for (s = 0; s < SHC_STRIPES; s++) {
        stripe_open(c, s);
    }
    memset(c->buckets, 0, hdr->nbuckets * sizeof(shc_off_t));
    tags_reset(c);
    hdr->entries = 0;
    hdr->bytes_data = 0;
    hdr->clears++;
    return shc_slab_reset(c);
}

static apr_int64_t monotonic_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (apr_int64_t)ts.tv_sec * APR_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The mutex is still taken after the spins: wait, but not for a holder
 * that is stopped (SIGSTOP, a debugger) rather than dead.  While one
 * locker has found it stuck, the others give up without waiting (for a
 * second, or until shc_lock() takes it again). */
static int shc_lock_wait(shc_header_t *hdr)
{
    apr_int64_t now = monotonic_usec();
    struct timespec until;
    int rv;

    if (now < __atomic_load_n(&hdr->stuck_until, __ATOMIC_RELAXED)) {
        rv = ETIMEDOUT;
    }
    else {
        clock_gettime(SHC_LOCK_CLOCK, &until);
        until.tv_sec += APR_SHM_CACHE_LOCK_TIMEOUT / APR_USEC_PER_SEC;
        until.tv_nsec += (APR_SHM_CACHE_LOCK_TIMEOUT % APR_USEC_PER_SEC) * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        rv = shc_mutex_waitlock(&hdr->lock, &until);
        if (rv == ETIMEDOUT) {
            __atomic_store_n(&hdr->stuck_until,
                             monotonic_usec() + APR_SHM_CACHE_LOCK_TIMEOUT,
                             __ATOMIC_RELAXED);
        }
    }
    if (rv == ETIMEDOUT) {
        __atomic_fetch_add(&hdr->lock_timeouts, 1, __ATOMIC_RELAXED);
    }
    return rv;
}

/* Under the lock, before the first change: a holder that dies from here on
 * leaves the index to be rebuilt; one that dies before it (a lookup that
 * found nothing to change: a delete of a missing key, an add of a present
 * one) costs nothing. Full barrier: the word is set before any change is
 * stored. */
static void mark_dirty(apr_shm_cache_t *c)
{
    __atomic_store_n(&c->hdr->dirty, 1, __ATOMIC_SEQ_CST);
}

static apr_status_t shc_lock(apr_shm_cache_t *c)
{
    shc_header_t *hdr = c->hdr;
    int rv = pthread_mutex_trylock(&hdr->lock);

    if (rv == EBUSY) {
        int spins = SHC_LOCK_SPINS;
        __atomic_fetch_add(&hdr->lock_waits, 1, __ATOMIC_RELAXED);
        /* Holders stay a few hundred nanoseconds: spinning a little beats
         * a futex sleep and wake-up. */
        while (rv == EBUSY && spins--) {
            shc_cpu_relax();
            rv = pthread_mutex_trylock(&hdr->lock);
        }
        if (rv == EBUSY) {
            rv = shc_lock_wait(hdr);
        }
    }
    if (rv == ETIMEDOUT) {
        return APR_SHM_CACHE_ELOCKED;
    }
    if (rv == 0 || rv == EOWNERDEAD) {
        /* No stripe is open for this hold yet, whatever this handle's
         * record says: a child forked while another thread of its parent
         * held the lock inherited that thread's. */
        c->open = 0;
        /* Whoever was stuck has let go: lockers wait for holders again
         * rather than give up at once for the rest of the second. */
        if (__atomic_load_n(&hdr->stuck_until, __ATOMIC_RELAXED)) {
            __atomic_store_n(&hdr->stuck_until, 0, __ATOMIC_RELAXED);
        }
    }
    if (rv == EOWNERDEAD) {
        /* The holder died.  If it was changing anything, nothing in the
         * index can be trusted: start over rather than serve torn data. */
        hdr->recoveries++;
        if (hdr->dirty) {
            reset_all(c);
        }
        pthread_mutex_consistent(&hdr->lock);
        rv = 0;
    }
    if (rv) {
        return APR_FROM_OS_ERROR(rv);
    }
#ifdef APR_SHM_CACHE_TESTING
    if (c->test_kill_locked) {
        raise(SIGKILL);         /* test hook: die holding the lock */
    }
#endif
    return APR_SUCCESS;
}

static void shc_unlock(apr_shm_cache_t *c)
{
#ifdef APR_SHM_CACHE_TESTING
    if (c->test_kill_unlock) {
        raise(SIGKILL);         /* test hook: die at the end of the call */
    }
#endif
    stripes_close(c);
    __atomic_store_n(&c->hdr->dirty, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&c->hdr->lock);
}

/* ---- tags --------------------------------------------------------------- */

static apr_uint32_t tag_find(apr_shm_cache_t *c, const char *name,
                             apr_size_t nlen, apr_uint32_t h)
{
    apr_uint32_t i = c->tag_buckets[h & (c->hdr->ntag_buckets - 1)];

    while (i) {
        shc_tag_t *t = &c->tags[i - 1];
        if (t->hash == h && t->nlen == nlen && !memcmp(t->name, name, nlen)) {
            return i;
        }
        i = t->next;
    }
    return 0;
}

static apr_uint32_t tag_acquire(apr_shm_cache_t *c, const char *name)
{
    shc_header_t *hdr = c->hdr;
    apr_size_t nlen = strlen(name);
    apr_uint32_t h = shc_hash(name, nlen, c->seed ^ SHC_TAG_SEED);
    apr_uint32_t i = tag_find(c, name, nlen, h), *b;
    shc_tag_t *t;

    if (i || !hdr->tag_free) {
        return i;
    }
    i = hdr->tag_free;
    t = &c->tags[i - 1];
    hdr->tag_free = t->next;
    hdr->tags_used++;
    t->hash = h;
    t->head = 0;
    t->count = 0;
    t->nlen = (apr_uint16_t)nlen;
    memcpy(t->name, name, nlen + 1);
    b = &c->tag_buckets[h & (hdr->ntag_buckets - 1)];
    t->next = *b;
    *b = i;
    return i;
}

static void tag_release(apr_shm_cache_t *c, apr_uint32_t i)
{
    shc_header_t *hdr = c->hdr;
    shc_tag_t *t = &c->tags[i - 1];
    apr_uint32_t *p = &c->tag_buckets[t->hash & (hdr->ntag_buckets - 1)];

    if (t->count) {
        return;
    }
    while (*p != i) {
        p = &c->tags[*p - 1].next;
    }
    *p = t->next;
    t->next = hdr->tag_free;
    hdr->tag_free = i;
    hdr->tags_used--;
}

/* Takes a record for each tag, or none: on failure the records taken
 * are given back, so that a sweep that follows cannot free one of them
 * under the caller (a record found in use goes with its last entry). */
static int tags_acquire(apr_shm_cache_t *c, const char *const *tags,
                        int ntags, apr_uint32_t *ids)
{
    int i;

    for (i = 0; i < ntags; i++) {
        if (!(ids[i] = tag_acquire(c, tags[i]))) {
            while (i--) {
                tag_release(c, ids[i]);
            }
            return 0;
        }
    }
    return 1;
}

/* The oldest tagged entry near the tails of the LRU lists: of the first
 * tagged entry within SHC_TAG_SCAN of each class's tail, the one stored
 * first (versions grow with each store). */
static shc_entry_t *oldest_tagged(apr_shm_cache_t *c)
{
    shc_header_t *hdr = c->hdr;
    shc_entry_t *oldest = NULL;
    unsigned i;

    for (i = 0; i < hdr->nclasses; i++) {
        shc_off_t off = hdr->classes[i].lru_tail;
        int n;

        for (n = 0; off && n < SHC_TAG_SCAN; n++) {
            shc_entry_t *e = SHC_ENTRY(c, off);
            if (e->ntags) {
                if (!oldest || e->version < oldest->version) {
                    oldest = e;
                }
                break;
            }
            off = e->lprev;
        }
    }
    return oldest;
}

/* A tag to evict the entries of when the LRU tails show no tagged entry
 * (untagged ones have piled up there), 0 if none: of the next
 * SHC_TAG_WINDOW records in use, the one the fewest entries carry (its
 * record is freed soonest), of those the one whose latest entry is the
 * oldest; not one of own[0..n) (the store's own tags).  A window, taken
 * in turn, bounds the walk under the lock whatever the table's size. */
static apr_uint32_t fewest_tag(apr_shm_cache_t *c, const apr_uint32_t *own,
                               int n)
{
    apr_uint32_t ntags = c->hdr->ntags, best = 0, seen = 0, k;
    apr_uint64_t best_version = 0;

    for (k = 0; k < ntags && seen < SHC_TAG_WINDOW; k++) {
        apr_uint32_t i = (c->tag_hand + k) % ntags + 1;
        const shc_tag_t *t = &c->tags[i - 1];
        apr_uint64_t version;
        int j;

        if (!t->count) {
            continue;
        }
        for (j = 0; j < n && own[j] != i; j++) {
            continue;
        }
        if (j < n) {
            continue;
        }
        seen++;
        version = SHC_ENTRY(c, ((shc_link_t *)SHC_AT(c, t->head))->entry)
                      ->version;
        if (!best || t->count < c->tags[best - 1].count
            || (t->count == c->tags[best - 1].count
                && version < best_version)) {
            best = i;
            best_version = version;
        }
    }
    c->tag_hand = (c->tag_hand + k) % (ntags ? ntags : 1);
    return best;
}

/* The tag table is full: evicts the oldest tagged entries, at most
 * SHC_TAG_EVICT, until a record is free for each tag (a record is freed
 * with the last entry that carries its tag). */
static int tags_evict(apr_shm_cache_t *c, const char *const *tags,
                      int ntags, apr_uint32_t *ids)
{
    apr_uint32_t own[APR_SHM_CACHE_MAX_TAGS], few = 0;
    int n;

    for (n = 0; n < ntags; n++) {
        apr_size_t nlen = strlen(tags[n]);

        own[n] = tag_find(c, tags[n], nlen,
                          shc_hash(tags[n], nlen, c->seed ^ SHC_TAG_SEED));
    }
    for (n = 0; n < SHC_TAG_EVICT; n++) {
        shc_entry_t *e = oldest_tagged(c);

        if (!e && (few || (few = fewest_tag(c, own, ntags)))) {
            const shc_tag_t *t = &c->tags[few - 1];

            e = SHC_ENTRY(c, ((shc_link_t *)SHC_AT(c, t->head))->entry);
            if (t->count == 1) {
                few = 0;            /* its record goes with e */
            }
        }
        if (!e) {
            return 0;
        }
        shc_entry_remove(c, e, e->expires && e->expires <= apr_time_now()
                               ? SHC_WHY_EXPIRE : SHC_WHY_EVICT);
        if (c->hdr->tag_free && tags_acquire(c, tags, ntags, ids)) {
            return 1;
        }
    }
    return 0;
}

static apr_status_t check_tags(const char *const *tags, int ntags)
{
    int i;

    if (ntags < 0 || ntags > APR_SHM_CACHE_MAX_TAGS || (ntags && !tags)) {
        return APR_SHM_CACHE_EBADTAG;
    }
    for (i = 0; i < ntags; i++) {
        int j;
        if (!tags[i] || !*tags[i] || strlen(tags[i]) > APR_SHM_CACHE_MAX_TAG) {
            return APR_SHM_CACHE_EBADTAG;
        }
        for (j = 0; j < i; j++) {
            if (!strcmp(tags[i], tags[j])) {
                return APR_SHM_CACHE_EBADTAG;
            }
        }
    }
    return APR_SUCCESS;
}

/* ---- index ---------------------------------------------------------------- */

void shc_entry_remove(apr_shm_cache_t *c, shc_entry_t *e, shc_why_e why)
{
    shc_header_t *hdr = c->hdr;
    shc_off_t off = shc_off(c, e), *p;
    shc_link_t *l = entry_links(e);
    unsigned i;

    stripe_open(c, stripe_of(hdr, e->hash));
    p = &c->buckets[e->hash & (hdr->nbuckets - 1)];
    while (*p != off) {
        p = &SHC_ENTRY(c, *p)->next;
    }
    *p = e->next;
    shc_lru_unlink(c, e);
    for (i = 0; i < e->ntags; i++) {
        shc_tag_t *t = &c->tags[l[i].tag - 1];
        if (l[i].prev) {
            ((shc_link_t *)SHC_AT(c, l[i].prev))->next = l[i].next;
        }
        else {
            t->head = l[i].next;
        }
        if (l[i].next) {
            ((shc_link_t *)SHC_AT(c, l[i].next))->prev = l[i].prev;
        }
        t->count--;
        tag_release(c, l[i].tag);
    }
    hdr->classes[e->cls].entries--;
    hdr->entries--;
    hdr->bytes_data -= e->klen + e->vlen;
    switch (why) {
    case SHC_WHY_DELETE:     hdr->deletes++;       break;
    case SHC_WHY_EVICT:      hdr->evictions++;     break;
    case SHC_WHY_EXPIRE:     hdr->expirations++;   break;
    case SHC_WHY_INVALIDATE: hdr->invalidations++; break;
    case SHC_WHY_REPLACE:                          break;
    }
    shc_slab_free(c, e);
}

static shc_entry_t *find_locked(apr_shm_cache_t *c, const char *key,
                                apr_size_t klen, apr_uint32_t h)
{
    shc_off_t off = c->buckets[h & (c->hdr->nbuckets - 1)];

    while (off) {
        shc_entry_t *e = SHC_ENTRY(c, off);
        if (e->hash == h && e->klen == klen
            && !memcmp(entry_key(e), key, klen)) {
            return e;
        }
        off = e->next;
    }
    return NULL;
}

/* Finds a live entry; an expired or damaged one is removed on the way
 * (the caller holds the lock; a reader's hold becomes a writer's then). */
static shc_entry_t *find_live(apr_shm_cache_t *c, const char *key,
                              apr_size_t klen, apr_uint32_t h)
{
    shc_entry_t *e = find_locked(c, key, klen, h);
    shc_why_e why;

    if (!e) {
        return NULL;
    }
    if (e->expires && e->expires <= apr_time_now()) {
        why = SHC_WHY_EXPIRE;
    }
    else if (e->sum != entry_sum(e)) {
        why = SHC_WHY_EVICT;
    }
    else {
        return e;
    }
    mark_dirty(c);
    shc_entry_remove(c, e, why);
    return NULL;
}

/* Lock-free lookup.  Returns 1 (hit, copied), 0 (miss), or -1 when the
 * locked path must decide (writer busy, expired, first touch). */
static int read_optimistic(apr_shm_cache_t *c, const char *key,
                           apr_size_t klen, apr_uint32_t h, char **buf,
                           apr_size_t *bufsize, apr_size_t *vlen,
                           apr_uint64_t *version, apr_pool_t *pool)
{
    shc_header_t *hdr = c->hdr;
    apr_uint32_t b = h & (hdr->nbuckets - 1);
    apr_uint32_t *seq = &hdr->seq[b & (SHC_STRIPES - 1)];
    apr_uint64_t limit = hdr->size;
    int tries;

    for (tries = 0; tries < SHC_READ_TRIES; tries++) {
        apr_uint32_t v1 = __atomic_load_n(seq, __ATOMIC_ACQUIRE), steps = 0;
        shc_off_t off = __atomic_load_n(&c->buckets[b], __ATOMIC_RELAXED);
        shc_entry_t *e = NULL;
        const char *val = NULL;
        apr_int64_t expires = 0;
        apr_uint32_t sum = 0, n = 0;

        if (v1 & 1) {
            continue;
        }
        /* Anything may change under us: check every offset and length
         * before using it, and trust nothing until the word is unchanged.
         * Each length is read once: the pointers are made from the values
         * that were checked, not from a second read a writer may have
         * changed in between (entry_key() and entry_val() read them). */
        while (off) {
            shc_entry_t *x;
            apr_uint32_t xtags, xklen;

            if (off < hdr->rmm_off || off + sizeof(*x) > limit || (off & 7)
                || ++steps > c->max_chain) {
                e = NULL;
                break;
            }
            x = SHC_ENTRY(c, off);
            xtags = __atomic_load_n(&x->ntags, __ATOMIC_RELAXED);
            xklen = __atomic_load_n(&x->klen, __ATOMIC_RELAXED);
            if (x->hash == h && xklen == klen
                && xtags <= APR_SHM_CACHE_MAX_TAGS
                && off + sizeof(*x) + xtags * sizeof(shc_link_t) + klen
                   <= limit
                && !memcmp((const char *)(entry_links(x) + xtags), key,
                           klen)) {
                e = x;
                val = (const char *)(entry_links(x) + xtags) + klen;
                break;
            }
            off = x->next;
        }
        if (e) {
            n = __atomic_load_n(&e->vlen, __ATOMIC_RELAXED);
            if (n > hdr->page_size
                || (apr_uint64_t)(val - c->base) + n > limit) {
                continue;
            }
            if (n >= *bufsize) {
                *bufsize = n + 1;
                *buf = apr_palloc(pool, *bufsize);
            }
            memcpy(*buf, val, n);
            sum = e->sum;
            expires = e->expires;
            *version = e->version;
        }
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(seq, __ATOMIC_RELAXED) != v1) {
            continue;
        }
        if (!e) {
            return 0;
        }
        if ((expires && expires <= apr_time_now())
            || sum != shc_sum(*buf, n, h)) {
            return -1;
        }
        (*buf)[n] = '\0';
        *vlen = n;
        shc_access_set(c, off);
        return 1;
    }
    return -1;
}

static void count_get(apr_shm_cache_t *c, int hit)
{
    shc_hitmiss_t *hm = &c->hdr->hm[stat_slot];

    __atomic_fetch_add(hit ? &hm->hits : &hm->misses, 1, __ATOMIC_RELAXED);
}

/* ---- segment --------------------------------------------------------------- */

static apr_uint32_t pow2_floor(apr_uint64_t n)
{
    apr_uint32_t p = 1;

    while ((apr_uint64_t)p * 2 <= n && p < 0x80000000u) {
        p *= 2;
    }
    return p;
}

static apr_uint64_t align64(apr_uint64_t n)
{
    return (n + 63) & ~(apr_uint64_t)63;
}

/* Places the regions of a zone of the given size; 0 if it is too small. */
static int layout(shc_header_t *hdr, apr_uint64_t size)
{
    apr_uint64_t off = align64(sizeof(*hdr)), ntags;
    apr_uint32_t page = pow2_floor(size / 64);

    hdr->page_size = page < 4096 ? 4096 : page > (1u << 20) ? 1u << 20 : page;
    hdr->nbuckets = pow2_floor(size / 128);
    ntags = size / 16384;
    hdr->ntags = ntags < 64 ? 64 : ntags > 65536 ? 65536 : (apr_uint32_t)ntags;
    hdr->ntag_buckets = pow2_floor(hdr->ntags);
    hdr->buckets_off = (shc_off_t)off;
    off = align64(off + (apr_uint64_t)hdr->nbuckets * sizeof(shc_off_t));
    hdr->tag_buckets_off = (shc_off_t)off;
    off = align64(off + (apr_uint64_t)hdr->ntag_buckets * sizeof(apr_uint32_t));
    hdr->tags_off = (shc_off_t)off;
    off = align64(off + (apr_uint64_t)hdr->ntags * sizeof(shc_tag_t));
    hdr->access_off = (shc_off_t)off;
    off = align64(off + (size >> (SHC_GRANULE + 3)) + 1);
    hdr->rmm_off = (shc_off_t)off;
    if (off + apr_rmm_overhead_get(4) + 4 * (apr_uint64_t)hdr->page_size
        > size) {
        return 0;
    }
    hdr->rmm_size = (apr_uint32_t)(size - off);
    shc_slab_layout(hdr);
    return 1;
}

static apr_status_t handle_init(apr_shm_cache_t **cache, apr_shm_t *shm,
                                apr_pool_t *pool)
{
    apr_shm_cache_t *c = apr_pcalloc(pool, sizeof(*c));
#ifdef APR_SHM_CACHE_TESTING
    const char *kill = getenv("APR_SHM_CACHE_TEST_KILL_IN_SET");
    const char *kill_locked = getenv("APR_SHM_CACHE_TEST_KILL_LOCKED");
    const char *kill_unlock = getenv("APR_SHM_CACHE_TEST_KILL_UNLOCK");
#endif
    apr_status_t rv;

    pthread_once(&stat_once, stat_slot_init);
    c->pool = pool;
    c->shm = shm;
    c->base = apr_shm_baseaddr_get(shm);
    c->hdr = (shc_header_t *)c->base;
    c->buckets = SHC_AT(c, c->hdr->buckets_off);
    c->tag_buckets = SHC_AT(c, c->hdr->tag_buckets_off);
    c->tags = SHC_AT(c, c->hdr->tags_off);
    c->access = SHC_AT(c, c->hdr->access_off);
    c->seed = c->hdr->seed;
    c->max_chain = c->hdr->rmm_size / SHC_MIN_SLOT;
#ifdef APR_SHM_CACHE_TESTING
    c->test_kill = !kill ? 0 : *kill == '1' ? SIGKILL
                   : !strcmp(kill, "stop") ? SIGSTOP : 0;
    c->test_kill_locked = kill_locked && *kill_locked == '1';
    c->test_kill_unlock = kill_unlock && *kill_unlock == '1';
#endif
    rv = apr_pool_create(&c->rmm_pool, pool);
    *cache = c;
    return rv;
}

/* What a handle holds beyond its own few hundred bytes of the caller's
 * pool (apr_rmm's lists, a few KB): freed when it is let go, not left to
 * pile up in a pool that attaches and detaches again and again. Not at the
 * pool's cleanup: APR destroyed the subpool before. */
static void handle_free(apr_shm_cache_t *c)
{
    if (c->rmm_pool) {
        apr_pool_destroy(c->rmm_pool);
        c->rmm_pool = NULL;
    }
}

/* Cleanup of a created zone on the caller's pool.  APR's own cleanup of
 * the segment removes its name in any process that cleans the pool (a
 * forked child at exit() too), so the segment lives in a pool that no
 * exit cleans, and only its creator destroys it; other processes unmap
 * it. */
static apr_status_t zone_cleanup(void *data)
{
    apr_shm_cache_t *c = data;
    apr_status_t rv;

    if (getpid() != c->creator) {
        /* An anonymous segment is left mapped: apr_shm_detach() refuses
         * it (exit unmaps it). */
        apr_shm_detach(c->shm);
        return APR_SUCCESS;
    }
    rv = apr_shm_destroy(c->shm);
    apr_pool_destroy(c->shm_pool);
    return rv;
}

/* The whole segment, from its page boundary (APR's size word precedes the
 * base it hands out). */
static char *shm_span(apr_shm_t *shm, apr_size_t *len)
{
    apr_uintptr_t page = (apr_uintptr_t)sysconf(_SC_PAGESIZE);
    char *base = apr_shm_baseaddr_get(shm);
    char *start = (char *)((apr_uintptr_t)base & ~(page - 1));

    *len = apr_shm_size_get(shm) + (apr_size_t)(base - start);
    return start;
}

/* Asks for 2 MB pages, in each process that maps the segment (a mapping
 * without the advice maps even huge pages 4 KB at a time). A big zone is
 * touched all over: with 4 KB pages most gets of a million entries miss
 * the TLB (scripts/bench/cache). The system decides: shmem_enabled of
 * /sys/kernel/mm/transparent_hugepage for an anonymous zone, the huge=
 * mount option of /dev/shm for a named one; "advise" grants it. Advice
 * only: a kernel without THP says EINVAL, and nothing changes. */
static void shm_advise_huge(apr_shm_t *shm)
{
#ifdef MADV_HUGEPAGE
    apr_size_t len;
    char *start = shm_span(shm, &len);

    (void)madvise(start, len, MADV_HUGEPAGE);
#else
    (void)shm;
#endif
}

/* The segment's pages are made on first touch: with /dev/shm (or memory)
 * full, the process touching one dies of SIGBUS, be it the creator setting
 * the zone up or any process storing later. Have them all now, or fail
 * here. Kernels before 5.14 know no MADV_POPULATE_WRITE: there the pages
 * still come on first touch. */
static apr_status_t shm_populate(apr_shm_t *shm)
{
#ifdef MADV_POPULATE_WRITE
    apr_size_t len;
    char *start = shm_span(shm, &len);

    if (madvise(start, len, MADV_POPULATE_WRITE) != 0 && errno != EINVAL) {
        /* EFAULT: a page would have been a SIGBUS. */
        return errno == EFAULT ? APR_ENOSPC : APR_FROM_OS_ERROR(errno);
    }
#else
    (void)shm;
#endif
    return APR_SUCCESS;
}

/* Whether /dev/shm, where shm_open() puts a named segment, has no room
 * for size bytes: APR writes the segment's first word as soon as it has
 * mapped it, and on a full tmpfs that write is a SIGBUS, not an error. A
 * check, not a guarantee (another process may take the room meanwhile).
 * A tmpfs mounted without a limit (size=0) says 0 blocks in all. */
static int shm_no_room(const char *fname, apr_size_t size)
{
#if APR_USE_SHMEM_MMAP_SHM && defined(__linux__)
    struct statvfs fs;

    return fname && statvfs("/dev/shm", &fs) == 0 && fs.f_blocks
           && (apr_uint64_t)fs.f_bavail * fs.f_frsize
              < (apr_uint64_t)size + (apr_uint64_t)getpagesize();
#else
    (void)fname;
    (void)size;
    return 0;
#endif
}

static apr_status_t shm_create(apr_shm_t **shm, apr_size_t size,
                               const char *fname, apr_pool_t *pool)
{
    mode_t mask;
    apr_status_t rv;

    if (shm_no_room(fname, size)) {
        return APR_ENOSPC;
    }
    /* APR before 1.7.5 makes a shm_open() segment 0644 (CVE-2023-49582),
     * and a file-backed one with default modes: a umask of 077 makes
     * either 0600 from the start, with no moment at a wider mode. An
     * anonymous zone has no name to protect. */
    mask = fname ? umask(077) : 0;
    rv = apr_shm_create(shm, size, fname, pool);

    if (APR_STATUS_IS_EEXIST(rv) && fname) {
        /* Left behind by a run that crashed: nobody owns it any more. */
        apr_shm_remove(fname, pool);
        rv = apr_shm_create(shm, size, fname, pool);
    }
    if (fname) {
        umask(mask);
    }
    if (rv == APR_SUCCESS) {
        shm_advise_huge(*shm);          /* before the pages are made */
    }
    if (rv == APR_SUCCESS && (rv = shm_populate(*shm)) != APR_SUCCESS) {
        apr_shm_destroy(*shm);
    }
    return rv;
}

APR_DECLARE(apr_status_t) apr_shm_cache_create(apr_shm_cache_t **cache,
                                               apr_size_t size,
                                               const char *fname,
                                               apr_pool_t *pool)
{
    pthread_mutexattr_t attr;
    shc_header_t probe, *hdr;
    apr_pool_t *shm_pool;
    apr_shm_cache_t *c;
    apr_shm_t *shm;
    apr_status_t rv;

    if (size < APR_SHM_CACHE_MIN_SIZE) {
        return APR_SHM_CACHE_ETOOSMALL;
    }
    if ((apr_uint64_t)size > 0xffffffffULL) {
        return APR_SHM_CACHE_ETOOLARGE;
    }
    memset(&probe, 0, sizeof(probe));
    if (!layout(&probe, size)) {
        return APR_SHM_CACHE_ETOOSMALL;
    }
    if ((rv = apr_pool_create_unmanaged_ex(&shm_pool, NULL, NULL))
        != APR_SUCCESS) {
        return rv;
    }
    if ((rv = shm_create(&shm, size, fname, shm_pool)) != APR_SUCCESS) {
        apr_pool_destroy(shm_pool);
        return rv;
    }
#if APR_USE_SHMEM_MMAP_TMP || APR_USE_SHMEM_SHMGET
    /* There the name is a file that APR creates with default modes. */
    if (fname) {
        apr_file_perms_set(fname, APR_FPROT_UREAD | APR_FPROT_UWRITE);
    }
#endif
    hdr = apr_shm_baseaddr_get(shm);
    memcpy(hdr, &probe, sizeof(probe));
    hdr->size = apr_shm_size_get(shm);
    hdr->layout = SHC_LAYOUT;
    hdr->next_version = 1;
    /* A secret seed, so that nobody can choose keys that share a chain. */
    if ((rv = apr_generate_random_bytes((unsigned char *)&hdr->seed,
                                        sizeof(hdr->seed))) != APR_SUCCESS) {
        goto failed;
    }
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    rv = pthread_mutex_init(&hdr->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rv) {
        rv = APR_FROM_OS_ERROR(rv);
        goto failed;
    }
    if ((rv = handle_init(&c, shm, pool)) != APR_SUCCESS
        || (rv = reset_all(c)) != APR_SUCCESS) {
        handle_free(c);
        goto failed;
    }
    stripes_close(c);         /* leave the words even: readers go lock-free */
    hdr->clears = 0;
    /* Published last: attach refuses a segment without it. */
    __atomic_store_n(&hdr->magic, SHC_MAGIC, __ATOMIC_RELEASE);
    c->shm_pool = shm_pool;
    c->creator = getpid();
    apr_pool_cleanup_register(pool, c, zone_cleanup, apr_pool_cleanup_null);
    *cache = c;
    return APR_SUCCESS;

failed:
    apr_shm_destroy(shm);
    apr_pool_destroy(shm_pool);
    return rv;
}

static int same_layout(const shc_header_t *hdr)
{
    shc_header_t scratch, *want = &scratch;     /* a few KB */
    int same;
    unsigned i;

    memset(want, 0, sizeof(*want));
    same = layout(want, hdr->size)
           && want->page_size == hdr->page_size
           && want->nbuckets == hdr->nbuckets
           && want->ntag_buckets == hdr->ntag_buckets
           && want->ntags == hdr->ntags
           && want->nclasses == hdr->nclasses
           && want->buckets_off == hdr->buckets_off
           && want->tag_buckets_off == hdr->tag_buckets_off
           && want->tags_off == hdr->tags_off
           && want->access_off == hdr->access_off
           && want->rmm_off == hdr->rmm_off
           && want->rmm_size == hdr->rmm_size;
    for (i = 0; same && i < want->nclasses; i++) {
        same = want->classes[i].size == hdr->classes[i].size
               && want->classes[i].per_page == hdr->classes[i].per_page;
    }
    return same;
}

/* Checks the mapping before anything in it is read.  A segment whose
 * creator has not set its size yet is mapped by APR 1.7 without a check
 * of mmap(): size (apr_size_t)-8 at address 7.  Until the magic shows,
 * the creator is still writing the header. */
static apr_status_t check_segment(apr_shm_t *shm)
{
    const shc_header_t *hdr = apr_shm_baseaddr_get(shm);
    apr_size_t size = apr_shm_size_get(shm);

    if (size < sizeof(*hdr) || (apr_uint64_t)size > 0xffffffffULL
        || ((apr_uintptr_t)hdr & 7)
        || __atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) != SHC_MAGIC) {
        return APR_SHM_CACHE_ENOTCACHE;
    }
    if (hdr->layout != SHC_LAYOUT) {
        return APR_SHM_CACHE_EVERSION;
    }
    if (hdr->size != size
        || (apr_uint64_t)hdr->rmm_off + hdr->rmm_size != size
        || hdr->nclasses > SHC_MAX_CLASSES) {
        return APR_SHM_CACHE_EBADSIZE;
    }
    /* Every region and table size follows from the size: a header whose
     * figures differ from what layout() makes of it would have this process
     * index outside the segment. */
    if (!same_layout(hdr)) {
        return APR_SHM_CACHE_EBADSIZE;
    }
    return APR_SUCCESS;
}

APR_DECLARE(apr_status_t) apr_shm_cache_attach(apr_shm_cache_t **cache,
                                               const char *fname,
                                               apr_pool_t *pool)
{
    apr_shm_cache_t *c;
    apr_shm_t *shm;
    apr_status_t rv;

    if (!fname) {
        return APR_EINVAL;
    }
    rv = apr_shm_attach(&shm, fname, pool);
    if (APR_STATUS_IS_EOF(rv)) {
        return APR_SHM_CACHE_ENOTCACHE;   /* its size is not written yet */
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    shm_advise_huge(shm);
    /* Detaching a failed mapping is harmless: munmap() refuses it. */
    if ((rv = check_segment(shm)) != APR_SUCCESS) {
        apr_shm_detach(shm);
        return rv;
    }
    if ((rv = handle_init(&c, shm, pool)) != APR_SUCCESS
        || (rv = apr_rmm_attach(&c->rmm, NULL, c->base + c->hdr->rmm_off,
                                c->rmm_pool)) != APR_SUCCESS) {
        handle_free(c);
        apr_shm_detach(shm);
        return rv;
    }
    *cache = c;
    return APR_SUCCESS;
}

APR_DECLARE(apr_status_t) apr_shm_cache_detach(apr_shm_cache_t *cache)
{
    if (cache->shm_pool) {
        /* The creator's: its pool would unmap the address again later,
         * by then perhaps someone else's mapping. */
        return APR_EINVAL;
    }
    handle_free(cache);
    return apr_shm_detach(cache->shm);
}

/* The pools of released zones: each keeps APR's cleanup that would remove
 * its zone's name, so it is never destroyed; listed here (outside it:
 * APR may take its memory from mmap()), it stays this process's, as
 * documented, rather than lost. */
typedef struct released_t {
    apr_pool_t *pool;
    apr_allocator_t *allocator;
    struct released_t *next;
} released_t;
static released_t *released;

APR_DECLARE(apr_status_t) apr_shm_cache_release(apr_shm_cache_t *cache)
{
    released_t *r;
    apr_status_t rv;

    if (!cache->shm_pool || getpid() != cache->creator) {
        return APR_EINVAL;
    }
    if (!(r = malloc(sizeof(*r)))) {
        return APR_ENOMEM;
    }
    /* Unmaps; an anonymous segment (no name to find it by) is refused. */
    if ((rv = apr_shm_detach(cache->shm)) != APR_SUCCESS) {
        free(r);
        return rv;
    }
    handle_free(cache);
    apr_pool_cleanup_kill(cache->pool, cache, zone_cleanup);
    r->pool = cache->shm_pool;
    r->allocator = apr_pool_allocator_get(cache->shm_pool);
    r->next = __atomic_load_n(&released, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&released, &r->next, r, 1,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
    }
    cache->shm_pool = NULL;
    return APR_SUCCESS;
}

APR_DECLARE(apr_status_t) apr_shm_cache_destroy(apr_shm_cache_t *cache)
{
    if (!cache->shm_pool) {
        return apr_shm_cache_detach(cache);     /* attached: not ours */
    }
    handle_free(cache);
    return apr_pool_cleanup_run(cache->pool, cache, zone_cleanup);
}

/* ---- operations ------------------------------------------------------------ */

/* counted: in the zone's hits and misses (apr_shm_cache_peek() is not). */
static apr_status_t get_entry(apr_shm_cache_t *c, const char *key,
                              void **val, apr_size_t *len,
                              apr_uint64_t *version, apr_pool_t *pool,
                              int counted)
{
    apr_size_t klen, vlen = 0, bufsize = 0;
    apr_uint64_t ver = 0;
    char *buf = NULL;
    shc_entry_t *e;
    apr_uint32_t h;
    apr_status_t rv;
    int r;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS) {
        return rv;
    }
    h = shc_hash(key, klen, c->seed);
    r = read_optimistic(c, key, klen, h, &buf, &bufsize, &vlen, &ver, pool);
    if (r < 0) {
        /* A reader's hold: a holder killed here before any change leaves
         * the zone as it was (find_live() marks a removal). */
        if ((rv = shc_lock(c)) != APR_SUCCESS) {
            if (counted) {
                count_get(c, 0);
            }
            return rv;
        }
        e = find_live(c, key, klen, h);
        if (e) {
            vlen = e->vlen;
            if (vlen >= bufsize) {
                buf = apr_palloc(pool, vlen + 1);
            }
            memcpy(buf, entry_val(e), vlen);
            buf[vlen] = '\0';
            ver = e->version;
            shc_access_set(c, shc_off(c, e));
        }
        shc_unlock(c);
        r = e != NULL;
    }
    if (counted) {
        count_get(c, r);
    }
    if (!r) {
        return APR_SHM_CACHE_NOTFOUND;
    }
    *val = buf;
    if (len) {
        *len = vlen;
    }
    if (version) {
        *version = ver;
    }
    return APR_SUCCESS;
}

APR_DECLARE(apr_status_t) apr_shm_cache_get(apr_shm_cache_t *c,
                                            const char *key,
                                            void **val, apr_size_t *len,
                                            apr_uint64_t *version,
                                            apr_pool_t *pool)
{
    return get_entry(c, key, val, len, version, pool, 1);
}

APR_DECLARE(apr_status_t) apr_shm_cache_peek(apr_shm_cache_t *c,
                                             const char *key,
                                             void **val, apr_size_t *len,
                                             apr_uint64_t *version,
                                             apr_pool_t *pool)
{
    return get_entry(c, key, val, len, version, pool, 0);
}

/* Stores under the lock.  tags were checked, cls fits key, value, tags,
 * or is -1 when no class does. */
static apr_status_t store_locked(apr_shm_cache_t *c, shc_mode_e mode,
                                 const char *key, apr_size_t klen,
                                 apr_uint32_t h, const void *val,
                                 apr_size_t vlen, apr_time_t expires,
                                 const char *const *tags, int ntags,
                                 int cls, apr_uint64_t cas,
                                 apr_uint64_t *version)
{
    shc_header_t *hdr = c->hdr;
    shc_entry_t *e = find_live(c, key, klen, h);
    apr_uint32_t tag_ids[APR_SHM_CACHE_MAX_TAGS];
    shc_off_t off, *bucket;
    shc_link_t *l;
    apr_size_t half;
    int i;

    if (mode == SHC_ADD && e) {
        return APR_SHM_CACHE_EEXIST;
    }
    if ((mode == SHC_REPLACE || mode == SHC_CAS) && !e) {
        return APR_SHM_CACHE_NOTFOUND;
    }
    if (mode == SHC_CAS && e->version != cas) {
        return APR_SHM_CACHE_ECHANGED;
    }
    /* From here on a store that fails leaves no entry: the old value
     * would be stale. */
    mark_dirty(c);
    if (e) {
        shc_entry_remove(c, e, SHC_WHY_REPLACE);
    }
    if (cls < 0) {
        return APR_SHM_CACHE_ETOOBIG;
    }
    if (!(off = shc_slab_alloc(c, (unsigned)cls))) {
        return APR_SHM_CACHE_ENOSPC;
    }
    e = SHC_ENTRY(c, off);
    /* Expired entries may hold the tag records: sweep them and try once
     * more, then evict.  The new slot is on no list yet, so neither the
     * sweep nor eviction takes it. */
    if (!tags_acquire(c, tags, ntags, tag_ids)
        && !(shc_sweep_expired(c, apr_time_now())
             && tags_acquire(c, tags, ntags, tag_ids))
        && !tags_evict(c, tags, ntags, tag_ids)) {
        shc_slab_free(c, e);
        return APR_SHM_CACHE_ETAGSFULL;
    }
    stripe_open(c, stripe_of(hdr, h));
    e->hash = h;
    e->klen = (apr_uint16_t)klen;
    e->vlen = (apr_uint32_t)vlen;
    e->ntags = (apr_byte_t)ntags;
    e->expires = expires;
    if (expires && expires < hdr->expiry_min) {
        hdr->expiry_min = expires;
    }
    e->version = hdr->next_version++;
    l = entry_links(e);
    for (i = 0; i < ntags; i++) {
        shc_tag_t *t = &c->tags[tag_ids[i] - 1];
        l[i].tag = tag_ids[i];
        l[i].entry = off;
        l[i].prev = 0;
        l[i].next = t->head;
        if (t->head) {
            ((shc_link_t *)SHC_AT(c, t->head))->prev = shc_off(c, &l[i]);
        }
        t->head = shc_off(c, &l[i]);
        t->count++;
    }
    memcpy(entry_key(e), key, klen);
    bucket = &c->buckets[h & (hdr->nbuckets - 1)];
    e->next = *bucket;
    e->kind = SHC_KIND_ENTRY;
    *bucket = off;
    half = vlen / 2;
    if (vlen) {
        memcpy(entry_val(e), val, half);
    }
#ifdef APR_SHM_CACHE_TESTING
    if (c->test_kill) {
        /* Test hook: die (or stop) holding the lock with a half-written
         * entry. */
        raise(c->test_kill);
    }
#endif
    if (vlen) {
        memcpy(entry_val(e) + half, (const char *)val + half, vlen - half);
    }
    e->sum = entry_sum(e);
    shc_lru_push(c, e);
    hdr->classes[cls].entries++;
    hdr->entries++;
    hdr->bytes_data += klen + vlen;
    if (version) {
        *version = e->version;
    }
    return APR_SUCCESS;
}

static apr_status_t store(apr_shm_cache_t *c, shc_mode_e mode,
                          const char *key, const void *val, apr_size_t vlen,
                          apr_interval_time_t ttl, const char *const *tags,
                          int ntags, apr_uint64_t cas, apr_uint64_t *version)
{
    apr_size_t klen;
    apr_time_t expires = 0;
    apr_uint32_t h;
    apr_status_t rv;
    int cls;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS
        || (rv = check_tags(tags, ntags)) != APR_SUCCESS) {
        return rv;
    }
    if ((!val && vlen) || ttl < 0) {
        return APR_EINVAL;
    }
    /* Too big is decided under the lock, where the entry it replaces
     * goes too. */
    cls = vlen > c->hdr->page_size ? -1
          : shc_slab_class(c->hdr, sizeof(shc_entry_t) + klen + vlen
                                   + ntags * sizeof(shc_link_t));
    h = shc_hash(key, klen, c->seed);
    if ((rv = shc_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    /* A TTL that reaches past the end of apr_time_t never expires. */
    if (ttl && __builtin_add_overflow(apr_time_now(), ttl, &expires)) {
        expires = APR_INT64_MAX;
    }
    rv = store_locked(c, mode, key, klen, h, val, vlen, expires, tags, ntags,
                      cls, cas, version);
    if (rv == APR_SUCCESS) {
        c->hdr->sets++;
    }
    shc_unlock(c);
    return rv;
}

APR_DECLARE(apr_status_t) apr_shm_cache_set(apr_shm_cache_t *cache,
                                            const char *key,
                                            const void *val, apr_size_t len,
                                            apr_interval_time_t ttl)
{
    return store(cache, SHC_SET, key, val, len, ttl, NULL, 0, 0, NULL);
}

APR_DECLARE(apr_status_t) apr_shm_cache_set_tagged(apr_shm_cache_t *cache,
                                                   const char *key,
                                                   const void *val,
                                                   apr_size_t len,
                                                   apr_interval_time_t ttl,
                                                   const char *const *tags,
                                                   int ntags)
{
    return store(cache, SHC_SET, key, val, len, ttl, tags, ntags, 0, NULL);
}

APR_DECLARE(apr_status_t) apr_shm_cache_add(apr_shm_cache_t *cache,
                                            const char *key,
                                            const void *val, apr_size_t len,
                                            apr_interval_time_t ttl)
{
    return store(cache, SHC_ADD, key, val, len, ttl, NULL, 0, 0, NULL);
}

APR_DECLARE(apr_status_t) apr_shm_cache_replace(apr_shm_cache_t *cache,
                                                const char *key,
                                                const void *val,
                                                apr_size_t len,
                                                apr_interval_time_t ttl)
{
    return store(cache, SHC_REPLACE, key, val, len, ttl, NULL, 0, 0, NULL);
}

APR_DECLARE(apr_status_t) apr_shm_cache_cas(apr_shm_cache_t *cache,
                                            const char *key,
                                            const void *val, apr_size_t len,
                                            apr_interval_time_t ttl,
                                            apr_uint64_t version,
                                            apr_uint64_t *new_version)
{
    return store(cache, SHC_CAS, key, val, len, ttl, NULL, 0, version,
                 new_version);
}

APR_DECLARE(apr_status_t) apr_shm_cache_delete(apr_shm_cache_t *c,
                                               const char *key)
{
    apr_size_t klen;
    apr_status_t rv;
    shc_entry_t *e;
    apr_uint32_t h;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS) {
        return rv;
    }
    h = shc_hash(key, klen, c->seed);
    if ((rv = shc_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    e = find_live(c, key, klen, h);
    if (e) {
        mark_dirty(c);
        shc_entry_remove(c, e, SHC_WHY_DELETE);
    }
    shc_unlock(c);
    return e ? APR_SUCCESS : APR_SHM_CACHE_NOTFOUND;
}

/* Parses a whole value as a signed 64-bit decimal integer. */
static int parse_int64(const char *s, apr_size_t n, apr_int64_t *out)
{
    apr_int64_t v = 0;
    apr_size_t i = 0;
    int neg = 0;

    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n) {
        return 0;
    }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9'
            || __builtin_mul_overflow(v, 10, &v)
            || __builtin_add_overflow(v, neg ? -(s[i] - '0') : s[i] - '0',
                                      &v)) {
            return 0;
        }
    }
    *out = v;
    return 1;
}

/* incr and decr: subtracting is not adding -delta, which overflows for
 * APR_INT64_MIN. */
static apr_status_t count_by(apr_shm_cache_t *c, const char *key,
                             apr_int64_t delta, int subtract,
                             apr_int64_t *result)
{
    char num[24], names[APR_SHM_CACHE_MAX_TAGS][APR_SHM_CACHE_MAX_TAG + 1];
    const char *tags[APR_SHM_CACHE_MAX_TAGS];
    apr_size_t klen, nlen, need;
    apr_int64_t v = 0;
    apr_status_t rv;
    shc_entry_t *e;
    apr_uint32_t h;
    int i, ntags, cls;

    if ((rv = check_key(key, &klen)) != APR_SUCCESS) {
        return rv;
    }
    h = shc_hash(key, klen, c->seed);
    if ((rv = shc_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    if (!(e = find_live(c, key, klen, h))) {
        rv = APR_SHM_CACHE_NOTFOUND;
    }
    else if (!parse_int64(entry_val(e), e->vlen, &v)
             || (subtract ? __builtin_sub_overflow(v, delta, &v)
                          : __builtin_add_overflow(v, delta, &v))) {
        rv = APR_SHM_CACHE_ENOTNUM;
    }
    else {
        mark_dirty(c);
        nlen = (apr_size_t)apr_snprintf(num, sizeof(num), "%" APR_INT64_T_FMT,
                                        v);
        need = sizeof(*e) + e->ntags * sizeof(shc_link_t) + klen + nlen;
        if (need <= c->hdr->classes[e->cls].size) {
            stripe_open(c, stripe_of(c->hdr, h));
            c->hdr->bytes_data += nlen;
            c->hdr->bytes_data -= e->vlen;
            memcpy(entry_val(e), num, nlen);
            e->vlen = (apr_uint32_t)nlen;
            e->sum = entry_sum(e);
            e->version = c->hdr->next_version++;
            shc_access_set(c, shc_off(c, e));   /* a use, as a get is */
        }
        else if ((cls = shc_slab_class(c->hdr, need)) < 0) {
            rv = APR_SHM_CACHE_ETOOBIG;
        }
        else {
            /* Another size class: store anew, keeping expiry and tags. */
            apr_time_t expires = e->expires;
            ntags = e->ntags;
            for (i = 0; i < ntags; i++) {
                shc_tag_t *t = &c->tags[entry_links(e)[i].tag - 1];
                memcpy(names[i], t->name, t->nlen + 1);
                tags[i] = names[i];
            }
            shc_entry_remove(c, e, SHC_WHY_REPLACE);
            rv = store_locked(c, SHC_SET, key, klen, h, num, nlen, expires,
                              tags, ntags, cls, 0, NULL);
        }
    }
    shc_unlock(c);
    if (rv == APR_SUCCESS && result) {
        *result = v;
    }
    return rv;
}

APR_DECLARE(apr_status_t) apr_shm_cache_incr(apr_shm_cache_t *cache,
                                             const char *key,
                                             apr_int64_t delta,
                                             apr_int64_t *result)
{
    return count_by(cache, key, delta, 0, result);
}

APR_DECLARE(apr_status_t) apr_shm_cache_decr(apr_shm_cache_t *cache,
                                             const char *key,
                                             apr_int64_t delta,
                                             apr_int64_t *result)
{
    return count_by(cache, key, delta, 1, result);
}

APR_DECLARE(apr_status_t) apr_shm_cache_invalidate_tag(apr_shm_cache_t *c,
                                                       const char *tag,
                                                       apr_size_t *removed)
{
    apr_size_t n = 0, nlen;
    apr_uint32_t i;
    apr_status_t rv;

    if ((rv = check_tags(&tag, 1)) != APR_SUCCESS) {
        return rv;
    }
    nlen = strlen(tag);
    if ((rv = shc_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    i = tag_find(c, tag, nlen, shc_hash(tag, nlen, c->seed ^ SHC_TAG_SEED));
    if (i && c->tags[i - 1].count) {
        mark_dirty(c);
    }
    /* The record is released with its last entry. */
    while (i && c->tags[i - 1].count) {
        shc_tag_t *t = &c->tags[i - 1];
        shc_link_t *l = SHC_AT(c, t->head);
        int last = t->count == 1;
        shc_entry_remove(c, SHC_ENTRY(c, l->entry), SHC_WHY_INVALIDATE);
        n++;
        if (last) {
            break;
        }
    }
    shc_unlock(c);
    if (removed) {
        *removed = n;
    }
    return APR_SUCCESS;
}

APR_DECLARE(apr_status_t) apr_shm_cache_clear(apr_shm_cache_t *c)
{
    apr_status_t rv = shc_lock(c);

    if (rv == APR_SUCCESS) {
        mark_dirty(c);
        rv = reset_all(c);
        shc_unlock(c);
    }
    return rv;
}

typedef struct {
    char *key;
    void *val;
    apr_size_t len;
    apr_uint64_t version;
    apr_time_t expires;
} iter_item_t;

APR_DECLARE(apr_status_t) apr_shm_cache_iterate(apr_shm_cache_t *c,
                                                apr_shm_cache_iter_fn *fn,
                                                void *baton,
                                                apr_pool_t *pool)
{
    apr_uint32_t b = 0, nb = c->hdr->nbuckets;
    apr_array_header_t *items;
    apr_pool_t *scratch;
    apr_status_t rv;
    int i;

    if ((rv = apr_pool_create(&scratch, pool)) != APR_SUCCESS) {
        return rv;
    }
    while (rv == APR_SUCCESS && b < nb) {
        apr_uint32_t end = b + SHC_ITER_BATCH < nb ? b + SHC_ITER_BATCH : nb;
        apr_time_t now = apr_time_now();

        apr_pool_clear(scratch);
        items = apr_array_make(scratch, 16, sizeof(iter_item_t));
        if ((rv = shc_lock(c)) != APR_SUCCESS) {
            break;
        }
        for (; b < end; b++) {
            shc_off_t off;
            for (off = c->buckets[b]; off; off = SHC_ENTRY(c, off)->next) {
                shc_entry_t *e = SHC_ENTRY(c, off);
                iter_item_t *it;
                if ((e->expires && e->expires <= now)
                    || e->sum != entry_sum(e)) {
                    continue;
                }
                it = apr_array_push(items);
                it->key = apr_pstrmemdup(scratch, entry_key(e), e->klen);
                it->val = apr_pstrmemdup(scratch, entry_val(e), e->vlen);
                it->len = e->vlen;
                it->version = e->version;
                it->expires = e->expires;
            }
        }
        shc_unlock(c);
        for (i = 0; rv == APR_SUCCESS && i < items->nelts; i++) {
            iter_item_t *it = &APR_ARRAY_IDX(items, i, iter_item_t);
            rv = fn(baton, it->key, it->val, it->len, it->version,
                    it->expires);
        }
    }
    apr_pool_destroy(scratch);
    return rv;
}

APR_DECLARE(apr_status_t) apr_shm_cache_stats(apr_shm_cache_t *c,
                                              apr_shm_cache_stats_t *st)
{
    shc_header_t *hdr = c->hdr;
    apr_status_t rv;
    unsigned i;

    memset(st, 0, sizeof(*st));
    for (i = 0; i < SHC_STAT_SLOTS; i++) {
        st->hits += __atomic_load_n(&hdr->hm[i].hits, __ATOMIC_RELAXED);
        st->misses += __atomic_load_n(&hdr->hm[i].misses, __ATOMIC_RELAXED);
    }
    if ((rv = shc_lock(c)) != APR_SUCCESS) {
        return rv;
    }
    st->entries = hdr->entries;
    st->tags = hdr->tags_used;
    st->bytes_data = hdr->bytes_data;
    shc_slab_usage(hdr, &st->bytes_used, &st->bytes_free);
    st->sets = hdr->sets;
    st->deletes = hdr->deletes;
    st->evictions = hdr->evictions;
    st->expirations = hdr->expirations;
    st->invalidations = hdr->invalidations;
    st->recoveries = hdr->recoveries;
    st->clears = hdr->clears;
    st->size = (apr_size_t)hdr->size;
    st->page_size = hdr->page_size;
    st->max_entry = hdr->classes[hdr->nclasses - 1].size - sizeof(shc_entry_t);
    st->pages = hdr->pages;
    st->max_pages = hdr->max_pages;
    st->max_tags = hdr->ntags;
    shc_unlock(c);
    st->lock_waits = __atomic_load_n(&hdr->lock_waits, __ATOMIC_RELAXED);
    st->lock_timeouts = __atomic_load_n(&hdr->lock_timeouts, __ATOMIC_RELAXED);
    return APR_SUCCESS;
}

APR_DECLARE(char *) apr_shm_cache_strerror(apr_status_t status, char *buf,
                                           apr_size_t bufsize)
{
    static const char *const msgs[] = {
        NULL,
        "cache key is NULL or empty",
        "cache key is longer than APR_SHM_CACHE_MAX_KEY",
        "cache entry is larger than the largest size class",
        "cache zone is smaller than APR_SHM_CACHE_MIN_SIZE",
        "cache zone is 4 GB or larger",
        "shared memory segment is not (yet) a complete apr_shm_cache zone",
        "cache zone has another layout version",
        "cache zone size disagrees with its header",
        "no such cache entry",
        "cache entry already exists",
        "cache entry changed since it was read",
        "cache value is not a 64-bit decimal integer",
        "bad cache tag (NULL, empty, too long, or too many)",
        "cache tag table is full",
        "no room in the cache zone, even after eviction",
        "cache zone's lock held too long by another process"
    };
    apr_status_t i = status - APR_SHM_CACHE_START;

    if (i > 0 && i < (apr_status_t)(sizeof(msgs) / sizeof(msgs[0]))) {
        apr_cpystrn(buf, msgs[i], bufsize);
        return buf;
    }
    return apr_strerror(status, buf, bufsize);
}
