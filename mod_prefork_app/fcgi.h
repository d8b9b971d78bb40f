/* FastCGI client protocol (the web-server side of FastCGI 1.0): building
 * the request records and parsing the application's reply.
 *
 * Pure code on APR only (no httpd, no I/O), so the unit tests can drive it
 * byte by byte. dispatch.c does the I/O and the HTTP side.
 */
#ifndef PA_FCGI_H
#define PA_FCGI_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"

#define PA_FCGI_VERSION         1
#define PA_FCGI_HEADER_LEN      8
#define PA_FCGI_MAX_CONTENT     65535

/* Record types. */
#define PA_FCGI_BEGIN_REQUEST       1
#define PA_FCGI_ABORT_REQUEST       2
#define PA_FCGI_END_REQUEST         3
#define PA_FCGI_PARAMS              4
#define PA_FCGI_STDIN               5
#define PA_FCGI_STDOUT              6
#define PA_FCGI_STDERR              7

/* BEGIN_REQUEST role and flags. */
#define PA_FCGI_RESPONDER           1
#define PA_FCGI_AUTHORIZER          2
#define PA_FCGI_KEEP_CONN           1

/* END_REQUEST protocolStatus. */
#define PA_FCGI_REQUEST_COMPLETE    0
#define PA_FCGI_CANT_MPX_CONN       1
#define PA_FCGI_OVERLOADED          2
#define PA_FCGI_UNKNOWN_ROLE        3

/* Limits on the CGI header block at the head of FCGI_STDOUT. A line must fit
 * httpd's script header scanner (MAX_STRING_LEN, less the terminator and the
 * byte it keeps back), or it would silently split the line in two. */
#define PA_FCGI_HEAD_LINE_MAX   8189
#define PA_FCGI_HEAD_MAX        65536

/* Write one 8-byte record header at h. */
void pa_fcgi_header_put(unsigned char *h, int type, apr_uint16_t request_id,
                        apr_uint16_t content_len, unsigned char padding_len);

/* Bytes one name-value pair takes in a PARAMS stream. */
apr_size_t pa_fcgi_pair_len(apr_size_t nlen, apr_size_t vlen);

/* Encode one name-value pair at p; returns the byte after it. */
unsigned char *pa_fcgi_pair_put(unsigned char *p, const char *name,
                                apr_size_t nlen, const char *value,
                                apr_size_t vlen);

/* Build, in one buffer from p: FCGI_BEGIN_REQUEST (role, flags), the
 * variables of env as FCGI_PARAMS records, and the empty PARAMS record that
 * ends the stream. Pairs are never split across records (PHP's parser reads
 * each record on its own), so a pair longer than one record cannot be sent:
 * it is left out and counted in *dropped. Entries with a NULL key are
 * skipped. Returns the buffer; its length is in *len. */
char *pa_fcgi_build_begin(apr_pool_t *p, apr_uint16_t request_id, int role,
                          int flags,
                          const apr_table_t *env, apr_size_t *len,
                          int *dropped);

/* Set the request id of every record in buf (len bytes of whole records, as
 * pa_fcgi_build_begin() makes them). */
void pa_fcgi_set_request_id(char *buf, apr_size_t len, apr_uint16_t id);

/* ---- reply parser ----------------------------------------------------------
 * Incremental: feed whatever the socket gave, in any pieces; it returns one
 * event at a time, with STDOUT/STDERR data pointing into the caller's buffer
 * (no copy). */

typedef enum {
    PA_FCGI_EV_MORE = 0,        /* input used up: read more */
    PA_FCGI_EV_STDOUT,          /* *data, *dlen: a piece of FCGI_STDOUT */
    PA_FCGI_EV_STDERR,          /* *data, *dlen: a piece of FCGI_STDERR */
    PA_FCGI_EV_END,             /* FCGI_END_REQUEST: app_status, protocol_status */
    PA_FCGI_EV_ERROR            /* malformed stream; error says what */
} pa_fcgi_event_e;

