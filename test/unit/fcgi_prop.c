/* Property checks of fcgi.c's reply parser and header scanner: see
 * fcgi_prop.h. No cmocka here: libFuzzer links it too. */
#include "fcgi_prop.h"
#include "prop_rng.h"

#include "apr_strings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CUTS 64
#define BYTEWISE_MAX 2048       /* inputs fed a byte at a time too */

static char msg[1024];

static const char *fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return msg;
}

static void *grow(void *p, apr_size_t *cap, apr_size_t need)
{
    if (need > *cap) {
        *cap = need * 2 + 64;
        p = realloc(p, *cap);
        if (!p) {
            abort();
        }
    }
    return p;
}

/* ---- reply parser ------------------------------------------------------- */

static void add_data(fcgi_prop_outcome_t *o, int type, const void *data,
                     apr_size_t n)
{
    char kind = type == PA_FCGI_STDOUT ? 'O' : 'E';

    if (type == PA_FCGI_STDOUT) {
        o->out = grow(o->out, &o->out_cap, o->out_len + n);
        memcpy(o->out + o->out_len, data, n);
        o->out_len += n;
    }
    else {
        o->err = grow(o->err, &o->err_cap, o->err_len + n);
        memcpy(o->err + o->err_len, data, n);
        o->err_len += n;
    }
    if (!o->nruns || o->runs[o->nruns - 1] != kind) {
        o->runs = grow(o->runs, &o->runs_cap, o->nruns + 1);
        o->runs[o->nruns++] = kind;
    }
}

void fcgi_prop_outcome_free(fcgi_prop_outcome_t *o)
{
    free(o->out);
    free(o->err);
    free(o->runs);
    memset(o, 0, sizeof(*o));
}

/* Whether id is one of the 16 ids handed out just before ours (ids go
 * 1..65535, then 1 again; 0 is never a request's). */
static int ref_recent(apr_uint16_t ours, unsigned id)
{
    unsigned behind;

    if (id == 0 || ours == 0) {
        return 0;
    }
    behind = id < ours ? ours - id : ours + 65535u - id;
    return behind >= 1 && behind <= 16;
}

/* The reference: records read one after another from the whole input. */
static void ref_parse(const unsigned char *b, apr_size_t n, apr_uint16_t id,
                      int one_ok, fcgi_prop_outcome_t *o)
{
    apr_size_t p = 0;
    int ours = 0;

    for (;;) {
        const unsigned char *h = b + p;
        unsigned type, rid, i;
        apr_size_t clen, plen, avail;

        if (n - p < PA_FCGI_HEADER_LEN) {
            o->last = PA_FCGI_EV_MORE;
            o->eof_kind = p == n ? FCGI_PROP_EOF_BETWEEN : FCGI_PROP_EOF_HEADER;
            o->used = n;
            return;
        }
        p += PA_FCGI_HEADER_LEN;
        type = h[1];
        rid = ((unsigned)h[2] << 8) | h[3];
        clen = ((apr_size_t)h[4] << 8) | h[5];
        plen = h[6];
        o->last = PA_FCGI_EV_ERROR;
        o->used = p;
        if (h[0] != 1) {
            for (i = 0; i < 8 && h[i] >= 0x20 && h[i] <= 0x7e && h[i] != '"';
                 i++) {
            }
            o->error_kind = i == 8 && !ours ? FCGI_PROP_ERR_TEXT
                                            : FCGI_PROP_ERR_VERSION;
            return;
        }
        if (type != PA_FCGI_STDOUT && type != PA_FCGI_STDERR
            && type != PA_FCGI_END_REQUEST) {
            o->error_kind = FCGI_PROP_ERR_TYPE;
            return;
        }
        if (rid == 1 && rid != id && one_ok && !ours) {
            id = 1;
            o->adopted = 1;
        }
        if (rid != id) {
            o->stale = !ours && ref_recent(id, rid);
            o->error_kind = o->stale ? FCGI_PROP_ERR_STALE : FCGI_PROP_ERR_ID;
            return;
        }
        ours = 1;
        if (type == PA_FCGI_END_REQUEST && clen != 8) {
            o->error_kind = FCGI_PROP_ERR_END_LEN;
            return;
        }
        avail = n - p < clen ? n - p : clen;
        if (type == PA_FCGI_END_REQUEST) {
            if (avail < 8) {
                break;
            }
            o->last = PA_FCGI_EV_END;
            o->app_status = ((apr_uint32_t)b[p] << 24)
                            | ((apr_uint32_t)b[p + 1] << 16)
                            | ((apr_uint32_t)b[p + 2] << 8) | b[p + 3];
            o->protocol_status = b[p + 4];
            o->padding_left = plen;
            o->used = p + 8;
            return;
        }
        if (avail) {
            add_data(o, (int)type, b + p, avail);
        }
        p += avail;
        if (avail < clen) {
            break;
        }
        if (n - p < plen) {
            o->last = PA_FCGI_EV_MORE;
            o->eof_kind = FCGI_PROP_EOF_PADDING;
            o->used = n;
            return;
        }
        p += plen;
    }
    o->last = PA_FCGI_EV_MORE;
    o->eof_kind = FCGI_PROP_EOF_CONTENT;
    o->used = n;
}

