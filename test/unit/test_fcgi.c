/* Unit tests of the FastCGI and SCGI client protocol code
 * (mod_prefork_app/fcgi.c, scgi.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "apr_strings.h"
#include "fcgi.h"
#include "scgi.h"

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

/* ---- helpers: a tiny reference decoder of what the client sends ---------- */

typedef struct rec_t {
    int version, type, id;
    apr_size_t clen, plen;
    const unsigned char *content;
} rec_t;

static apr_size_t rec_get(const unsigned char *p, apr_size_t avail, rec_t *r)
{
    assert_true(avail >= PA_FCGI_HEADER_LEN);
    r->version = p[0];
    r->type = p[1];
    r->id = (p[2] << 8) | p[3];
    r->clen = ((apr_size_t)p[4] << 8) | p[5];
    r->plen = p[6];
    r->content = p + PA_FCGI_HEADER_LEN;
    assert_true(avail >= PA_FCGI_HEADER_LEN + r->clen + r->plen);
    return PA_FCGI_HEADER_LEN + r->clen + r->plen;
}

static apr_size_t len_get(const unsigned char **p)
{
    apr_size_t n = **p;

    if (n & 0x80) {
        n = ((apr_size_t)((*p)[0] & 0x7f) << 24) | ((apr_size_t)(*p)[1] << 16)
            | ((apr_size_t)(*p)[2] << 8) | (*p)[3];
        *p += 4;
    }
    else {
        *p += 1;
    }
    return n;
}

/* Decode every pair of one PARAMS record into t; pairs must not overrun. */
static void pairs_get(const rec_t *r, apr_table_t *t)
{
    const unsigned char *p = r->content, *end = r->content + r->clen;

    while (p < end) {
        apr_size_t nl = len_get(&p);
        apr_size_t vl = len_get(&p);

        assert_true(p + nl + vl <= end);
        apr_table_addn(t, apr_pstrmemdup(pool, (const char *)p, nl),
                       apr_pstrmemdup(pool, (const char *)p + nl, vl));
        p += nl + vl;
    }
}

/* Decode a whole BEGIN + PARAMS buffer; returns the variables. */
static apr_table_t *begin_get(const char *buf, apr_size_t len, int *nrecords)
{
    const unsigned char *p = (const unsigned char *)buf;
    apr_table_t *t = apr_table_make(pool, 8);
    rec_t r;
    apr_size_t n;

    n = rec_get(p, len, &r);
    assert_int_equal(r.version, 1);
    assert_int_equal(r.type, PA_FCGI_BEGIN_REQUEST);
    assert_int_equal(r.id, 1);
    assert_int_equal(r.clen, 8);
    assert_int_equal(r.content[0], 0);
    assert_int_equal(r.content[1], PA_FCGI_RESPONDER);
    p += n;
    len -= n;
    *nrecords = 0;
    for (;;) {
        n = rec_get(p, len, &r);
        assert_int_equal(r.type, PA_FCGI_PARAMS);
        assert_int_equal(r.id, 1);
        p += n;
        len -= n;
        if (r.clen == 0) {
            break;
        }
        ++*nrecords;
        pairs_get(&r, t);
    }
    assert_int_equal(len, 0);
    return t;
}

