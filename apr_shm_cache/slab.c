/* Slab allocator of apr_shm_cache: apr_rmm hands out whole pages (one
 * apr_rmm_malloc per page, never per entry); each page belongs to one size
 * class and is cut into equal slots.  A page whose last slot is freed
 * leaves its class for the zone's list of empty pages, which any class
 * takes from before asking apr_rmm.  Allocation and release are O(1).
 * When no page is left, expired entries of the whole zone are swept (a
 * pass starts at most once a second and looks at SHC_SWEEP_STEP entries
 * per call, so that no store holds the lock for a walk of a million
 * entries); failing that, a class either evicts its least
 * recently used entry (CLOCK style: an entry read since it was last looked
 * at gets a second chance) or, when another class's LRU tail has waited
 * far longer (weighted by slot size), empties that tail's page and takes
 * it over (page_move()); a tail page of any class whose entries have all
 * expired goes first.
 * All functions run under the cache lock.
 */
#include "shc_private.h"

#define SHC_SECOND_CHANCES 8
#define SHC_SWEEP_EVERY    apr_time_from_sec(1)
#define SHC_SWEEP_STEP     4096

static apr_uint32_t align8(apr_uint64_t n)
{
    return (apr_uint32_t)((n + 7) & ~(apr_uint64_t)7);
}

void shc_slab_layout(shc_header_t *hdr)
{
    apr_uint32_t room = hdr->page_size - (apr_uint32_t)sizeof(shc_page_t);
    apr_uint32_t size = SHC_MIN_SLOT;
    unsigned n = 0;

    /* Classes grow by 1/4 up to the point where a page holds one slot;
     * the last class is the whole page. */
    while (n < SHC_MAX_CLASSES - 1 && room / size > 1) {
        hdr->classes[n].size = size;
        hdr->classes[n].per_page = room / size;
        n++;
        size = align8((apr_uint64_t)size + size / 4);
    }
    hdr->classes[n].size = room & ~7u;
    hdr->classes[n].per_page = 1;
    hdr->nclasses = n + 1;
}

int shc_slab_class(const shc_header_t *hdr, apr_size_t need)
{
    int lo = 0, hi = (int)hdr->nclasses - 1;

    if (need > hdr->classes[hi].size) {
        return -1;
    }
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (hdr->classes[mid].size >= need) {
            hi = mid;
        }
        else {
            lo = mid + 1;
        }
    }
    return lo;
}

apr_status_t shc_slab_reset(apr_shm_cache_t *c)
{
    shc_header_t *hdr = c->hdr;
    apr_uint64_t per = (apr_uint64_t)hdr->page_size + apr_rmm_overhead_get(1)
                       - apr_rmm_overhead_get(0);
    unsigned i;

    for (i = 0; i < hdr->nclasses; i++) {
        shc_class_t *cl = &hdr->classes[i];
        cl->partial = cl->lru_head = cl->lru_tail = 0;
        cl->pages = 0;
        cl->entries = 0;
    }
    hdr->pages = 0;
    hdr->empty_pages = 0;
    hdr->expiry_min = APR_INT64_MAX;
    hdr->last_sweep = 0;
    hdr->sweeping = 0;
    hdr->max_pages = (apr_uint32_t)((hdr->rmm_size - apr_rmm_overhead_get(0))
                                    / per);
    /* A dead writer may have torn apr_rmm's own lists: start them over. */
    apr_pool_clear(c->rmm_pool);
    return apr_rmm_init(&c->rmm, NULL, c->base + hdr->rmm_off, hdr->rmm_size,
                        c->rmm_pool);
}

static void partial_push(apr_shm_cache_t *c, shc_class_t *cl, shc_off_t pg)
{
    shc_page_t *p = SHC_PAGE(c, pg);

    p->prev = 0;
    p->next = cl->partial;
    if (cl->partial) {
        SHC_PAGE(c, cl->partial)->prev = pg;
    }
    cl->partial = pg;
}

static void partial_unlink(apr_shm_cache_t *c, shc_class_t *cl, shc_off_t pg)
{
    shc_page_t *p = SHC_PAGE(c, pg);

    if (p->prev) {
        SHC_PAGE(c, p->prev)->next = p->next;
    }
    else {
        cl->partial = p->next;
    }
    if (p->next) {
        SHC_PAGE(c, p->next)->prev = p->prev;
    }
    p->prev = p->next = 0;
}