static int error_kind(const char *e)
{
    if (!e) {
        return FCGI_PROP_ERR_OTHER;
    }
    if (strstr(e, "the reply is text")) {
        return FCGI_PROP_ERR_TEXT;
    }
    if (strstr(e, "bad record version")) {
        return FCGI_PROP_ERR_VERSION;
    }
    if (strstr(e, "unexpected record type")) {
        return FCGI_PROP_ERR_TYPE;
    }
    if (strstr(e, "a reply to an earlier request")) {
        return FCGI_PROP_ERR_STALE;
    }
    if (strstr(e, "record for request id")) {
        return FCGI_PROP_ERR_ID;
    }
    if (strstr(e, "FCGI_END_REQUEST of")) {
        return FCGI_PROP_ERR_END_LEN;
    }
    return FCGI_PROP_ERR_OTHER;
}

static int eof_kind(const char *e)
{
    if (!e) {
        return FCGI_PROP_EOF_OTHER;
    }
    if (strstr(e, "before FCGI_END_REQUEST")) {
        return FCGI_PROP_EOF_BETWEEN;
    }
    if (strstr(e, "record header")) {
        return FCGI_PROP_EOF_HEADER;
    }
    if (strstr(e, "record's content")) {
        return FCGI_PROP_EOF_CONTENT;
    }
    if (strstr(e, "record's padding")) {
        return FCGI_PROP_EOF_PADDING;
    }
    return FCGI_PROP_EOF_OTHER;
}

/* A copy of n bytes in a buffer of exactly that size. */
static char *piece_of(const unsigned char *b, apr_size_t n)
{
    char *p = malloc(n ? n : 1);

    if (!p) {
        abort();
    }
    if (n) {
        memcpy(p, b, n);
    }
    return p;
}