static char *filled(apr_size_t n, char c)
{
    char *s = apr_palloc(pool, n + 1);

    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- encoding --------------------------------------------------------------- */

static void test_header_put(void **state)
{
    unsigned char h[8];
    static const unsigned char want[8] = { 1, 6, 0x12, 0x34, 0xff, 0xfe, 7, 0 };

    pa_fcgi_header_put(h, PA_FCGI_STDOUT, 0x1234, 0xfffe, 7);
    assert_memory_equal(h, want, 8);
}

static void test_pair_lengths(void **state)
{
    unsigned char buf[300], *end;
    const unsigned char *p = buf;
    char *v127 = filled(127, 'a'), *v128 = filled(128, 'b');

    assert_int_equal(pa_fcgi_pair_len(1, 127), 1 + 1 + 1 + 127);
    assert_int_equal(pa_fcgi_pair_len(1, 128), 1 + 4 + 1 + 128);
    assert_int_equal(pa_fcgi_pair_len(128, 0), 4 + 1 + 128);
    assert_int_equal(pa_fcgi_pair_len(70000, 70000), 4 + 4 + 140000);

    end = pa_fcgi_pair_put(buf, "A", 1, v127, 127);
    assert_int_equal(end - buf, 130);
    assert_int_equal(len_get(&p), 1);
    assert_int_equal(len_get(&p), 127);
    assert_memory_equal(p, "A", 1);

    p = buf;
    end = pa_fcgi_pair_put(buf, "B", 1, v128, 128);
    assert_int_equal(end - buf, 134);
    assert_int_equal(buf[1], 0x80);         /* four-byte form, high bit */
    assert_int_equal(len_get(&p), 1);
    assert_int_equal(len_get(&p), 128);
    assert_memory_equal(p + 1, v128, 128);
}

static void test_build_begin_small(void **state)
{
    apr_table_t *env = apr_table_make(pool, 4);
    apr_table_t *got;
    apr_size_t len;
    int dropped, nrec;
    char *buf;

    apr_table_setn(env, "REQUEST_METHOD", "GET");
    apr_table_setn(env, "QUERY_STRING", "");
    apr_table_setn(env, "LONG", filled(300, 'x'));
    buf = pa_fcgi_build_begin(pool, 1, PA_FCGI_RESPONDER, PA_FCGI_KEEP_CONN, env, &len, &dropped);
    assert_int_equal(dropped, 0);
    assert_int_equal(((unsigned char *)buf)[8 + 2], PA_FCGI_KEEP_CONN);
    got = begin_get(buf, len, &nrec);
    assert_int_equal(nrec, 1);
    assert_string_equal(apr_table_get(got, "REQUEST_METHOD"), "GET");
    assert_string_equal(apr_table_get(got, "QUERY_STRING"), "");
    assert_string_equal(apr_table_get(got, "LONG"), filled(300, 'x'));
    assert_int_equal(apr_table_elts(got)->nelts, 3);
}

static void test_build_begin_empty(void **state)
{
    apr_table_t *env = apr_table_make(pool, 1);
    apr_size_t len;
    int dropped, nrec;
    char *buf;

    buf = pa_fcgi_build_begin(pool, 1, PA_FCGI_RESPONDER, 0, env, &len, &dropped);
    assert_int_equal(len, 16 + 8);
    assert_int_equal(((unsigned char *)buf)[8 + 1], PA_FCGI_RESPONDER);
    begin_get(buf, len, &nrec);
    assert_int_equal(nrec, 0);
    /* PreforkAppAuthorizer's requests: the role is the caller's. */
    buf = pa_fcgi_build_begin(pool, 1, PA_FCGI_AUTHORIZER, 0, env, &len,
                              &dropped);
    assert_int_equal(((unsigned char *)buf)[8 + 0], 0);
    assert_int_equal(((unsigned char *)buf)[8 + 1], PA_FCGI_AUTHORIZER);
}

/* More than one record's worth: split between pairs, never inside one; a
 * pair too big for any record is dropped and counted. */
static void test_build_begin_split(void **state)
{
    apr_table_t *env = apr_table_make(pool, 64);
    apr_table_t *got;
    apr_size_t len;
    int dropped, nrec, i;
    char *buf;

    for (i = 0; i < 40; i++) {
        apr_table_setn(env, apr_psprintf(pool, "HTTP_X_%d", i),
                       filled(4000 + i, (char)('a' + i % 26)));
    }
    apr_table_setn(env, "HUGE", filled(70000, 'h'));
    apr_table_setn(env, "AFTER", "1");
    buf = pa_fcgi_build_begin(pool, 1, PA_FCGI_RESPONDER, 0, env, &len, &dropped);
    assert_int_equal(dropped, 1);
    got = begin_get(buf, len, &nrec);
    assert_true(nrec >= 3);
    assert_int_equal(apr_table_elts(got)->nelts, 41);
    for (i = 0; i < 40; i++) {
        assert_string_equal(apr_table_get(got, apr_psprintf(pool, "HTTP_X_%d", i)),
                            filled(4000 + i, (char)('a' + i % 26)));
    }
    assert_null(apr_table_get(got, "HUGE"));
    assert_string_equal(apr_table_get(got, "AFTER"), "1");
}

/* ---- reply parser ----------------------------------------------------------- */

/* Append one record (content + padding of pad zero bytes) to a buffer. */
static apr_size_t put_rec(unsigned char *p, int type, int id, const char *c,
                          apr_size_t clen, int pad)
{
    pa_fcgi_header_put(p, type, (apr_uint16_t)id, (apr_uint16_t)clen,
                       (unsigned char)pad);
    memcpy(p + 8, c, clen);
    memset(p + 8 + clen, 0, pad);
    return 8 + clen + pad;
}

static apr_size_t put_end(unsigned char *p, int id, apr_uint32_t app_status,
                          int proto)
{
    char b[8] = { 0 };

    b[0] = (char)(app_status >> 24);
    b[1] = (char)(app_status >> 16);
    b[2] = (char)(app_status >> 8);
    b[3] = (char)app_status;
    b[4] = (char)proto;
    return put_rec(p, PA_FCGI_END_REQUEST, id, b, 8, 0);
}

typedef struct collected_t {
    char out[4096];
    apr_size_t out_len;
    char err[4096];
    apr_size_t err_len;
    pa_fcgi_event_e last;
} collected_t;

/* Feed buf in pieces of step bytes; collect everything until END/ERROR or
 * the input runs out. */
static void feed(pa_fcgi_parser_t *ps, const unsigned char *buf,
                 apr_size_t len, apr_size_t step, collected_t *c)
{
    apr_size_t off = 0;

    memset(c, 0, sizeof(*c));
    while (off < len) {
        apr_size_t n = len - off < step ? len - off : step;
        const char *in = (const char *)buf + off;
        apr_size_t left = n;
        pa_fcgi_event_e ev;

        do {
            const char *data = NULL;
            apr_size_t dlen = 0;

            ev = pa_fcgi_parse(ps, &in, &left, &data, &dlen);
            if (ev == PA_FCGI_EV_STDOUT) {
                memcpy(c->out + c->out_len, data, dlen);
                c->out_len += dlen;
            }
            else if (ev == PA_FCGI_EV_STDERR) {
                memcpy(c->err + c->err_len, data, dlen);
                c->err_len += dlen;
            }
            c->last = ev;
        } while (ev == PA_FCGI_EV_STDOUT || ev == PA_FCGI_EV_STDERR);
        off += n - left;
        if (ev == PA_FCGI_EV_END || ev == PA_FCGI_EV_ERROR) {
            return;
        }
    }
}

static apr_size_t good_reply(unsigned char *b)
{
    apr_size_t n = 0;

    n += put_rec(b + n, PA_FCGI_STDOUT, 1, "Status: 201\r\n", 13, 3);
    n += put_rec(b + n, PA_FCGI_STDERR, 1, "oops\n", 5, 0);
    n += put_rec(b + n, PA_FCGI_STDOUT, 1, "\r\nbody", 6, 2);
    n += put_rec(b + n, PA_FCGI_STDERR, 1, "", 0, 0);
    n += put_rec(b + n, PA_FCGI_STDOUT, 1, "", 0, 0);
    n += put_end(b + n, 1, 0x01020304, PA_FCGI_REQUEST_COMPLETE);
    return n;
}

static void test_parse_whole_and_bytewise(void **state)
{
    unsigned char b[512];
    apr_size_t n = good_reply(b), step;

    for (step = 1; step <= n; step = step < 9 ? step + 1 : n) {
        pa_fcgi_parser_t ps;
        collected_t c;

        pa_fcgi_parser_init(&ps, 1);
        feed(&ps, b, n, step, &c);
        assert_int_equal(c.last, PA_FCGI_EV_END);
        assert_int_equal(c.out_len, 19);
        assert_memory_equal(c.out, "Status: 201\r\n\r\nbody", 19);
        assert_int_equal(c.err_len, 5);
        assert_memory_equal(c.err, "oops\n", 5);
        assert_int_equal(ps.app_status, 0x01020304);
        assert_int_equal(ps.protocol_status, PA_FCGI_REQUEST_COMPLETE);
        if (step == n) {
            break;
        }
    }
}

static void test_parse_end_is_sticky(void **state)
{
    unsigned char b[64];
    apr_size_t n = put_end(b, 1, 0, PA_FCGI_OVERLOADED);
    pa_fcgi_parser_t ps;
    const char *in = (const char *)b, *data;
    apr_size_t len = n, dlen;

    pa_fcgi_parser_init(&ps, 1);
    assert_int_equal(pa_fcgi_parse(&ps, &in, &len, &data, &dlen), PA_FCGI_EV_END);
    assert_int_equal(ps.protocol_status, PA_FCGI_OVERLOADED);
    assert_int_equal(pa_fcgi_parse(&ps, &in, &len, &data, &dlen), PA_FCGI_EV_END);
}

static void expect_error(const unsigned char *b, apr_size_t n, const char *what)
{
    pa_fcgi_parser_t ps;
    collected_t c;

    pa_fcgi_parser_init(&ps, 1);
    feed(&ps, b, n, n, &c);
    assert_int_equal(c.last, PA_FCGI_EV_ERROR);
    assert_non_null(strstr(ps.error, what));
    assert_string_equal(pa_fcgi_parser_eof_reason(&ps), ps.error);
}

static void test_parse_errors(void **state)
{
    unsigned char b[64];
    apr_size_t n;

    n = put_rec(b, PA_FCGI_STDOUT, 1, "x", 1, 0);
    b[0] = 2;
    expect_error(b, n, "bad record version 2 (expected 1)");

    /* A program that answers in CGI or HTTP: said so. */
    expect_error((const unsigned char *)"HTTP/1.1 200 OK\r\n\r\n", 19,
                 "bad record version 72: the reply is text (\"HTTP/1.1\"), "
                 "not FastCGI");
    expect_error((const unsigned char *)"Status: 200\r\n\r\n", 15,
                 "the reply is text (\"Status: \")");

    n = put_rec(b, 10, 0, "x", 1, 0);      /* FCGI_GET_VALUES_RESULT */
    expect_error(b, n, "unexpected record type 10");

    n = put_rec(b, PA_FCGI_STDOUT, 7, "x", 1, 0);
    expect_error(b, n, "request id 7 (expected 1)");

    n = put_rec(b, PA_FCGI_END_REQUEST, 1, "abc", 3, 0);
    expect_error(b, n, "FCGI_END_REQUEST of 3 bytes");

    /* Data before a bad header is still delivered first. */
    n = put_rec(b, PA_FCGI_STDOUT, 1, "ok", 2, 0);
    memcpy(b + n, "GARBAGE!", 8);
    {
        pa_fcgi_parser_t ps;
        collected_t c;

        pa_fcgi_parser_init(&ps, 1);
        feed(&ps, b, n + 8, n + 8, &c);
        assert_int_equal(c.out_len, 2);
        assert_int_equal(c.last, PA_FCGI_EV_ERROR);
    }
}

/* A reply to one of the last few request ids before ours, before any record
 * of ours, is a stale one (the connection is out of step); any other wrong id
 * is just wrong. */
static void test_parse_stale(void **state)
{
    unsigned char b[128];
    apr_size_t n;
    pa_fcgi_parser_t ps;
    collected_t c;
    static const struct { int ours, theirs, stale; } cases[] = {
        { 5, 4, 1 }, { 5, 1, 1 }, { 20, 4, 1 }, { 1, 65535, 1 }, { 2, 65535, 1 },
        { 5, 6, 0 }, { 21, 4, 0 }, { 1, 2, 0 }, { 5, 0, 0 }
    };
    int i;

    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
        n = put_rec(b, PA_FCGI_STDOUT, cases[i].theirs, "late", 4, 0);
        pa_fcgi_parser_init(&ps, (apr_uint16_t)cases[i].ours);
        feed(&ps, b, n, n, &c);
        assert_int_equal(c.last, PA_FCGI_EV_ERROR);
        assert_int_equal(ps.stale, cases[i].stale);
        assert_non_null(strstr(ps.error, cases[i].stale ? "an earlier request"
                                                         : "record for request id"));
    }
    /* After a record of ours, an old id is damage, not a stale reply. */
    n = put_rec(b, PA_FCGI_STDOUT, 5, "ok", 2, 0);
    n += put_rec(b + n, PA_FCGI_STDOUT, 4, "late", 4, 0);
    pa_fcgi_parser_init(&ps, 5);
    feed(&ps, b, n, n, &c);
    assert_int_equal(c.last, PA_FCGI_EV_ERROR);
    assert_false(ps.stale);
}

