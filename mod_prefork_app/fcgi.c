/* FastCGI client protocol: request records out, reply records in.
 * See fcgi.h; no I/O and no httpd here. */
#include "fcgi.h"

#include "apr_lib.h"
#include "apr_strings.h"

#include <stdarg.h>
#include <string.h>

enum {
    ST_HEADER = 0,
    ST_CONTENT,
    ST_PADDING,
    ST_END,
    ST_ERROR
};

void pa_fcgi_header_put(unsigned char *h, int type, apr_uint16_t request_id,
                        apr_uint16_t content_len, unsigned char padding_len)
{
    h[0] = PA_FCGI_VERSION;
    h[1] = (unsigned char)type;
    h[2] = (unsigned char)(request_id >> 8);
    h[3] = (unsigned char)request_id;
    h[4] = (unsigned char)(content_len >> 8);
    h[5] = (unsigned char)content_len;
    h[6] = padding_len;
    h[7] = 0;
}

/* Lengths below 128 take one byte, others four with the high bit set. */
static apr_size_t len_len(apr_size_t n)
{
    return n < 128 ? 1 : 4;
}

static unsigned char *len_put(unsigned char *p, apr_size_t n)
{
    if (n < 128) {
        *p++ = (unsigned char)n;
    }
    else {
        *p++ = (unsigned char)(((n >> 24) & 0x7f) | 0x80);
        *p++ = (unsigned char)(n >> 16);
        *p++ = (unsigned char)(n >> 8);
        *p++ = (unsigned char)n;
    }
    return p;
}

apr_size_t pa_fcgi_pair_len(apr_size_t nlen, apr_size_t vlen)
{
    return len_len(nlen) + len_len(vlen) + nlen + vlen;
}

unsigned char *pa_fcgi_pair_put(unsigned char *p, const char *name,
                                apr_size_t nlen, const char *value,
                                apr_size_t vlen)
{
    p = len_put(p, nlen);
    p = len_put(p, vlen);
    memcpy(p, name, nlen);
    p += nlen;
    memcpy(p, value, vlen);
    return p + vlen;
}

char *pa_fcgi_build_begin(apr_pool_t *p, apr_uint16_t request_id, int role,
                          int flags,
                          const apr_table_t *env, apr_size_t *len,
                          int *dropped)
{
    const apr_array_header_t *arr = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t *plen = apr_palloc(p, sizeof(*plen) * (arr->nelts + 1));
    apr_size_t total, rec;
    unsigned char *buf, *w, *rec_hdr;
    int i;

    /* Pass 1: size. Pairs are packed whole into records; each record costs
     * a header. */
    *dropped = 0;
    total = 2 * PA_FCGI_HEADER_LEN + 8;   /* BEGIN_REQUEST + empty PARAMS */
    rec = 0;
    for (i = 0; i < arr->nelts; i++) {
        plen[i] = 0;
        if (!e[i].key) {
            continue;
        }
        plen[i] = pa_fcgi_pair_len(strlen(e[i].key),
                                   e[i].val ? strlen(e[i].val) : 0);
        if (plen[i] > PA_FCGI_MAX_CONTENT) {
            plen[i] = 0;
            ++*dropped;
            continue;
        }
        if (rec == 0 || rec + plen[i] > PA_FCGI_MAX_CONTENT) {
            total += PA_FCGI_HEADER_LEN;
            rec = 0;
        }
        rec += plen[i];
        total += plen[i];
    }

    /* Pass 2: write. */
    buf = apr_palloc(p, total);
    w = buf;
    pa_fcgi_header_put(w, PA_FCGI_BEGIN_REQUEST, request_id, 8, 0);
    w += PA_FCGI_HEADER_LEN;
    w[0] = 0;
    w[1] = (unsigned char)role;
    w[2] = (unsigned char)flags;
    memset(w + 3, 0, 5);
    w += 8;

    rec_hdr = NULL;
    rec = 0;
    for (i = 0; i < arr->nelts; i++) {
        if (!plen[i]) {
            continue;
        }
        if (rec_hdr == NULL || rec + plen[i] > PA_FCGI_MAX_CONTENT) {
            if (rec_hdr) {
                pa_fcgi_header_put(rec_hdr, PA_FCGI_PARAMS, request_id,
                                   (apr_uint16_t)rec, 0);
            }
            rec_hdr = w;
            w += PA_FCGI_HEADER_LEN;
            rec = 0;
        }
        w = pa_fcgi_pair_put(w, e[i].key, strlen(e[i].key),
                             e[i].val ? e[i].val : "",
                             e[i].val ? strlen(e[i].val) : 0);
        rec += plen[i];
    }
    if (rec_hdr) {
        pa_fcgi_header_put(rec_hdr, PA_FCGI_PARAMS, request_id,
                           (apr_uint16_t)rec, 0);
    }
    pa_fcgi_header_put(w, PA_FCGI_PARAMS, request_id, 0, 0);
    w += PA_FCGI_HEADER_LEN;

    *len = (apr_size_t)(w - buf);
    return (char *)buf;
}

