/* cmocka tests of apr_shm_cache: every API call, every bad input, several
 * processes at once, an exec'd process attaching by name, a writer killed
 * while holding the lock, LRU eviction, and pages moving between size
 * classes (checked against the zone's own structure).  Named segments
 * live under a mkdtemp directory that is removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_hash.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "apr_shm_cache.h"
#include "shc_private.h"       /* zone_check() walks the layout */
#include "prop_rng.h"

static const char *helper_path;     /* cache_attach_helper, next to us */
static volatile time_t realtime_skew;   /* see clock_gettime() below */
static char tmpdir[] = "/tmp/test_cache.XXXXXX";
static int name_seq;

typedef struct {
    apr_pool_t *pool;
    apr_shm_cache_t *cache;
} fixture_t;

static const char *seg_name(apr_pool_t *p)
{
    return apr_psprintf(p, "%s/zone%d", tmpdir, ++name_seq);
}

static int setup_anon(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));

    apr_pool_create(&f->pool, NULL);
    assert_int_equal(apr_shm_cache_create(&f->cache, 1024 * 1024, NULL,
                                          f->pool), APR_SUCCESS);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;

    apr_pool_destroy(f->pool);     /* destroys the segment too */
    free(f);
    return 0;
}

static apr_shm_cache_stats_t stats_of(apr_shm_cache_t *c)
{
    apr_shm_cache_stats_t st;

    assert_int_equal(apr_shm_cache_stats(c, &st), APR_SUCCESS);
    return st;
}

static void check_value(apr_shm_cache_t *c, const char *key,
                         const char *want, apr_pool_t *p)
{
    void *val = NULL;
    apr_size_t len = 0;

    assert_int_equal(apr_shm_cache_get(c, key, &val, &len, NULL, p),
                     APR_SUCCESS);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(val, want, len);
    assert_int_equal(((char *)val)[len], '\0');
}

static void check_missing(apr_shm_cache_t *c, const char *key,
                           apr_pool_t *p)
{
    void *val;

    assert_int_equal(apr_shm_cache_get(c, key, &val, NULL, NULL, p),
                     APR_SHM_CACHE_NOTFOUND);
}

static void test_set_get(void **state)
{
    fixture_t *f = *state;
    apr_shm_cache_stats_t st;
    apr_uint64_t v1, v2;
    apr_size_t len;
    void *val;
    static const char bin[] = { 'a', 0, 'b', 0, 'c' };

    assert_int_equal(apr_shm_cache_set(f->cache, "k", "v1", 2, 0),
                     APR_SUCCESS);
    check_value(f->cache, "k", "v1", f->pool);
    assert_int_equal(apr_shm_cache_get(f->cache, "k", &val, &len, &v1,
                                       f->pool), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(f->cache, "k", "second", 6, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_get(f->cache, "k", &val, &len, &v2,
                                       f->pool), APR_SUCCESS);
    assert_true(v2 > v1);
    check_value(f->cache, "k", "second", f->pool);
    /* binary values and empty values */
    assert_int_equal(apr_shm_cache_set(f->cache, "bin", bin, sizeof(bin), 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_get(f->cache, "bin", &val, &len, NULL,
                                       f->pool), APR_SUCCESS);
    assert_int_equal(len, sizeof(bin));
    assert_memory_equal(val, bin, sizeof(bin));
    assert_int_equal(apr_shm_cache_set(f->cache, "empty", NULL, 0, 0),
                     APR_SUCCESS);
    check_value(f->cache, "empty", "", f->pool);
    check_missing(f->cache, "nope", f->pool);

    st = stats_of(f->cache);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.sets, 4);
    assert_int_equal(st.hits, 6);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.bytes_data, 1 + 6 + 3 + sizeof(bin) + 5);
    assert_true(st.bytes_used >= st.bytes_data);
    assert_true(st.bytes_used + st.bytes_free <= st.size);
    assert_int_equal(st.size, 1024 * 1024);
}

/* A peek finds what a get finds, and is not counted as a hit or a miss. */
static void test_peek(void **state)
{
    fixture_t *f = *state;
    apr_shm_cache_stats_t before, after;
    void *val;
    apr_size_t len;
    apr_uint64_t gv, pv;

    assert_int_equal(apr_shm_cache_set(f->cache, "k", "v1", 2, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_get(f->cache, "k", &val, &len, &gv, f->pool),
                     APR_SUCCESS);
    before = stats_of(f->cache);
    assert_int_equal(apr_shm_cache_peek(f->cache, "k", &val, &len, &pv, f->pool),
                     APR_SUCCESS);
    assert_int_equal(len, 2);
    assert_memory_equal(val, "v1", 2);
    assert_int_equal(pv, gv);
    assert_int_equal(apr_shm_cache_peek(f->cache, "none", &val, &len, NULL,
                                        f->pool), APR_SHM_CACHE_NOTFOUND);
    assert_int_equal(apr_shm_cache_peek(f->cache, "", &val, &len, NULL, f->pool),
                     APR_SHM_CACHE_EBADKEY);
    after = stats_of(f->cache);
    assert_int_equal(after.hits, before.hits);
    assert_int_equal(after.misses, before.misses);
}

static void test_add_replace_cas(void **state)
{
    fixture_t *f = *state;
    apr_uint64_t ver, nver;
    void *val;

    assert_int_equal(apr_shm_cache_replace(f->cache, "r", "x", 1, 0),
                     APR_SHM_CACHE_NOTFOUND);
    check_missing(f->cache, "r", f->pool);
    assert_int_equal(apr_shm_cache_add(f->cache, "r", "one", 3, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_add(f->cache, "r", "two", 3, 0),
                     APR_SHM_CACHE_EEXIST);
    check_value(f->cache, "r", "one", f->pool);
    assert_int_equal(apr_shm_cache_replace(f->cache, "r", "three", 5, 0),
                     APR_SUCCESS);
    check_value(f->cache, "r", "three", f->pool);

    assert_int_equal(apr_shm_cache_get(f->cache, "r", &val, NULL, &ver,
                                       f->pool), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_cas(f->cache, "r", "four", 4, 0, ver + 1,
                                       &nver), APR_SHM_CACHE_ECHANGED);
    check_value(f->cache, "r", "three", f->pool);
    assert_int_equal(apr_shm_cache_cas(f->cache, "r", "four", 4, 0, ver,
                                       &nver), APR_SUCCESS);
    assert_true(nver > ver);
    check_value(f->cache, "r", "four", f->pool);
    /* The old version is stale now. */
    assert_int_equal(apr_shm_cache_cas(f->cache, "r", "five", 4, 0, ver,
                                       NULL), APR_SHM_CACHE_ECHANGED);
    assert_int_equal(apr_shm_cache_cas(f->cache, "none", "x", 1, 0, ver,
                                       NULL), APR_SHM_CACHE_NOTFOUND);
}

static void test_delete(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(apr_shm_cache_set(f->cache, "d", "v", 1, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_delete(f->cache, "d"), APR_SUCCESS);
    check_missing(f->cache, "d", f->pool);
    assert_int_equal(apr_shm_cache_delete(f->cache, "d"),
                     APR_SHM_CACHE_NOTFOUND);
    assert_int_equal(stats_of(f->cache).deletes, 1);
    assert_int_equal(stats_of(f->cache).entries, 0);
}

static void test_ttl(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(apr_shm_cache_set(f->cache, "short", "v", 1,
                                       apr_time_from_msec(1)), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(f->cache, "long", "v", 1,
                                       apr_time_from_sec(3600)), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(f->cache, "never", "v", 1, 0),
                     APR_SUCCESS);
    apr_sleep(apr_time_from_msec(20));
    check_missing(f->cache, "short", f->pool);
    check_value(f->cache, "long", "v", f->pool);
    check_value(f->cache, "never", "v", f->pool);
    assert_int_equal(stats_of(f->cache).expirations, 1);
    assert_int_equal(stats_of(f->cache).entries, 2);
    /* add over an expired entry succeeds */
    assert_int_equal(apr_shm_cache_set(f->cache, "short", "v", 1,
                                       apr_time_from_msec(1)), APR_SUCCESS);
    apr_sleep(apr_time_from_msec(20));
    assert_int_equal(apr_shm_cache_add(f->cache, "short", "w", 1, 0),
                     APR_SUCCESS);
    check_value(f->cache, "short", "w", f->pool);
}

static void test_ttl_huge(void **state)
{
    fixture_t *f = *state;
    apr_uint64_t ver;
    void *val;

    /* now + ttl does not fit in apr_time_t: the entry never expires. */
    assert_int_equal(apr_shm_cache_set(f->cache, "k", "abc", 3,
                                       APR_INT64_MAX), APR_SUCCESS);
    check_value(f->cache, "k", "abc", f->pool);
    assert_int_equal(apr_shm_cache_add(f->cache, "a", "x", 1,
                                       APR_INT64_MAX - 1), APR_SUCCESS);
    check_value(f->cache, "a", "x", f->pool);
    assert_int_equal(apr_shm_cache_replace(f->cache, "a", "y", 1,
                                           APR_INT64_MAX), APR_SUCCESS);
    check_value(f->cache, "a", "y", f->pool);
    assert_int_equal(apr_shm_cache_get(f->cache, "a", &val, NULL, &ver,
                                       f->pool), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_cas(f->cache, "a", "z", 1, APR_INT64_MAX,
                                       ver, NULL), APR_SUCCESS);
    check_value(f->cache, "a", "z", f->pool);
    assert_int_equal(stats_of(f->cache).expirations, 0);
    assert_int_equal(stats_of(f->cache).entries, 2);
}

static void test_incr_decr(void **state)
{
    fixture_t *f = *state;
    const char *tag = "counters";
    apr_int64_t v = 0;
    apr_size_t removed;

    assert_int_equal(apr_shm_cache_incr(f->cache, "n", 1, &v),
                     APR_SHM_CACHE_NOTFOUND);
    assert_int_equal(apr_shm_cache_set(f->cache, "n", "10", 2, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_incr(f->cache, "n", 5, &v), APR_SUCCESS);
    assert_int_equal(v, 15);
    check_value(f->cache, "n", "15", f->pool);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", 20, &v), APR_SUCCESS);
    assert_int_equal(v, -5);
    check_value(f->cache, "n", "-5", f->pool);
    assert_int_equal(apr_shm_cache_incr(f->cache, "n", 5, NULL), APR_SUCCESS);
    check_value(f->cache, "n", "0", f->pool);

    assert_int_equal(apr_shm_cache_set(f->cache, "s", "12a", 3, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_incr(f->cache, "s", 1, &v),
                     APR_SHM_CACHE_ENOTNUM);
    assert_int_equal(apr_shm_cache_set(f->cache, "s", "", 0, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_incr(f->cache, "s", 1, &v),
                     APR_SHM_CACHE_ENOTNUM);
    assert_int_equal(apr_shm_cache_set(f->cache, "s", "9223372036854775807",
                                       19, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_incr(f->cache, "s", 1, &v),
                     APR_SHM_CACHE_ENOTNUM);
    check_value(f->cache, "s", "9223372036854775807", f->pool);

    /* Growing into another size class keeps tags and TTL. */
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "g", "9", 1, 0, &tag,
                                              1), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_incr(f->cache, "g", 1000000000000LL, &v),
                     APR_SUCCESS);
    assert_int_equal(v, 1000000000009LL);
    check_value(f->cache, "g", "1000000000009", f->pool);
    assert_int_equal(apr_shm_cache_invalidate_tag(f->cache, tag, &removed),
                     APR_SUCCESS);
    assert_int_equal(removed, 1);
    check_missing(f->cache, "g", f->pool);
}

static void test_incr_decr_limits(void **state)
{
    fixture_t *f = *state;
    apr_int64_t v = 0;

    /* -1 - INT64_MIN is INT64_MAX: it fits. */
    assert_int_equal(apr_shm_cache_set(f->cache, "n", "-1", 2, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", APR_INT64_MIN, &v),
                     APR_SUCCESS);
    assert_true(v == APR_INT64_MAX);
    check_value(f->cache, "n", "9223372036854775807", f->pool);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", APR_INT64_MAX, &v),
                     APR_SUCCESS);
    assert_true(v == 0);
    /* 0 - INT64_MIN does not fit; the value stays. */
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", APR_INT64_MIN, &v),
                     APR_SHM_CACHE_ENOTNUM);
    check_value(f->cache, "n", "0", f->pool);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", -5, &v), APR_SUCCESS);
    assert_true(v == 5);
    assert_int_equal(apr_shm_cache_set(f->cache, "n", "-9223372036854775807",
                                       20, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", 1, &v), APR_SUCCESS);
    assert_true(v == APR_INT64_MIN);
    check_value(f->cache, "n", "-9223372036854775808", f->pool);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", 1, &v),
                     APR_SHM_CACHE_ENOTNUM);
    assert_int_equal(apr_shm_cache_incr(f->cache, "n", APR_INT64_MAX, &v),
                     APR_SUCCESS);
    assert_true(v == -1);
    assert_int_equal(apr_shm_cache_incr(f->cache, "n", APR_INT64_MIN, &v),
                     APR_SHM_CACHE_ENOTNUM);
    check_value(f->cache, "n", "-1", f->pool);
    assert_int_equal(apr_shm_cache_incr(f->cache, "n", 1, &v), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_incr(f->cache, "n", APR_INT64_MIN, &v),
                     APR_SUCCESS);
    assert_true(v == APR_INT64_MIN);
    assert_int_equal(apr_shm_cache_decr(f->cache, "n", APR_INT64_MIN, &v),
                     APR_SUCCESS);
    assert_true(v == 0);
    check_value(f->cache, "n", "0", f->pool);
}

static void test_tags(void **state)
{
    fixture_t *f = *state;
    const char *a[] = { "A" }, *b[] = { "B" }, *ab[] = { "A", "B" };
    apr_size_t removed = 99;

    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "a1", "1", 1, 0, a, 1),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "a2", "2", 1, 0, a, 1),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "ab", "3", 1, 0, ab,
                                              2), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "b1", "4", 1, 0, b, 1),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(f->cache, "plain", "5", 1, 0),
                     APR_SUCCESS);
    assert_int_equal(stats_of(f->cache).tags, 2);
    /* Replacing an entry drops its old tags. */
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "a2", "2", 1, 0, b, 1),
                     APR_SUCCESS);

    assert_int_equal(apr_shm_cache_invalidate_tag(f->cache, "A", &removed),
                     APR_SUCCESS);
    assert_int_equal(removed, 2);
    check_missing(f->cache, "a1", f->pool);
    check_missing(f->cache, "ab", f->pool);
    check_value(f->cache, "a2", "2", f->pool);
    check_value(f->cache, "b1", "4", f->pool);
    check_value(f->cache, "plain", "5", f->pool);
    assert_int_equal(stats_of(f->cache).tags, 1);
    assert_int_equal(stats_of(f->cache).invalidations, 2);

    assert_int_equal(apr_shm_cache_invalidate_tag(f->cache, "A", &removed),
                     APR_SUCCESS);
    assert_int_equal(removed, 0);
    assert_int_equal(apr_shm_cache_delete(f->cache, "b1"), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_invalidate_tag(f->cache, "B", &removed),
                     APR_SUCCESS);
    assert_int_equal(removed, 1);
    assert_int_equal(stats_of(f->cache).tags, 0);
    assert_int_equal(stats_of(f->cache).entries, 1);
}

