/* Property tests of the FastCGI client code (mod_prefork_app/fcgi.c):
 * random record streams, header blocks and name-value pairs from fixed
 * seeds, checked by fcgi_prop.c (the libFuzzer targets use the same
 * checks) and by decoders written here. A failure prints the seed and the
 * case number: set them in the test to rerun only that case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "apr_strings.h"
#include "apr_tables.h"
#include "fcgi.h"
#include "fcgi_prop.h"
#include "prop_rng.h"

static apr_pool_t *pool;

static int setup(void **state)
{
    return apr_pool_create(&pool, NULL) == APR_SUCCESS ? 0 : -1;
}

static int teardown(void **state)
{
    apr_pool_destroy(pool);
    return 0;
}

/* The input of a failed case, in hex, for the report. */
static void dump(const char *what, const unsigned char *b, apr_size_t n)
{
    apr_size_t i;

    print_error("%s (%lu bytes):", what, (unsigned long)n);
    for (i = 0; i < n && i < 512; i++) {
        print_error("%s%02x", i % 32 ? " " : "\n  ", b[i]);
    }
    print_error("%s\n", n > 512 ? " ..." : "");
}

static void check_ok(const char *e, const char *what, apr_uint64_t seed,
                     int i, const unsigned char *b, apr_size_t n)
{
    if (e) {
        print_error("%s, seed %llu case %d: %s\n", what,
                    (unsigned long long)seed, i, e);
        dump("input", b, n);
        fail();
    }
}

/* ---- record streams ----------------------------------------------------- */

typedef struct {
    unsigned char *b;
    apr_size_t len, cap;
    apr_size_t recs[64];        /* where each record starts */
    int nrecs;
    unsigned char *out, *err;   /* what STDOUT and STDERR carry */
    apr_size_t out_len, err_len;
    apr_uint32_t app_status;
    int protocol_status;
    apr_size_t end_padding;
    apr_size_t end_at;          /* the byte after END's content */
} stream_t;

static void room(stream_t *s, apr_size_t n)
{
    if (s->len + n > s->cap) {
        apr_size_t cap = (s->len + n) * 2;
        unsigned char *b = apr_palloc(pool, cap);

        if (s->len) {
            memcpy(b, s->b, s->len);
        }
        s->b = b;
        s->cap = cap;
    }
}

/* A content length: mostly short, now and then up to the largest. */
static apr_size_t some_len(prop_rng_t *r)
{
    switch (prop_below(r, 16)) {
    case 0: case 1:
        return 0;
    case 2: case 3: case 4:
        return prop_below(r, 600);
    case 5:
        return prop_one_in(r, 40) ? PA_FCGI_MAX_CONTENT - prop_below(r, 3)
                                  : prop_below(r, 5000);
    default:
        return 1 + prop_below(r, 16);
    }
}

static apr_size_t some_padding(prop_rng_t *r, apr_size_t clen)
{
    switch (prop_below(r, 6)) {
    case 0:
        return (8 - clen % 8) % 8;          /* as libfcgi aligns */
    case 1:
        return prop_one_in(r, 4) ? 255 : prop_below(r, 256);
    default:
        return 0;
    }
}

static void fill(prop_rng_t *r, unsigned char *p, apr_size_t n)
{
    static const char text[] = "Status: 200\r\nContent-Length: 5\r\n\r\n";
    apr_size_t i;

    if (prop_one_in(r, 2)) {
        for (i = 0; i < n; i++) {
            p[i] = (unsigned char)prop_next(r);
        }
    }
    else {
        for (i = 0; i < n; i++) {
            p[i] = (unsigned char)text[(i + n) % (sizeof(text) - 1)];
        }
    }
}