static void page_init(apr_shm_cache_t *c, unsigned cls, shc_off_t pg)
{
    shc_page_t *p = SHC_PAGE(c, pg);
    shc_class_t *cl = &c->hdr->classes[cls];

    p->cls = cls;
    p->used = 0;
    p->carved = 0;
    p->free = 0;
    cl->pages++;
    partial_push(c, cl, pg);
}

/* Gives cls a page: an empty one of the zone, else a new one. */
static int page_new(apr_shm_cache_t *c, unsigned cls)
{
    shc_header_t *hdr = c->hdr;
    shc_off_t pg = hdr->empty_pages;
    apr_rmm_off_t off;

    if (pg) {
        hdr->empty_pages = SHC_PAGE(c, pg)->next;
    }
    else {
        /* No empty page: pages is all that apr_rmm handed out. */
        if (hdr->pages >= hdr->max_pages) {
            return 0;
        }
        off = apr_rmm_malloc(c->rmm, hdr->page_size);
        if (!off) {
            hdr->max_pages = hdr->pages;    /* do not walk rmm again in vain */
            return 0;
        }
        pg = (shc_off_t)(hdr->rmm_off + off);
    }
    hdr->pages++;
    page_init(c, cls, pg);
    return 1;
}

void shc_lru_push(apr_shm_cache_t *c, shc_entry_t *e)
{
    shc_class_t *cl = &c->hdr->classes[e->cls];
    shc_off_t off = shc_off(c, e);

    e->stamp = (apr_uint32_t)c->hdr->next_version;
    if (e->expires && e->expires < c->hdr->sweep_min) {
        /* A pass under way may be past the head (a store, or a read tail
         * entry given a second chance): what it finds must still bound
         * every expiry. */
        c->hdr->sweep_min = e->expires;
    }
    e->lprev = 0;
    e->lnext = cl->lru_head;
    if (cl->lru_head) {
        SHC_ENTRY(c, cl->lru_head)->lprev = off;
    }
    else {
        cl->lru_tail = off;
    }
    cl->lru_head = off;
}

void shc_lru_unlink(apr_shm_cache_t *c, shc_entry_t *e)
{
    shc_class_t *cl = &c->hdr->classes[e->cls];

    if (c->hdr->sweeping && c->hdr->sweep_at == shc_off(c, e)) {
        c->hdr->sweep_at = e->lnext;    /* the sweep's place stays valid */
    }
    if (e->lprev) {
        SHC_ENTRY(c, e->lprev)->lnext = e->lnext;
    }
    else {
        cl->lru_head = e->lnext;
    }
    if (e->lnext) {
        SHC_ENTRY(c, e->lnext)->lprev = e->lprev;
    }
    else {
        cl->lru_tail = e->lprev;
    }
    e->lprev = e->lnext = 0;
}

static int expired(const shc_entry_t *e, apr_time_t now)
{
    return e->expires && e->expires <= now;
}

/* Stores since e was last put at the head of its LRU.  The stamp keeps
 * the low 32 bits of the store counter: an entry left alone for 2^32
 * stores looks new again, which only delays page_move() taking its page. */
static apr_uint32_t lru_age(const apr_shm_cache_t *c, const shc_entry_t *e)
{
    return (apr_uint32_t)c->hdr->next_version - e->stamp;
}

/* The entry cl would evict: its LRU tail, once entries read since they
 * were last looked at went back to the head (CLOCK style).  NULL when
 * SHC_SECOND_CHANCES of them were read: the tail may well be read too. */
static shc_entry_t *lru_victim(apr_shm_cache_t *c, shc_class_t *cl,
                               apr_time_t now)
{
    int chances;

    for (chances = 0; chances < SHC_SECOND_CHANCES; chances++) {
        shc_entry_t *e = SHC_ENTRY(c, cl->lru_tail);

        if (expired(e, now) || !shc_access_take(c, cl->lru_tail)) {
            return e;
        }
        shc_lru_unlink(c, e);
        shc_lru_push(c, e);
    }
    return NULL;
}

/* Removes the expired entries among the next SHC_SWEEP_STEP of a pass
 * over every class's LRU list.  A pass starts only when an entry may have
 * expired, at most once a second, and goes on at the next calls (an entry
 * unlinked meanwhile moves its place on: shc_lru_unlink()).  Expired
 * entries it has not reached yet wait for it, or for a get of their key.
 * Returns whether it removed any. */