static void test_tag_table_full(void **state)
{
    apr_shm_cache_stats_t st;
    apr_shm_cache_t *c;
    apr_pool_t *p;
    const char *tag;
    int i, j, ntags;

    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, APR_SHM_CACHE_MIN_SIZE, NULL, p),
                     APR_SUCCESS);
    assert_int_equal(stats_of(c).max_tags, 64);
    apr_pool_destroy(p);

    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    ntags = (int)stats_of(c).max_tags;
    assert_int_equal(ntags, 64);
    /* One tag per entry fills the table; a new tag evicts the oldest
     * tagged entry to free its record. */
    for (i = 0; i < ntags; i++) {
        tag = apr_psprintf(p, "t%d", i);
        assert_int_equal(apr_shm_cache_set_tagged(c, apr_psprintf(p, "k%d", i),
                                                  "v", 1, 0, &tag, 1),
                         APR_SUCCESS);
    }
    assert_int_equal(apr_shm_cache_set(c, "plain", "v", 1, 0), APR_SUCCESS);
    tag = "fresh";
    assert_int_equal(apr_shm_cache_set_tagged(c, "x", "v", 1, 0, &tag, 1),
                     APR_SUCCESS);
    st = stats_of(c);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(st.tags, ntags);
    assert_int_equal(st.entries, ntags + 1);
    check_missing(c, "k0", p);
    check_value(c, "k1", "v", p);
    check_value(c, "x", "v", p);
    check_value(c, "plain", "v", p);

    /* Untagged entries, more than are looked at from the LRU tails, older
     * than every tagged one in their size class (a tag's link takes the
     * room of the longer value): a tagged entry is evicted all the same. */
    assert_int_equal(apr_shm_cache_clear(c), APR_SUCCESS);
    for (i = 0; i < 16; i++) {
        assert_int_equal(apr_shm_cache_set(c, apr_psprintf(p, "plain%d", i),
                                           "v23456789012345678901234567890",
                                           30, 0), APR_SUCCESS);
    }
    for (i = 0; i < ntags; i++) {
        tag = apr_psprintf(p, "t%d", i);
        assert_int_equal(apr_shm_cache_set_tagged(
                             c, apr_psprintf(p, "tagged%d", i), "0123456789",
                             10, 0, &tag, 1), APR_SUCCESS);
    }
    st = stats_of(c);
    tag = "fresh";
    assert_int_equal(apr_shm_cache_set_tagged(c, "tagged64", "0123456789", 10,
                                              0, &tag, 1), APR_SUCCESS);
    assert_int_equal(stats_of(c).evictions, st.evictions + 1);
    assert_int_equal(stats_of(c).entries, 16 + ntags);
    check_value(c, "plain0", "v23456789012345678901234567890", p);
    check_value(c, "tagged64", "0123456789", p);
    check_missing(c, "tagged0", p);
    /* More new tags: each store evicts the oldest tagged entry, not the
     * one stored just before it (whose record the last eviction freed). */
    for (i = 65; i < 85; i++) {
        tag = apr_psprintf(p, "t%d", i);
        assert_int_equal(apr_shm_cache_set_tagged(
                             c, apr_psprintf(p, "tagged%d", i), "0123456789",
                             10, 0, &tag, 1), APR_SUCCESS);
    }
    for (i = 1; i < 85; i++) {
        if (i <= 20) {
            check_missing(c, apr_psprintf(p, "tagged%d", i), p);
        }
        else {
            check_value(c, apr_psprintf(p, "tagged%d", i), "0123456789", p);
        }
    }
    /* A store's own tag does not give way for its new one. */
    st = stats_of(c);
    {
        const char *both[2] = { "t21", "brandnew" };

        assert_int_equal(apr_shm_cache_set_tagged(c, "tagged99", "0123456789",
                                                  10, 0, both, 2),
                         APR_SUCCESS);
    }
    assert_int_equal(stats_of(c).evictions, st.evictions + 1);
    check_value(c, "tagged21", "0123456789", p);
    check_missing(c, "tagged22", p);
    check_value(c, "tagged99", "0123456789", p);

    /* Every tag on 65 entries: the 64 evictions a store may make cannot
     * free a record. */
    assert_int_equal(apr_shm_cache_clear(c), APR_SUCCESS);
    for (i = 0; i < ntags; i++) {
        tag = apr_psprintf(p, "t%d", i);
        for (j = 0; j < 65; j++) {
            assert_int_equal(apr_shm_cache_set_tagged(
                                 c, apr_psprintf(p, "k%d.%d", i, j), "v", 1,
                                 0, &tag, 1), APR_SUCCESS);
        }
    }
    st = stats_of(c);
    assert_int_equal(st.entries, ntags * 65);
    tag = "fresh";
    assert_int_equal(apr_shm_cache_set_tagged(c, "x", "v", 1, 0, &tag, 1),
                     APR_SHM_CACHE_ETAGSFULL);
    check_missing(c, "x", p);
    assert_int_equal(stats_of(c).evictions, st.evictions + 64);
    check_missing(c, "k0.63", p);
    check_value(c, "k0.64", "v", p);
    /* An untagged set still works; dropping a tag frees its record. */
    assert_int_equal(apr_shm_cache_set(c, "plain", "v", 1, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_invalidate_tag(c, "t1", NULL), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set_tagged(c, "x", "v", 1, 0, &tag, 1),
                     APR_SUCCESS);
    assert_int_equal(stats_of(c).evictions, st.evictions + 64);
    apr_pool_destroy(p);
}

/* Entries PREFIX0.. PREFIX(n-1) from the first, each tagged with its own
 * key; the first `early` of them live early_ttl, the others ttl (0: for
 * good). */
static void set_own_tags(apr_shm_cache_t *c, apr_pool_t *p, const char *prefix,
                         int n, int early, apr_interval_time_t early_ttl,
                         apr_interval_time_t ttl)
{
    int i;

    for (i = 0; i < n; i++) {
        const char *tag = apr_psprintf(p, "%s%d", prefix, i);

        assert_int_equal(apr_shm_cache_set_tagged(c, tag, "v", 1,
                                                  i < early ? early_ttl : ttl,
                                                  &tag, 1), APR_SUCCESS);
    }
}

static void test_tags_of_expired(void **state)
{
    apr_interval_time_t ttl = apr_time_from_msec(50);
    apr_shm_cache_t *c;
    apr_pool_t *p;
    const char *tag;

    apr_pool_create(&p, NULL);
    /* A 1 MB zone has 64 tag records: fill them with short-lived entries. */
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    set_own_tags(c, p, "t", 64, 64, ttl, ttl);
    apr_sleep(ttl + apr_time_from_msec(30));
    /* Their records are reclaimed when a new tag needs one, by a sweep
     * before any eviction. */
    tag = "one-more";
    assert_int_equal(apr_shm_cache_set_tagged(c, "x", "v", 1, 0, &tag, 1),
                     APR_SUCCESS);
    check_value(c, "x", "v", p);
    assert_int_equal(stats_of(c).tags, 1);
    assert_int_equal(stats_of(c).entries, 1);
    assert_int_equal(stats_of(c).expirations, 64);
    assert_int_equal(stats_of(c).evictions, 0);
    /* Expired since that sweep (the next may come a second after it):
     * dropped to free their records, they count as expirations too. */
    assert_int_equal(apr_shm_cache_delete(c, "x"), APR_SUCCESS);
    set_own_tags(c, p, "u", 64, 64, apr_time_from_msec(200), 0);
    apr_sleep(apr_time_from_msec(250));
    set_own_tags(c, p, "n", 8, 0, 0, 0);
    assert_int_equal(stats_of(c).evictions, 0);
    assert_true(stats_of(c).expirations >= 64 + 8);
    apr_pool_destroy(p);
}

static void test_clear(void **state)
{
    fixture_t *f = *state;
    const char *t = "T";
    apr_shm_cache_stats_t st;
    int i;

    for (i = 0; i < 50; i++) {
        assert_int_equal(apr_shm_cache_set_tagged(f->cache,
                                                  apr_psprintf(f->pool, "c%d",
                                                               i),
                                                  "value", 5, 0, &t, 1),
                         APR_SUCCESS);
    }
    assert_int_equal(apr_shm_cache_clear(f->cache), APR_SUCCESS);
    st = stats_of(f->cache);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.tags, 0);
    assert_int_equal(st.bytes_data, 0);
    assert_int_equal(st.bytes_used, 0);
    assert_int_equal(st.pages, 0);
    assert_int_equal(st.clears, 1);
    assert_int_equal(st.sets, 50);
    check_missing(f->cache, "c0", f->pool);
    assert_int_equal(apr_shm_cache_set(f->cache, "c0", "again", 5, 0),
                     APR_SUCCESS);
    check_value(f->cache, "c0", "again", f->pool);
}

typedef struct {
    int seen[200];
    int calls;
    int stop_after;
} iter_state_t;

static apr_status_t iter_cb(void *baton, const char *key, const void *val,
                            apr_size_t len, apr_uint64_t version,
                            apr_time_t expires)
{
    iter_state_t *s = baton;
    int n = atoi(key + 1);

    assert_true(n >= 0 && n < 200);
    assert_int_equal(len, strlen(key) + 2);
    assert_true(!strncmp(val, "v-", 2) && !strcmp((const char *)val + 2, key));
    assert_true(version > 0);
    assert_int_equal(expires == 0, n % 2 == 0);
    s->seen[n]++;
    if (++s->calls == s->stop_after) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

static void test_iterate(void **state)
{
    fixture_t *f = *state;
    iter_state_t s;
    int i;

    for (i = 0; i < 200; i++) {
        const char *k = apr_psprintf(f->pool, "k%d", i);
        const char *v = apr_pstrcat(f->pool, "v-", k, NULL);
        assert_int_equal(apr_shm_cache_set(f->cache, k, v, strlen(v),
                                           i % 2 ? apr_time_from_sec(600) : 0),
                         APR_SUCCESS);
    }
    memset(&s, 0, sizeof(s));
    assert_int_equal(apr_shm_cache_iterate(f->cache, iter_cb, &s, f->pool),
                     APR_SUCCESS);
    assert_int_equal(s.calls, 200);
    for (i = 0; i < 200; i++) {
        assert_int_equal(s.seen[i], 1);
    }
    memset(&s, 0, sizeof(s));
    s.stop_after = 10;
    assert_int_equal(apr_shm_cache_iterate(f->cache, iter_cb, &s, f->pool),
                     APR_EGENERAL);
    assert_int_equal(s.calls, 10);
}

static void test_bad_input(void **state)
{
    fixture_t *f = *state;
    char longkey[APR_SHM_CACHE_MAX_KEY + 2], longtag[APR_SHM_CACHE_MAX_TAG + 2];
    const char *tags[APR_SHM_CACHE_MAX_TAGS + 1], *bad[1], *dup[2] = {"d", "d"};
    apr_shm_cache_stats_t before, after;
    apr_shm_cache_t *c;
    apr_size_t big;
    char *huge;
    void *val;
    int i;

    assert_int_equal(apr_shm_cache_set(f->cache, "keep", "me", 2, 0),
                     APR_SUCCESS);
    before = stats_of(f->cache);

    assert_int_equal(apr_shm_cache_set(f->cache, NULL, "v", 1, 0),
                     APR_SHM_CACHE_EBADKEY);
    assert_int_equal(apr_shm_cache_set(f->cache, "", "v", 1, 0),
                     APR_SHM_CACHE_EBADKEY);
    assert_int_equal(apr_shm_cache_get(f->cache, NULL, &val, NULL, NULL,
                                       f->pool), APR_SHM_CACHE_EBADKEY);
    assert_int_equal(apr_shm_cache_get(f->cache, "", &val, NULL, NULL,
                                       f->pool), APR_SHM_CACHE_EBADKEY);
    assert_int_equal(apr_shm_cache_delete(f->cache, NULL),
                     APR_SHM_CACHE_EBADKEY);
    assert_int_equal(apr_shm_cache_incr(f->cache, "", 1, NULL),
                     APR_SHM_CACHE_EBADKEY);
    assert_int_equal(apr_shm_cache_add(f->cache, NULL, "v", 1, 0),
                     APR_SHM_CACHE_EBADKEY);

    memset(longkey, 'k', sizeof(longkey));
    longkey[APR_SHM_CACHE_MAX_KEY + 1] = '\0';
    assert_int_equal(apr_shm_cache_set(f->cache, longkey, "v", 1, 0),
                     APR_SHM_CACHE_EKEYLEN);
    assert_int_equal(apr_shm_cache_get(f->cache, longkey, &val, NULL, NULL,
                                       f->pool), APR_SHM_CACHE_EKEYLEN);
    assert_int_equal(apr_shm_cache_delete(f->cache, longkey),
                     APR_SHM_CACHE_EKEYLEN);

    /* Larger than the largest class, larger than the zone: refused whole. */
    big = before.max_entry - 1 + 1;
    huge = calloc(1, 2 * 1024 * 1024);
    assert_int_equal(apr_shm_cache_set(f->cache, "big", huge, big, 0),
                     APR_SHM_CACHE_ETOOBIG);
    assert_int_equal(apr_shm_cache_set(f->cache, "big", huge, 2 * 1024 * 1024,
                                       0), APR_SHM_CACHE_ETOOBIG);
    /* The largest that fits does fit. */
    assert_int_equal(apr_shm_cache_set(f->cache, "big", huge,
                                       before.max_entry - 3, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_delete(f->cache, "big"), APR_SUCCESS);
    free(huge);

    assert_int_equal(apr_shm_cache_set(f->cache, "k", NULL, 3, 0), APR_EINVAL);
    assert_int_equal(apr_shm_cache_set(f->cache, "k", "v", 1, -1), APR_EINVAL);

    memset(longtag, 't', sizeof(longtag));
    longtag[APR_SHM_CACHE_MAX_TAG + 1] = '\0';
    for (i = 0; i <= APR_SHM_CACHE_MAX_TAGS; i++) {
        tags[i] = apr_psprintf(f->pool, "tag%d", i);
    }
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, tags,
                                              APR_SHM_CACHE_MAX_TAGS + 1),
                     APR_SHM_CACHE_EBADTAG);
    bad[0] = NULL;
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, bad, 1),
                     APR_SHM_CACHE_EBADTAG);
    bad[0] = "";
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, bad, 1),
                     APR_SHM_CACHE_EBADTAG);
    bad[0] = longtag;
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, bad, 1),
                     APR_SHM_CACHE_EBADTAG);
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, dup, 2),
                     APR_SHM_CACHE_EBADTAG);
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, NULL,
                                              1), APR_SHM_CACHE_EBADTAG);
    assert_int_equal(apr_shm_cache_invalidate_tag(f->cache, NULL, NULL),
                     APR_SHM_CACHE_EBADTAG);
    assert_int_equal(apr_shm_cache_invalidate_tag(f->cache, longtag, NULL),
                     APR_SHM_CACHE_EBADTAG);
    /* All 8 tags, the longest name: fine. */
    tags[0] = longtag + 1;
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "v", 1, 0, tags,
                                              APR_SHM_CACHE_MAX_TAGS),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_delete(f->cache, "k"), APR_SUCCESS);
    /* The longest key is fine too. */
    longkey[APR_SHM_CACHE_MAX_KEY] = '\0';
    assert_int_equal(apr_shm_cache_set(f->cache, longkey, "v", 1, 0),
                     APR_SUCCESS);
    check_value(f->cache, longkey, "v", f->pool);
    assert_int_equal(apr_shm_cache_delete(f->cache, longkey), APR_SUCCESS);

    assert_int_equal(apr_shm_cache_create(&c, APR_SHM_CACHE_MIN_SIZE - 1, NULL,
                                          f->pool), APR_SHM_CACHE_ETOOSMALL);
    assert_int_equal(apr_shm_cache_create(&c, 0, NULL, f->pool),
                     APR_SHM_CACHE_ETOOSMALL);
#if APR_SIZEOF_VOIDP > 4
    assert_int_equal(apr_shm_cache_create(&c, (apr_size_t)5 << 30, NULL,
                                          f->pool), APR_SHM_CACHE_ETOOLARGE);
    assert_int_equal(apr_shm_cache_create(&c, (apr_size_t)4 << 30, NULL,
                                          f->pool), APR_SHM_CACHE_ETOOLARGE);
#endif
    assert_int_equal(apr_shm_cache_attach(&c, NULL, f->pool), APR_EINVAL);

    /* Nothing was disturbed. */
    check_value(f->cache, "keep", "me", f->pool);
    after = stats_of(f->cache);
    assert_int_equal(after.entries, before.entries);
    assert_int_equal(after.bytes_data, before.bytes_data);
}

/* A store that fails for room leaves no stale entry; one refused for its
 * arguments, or for add/replace/cas's condition, changes nothing. */