static void put_record(prop_rng_t *r, stream_t *s, int type, apr_uint16_t id,
                       apr_size_t clen, apr_size_t plen)
{
    unsigned char *p;

    room(s, PA_FCGI_HEADER_LEN + clen + plen);
    if (s->nrecs < 64) {
        s->recs[s->nrecs++] = s->len;
    }
    p = s->b + s->len;
    pa_fcgi_header_put(p, type, id, (apr_uint16_t)clen, (unsigned char)plen);
    fill(r, p + PA_FCGI_HEADER_LEN, clen);
    /* padding need not be zeros: nobody reads it */
    fill(r, p + PA_FCGI_HEADER_LEN + clen, plen);
    s->len += PA_FCGI_HEADER_LEN + clen + plen;
}

/* A well-formed reply for id: STDOUT and STDERR records, then END. */
static void valid_stream(prop_rng_t *r, apr_uint16_t id, stream_t *s)
{
    int n = (int)prop_below(r, 12), i;
    apr_size_t clen;
    unsigned char *c;

    memset(s, 0, sizeof(*s));
    s->out = apr_palloc(pool, 12 * PA_FCGI_MAX_CONTENT);
    s->err = apr_palloc(pool, 12 * PA_FCGI_MAX_CONTENT);
    for (i = 0; i < n; i++) {
        int type = prop_one_in(r, 3) ? PA_FCGI_STDERR : PA_FCGI_STDOUT;

        clen = some_len(r);
        put_record(r, s, type, id, clen, some_padding(r, clen));
        c = s->b + s->recs[s->nrecs - 1] + PA_FCGI_HEADER_LEN;
        if (type == PA_FCGI_STDOUT) {
            memcpy(s->out + s->out_len, c, clen);
            s->out_len += clen;
        }
        else {
            memcpy(s->err + s->err_len, c, clen);
            s->err_len += clen;
        }
    }
    s->end_padding = some_padding(r, 8);
    put_record(r, s, PA_FCGI_END_REQUEST, id, 8, s->end_padding);
    c = s->b + s->recs[s->nrecs - 1] + PA_FCGI_HEADER_LEN;
    s->app_status = ((apr_uint32_t)c[0] << 24) | ((apr_uint32_t)c[1] << 16)
                    | ((apr_uint32_t)c[2] << 8) | c[3];
    s->protocol_status = c[4];
    s->end_at = s->recs[s->nrecs - 1] + PA_FCGI_HEADER_LEN + 8;
    if (prop_one_in(r, 4)) {
        /* what a broken app sends after the end: never taken */
        clen = 1 + prop_below(r, 40);
        room(s, clen);
        fill(r, s->b + s->len, clen);
        s->len += clen;
    }
}

static apr_uint16_t some_id(prop_rng_t *r)
{
    switch (prop_below(r, 5)) {
    case 0:
        return (apr_uint16_t)(1 + prop_below(r, 20));
    case 1:
        return (apr_uint16_t)(65535 - prop_below(r, 5));
    case 2:
        return (apr_uint16_t)(1 + prop_below(r, 65535));
    default:
        return 1;
    }
}

static void test_parse_valid_streams(void **state)
{
    const apr_uint64_t seed = 1;
    prop_rng_t r = { seed };
    int i;

    for (i = 0; i < 3000; i++) {
        apr_uint16_t id = some_id(&r);
        fcgi_prop_outcome_t o;
        stream_t s;
        const char *e;

        apr_pool_clear(pool);
        valid_stream(&r, id, &s);
        e = fcgi_prop_parse(s.b, s.len, id, 0, prop_next(&r), &o);
        check_ok(e, "valid stream", seed, i, s.b, s.len);
        /* What was encoded comes out. */
        if (o.last != PA_FCGI_EV_END || o.out_len != s.out_len
            || o.err_len != s.err_len
            || (s.out_len && memcmp(o.out, s.out, s.out_len))
            || (s.err_len && memcmp(o.err, s.err, s.err_len))
            || o.app_status != s.app_status
            || o.protocol_status != s.protocol_status
            || o.padding_left != s.end_padding || o.used != s.end_at) {
            check_ok("not what was encoded", "valid stream", seed, i, s.b,
                     s.len);
        }
        fcgi_prop_outcome_free(&o);
    }
}

