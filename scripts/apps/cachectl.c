/* cachectl: a libfcgi sample app that shares its PreforkAppCache zone with
 * httpd through the apr_shm_cache C API (the zone's name comes in
 * PREFORK_APP_CACHE). Query:
 *   page=X&maxage=S&tag=T   a page httpd may cache for S seconds, tagged T
 *   invalidate=T            drop every cached response tagged T
 *   count=KEY               add 1 to KEY in the zone (shared by every worker)
 */
#include <fcgi_stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_shm_cache.h"

/* The value of query parameter name in qs (copied into buf), or NULL. */
static const char *param(const char *qs, const char *name, char *buf, size_t size)
{
    size_t nl = strlen(name);

    while (qs && *qs) {
        const char *end = strchr(qs, '&');
        size_t len = end ? (size_t)(end - qs) : strlen(qs);

        if (len > nl && !strncmp(qs, name, nl) && qs[nl] == '=') {
            len -= nl + 1;
            if (len >= size) {
                len = size - 1;
            }
            memcpy(buf, qs + nl + 1, len);
            buf[len] = '\0';
            return buf;
        }
        qs = end ? end + 1 : NULL;
    }
    return NULL;
}

int main(void)
{
    apr_pool_t *pool;
    apr_shm_cache_t *zone = NULL;
    const char *name = getenv("PREFORK_APP_CACHE");
    unsigned long served = 0;
    char err[128];
    apr_status_t rv;

    apr_initialize();
    apr_pool_create(&pool, NULL);
    if (name && (rv = apr_shm_cache_attach(&zone, name, pool)) != APR_SUCCESS) {
        zone = NULL;
        apr_shm_cache_strerror(rv, err, sizeof(err));
    }

    while (FCGI_Accept() >= 0) {
        const char *qs = getenv("QUERY_STRING");
        char a[128], b[32], c[128];

        served++;
        if (param(qs, "invalidate", a, sizeof(a))) {
            apr_size_t removed = 0;

            if (!zone) {
                printf("Status: 500\r\nContent-Type: text/plain\r\n\r\nno zone (%s): %s\n",
                       name ? name : "PREFORK_APP_CACHE unset", name ? err : "");
                continue;
            }
            apr_shm_cache_invalidate_tag(zone, a, &removed);
            printf("Content-Type: text/plain\r\n\r\nremoved %lu\n",
                   (unsigned long)removed);
        }
        else if (param(qs, "count", a, sizeof(a))) {
            apr_int64_t now = 0;

            if (zone) {
                apr_shm_cache_add(zone, a, "0", 1, 0);  /* EEXIST is fine */
            }
            if (!zone || apr_shm_cache_incr(zone, a, 1, &now) != APR_SUCCESS) {
                printf("Status: 500\r\nContent-Type: text/plain\r\n\r\nincr failed\n");
                continue;
            }
            printf("Content-Type: text/plain\r\n\r\n%ld\n", (long)now);
        }
        else {
            printf("Content-Type: text/plain\r\n");
            if (param(qs, "maxage", b, sizeof(b))) {
                printf("Cache-Control: max-age=%s\r\n", b);
            }
            if (param(qs, "tag", c, sizeof(c))) {
                printf("X-Prefork-App-Cache-Tags: %s\r\n", c);
            }
            if (param(qs, "cookie", c, sizeof(c))) {
                printf("Set-Cookie: %s\r\n", c);
            }
            printf("\r\npage %s pid %ld served %lu\n",
                   param(qs, "page", a, sizeof(a)) ? a : "-", (long)getpid(),
                   served);
        }
    }
    return 0;
}
