/* Internal layout of an apr_shm_cache segment, shared by apr_shm_cache.c
 * (index, tags, locking, API) and slab.c (pages, size classes, LRU).
 *
 * Segment:  shc_header_t | hash buckets | tag buckets | tag records |
 *           access bits | apr_rmm region (slab pages)
 * Every reference inside the segment is a 32-bit offset from the segment
 * base; 0 means none (the header lives there).
 */
#ifndef SHC_PRIVATE_H
#define SHC_PRIVATE_H

#include <pthread.h>
#include <unistd.h>
#include "apr_shm.h"
#include "apr_rmm.h"
#include "apr_shm_cache.h"

#define SHC_MAGIC        0x43485341u   /* "ASHC" */
#define SHC_LAYOUT       4u
#define SHC_STRIPES      64            /* reader sequence words */
#define SHC_STAT_SLOTS   16            /* hit/miss counters, per process */
#define SHC_MAX_CLASSES  64
#define SHC_MIN_SLOT     64
#define SHC_GRANULE      6             /* one access bit per 64 bytes */

typedef apr_uint32_t shc_off_t;

enum { SHC_KIND_FREE = 0x46524545u, SHC_KIND_ENTRY = 0x454e5452u };

/* An entry: this header, ntags links, the key, then the value. */
typedef struct {
    apr_uint32_t kind;
    shc_off_t page;              /* owning slab page */
    shc_off_t next;              /* hash chain, or free list when free */
    apr_uint32_t hash;
    shc_off_t lprev, lnext;      /* LRU list of the size class */
    apr_uint32_t vlen;
    apr_uint16_t klen;
    apr_byte_t ntags;
    apr_byte_t cls;
    apr_uint32_t sum;            /* checksum of key and value */
    apr_uint32_t stamp;          /* next_version when put at the LRU head */
    apr_uint64_t version;
    apr_int64_t expires;         /* apr_time_t, 0 = never */
} shc_entry_t;

/* Membership of an entry in a tag's list. */
typedef struct {
    apr_uint32_t tag;            /* tag record index + 1 */
    shc_off_t entry;
    shc_off_t prev, next;        /* other links of the same tag */
} shc_link_t;

typedef struct {
    apr_uint32_t next;           /* chain or free list, index + 1 */
    apr_uint32_t hash;
    shc_off_t head;              /* first link */
    apr_uint32_t count;
    apr_uint16_t nlen;
    char name[APR_SHM_CACHE_MAX_TAG + 1];
} shc_tag_t;

typedef struct {
    apr_uint32_t cls;
    apr_uint32_t used;           /* slots holding entries */
    apr_uint32_t carved;         /* slots handed out at least once */
    shc_off_t free;              /* free slots given back */
    shc_off_t prev, next;        /* list of pages with room, or (next)
                                  * the zone's list of empty pages */
    apr_uint32_t pad[2];
} shc_page_t;

typedef struct {
    apr_uint32_t size;           /* slot size */
    apr_uint32_t per_page;
    shc_off_t partial;           /* pages with a free slot */
    shc_off_t lru_head, lru_tail;
    apr_uint32_t pages;
    apr_uint64_t entries;
} shc_class_t;

typedef struct {
    apr_uint64_t hits;
    apr_uint64_t misses;
    char pad[48];
} shc_hitmiss_t;

/* magic, layout and size stay first: attach checks them before anything. */
typedef struct {
    apr_uint32_t magic;
    apr_uint32_t layout;
    apr_uint64_t size;
    apr_uint32_t page_size;
    apr_uint32_t nbuckets;
    apr_uint32_t ntag_buckets;
    apr_uint32_t ntags;
    apr_uint32_t nclasses;
    shc_off_t buckets_off, tag_buckets_off, tags_off, access_off, rmm_off;
    apr_uint32_t rmm_size;
    apr_uint32_t max_pages;
    apr_uint64_t seed;           /* of the key hash, random per zone */
    char pad0[64];               /* keep what readers use off writers' lines */
    pthread_mutex_t lock;
    volatile apr_uint32_t dirty; /* a writer is mid-change */
    apr_uint32_t pages;          /* held by a class, not on empty_pages */
    shc_off_t empty_pages;       /* pages no class holds, kept from apr_rmm */
    apr_uint32_t tag_free;
    apr_uint32_t tags_used;
    apr_uint64_t next_version;
    apr_int64_t expiry_min;      /* no entry expires before (a lower bound) */
    apr_int64_t last_sweep;      /* start of shc_sweep_expired()'s last pass */
    apr_int64_t sweep_min;       /* expiry_min of what this pass has seen */
    apr_uint32_t sweeping;       /* a pass is under way, at: */
    apr_uint32_t sweep_cls;      /* this class's LRU list, */
    shc_off_t sweep_at;          /* this entry next (0: the class's end) */
    apr_uint64_t entries, bytes_data;
    apr_uint64_t sets, deletes, evictions, expirations, invalidations;
    apr_uint64_t recoveries, clears;
    /* Taken from pad1 (the layout stays; older zones hold zeros there). */
    apr_int64_t stuck_until;     /* CLOCK_MONOTONIC us: a locker timed out,
                                  * others give up at once until then (0
                                  * again once the lock is taken) */
    apr_uint64_t lock_timeouts;
    char pad1[48];
    apr_uint32_t seq[SHC_STRIPES];
    apr_uint64_t lock_waits;     /* bumped by waiters, not by the holder */
    shc_hitmiss_t hm[SHC_STAT_SLOTS];    /* 64-byte strides: few shared lines */
    shc_class_t classes[SHC_MAX_CLASSES];
} shc_header_t;