/* One change to a well-formed stream. */
static void mutate(prop_rng_t *r, stream_t *s, apr_uint16_t id)
{
    apr_size_t at, n;
    unsigned char *h;

    if (!s->len) {
        return;
    }
    h = s->b + s->recs[prop_below(r, (apr_size_t)s->nrecs)];
    switch (prop_below(r, 10)) {
    case 0:
        s->b[prop_below(r, s->len)] = (unsigned char)prop_next(r);
        break;
    case 1:
        h[0] = prop_one_in(r, 2) ? 0 : (unsigned char)prop_next(r);
        break;
    case 2:
        h[1] = (unsigned char)prop_below(r, 13);
        break;
    case 3: {
        /* another id: the ones just before ours, 0, 1, any */
        apr_uint16_t other = (apr_uint16_t)(prop_one_in(r, 2)
                                            ? id - 1 - prop_below(r, 20)
                                            : prop_one_in(r, 2)
                                            ? prop_below(r, 2)
                                            : prop_next(r));
        h[2] = (unsigned char)(other >> 8);
        h[3] = (unsigned char)other;
        break;
    }
    case 4:
        /* a length that runs past the end */
        h[4] = prop_one_in(r, 2) ? 0xff : (unsigned char)prop_next(r);
        h[5] = (unsigned char)prop_next(r);
        break;
    case 5:
        h[6] = (unsigned char)prop_next(r);
        break;
    case 6:
        s->len = prop_below(r, s->len);
        break;
    case 7:
        n = 1 + prop_below(r, 16);
        at = prop_below(r, s->len + 1);
        room(s, n);
        memmove(s->b + at + n, s->b + at, s->len - at);
        fill(r, s->b + at, n);
        s->len += n;
        break;
    case 8: {
        static const char *const text[] = {
            "HTTP/1.1 200 OK\r\n\r\n", "Status: 200\r\n\r\nhello",
            "Content-Type: text/html\r\n\r\n", "<html>\n", "\"quoted\"..."
        };
        const char *t = text[prop_below(r, 5)];

        n = strlen(t);
        room(s, n);
        memmove(s->b + n, s->b, s->len);
        memcpy(s->b, t, n);
        s->len += n;
        break;
    }
    default:
        /* a second END, or one of another length */
        h[1] = PA_FCGI_END_REQUEST;
        break;
    }
}

static void test_parse_mutated_streams(void **state)
{
    const apr_uint64_t seed = 2;
    prop_rng_t r = { seed };
    int i, k;

    for (i = 0; i < 15000; i++) {
        apr_uint16_t id = some_id(&r);
        int one_ok = prop_one_in(&r, 4);
        stream_t s;

        apr_pool_clear(pool);
        valid_stream(&r, id, &s);
        for (k = (int)prop_below(&r, 3); k >= 0; k--) {
            mutate(&r, &s, id);
        }
        check_ok(fcgi_prop_parse(s.b, s.len, id, one_ok, prop_next(&r), NULL),
                 one_ok ? "mutated stream, one_ok" : "mutated stream", seed, i,
                 s.b, s.len);
    }
}

/* Any bytes at all, short: headers torn everywhere. */
static void test_parse_random_bytes(void **state)
{
    const apr_uint64_t seed = 3;
    prop_rng_t r = { seed };
    unsigned char b[64];
    int i;

    for (i = 0; i < 20000; i++) {
        apr_size_t n = prop_below(&r, sizeof(b) + 1), k;
        apr_uint16_t id = some_id(&r);
        int text = prop_one_in(&r, 4);

        for (k = 0; k < n; k++) {
            if (text) {
                /* a CGI reply, or bytes next to text's */
                b[k] = (unsigned char)(0x1e + prop_below(&r, 0x63));
                continue;
            }
            /* mostly small bytes (version 1, known types, short lengths),
             * or text and what borders it */
            b[k] = (unsigned char)(prop_one_in(&r, 2) ? prop_below(&r, 9)
                                   : prop_one_in(&r, 2)
                                   ? 0x1e + prop_below(&r, 0x63)
                                   : prop_next(&r));
        }
        if (n >= 4 && prop_one_in(&r, 2)) {
            b[0] = 1;
            b[2] = (unsigned char)(id >> 8);
            b[3] = (unsigned char)id;
        }
        check_ok(fcgi_prop_parse(b, n, id, prop_one_in(&r, 4), prop_next(&r),
                                 NULL), "random bytes", seed, i, b, n);
    }
}