static void test_failed_store(void **state)
{
    fixture_t *f = *state;
    apr_size_t big = stats_of(f->cache).max_entry + 1;
    char *huge = apr_pcalloc(f->pool, big);
    const char *empty_tag = "";
    apr_uint64_t ver;
    void *val;

    assert_int_equal(apr_shm_cache_set(f->cache, "k", "old", 3, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set_tagged(f->cache, "k", "new", 3, 0,
                                              &empty_tag, 1),
                     APR_SHM_CACHE_EBADTAG);
    assert_int_equal(apr_shm_cache_set(f->cache, "k", NULL, 3, 0),
                     APR_EINVAL);
    assert_int_equal(apr_shm_cache_set(f->cache, "k", "new", 3, -1),
                     APR_EINVAL);
    assert_int_equal(apr_shm_cache_add(f->cache, "k", huge, big, 0),
                     APR_SHM_CACHE_EEXIST);
    check_value(f->cache, "k", "old", f->pool);
    assert_int_equal(apr_shm_cache_set(f->cache, "k", huge, big, 0),
                     APR_SHM_CACHE_ETOOBIG);
    check_missing(f->cache, "k", f->pool);

    assert_int_equal(apr_shm_cache_replace(f->cache, "k", huge, big, 0),
                     APR_SHM_CACHE_NOTFOUND);
    assert_int_equal(apr_shm_cache_set(f->cache, "k", "old", 3, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_replace(f->cache, "k", huge, big, 0),
                     APR_SHM_CACHE_ETOOBIG);
    check_missing(f->cache, "k", f->pool);

    assert_int_equal(apr_shm_cache_set(f->cache, "k", "old", 3, 0),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_get(f->cache, "k", &val, NULL, &ver,
                                       f->pool), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_cas(f->cache, "k", huge, big, 0, ver + 1,
                                       NULL), APR_SHM_CACHE_ECHANGED);
    check_value(f->cache, "k", "old", f->pool);
    assert_int_equal(apr_shm_cache_cas(f->cache, "k", huge, big, 0, ver,
                                       NULL), APR_SHM_CACHE_ETOOBIG);
    check_missing(f->cache, "k", f->pool);
    assert_int_equal(stats_of(f->cache).entries, 0);
}

static void test_strerror(void **state)
{
    static const apr_status_t codes[] = {
        APR_SHM_CACHE_EBADKEY, APR_SHM_CACHE_EKEYLEN, APR_SHM_CACHE_ETOOBIG,
        APR_SHM_CACHE_ETOOSMALL, APR_SHM_CACHE_ETOOLARGE,
        APR_SHM_CACHE_ENOTCACHE, APR_SHM_CACHE_EVERSION,
        APR_SHM_CACHE_EBADSIZE, APR_SHM_CACHE_NOTFOUND, APR_SHM_CACHE_EEXIST,
        APR_SHM_CACHE_ECHANGED, APR_SHM_CACHE_ENOTNUM, APR_SHM_CACHE_EBADTAG,
        APR_SHM_CACHE_ETAGSFULL, APR_SHM_CACHE_ENOSPC, APR_SHM_CACHE_ELOCKED
    };
    char msgs[sizeof(codes) / sizeof(codes[0])][128], buf[128], buf2[128];
    size_t i, j, n = sizeof(codes) / sizeof(codes[0]);

    for (i = 0; i < n; i++) {
        assert_true(codes[i] > APR_OS_START_USERERR);
        apr_shm_cache_strerror(codes[i], msgs[i], sizeof(msgs[i]));
        assert_true(strlen(msgs[i]) > 5);
        for (j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(msgs[i], msgs[j]);
        }
    }
    assert_string_equal(apr_shm_cache_strerror(APR_ENOMEM, buf, sizeof(buf)),
                        apr_strerror(APR_ENOMEM, buf2, sizeof(buf2)));
    /* a short buffer is cut, NUL-terminated */
    apr_shm_cache_strerror(APR_SHM_CACHE_EBADKEY, buf, 6);
    assert_int_equal(strlen(buf), 5);
}

/* ---- named zones ---------------------------------------------------- */

static int run_helper(apr_pool_t *p, const char *const *args,
                      const char *const *env, char *out, apr_size_t outsize)
{
    apr_procattr_t *attr;
    apr_proc_t proc;
    apr_exit_why_e why;
    apr_size_t n = outsize - 1;
    int code;

    assert_int_equal(apr_procattr_create(&attr, p), APR_SUCCESS);
    assert_int_equal(apr_procattr_io_set(attr, APR_NO_PIPE, APR_FULL_BLOCK,
                                         APR_NO_PIPE), APR_SUCCESS);
    assert_int_equal(apr_procattr_cmdtype_set(attr, APR_PROGRAM), APR_SUCCESS);
    assert_int_equal(apr_proc_create(&proc, helper_path, args, env, attr, p),
                     APR_SUCCESS);
    apr_file_read_full(proc.out, out, n, &n);    /* APR_EOF when short */
    out[n] = '\0';
    apr_file_close(proc.out);
    assert_int_equal(apr_proc_wait(&proc, &code, &why, APR_WAIT),
                     APR_CHILD_DONE);
    assert_int_equal(why, APR_PROC_EXIT);
    return code;
}

static void test_exec_attach(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    const char *name, *args[6];
    char out[256];

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "greeting", "hello child", 11, 0),
                     APR_SUCCESS);
    args[0] = helper_path;
    args[1] = name;
    args[2] = "greeting";
    args[3] = "reply";
    args[4] = "hello parent";
    args[5] = NULL;
    assert_int_equal(run_helper(p, args, NULL, out, sizeof(out)), 0);
    assert_string_equal(out, "hello child");
    check_value(c, "reply", "hello parent", p);

    /* A miss in the other process is reported as one. */
    args[2] = "absent";
    args[3] = NULL;
    assert_int_equal(run_helper(p, args, NULL, out, sizeof(out)), 3);
    assert_int_equal(apr_shm_cache_destroy(c), APR_SUCCESS);
    /* Gone: the helper cannot attach any more. */
    args[2] = "greeting";
    assert_int_equal(run_helper(p, args, NULL, out, sizeof(out)), 2);
    apr_pool_destroy(p);
}

/* The hook test_crash_while_locked uses is in the test build of the
 * library only: the helper, linked with the library that is installed
 * and embedded in the module, ignores it. */
static void test_no_test_hook(void **state)
{
    const char *name, *args[6];
    const char *env[] = { "APR_SHM_CACHE_TEST_KILL_IN_SET=1", NULL };
    apr_shm_cache_t *c;
    apr_pool_t *p;
    char out[256];

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "k", "v", 1, 0), APR_SUCCESS);
    args[0] = helper_path;
    args[1] = name;
    args[2] = "k";
    args[3] = "set-by-helper";
    args[4] = "done";
    args[5] = NULL;
    assert_int_equal(run_helper(p, args, env, out, sizeof(out)), 0);
    check_value(c, "set-by-helper", "done", p);
    assert_int_equal(stats_of(c).recoveries, 0);
    apr_pool_destroy(p);
}

static apr_status_t note_cleared(void *data)
{
    *(int *)data = 1;
    return APR_SUCCESS;
}

/* A creator that lets go of its zone: the zone stays, named, after its
 * handle and its pool; only the name's removal ends it. */
static void test_release(void **state)
{
    apr_pool_t *p, *p2;
    apr_shm_cache_t *c, *a, *anon;
    const char *name;

    apr_pool_create(&p, NULL);
    apr_pool_create(&p2, NULL);
    name = seg_name(p2);
    assert_int_equal(apr_shm_cache_create(&anon, 256 * 1024, NULL, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_release(anon), APR_EINVAL);
    assert_int_equal(apr_shm_cache_set(anon, "still", "1", 1, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "kept", "yes", 3, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_attach(&a, name, p2), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_release(a), APR_EINVAL);
    assert_int_equal(apr_shm_cache_detach(a), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_release(c), APR_SUCCESS);
    apr_pool_destroy(p);                /* no longer destroys the zone */
    assert_int_equal(apr_shm_cache_attach(&a, name, p2), APR_SUCCESS);
    check_value(a, "kept", "yes", p2);
    assert_int_equal(apr_shm_cache_detach(a), APR_SUCCESS);
    assert_int_equal(apr_shm_remove(name, p2), APR_SUCCESS);
    assert_true(APR_STATUS_IS_ENOENT(apr_shm_cache_attach(&a, name, p2)));
    apr_pool_destroy(p2);
}

static void test_attach_detach(void **state)
{
    apr_pool_t *p, *p2;
    apr_shm_cache_t *c, *a;
    const char *name;
    int freed = 0;

    apr_pool_create(&p, NULL);
    apr_pool_create(&p2, NULL);
    name = seg_name(p);
    assert_true(APR_STATUS_IS_ENOENT(apr_shm_cache_attach(&a, name, p2)));
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_attach(&a, name, p2), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(a, "via-attach", "1", 1, 0),
                     APR_SUCCESS);
    check_value(c, "via-attach", "1", p);
    assert_int_equal(stats_of(a).entries, 1);
    /* What the handle holds goes with it, not with p2 (a process that
     * attaches and detaches again and again in one pool). */
    apr_pool_cleanup_register(a->rmm_pool, &freed, note_cleared,
                              apr_pool_cleanup_null);
    assert_int_equal(apr_shm_cache_detach(a), APR_SUCCESS);
    assert_int_equal(freed, 1);
    check_value(c, "via-attach", "1", p);
    /* destroy() of an attached handle detaches: the zone and its name stay. */
    assert_int_equal(apr_shm_cache_attach(&a, name, p2), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_destroy(a), APR_SUCCESS);
    assert_int_equal(apr_shm_cache_attach(&a, name, p2), APR_SUCCESS);
    check_value(a, "via-attach", "1", p2);
    assert_int_equal(apr_shm_cache_detach(a), APR_SUCCESS);
    /* The creator's handle is not detached: it stays whole. */
    assert_int_equal(apr_shm_cache_detach(c), APR_EINVAL);
    check_value(c, "via-attach", "1", p);
    freed = 0;
    apr_pool_cleanup_register(c->rmm_pool, &freed, note_cleared,
                              apr_pool_cleanup_null);
    assert_int_equal(apr_shm_cache_destroy(c), APR_SUCCESS);
    assert_int_equal(freed, 1);
    assert_true(APR_STATUS_IS_ENOENT(apr_shm_cache_attach(&a, name, p2)));
    apr_pool_destroy(p2);
    apr_pool_destroy(p);
}

/* Mappings of this process of at least min_kb, advised MADV_HUGEPAGE
 * ("hg" in smaps' VmFlags); *pmd_kb: how much of them 2 MB pages map. */
static int huge_advised(long min_kb, long *pmd_kb)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    long size = 0, pmd = 0;
    int n = 0;

    *pmd_kb = 0;
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "Size: %ld kB", &size) == 1) {
            pmd = 0;
        }
        else if (sscanf(line, "ShmemPmdMapped: %ld kB", &pmd) == 1) {
            continue;
        }
        else if (strncmp(line, "VmFlags:", 8) == 0 && size >= min_kb
                 && strstr(line, " hg")) {
            n++;
            *pmd_kb += pmd;
        }
    }
    fclose(f);
    return n;
}

/* Does the system give 2 MB pages to anonymous shared memory that asks? */
static int shmem_thp_granted(void)
{
    char buf[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/shmem_enabled",
                    "r");

    if (f) {
        if (!fgets(buf, sizeof(buf), f)) {
            buf[0] = '\0';
        }
        fclose(f);
    }
    return strstr(buf, "[always]") || strstr(buf, "[within_size]")
           || strstr(buf, "[advise]") || strstr(buf, "[force]");
}

/* Every mapping of a zone asks for huge pages: the creator's (anonymous or
 * named) and an attacher's; where the system grants them, an anonymous
 * zone gets them. */
static void test_huge_pages_advised(void **state)
{
    enum { ZONE = 8 << 20 };
    apr_pool_t *p, *p2;
    apr_shm_cache_t *anon, *named, *att;
    const char *name;
    long pmd;
    int before;

    apr_pool_create(&p, NULL);
    apr_pool_create(&p2, NULL);
    name = seg_name(p);
    before = huge_advised(ZONE / 1024, &pmd);
    assert_true(before >= 0);
    assert_int_equal(apr_shm_cache_create(&anon, ZONE, NULL, p), APR_SUCCESS);
    assert_int_equal(huge_advised(ZONE / 1024, &pmd), before + 1);
    if (shmem_thp_granted()) {
        assert_true(pmd >= 2048);
    }
    assert_int_equal(apr_shm_cache_create(&named, ZONE, name, p), APR_SUCCESS);
    assert_int_equal(huge_advised(ZONE / 1024, &pmd), before + 2);
    assert_int_equal(apr_shm_cache_attach(&att, name, p2), APR_SUCCESS);
    assert_int_equal(huge_advised(ZONE / 1024, &pmd), before + 3);
    assert_int_equal(apr_shm_cache_set(att, "k", "v", 1, 0), APR_SUCCESS);
    check_value(named, "k", "v", p);
    apr_pool_destroy(p2);
    apr_pool_destroy(p);
    assert_int_equal(huge_advised(ZONE / 1024, &pmd), before);
}

static void test_attach_not_a_cache(void **state)
{
    apr_pool_t *p;
    apr_shm_t *raw;
    apr_shm_cache_t *c, *a;
    const char *name;
    apr_uint32_t *w, saved;
    apr_uint64_t *size, saved_size;
    int i;

    apr_pool_create(&p, NULL);
    /* A zeroed segment, and a tiny one. */
    name = seg_name(p);
    assert_int_equal(apr_shm_create(&raw, 4096, name, p), APR_SUCCESS);
    memset(apr_shm_baseaddr_get(raw), 0, 4096);
    assert_int_equal(apr_shm_cache_attach(&a, name, p),
                     APR_SHM_CACHE_ENOTCACHE);
    apr_shm_destroy(raw);
    name = seg_name(p);
    assert_int_equal(apr_shm_create(&raw, 8, name, p), APR_SUCCESS);
    memset(apr_shm_baseaddr_get(raw), 0xff, 8);
    assert_int_equal(apr_shm_cache_attach(&a, name, p),
                     APR_SHM_CACHE_ENOTCACHE);
    apr_shm_destroy(raw);

    /* A real cache whose header was tampered with: layout word (bytes
     * 4..7), then size (bytes 8..15). */
    name = seg_name(p);
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "still", "here", 4, 0), APR_SUCCESS);
    assert_int_equal(apr_shm_attach(&raw, name, p), APR_SUCCESS);
    w = (apr_uint32_t *)apr_shm_baseaddr_get(raw) + 1;
    saved = *w;
    *w = saved + 1;
    assert_int_equal(apr_shm_cache_attach(&a, name, p),
                     APR_SHM_CACHE_EVERSION);
    *w = saved;
    size = (apr_uint64_t *)apr_shm_baseaddr_get(raw) + 1;
    saved_size = *size;
    *size = saved_size * 2;
    assert_int_equal(apr_shm_cache_attach(&a, name, p),
                     APR_SHM_CACHE_EBADSIZE);
    *size = saved_size;
    /* A figure derived from the size: the page size (bytes 16..19), then
     * the hash bucket count (20..23), as a stray write could leave them. */
    for (i = 4; i <= 5; i++) {
        w = (apr_uint32_t *)apr_shm_baseaddr_get(raw) + i;
        saved = *w;
        *w = saved * 2;
        assert_int_equal(apr_shm_cache_attach(&a, name, p),
                         APR_SHM_CACHE_EBADSIZE);
        *w = saved;
    }
    assert_int_equal(apr_shm_cache_attach(&a, name, p), APR_SUCCESS);
    check_value(a, "still", "here", p);
    apr_shm_detach(raw);
    apr_pool_destroy(p);
}

static void test_child_exit_keeps_zone(void **state)
{
    apr_pool_t *p, *p2;
    apr_shm_cache_t *c, *a;
    const char *name;
    pid_t pid;
    int status, i;

    apr_pool_create(&p, NULL);
    apr_pool_create(&p2, NULL);
    name = seg_name(p2);
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "k", "v", 1, 0), APR_SUCCESS);
    /* A child that exits the APR way (apr_terminate() cleans every pool,
     * the zone's too), then one that destroys its copy of the handle. */
    for (i = 0; i < 2; i++) {
        pid = fork();
        if (pid == 0) {
            if (i == 0) {
                apr_terminate();
                _exit(0);
            }
            _exit(apr_shm_cache_destroy(c) == APR_SUCCESS ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        /* The zone keeps its name, and the creator's handle works. */
        assert_int_equal(apr_shm_cache_attach(&a, name, p2), APR_SUCCESS);
        check_value(a, "k", "v", p2);
        assert_int_equal(apr_shm_cache_detach(a), APR_SUCCESS);
        assert_int_equal(apr_shm_cache_set(c, "k", "v", 1, 0), APR_SUCCESS);
    }
    /* The creator's pool cleanup removes it. */
    apr_pool_destroy(p);
    assert_true(APR_STATUS_IS_ENOENT(apr_shm_cache_attach(&a, name, p2)));
    apr_pool_destroy(p2);
}

/* Names of /dev/shm entries, to spot the one a create adds. */
static apr_array_header_t *shm_entries(apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(char *));
    DIR *d = opendir("/dev/shm");
    struct dirent *de;

    if (d) {
        while ((de = readdir(d))) {
            APR_ARRAY_PUSH(names, char *) = apr_pstrdup(p, de->d_name);
        }
        closedir(d);
    }
    return names;
}

static int in_list(apr_array_header_t *a, const char *s)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(a, i, char *), s)) {
            return 1;
        }
    }
    return 0;
}

#if APR_USE_SHMEM_MMAP_SHM
/* The /dev/shm file of the segment a create added to those in before:
 * the new one of this odd size (plus APR's size word); other processes
 * may create segments meanwhile.  NULL unless exactly one matches. */
static const char *new_shm_file(apr_pool_t *p, apr_array_header_t *before,
                                apr_size_t size)
{
    apr_array_header_t *after = shm_entries(p);
    const char *found = NULL;
    int i, n = 0;

    for (i = 0; i < after->nelts; i++) {
        const char *name = APR_ARRAY_IDX(after, i, char *);
        const char *path = apr_pstrcat(p, "/dev/shm/", name, NULL);
        struct stat sb;

        if (name[0] != '.' && !in_list(before, name) && !stat(path, &sb)
            && sb.st_size == (off_t)(size + sizeof(apr_size_t))) {
            found = path;
            n++;
        }
    }
    return n == 1 ? found : NULL;
}

/* Attaches in a child, which a bad mapping may crash: 0 if it got
 * ENOTCACHE, 1 for any other status, -1 if it died. */