/* On a connection's first request, a reply for id 1 is an app that answers
 * every request with 1: taken as ours (and said); any other id is not. */
static void test_parse_one_ok(void **state)
{
    unsigned char b[128];
    apr_size_t n;
    pa_fcgi_parser_t ps;
    collected_t c;

    n = put_rec(b, PA_FCGI_STDOUT, 1, "ok", 2, 0);
    n += put_end(b + n, 1, 0, PA_FCGI_REQUEST_COMPLETE);
    pa_fcgi_parser_init(&ps, 2);
    ps.one_ok = 1;
    feed(&ps, b, n, 1, &c);
    assert_int_equal(c.last, PA_FCGI_EV_END);
    assert_true(ps.adopted);
    assert_memory_equal(c.out, "ok", 2);

    pa_fcgi_parser_init(&ps, 2);            /* not a first request */
    feed(&ps, b, n, n, &c);
    assert_int_equal(c.last, PA_FCGI_EV_ERROR);
    assert_true(ps.stale);

    n = put_rec(b, PA_FCGI_STDOUT, 3, "ok", 2, 0);
    pa_fcgi_parser_init(&ps, 2);            /* only 1 is taken */
    ps.one_ok = 1;
    feed(&ps, b, n, n, &c);
    assert_int_equal(c.last, PA_FCGI_EV_ERROR);
    assert_false(ps.adopted);
}