/* ---- CGI header blocks -------------------------------------------------- */

static void add(stream_t *s, const void *p, apr_size_t n)
{
    room(s, n);
    memcpy(s->b + s->len, p, n);
    s->len += n;
}

static void add_str(stream_t *s, const char *p)
{
    add(s, p, strlen(p));
}

static const char *some_eol(prop_rng_t *r)
{
    static const char *const eol[] = { "\n", "\r\n", "\r\r\n", "\r\n", "\n" };

    return eol[prop_below(r, 5)];
}

/* A Content-Length value: the same number written otherwise, another
 * number, or no number. */
static const char *last_cl;     /* the block's last value, or NULL */

static void add_cl_value(prop_rng_t *r, stream_t *s)
{
    static const char *const blanks[] = { "", " ", "\t", "  \t ", "\r" };
    static const char *const odd[] = {
        "", "5 5", "0 5", "+5", "-5", "5x", "0x5", "\v5", "5\t5", "00 0",
        "123456789012345678901234", "1234567890123456789012345",
        "123456789012345678901234567890", "0000000000000000000000000005"
    };
    const char *v;
    apr_size_t z;

    if (last_cl && prop_one_in(r, 3)) {
        v = last_cl;            /* the same text again */
    }
    else if (prop_one_in(r, 4)) {
        v = odd[prop_one_in(r, 3) ? 0 : prop_below(r, sizeof(odd)
                                                      / sizeof(odd[0]))];
    }
    else {
        z = prop_one_in(r, 3) ? prop_below(r, 30) : 0;
        switch (prop_below(r, 4)) {
        case 0:
            v = "0";
            break;
        case 1:
            v = "5";
            break;
        default:
            v = apr_psprintf(pool, "%d", (int)prop_below(r, 100));
            break;
        }
        v = apr_pstrcat(pool, apr_pstrndup(pool, "0000000000000000000000000000",
                                           z), v, NULL);
    }
    last_cl = v;
    add_str(s, blanks[prop_below(r, 5)]);
    add_str(s, v);
    add_str(s, blanks[prop_below(r, 5)]);
}

static void add_line(prop_rng_t *r, stream_t *s)
{
    static const char *const names[] = {
        "Content-Length:", "content-length:", "CONTENT-LENGTH:",
        "Content-Length :", "Content-Lengthy:", "X-Content-Length:",
        "Content-Le\rngth:", " Content-Length:"
    };
    static const char *const other[] = {
        "Status: 200 OK", "Content-Type: text/html", "Location: /x",
        "X-Empty:", "no colon at all", ": no name", "X: a\0b", "\r", "\0"
    };
    apr_size_t n;

    switch (prop_below(r, 6)) {
    case 0: case 1:
        add_str(s, names[prop_one_in(r, 2) ? 0 : prop_below(r, 8)]);
        add_cl_value(r, s);
        break;
    case 2: {
        const char *o = other[prop_below(r, 9)];

        add(s, o, !strcmp(o, "X: a") ? 6 : *o ? strlen(o) : 1);
        break;
    }
    case 3:
        /* random bytes, CRs and NULs among them */
        for (n = prop_below(r, 40); n; n--) {
            unsigned char c = (unsigned char)(prop_one_in(r, 8) ? '\r'
                                              : prop_one_in(r, 50) ? 0
                                              : 0x20 + prop_below(r, 0x5f));
            add(s, &c, 1);
        }
        break;
    default:
        add_str(s, apr_psprintf(pool, "X-H%d: %s", (int)prop_below(r, 100),
                                "value"));
        break;
    }
    add_str(s, some_eol(r));
}