static int attach_in_child(const char *name)
{
    int status;
    pid_t pid = fork();

    if (pid == 0) {
        apr_pool_t *cp;
        apr_shm_cache_t *a;
        /* A crash ends the child, not in cmocka's handler. */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        apr_pool_create(&cp, NULL);
        _exit(apr_shm_cache_attach(&a, name, cp) == APR_SHM_CACHE_ENOTCACHE
              ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define HALF_SIZE (128 * 1024 + 5 * 4096)

/* The states an attach can find a segment in while its creator is still
 * making it (apr_shm_create(), then the header): each is "not a cache
 * yet", never a crash. */
static void test_attach_half_made(void **state)
{
    apr_array_header_t *before;
    const char *name, *file;
    apr_shm_t *raw;
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    before = shm_entries(p);
    assert_int_equal(apr_shm_create(&raw, HALF_SIZE, name, p), APR_SUCCESS);
    file = new_shm_file(p, before, HALF_SIZE);
    assert_non_null(file);
    /* Sized, header not written yet. */
    memset(apr_shm_baseaddr_get(raw), 0, HALF_SIZE);
    assert_int_equal(attach_in_child(name), 0);
    /* Sized, but APR's size word not written yet: APR maps nothing and
     * says it worked. */
    ((apr_size_t *)apr_shm_baseaddr_get(raw))[-1] = 0;
    assert_int_equal(attach_in_child(name), 0);
    /* Not even sized: APR cannot read the size word. */
    assert_int_equal(truncate(file, 0), 0);
    assert_int_equal(attach_in_child(name), 0);
    apr_pool_destroy(p);
}
#endif

#define STALE_SIZE (256 * 1024 + 3 * 4096)

static void test_stale_segment_and_mode(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_array_header_t *before, *after;
    const char *name;
    pid_t pid;
    int status, i, fresh = 0;
    mode_t mask;

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    before = shm_entries(p);
    /* A "crashed" run: creates the zone and exits without cleanup. */
    pid = fork();
    if (pid == 0) {
        apr_pool_t *cp;
        apr_pool_create(&cp, NULL);
        if (apr_shm_cache_create(&c, STALE_SIZE, name, cp) != APR_SUCCESS
            || apr_shm_cache_set(c, "old", "run", 3, 0) != APR_SUCCESS) {
            _exit(1);
        }
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* Under an open umask: the zone must not depend on the caller's (nor
     * on APR's own mode, 0644 before 1.7.5), and the caller's is kept. */
    mask = umask(0);
    assert_int_equal(apr_shm_cache_create(&c, STALE_SIZE, name, p),
                     APR_SUCCESS);
    assert_int_equal(umask(mask), 0);
    check_missing(c, "old", p);
    assert_int_equal(stats_of(c).entries, 0);
    assert_int_equal(stats_of(c).size, STALE_SIZE);

#if APR_USE_SHMEM_MMAP_SHM
    /* The segment this platform keeps in /dev/shm is private (0600). */
    after = shm_entries(p);
    for (i = 0; i < after->nelts; i++) {
        const char *n = APR_ARRAY_IDX(after, i, char *);
        struct stat sb;
        /* other processes may create segments meanwhile: ours is the
         * new one of our odd size (plus APR's size word) */
        if (n[0] == '.' || in_list(before, n)
            || stat(apr_pstrcat(p, "/dev/shm/", n, NULL), &sb)
            || sb.st_size != STALE_SIZE + (off_t)sizeof(apr_size_t)) {
            continue;
        }
        assert_int_equal(sb.st_mode & 0777, 0600);
        fresh++;
    }
    assert_int_equal(fresh, 1);
#else
    (void)after; (void)i; (void)fresh; (void)in_list; (void)before;
#endif
    assert_int_equal(apr_shm_cache_destroy(c), APR_SUCCESS);
    apr_pool_destroy(p);
}

/* ---- several processes ------------------------------------------------ */

#define MP_CHILDREN  4
#define MP_OPS       20000
#define MP_KEYS      64
#define MP_COUNTERS  4

typedef struct {
    apr_uint64_t sets, gets, hits, misses, deletes, bad;
    apr_int64_t incr[MP_COUNTERS];
} mp_counts_t;

/* A value names its key and carries a check word over the rest. */
static apr_size_t mp_value(char *buf, apr_size_t size, const char *key,
                           unsigned long pid, unsigned long n)
{
    unsigned long h = 5381;
    int len = snprintf(buf, size, "%s|%lu|%lu|", key, pid, n), i;

    for (i = 0; i < len; i++) {
        h = h * 33 + (unsigned char)buf[i];
    }
    /* pad so that values of one key land in different size classes */
    return (apr_size_t)(len + snprintf(buf + len, size - len, "%lx|%.*s",
                                       h & 0xffff, (int)(n % 97), 
                                       "....................................."
                                       "....................................."
                                       "....................................."));
}

static int mp_value_ok(const char *val, apr_size_t len, const char *key)
{
    char want[512];
    unsigned long pid, n;
    apr_size_t klen = strlen(key);

    if (len < klen + 1 || memcmp(val, key, klen) || val[klen] != '|'
        || sscanf(val + klen + 1, "%lu|%lu|", &pid, &n) != 2) {
        return 0;
    }
    return mp_value(want, sizeof(want), key, pid, n) == len
           && !memcmp(want, val, len);
}

static void mp_child(apr_shm_cache_t *c, mp_counts_t *out, unsigned seed)
{
    apr_pool_t *p;
    char key[32], val[512];
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < MP_OPS; i++) {
        unsigned r = rand_r(&seed);
        int op = r % 10, k = (r >> 8) % MP_KEYS;
        void *got;
        apr_size_t len;

        snprintf(key, sizeof(key), "key%d", k);
        if (op < 4) {
            apr_size_t n = mp_value(val, sizeof(val), key,
                                    (unsigned long)getpid(), (unsigned long)i);
            if (apr_shm_cache_set(c, key, val, n, 0) == APR_SUCCESS) {
                out->sets++;
            }
            else {
                out->bad++;
            }
        }
        else if (op < 8) {
            apr_status_t rv = apr_shm_cache_get(c, key, &got, &len, NULL, p);
            out->gets++;
            if (rv == APR_SUCCESS) {
                out->hits++;
                if (!mp_value_ok(got, len, key)) {
                    out->bad++;
                }
            }
            else if (rv == APR_SHM_CACHE_NOTFOUND) {
                out->misses++;
            }
            else {
                out->bad++;
            }
        }
        else if (op < 9) {
            if (apr_shm_cache_delete(c, key) == APR_SUCCESS) {
                out->deletes++;
            }
        }
        else {
            int ci = k % MP_COUNTERS;
            apr_int64_t d = (r >> 20) % 7 - 3;
            snprintf(key, sizeof(key), "counter%d", ci);
            if (apr_shm_cache_incr(c, key, d, NULL) == APR_SUCCESS) {
                out->incr[ci] += d;
            }
            else {
                out->bad++;
            }
        }
        if (i % 500 == 0) {
            apr_pool_clear(p);
        }
    }
    apr_pool_destroy(p);
}

static void test_multiprocess(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st0, st;
    mp_counts_t *counts, sum;
    pid_t pids[MP_CHILDREN];
    int i, j, status;
    char key[32];

    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, 4 * 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    counts = mmap(NULL, sizeof(mp_counts_t) * MP_CHILDREN,
                  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(counts != MAP_FAILED);
    memset(counts, 0, sizeof(mp_counts_t) * MP_CHILDREN);
    for (i = 0; i < MP_COUNTERS; i++) {
        snprintf(key, sizeof(key), "counter%d", i);
        assert_int_equal(apr_shm_cache_set(c, key, "1000", 4, 0), APR_SUCCESS);
    }
    st0 = stats_of(c);
    for (i = 0; i < MP_CHILDREN; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            mp_child(c, &counts[i], 12345u + (unsigned)i * 7919u);
            _exit(0);
        }
    }
    for (i = 0; i < MP_CHILDREN; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    memset(&sum, 0, sizeof(sum));
    for (i = 0; i < MP_CHILDREN; i++) {
        sum.sets += counts[i].sets;
        sum.gets += counts[i].gets;
        sum.hits += counts[i].hits;
        sum.misses += counts[i].misses;
        sum.deletes += counts[i].deletes;
        sum.bad += counts[i].bad;
        for (j = 0; j < MP_COUNTERS; j++) {
            sum.incr[j] += counts[i].incr[j];
        }
    }
    st = stats_of(c);
    assert_int_equal(sum.bad, 0);
    assert_true(sum.sets > 0 && sum.hits > 0 && sum.misses > 0
                && sum.deletes > 0);
    assert_int_equal(st.sets - st0.sets, sum.sets);
    assert_int_equal(st.hits - st0.hits, sum.hits);
    assert_int_equal(st.misses - st0.misses, sum.misses);
    assert_int_equal(st.deletes - st0.deletes, sum.deletes);
    assert_int_equal(st.evictions, 0);
    assert_int_equal(st.recoveries, 0);
    for (j = 0; j < MP_COUNTERS; j++) {
        void *val;
        snprintf(key, sizeof(key), "counter%d", j);
        assert_int_equal(apr_shm_cache_get(c, key, &val, NULL, NULL, p),
                         APR_SUCCESS);
        assert_int_equal(apr_atoi64(val), 1000 + sum.incr[j]);
    }
    /* Every surviving key holds a value that some process set for it. */
    for (j = 0; j < MP_KEYS; j++) {
        void *val;
        apr_size_t len;
        snprintf(key, sizeof(key), "key%d", j);
        if (apr_shm_cache_get(c, key, &val, &len, NULL, p) == APR_SUCCESS) {
            assert_true(mp_value_ok(val, len, key));
        }
    }
    munmap(counts, sizeof(mp_counts_t) * MP_CHILDREN);
    apr_pool_destroy(p);
}

typedef struct {
    apr_shm_cache_t *cache;
    mp_counts_t counts;
    unsigned seed;
} thread_job_t;

static void *APR_THREAD_FUNC thread_main(apr_thread_t *t, void *data)
{
    thread_job_t *job = data;

    mp_child(job->cache, &job->counts, job->seed);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* Threads of one process sharing one handle. */
static void test_threads(void **state)
{
    fixture_t *f = *state;
    thread_job_t jobs[4];
    apr_thread_t *threads[4];
    apr_shm_cache_stats_t st0, st;
    apr_uint64_t sets = 0, hits = 0, misses = 0, bad = 0;
    char key[32];
    int i;

    for (i = 0; i < MP_COUNTERS; i++) {
        snprintf(key, sizeof(key), "counter%d", i);
        assert_int_equal(apr_shm_cache_set(f->cache, key, "0", 1, 0),
                         APR_SUCCESS);
    }
    st0 = stats_of(f->cache);
    for (i = 0; i < 4; i++) {
        memset(&jobs[i], 0, sizeof(jobs[i]));
        jobs[i].cache = f->cache;
        jobs[i].seed = 777u + (unsigned)i;
        assert_int_equal(apr_thread_create(&threads[i], NULL, thread_main,
                                           &jobs[i], f->pool), APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_status_t rv;
        assert_int_equal(apr_thread_join(&rv, threads[i]), APR_SUCCESS);
        sets += jobs[i].counts.sets;
        hits += jobs[i].counts.hits;
        misses += jobs[i].counts.misses;
        bad += jobs[i].counts.bad;
    }
    st = stats_of(f->cache);
    assert_int_equal(bad, 0);
    assert_int_equal(st.sets - st0.sets, sets);
    assert_int_equal(st.hits - st0.hits, hits);
    assert_int_equal(st.misses - st0.misses, misses);
    for (i = 0; i < MP_COUNTERS; i++) {
        apr_int64_t want = 0;
        void *val;
        int j;
        for (j = 0; j < 4; j++) {
            want += jobs[j].counts.incr[i];
        }
        snprintf(key, sizeof(key), "counter%d", i);
        assert_int_equal(apr_shm_cache_get(f->cache, key, &val, NULL, NULL,
                                           f->pool), APR_SUCCESS);
        assert_int_equal(apr_atoi64(val), want);
    }
}

/* A named zone with entries pre0..pre19 ("ok"); its name. */
static const char *zone_with_pre(apr_pool_t *p, apr_shm_cache_t **c)
{
    const char *name = seg_name(p);
    int i;

    assert_int_equal(apr_shm_cache_create(c, 1024 * 1024, name, p),
                     APR_SUCCESS);
    for (i = 0; i < 20; i++) {
        assert_int_equal(apr_shm_cache_set(*c, apr_psprintf(p, "pre%d", i),
                                           "ok", 2, 0), APR_SUCCESS);
    }
    return name;
}

/* A child that attaches to name and is killed by the test hook hook
 * (APR_SHM_CACHE_TEST_KILL_IN_SET: in the middle of a set; _LOCKED: as
 * soon as it holds the lock; _UNLOCK: as it lets it go, its call done) in
 * op on key: "set" (3000 bytes), "get",
 * "delete", "add", "cas" (a version no entry has), "incr", "invalidate"
 * (key is the tag). */
static void killed_in(const char *name, const char *hook, const char *op,
                      const char *key)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        static char v[3000];
        apr_pool_t *cp;
        apr_shm_cache_t *a;
        void *val;

        apr_pool_create(&cp, NULL);
        setenv(hook, "1", 1);
        if (apr_shm_cache_attach(&a, name, cp) != APR_SUCCESS) {
            _exit(1);
        }
        memset(v, 'x', sizeof(v));
        if (!strcmp(op, "get")) {
            apr_shm_cache_get(a, key, &val, NULL, NULL, cp);
        }
        else if (!strcmp(op, "delete")) {
            apr_shm_cache_delete(a, key);
        }
        else if (!strcmp(op, "add")) {
            apr_shm_cache_add(a, key, "y", 1, 0);
        }
        else if (!strcmp(op, "cas")) {
            apr_shm_cache_cas(a, key, "y", 1, 0, ~(apr_uint64_t)0, NULL);
        }
        else if (!strcmp(op, "incr")) {
            apr_shm_cache_incr(a, key, 1, NULL);
        }
        else if (!strcmp(op, "invalidate")) {
            apr_shm_cache_invalidate_tag(a, key, NULL);
        }
        else {
            apr_shm_cache_set(a, key, v, sizeof(v), 0);
        }
        _exit(2);                  /* not reached: the hook kills us */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_crash_while_locked(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st;
    const char *name;
    int i;
    void *val;

    apr_pool_create(&p, NULL);
    name = zone_with_pre(p, &c);
    killed_in(name, "APR_SHM_CACHE_TEST_KILL_IN_SET", "set", "torn");

    /* The half-written entry is never served; the zone was cleared. */
    assert_int_equal(apr_shm_cache_get(c, "torn", &val, NULL, NULL, p),
                     APR_SHM_CACHE_NOTFOUND);
    st = stats_of(c);
    assert_int_equal(st.recoveries, 1);
    assert_int_equal(st.clears, 1);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.pages, 0);
    check_missing(c, "pre0", p);
    /* and it works as before */
    for (i = 0; i < 20; i++) {
        assert_int_equal(apr_shm_cache_set(c, apr_psprintf(p, "post%d", i),
                                           "fine", 4, 0), APR_SUCCESS);
    }
    check_value(c, "post19", "fine", p);
    assert_int_equal(stats_of(c).entries, 20);
    assert_int_equal(stats_of(c).recoveries, 1);
    apr_pool_destroy(p);
}

/* A process killed holding the lock for a read (a get that found its entry
 * expired) had changed nothing: the zone keeps its entries. */
static void test_crash_while_reading(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st;
    const char *name;

    apr_pool_create(&p, NULL);
    name = zone_with_pre(p, &c);
    assert_int_equal(apr_shm_cache_set(c, "old", "v", 1,
                                       apr_time_from_msec(20)), APR_SUCCESS);
    apr_sleep(apr_time_from_msec(40));
    killed_in(name, "APR_SHM_CACHE_TEST_KILL_LOCKED", "get", "old");

    assert_int_equal(apr_shm_cache_set(c, "post", "fine", 4, 0),
                     APR_SUCCESS);     /* takes the lock: recovers */
    st = stats_of(c);
    assert_int_equal(st.recoveries, 1);
    assert_int_equal(st.clears, 0);
    check_value(c, "pre0", "ok", p);
    check_value(c, "pre19", "ok", p);
    check_value(c, "post", "fine", p);
    apr_pool_destroy(p);
}

/* A writer killed holding the lock after a call that changed nothing (a
 * delete of a missing key, an add of a present one, a cas of another
 * version, an incr of a value that is not a number, an invalidate of an
 * unknown tag), or before it began, costs nothing: the lock is a writer's
 * only from its first change. One killed at the end of a call that changed
 * something costs the zone (the index may be half-done). */
static void test_crash_before_change(void **state)
{
    static const char *const ops[][3] = {
        { "APR_SHM_CACHE_TEST_KILL_UNLOCK", "delete", "missing" },
        { "APR_SHM_CACHE_TEST_KILL_UNLOCK", "add", "pre0" },
        { "APR_SHM_CACHE_TEST_KILL_UNLOCK", "cas", "pre1" },
        { "APR_SHM_CACHE_TEST_KILL_UNLOCK", "incr", "pre2" },
        { "APR_SHM_CACHE_TEST_KILL_UNLOCK", "invalidate", "no-such-tag" },
        { "APR_SHM_CACHE_TEST_KILL_LOCKED", "delete", "pre3" },
        { "APR_SHM_CACHE_TEST_KILL_LOCKED", "set", "pre4" }
    };
    const int n = (int)(sizeof(ops) / sizeof(ops[0]));
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st;
    const char *name;
    int i;

    apr_pool_create(&p, NULL);
    name = zone_with_pre(p, &c);
    for (i = 0; i < n; i++) {
        killed_in(name, ops[i][0], ops[i][1], ops[i][2]);
        /* a lock taken: recovers */
        assert_int_equal(apr_shm_cache_set(c, apr_psprintf(p, "post%d", i),
                                           "fine", 4, 0), APR_SUCCESS);
    }
    st = stats_of(c);
    assert_int_equal(st.recoveries, n);
    assert_int_equal(st.clears, 0);
    assert_int_equal(st.entries, 20 + n);
    for (i = 0; i < 20; i++) {
        check_value(c, apr_psprintf(p, "pre%d", i), "ok", p);
    }
    check_value(c, "post6", "fine", p);

    /* The control: a delete that removed its entry. */
    killed_in(name, "APR_SHM_CACHE_TEST_KILL_UNLOCK", "delete", "pre5");
    assert_int_equal(apr_shm_cache_set(c, "after", "x", 1, 0), APR_SUCCESS);
    st = stats_of(c);
    assert_int_equal(st.recoveries, n + 1);
    assert_int_equal(st.clears, 1);
    check_missing(c, "pre6", p);
    apr_pool_destroy(p);
}

/* A child that attaches to name and stops in the middle of setting key to
 * val, holding the lock; SIGCONT lets it finish. */
static pid_t stopped_holder(const char *name, const char *key,
                            const char *val, apr_size_t len)
{
    pid_t pid = fork();
    int status;

    if (pid == 0) {
        apr_pool_t *cp;
        apr_shm_cache_t *a;

        apr_pool_create(&cp, NULL);
        setenv("APR_SHM_CACHE_TEST_KILL_IN_SET", "stop", 1);
        if (apr_shm_cache_attach(&a, name, cp) != APR_SUCCESS) {
            _exit(1);
        }
        _exit(apr_shm_cache_set(a, key, val, len, 0) == APR_SUCCESS ? 0 : 2);
    }
    assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
    assert_true(WIFSTOPPED(status));
    return pid;
}

static void holder_finish(pid_t pid)
{
    int status;

    kill(pid, SIGCONT);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A writer stopped (not dead) while it holds the lock: the others give up
 * with APR_SHM_CACHE_ELOCKED instead of waiting for ever, and change
 * nothing; once it goes on, its entry is whole and all works as before. */
static void test_stopped_while_locked(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st;
    iter_state_t seen;
    static char v[3000];
    char msg[128];
    pid_t pid;

    const char *name;

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, name, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "pre", "ok", 2, 0), APR_SUCCESS);
    memset(v, 'x', sizeof(v));
    pid = stopped_holder(name, "held", v, sizeof(v));

    /* the first waits its timeout, the second gives up at once; neither
     * changes anything */
    assert_int_equal(apr_shm_cache_set(c, "a", "1", 1, 0),
                     APR_SHM_CACHE_ELOCKED);
    assert_int_equal(apr_shm_cache_delete(c, "pre"), APR_SHM_CACHE_ELOCKED);
    assert_int_equal(apr_shm_cache_stats(c, &st), APR_SHM_CACHE_ELOCKED);
    assert_int_equal(apr_shm_cache_clear(c), APR_SHM_CACHE_ELOCKED);
    assert_int_equal(apr_shm_cache_invalidate_tag(c, "t", NULL),
                     APR_SHM_CACHE_ELOCKED);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(apr_shm_cache_iterate(c, iter_cb, &seen, p),
                     APR_SHM_CACHE_ELOCKED);
    assert_int_equal(seen.calls, 0);
    assert_string_equal(apr_shm_cache_strerror(APR_SHM_CACHE_ELOCKED, msg,
                                               sizeof(msg)),
                        "cache zone's lock held too long by another process");

    holder_finish(pid);
    /* within the stuck window still, but the lock is free: taken */
    check_value(c, "held", apr_pstrmemdup(p, v, sizeof(v)), p);
    check_value(c, "pre", "ok", p);
    check_missing(c, "a", p);
    assert_int_equal(apr_shm_cache_set(c, "a", "1", 1, 0), APR_SUCCESS);
    st = stats_of(c);
    assert_int_equal(st.lock_timeouts, 6);
    assert_int_equal(st.recoveries, 0);
    assert_int_equal(st.clears, 0);
    assert_int_equal(st.entries, 3);
    apr_pool_destroy(p);
}

/* Once the stuck holder has let go and the lock was taken again, lockers
 * wait for a holder as before: they gave up at once for the rest of the
 * second, however briefly the lock was held (a delete refused while
 * nothing was stuck any more). */
static void test_stuck_window_ends(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    const char *name;
    pid_t holder, waker;

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, name, p),
                     APR_SUCCESS);
    holder = stopped_holder(name, "first", "v", 1);
    assert_int_equal(apr_shm_cache_set(c, "a", "1", 1, 0),
                     APR_SHM_CACHE_ELOCKED);
    holder_finish(holder);
    /* Within the second still: another holder takes the lock and keeps it
     * 100 ms; a locker waits for it. */
    holder = stopped_holder(name, "second", "v", 1);
    waker = fork();
    if (waker == 0) {
        usleep(100000);
        kill(holder, SIGCONT);
        _exit(0);
    }
    assert_int_equal(apr_shm_cache_set(c, "a", "1", 1, 0), APR_SUCCESS);
    assert_int_equal(waitpid(waker, NULL, 0), waker);
    holder_finish(holder);
    check_value(c, "second", "v", p);
    check_value(c, "a", "1", p);
    assert_int_equal(stats_of(c).lock_timeouts, 1);
    apr_pool_destroy(p);
}

/* The library's view of the wall clock: realtime_skew seconds ahead of
 * the kernel's, as if the clock were set back by that much right after a
 * deadline was read from it (the library is linked into this program, so
 * its calls come here). */
int clock_gettime(clockid_t id, struct timespec *ts)
{
    int rv = (int)syscall(SYS_clock_gettime, id, ts);

    if (rv == 0 && id == CLOCK_REALTIME) {
        ts->tv_sec += realtime_skew;
    }
    return rv;
}

/* The wait for a stopped holder is a second whatever the wall clock does:
 * with the clock set back an hour meanwhile, a locker still gives up after
 * a second, not an hour and a second (a deadline on CLOCK_REALTIME). */
static void test_lock_wait_clock_set_back(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    const char *name;
    pid_t holder, locker;
    int status;

    apr_pool_create(&p, NULL);
    name = seg_name(p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, name, p),
                     APR_SUCCESS);
    holder = stopped_holder(name, "held", "v", 1);
    locker = fork();
    if (locker == 0) {
        realtime_skew = 3600;
        alarm(10);              /* SIGALRM: still waiting, the test fails */
        _exit(apr_shm_cache_set(c, "a", "1", 1, 0) == APR_SHM_CACHE_ELOCKED
              ? 0 : 1);
    }
    assert_int_equal(waitpid(locker, &status, 0), locker);
    holder_finish(holder);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    check_value(c, "held", "v", p);
    apr_pool_destroy(p);
}

/* ---- eviction ---------------------------------------------------------- */

static void fill_key(char *buf, apr_size_t size, int i)
{
    snprintf(buf, size, "evict-%05d", i);
}

/* n entries of 10 bytes, keys fill_key(0 .. n-1), that fill a 1 MB zone. */
static void fill_small(apr_shm_cache_t *c, int n, apr_interval_time_t ttl)
{
    char key[32], small[10];
    int i;

    memset(small, 's', sizeof(small));
    for (i = 0; i < n; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, small, sizeof(small), ttl),
                         APR_SUCCESS);
    }
}