/* Every record of a request built with id 1 gets the id asked for. */
static void test_set_request_id(void **state)
{
    apr_table_t *env = apr_table_make(pool, 64);
    apr_size_t len, off = 0;
    int dropped, i, nrec = 0;
    char *buf;

    for (i = 0; i < 40; i++) {
        apr_table_setn(env, apr_psprintf(pool, "HTTP_X_%d", i), filled(4000, 'v'));
    }
    buf = pa_fcgi_build_begin(pool, 1, PA_FCGI_RESPONDER, PA_FCGI_KEEP_CONN, env, &len, &dropped);
    pa_fcgi_set_request_id(buf, len, 0x1234);
    while (off < len) {
        const unsigned char *h = (const unsigned char *)buf + off;

        assert_int_equal((h[2] << 8) | h[3], 0x1234);
        off += 8 + (((apr_size_t)h[4] << 8) | h[5]) + h[6];
        nrec++;
    }
    assert_int_equal(off, len);
    assert_true(nrec >= 4);             /* BEGIN, PARAMS..., the empty PARAMS */
    /* Nothing else changed: set back to 1, it reads as built. */
    pa_fcgi_set_request_id(buf, len, 1);
    assert_int_equal(apr_table_elts(begin_get(buf, len, &i))->nelts, 40);
}