void pa_fcgi_set_request_id(char *buf, apr_size_t len, apr_uint16_t id)
{
    unsigned char *h = (unsigned char *)buf, *end = h + len;

    while (h + PA_FCGI_HEADER_LEN <= end) {
        h[2] = (unsigned char)(id >> 8);
        h[3] = (unsigned char)id;
        h += PA_FCGI_HEADER_LEN + (((apr_size_t)h[4] << 8) | h[5]) + h[6];
    }
}

/* Whether id is one of the few before ours (ids run 1..65535, then wrap). */
static int recent_id(apr_uint16_t ours, int id)
{
    int behind = ((int)ours - id + 0xffff) % 0xffff;

    return id > 0 && behind >= 1 && behind <= 16;
}

void pa_fcgi_parser_init(pa_fcgi_parser_t *ps, apr_uint16_t request_id)
{
    memset(ps, 0, sizeof(*ps));
    ps->state = ST_HEADER;
    ps->request_id = request_id;
}

static pa_fcgi_event_e parse_error(pa_fcgi_parser_t *ps, const char *fmt,
                                   ...)
{
    va_list ap;

    va_start(ap, fmt);
    apr_vsnprintf(ps->errbuf, sizeof(ps->errbuf), fmt, ap);
    va_end(ap);
    ps->error = ps->errbuf;
    ps->state = ST_ERROR;
    return PA_FCGI_EV_ERROR;
}

/* A complete record header is in ps->hdr: check it and set up the record. */
static pa_fcgi_event_e start_record(pa_fcgi_parser_t *ps)
{
    const unsigned char *h = ps->hdr;
    int id = (h[2] << 8) | h[3];

    if (h[0] != PA_FCGI_VERSION) {
        int i;

        for (i = 0; !ps->ours && i < PA_FCGI_HEADER_LEN
                    && h[i] >= 0x20 && h[i] < 0x7f && h[i] != '"'; i++) {
        }
        if (i == PA_FCGI_HEADER_LEN) {
            /* "HTTP/1.1", "Content-", "Status: ": a program that speaks
             * CGI or HTTP, which the bare version number hid. */
            return parse_error(ps, "bad record version %d: the reply is "
                               "text (\"%.8s\"), not FastCGI: a CGI script "
                               "(protocol=cgi)? an HTTP server?", h[0],
                               (const char *)h);
        }
        return parse_error(ps, "bad record version %d (expected %d)",
                           h[0], PA_FCGI_VERSION);
    }
    ps->type = h[1];
    ps->content_left = ((apr_size_t)h[4] << 8) | h[5];
    ps->padding_left = h[6];
    if (ps->type != PA_FCGI_STDOUT && ps->type != PA_FCGI_STDERR
        && ps->type != PA_FCGI_END_REQUEST) {
        return parse_error(ps, "unexpected record type %d (request id %d)",
                           ps->type, id);
    }
    if (id != ps->request_id && id == 1 && ps->one_ok && !ps->ours) {
        ps->request_id = 1;
        ps->adopted = 1;
    }
    if (id != ps->request_id) {
        ps->stale = !ps->ours && recent_id(ps->request_id, id);
        return parse_error(ps, ps->stale ? "a reply to an earlier request "
                           "(request id %d, expected %d) came first"
                           : "record for request id %d (expected %d)",
                           id, ps->request_id);
    }
    ps->ours = 1;
    if (ps->type == PA_FCGI_END_REQUEST && ps->content_left != 8) {
        return parse_error(ps, "FCGI_END_REQUEST of %d bytes (expected %d)",
                           (int)ps->content_left, 8);
    }
    ps->state = ST_CONTENT;
    return PA_FCGI_EV_MORE;
}