int shc_sweep_expired(apr_shm_cache_t *c, apr_time_t now)
{
    shc_header_t *hdr = c->hdr;
    int removed = 0, budget = SHC_SWEEP_STEP;

    if (!hdr->sweeping) {
        if (now < hdr->expiry_min
            || (now >= hdr->last_sweep
                && now - hdr->last_sweep < SHC_SWEEP_EVERY)) {
            return 0;
        }
        hdr->last_sweep = now;
        hdr->sweep_min = APR_INT64_MAX;
        hdr->sweep_cls = 0;
        hdr->sweep_at = hdr->classes[0].lru_head;
        hdr->sweeping = 1;
    }
    while (budget-- > 0) {
        shc_entry_t *e;

        if (!hdr->sweep_at) {
            if (++hdr->sweep_cls >= hdr->nclasses) {
                /* Whole: what it saw, and what was stored meanwhile. */
                hdr->expiry_min = hdr->sweep_min;
                hdr->sweeping = 0;
                break;
            }
            hdr->sweep_at = hdr->classes[hdr->sweep_cls].lru_head;
            continue;
        }
        e = SHC_ENTRY(c, hdr->sweep_at);
        hdr->sweep_at = e->lnext;
        if (expired(e, now)) {
            shc_entry_remove(c, e, SHC_WHY_EXPIRE);
            removed = 1;
        }
        else if (e->expires && e->expires < hdr->sweep_min) {
            hdr->sweep_min = e->expires;
        }
    }
    return removed;
}

/* How long the entry has waited, weighted by its slot size: an entry is
 * worth a hit whatever its size, so the zone keeps small ones longer,
 * as Greedy-Dual-Size would.  Waiting the same for every class would
 * hand most pages to the largest values, which pack the worst. */
static apr_uint64_t lru_cost(const apr_shm_cache_t *c, const shc_entry_t *e)
{
    return (apr_uint64_t)lru_age(c, e) * c->hdr->classes[e->cls].size;
}

/* Whether every entry on page pg of class dc has expired: taking it
 * costs nothing live, whatever the costs of the tails. */
static int page_dead(apr_shm_cache_t *c, const shc_class_t *dc, shc_off_t pg,
                     apr_time_t now)
{
    const shc_page_t *p = SHC_PAGE(c, pg);
    apr_uint32_t i;

    for (i = 0; i < p->carved; i++) {
        const shc_entry_t *e = SHC_ENTRY(c, pg + sizeof(shc_page_t)
                                            + i * dc->size);

        if (e->kind == SHC_KIND_ENTRY && !expired(e, now)) {
            return 0;
        }
    }
    return 1;
}

/* Gives cls a page taken from the class whose LRU tail has the highest
 * lru_cost(): every entry of that tail's page goes.  When cls holds
 * entries, own is its victim, and the page moves only if the other
 * victim's cost is more than 4 times own's: so a class that started late
 * is not held to the pages it found (the cold class's cost grows with
 * every store), while noise in the tails of classes of a few entries does
 * not make pages go back and forth.  A class whose tail is being read
 * gives up nothing to a class that holds entries.  A tail page whose
 * entries have all expired (the sweep, at most once a second, has not
 * reached them yet), of any class, goes before any live entry. */
static int page_move(apr_shm_cache_t *c, unsigned cls,
                     const shc_entry_t *own, apr_time_t now)
{
    shc_header_t *hdr = c->hdr;
    shc_class_t *dc = NULL;
    shc_entry_t *e;
    shc_page_t *p;
    shc_off_t pg = 0;
    apr_uint64_t cost = 0;
    apr_uint32_t i;
    unsigned v;

    for (v = 0; v < hdr->nclasses; v++) {
        shc_class_t *vc = &hdr->classes[v];
        shc_entry_t *tail;
        apr_uint64_t vcost;

        if (v == cls || !vc->lru_tail) {
            continue;
        }
        tail = SHC_ENTRY(c, vc->lru_tail);
        if (expired(tail, now) && page_dead(c, vc, tail->page, now)) {
            dc = vc;                    /* costs nothing live */
            pg = tail->page;
            break;
        }
        vcost = lru_cost(c, tail);
        if (!dc || vcost > cost) {
            dc = vc;
            cost = vcost;
        }
    }
    if (!dc) {
        return 0;
    }
    if (!pg) {
        e = lru_victim(c, dc, now);
        if (own && (!e || lru_cost(c, e) / 4 <= lru_cost(c, own))
            && !(e && expired(e, now) && page_dead(c, dc, e->page, now))) {
            return 0;
        }
        pg = e ? e->page : SHC_ENTRY(c, dc->lru_tail)->page;
    }
    p = SHC_PAGE(c, pg);
    for (i = 0; i < p->carved; i++) {
        e = SHC_ENTRY(c, pg + sizeof(shc_page_t) + i * dc->size);
        if (e->kind == SHC_KIND_ENTRY) {
            shc_entry_remove(c, e, expired(e, now) ? SHC_WHY_EXPIRE
                                                   : SHC_WHY_EVICT);
        }
    }
    /* The page went to the head of the zone's empty list. */
    return page_new(c, cls);
}