struct apr_shm_cache_t {
    apr_pool_t *pool;
    apr_shm_t *shm;
    apr_pool_t *shm_pool;        /* create: holds shm, out of APR's reach */
    pid_t creator;               /* create: the process that removes it */
    char *base;
    shc_header_t *hdr;
    shc_off_t *buckets;
    apr_uint32_t *tag_buckets;
    shc_tag_t *tags;
    apr_byte_t *access;
    apr_rmm_t *rmm;
    apr_pool_t *rmm_pool;        /* holds rmm; cleared when rmm is rebuilt */
    apr_uint32_t tag_hand;       /* where fewest_tag() looks next */
    apr_uint64_t open;           /* stripes made odd by the current writer */
    apr_uint64_t seed;           /* copy of the header's */
    apr_uint32_t max_chain;      /* longer chains are read mid-change */
#ifdef APR_SHM_CACHE_TESTING
    int test_kill;               /* test hook: signal to raise in the
                                  * middle of a set (SIGKILL, SIGSTOP) */
    int test_kill_locked;        /* test hook: SIGKILL as soon as the
                                  * lock is taken */
    int test_kill_unlock;        /* test hook: SIGKILL as the lock is let
                                  * go, the write-in-progress word as the
                                  * call left it */
#endif
};

#define SHC_AT(c, off)    ((void *)((c)->base + (off)))
#define SHC_ENTRY(c, off) ((shc_entry_t *)SHC_AT(c, off))
#define SHC_PAGE(c, off)  ((shc_page_t *)SHC_AT(c, off))

/* slab.c */
void shc_slab_layout(shc_header_t *hdr);
apr_status_t shc_slab_reset(apr_shm_cache_t *c);
shc_off_t shc_slab_alloc(apr_shm_cache_t *c, unsigned cls);
void shc_slab_free(apr_shm_cache_t *c, shc_entry_t *e);
int shc_slab_class(const shc_header_t *hdr, apr_size_t need);
void shc_lru_push(apr_shm_cache_t *c, shc_entry_t *e);
void shc_lru_unlink(apr_shm_cache_t *c, shc_entry_t *e);
void shc_slab_usage(const shc_header_t *hdr, apr_uint64_t *used,
                    apr_uint64_t *free_bytes);
int shc_sweep_expired(apr_shm_cache_t *c, apr_time_t now);

/* apr_shm_cache.c: removal is needed by eviction in slab.c */
typedef enum {
    SHC_WHY_DELETE, SHC_WHY_REPLACE, SHC_WHY_EVICT, SHC_WHY_EXPIRE,
    SHC_WHY_INVALIDATE
} shc_why_e;
void shc_entry_remove(apr_shm_cache_t *c, shc_entry_t *e, shc_why_e why);

static APR_INLINE shc_off_t shc_off(const apr_shm_cache_t *c, const void *p)
{
    return (shc_off_t)((const char *)p - c->base);
}

static APR_INLINE void shc_access_set(apr_shm_cache_t *c, shc_off_t off)
{
    apr_byte_t *b = &c->access[off >> (SHC_GRANULE + 3)];
    apr_byte_t bit = (apr_byte_t)(1u << ((off >> SHC_GRANULE) & 7));

    if (!(__atomic_load_n(b, __ATOMIC_RELAXED) & bit)) {
        __atomic_fetch_or(b, bit, __ATOMIC_RELAXED);
    }
}

/* Clears the bit and says whether it was set. */
static APR_INLINE int shc_access_take(apr_shm_cache_t *c, shc_off_t off)
{
    apr_byte_t *b = &c->access[off >> (SHC_GRANULE + 3)];
    apr_byte_t bit = (apr_byte_t)(1u << ((off >> SHC_GRANULE) & 7));

    return (__atomic_fetch_and(b, (apr_byte_t)~bit, __ATOMIC_RELAXED) & bit)
           != 0;
}

#endif /* SHC_PRIVATE_H */