static void test_parse_eof_reasons(void **state)
{
    unsigned char b[64];
    apr_size_t n = put_rec(b, PA_FCGI_STDOUT, 1, "hello", 5, 3);
    pa_fcgi_parser_t ps;
    collected_t c;

    pa_fcgi_parser_init(&ps, 1);
    assert_non_null(strstr(pa_fcgi_parser_eof_reason(&ps), "before FCGI_END_REQUEST"));
    feed(&ps, b, 4, 4, &c);
    assert_non_null(strstr(pa_fcgi_parser_eof_reason(&ps), "record header"));

    pa_fcgi_parser_init(&ps, 1);
    feed(&ps, b, 10, 10, &c);
    assert_int_equal(c.last, PA_FCGI_EV_MORE);
    assert_int_equal(c.out_len, 2);
    assert_non_null(strstr(pa_fcgi_parser_eof_reason(&ps), "content"));

    pa_fcgi_parser_init(&ps, 1);
    feed(&ps, b, n - 1, n - 1, &c);
    assert_non_null(strstr(pa_fcgi_parser_eof_reason(&ps), "padding"));

    pa_fcgi_parser_init(&ps, 1);
    feed(&ps, b, n, n, &c);
    assert_non_null(strstr(pa_fcgi_parser_eof_reason(&ps), "before FCGI_END_REQUEST"));
}