/* A new zone of size in a new pool, filled with n small entries of ttl;
 * returns how long the filling took. */
static apr_interval_time_t full_zone(apr_shm_cache_t **c, apr_pool_t **p,
                                     apr_size_t size, int n,
                                     apr_interval_time_t ttl)
{
    apr_time_t start;

    apr_pool_create(p, NULL);
    assert_int_equal(apr_shm_cache_create(c, size, NULL, *p), APR_SUCCESS);
    start = apr_time_now();
    fill_small(*c, n, ttl);
    return apr_time_now() - start;
}

/* Until entries of ttl stored in took have all expired, and, if storing
 * them took longer than that (valgrind), a sweep done meanwhile no longer
 * holds back the next (once a second). */
static void sleep_past(apr_interval_time_t ttl, apr_interval_time_t took)
{
    apr_sleep(ttl + apr_time_from_msec(20)
              + (took >= ttl ? apr_time_from_sec(1) : 0));
}

/* 40 values of 8000 bytes, all stored and all still there; returns the
 * length of their keys. */
static apr_size_t store_big(apr_shm_cache_t *c, apr_pool_t *p)
{
    char key[32], big[8000];
    int i;

    memset(big, 'B', sizeof(big));
    for (i = 0; i < 40; i++) {
        fill_key(key, sizeof(key), 100000 + i);
        assert_int_equal(apr_shm_cache_set(c, key, big, sizeof(big), 0),
                         APR_SUCCESS);
    }
    for (i = 0; i < 40; i++) {
        fill_key(key, sizeof(key), 100000 + i);
        check_value(c, key, apr_pstrmemdup(p, big, sizeof(big)), p);
    }
    return strlen(key);
}

static void test_eviction_lru(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st;
    char key[32], val[100];
    int i, cap, n = 5000;

    memset(val, 'v', sizeof(val));
    apr_pool_create(&p, NULL);
    /* Fill far past capacity: the oldest go, the newest stay, and the
     * numbers add up. */
    assert_int_equal(apr_shm_cache_create(&c, APR_SHM_CACHE_MIN_SIZE, NULL, p),
                     APR_SUCCESS);
    for (i = 0; i < n; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, val, sizeof(val), 0),
                         APR_SUCCESS);
    }
    st = stats_of(c);
    assert_true(st.evictions > 0);
    assert_int_equal(st.entries + st.evictions, n);
    for (i = 0; i < n; i++) {
        fill_key(key, sizeof(key), i);
        if (i < (int)st.evictions) {
            check_missing(c, key, p);
        }
        else {
            check_value(c, key, apr_pstrmemdup(p, val, sizeof(val)), p);
        }
    }
    cap = (int)st.entries;

    /* A fresh zone filled to the brim; reading the oldest entry saves it,
     * so the next set evicts the second oldest instead. */
    assert_int_equal(apr_shm_cache_clear(c), APR_SUCCESS);
    for (i = 0; i < cap; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, val, sizeof(val), 0),
                         APR_SUCCESS);
    }
    assert_int_equal(stats_of(c).evictions, st.evictions);
    fill_key(key, sizeof(key), 0);
    check_value(c, key, apr_pstrmemdup(p, val, sizeof(val)), p);
    fill_key(key, sizeof(key), cap);
    assert_int_equal(apr_shm_cache_set(c, key, val, sizeof(val), 0),
                     APR_SUCCESS);
    assert_int_equal(stats_of(c).evictions, st.evictions + 1);
    fill_key(key, sizeof(key), 1);
    check_missing(c, key, p);
    fill_key(key, sizeof(key), 0);
    check_value(c, key, apr_pstrmemdup(p, val, sizeof(val)), p);
    fill_key(key, sizeof(key), 2);
    check_value(c, key, apr_pstrmemdup(p, val, sizeof(val)), p);
    apr_pool_destroy(p);
}

/* A counter only ever incremented is in use: it outlives the entries
 * stored around it that are never read again. */
static void test_eviction_spares_counter(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_int64_t v = 0;
    char key[32], val[100];
    int i, n = 5000;

    memset(val, 'v', sizeof(val));
    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, APR_SHM_CACHE_MIN_SIZE, NULL, p),
                     APR_SUCCESS);
    assert_int_equal(apr_shm_cache_set(c, "hits", "0", 1, 0), APR_SUCCESS);
    for (i = 0; i < n; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, val, sizeof(val), 0),
                         APR_SUCCESS);
        assert_int_equal(apr_shm_cache_incr(c, "hits", 1, &v), APR_SUCCESS);
    }
    assert_true(stats_of(c).evictions > 0);
    assert_int_equal(v, n);
    check_value(c, "hits", apr_psprintf(p, "%d", n), p);
    apr_pool_destroy(p);
}

static void test_eviction_other_class(void **state)
{
    apr_pool_t *p;
    apr_shm_cache_t *c;
    apr_shm_cache_stats_t st, st2;
    char key[32], small[40], *large;
    apr_size_t large_len;
    void *got;
    apr_size_t len;
    int i;

    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, APR_SHM_CACHE_MIN_SIZE, NULL, p),
                     APR_SUCCESS);
    memset(small, 's', sizeof(small));
    for (i = 0; i < 5000; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, small, sizeof(small), 0),
                         APR_SUCCESS);
    }
    st = stats_of(c);
    assert_int_equal(st.pages, st.max_pages);
    assert_true(st.evictions > 0);
    /* Small entries hold every page; a large one takes a page over. */
    large_len = st.max_entry - 10;
    large = apr_palloc(p, large_len);
    memset(large, 'L', large_len);
    assert_int_equal(apr_shm_cache_set(c, "large", large, large_len, 0),
                     APR_SUCCESS);
    st2 = stats_of(c);
    assert_true(st2.evictions > st.evictions);
    assert_int_equal(st2.entries + st2.evictions, 5000 + 1);
    assert_int_equal(apr_shm_cache_get(c, "large", &got, &len, NULL, p),
                     APR_SUCCESS);
    assert_int_equal(len, large_len);
    assert_memory_equal(got, large, large_len);
    /* Only one page worth of small entries went. */
    assert_true(st2.evictions - st.evictions <= st.page_size / 64);
    assert_true(st2.entries > 0);
    apr_pool_destroy(p);
}

static void test_expired_give_pages(void **state)
{
    apr_interval_time_t ttl = apr_time_from_msec(100);
    apr_interval_time_t took;
    apr_shm_cache_stats_t st;
    apr_shm_cache_t *c;
    apr_pool_t *p;
    apr_uint64_t evicted;
    char key[32];
    int i;

    took = full_zone(&c, &p, 1024 * 1024, 20000, ttl);
    st = stats_of(c);
    assert_int_equal(st.pages, st.max_pages);
    evicted = st.evictions;
    sleep_past(ttl, took);
    store_big(c, p);
    st = stats_of(c);
    /* The pages came from expired entries: nothing live was evicted. */
    assert_int_equal(st.evictions, evicted);
    assert_true(st.expirations > 0);
    assert_int_equal(st.entries + st.evictions + st.expirations, 20000 + 40);
    /* Those the sweep has not reached yet are gone all the same. */
    for (i = 0; i < 20000; i++) {
        fill_key(key, sizeof(key), i);
        check_missing(c, key, p);
    }
    assert_int_equal(stats_of(c).entries, 40);
    apr_pool_destroy(p);
}

/* Between two sweeps (a pass starts at most once a second), a class that
 * needs a page takes another class's page whose entries have all expired
 * before it evicts a live entry of its own, whatever their LRU costs. */
static void test_dead_page_before_live(void **state)
{
    apr_interval_time_t ttl = apr_time_from_msec(500);
    apr_time_t swept;
    apr_shm_cache_t *c;
    apr_pool_t *p;
    apr_uint64_t evicted;
    char key[32];
    int i;

    if (full_zone(&c, &p, 1024 * 1024, 20000, ttl)
        > ttl - apr_time_from_msec(100)) {
        skip();                 /* too slow here (valgrind) to set it up */
    }
    /* One entry that expires at once, so that a pass starts at the next
     * stores (the zone is full): it walks every entry, finds the others
     * live, and no other pass may start for a second. */
    assert_int_equal(apr_shm_cache_set(c, "soon", "x", 1, 1), APR_SUCCESS);
    for (i = 0; i < 10; i++) {
        fill_key(key, sizeof(key), 30000 + i);
        assert_int_equal(apr_shm_cache_set(c, key, "0123456789", 10, ttl),
                         APR_SUCCESS);
    }
    swept = apr_time_now();
    /* All of them expired, well within that second. */
    apr_sleep(swept + ttl + apr_time_from_msec(50) - apr_time_now());
    evicted = stats_of(c).evictions;
    store_big(c, p);
    if (apr_time_now() - swept >= apr_time_from_sec(1)) {
        skip();                 /* a new pass may have freed the pages */
    }
    assert_int_equal(stats_of(c).evictions, evicted);
    apr_pool_destroy(p);
}

/* A store that needs room walks a bounded part of a big zone's expired
 * entries, not all of them under the lock; the stores after it go on
 * where it stopped, and still evict nothing live. */
static void test_sweep_bounded(void **state)
{
    apr_interval_time_t ttl = apr_time_from_msec(100);
    apr_shm_cache_stats_t before, st;
    apr_shm_cache_t *c;
    apr_pool_t *p;
    char big[8000];

    sleep_past(ttl, full_zone(&c, &p, 4 * 1024 * 1024, 60000, ttl));
    before = stats_of(c);
    assert_true(before.entries > 20000);
    memset(big, 'B', sizeof(big));
    assert_int_equal(apr_shm_cache_set(c, "first-big", big, sizeof(big), 0),
                     APR_SUCCESS);
    st = stats_of(c);
    assert_true(st.expirations > before.expirations);
    /* Thousands of expired entries left for later. */
    assert_true(st.entries > before.entries / 2);
    assert_int_equal(st.evictions, before.evictions);
    store_big(c, p);
    st = stats_of(c);
    assert_int_equal(st.evictions, before.evictions);
    assert_int_equal(st.entries + st.expirations,
                     before.entries + before.expirations + 41);
    apr_pool_destroy(p);
}

/* The earliest expiry among the entries that have one. */
static apr_int64_t min_expires(apr_shm_cache_t *c)
{
    apr_int64_t m = APR_INT64_MAX;
    apr_uint32_t b;
    shc_off_t o;

    for (b = 0; b < c->hdr->nbuckets; b++) {
        for (o = c->buckets[b]; o; o = SHC_ENTRY(c, o)->next) {
            const shc_entry_t *e = SHC_ENTRY(c, o);

            if (e->expires && e->expires < m) {
                m = e->expires;
            }
        }
    }
    return m;
}

/* Entries of the class a pass is sweeping that were read, and so given a
 * second chance at the head of their LRU list (behind the pass) when an
 * eviction reached them, still bound what the pass records as the earliest
 * expiry: else no pass starts again until some store lowers it, and
 * expired entries hold memory while live ones are evicted. */
