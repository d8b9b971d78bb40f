/**
 * @file apr_shm_cache.h
 * @brief A shared-memory key/value cache on top of apr_shm and apr_rmm.
 *
 * One apr_shm segment holds the whole cache: a header (magic, layout
 * version, size, a robust process-shared mutex, statistics), a hash index
 * and a tag table addressed by offsets, and slab pages obtained from
 * apr_rmm.  Entries are carved from size classes inside those pages, so
 * set, get and delete cost the same whatever the number of entries.
 *
 * Any process that maps the segment may use it: children that inherit it
 * through fork(), and unrelated (exec'd) processes that attach by name.
 * Every process maps the segment at its own address; the segment holds no
 * raw pointers.
 *
 * Concurrency: writers serialise on one robust pthread mutex that lives in
 * the segment.  Readers do not take it: each hash-bucket stripe carries a
 * sequence word that writers make odd while they modify entries of that
 * stripe, and a reader retries (or falls back to the mutex) when the word
 * moved under it.  If a process dies holding the mutex in the middle of a
 * change, the next locker sees EOWNERDEAD, finds the write-in-progress
 * word set and clears the cache; a torn entry is never returned (one that
 * dies holding it for a read, or before its change began, costs nothing:
 * a delete of a missing key, an add of a present one, a cas of another
 * version, an incr of a value that is not a number, an invalidate of an
 * unknown tag change nothing).
 * The kernel releases a dead holder's mutex only if the segment is still
 * mapped when it dies: detach or destroy a handle (or clean its pool, as
 * apr_terminate() at exit() does) only once no call of another thread of
 * the process is using it.  If a
 * process holds it without dying (stopped by SIGSTOP or a debugger), a
 * locker waits at most APR_SHM_CACHE_LOCK_TIMEOUT (on the monotonic clock
 * with glibc 2.30 or later: setting the system's clock does not stretch
 * it) and returns APR_SHM_CACHE_ELOCKED; after that, lockers that find
 * the mutex still taken give up at once, so that one stuck process costs
 * the others a cache miss, not a wait each: for a second, or until the
 * mutex is taken again (the stuck process has let go).
 *
 * All functions are safe to call from several threads and processes at
 * once with the same or different handles.  Keys are NUL-terminated
 * strings; values are binary.
 *
 * Memory: an entry takes a 56-byte header, 16 bytes per tag, its key and
 * its value, rounded up to its size class (classes grow by 1/4, so at most
 * a quarter is lost to rounding), but for the largest entries: one bigger
 * than the largest class that fits twice in a page (about 40% of a page)
 * takes a page of its own, so up to 60% of it is lost (in a 1 MB zone,
 * whose pages are 16 KB, an entry of 6.5 KB does; in a 64 MB zone, with
 * 1 MB pages, one of 450 KB).  Key + value + 16 x tags may not exceed
 * apr_shm_cache_stats_t::max_entry (about the page size: 4 KB to 1 MB,
 * 1/64 of the zone).  The zone also holds a hash index (4 bytes per 128
 * bytes of zone) and a tag table: one 84-byte record per distinct tag
 * carried by at least one entry, size / 16384 records but at least 64 and
 * at most 65536 (apr_shm_cache_stats_t::max_tags), so a 64 MB zone holds
 * 4096 distinct tags.  A tagged store that finds no free record evicts
 * tagged entries to free one (see apr_shm_cache_set_tagged()).
 *
 * Offsets are 32 bits, so a zone is less than 4 GB (4 GB - 1 at most).
 */
#ifndef APR_SHM_CACHE_H
#define APR_SHM_CACHE_H