/* ---- CGI header block ------------------------------------------------------ */

static void test_head_scan(void **state)
{
    pa_fcgi_head_t h;
    apr_size_t used;
    static const char lf[] = "Content-Type: a\nX: y\n\nbody";
    static const char crlf[] = "Content-Type: a\r\n\r\nbody";

    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, lf, strlen(lf), &used), PA_FCGI_HEAD_DONE);
    assert_int_equal(used, strlen(lf) - 4);

    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, crlf, strlen(crlf), &used), PA_FCGI_HEAD_DONE);
    assert_int_equal(used, strlen(crlf) - 4);

    /* Split anywhere, including between CR and LF. */
    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, "A: b\r", 5, &used), PA_FCGI_HEAD_MORE);
    assert_int_equal(used, 5);
    assert_int_equal(pa_fcgi_head_scan(&h, "\n", 1, &used), PA_FCGI_HEAD_MORE);
    assert_int_equal(pa_fcgi_head_scan(&h, "\r", 1, &used), PA_FCGI_HEAD_MORE);
    assert_int_equal(pa_fcgi_head_scan(&h, "\nX", 2, &used), PA_FCGI_HEAD_DONE);
    assert_int_equal(used, 1);

    /* A blank first line: no headers at all, as httpd reads it. */
    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, "\r\nbody", 6, &used), PA_FCGI_HEAD_DONE);
    assert_int_equal(used, 2);

    /* "\n\r\n" is a header line then a blank line too. */
    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, "A: b\n\r\n", 7, &used), PA_FCGI_HEAD_DONE);
    assert_int_equal(used, 7);
}

/* head_conflict(text): scanned one byte at a time (any split must do), is
 * a Content-Length conflict noted? */
static int head_conflict(const char *text)
{
    pa_fcgi_head_t h;
    apr_size_t used, i;

    pa_fcgi_head_init(&h);
    for (i = 0; text[i]; i++) {
        if (pa_fcgi_head_scan(&h, text + i, 1, &used) != PA_FCGI_HEAD_MORE) {
            break;
        }
    }
    return h.cl_conflict;
}