pa_fcgi_event_e pa_fcgi_parse(pa_fcgi_parser_t *ps, const char **buf,
                              apr_size_t *len, const char **data,
                              apr_size_t *dlen)
{
    apr_size_t n;

    for (;;) {
        switch (ps->state) {
        case ST_END:
            return PA_FCGI_EV_END;
        case ST_ERROR:
            return PA_FCGI_EV_ERROR;
        case ST_HEADER:
            if (*len == 0) {
                return PA_FCGI_EV_MORE;
            }
            n = PA_FCGI_HEADER_LEN - ps->hlen;
            if (n > *len) {
                n = *len;
            }
            memcpy(ps->hdr + ps->hlen, *buf, n);
            ps->hlen += n;
            *buf += n;
            *len -= n;
            if (ps->hlen == PA_FCGI_HEADER_LEN) {
                ps->hlen = 0;
                if (start_record(ps) == PA_FCGI_EV_ERROR) {
                    return PA_FCGI_EV_ERROR;
                }
            }
            break;
        case ST_CONTENT:
            if (ps->content_left == 0) {
                ps->state = ST_PADDING;
                break;
            }
            if (*len == 0) {
                return PA_FCGI_EV_MORE;
            }
            n = ps->content_left < *len ? ps->content_left : *len;
            if (ps->type == PA_FCGI_END_REQUEST) {
                memcpy(ps->end_body + ps->end_len, *buf, n);
                ps->end_len += n;
                *buf += n;
                *len -= n;
                ps->content_left -= n;
                if (ps->content_left == 0) {
                    const unsigned char *b = ps->end_body;
                    ps->app_status = ((apr_uint32_t)b[0] << 24)
                                     | ((apr_uint32_t)b[1] << 16)
                                     | ((apr_uint32_t)b[2] << 8) | b[3];
                    ps->protocol_status = b[4];
                    /* Its padding, if any, is of no interest: nothing
                     * may follow the end of the request. */
                    ps->state = ST_END;
                    return PA_FCGI_EV_END;
                }
                break;
            }
            *data = *buf;
            *dlen = n;
            *buf += n;
            *len -= n;
            ps->content_left -= n;
            return ps->type == PA_FCGI_STDOUT ? PA_FCGI_EV_STDOUT
                                              : PA_FCGI_EV_STDERR;
        case ST_PADDING:
            if (ps->padding_left == 0) {
                ps->state = ST_HEADER;
                break;
            }
            if (*len == 0) {
                return PA_FCGI_EV_MORE;
            }
            n = ps->padding_left < *len ? ps->padding_left : *len;
            *buf += n;
            *len -= n;
            ps->padding_left -= n;
            break;
        }
    }
}