/* Calls the parser on one piece until it wants more or ends. */
static const char *feed_piece(pa_fcgi_parser_t *ps, const char *piece,
                              apr_size_t n, fcgi_prop_outcome_t *o)
{
    const char *in = piece;
    apr_size_t left = n;

    for (;;) {
        const char *before = in, *data = NULL;
        apr_size_t dlen = 0;
        pa_fcgi_event_e ev = pa_fcgi_parse(ps, &in, &left, &data, &dlen);

        if (in < before || in > piece + n || in + left != piece + n) {
            return fail("parse moved the input to %+ld with %lu left, in a "
                        "piece of %lu", (long)(in - piece),
                        (unsigned long)left, (unsigned long)n);
        }
        o->used += (apr_size_t)(in - before);
        switch (ev) {
        case PA_FCGI_EV_STDOUT:
        case PA_FCGI_EV_STDERR:
            if (!dlen) {
                return fail("a data event of no bytes");
            }
            if (!data || data < before || data + dlen > in) {
                return fail("data at %+ld (%lu bytes) is not within the "
                            "bytes taken, %+ld..%+ld of the piece",
                            (long)(data - piece), (unsigned long)dlen,
                            (long)(before - piece), (long)(in - piece));
            }
            add_data(o, ev == PA_FCGI_EV_STDOUT ? PA_FCGI_STDOUT
                                                 : PA_FCGI_STDERR, data, dlen);
            continue;
        case PA_FCGI_EV_MORE:
            if (left) {
                return fail("EV_MORE with %lu bytes of input left",
                            (unsigned long)left);
            }
            return NULL;
        case PA_FCGI_EV_END:
            o->last = ev;
            o->app_status = ps->app_status;
            o->protocol_status = ps->protocol_status;
            o->padding_left = ps->padding_left;
            return NULL;
        case PA_FCGI_EV_ERROR:
            o->last = ev;
            if (!ps->error) {
                return fail("EV_ERROR without an error text");
            }
            o->error_kind = error_kind(ps->error);
            apr_cpystrn(o->error, ps->error, sizeof(o->error));
            return NULL;
        default:
            return fail("unknown event %d", (int)ev);
        }
    }
}

/* After END or ERROR: the same event again, whatever comes, and nothing
 * taken or changed. */
static const char *check_sticky(pa_fcgi_parser_t *ps,
                                const fcgi_prop_outcome_t *o,
                                const unsigned char *rest, apr_size_t n)
{
    pa_fcgi_parser_t was = *ps;
    int round;

    for (round = 0; round < 2; round++) {
        apr_size_t len = round ? 0 : n;
        char *piece = piece_of(rest, len);
        const char *in = piece, *data = NULL;
        apr_size_t left = len, dlen = 0;
        pa_fcgi_event_e ev = pa_fcgi_parse(ps, &in, &left, &data, &dlen);

        free(piece);
        if (ev != o->last) {
            return fail("after event %d, a further call gave %d",
                        (int)o->last, (int)ev);
        }
        if (in != piece || left != len) {
            return fail("after event %d, a further call took %lu bytes",
                        (int)o->last, (unsigned long)(len - left));
        }
        if (ps->app_status != was.app_status
            || ps->protocol_status != was.protocol_status
            || ps->error != was.error || ps->stale != was.stale) {
            return fail("after event %d, a further call changed the result",
                        (int)o->last);
        }
    }
    if (!pa_fcgi_parser_eof_reason(ps)) {
        return fail("no eof reason after event %d", (int)o->last);
    }
    if (o->last == PA_FCGI_EV_ERROR
        && strcmp(pa_fcgi_parser_eof_reason(ps), ps->error)) {
        return fail("eof reason after an error is not the error");
    }
    return NULL;
}

/* One run, in the pieces cuts[0..ncuts) make. */
static const char *run(const unsigned char *b, apr_size_t n, apr_uint16_t id,
                       int one_ok, const apr_size_t *cuts, int ncuts,
                       fcgi_prop_outcome_t *o)
{
    pa_fcgi_parser_t ps;
    apr_size_t start = 0;
    const char *e = NULL;
    int k;

    memset(o, 0, sizeof(*o));
    o->last = PA_FCGI_EV_MORE;
    pa_fcgi_parser_init(&ps, id);
    ps.one_ok = one_ok;
    for (k = 0; k <= ncuts; k++) {
        apr_size_t end = k < ncuts ? cuts[k] : n;
        char *piece = piece_of(b + start, end - start);

        e = feed_piece(&ps, piece, end - start, o);
        free(piece);
        if (e || o->last != PA_FCGI_EV_MORE) {
            break;
        }
        start = end;
    }
    if (e) {
        return e;
    }
    o->stale = ps.stale;
    o->adopted = ps.adopted;
    if (o->last != PA_FCGI_EV_MORE) {
        return check_sticky(&ps, o, b + o->used, n - o->used);
    }
    o->eof_kind = eof_kind(pa_fcgi_parser_eof_reason(&ps));
    return NULL;
}