static void test_head_random_blocks(void **state)
{
    const apr_uint64_t seed = 4;
    prop_rng_t r = { seed };
    int i, k;

    for (i = 0; i < 20000; i++) {
        fcgi_prop_head_t o;
        stream_t s;

        apr_pool_clear(pool);
        memset(&s, 0, sizeof(s));
        last_cl = NULL;
        for (k = (int)prop_below(&r, 8); k > 0; k--) {
            add_line(&r, &s);
        }
        if (!prop_one_in(&r, 8)) {
            add_str(&s, some_eol(&r));      /* the blank line */
            add_str(&s, prop_one_in(&r, 2) ? "body\n\nmore" : "\r\n");
        }
        check_ok(fcgi_prop_head(s.b, s.len, prop_next(&r), &o), "header block",
                 seed, i, s.b, s.len);
    }
}

/* Lines and blocks at their limits, CRs in them or not. */
static void test_head_limits_random(void **state)
{
    const apr_uint64_t seed = 5;
    prop_rng_t r = { seed };
    int i;

    for (i = 0; i < 300; i++) {
        fcgi_prop_head_t o;
        apr_size_t n, crs;
        stream_t s;

        apr_pool_clear(pool);
        memset(&s, 0, sizeof(s));
        if (prop_one_in(&r, 2)) {
            /* one line of about the longest length */
            n = PA_FCGI_HEAD_LINE_MAX - 2 + prop_below(&r, 5);
            crs = prop_one_in(&r, 2) ? prop_below(&r, 4) : 0;
            add_str(&s, "X:");
            for (n -= 2; n; n--) {
                add_str(&s, "v");
                if (crs && prop_one_in(&r, 2000)) {
                    add_str(&s, "\r");
                    crs--;
                }
            }
            add_str(&s, some_eol(&r));
        }
        else {
            /* lines that end about the largest block */
            apr_size_t want = PA_FCGI_HEAD_MAX - 40 + prop_below(&r, 80);

            while (s.len + 8 < want) {
                apr_size_t len = 1 + prop_below(&r, 4000);

                if (len > want - s.len - 8) {
                    len = want - s.len - 8;
                }
                room(&s, len + 2);
                memset(s.b + s.len, 'h', len);
                s.len += len;
                add_str(&s, "\n");
            }
        }
        add_str(&s, some_eol(&r));
        add_str(&s, "body");
        check_ok(fcgi_prop_head(s.b, s.len, prop_next(&r), &o), "long header",
                 seed, i, s.b, s.len);
    }
}

/* ---- name-value pairs --------------------------------------------------- */

/* The FastCGI length: one byte below 128, else four with the top bit. */
static apr_size_t ref_len(const unsigned char **p)
{
    apr_size_t n = (*p)[0];

    if (n < 0x80) {
        *p += 1;
        return n;
    }
    n = ((apr_size_t)(n & 0x7f) << 24) | ((apr_size_t)(*p)[1] << 16)
        | ((apr_size_t)(*p)[2] << 8) | (*p)[3];
    *p += 4;
    return n;
}

static apr_size_t some_pair_len(prop_rng_t *r)
{
    static const apr_size_t edges[] = {
        0, 1, 126, 127, 128, 129, 255, 256, 65535, 65536, 1 << 20
    };

    return prop_one_in(r, 2) ? edges[prop_below(r, 11)]
                             : prop_below(r, prop_one_in(r, 4) ? 70000 : 300);
}

static void test_pairs_random(void **state)
{
    prop_rng_t r = { 6 };
    int i;

    for (i = 0; i < 3000; i++) {
        apr_size_t nl = some_pair_len(&r), vl = some_pair_len(&r), k;
        apr_size_t want = (nl < 128 ? 1 : 4) + (vl < 128 ? 1 : 4) + nl + vl;
        char *name = malloc(nl + 1), *val = malloc(vl + 1);
        unsigned char *buf, *end;
        const unsigned char *p;

        for (k = 0; k < nl; k++) {
            name[k] = (char)prop_next(&r);
        }
        for (k = 0; k < vl; k++) {
            val[k] = (char)prop_next(&r);
        }
        assert_int_equal(pa_fcgi_pair_len(nl, vl), want);
        buf = malloc(want);             /* exactly: a byte more is caught */
        end = pa_fcgi_pair_put(buf, name, nl, val, vl);
        assert_ptr_equal(end, buf + want);
        p = buf;
        assert_int_equal(ref_len(&p), nl);
        assert_int_equal(ref_len(&p), vl);
        assert_memory_equal(p, name, nl);
        assert_memory_equal(p + nl, val, vl);
        free(buf);
        free(name);
        free(val);
    }
}

