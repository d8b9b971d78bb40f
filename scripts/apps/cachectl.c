/* cachectl: a libfcgi sample app that shares its PreforkAppCache zone with
 * httpd through the apr_shm_cache C API (the zone's name comes in
 * PREFORK_APP_CACHE). Query:
 *   page=X&maxage=S&tag=T   a page httpd may cache for S seconds, tagged T
 *   invalidate=T            drop every cached response tagged T
 *   count=KEY               add 1 to KEY in the zone (shared by every worker)
 *   tamper=S&how=H          rewrite every stored response whose key holds S,
 *                           as a hostile app sharing the zone could (the
 *                           tests check that httpd does not serve it): H is
 *                           cookie (a Set-Cookie added), status (101) or
 *                           cut (a header without its closing NUL)
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

/* The layout of the module's stored responses (mod_prefork_app/cache.c,
 * pa_cache_entry_t): magic, status, stored, lifetime, headers_len, body_len, then
 * "name\0value\0" pairs, then the body. */
#define ENTRY_STATUS        4
#define ENTRY_HEADERS_LEN   24
#define ENTRY_SIZE          32

typedef struct tamper_t {
    apr_shm_cache_t *zone;
    const char *match, *how;
    apr_pool_t *pool;
    int done;
} tamper_t;

static apr_status_t tamper_one(void *baton, const char *key, const void *val,
                               apr_size_t len, apr_uint64_t version,
                               apr_time_t expires)
{
    static const char cookie[] = "Set-Cookie\0session=attacker";
    tamper_t *t = baton;
    char *v = apr_palloc(t->pool, len + sizeof(cookie));
    apr_uint32_t hlen;
    apr_size_t n = len;

    if (!strstr(key, t->match) || len < ENTRY_SIZE) {
        return APR_SUCCESS;
    }
    memcpy(v, val, len);
    if (!strcmp(t->how, "status")) {
        apr_int32_t st = 101;

        memcpy(v + ENTRY_STATUS, &st, sizeof(st));
    }
    else {
        /* cookie: a pair put first in the header block; cut: "X\0y" put
         * last, so that the block ends inside a value. */
        int cut = !strcmp(t->how, "cut");
        const char *ins = cut ? "X\0y" : cookie;
        apr_size_t add = cut ? 3 : sizeof(cookie), at;

        memcpy(&hlen, v + ENTRY_HEADERS_LEN, sizeof(hlen));
        if (hlen > len - ENTRY_SIZE) {
            return APR_SUCCESS;     /* not the layout above: left alone */
        }
        at = ENTRY_SIZE + (cut ? hlen : 0);
        memmove(v + at + add, v + at, len - at);
        memcpy(v + at, ins, add);
        hlen += (apr_uint32_t)add;
        memcpy(v + ENTRY_HEADERS_LEN, &hlen, sizeof(hlen));
        n += add;
    }
    if (apr_shm_cache_set(t->zone, key, v, n, expires ? expires - apr_time_now()
                                                      : 0) == APR_SUCCESS) {
        t->done++;
    }
    return APR_SUCCESS;
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
        else if (param(qs, "tamper", a, sizeof(a)) && zone) {
            tamper_t t = { zone, a, param(qs, "how", b, sizeof(b)) ? b : "cookie",
                           pool, 0 };

            apr_shm_cache_iterate(zone, tamper_one, &t, pool);
            printf("Content-Type: text/plain\r\n\r\ntampered %d\n", t.done);
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
