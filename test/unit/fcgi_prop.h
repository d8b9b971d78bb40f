/* Properties of the FastCGI reply parser and the CGI header scanner
 * (mod_prefork_app/fcgi.c), checked on any input: by test_fcgi_prop on
 * generated cases and by fuzz_fcgi under libFuzzer, with the same code.
 *
 * Each check feeds the input whole, byte by byte (when short) and cut at
 * random points, every piece in a buffer of its own exact size (so that
 * AddressSanitizer sees a read past it), and compares the results with
 * each other and with a plain decoder of the whole input written here from
 * the protocol, not from fcgi.c. They return NULL when every property held,
 * else what failed (in a static buffer).
 */
#ifndef FCGI_PROP_H
#define FCGI_PROP_H

#include "apr.h"
#include "fcgi.h"

/* What a run of the reply parser gave. */
typedef struct {
    unsigned char *out, *err;   /* STDOUT and STDERR data, in order */
    apr_size_t out_len, err_len, out_cap, err_cap;
    char *runs;                 /* 'O' / 'E' per run of one kind of data */
    apr_size_t nruns, runs_cap;
    pa_fcgi_event_e last;       /* END, ERROR, or MORE: the input ran out */
    apr_size_t used;            /* input taken up to there */
    apr_uint32_t app_status;    /* after END */
    int protocol_status;
    apr_size_t padding_left;    /* after END: its padding, not taken */
    int error_kind;             /* after ERROR: FCGI_PROP_ERR_* */
    int stale, adopted;
    int eof_kind;               /* after MORE: FCGI_PROP_EOF_* */
    char error[128];
} fcgi_prop_outcome_t;

enum {
    FCGI_PROP_ERR_NONE = 0,
    FCGI_PROP_ERR_TEXT,         /* bad version, and the header is text */
    FCGI_PROP_ERR_VERSION,
    FCGI_PROP_ERR_TYPE,
    FCGI_PROP_ERR_STALE,        /* an id just before ours, before ours */
    FCGI_PROP_ERR_ID,
    FCGI_PROP_ERR_END_LEN,
    FCGI_PROP_ERR_OTHER
};

enum {
    FCGI_PROP_EOF_NONE = 0,
    FCGI_PROP_EOF_BETWEEN,      /* between records */
    FCGI_PROP_EOF_HEADER,
    FCGI_PROP_EOF_CONTENT,
    FCGI_PROP_EOF_PADDING,
    FCGI_PROP_EOF_OTHER
};

/* The reply parser on buf, for request id (one_ok as the caller sets it);
 * seed picks the random cuts. *whole (may be NULL) gets the result of the
 * whole input; free it with fcgi_prop_outcome_free(). */
const char *fcgi_prop_parse(const unsigned char *buf, apr_size_t len,
                            apr_uint16_t id, int one_ok, apr_uint64_t seed,
                            fcgi_prop_outcome_t *whole);
void fcgi_prop_outcome_free(fcgi_prop_outcome_t *o);

/* What the header scanner decided. */
typedef struct {
    pa_fcgi_head_e result;
    apr_size_t used;            /* in all, from the start of buf */
    int conflict;               /* the reference's: -1 = either is right */
    int nul;
} fcgi_prop_head_t;

/* The CGI header scanner on buf; *whole (may be NULL) gets the result of
 * the whole input. */
const char *fcgi_prop_head(const unsigned char *buf, apr_size_t len,
                           apr_uint64_t seed, fcgi_prop_head_t *whole);

#endif