#include "apr.h"
#include "apr_errno.h"
#include "apr_pools.h"
#include "apr_time.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup APR_SHM_CACHE Shared memory cache
 * @{
 */

/** Opaque per-process handle on a cache segment. */
typedef struct apr_shm_cache_t apr_shm_cache_t;

/** Longest key, in bytes (without the terminating NUL). */
#define APR_SHM_CACHE_MAX_KEY      1024
/** Most tags one entry can carry. */
#define APR_SHM_CACHE_MAX_TAGS     8
/** Longest tag name, in bytes. */
#define APR_SHM_CACHE_MAX_TAG      63
/** Smallest zone apr_shm_cache_create() accepts, in bytes. */
#define APR_SHM_CACHE_MIN_SIZE     (64 * 1024)

/** How long a call waits for the zone's lock (microseconds). */
#define APR_SHM_CACHE_LOCK_TIMEOUT APR_USEC_PER_SEC

/**
 * @defgroup APR_SHM_CACHE_Error Error codes
 * Statuses of the cache itself, in the APR_OS_START_USERERR range.
 * apr_shm_cache_strerror() describes them (and any other apr_status_t).
 * @{
 */
/** Base of the cache's status codes. */
#define APR_SHM_CACHE_START      (APR_OS_START_USERERR + 6600)
/** The key is NULL or empty. */
#define APR_SHM_CACHE_EBADKEY    (APR_SHM_CACHE_START + 1)
/** The key is longer than APR_SHM_CACHE_MAX_KEY. */
#define APR_SHM_CACHE_EKEYLEN    (APR_SHM_CACHE_START + 2)
/** Key, value and tags need more room than the largest size class. */
#define APR_SHM_CACHE_ETOOBIG    (APR_SHM_CACHE_START + 3)
/** The zone is smaller than APR_SHM_CACHE_MIN_SIZE. */
#define APR_SHM_CACHE_ETOOSMALL  (APR_SHM_CACHE_START + 4)
/** The zone is 4 GB or more: 32-bit offsets address less. */
#define APR_SHM_CACHE_ETOOLARGE  (APR_SHM_CACHE_START + 5)
/** The segment is not a complete cache zone: no cache's magic number,
 *  or a size no zone has; also one still being made (see
 *  apr_shm_cache_attach()). */
#define APR_SHM_CACHE_ENOTCACHE  (APR_SHM_CACHE_START + 6)
/** The segment is a cache of another layout version. */
#define APR_SHM_CACHE_EVERSION   (APR_SHM_CACHE_START + 7)
/** The segment's size disagrees with the size its header records. */
#define APR_SHM_CACHE_EBADSIZE   (APR_SHM_CACHE_START + 8)
/** No live entry has this key (a miss). */
#define APR_SHM_CACHE_NOTFOUND   (APR_SHM_CACHE_START + 9)
/** apr_shm_cache_add(): the key already has a live entry. */
#define APR_SHM_CACHE_EEXIST     (APR_SHM_CACHE_START + 10)
/** apr_shm_cache_cas(): the entry's version is not the one given. */
#define APR_SHM_CACHE_ECHANGED   (APR_SHM_CACHE_START + 11)
/** apr_shm_cache_incr(): the value is not a 64-bit decimal integer,
 *  or the result would overflow. */
#define APR_SHM_CACHE_ENOTNUM    (APR_SHM_CACHE_START + 12)
/** A tag is NULL, empty, longer than APR_SHM_CACHE_MAX_TAG, given twice,
 *  or there are more than APR_SHM_CACHE_MAX_TAGS of them. */
#define APR_SHM_CACHE_EBADTAG    (APR_SHM_CACHE_START + 13)
/** The zone's tag table is full, even after eviction. */
#define APR_SHM_CACHE_ETAGSFULL  (APR_SHM_CACHE_START + 14)
/** No memory could be found for the entry, even by eviction. */
#define APR_SHM_CACHE_ENOSPC     (APR_SHM_CACHE_START + 15)
/** The zone's lock was held by another process for longer than
 *  APR_SHM_CACHE_LOCK_TIMEOUT (a stopped or hung process): the call gave
 *  up and changed nothing.  A get that returns it is a miss. */
#define APR_SHM_CACHE_ELOCKED    (APR_SHM_CACHE_START + 16)
/** @} */

/**
 * Counters of one zone, as returned by apr_shm_cache_stats().
 * entries, tags and the bytes count every entry the zone holds, expired
 * ones too until they are reclaimed: when their key is accessed (get,
 * set, delete, ...) or when room is needed (an expired entry at the tail
 * of its size class, or a sweep over the whole zone when a store finds no
 * memory or no free tag record: a pass starts at most once a second and
 * looks at 4096 entries per such store, so that no store holds the lock
 * for a walk of a million entries).
 */
typedef struct apr_shm_cache_stats_t {
    apr_uint64_t entries;      /**< entries held, expired ones included */
    apr_uint64_t tags;         /**< tags carried by at least one entry */
    apr_uint64_t bytes_data;   /**< key + value bytes of those entries */
    apr_uint64_t bytes_used;   /**< slab bytes held by those entries */
    apr_uint64_t bytes_free;   /**< slab bytes free, incl. unused pages */
    apr_uint64_t hits;         /**< gets that found an entry */
    apr_uint64_t misses;       /**< gets that did not */
    apr_uint64_t sets;         /**< successful set/add/replace/cas */
    apr_uint64_t deletes;      /**< entries removed by delete */
    apr_uint64_t evictions;    /**< live entries dropped to make room */
    apr_uint64_t expirations;  /**< entries dropped because their TTL ran out */
    apr_uint64_t invalidations;/**< entries dropped by tag invalidation */
    apr_uint64_t lock_waits;   /**< times a locker found the mutex taken */
    apr_uint64_t recoveries;   /**< lock holders found dead */
    apr_uint64_t lock_timeouts;/**< calls that gave up: APR_SHM_CACHE_ELOCKED */
    apr_uint64_t clears;       /**< clears, explicit or by recovery */
    apr_size_t size;           /**< zone size in bytes */
    apr_size_t page_size;      /**< slab page size */
    apr_size_t max_entry;      /**< largest key + value + 16 x tags */
    apr_uint32_t pages;        /**< pages holding at least one entry */
    apr_uint32_t max_pages;    /**< pages the zone can hold */
    apr_uint32_t max_tags;     /**< distinct tags the zone can hold */
} apr_shm_cache_stats_t;

/**
 * Called by apr_shm_cache_iterate() for each live entry.  It runs with no
 * lock held, on private copies, so it may call any cache function.
 * @param baton The baton given to apr_shm_cache_iterate()
 * @param key The key (NUL-terminated)
 * @param val The value (followed by a NUL not counted in @a len)
 * @param len Length of the value
 * @param version The entry's version
 * @param expires When it expires, 0 for never
 * @return APR_SUCCESS to go on; anything else stops the walk and is
 *         returned by apr_shm_cache_iterate()
 */
typedef apr_status_t (apr_shm_cache_iter_fn)(void *baton, const char *key,
                                             const void *val, apr_size_t len,
                                             apr_uint64_t version,
                                             apr_time_t expires);

/**
 * Create a cache zone.
 * If a segment of that name exists (left behind by a crashed run, or in
 * use by a live process), its name is removed and a new segment created
 * under it; nothing checks whether the old one is still in use.  Processes
 * still attached to the old segment (its creator included) go on using it,
 * and nobody else sees it: a value they set is not seen here, and the
 * other way round.  When the old creator destroys its zone, it removes
 * the name again, so the new zone can no longer be attached by name
 * (handles on it keep working).  Give each live zone its own name.
 * Named segments are readable and writable by the owner only (0600),
 * whatever APR's version: the process's umask is 077 while the segment
 * is made (a file another thread creates in that moment gets no group
 * or other permissions either).
 * The segment is destroyed (unmapped, its name removed) when @a pool is
 * cleaned up or by apr_shm_cache_destroy(), in the process that created
 * it only: a forked child that cleans up @a pool (as exit() does through
 * apr_terminate()) or calls apr_shm_cache_destroy() only unmaps a named
 * segment, and the zone stays for the others.
 * @param cache The new handle
 * @param size Zone size in bytes (APR_SHM_CACHE_MIN_SIZE .. 4 GB - 1)
 * @param fname Segment name (a path) that other processes attach to,
 *        or NULL for an anonymous zone shared only with forked children
 * @param pool Pool of the handle and lifetime of the segment
 * The zone's memory is all taken here (Linux 5.14 and later): the pages
 * of a shared segment are otherwise made on first touch, and with
 * /dev/shm or memory full a process touching one later dies of SIGBUS.
 * The creator and every attacher ask for 2 MB pages (MADV_HUGEPAGE), which
 * Linux grants a named zone when /dev/shm is mounted with huge=advise (or
 * always), an anonymous one when transparent_hugepage/shmem_enabled says
 * advise (or always); lookups in a big zone miss the TLB less.
 * @return APR_SUCCESS, APR_SHM_CACHE_ETOOSMALL, APR_SHM_CACHE_ETOOLARGE,
 *         APR_ENOSPC (no room for the whole zone), or the error of
 *         apr_shm_create()
 */
APR_DECLARE(apr_status_t) apr_shm_cache_create(apr_shm_cache_t **cache,
                                               apr_size_t size,
                                               const char *fname,
                                               apr_pool_t *pool);

/**
 * Attach to a named zone created by another process.
 * The segment is checked (size, magic, layout version) before use.  A
 * segment that is not (yet) a complete zone gives
 * APR_SHM_CACHE_ENOTCACHE: one that is not a cache, and also one whose
 * creator is still inside apr_shm_cache_create(), so a process that may
 * start before the creator is done should retry on that status, a few
 * times and not in a tight loop: APR 1.7's apr_shm_attach() leaves a
 * descriptor open each time it finds a segment whose size is not written
 * yet (a creator that died at that point leaves such a segment for good).
 * A zone is attachable once apr_shm_cache_create() has returned.  The
 * size checked is the one the segment records: a segment cut short
 * behind the library's back (truncated by a process of the same user)
 * raises SIGBUS at its first touch, as any such mapping does.
 * @param cache The new handle
 * @param fname The name given to apr_shm_cache_create()
 * @param pool Pool of the handle; cleaning it up detaches
 * @return APR_SUCCESS, APR_SHM_CACHE_ENOTCACHE, APR_SHM_CACHE_EVERSION,
 *         APR_SHM_CACHE_EBADSIZE, or the error of apr_shm_attach()
 *         (APR_ENOENT when no segment has that name)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_attach(apr_shm_cache_t **cache,
                                               const char *fname,
                                               apr_pool_t *pool);

/**
 * Unmap a zone from this process without destroying it.
 * The handle must not be used afterwards.  What it held is freed, but for
 * a few hundred bytes of its pool, which stay until that pool is cleaned.
 * @param cache A handle from apr_shm_cache_attach()
 * @return APR_SUCCESS or the error of apr_shm_detach(); APR_EINVAL for a
 *         handle from apr_shm_cache_create(), which stays as it was (the
 *         creator's zone goes with apr_shm_cache_destroy() or its pool)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_detach(apr_shm_cache_t *cache);

/**
 * Let go of a named zone made by apr_shm_cache_create() without
 * destroying it: this process unmaps it and its pool no longer destroys
 * it, but the name stays, and with it the zone, for every process that
 * attaches to it, until apr_shm_remove() of the name (or a reboot). For a
 * creator whose code may be gone before the pool is cleaned, such as an
 * httpd module (a restart may load it again at another address, and a
 * pool that outlives one generation must hold no cleanup of its code).
 * The handle must not be used afterwards; a few KB of it stay allocated
 * until the process exits.
 * @param cache A handle from apr_shm_cache_create(), in the process that
 *        made it
 * @return APR_SUCCESS; APR_EINVAL for an anonymous zone (which stays as it
 *         was), a handle from apr_shm_cache_attach() or one inherited
 *         through fork()
 */
APR_DECLARE(apr_status_t) apr_shm_cache_release(apr_shm_cache_t *cache);

/**
 * Destroy a zone: unmap it and remove its name.  Processes still
 * attached keep their mapping until they detach.  Called in another
 * process than the creator (a child that inherited the handle through
 * fork()), it only unmaps a named segment (an anonymous one stays
 * mapped) and removes nothing: the zone lives on for the creator and the
 * others.  Either way its pool no longer destroys it.  Given a handle
 * from apr_shm_cache_attach(), it detaches, as apr_shm_cache_detach().
 * The handle must not be used afterwards.
 * @param cache A handle from apr_shm_cache_create()
 * @return APR_SUCCESS or the error of apr_shm_destroy()
 */
APR_DECLARE(apr_status_t) apr_shm_cache_destroy(apr_shm_cache_t *cache);

/**
 * Look a key up and copy its value out.
 * @param cache The zone
 * @param key The key
 * @param val The value, allocated in @a pool and followed by a NUL that
 *        @a len does not count
 * @param len Length of the value (may be NULL)
 * @param version The entry's version, for apr_shm_cache_cas() (may be NULL)
 * @param pool Pool for the copy
 * @return APR_SUCCESS, APR_SHM_CACHE_NOTFOUND, a bad-key status, or
 *         APR_SHM_CACHE_ELOCKED (counted a miss: the read without the
 *         lock met a writer, or an expired entry, and the lock was held)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_get(apr_shm_cache_t *cache,
                                            const char *key,
                                            void **val, apr_size_t *len,
                                            apr_uint64_t *version,
                                            apr_pool_t *pool);

/**
 * As apr_shm_cache_get(), but not counted in the zone's hits and misses
 * (apr_shm_cache_stats_t): for a program's own bookkeeping entries kept
 * beside the ones its users look up, which would blur the hit rate.
 */
APR_DECLARE(apr_status_t) apr_shm_cache_peek(apr_shm_cache_t *cache,
                                             const char *key,
                                             void **val, apr_size_t *len,
                                             apr_uint64_t *version,
                                             apr_pool_t *pool);

/**
 * Store a value, replacing any entry with the same key.
 * When memory is short, expired entries are reclaimed first (the whole
 * zone is swept, at most once a second).  Then, as a rule, the least
 * recently used entry of the same size class is evicted.  But when the
 * least recently used entry of another class has gone unused more than 4
 * times as long, counted in stores and weighted by slot size, every
 * entry of its slab page is evicted instead and the page goes to the new
 * entry's class: pages follow the sizes in use rather than staying with
 * the classes that filled the zone first, and small entries are kept
 * longer than large ones.  A class that holds no entry takes a page this
 * way in any case.  Before any live entry goes, a page whose entries have
 * all expired since the last sweep is taken, if one is at the least
 * recently used end of a class (entries that expire together, stored
 * together); expired entries spread over pages that hold live ones wait
 * for the next sweep.
 * A store refused for its arguments (a bad-key status, APR_EINVAL,
 * APR_SHM_CACHE_EBADTAG) changes nothing.  A store that fails for want
 * of room (APR_SHM_CACHE_ETOOBIG, APR_SHM_CACHE_ENOSPC,
 * APR_SHM_CACHE_ETAGSFULL) leaves no entry for the key: the previous
 * value is removed, as memcached does, so a stale value is never served.
 * @param cache The zone
 * @param key The key
 * @param val The value (may be NULL when @a len is 0)
 * @param len Length of the value
 * @param ttl Time to live, 0 for no expiry (e.g. apr_time_from_sec(60));
 *        one that takes the expiry past the largest apr_time_t means no
 *        expiry either (apr_shm_cache_iterate() reports APR_INT64_MAX)
 * @return APR_SUCCESS, APR_SHM_CACHE_ETOOBIG, APR_SHM_CACHE_ENOSPC,
 *         a bad-key status, APR_EINVAL when @a ttl < 0 or @a val is
 *         NULL with @a len > 0, or APR_SHM_CACHE_ELOCKED (nothing
 *         changed: the previous value, if any, is still served)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_set(apr_shm_cache_t *cache,
                                            const char *key,
                                            const void *val, apr_size_t len,
                                            apr_interval_time_t ttl);

/**
 * Store a value that carries tags (see apr_shm_cache_invalidate_tag()).
 * Each distinct tag takes a record of the zone's tag table until its last
 * entry goes.  When a new tag finds the table full, expired entries are
 * swept (at most once a second), then tagged entries are evicted, oldest
 * first from the least recently used end of each size class (where none
 * is near it, those of a tag that few entries carry, and not one the
 * store carries too; counted in evictions), at most 64 per store, until
 * a record is free for each new
 * tag; only if that fails is the
 * store refused with APR_SHM_CACHE_ETAGSFULL (the entries evicted stay
 * evicted).  A tag carried by many entries frees its record only when
 * all of them are gone.
 * @param cache The zone
 * @param key The key
 * @param val The value
 * @param len Length of the value
 * @param ttl Time to live, 0 for no expiry (as for apr_shm_cache_set())
 * @param tags Tag names
 * @param ntags Number of tags, at most APR_SHM_CACHE_MAX_TAGS
 * @return as apr_shm_cache_set(), or APR_SHM_CACHE_EBADTAG,
 *         APR_SHM_CACHE_ETAGSFULL
 */
APR_DECLARE(apr_status_t) apr_shm_cache_set_tagged(apr_shm_cache_t *cache,
                                                   const char *key,
                                                   const void *val,
                                                   apr_size_t len,
                                                   apr_interval_time_t ttl,
                                                   const char *const *tags,
                                                   int ntags);

/**
 * Store a value only if the key has no live entry.  When it has one,
 * nothing changes (APR_SHM_CACHE_EEXIST, even if the value is too big).
 * @param cache The zone
 * @param key The key
 * @param val The value
 * @param len Length of the value
 * @param ttl Time to live, 0 for no expiry (as for apr_shm_cache_set())
 * @return as apr_shm_cache_set(), or APR_SHM_CACHE_EEXIST
 */
APR_DECLARE(apr_status_t) apr_shm_cache_add(apr_shm_cache_t *cache,
                                            const char *key,
                                            const void *val, apr_size_t len,
                                            apr_interval_time_t ttl);

/**
 * Store a value only if the key has a live entry.  As for
 * apr_shm_cache_set(), a store refused for its arguments changes nothing,
 * and one that fails for room once the entry was found
 * (APR_SHM_CACHE_ETOOBIG, APR_SHM_CACHE_ENOSPC) leaves no entry.
 * @param cache The zone
 * @param key The key
 * @param val The value
 * @param len Length of the value
 * @param ttl Time to live, 0 for no expiry (as for apr_shm_cache_set())
 * @return as apr_shm_cache_set(), or APR_SHM_CACHE_NOTFOUND
 */
APR_DECLARE(apr_status_t) apr_shm_cache_replace(apr_shm_cache_t *cache,
                                                const char *key,
                                                const void *val,
                                                apr_size_t len,
                                                apr_interval_time_t ttl);

/**
 * Compare and set: store a value only if the entry still has the version
 * a previous apr_shm_cache_get() returned.  No entry, or another version,
 * changes nothing.  As for apr_shm_cache_set(), a store refused for its
 * arguments changes nothing, and one that fails for room once the version
 * matched (APR_SHM_CACHE_ETOOBIG, APR_SHM_CACHE_ENOSPC) leaves no entry:
 * a stale value is never kept.
 * @param cache The zone
 * @param key The key
 * @param val The value
 * @param len Length of the value
 * @param ttl Time to live, 0 for no expiry (as for apr_shm_cache_set())
 * @param version The version the caller saw
 * @param new_version The version of the stored entry (may be NULL)
 * @return as apr_shm_cache_set(), or APR_SHM_CACHE_NOTFOUND,
 *         APR_SHM_CACHE_ECHANGED
 */
APR_DECLARE(apr_status_t) apr_shm_cache_cas(apr_shm_cache_t *cache,
                                            const char *key,
                                            const void *val, apr_size_t len,
                                            apr_interval_time_t ttl,
                                            apr_uint64_t version,
                                            apr_uint64_t *new_version);

/**
 * Remove an entry.
 * @param cache The zone
 * @param key The key
 * @return APR_SUCCESS, APR_SHM_CACHE_NOTFOUND, a bad-key status, or
 *         APR_SHM_CACHE_ELOCKED (the entry, if any, is still there)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_delete(apr_shm_cache_t *cache,
                                               const char *key);

/**
 * Add @a delta to a value that holds a decimal integer (like "42" or
 * "-7"), atomically.  TTL and tags of the entry are kept.  It counts as a
 * use of the entry, as a get does: a counter only ever incremented is not
 * evicted from its size class before entries nobody reads (but a page
 * taken over by another class, see apr_shm_cache_set(), goes with all its
 * entries, used or not).
 * @param cache The zone
 * @param key The key
 * @param delta The amount to add
 * @param result The new value (may be NULL)
 * @return APR_SUCCESS, APR_SHM_CACHE_NOTFOUND, APR_SHM_CACHE_ENOTNUM,
 *         a bad-key status, or APR_SHM_CACHE_ELOCKED (nothing changed)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_incr(apr_shm_cache_t *cache,
                                             const char *key,
                                             apr_int64_t delta,
                                             apr_int64_t *result);

/**
 * Subtract @a delta from a value that holds a decimal integer, as
 * apr_shm_cache_incr() adds; any @a delta whose result fits in 64 bits
 * works, APR_INT64_MIN included.
 * @param cache The zone
 * @param key The key
 * @param delta The amount to subtract
 * @param result The new value (may be NULL)
 * @return as apr_shm_cache_incr()
 */
APR_DECLARE(apr_status_t) apr_shm_cache_decr(apr_shm_cache_t *cache,
                                             const char *key,
                                             apr_int64_t delta,
                                             apr_int64_t *result);

/**
 * Remove every entry that carries a tag, in one call. It holds the zone's
 * lock for the whole walk, some 0.15 us per entry on a 2026 server: a tag
 * on millions of entries (small values in a large zone) can hold it past
 * APR_SHM_CACHE_LOCK_TIMEOUT, and the other writers then get
 * APR_SHM_CACHE_ELOCKED (counted in lock_timeouts) as if a holder had
 * hung; readers are not held.
 * @param cache The zone
 * @param tag The tag name
 * @param removed How many entries were removed (may be NULL)
 * @return APR_SUCCESS (also when no entry carried the tag),
 *         APR_SHM_CACHE_EBADTAG, or APR_SHM_CACHE_ELOCKED (nothing was
 *         removed)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_invalidate_tag(apr_shm_cache_t *cache,
                                                       const char *tag,
                                                       apr_size_t *removed);

/**
 * Remove every entry.  Counters other than entries and bytes are kept.
 * @param cache The zone
 * @return APR_SUCCESS or APR_SHM_CACHE_ELOCKED (nothing was removed)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_clear(apr_shm_cache_t *cache);

/**
 * Call @a fn for every live entry.  The walk takes the lock for a batch of
 * hash buckets at a time and calls @a fn on copies with no lock held, so
 * entries set or deleted meanwhile may or may not be seen; no key is seen
 * twice.
 * @param cache The zone
 * @param fn The callback
 * @param baton Passed to @a fn
 * @param pool Scratch pool (cleared as the walk goes; copies do not
 *        outlive the call of @a fn)
 * @return APR_SUCCESS, what @a fn returned to stop the walk, or
 *         APR_SHM_CACHE_ELOCKED when a batch could not take the lock (the
 *         walk stops there: @a fn may have seen some entries)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_iterate(apr_shm_cache_t *cache,
                                                apr_shm_cache_iter_fn *fn,
                                                void *baton,
                                                apr_pool_t *pool);

/**
 * Read the zone's counters.
 * @param cache The zone
 * @param stats Filled in
 * @return APR_SUCCESS or APR_SHM_CACHE_ELOCKED (@a stats is then not
 *         valid: only hits and misses are read without the lock)
 */
APR_DECLARE(apr_status_t) apr_shm_cache_stats(apr_shm_cache_t *cache,
                                              apr_shm_cache_stats_t *stats);

/**
 * Describe a status: the cache's own codes get their message, any other
 * status what apr_strerror() says.
 * @param status The status
 * @param buf Buffer for the message
 * @param bufsize Size of @a buf
 * @return @a buf
 */
APR_DECLARE(char *) apr_shm_cache_strerror(apr_status_t status, char *buf,
                                           apr_size_t bufsize);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* APR_SHM_CACHE_H */