static void test_sweep_bound_holds(void **state)
{
    apr_shm_cache_t *c;
    apr_pool_t *p, *vp;
    char key[32], other[150];
    void *v;
    apr_size_t len;
    int i;

    apr_pool_create(&p, NULL);
    apr_pool_create(&vp, p);
    assert_int_equal(apr_shm_cache_create(&c, 4 * 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    memset(other, 'o', sizeof(other));
    /* Another class's entry, expired at once: a pass will start. */
    assert_int_equal(apr_shm_cache_set(c, "trigger", other, sizeof(other), 1000),
                     APR_SUCCESS);
    for (i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "readx-%05d", i);     /* fill_key's class */
        assert_int_equal(apr_shm_cache_set(c, key, "v", 1, apr_time_from_sec(60)),
                         APR_SUCCESS);
    }
    for (i = 0; i < 8; i++) {
        snprintf(key, sizeof(key), "readx-%05d", i);
        assert_int_equal(apr_shm_cache_get(c, key, &v, &len, NULL, vp),
                         APR_SUCCESS);
    }
    apr_sleep(apr_time_from_msec(2));
    /* Fill the zone with entries of no expiry until a pass has started
     * and ended (the read ones are evicted last: second chances). */
    for (i = 0; !c->hdr->sweeping && i < 2000000; i++) {
        fill_key(key, sizeof(key), i);
        apr_shm_cache_set(c, key, "v", 1, 0);
    }
    assert_true(c->hdr->sweeping);
    for (; c->hdr->sweeping && i < 4000000; i++) {
        fill_key(key, sizeof(key), i);
        apr_shm_cache_set(c, key, "v", 1, 0);
    }
    assert_false(c->hdr->sweeping);
    assert_true(min_expires(c) < APR_INT64_MAX);  /* read ones still there */
    assert_true(c->hdr->expiry_min <= min_expires(c));
    apr_pool_destroy(p);
}

/* A page whose entries have all expired since the last sweep goes before
 * any live entry, whichever class's tail has waited longest: here the
 * large entries', stored first. */
static void test_dead_pages_first(void **state)
{
    apr_shm_cache_stats_t st;
    apr_shm_cache_t *c;
    apr_pool_t *p;
    char key[32], big[2000], small[300], mid[500];
    int i;

    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    memset(big, 'y', sizeof(big));
    memset(small, 'x', sizeof(small));
    memset(mid, 'z', sizeof(mid));
    for (i = 0; i < 30; i++) {
        snprintf(key, sizeof(key), "y%d", i);
        assert_int_equal(apr_shm_cache_set(c, key, big, sizeof(big), 0),
                         APR_SUCCESS);
    }
    for (i = 0; stats_of(c).pages < stats_of(c).max_pages; i++) {
        snprintf(key, sizeof(key), "x%d", i);
        assert_int_equal(apr_shm_cache_set(c, key, small, sizeof(small),
                                           apr_time_from_msec(20)),
                         APR_SUCCESS);
    }
    apr_sleep(apr_time_from_msec(30));
    /* Every x has expired, just after a sweep: none for a second. */
    c->hdr->last_sweep = apr_time_now();
    st = stats_of(c);
    for (i = 0; i < 60; i++) {
        snprintf(key, sizeof(key), "z%d", i);
        assert_int_equal(apr_shm_cache_set(c, key, mid, sizeof(mid), 0),
                         APR_SUCCESS);
    }
    assert_int_equal(stats_of(c).evictions, st.evictions);
    for (i = 0; i < 30; i++) {
        void *val;
        apr_size_t len;

        snprintf(key, sizeof(key), "y%d", i);
        assert_int_equal(apr_shm_cache_get(c, key, &val, &len, NULL, p),
                         APR_SUCCESS);
        assert_int_equal(len, sizeof(big));
        assert_memory_equal(val, big, len);
    }
    apr_pool_destroy(p);
}

/* After create, and after any write, every reader word is even: readers
 * go lock-free. Also for a handle whose record of open stripes is stale:
 * a child forked while another thread of its parent held the lock. */
static void test_reader_words_even(void **state)
{
    apr_shm_cache_t *c;
    apr_pool_t *p;
    unsigned s;

    apr_pool_create(&p, NULL);
    assert_int_equal(apr_shm_cache_create(&c, 256 * 1024, NULL, p),
                     APR_SUCCESS);
    for (s = 0; s < SHC_STRIPES; s++) {
        assert_int_equal(c->hdr->seq[s] & 1, 0);
    }
    c->open = ~(apr_uint64_t)0;
    assert_int_equal(apr_shm_cache_set(c, "k", "v", 1, 0), APR_SUCCESS);
    for (s = 0; s < SHC_STRIPES; s++) {
        assert_int_equal(c->hdr->seq[s] & 1, 0);
    }
    check_value(c, "k", "v", p);
    apr_pool_destroy(p);
}

static void test_empty_pages_shared(void **state)
{
    apr_shm_cache_stats_t st;
    apr_shm_cache_t *c;
    apr_pool_t *p;
    char key[32];
    int i;

    full_zone(&c, &p, 1024 * 1024, 20000, 0);
    assert_int_equal(stats_of(c).pages, stats_of(c).max_pages);
    for (i = 0; i < 20000; i++) {
        fill_key(key, sizeof(key), i);
        apr_shm_cache_delete(c, key);
    }
    /* Emptied pages belong to no class any more: all of them are free. */
    st = stats_of(c);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.pages, 0);
    assert_int_equal(st.bytes_used, 0);
    assert_int_equal(st.bytes_free, (apr_uint64_t)st.max_pages * st.page_size);
    store_big(c, p);
    assert_int_equal(stats_of(c).evictions, st.evictions);
    apr_pool_destroy(p);
}

/* ---- pages moving between size classes ------------------------------- */

static unsigned xorshift(unsigned *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Checks a page of class cls that holds an entry: its count of used slots
 * is right, and says whether it has a free slot. */
static int page_check(apr_shm_cache_t *c, shc_off_t pg, unsigned cls)
{
    shc_page_t *pp = SHC_PAGE(c, pg);
    shc_class_t *cl = &c->hdr->classes[cls];
    apr_uint32_t i, used = 0;

    assert_int_equal(pp->cls, cls);
    assert_true(pp->carved <= cl->per_page);
    for (i = 0; i < pp->carved; i++) {
        used += SHC_ENTRY(c, pg + sizeof(shc_page_t) + i * cl->size)->kind
                == SHC_KIND_ENTRY;
    }
    assert_int_equal(used, pp->used);
    assert_true(used > 0);
    return used < cl->per_page;
}

/* Walks a quiescent zone: each entry is on its class's LRU and its hash
 * chain, and nowhere else; counts and bytes add up; each page a class
 * holds has an entry, is counted once, and is on the class's list of
 * pages with room if and only if it has a free slot; no stripe word is
 * left odd. */
static void zone_check(apr_shm_cache_t *c)
{
    shc_header_t *hdr = c->hdr;
    apr_shm_cache_stats_t st = stats_of(c);
    apr_pool_t *p;
    apr_hash_t *seen;
    apr_uint64_t entries = 0, chained = 0, data = 0;
    apr_uint32_t pages = 0, empty = 0, i;
    shc_off_t off, prev, pg;

    apr_pool_create(&p, NULL);
    seen = apr_hash_make(p);
    for (i = 0; i < hdr->nclasses; i++) {
        shc_class_t *cl = &hdr->classes[i];
        apr_uint32_t cpages = 0, roomy = 0;
        apr_uint64_t n = 0;

        for (prev = 0, off = cl->lru_head; off;
             prev = off, off = SHC_ENTRY(c, off)->lnext) {
            shc_entry_t *e = SHC_ENTRY(c, off);
            shc_off_t *b = &c->buckets[e->hash & (hdr->nbuckets - 1)];

            assert_true(++n <= cl->entries);
            assert_int_equal(e->kind, SHC_KIND_ENTRY);
            assert_int_equal(e->cls, i);
            assert_int_equal(e->lprev, prev);
            while (*b && *b != off) {
                b = &SHC_ENTRY(c, *b)->next;
            }
            assert_int_equal(*b, off);
            data += e->klen + e->vlen;
            if (!apr_hash_get(seen, &e->page, sizeof(e->page))) {
                apr_hash_set(seen, &e->page, sizeof(e->page), "");
                roomy += page_check(c, e->page, i);
                cpages++;
            }
        }
        assert_int_equal(prev, cl->lru_tail);
        assert_int_equal(n, cl->entries);
        assert_int_equal(cpages, cl->pages);
        for (pg = cl->partial; pg; pg = SHC_PAGE(c, pg)->next) {
            assert_non_null(apr_hash_get(seen, &pg, sizeof(pg)));
            assert_true(page_check(c, pg, i));
            assert_true(roomy-- > 0);
        }
        assert_int_equal(roomy, 0);
        entries += n;
        pages += cpages;
    }
    for (i = 0; i < hdr->nbuckets; i++) {
        for (off = c->buckets[i]; off; off = SHC_ENTRY(c, off)->next) {
            assert_true(++chained <= entries);
        }
    }
    for (pg = hdr->empty_pages; pg; pg = SHC_PAGE(c, pg)->next) {
        assert_null(apr_hash_get(seen, &pg, sizeof(pg)));
        assert_true(++empty <= hdr->max_pages);
    }
    assert_int_equal(chained, entries);
    assert_int_equal(entries, st.entries);
    assert_int_equal(data, st.bytes_data);
    assert_int_equal(pages, st.pages);
    assert_true(pages + empty <= st.max_pages);
    assert_true(st.bytes_data <= st.bytes_used);
    assert_true(st.bytes_used + st.bytes_free <= st.size);
    for (i = 0; i < SHC_STRIPES; i++) {
        assert_int_equal(hdr->seq[i] & 1, 0);
    }
    assert_int_equal(hdr->dirty, 0);
    apr_pool_destroy(p);
}

static const char zeros[8192];

/* Gets key, storing a value of len bytes on a miss; says whether it hit. */
static int read_through(apr_shm_cache_t *c, const char *key, apr_size_t len,
                        apr_pool_t *p)
{
    void *got;
    apr_size_t glen;

    if (apr_shm_cache_get(c, key, &got, &glen, NULL, p) == APR_SUCCESS) {
        assert_int_equal(glen, len);
        return 1;
    }
    assert_int_equal(apr_shm_cache_set(c, key, zeros, len, 0), APR_SUCCESS);
    return 0;
}

/* A zone full of small values nobody reads again, then a working set of
 * larger values far smaller than the zone, read through: their class
 * takes pages from the cold one, so the working set ends up held.  (It
 * used to keep the one page it found: 4 of 25 held, and no hit at all.) */
static void test_pages_follow_working_set(void **state)
{
    apr_shm_cache_stats_t st;
    apr_shm_cache_t *c;
    apr_pool_t *p, *q;
    apr_uint64_t cold, sets;
    char key[32], val[200];
    int i, pass, hits = 0;

    apr_pool_create(&p, NULL);
    apr_pool_create(&q, p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    memset(val, 'c', sizeof(val));
    for (i = 0; !stats_of(c).evictions; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, val, sizeof(val), 0),
                         APR_SUCCESS);
    }
    cold = stats_of(c).entries;
    sets = (apr_uint64_t)i;
    for (pass = 0; pass < 6; pass++) {
        for (i = 0; i < 25; i++) {
            fill_key(key, sizeof(key), 100000 + i);
            if (read_through(c, key, 3000, q)) {
                hits += pass == 5;
            }
            else {
                sets++;
            }
            apr_pool_clear(q);
        }
    }
    assert_true(hits >= 23);
    st = stats_of(c);
    assert_int_equal(st.entries + st.evictions, sets);
    /* Only the pages needed went: most cold entries are still there. */
    assert_true(st.entries - 25 >= cold * 3 / 4);
    zone_check(c);
    apr_pool_destroy(p);
}

/* Values of one range of sizes, then of another over a few keys: the
 * pages go to the new sizes, which end up all but fully held.  (A class
 * used to take a page only when it held no entry: 68 of 100 held.) */
static void test_pages_follow_sizes(void **state)
{
    apr_shm_cache_t *c;
    apr_pool_t *p, *q;
    unsigned seed = 1;
    char key[32];
    int i, held = 0;

    apr_pool_create(&p, NULL);
    apr_pool_create(&q, p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    for (i = 0; i < 20000; i++) {
        fill_key(key, sizeof(key), (int)(xorshift(&seed) % 5000));
        assert_int_equal(apr_shm_cache_set(c, key, zeros,
                                           50 + xorshift(&seed) % 350, 0),
                         APR_SUCCESS);
    }
    zone_check(c);
    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "shift-%u", xorshift(&seed) % 100);
        assert_int_equal(apr_shm_cache_set(c, key, zeros,
                                           2000 + xorshift(&seed) % 2000, 0),
                         APR_SUCCESS);
    }
    zone_check(c);
    for (i = 0; i < 100; i++) {
        void *got;
        apr_size_t len;

        snprintf(key, sizeof(key), "shift-%d", i);
        held += apr_shm_cache_get(c, key, &got, &len, NULL, q)
                == APR_SUCCESS;
        apr_pool_clear(q);
    }
    assert_true(held >= 90);
    apr_pool_destroy(p);
}

/* A zone full of small values that are all read between bursts of large
 * values stored once: the small ones have been read since they were last
 * looked at, so they keep their pages, and the large ones make do with
 * the one page they took when they had none. */
static void test_pages_stay_with_read_class(void **state)
{
    apr_shm_cache_t *c;
    apr_pool_t *p, *q;
    char key[32];
    void *got;
    apr_size_t len;
    int i, n, round, large = 0;

    apr_pool_create(&p, NULL);
    apr_pool_create(&q, p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    for (n = 0; !stats_of(c).evictions; n++) {
        fill_key(key, sizeof(key), n);
        assert_int_equal(apr_shm_cache_set(c, key, zeros, 200, 0),
                         APR_SUCCESS);
    }
    for (round = 0; round < 10; round++) {
        for (i = 0; i < n; i++) {
            fill_key(key, sizeof(key), i);
            read_through(c, key, 200, q);
            apr_pool_clear(q);
        }
        for (i = 0; i < 100; i++) {
            fill_key(key, sizeof(key), 100000 + round * 100 + i);
            assert_int_equal(apr_shm_cache_set(c, key, zeros, 3000, 0),
                             APR_SUCCESS);
        }
    }
    for (i = 0; i < 1000; i++) {
        fill_key(key, sizeof(key), 100000 + i);
        large += apr_shm_cache_get(c, key, &got, &len, NULL, q)
                 == APR_SUCCESS;
        apr_pool_clear(q);
    }
    assert_true(large <= (int)(stats_of(c).page_size / 3000));
    zone_check(c);
    apr_pool_destroy(p);
}

/* Stores keys from .. to - 1, with values of 3000 bytes for odd keys
 * and 200 for even ones if both, else of 200. */
static void store_turns(apr_shm_cache_t *c, int from, int to, int both)
{
    char key[32];
    int i;

    for (i = from; i < to; i++) {
        fill_key(key, sizeof(key), i);
        assert_int_equal(apr_shm_cache_set(c, key, zeros,
                                           both && i % 2 ? 3000 : 200, 0),
                         APR_SUCCESS);
    }
}

/* A zone full of small values, then small and large ones stored in turn
 * under fresh keys, far past capacity: the large ones take pages over,
 * and once the pages are shared out each store evicts one entry: no
 * page keeps moving between the two classes. */
static void test_pages_settle(void **state)
{
    apr_shm_cache_t *c;
    apr_pool_t *p, *q;
    apr_uint64_t before;
    char key[32];
    void *got;
    apr_size_t len;
    int i, held = 0;

    apr_pool_create(&p, NULL);
    apr_pool_create(&q, p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    store_turns(c, 0, 10000, 0);
    store_turns(c, 10000, 50000, 1);
    before = stats_of(c).evictions;
    store_turns(c, 50000, 70000, 1);
    assert_int_equal(stats_of(c).evictions - before, 20000);
    for (i = 69001; i < 70000; i += 2) {
        fill_key(key, sizeof(key), i);
        held += apr_shm_cache_get(c, key, &got, &len, NULL, q)
                == APR_SUCCESS;
        apr_pool_clear(q);
    }
    assert_true(held >= 40);      /* of 500; 4 when pages never moved */
    zone_check(c);
    apr_pool_destroy(p);
}

/* Random keys, sizes from a few bytes to a page, deletes, reads and
 * short TTLs: pages keep moving, and the zone stays sound and every value
 * read is the one stored. */
static void test_pages_churn(void **state)
{
    apr_shm_cache_t *c;
    apr_pool_t *p, *q;
    apr_size_t max_entry;
    unsigned seed = 7;
    char key[32], *val;
    int i;

    apr_pool_create(&p, NULL);
    apr_pool_create(&q, p);
    assert_int_equal(apr_shm_cache_create(&c, 1024 * 1024, NULL, p),
                     APR_SUCCESS);
    max_entry = stats_of(c).max_entry - 32;
    val = apr_palloc(p, max_entry);
    for (i = 1; i <= 100000; i++) {
        unsigned k = xorshift(&seed) % 3000, r = xorshift(&seed) % 100;
        apr_size_t len = r < 70 ? 20 + xorshift(&seed) % 300
                         : r < 95 ? 500 + xorshift(&seed) % 3000
                         : 5000 + xorshift(&seed) % (max_entry - 5000);
        void *got;
        apr_size_t glen;

        fill_key(key, sizeof(key), (int)k);
        r = xorshift(&seed) % 10;
        if (r == 0) {
            apr_shm_cache_delete(c, key);
        }
        else if (r < 3) {
            if (apr_shm_cache_get(c, key, &got, &glen, NULL, q)
                == APR_SUCCESS) {
                memset(val, (char)(k + glen), glen);
                assert_memory_equal(got, val, glen);
            }
            apr_pool_clear(q);
        }
        else {
            memset(val, (char)(k + len), len);
            assert_int_equal(apr_shm_cache_set(c, key, val, len,
                                               r == 3 ? 1000 : 0),
                             APR_SUCCESS);
        }
        if (i % 20000 == 0) {
            zone_check(c);
        }
    }
    assert_true(stats_of(c).evictions > 0);
    apr_pool_destroy(p);
}

/* ---- a random run against a model ------------------------------------------
 * A fixed-seed sequence of every store, read and removal, with keys, values
 * and tags of all sizes (those that do not fit too), checked after each call
 * against a model of what the header promises: each read gives the last
 * value stored or a miss the zone accounts for (an eviction, counted; an
 * expiry; a store that failed for room), each status is the one the header
 * gives, and the counters add up.  The zone's own index is walked after each
 * call too, to tell evicted entries from expired ones still held.
 * Time is virtual (wall_skew below): TTLs and steps of the clock are whole
 * MODEL_TICKs, so whether an entry has expired never depends on how fast
 * the test runs. */

#define MODEL_KEYS   1000
#define MODEL_TAGS   80
#define MODEL_TICK   apr_time_from_sec(1000)

typedef enum { M_SET, M_ADD, M_REPLACE, M_CAS } m_mode_e;

/* Added to what gettimeofday() says (apr_time_now() reads it). */
static apr_time_t wall_skew;

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    int rv = (int)syscall(SYS_gettimeofday, tv, tz);

    if (rv == 0 && wall_skew) {
        apr_time_t t = apr_time_make(tv->tv_sec, tv->tv_usec) + wall_skew;

        tv->tv_sec = (time_t)apr_time_sec(t);
        tv->tv_usec = (suseconds_t)apr_time_usec(t);
    }
    return rv;
}

typedef struct {
    int held;                   /* the zone holds it, expired or not */
    unsigned char *val;
    apr_size_t len;
    apr_uint64_t version;       /* 0: new, taken from the zone */
    apr_uint64_t old_version;   /* the one it replaced: not given again */
    apr_time_t dies;            /* wall_skew from which it is expired; 0 */
    apr_time_t expires;         /* as the zone has it; -1: to be read */
    apr_interval_time_t ttl;
    apr_time_t stored_from, stored_to;  /* apr_time_now() around the store */
    int ntags;
    int tags[APR_SHM_CACHE_MAX_TAGS];
} m_entry_t;

typedef struct {
    apr_uint64_t sets, deletes, evictions, expirations, invalidations;
    apr_uint64_t hits, misses, clears;
    int any_hits;               /* a get of a bad key: not counted either way */
} m_counts_t;

typedef struct {
    apr_shm_cache_t *c;
    apr_pool_t *p, *scratch;
    prop_rng_t r;
    apr_uint64_t seed;
    int op;                     /* number of the call, for messages */
    int ttls;                   /* TTLs that expire are used */
    int tagged;                 /* most stores carry tags, small values */
    char *keys[MODEL_KEYS];
    char *tags[MODEL_TAGS];
    char *too_long;             /* a key one byte over the limit */
    m_entry_t m[MODEL_KEYS];
    m_counts_t want;            /* expected counter changes of this call */
    apr_shm_cache_stats_t st;   /* after the last call */
    apr_size_t max_entry;
    apr_uint32_t max_tags;
    int seen[MODEL_KEYS];
    int tagsfull_ok;            /* this call may give ETAGSFULL */
} model_t;

#define MODEL_FAIL(mo, ...) do { \
        print_error("model seed %llu, call %d: ", \
                    (unsigned long long)(mo)->seed, (mo)->op); \
        fail_msg(__VA_ARGS__); \
    } while (0)

