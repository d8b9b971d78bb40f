/* SCGI client protocol: the request header netstring. See scgi.h; no I/O
 * and no httpd here. */
#include "scgi.h"

#include "apr_strings.h"

#include <string.h>

/* Variables this file writes itself, so that env cannot send them twice
 * (SCGI forbids duplicate names). */
static int ours(const char *key)
{
    return !strcmp(key, "CONTENT_LENGTH") || !strcmp(key, "SCGI");
}

char *pa_scgi_build_header(apr_pool_t *p, const apr_table_t *env,
                           apr_off_t content_length, apr_size_t *len)
{
    const apr_array_header_t *arr = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *cl = content_length < 0 ? ""
                     : apr_off_t_toa(p, content_length);
    char prefix[24];
    apr_size_t body, plen, cllen;
    char *buf, *o;
    int i;

    cllen = strlen(cl);
    body = sizeof("CONTENT_LENGTH") + cllen + 1 + sizeof("SCGI") + 2;
    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && !ours(e[i].key)) {
            body += strlen(e[i].key) + 1
                    + (e[i].val ? strlen(e[i].val) : 0) + 1;
        }
    }
    plen = (apr_size_t)apr_snprintf(prefix, sizeof(prefix), "%" APR_SIZE_T_FMT
                                    ":", body);
    buf = o = apr_palloc(p, plen + body + 1);
    memcpy(o, prefix, plen);
    o += plen;
    memcpy(o, "CONTENT_LENGTH", sizeof("CONTENT_LENGTH"));
    o += sizeof("CONTENT_LENGTH");
    memcpy(o, cl, cllen + 1);
    o += cllen + 1;
    memcpy(o, "SCGI\0" "1", sizeof("SCGI") + 2);
    o += sizeof("SCGI") + 2;
    for (i = 0; i < arr->nelts; i++) {
        apr_size_t n, v;

        if (!e[i].key || ours(e[i].key)) {
            continue;
        }
        n = strlen(e[i].key) + 1;
        v = e[i].val ? strlen(e[i].val) : 0;
        memcpy(o, e[i].key, n);
        o += n;
        memcpy(o, e[i].val ? e[i].val : "", v + 1);
        o += v + 1;
    }
    *o++ = ',';
    *len = (apr_size_t)(o - buf);
    return buf;
}