const char *pa_fcgi_parser_eof_reason(const pa_fcgi_parser_t *ps)
{
    switch (ps->state) {
    case ST_HEADER:
        return ps->hlen ? "connection closed in the middle of a record header"
                        : "connection closed before FCGI_END_REQUEST";
    case ST_CONTENT:
        return "connection closed in the middle of a record's content";
    case ST_PADDING:
        return "connection closed in the middle of a record's padding";
    case ST_ERROR:
        return ps->error;
    default:
        return "connection closed after FCGI_END_REQUEST";
    }
}

void pa_fcgi_head_init(pa_fcgi_head_t *h)
{
    memset(h, 0, sizeof(*h));
}

/* Stores byte c of this line's Content-Length value. */
static void head_cl_store(pa_fcgi_head_t *h, char c)
{
    if (h->cl_len[1] < PA_FCGI_HEAD_CL_MAX) {
        h->cl[1][h->cl_len[1]++] = c;
    }
    else {
        h->cl_len[1] = PA_FCGI_HEAD_CL_MAX + 1;     /* too long to compare */
    }
}

/* One non-CR byte c of a header line, for the Content-Length check. As
 * httpd: the name is everything before the first ':', the value starts
 * after the blanks that follow it. Kept as the number it reads: without
 * its leading zeros, nor the blanks after it (not part of a field's value,
 * RFC 9110 5.5), however many; blanks inside it are. */
static void head_cl_byte(pa_fcgi_head_t *h, char c)
{
    static const char name[] = "content-length:";
    const int nlen = (int)sizeof(name) - 1;

    if (h->cl_at < 0) {
        return;
    }
    if (h->cl_at < nlen) {
        h->cl_at = apr_tolower(c) == name[h->cl_at] ? h->cl_at + 1 : -1;
    }
    else if (c == ' ' || c == '\t') {
        /* (a blank only after something: leading ones are not kept) */
        h->cl_blanks += h->cl_len[1] || h->cl_zero;
    }
    else if (c == '0' && !h->cl_len[1] && !h->cl_blanks) {
        h->cl_zero = 1;
    }
    else {
        for (; h->cl_blanks; h->cl_blanks--) {
            head_cl_store(h, ' ');
        }
        head_cl_store(h, c);
    }
}

/* The end of a header line. */
static void head_cl_line(pa_fcgi_head_t *h)
{
    if (h->cl_at == (int)sizeof("content-length:") - 1) {
        if (!h->cl_len[1] && h->cl_zero) {
            head_cl_store(h, '0');
        }
        if (!h->cl_seen) {
            h->cl_seen = 1;
            h->cl_len[0] = h->cl_len[1];
            memcpy(h->cl[0], h->cl[1], sizeof(h->cl[0]));
        }
        else if (h->cl_len[0] != h->cl_len[1]
                 || h->cl_len[0] > PA_FCGI_HEAD_CL_MAX
                 || memcmp(h->cl[0], h->cl[1], h->cl_len[0])) {
            h->cl_conflict = 1;
        }
    }
    h->cl_at = 0;
    h->cl_len[1] = 0;
    h->cl_zero = 0;
    h->cl_blanks = 0;
}

pa_fcgi_head_e pa_fcgi_head_scan(pa_fcgi_head_t *h, const char *data,
                                 apr_size_t len, apr_size_t *used)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = data[i];

        if (++h->total > PA_FCGI_HEAD_MAX) {
            *used = i;
            return PA_FCGI_HEAD_TOO_LONG;
        }
        if (c == '\n') {
            if (!h->in_line) {
                *used = i + 1;
                return PA_FCGI_HEAD_DONE;
            }
            h->in_line = 0;
            h->line_len = 0;
            head_cl_line(h);
        }
        else if (c != '\r') {
            h->nul |= c == '\0';
            h->in_line = 1;
            if (++h->line_len > PA_FCGI_HEAD_LINE_MAX) {
                *used = i;
                return PA_FCGI_HEAD_LINE_TOO_LONG;
            }
            head_cl_byte(h, c);
        }
    }
    *used = len;
    return PA_FCGI_HEAD_MORE;
}