static const char *compare(const fcgi_prop_outcome_t *a,
                           const fcgi_prop_outcome_t *b, const char *what)
{
    if (a->last != b->last) {
        return fail("%s: last event %d, not %d", what, (int)b->last,
                    (int)a->last);
    }
    if (a->used != b->used) {
        return fail("%s: took %lu bytes, not %lu", what,
                    (unsigned long)b->used, (unsigned long)a->used);
    }
    if (a->out_len != b->out_len
        || (a->out_len && memcmp(a->out, b->out, a->out_len))) {
        return fail("%s: STDOUT of %lu bytes differs (%lu expected)", what,
                    (unsigned long)b->out_len, (unsigned long)a->out_len);
    }
    if (a->err_len != b->err_len
        || (a->err_len && memcmp(a->err, b->err, a->err_len))) {
        return fail("%s: STDERR of %lu bytes differs (%lu expected)", what,
                    (unsigned long)b->err_len, (unsigned long)a->err_len);
    }
    if (a->nruns != b->nruns
        || (a->nruns && memcmp(a->runs, b->runs, a->nruns))) {
        return fail("%s: STDOUT and STDERR come in another order", what);
    }
    if (a->stale != b->stale || a->adopted != b->adopted) {
        return fail("%s: stale %d adopted %d, not %d %d", what, b->stale,
                    b->adopted, a->stale, a->adopted);
    }
    switch (a->last) {
    case PA_FCGI_EV_END:
        if (a->app_status != b->app_status
            || a->protocol_status != b->protocol_status
            || a->padding_left != b->padding_left) {
            return fail("%s: END with %lu/%d (padding %lu), not %lu/%d "
                        "(padding %lu)", what,
                        (unsigned long)b->app_status, b->protocol_status,
                        (unsigned long)b->padding_left,
                        (unsigned long)a->app_status, a->protocol_status,
                        (unsigned long)a->padding_left);
        }
        break;
    case PA_FCGI_EV_ERROR:
        if (a->error_kind != b->error_kind) {
            return fail("%s: error kind %d (\"%s\"), not %d (\"%s\")", what,
                        b->error_kind, b->error, a->error_kind, a->error);
        }
        break;
    default:
        if (a->eof_kind != b->eof_kind) {
            return fail("%s: eof kind %d, not %d", what, b->eof_kind,
                        a->eof_kind);
        }
        break;
    }
    return NULL;
}

/* Random cut points: up to max, increasing, inside 0..n. */
static int random_cuts(prop_rng_t *r, apr_size_t n, apr_size_t *cuts,
                       int max)
{
    int k, count = (int)prop_below(r, (apr_size_t)max) + 1;
    apr_size_t at = 0;

    for (k = 0; k < count && at < n; k++) {
        /* short steps mostly: record headers split inside */
        apr_size_t step = prop_one_in(r, 3) ? prop_below(r, 9)
                                            : prop_below(r, n - at + 1);
        at += step;
        if (at > n) {
            at = n;
        }
        cuts[k] = at;
    }
    return k;
}

static apr_size_t *bytewise_cuts(apr_size_t n)
{
    apr_size_t *cuts = malloc((n ? n : 1) * sizeof(*cuts)), i;

    if (!cuts) {
        abort();
    }
    for (i = 0; i < n; i++) {
        cuts[i] = i;        /* an empty piece first: a call with none */
    }
    return cuts;
}