static void test_head_content_length(void **state)
{
    /* Repeated with the same value, or a single one: fine. */
    assert_false(head_conflict("Content-Length: 5\r\n\r\nhello"));
    assert_false(head_conflict("Content-Length: 5\r\ncontent-length:5\r\n\r\n"));
    /* Another header that merely starts alike, or mentions it. */
    assert_false(head_conflict("Content-Length: 5\nContent-Lengthy: 6\n"
                               "X: Content-Length: 7\n\n"));
    /* Different values, in any case and spacing, CRs ignored as httpd does. */
    assert_true(head_conflict("Content-Length: 5\r\nCONTENT-LENGTH: 50\r\n\r\n"));
    assert_true(head_conflict("content-length:\t5\nX: y\nContent-Le\rngth: 6\n\n"));
    /* The same number: blanks after it are not part of it, nor leading
     * zeros. */
    assert_false(head_conflict("Content-Length: 5\nContent-Length: 5 \t\n\n"));
    assert_false(head_conflict("Content-Length: 005\r\nContent-Length: 5\r\n\r\n"));
    assert_false(head_conflict("Content-Length: 0\nContent-Length: 00\n\n"));
    assert_true(head_conflict("Content-Length: 5\nContent-Length: 50 \n\n"));
    assert_true(head_conflict("Content-Length: 5\nContent-Length: 5 5\n\n"));
    assert_true(head_conflict("Content-Length: 5\nContent-Length: 0 5\n\n"));
    assert_true(head_conflict("Content-Length: 0\nContent-Length: 00 0\n\n"));
    /* However many of them. */
    assert_false(head_conflict("Content-Length: 3                                \n"
                               "Content-Length: 000000000000000000000000000003\n\n"));
    assert_false(head_conflict("Content-Length: 0000000000000000000000000000000\n"
                               "Content-Length: 0\n\n"));
    /* Too long to compare: two of them differ. */
    assert_true(head_conflict("Content-Length: 123456789012345678901234567890\n"
                              "Content-Length: 123456789012345678901234567890\n\n"));
    /* After the blank line it is body, not a header. */
    assert_false(head_conflict("Content-Length: 5\n\nContent-Length: 6\n"));
}

/* A NUL byte in a header line is noted; not in the body. */
static void test_head_nul(void **state)
{
    static const char nul_line[] = "X-A: 1\n\0\nX-B: 2\n\nbody";
    static const char nul_value[] = "X-A: 1\0z\n\n";
    static const char nul_body[] = "X-A: 1\n\nbo\0dy";
    pa_fcgi_head_t h;
    apr_size_t used;

    (void)state;
    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, nul_line, sizeof(nul_line) - 1, &used),
                     PA_FCGI_HEAD_DONE);
    assert_int_equal(used, sizeof("X-A: 1\n\0\nX-B: 2\n\n") - 1);
    assert_true(h.nul);
    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, nul_value, sizeof(nul_value) - 1, &used),
                     PA_FCGI_HEAD_DONE);
    assert_true(h.nul);
    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, nul_body, sizeof(nul_body) - 1, &used),
                     PA_FCGI_HEAD_DONE);
    assert_false(h.nul);
}

static void test_head_limits(void **state)
{
    pa_fcgi_head_t h;
    apr_size_t used, i;
    char *ok = apr_pstrcat(pool, "X: ", filled(PA_FCGI_HEAD_LINE_MAX - 3, 'v'),
                           "\r\n\r\n", NULL);
    char *bad = apr_pstrcat(pool, "X: ", filled(PA_FCGI_HEAD_LINE_MAX - 2, 'v'),
                            "\r\n\r\n", NULL);
    char *line = apr_pstrcat(pool, "X: ", filled(1000, 'v'), "\n", NULL);

    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, ok, strlen(ok), &used), PA_FCGI_HEAD_DONE);
    assert_int_equal(used, strlen(ok));

    pa_fcgi_head_init(&h);
    assert_int_equal(pa_fcgi_head_scan(&h, bad, strlen(bad), &used),
                     PA_FCGI_HEAD_LINE_TOO_LONG);

    /* Many acceptable lines, too many bytes in all. */
    pa_fcgi_head_init(&h);
    for (i = 0; i < PA_FCGI_HEAD_MAX / strlen(line); i++) {
        assert_int_equal(pa_fcgi_head_scan(&h, line, strlen(line), &used),
                         PA_FCGI_HEAD_MORE);
    }
    assert_int_equal(pa_fcgi_head_scan(&h, line, strlen(line), &used),
                     PA_FCGI_HEAD_TOO_LONG);
}