static int m_expired(const model_t *mo, const m_entry_t *e)
{
    return e->dies && wall_skew >= e->dies;
}

static int m_live(const model_t *mo, int k)
{
    return mo->m[k].held && !m_expired(mo, &mo->m[k]);
}

static void m_drop(m_entry_t *e)
{
    free(e->val);
    e->val = NULL;
    e->held = 0;
}

/* Key index from a key: keys start with their index in hex and a ':'. */
static int m_key_index(const model_t *mo, const char *key, apr_size_t klen)
{
    char *end;
    long k = strtol(key, &end, 16);

    if (end == key || *end != ':' || k < 0 || k >= MODEL_KEYS
        || strlen(mo->keys[k]) != klen || memcmp(mo->keys[k], key, klen)) {
        return -1;
    }
    return (int)k;
}

static int m_tag_index(const model_t *mo, const char *name)
{
    int t;

    for (t = 0; t < MODEL_TAGS; t++) {
        if (!strcmp(mo->tags[t], name)) {
            return t;
        }
    }
    return -1;
}

static int m_has_tag(const m_entry_t *e, int t)
{
    int i;

    for (i = 0; i < e->ntags; i++) {
        if (e->tags[i] == t) {
            return 1;
        }
    }
    return 0;
}

/* Checks an entry the zone reported against the model's; learns the
 * version and expiry of one just stored. */
static void m_check_entry(model_t *mo, int k, const void *val,
                          apr_size_t len, apr_uint64_t version,
                          apr_time_t expires, const char *how)
{
    m_entry_t *e = &mo->m[k];

    if (len != e->len || (len && memcmp(val, e->val, len))) {
        MODEL_FAIL(mo, "%s: key %d has a value of %lu bytes, not the %lu "
                   "stored last", how, k, (unsigned long)len,
                   (unsigned long)e->len);
    }
    if (!e->version) {
        if (!version || version == e->old_version) {
            MODEL_FAIL(mo, "%s: key %d stored anew keeps version %llu", how,
                       k, (unsigned long long)version);
        }
        e->version = version;
    }
    else if (version != e->version) {
        MODEL_FAIL(mo, "%s: key %d has version %llu, not %llu", how, k,
                   (unsigned long long)version,
                   (unsigned long long)e->version);
    }
    if (e->expires < 0) {
        /* no expiry; past the largest apr_time_t: none either; else the
         * time of the store plus the TTL */
        if (!e->ttl ? expires != 0
            : e->ttl > APR_INT64_MAX - e->stored_to ? expires != APR_INT64_MAX
            : expires < e->stored_from + e->ttl
              || expires > e->stored_to + e->ttl) {
            MODEL_FAIL(mo, "%s: key %d expires at %" APR_TIME_T_FMT
                       " (ttl %" APR_TIME_T_FMT ")", how, k, expires, e->ttl);
        }
        e->expires = expires;
    }
    else if (expires != e->expires) {
        MODEL_FAIL(mo, "%s: key %d's expiry changed", how, k);
    }
}

/* Walks the zone's index: it holds exactly what the model holds, but for
 * entries that went to make room (evictions) or that had expired
 * (expirations). */
static void m_walk(model_t *mo)
{
    apr_shm_cache_t *c = mo->c;
    shc_header_t *hdr = c->hdr;
    apr_uint32_t b, steps = 0;
    int k;

    memset(mo->seen, 0, sizeof(mo->seen));
    for (b = 0; b < hdr->nbuckets; b++) {
        shc_off_t off;

        for (off = c->buckets[b]; off; off = SHC_ENTRY(c, off)->next) {
            shc_entry_t *e = SHC_ENTRY(c, off);
            shc_link_t *l = (shc_link_t *)(e + 1);
            const char *key = (const char *)(l + e->ntags);
            m_entry_t *me;
            int i;

            assert_true(++steps <= MODEL_KEYS);
            k = m_key_index(mo, key, e->klen);
            if (k < 0 || !mo->m[k].held || mo->seen[k]) {
                MODEL_FAIL(mo, "the zone holds key %d, which the model does "
                           "not (or twice)", k);
            }
            mo->seen[k] = 1;
            me = &mo->m[k];
            m_check_entry(mo, k, key + e->klen, e->vlen, e->version,
                          e->expires, "zone");
            if (e->ntags != me->ntags) {
                MODEL_FAIL(mo, "key %d has %d tags, not %d", k, e->ntags,
                           me->ntags);
            }
            for (i = 0; i < e->ntags; i++) {
                int t = m_tag_index(mo, c->tags[l[i].tag - 1].name);

                if (t < 0 || !m_has_tag(me, t)) {
                    MODEL_FAIL(mo, "key %d carries tag %s", k,
                               c->tags[l[i].tag - 1].name);
                }
            }
        }
    }
    for (k = 0; k < MODEL_KEYS; k++) {
        if (mo->m[k].held && !mo->seen[k]) {
            if (m_expired(mo, &mo->m[k])) {
                mo->want.expirations++;
            }
            else {
                mo->want.evictions++;
            }
            m_drop(&mo->m[k]);
        }
    }
}

/* The counters: each changed by what the call did; the sizes add up. */
static void m_check_stats(model_t *mo)
{
    apr_shm_cache_stats_t st = stats_of(mo->c), *was = &mo->st;
    apr_uint64_t entries = 0, bytes = 0, tags = 0;
    char tagged[MODEL_TAGS];
    int k, i;

    memset(tagged, 0, sizeof(tagged));
    for (k = 0; k < MODEL_KEYS; k++) {
        if (mo->m[k].held) {
            entries++;
            bytes += strlen(mo->keys[k]) + mo->m[k].len;
            for (i = 0; i < mo->m[k].ntags; i++) {
                tags += !tagged[mo->m[k].tags[i]];
                tagged[mo->m[k].tags[i]] = 1;
            }
        }
    }
#define M_COUNTER(f) \
    if (st.f - was->f != mo->want.f) { \
        MODEL_FAIL(mo, #f " went up by %llu, not %llu", \
                   (unsigned long long)(st.f - was->f), \
                   (unsigned long long)mo->want.f); \
    }
    M_COUNTER(sets);
    M_COUNTER(deletes);
    M_COUNTER(evictions);
    M_COUNTER(expirations);
    M_COUNTER(invalidations);
    M_COUNTER(clears);
    if (!mo->want.any_hits) {
        M_COUNTER(hits);
        M_COUNTER(misses);
    }
#undef M_COUNTER
    if (st.entries != entries || st.bytes_data != bytes || st.tags != tags) {
        MODEL_FAIL(mo, "entries %llu, bytes %llu, tags %llu; the model "
                   "holds %llu, %llu, %llu", (unsigned long long)st.entries,
                   (unsigned long long)st.bytes_data,
                   (unsigned long long)st.tags, (unsigned long long)entries,
                   (unsigned long long)bytes, (unsigned long long)tags);
    }
    if (st.bytes_used < st.bytes_data || st.bytes_used + st.bytes_free > st.size
        || st.pages > st.max_pages || st.max_entry != mo->max_entry
        || st.max_tags != mo->max_tags) {
        MODEL_FAIL(mo, "sizes do not add up");
    }
    *was = st;
}

typedef struct {
    model_t *mo;
    int n;
} m_iter_t;

static apr_status_t m_iter_fn(void *baton, const char *key, const void *val,
                              apr_size_t len, apr_uint64_t version,
                              apr_time_t expires)
{
    m_iter_t *it = baton;
    model_t *mo = it->mo;
    int k = m_key_index(mo, key, strlen(key));

    if (k < 0 || !m_live(mo, k) || mo->seen[k]) {
        MODEL_FAIL(mo, "iterate gave key %d, which is not live (or twice)",
                   k);
    }
    mo->seen[k] = 1;
    m_check_entry(mo, k, val, len, version, expires, "iterate");
    if (((const char *)val)[len] != '\0') {
        MODEL_FAIL(mo, "iterate: no NUL after the value");
    }
    it->n++;
    return APR_SUCCESS;
}

/* apr_shm_cache_iterate() gives every live entry, once. */
static void m_check_iterate(model_t *mo)
{
    m_iter_t it = { mo, 0 };
    int k, live = 0;

    memset(mo->seen, 0, sizeof(mo->seen));
    assert_int_equal(apr_shm_cache_iterate(mo->c, m_iter_fn, &it,
                                           mo->scratch), APR_SUCCESS);
    for (k = 0; k < MODEL_KEYS; k++) {
        live += m_live(mo, k);
    }
    if (it.n != live) {
        MODEL_FAIL(mo, "iterate gave %d entries of %d live", it.n, live);
    }
}

static void m_expect(model_t *mo, apr_status_t got, apr_status_t want,
                     const char *what)
{
    char b1[120], b2[120];

    if (got != want) {
        MODEL_FAIL(mo, "%s: \"%s\", not \"%s\"", what,
                   apr_shm_cache_strerror(got, b1, sizeof(b1)),
                   apr_shm_cache_strerror(want, b2, sizeof(b2)));
    }
}

/* A key index, or a bad key: -1 NULL, -2 empty, -3 one byte too long. */
static int m_pick_key(model_t *mo)
{
    if (prop_one_in(&mo->r, 60)) {
        return -1 - (int)prop_below(&mo->r, 3);
    }
    /* a few keys more often: they are replaced, counted, read back */
    return prop_one_in(&mo->r, 3) ? (int)prop_below(&mo->r, 20)
                                  : (int)prop_below(&mo->r, MODEL_KEYS);
}

static const char *m_key(model_t *mo, int k)
{
    return k >= 0 ? mo->keys[k] : k == -1 ? NULL : k == -2 ? "" : mo->too_long;
}

static apr_status_t m_key_error(int k)
{
    return k == -3 ? APR_SHM_CACHE_EKEYLEN : APR_SHM_CACHE_EBADKEY;
}

/* A value: a number now and then (for incr), else bytes of any size up to
 * past the largest entry, with some exactly at the edge. */
static unsigned char *m_value(model_t *mo, int k, int ntags, apr_size_t *len)
{
    static const char *const nums[] = {
        "0", "42", "-7", "+5", "007", "-0", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "", "-", "+", " 5",
        "5 ", "1e3", "12345678901234567890123", "9223372036854775806",
        "-9223372036854775807"
    };
    apr_size_t klen = k >= 0 ? strlen(mo->keys[k]) : 1, room, n, i;
    unsigned char *v;

    room = klen + 16 * (apr_size_t)ntags < mo->max_entry
           ? mo->max_entry - klen - 16 * (apr_size_t)ntags : 0;
    switch (mo->tagged && !prop_one_in(&mo->r, 5) ? 19
            : prop_below(&mo->r, 20)) {
    case 0: case 1: case 2: case 12: case 13:
        n = prop_below(&mo->r, sizeof(nums) / sizeof(nums[0]));
        *len = strlen(nums[n]);
        v = malloc(*len + 1);
        memcpy(v, nums[n], *len + 1);
        return v;
    case 3:
        n = 0;
        break;
    case 4:
        /* the largest that fits, or one more */
        n = room + 1;
        n -= n < 2 ? n : prop_below(&mo->r, 3);
        break;
    case 5:
        n = room + 1 + prop_below(&mo->r, mo->st.page_size * 2);
        break;
    case 6: case 7:
        n = prop_below(&mo->r, room + 1);
        break;
    case 8: case 9: case 10: case 11:
        n = 64 + prop_below(&mo->r, 600);
        break;
    default:
        n = 1 + prop_below(&mo->r, 64);
        break;
    }
    v = malloc(n + 1);
    for (i = 0; i < n; i++) {
        v[i] = (unsigned char)prop_next(&mo->r);
    }
    *len = n;
    return v;
}

static apr_interval_time_t m_ttl(model_t *mo)
{
    switch (prop_below(&mo->r, 10)) {
    case 0:
        return APR_INT64_MAX - (apr_interval_time_t)prop_below(&mo->r, 1000);
    case 1: case 2: case 3:
        if (mo->ttls) {
            return MODEL_TICK
                   * (apr_interval_time_t)(1 + prop_below(&mo->r, 4));
        }
        /* fall through */
    case 4:
        if (mo->ttls) {
            return apr_time_from_sec(1000000000);   /* far, but it fits */
        }
        /* fall through */
    default:
        return 0;
    }
}

/* Distinct tags the zone holds, but for key k's. */
static int m_tags_but(model_t *mo, int k, char *tagged)
{
    int j, i, n = 0;

    memset(tagged, 0, MODEL_TAGS);
    for (j = 0; j < MODEL_KEYS; j++) {
        if (j != k && mo->m[j].held) {
            for (i = 0; i < mo->m[j].ntags; i++) {
                n += !tagged[mo->m[j].tags[i]];
                tagged[mo->m[j].tags[i]] = 1;
            }
        }
    }
    return n;
}

/* Key k was looked up: an expired entry of it is reclaimed. */
static void m_touch(model_t *mo, int k)
{
    if (k >= 0 && mo->m[k].held && m_expired(mo, &mo->m[k])) {
        m_drop(&mo->m[k]);
        mo->want.expirations++;
    }
}