const char *fcgi_prop_parse(const unsigned char *buf, apr_size_t len,
                            apr_uint16_t id, int one_ok, apr_uint64_t seed,
                            fcgi_prop_outcome_t *whole)
{
    fcgi_prop_outcome_t ref, got, split;
    prop_rng_t r = { seed };
    apr_size_t cuts[MAX_CUTS];
    const char *e;
    int i;

    memset(&ref, 0, sizeof(ref));
    ref_parse(buf, len, id, one_ok, &ref);
    e = run(buf, len, id, one_ok, NULL, 0, &got);
    if (!e) {
        e = compare(&ref, &got, "whole vs reference");
    }
    for (i = 0; !e && i < 3; i++) {
        if (i == 0 && len > BYTEWISE_MAX) {
            continue;
        }
        if (i == 0) {
            apr_size_t *bw = bytewise_cuts(len);

            e = run(buf, len, id, one_ok, bw, (int)len, &split);
            free(bw);
        }
        else {
            int n = random_cuts(&r, len, cuts, MAX_CUTS);

            e = run(buf, len, id, one_ok, cuts, n, &split);
        }
        if (!e) {
            e = compare(&got, &split, i ? "cut at random vs whole"
                                        : "byte by byte vs whole");
        }
        fcgi_prop_outcome_free(&split);
    }
    fcgi_prop_outcome_free(&ref);
    if (whole) {
        *whole = got;
    }
    else {
        fcgi_prop_outcome_free(&got);
    }
    return e;
}

/* ---- CGI header scanner ------------------------------------------------- */

typedef struct {
    int valid;                  /* digits only, once blanks are trimmed */
    apr_size_t len;             /* of the number, without leading zeros */
    char num[PA_FCGI_HEAD_CL_MAX + 1];
} ref_cl_t;

static int blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* One header line (CRs taken out): a Content-Length, as a number? */
static int ref_cl_line(const unsigned char *s, apr_size_t n, ref_cl_t *cl)
{
    static const char name[] = "content-length";
    const unsigned char *colon = memchr(s, ':', n), *v, *end = s + n;
    apr_size_t i;

    if (!colon || (apr_size_t)(colon - s) != sizeof(name) - 1) {
        return 0;
    }
    for (i = 0; i < sizeof(name) - 1; i++) {
        unsigned char c = s[i];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)name[i]) {
            return 0;
        }
    }
    for (v = colon + 1; v < end && blank(*v); v++) {
    }
    while (end > v && blank(end[-1])) {
        end--;
    }
    cl->valid = end > v;
    for (i = 0; v + i < end; i++) {
        cl->valid &= v[i] >= '0' && v[i] <= '9';
    }
    while (end - v > 1 && *v == '0') {
        v++;
    }
    cl->len = (apr_size_t)(end - v);
    memcpy(cl->num, v, cl->len <= PA_FCGI_HEAD_CL_MAX ? cl->len : 0);
    return 1;
}

/* The reference: lines end at LF, CRs do not count, a line with nothing
 * else ends the block. Content-Length: given twice, the values must be
 * the same number; when the last one is not a number the response is
 * refused anyway, and either answer is right (-1). */
static void ref_head(const unsigned char *b, apr_size_t n,
                     fcgi_prop_head_t *o)
{
    unsigned char *line = malloc(PA_FCGI_HEAD_LINE_MAX + 1);
    ref_cl_t first, cl;
    apr_size_t i, ll = 0, ncl = 0;
    int differ = 0;

    memset(&first, 0, sizeof(first));
    memset(&cl, 0, sizeof(cl));
    memset(o, 0, sizeof(*o));
    o->result = PA_FCGI_HEAD_MORE;
    o->used = n;
    for (i = 0; i < n; i++) {
        if (i >= PA_FCGI_HEAD_MAX) {
            o->result = PA_FCGI_HEAD_TOO_LONG;
            o->used = i;
            break;
        }
        if (b[i] == '\n') {
            if (!ll) {
                o->result = PA_FCGI_HEAD_DONE;
                o->used = i + 1;
                break;
            }
            if (ref_cl_line(line, ll, &cl)) {
                if (!ncl++) {
                    first = cl;
                }
                differ |= !first.valid || !cl.valid || first.len != cl.len
                          || cl.len > PA_FCGI_HEAD_CL_MAX
                          || memcmp(first.num, cl.num, cl.len);
            }
            ll = 0;
        }
        else if (b[i] != '\r') {
            o->nul |= b[i] == '\0';
            if (ll == PA_FCGI_HEAD_LINE_MAX) {
                o->result = PA_FCGI_HEAD_LINE_TOO_LONG;
                o->used = i;
                break;
            }
            line[ll++] = b[i];
        }
    }
    o->conflict = ncl < 2 ? 0 : !differ ? 0 : cl.valid ? 1 : -1;
    if (o->nul) {
        o->conflict = -1;       /* refused for the NUL */
    }
    free(line);
}

