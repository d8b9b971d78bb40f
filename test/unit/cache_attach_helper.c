/* Exec'd by test_cache: an unrelated process that attaches to a named
 * apr_shm_cache zone, prints one value and optionally stores another.
 *
 *   cache_attach_helper NAME KEY [SETKEY SETVAL]
 *
 * Exit status: 0 ok, 2 attach failed, 3 get failed, 4 set failed,
 * 1 usage.  The reason goes to stderr.
 */
#include <stdio.h>
#include <string.h>

#include "apr_general.h"
#include "apr_shm_cache.h"

static int fail(const char *what, apr_status_t rv, int code)
{
    char buf[256];

    fprintf(stderr, "cache_attach_helper: %s: %s\n", what,
            apr_shm_cache_strerror(rv, buf, sizeof(buf)));
    return code;
}

int main(int argc, const char *const *argv)
{
    apr_shm_cache_t *cache;
    apr_pool_t *pool;
    apr_status_t rv;
    apr_size_t len;
    void *val;

    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: %s NAME KEY [SETKEY SETVAL]\n", argv[0]);
        return 1;
    }
    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    if ((rv = apr_shm_cache_attach(&cache, argv[1], pool)) != APR_SUCCESS) {
        return fail("attach", rv, 2);
    }
    if ((rv = apr_shm_cache_get(cache, argv[2], &val, &len, NULL, pool))
        != APR_SUCCESS) {
        return fail("get", rv, 3);
    }
    fwrite(val, 1, len, stdout);
    if (argc == 5) {
        rv = apr_shm_cache_set(cache, argv[3], argv[4], strlen(argv[4]), 0);
        if (rv != APR_SUCCESS) {
            return fail("set", rv, 4);
        }
    }
    apr_shm_cache_detach(cache);
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}