/* Makes sure cls has a page with a free slot. */
static int make_room(apr_shm_cache_t *c, unsigned cls)
{
    shc_class_t *cl = &c->hdr->classes[cls];
    shc_entry_t *e = NULL;
    apr_time_t now;

    if (cl->partial || page_new(c, cls)) {
        return 1;
    }
    now = apr_time_now();
    /* An expired tail is reclaimed below at no cost; otherwise dead
     * entries of other classes may hold the pages. */
    if (!(cl->lru_tail && expired(SHC_ENTRY(c, cl->lru_tail), now))
        && shc_sweep_expired(c, now)
        && (cl->partial || page_new(c, cls))) {
        return 1;
    }
    if (cl->lru_tail) {
        if (!(e = lru_victim(c, cl, now))) {
            e = SHC_ENTRY(c, cl->lru_tail);
        }
        if (expired(e, now)) {
            shc_entry_remove(c, e, SHC_WHY_EXPIRE);
            return cl->partial || page_new(c, cls);
        }
    }
    if (page_move(c, cls, e, now)) {
        return 1;
    }
    if (!e) {
        return 0;
    }
    shc_entry_remove(c, e, SHC_WHY_EVICT);
    /* Its page may have emptied and left the class. */
    return cl->partial || page_new(c, cls);
}

shc_off_t shc_slab_alloc(apr_shm_cache_t *c, unsigned cls)
{
    shc_class_t *cl = &c->hdr->classes[cls];
    shc_page_t *p;
    shc_off_t pg, off;

    if (!make_room(c, cls)) {
        return 0;
    }
    pg = cl->partial;
    p = SHC_PAGE(c, pg);
    if (p->free) {
        off = p->free;
        p->free = SHC_ENTRY(c, off)->next;
    }
    else {
        off = pg + (shc_off_t)sizeof(shc_page_t) + p->carved * cl->size;
        p->carved++;
    }
    if (++p->used == cl->per_page) {
        partial_unlink(c, cl, pg);
    }
    SHC_ENTRY(c, off)->kind = 0;
    SHC_ENTRY(c, off)->page = pg;
    SHC_ENTRY(c, off)->cls = (apr_byte_t)cls;
    shc_access_take(c, off);
    return off;
}

void shc_slab_free(apr_shm_cache_t *c, shc_entry_t *e)
{
    shc_header_t *hdr = c->hdr;
    shc_off_t pg = e->page;
    shc_page_t *p = SHC_PAGE(c, pg);
    shc_class_t *cl = &hdr->classes[p->cls];
    int was_full = p->used-- == cl->per_page;

    e->kind = SHC_KIND_FREE;
    if (!p->used) {
        /* Empty: the page leaves its class, so any class may take it. */
        if (!was_full) {
            partial_unlink(c, cl, pg);
        }
        cl->pages--;
        hdr->pages--;
        p->next = hdr->empty_pages;
        hdr->empty_pages = pg;
        return;
    }
    e->next = p->free;
    p->free = shc_off(c, e);
    if (was_full) {
        partial_push(c, cl, pg);
    }
}

void shc_slab_usage(const shc_header_t *hdr, apr_uint64_t *used,
                    apr_uint64_t *free_bytes)
{
    apr_uint64_t u = 0, f = 0;
    unsigned i;

    for (i = 0; i < hdr->nclasses; i++) {
        const shc_class_t *cl = &hdr->classes[i];
        u += cl->entries * cl->size;
        f += ((apr_uint64_t)cl->pages * cl->per_page - cl->entries) * cl->size;
    }
    /* empty pages and those apr_rmm has not handed out yet */
    f += (apr_uint64_t)(hdr->max_pages - hdr->pages) * hdr->page_size;
    *used = u;
    *free_bytes = f;
}