/* ---- SCGI ------------------------------------------------------------------ */

static void test_scgi_header_exact(void **state)
{
    static const char want[] = "52:CONTENT_LENGTH\0" "42\0SCGI\0" "1\0"
                               "REQUEST_METHOD\0POST\0EMPTY\0\0,";
    apr_table_t *env = apr_table_make(pool, 4);
    apr_size_t len;
    char *buf;

    apr_table_setn(env, "REQUEST_METHOD", "POST");
    apr_table_setn(env, "CONTENT_LENGTH", "7");     /* ours wins, sent once */
    apr_table_setn(env, "SCGI", "2");
    apr_table_setn(env, "EMPTY", "");
    buf = pa_scgi_build_header(pool, env, 42, &len);
    assert_int_equal(len, sizeof(want) - 1);
    assert_memory_equal(buf, want, len);
}

/* The netstring's length is the bytes between ':' and ','; every name and
 * value comes back in order, however long. */
static void test_scgi_header_roundtrip(void **state)
{
    apr_table_t *env = apr_table_make(pool, 64);
    apr_size_t len, n, i;
    char *buf, *colon, *p;
    int k;

    for (k = 0; k < 50; k++) {
        apr_table_setn(env, apr_psprintf(pool, "VAR_%d", k),
                       filled((apr_size_t)k * 97, 'a' + k % 26));
    }
    buf = pa_scgi_build_header(pool, env, 0, &len);
    colon = memchr(buf, ':', len);
    assert_non_null(colon);
    n = (apr_size_t)apr_atoi64(buf);
    assert_int_equal((apr_size_t)(colon - buf) + 1 + n + 1, len);
    assert_int_equal(buf[len - 1], ',');
    p = colon + 1;
    assert_string_equal(p, "CONTENT_LENGTH");
    assert_string_equal(p + 15, "0");
    p += 17 + 7;                                    /* past "SCGI\01\0" */
    for (i = 0; i < 50; i++) {
        assert_string_equal(p, apr_psprintf(pool, "VAR_%d", (int)i));
        p += strlen(p) + 1;
        assert_string_equal(p, filled(i * 97, 'a' + i % 26));
        p += strlen(p) + 1;
    }
    assert_ptr_equal(p, buf + len - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_put),
        cmocka_unit_test(test_pair_lengths),
        cmocka_unit_test(test_build_begin_small),
        cmocka_unit_test(test_build_begin_empty),
        cmocka_unit_test(test_build_begin_split),
        cmocka_unit_test(test_parse_whole_and_bytewise),
        cmocka_unit_test(test_parse_end_is_sticky),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_stale),
        cmocka_unit_test(test_parse_one_ok),
        cmocka_unit_test(test_set_request_id),
        cmocka_unit_test(test_parse_eof_reasons),
        cmocka_unit_test(test_head_scan),
        cmocka_unit_test(test_head_content_length),
        cmocka_unit_test(test_head_nul),
        cmocka_unit_test(test_head_limits),
        cmocka_unit_test(test_scgi_header_exact),
        cmocka_unit_test(test_scgi_header_roundtrip),
    };

    apr_initialize();
    return cmocka_run_group_tests(tests, setup, teardown);
}