static const char *head_run(const unsigned char *b, apr_size_t n,
                            const apr_size_t *cuts, int ncuts,
                            fcgi_prop_head_t *o)
{
    pa_fcgi_head_t h;
    apr_size_t start = 0;
    int k;

    pa_fcgi_head_init(&h);
    memset(o, 0, sizeof(*o));
    o->result = PA_FCGI_HEAD_MORE;
    for (k = 0; k <= ncuts; k++) {
        apr_size_t end = k < ncuts ? cuts[k] : n, used = (apr_size_t)-1;
        char *piece = piece_of(b + start, end - start);

        o->result = pa_fcgi_head_scan(&h, piece, end - start, &used);
        free(piece);
        if (used > end - start) {
            return fail("scan used %lu of a piece of %lu bytes",
                        (unsigned long)used, (unsigned long)(end - start));
        }
        o->used += used;
        if (o->result != PA_FCGI_HEAD_MORE) {
            break;
        }
        if (used != end - start) {
            return fail("HEAD_MORE with %lu of %lu bytes used",
                        (unsigned long)used, (unsigned long)(end - start));
        }
        start = end;
    }
    o->conflict = h.cl_conflict;
    o->nul = h.nul;
    return NULL;
}

static const char *head_compare(const fcgi_prop_head_t *a,
                                const fcgi_prop_head_t *b, const char *what)
{
    if (a->result != b->result || a->used != b->used) {
        return fail("%s: result %d after %lu bytes, not %d after %lu", what,
                    (int)b->result, (unsigned long)b->used, (int)a->result,
                    (unsigned long)a->used);
    }
    /* Past a limit the block is refused: its flags do not matter. */
    if (a->result != PA_FCGI_HEAD_DONE && a->result != PA_FCGI_HEAD_MORE) {
        return NULL;
    }
    if (a->nul != b->nul) {
        return fail("%s: NUL flag %d, not %d", what, b->nul, a->nul);
    }
    if (a->conflict >= 0 && b->conflict >= 0 && a->conflict != b->conflict) {
        return fail("%s: Content-Length conflict %d, not %d", what,
                    b->conflict, a->conflict);
    }
    return NULL;
}

const char *fcgi_prop_head(const unsigned char *buf, apr_size_t len,
                           apr_uint64_t seed, fcgi_prop_head_t *whole)
{
    fcgi_prop_head_t ref, got, split;
    prop_rng_t r = { seed };
    apr_size_t cuts[MAX_CUTS];
    const char *e;
    int i;

    ref_head(buf, len, &ref);
    e = head_run(buf, len, NULL, 0, &got);
    if (!e) {
        e = head_compare(&ref, &got, "whole vs reference");
    }
    for (i = 0; !e && i < 3; i++) {
        if (i == 0) {
            apr_size_t *bw;

            if (len > BYTEWISE_MAX) {
                continue;
            }
            bw = bytewise_cuts(len);
            e = head_run(buf, len, bw, (int)len, &split);
            free(bw);
        }
        else {
            e = head_run(buf, len, cuts, random_cuts(&r, len, cuts, MAX_CUTS),
                         &split);
        }
        if (!e) {
            e = head_compare(&got, &split, i ? "cut at random vs whole"
                                             : "byte by byte vs whole");
        }
    }
    if (whole) {
        *whole = got;
    }
    return e;
}