static void m_store(model_t *mo, m_mode_e mode)
{
    static const char *const names[] = { "set", "add", "replace", "cas" };
    int k = m_pick_key(mo), ntags = 0, bad = 0, i, t;
    const char *tags[APR_SHM_CACHE_MAX_TAGS + 1];
    int tag_ids[APR_SHM_CACHE_MAX_TAGS + 1];
    apr_interval_time_t ttl = m_ttl(mo);
    apr_uint64_t cas = 0, new_version = 0;
    apr_size_t len, klen = k >= 0 ? strlen(mo->keys[k]) : 0;
    unsigned char *val;
    const void *vp;
    apr_status_t rv, want;
    apr_time_t from, to;
    m_entry_t *e = k >= 0 ? &mo->m[k] : NULL;
    char tagged[MODEL_TAGS];

    if (mode == M_SET && (mo->tagged ? !prop_one_in(&mo->r, 4)
                                     : prop_one_in(&mo->r, 3))) {
        ntags = 1 + (int)prop_below(&mo->r, APR_SHM_CACHE_MAX_TAGS);
        for (i = 0; i < ntags; i++) {
            int j;

            do {
                /* a few tags often: many entries share them */
                t = (int)prop_below(&mo->r,
                                    !mo->tagged && prop_one_in(&mo->r, 2)
                                    ? 8 : MODEL_TAGS);
                for (j = 0; j < i && tag_ids[j] != t; j++) {
                }
            } while (j < i);
            tag_ids[i] = t;
            tags[i] = mo->tags[t];
        }
    }
    val = m_value(mo, k, ntags, &len);
    vp = val;
    if (k >= 0 && prop_one_in(&mo->r, 40)) {
        /* bad arguments: a store refused for them changes nothing */
        bad = 1;
        switch (prop_below(&mo->r, 4)) {
        case 0:
            ttl = -1 - (apr_interval_time_t)prop_below(&mo->r, 10);
            break;
        case 1:
            vp = NULL;
            len = len ? len : 1;
            break;
        default:
            if (mode != M_SET) {
                ttl = -1;
                break;
            }
            bad = 2;
            ntags = (int)prop_below(&mo->r, APR_SHM_CACHE_MAX_TAGS) + 1;
            for (i = 0; i < ntags; i++) {
                tags[i] = mo->tags[1 + i];
            }
            switch (prop_below(&mo->r, 5)) {
            case 0:
                tags[ntags - 1] = "";
                break;
            case 1:
                tags[ntags - 1] = NULL;
                break;
            case 2:
                tags[ntags - 1] = apr_pstrcat(mo->scratch, mo->tags[0], "x",
                                              NULL);
                break;
            case 3:
                if (ntags > 1) {
                    tags[ntags - 1] = tags[0];
                    break;
                }
                /* fall through */
            default:
                for (i = 0; i <= APR_SHM_CACHE_MAX_TAGS; i++) {
                    tags[i] = mo->tags[i];
                }
                ntags = APR_SHM_CACHE_MAX_TAGS + 1;
                break;
            }
            break;
        }
    }
    if (mode == M_CAS && e) {
        cas = e->version;
        if (prop_one_in(&mo->r, 4)) {
            cas = prop_one_in(&mo->r, 2) ? cas + 1 : cas - 1;
        }
    }
    /* what the header says of it */
    if (k < 0) {
        want = m_key_error(k);
    }
    else if (bad == 2) {
        want = APR_SHM_CACHE_EBADTAG;
    }
    else if (bad) {
        want = APR_EINVAL;
    }
    else {
        m_touch(mo, k);
        if (mode == M_ADD && e->held) {
            want = APR_SHM_CACHE_EEXIST;
        }
        else if ((mode == M_REPLACE || mode == M_CAS) && !e->held) {
            want = APR_SHM_CACHE_NOTFOUND;
        }
        else if (mode == M_CAS && cas != e->version) {
            want = APR_SHM_CACHE_ECHANGED;
        }
        else {
            /* from here on the old value goes, whatever happens */
            if (e->held) {
                e->old_version = e->version;
                m_drop(e);
            }
            want = klen + len + 16 * (apr_size_t)ntags > mo->max_entry
                   ? APR_SHM_CACHE_ETOOBIG : APR_SUCCESS;
            /* a new tag may find the table full even after evictions */
            {
                int held = m_tags_but(mo, k, tagged), fresh = 0;

                for (i = 0; i < ntags; i++) {
                    fresh += !tagged[tag_ids[i]];
                }
                mo->tagsfull_ok = ntags && held + fresh > (int)mo->max_tags;
            }
        }
    }
    from = apr_time_now();
    switch (mode) {
    case M_SET:
        rv = ntags || prop_one_in(&mo->r, 4)
             ? apr_shm_cache_set_tagged(mo->c, m_key(mo, k), vp, len, ttl,
                                        tags, ntags)
             : apr_shm_cache_set(mo->c, m_key(mo, k), vp, len, ttl);
        break;
    case M_ADD:
        rv = apr_shm_cache_add(mo->c, m_key(mo, k), vp, len, ttl);
        break;
    case M_REPLACE:
        rv = apr_shm_cache_replace(mo->c, m_key(mo, k), vp, len, ttl);
        break;
    default:
        rv = apr_shm_cache_cas(mo->c, m_key(mo, k), vp, len, ttl, cas,
                               prop_one_in(&mo->r, 2) ? &new_version : NULL);
        break;
    }
    to = apr_time_now();
    if (rv == APR_SHM_CACHE_ETAGSFULL && want == APR_SUCCESS
        && mo->tagsfull_ok) {
        want = rv;
    }
    m_expect(mo, rv, want, names[mode]);
    mo->tagsfull_ok = 0;
    if (rv != APR_SUCCESS) {
        free(val);
        return;
    }
    mo->want.sets++;
    e->held = 1;
    e->val = val;
    e->len = len;
    e->version = 0;
    e->ttl = ttl;
    e->dies = ttl && ttl <= APR_INT64_MAX - wall_skew ? wall_skew + ttl : 0;
    e->expires = -1;
    e->stored_from = from;
    e->stored_to = to;
    e->ntags = ntags;
    memcpy(e->tags, tag_ids, sizeof(e->tags[0]) * (apr_size_t)ntags);
    if (new_version) {
        e->version = new_version;
        if (new_version == e->old_version) {
            MODEL_FAIL(mo, "cas gave the old version again");
        }
    }
}

static void m_get(model_t *mo)
{
    int k = m_pick_key(mo), peek = prop_one_in(&mo->r, 4);
    void *val = NULL;
    apr_size_t len = 0;
    apr_uint64_t version = 0;
    apr_status_t rv;

    rv = (peek ? apr_shm_cache_peek : apr_shm_cache_get)
             (mo->c, m_key(mo, k), &val, &len, &version, mo->scratch);
    if (k < 0) {
        m_expect(mo, rv, m_key_error(k), "get");
        mo->want.any_hits = 1;
        return;
    }
    m_touch(mo, k);
    m_expect(mo, rv, mo->m[k].held ? APR_SUCCESS : APR_SHM_CACHE_NOTFOUND,
             "get");
    if (!peek) {
        *(rv == APR_SUCCESS ? &mo->want.hits : &mo->want.misses) += 1;
    }
    if (rv == APR_SUCCESS) {
        m_check_entry(mo, k, val, len, version, mo->m[k].expires, "get");
        if (((char *)val)[len] != '\0') {
            MODEL_FAIL(mo, "get: no NUL after the value");
        }
    }
}

static void m_delete(model_t *mo)
{
    int k = m_pick_key(mo);
    apr_status_t rv = apr_shm_cache_delete(mo->c, m_key(mo, k));

    if (k < 0) {
        m_expect(mo, rv, m_key_error(k), "delete");
        return;
    }
    m_touch(mo, k);
    m_expect(mo, rv, mo->m[k].held ? APR_SUCCESS : APR_SHM_CACHE_NOTFOUND,
             "delete");
    if (rv == APR_SUCCESS) {
        m_drop(&mo->m[k]);
        mo->want.deletes++;
    }
}

/* A whole value as a 64-bit decimal integer, sign allowed. */
static int m_int64(const unsigned char *s, apr_size_t n, __int128 *out)
{
    __int128 v = 0;
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
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
        if (v > (__int128)APR_INT64_MAX + 1) {
            return 0;
        }
    }
    *out = neg ? -v : v;
    return *out >= APR_INT64_MIN && *out <= APR_INT64_MAX;
}

static void m_count(model_t *mo)
{
    static const apr_int64_t deltas[] = {
        0, 1, -1, 5, 1000, APR_INT64_MAX, APR_INT64_MIN, APR_INT64_MAX - 1
    };
    int k = m_pick_key(mo), decr = prop_one_in(&mo->r, 2);
    apr_int64_t delta = deltas[prop_below(&mo->r, 8)], result = 0;
    apr_status_t rv, want;
    __int128 v = 0;
    char num[32];
    m_entry_t *e;

    rv = (decr ? apr_shm_cache_decr : apr_shm_cache_incr)
             (mo->c, m_key(mo, k), delta, &result);
    if (k < 0) {
        m_expect(mo, rv, m_key_error(k), "incr");
        return;
    }
    m_touch(mo, k);
    e = &mo->m[k];
    if (!e->held) {
        want = APR_SHM_CACHE_NOTFOUND;
    }
    else if (!m_int64(e->val, e->len, &v)
             || (v = decr ? v - delta : v + delta) > APR_INT64_MAX
             || v < APR_INT64_MIN) {
        want = APR_SHM_CACHE_ENOTNUM;
    }
    else {
        want = APR_SUCCESS;
    }
    m_expect(mo, rv, want, decr ? "decr" : "incr");
    if (rv != APR_SUCCESS) {
        return;
    }
    if (result != (apr_int64_t)v) {
        MODEL_FAIL(mo, "incr gave %" APR_INT64_T_FMT, result);
    }
    /* a new value and version; expiry and tags kept */
    apr_snprintf(num, sizeof(num), "%" APR_INT64_T_FMT, result);
    free(e->val);
    e->len = strlen(num);
    e->val = malloc(e->len + 1);
    memcpy(e->val, num, e->len + 1);
    e->old_version = e->version;
    e->version = 0;
}

static void m_invalidate(model_t *mo)
{
    int t = (int)prop_below(&mo->r, MODEL_TAGS), k;
    apr_size_t removed = (apr_size_t)-1, want = 0;
    const char *tag = mo->tags[t];
    apr_status_t rv;

    if (prop_one_in(&mo->r, 20)) {
        rv = apr_shm_cache_invalidate_tag(mo->c, prop_one_in(&mo->r, 2)
                                                 ? "" : NULL, &removed);
        m_expect(mo, rv, APR_SHM_CACHE_EBADTAG, "invalidate_tag");
        return;
    }
    rv = apr_shm_cache_invalidate_tag(mo->c, tag, &removed);
    m_expect(mo, rv, APR_SUCCESS, "invalidate_tag");
    for (k = 0; k < MODEL_KEYS; k++) {
        if (mo->m[k].held && m_has_tag(&mo->m[k], t)) {
            m_drop(&mo->m[k]);
            want++;
        }
    }
    if (removed != want) {
        MODEL_FAIL(mo, "invalidate_tag(%s) removed %lu, not %lu", tag,
                   (unsigned long)removed, (unsigned long)want);
    }
    mo->want.invalidations += want;
}

static void m_run(apr_size_t size, apr_uint64_t seed, int calls, int ttls,
                  int tagged)
{
    model_t *mo = calloc(1, sizeof(*mo));
    /* clears and invalidations now and then; rarer in a big zone, so
     * that it fills */
    apr_size_t clear_one_in = size > APR_SHM_CACHE_MIN_SIZE ? 500 : 50;
    int i, k;

    mo->seed = seed;
    mo->r.s = seed;
    mo->ttls = ttls;
    mo->tagged = tagged;
    apr_pool_create(&mo->p, NULL);
    apr_pool_create(&mo->scratch, mo->p);
    assert_int_equal(apr_shm_cache_create(&mo->c, size, NULL, mo->p),
                     APR_SUCCESS);
    mo->st = stats_of(mo->c);
    mo->max_entry = mo->st.max_entry;
    mo->max_tags = mo->st.max_tags;
    for (k = 0; k < MODEL_KEYS; k++) {
        /* mostly short keys, some long, one of the longest */
        apr_size_t len = k == 7 ? APR_SHM_CACHE_MAX_KEY
                         : prop_one_in(&mo->r, 20)
                         ? 20 + prop_below(&mo->r, 1000)
                         : 4 + prop_below(&mo->r, 16), n, j;
        char *key = apr_palloc(mo->p, len + 1);

        n = (apr_size_t)apr_snprintf(key, len + 1, "%x:", k);
        for (j = n; j < len; j++) {
            key[j] = (char)(1 + prop_below(&mo->r, 255));
        }
        key[len] = '\0';
        mo->keys[k] = key;
    }
    for (k = 0; k < MODEL_TAGS; k++) {
        /* and one of the longest */
        mo->tags[k] = k ? apr_psprintf(mo->p, "t%d", k)
                        : apr_psprintf(mo->p, "%0*d", APR_SHM_CACHE_MAX_TAG, 0);
    }
    mo->too_long = apr_palloc(mo->p, APR_SHM_CACHE_MAX_KEY + 2);
    memset(mo->too_long, 'L', APR_SHM_CACHE_MAX_KEY + 1);
    mo->too_long[APR_SHM_CACHE_MAX_KEY + 1] = '\0';
    wall_skew = 0;
    for (i = 1; i <= calls; i++) {
        int what = (int)prop_below(&mo->r, 100);

        mo->op = i;
        memset(&mo->want, 0, sizeof(mo->want));
        apr_pool_clear(mo->scratch);
        if (what < 30) {
            m_store(mo, M_SET);
        }
        else if (what < 37) {
            m_store(mo, M_ADD);
        }
        else if (what < 44) {
            m_store(mo, M_REPLACE);
        }
        else if (what < 51) {
            m_store(mo, M_CAS);
        }
        else if (what < 59) {
            m_delete(mo);
        }
        else if (what < 81) {
            m_get(mo);
        }
        else if (what < 91) {
            m_count(mo);
        }
        else if (what < 95) {
            if (clear_one_in > 50 && !prop_one_in(&mo->r, 4)) {
                m_store(mo, M_SET);         /* the big zone fills */
            }
            else {
                m_invalidate(mo);
            }
        }
        else if (!prop_one_in(&mo->r, clear_one_in)) {
            if (ttls) {
                wall_skew += MODEL_TICK
                             * (apr_time_t)(1 + prop_below(&mo->r, 2));
            }
        }
        else {
            assert_int_equal(apr_shm_cache_clear(mo->c), APR_SUCCESS);
            for (k = 0; k < MODEL_KEYS; k++) {
                m_drop(&mo->m[k]);
            }
            mo->want.clears++;
        }
        m_walk(mo);
        m_check_stats(mo);
        m_check_iterate(mo);
        if (i % 500 == 0) {
            zone_check(mo->c);
        }
    }
    wall_skew = 0;
    for (k = 0; k < MODEL_KEYS; k++) {
        m_drop(&mo->m[k]);
    }
    apr_pool_destroy(mo->p);
    free(mo);
}

/* The smallest zone: few pages, 64 tag records, everything evicts. */
static void test_model_small(void **state)
{
    m_run(APR_SHM_CACHE_MIN_SIZE, 11, 50000, 0, 0);
}

static void test_model_small_ttl(void **state)
{
    m_run(APR_SHM_CACHE_MIN_SIZE, 12, 50000, 1, 0);
}

/* 16 KB pages: more size classes, pages moving between them. */
static void test_model_1m(void **state)
{
    m_run(1024 * 1024, 15, 15000, 0, 0);
}

static void test_model_1m_ttl(void **state)
{
    m_run(1024 * 1024, 13, 20000, 1, 0);
}

/* Small entries with many tags: the 64 tag records run out. */
static void test_model_tags(void **state)
{
    m_run(1024 * 1024, 14, 20000, 1, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_set_get, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_peek, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_add_replace_cas, setup_anon,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_ttl, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_ttl_huge, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_incr_decr, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_incr_decr_limits, setup_anon,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup_anon, teardown),
        cmocka_unit_test(test_tag_table_full),
        cmocka_unit_test(test_tags_of_expired),
        cmocka_unit_test_setup_teardown(test_clear, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_iterate, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup_anon, teardown),
        cmocka_unit_test_setup_teardown(test_failed_store, setup_anon,
                                        teardown),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_exec_attach),
        cmocka_unit_test(test_no_test_hook),
        cmocka_unit_test(test_attach_detach),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_huge_pages_advised),
        cmocka_unit_test(test_attach_not_a_cache),
        cmocka_unit_test(test_child_exit_keeps_zone),
#if APR_USE_SHMEM_MMAP_SHM
        cmocka_unit_test(test_attach_half_made),
#endif
        cmocka_unit_test(test_stale_segment_and_mode),
        cmocka_unit_test(test_multiprocess),
        cmocka_unit_test_setup_teardown(test_threads, setup_anon, teardown),
        cmocka_unit_test(test_crash_while_locked),
        cmocka_unit_test(test_crash_while_reading),
        cmocka_unit_test(test_crash_before_change),
        cmocka_unit_test(test_stopped_while_locked),
        cmocka_unit_test(test_lock_wait_clock_set_back),
        cmocka_unit_test(test_stuck_window_ends),
        cmocka_unit_test(test_eviction_lru),
        cmocka_unit_test(test_eviction_spares_counter),
        cmocka_unit_test(test_eviction_other_class),
        cmocka_unit_test(test_expired_give_pages),
        cmocka_unit_test(test_dead_page_before_live),
        cmocka_unit_test(test_sweep_bounded),
        cmocka_unit_test(test_empty_pages_shared),
        cmocka_unit_test(test_pages_follow_working_set),
        cmocka_unit_test(test_pages_follow_sizes),
        cmocka_unit_test(test_pages_stay_with_read_class),
        cmocka_unit_test(test_pages_settle),
        cmocka_unit_test(test_pages_churn),
        cmocka_unit_test(test_sweep_bound_holds),
        cmocka_unit_test(test_dead_pages_first),
        cmocka_unit_test(test_reader_words_even),
        cmocka_unit_test(test_model_small),
        cmocka_unit_test(test_model_small_ttl),
        cmocka_unit_test(test_model_1m),
        cmocka_unit_test(test_model_1m_ttl),
        cmocka_unit_test(test_model_tags),
    };
    apr_pool_t *p;
    char *dir;
    int failed;

    apr_initialize();
    apr_pool_create(&p, NULL);
    dir = apr_pstrdup(p, argv[0]);
    *(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = '\0';
    helper_path = apr_pstrcat(p, *dir ? dir : ".", "/cache_attach_helper",
                              NULL);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    (void)argc;
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    while (name_seq) {
        apr_file_remove(apr_psprintf(p, "%s/zone%d", tmpdir, name_seq--), p);
    }
    rmdir(tmpdir);
    apr_pool_destroy(p);
    apr_terminate();
    return failed;
}