typedef struct pa_fcgi_parser_t {
    int state;                  /* internal */
    apr_uint16_t request_id;    /* the id we sent */
    unsigned char hdr[PA_FCGI_HEADER_LEN];
    apr_size_t hlen;            /* bytes of hdr collected */
    int type;                   /* current record */
    apr_size_t content_left;
    apr_size_t padding_left;
    unsigned char end_body[8];
    apr_size_t end_len;
    apr_uint32_t app_status;    /* valid after PA_FCGI_EV_END */
    int protocol_status;        /* valid after PA_FCGI_EV_END */
    const char *error;          /* valid after PA_FCGI_EV_ERROR */
    int stale;                  /* the error: before any record of ours, one
                                 * for a recent earlier request id (a reply
                                 * that came after its request ended) */
    int ours;                   /* a record of our request id came */
    int one_ok;                 /* set by the caller: nothing can come before
                                 * our reply (the connection's first request),
                                 * so a first record for request id 1 is an
                                 * app that answers every request with 1:
                                 * taken as ours */
    int adopted;                /* that happened */
    char errbuf[128];
} pa_fcgi_parser_t;

void pa_fcgi_parser_init(pa_fcgi_parser_t *ps, apr_uint16_t request_id);

/* Consume from *buf (*len bytes, both advanced) until one event. After
 * EV_END or EV_ERROR every further call returns the same event. */
pa_fcgi_event_e pa_fcgi_parse(pa_fcgi_parser_t *ps, const char **buf,
                              apr_size_t *len, const char **data,
                              apr_size_t *dlen);

/* Why a stream that ended now (EOF) is incomplete: "in the middle of a
 * record header", ..., or "before FCGI_END_REQUEST" between records.
 * Never NULL: EOF before END_REQUEST is always a truncation. */
const char *pa_fcgi_parser_eof_reason(const pa_fcgi_parser_t *ps);

/* ---- CGI header block ------------------------------------------------------
 * Finds the blank line that ends the headers at the head of FCGI_STDOUT,
 * line by line as httpd's ap_scan_script_header_err* reads them (a line is
 * ended by LF, CRs are ignored), and enforces the limits above. It also
 * notes Content-Length lines that disagree (as numbers: "09" and "9 " are
 * 9): httpd's scanner keeps only the last one, and a proxy must not pick
 * one (RFC 9112 6.3). */

typedef enum {
    PA_FCGI_HEAD_MORE = 0,      /* all of data is header, no end yet */
    PA_FCGI_HEAD_DONE,          /* *used bytes end with the blank line */
    PA_FCGI_HEAD_LINE_TOO_LONG,
    PA_FCGI_HEAD_TOO_LONG
} pa_fcgi_head_e;

/* Longest Content-Length value compared in full; longer ones are invalid
 * anyway (and two such count as differing). */
#define PA_FCGI_HEAD_CL_MAX     24

typedef struct pa_fcgi_head_t {
    int in_line;                /* current line has a non-CR byte */
    apr_size_t line_len;        /* non-CR bytes in the current line */
    apr_size_t total;           /* header bytes so far */
    int cl_at;                  /* "Content-Length:" bytes matched on this
                                 * line, -1 = not such a line */
    apr_size_t cl_len[2];       /* value bytes (the number's: no leading
                                 * zeros, no blanks after it): [0] the
                                 * first line's, [1] this line's */
    char cl[2][PA_FCGI_HEAD_CL_MAX];
    int cl_zero;                /* this line's value began with a '0' */
    apr_size_t cl_blanks;       /* ... and has blanks not stored yet */
    int cl_seen;                /* a Content-Length line has ended */
    int cl_conflict;            /* two of them gave different numbers */
    int nul;                    /* a NUL byte: httpd's scanner would end
                                 * the block (or the line) there */
} pa_fcgi_head_t;

void pa_fcgi_head_init(pa_fcgi_head_t *h);
pa_fcgi_head_e pa_fcgi_head_scan(pa_fcgi_head_t *h, const char *data,
                                 apr_size_t len, apr_size_t *used);

#endif