/* A whole BEGIN + PARAMS buffer, read back: every pair that fits a record
 * is there, whole, in order; the others are counted as dropped. */
static void test_build_begin_random(void **state)
{
    prop_rng_t r = { 7 };
    int i, j;

    for (i = 0; i < 400; i++) {
        apr_table_t *env;
        int n = (int)prop_below(&r, 40), dropped = -1, want_dropped = 0;
        int role = prop_one_in(&r, 2) ? PA_FCGI_RESPONDER : PA_FCGI_AUTHORIZER;
        int flags = (int)prop_below(&r, 2), k, nrec = 0;
        apr_size_t prev = 0, last_clen = 0;
        apr_uint16_t id = some_id(&r);
        const apr_table_entry_t *e;
        const unsigned char *p, *end;
        apr_size_t len;
        char *buf, *copy;

        apr_pool_clear(pool);
        env = apr_table_make(pool, 8);
        for (j = 0; j < n; j++) {
            apr_size_t kl = 1 + (prop_one_in(&r, 8) ? some_pair_len(&r)
                                                    : prop_below(&r, 30));
            apr_size_t vl = some_pair_len(&r);
            char *key = apr_palloc(pool, kl + 1), *val = NULL;
            apr_size_t x;

            if (prop_one_in(&r, 10)) {
                /* a pair of exactly the most a record holds, or one more */
                kl = 1 + prop_below(&r, 200);
                vl = PA_FCGI_MAX_CONTENT - 1 - 4 - kl + prop_below(&r, 2);
                if (kl >= 128) {
                    vl -= 3;
                }
                key = apr_palloc(pool, kl + 1);
            }
            else if (prev && prop_one_in(&r, 4)) {
                /* with the pair before, a record's worth, give or take */
                apr_size_t rest = PA_FCGI_MAX_CONTENT + 1 - prop_below(&r, 3);

                kl = 1 + prop_below(&r, 50);
                rest = rest > prev + kl + 2 ? rest - prev - kl - 2 : 0;
                vl = rest < 128 ? rest : rest - 3;
                key = apr_palloc(pool, kl + 1);
            }
            for (x = 0; x < kl; x++) {
                key[x] = (char)(1 + prop_below(&r, 255));
            }
            key[kl] = '\0';
            if (!prop_one_in(&r, 10)) {
                val = apr_palloc(pool, vl + 1);
                for (x = 0; x < vl; x++) {
                    val[x] = (char)(1 + prop_below(&r, 255));
                }
                val[vl] = '\0';
            }
            apr_table_addn(env, key, val);
            prev = pa_fcgi_pair_len(kl, val ? vl : 0);
        }
        /* a NULL key now and then: skipped, as fcgi.h says */
        if (n && prop_one_in(&r, 8)) {
            ((apr_table_entry_t *)apr_table_elts(env)->elts)
                [prop_below(&r, (apr_size_t)n)].key = NULL;
        }
        buf = pa_fcgi_build_begin(pool, id, role, flags, env, &len, &dropped);
        copy = apr_pmemdup(pool, buf, len);

        p = (const unsigned char *)buf;
        end = p + len;
        assert_true(len >= 8 + 8 + 8);
        assert_int_equal(p[0], 1);
        assert_int_equal(p[1], PA_FCGI_BEGIN_REQUEST);
        assert_int_equal((p[2] << 8) | p[3], id);
        assert_int_equal((p[4] << 8) | p[5], 8);
        assert_int_equal(p[6], 0);
        assert_int_equal((p[8] << 8) | p[9], role);
        assert_int_equal(p[10], flags);
        assert_memory_equal(p + 11, "\0\0\0\0\0", 5);
        p += 16;

        e = (const apr_table_entry_t *)apr_table_elts(env)->elts;
        k = 0;
        for (;;) {
            apr_size_t clen;
            const unsigned char *rend;

            assert_true(p + 8 <= end);
            assert_int_equal(p[0], 1);
            assert_int_equal(p[1], PA_FCGI_PARAMS);
            assert_int_equal((p[2] << 8) | p[3], id);
            assert_int_equal(p[6], 0);
            clen = ((apr_size_t)p[4] << 8) | p[5];
            p += 8;
            rend = p + clen;
            assert_true(rend <= end);
            if (!clen) {
                break;          /* the end of the stream: the last record */
            }
            nrec++;
            while (p < rend) {
                const unsigned char *pair = p;
                apr_size_t nl = ref_len(&p), vl;

                assert_true(p <= rend);
                vl = ref_len(&p);
                assert_true(p + nl + vl <= rend);   /* never split */
                if (pair == rend - clen && nrec > 1) {
                    /* packed: a record ends where the next pair does not
                     * fit (the builder sized its buffer so) */
                    assert_true(last_clen + (apr_size_t)(p - pair) + nl + vl
                                > PA_FCGI_MAX_CONTENT);
                }
                /* the next pair the builder keeps */
                for (; k < n; k++) {
                    apr_size_t kl, xl;

                    if (!e[k].key) {
                        continue;
                    }
                    kl = strlen(e[k].key);
                    xl = e[k].val ? strlen(e[k].val) : 0;
                    if (pa_fcgi_pair_len(kl, xl) <= PA_FCGI_MAX_CONTENT) {
                        break;
                    }
                }
                assert_true(k < n);
                assert_int_equal(nl, strlen(e[k].key));
                assert_memory_equal(p, e[k].key, nl);
                assert_int_equal(vl, e[k].val ? strlen(e[k].val) : 0);
                assert_memory_equal(p + nl, e[k].val ? e[k].val : "", vl);
                p += nl + vl;
                k++;
            }
            last_clen = clen;
        }
        assert_ptr_equal(p, end);
        for (; k < n; k++) {
            if (e[k].key
                && pa_fcgi_pair_len(strlen(e[k].key),
                                    e[k].val ? strlen(e[k].val) : 0)
                   <= PA_FCGI_MAX_CONTENT) {
                fail_msg("pair %d is missing", k);
            }
        }
        for (k = 0; k < n; k++) {
            want_dropped += e[k].key
                && pa_fcgi_pair_len(strlen(e[k].key),
                                    e[k].val ? strlen(e[k].val) : 0)
                   > PA_FCGI_MAX_CONTENT;
        }
        assert_int_equal(dropped, want_dropped);

        /* Another id: in every record header, nothing else changed. */
        pa_fcgi_set_request_id(buf, len, (apr_uint16_t)(id ^ 0x5a5a));
        for (p = (const unsigned char *)buf; p < end;
             p += 8 + (((apr_size_t)p[4] << 8) | p[5]) + p[6]) {
            apr_size_t at = (apr_size_t)(p - (const unsigned char *)buf);

            assert_int_equal((p[2] << 8) | p[3], (apr_uint16_t)(id ^ 0x5a5a));
            assert_memory_equal(p, copy + at, 2);
            assert_memory_equal(p + 4, copy + at + 4,
                                4 + (((apr_size_t)p[4] << 8) | p[5]) + p[6]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid_streams),
        cmocka_unit_test(test_parse_mutated_streams),
        cmocka_unit_test(test_parse_random_bytes),
        cmocka_unit_test(test_head_random_blocks),
        cmocka_unit_test(test_head_limits_random),
        cmocka_unit_test(test_pairs_random),
        cmocka_unit_test(test_build_begin_random),
    };

    apr_initialize();
    return cmocka_run_group_tests(tests, setup, teardown);
}
