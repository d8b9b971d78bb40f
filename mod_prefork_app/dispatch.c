/* dispatch: the request path of "SetHandler prefork-app:NAME".
 *
 * One request: build the CGI/1.1 variables, read the first part of the body,
 * claim a worker from the scoreboard (waiting FIFO if all are busy), take
 * its kept connection (conn.h) or connect to its unix socket, send
 * BEGIN_REQUEST + PARAMS (+ the buffered body) in one sendmsg, stream the
 * rest of the body, and stream the reply to the client as it arrives. A
 * worker that goes away before answering is replaced transparently once
 * when the request can be replayed.
 *
 * protocol=scgi takes the same path with other framing: the header
 * netstring (scgi.h) instead of BEGIN_REQUEST + PARAMS, the body as is
 * instead of STDIN records, and the reply read to EOF instead of up to
 * FCGI_END_REQUEST, one connection per request. protocol=cgi speaks SCGI to
 * the launcher that becomes the program (cgi.h), and ends the body with a
 * shutdown, so that the program reads EOF after it.
 *
 * auth.c asks apps in the FastCGI Authorizer role on the same path
 * (pa_ask_app()): no body, another role in FCGI_BEGIN_REQUEST, and a 200
 * read as a pass instead of sent.
 */
#include "mod_prefork_app.h"
#include "scoreboard.h"
#include "manager.h"
#include "fcgi.h"
#include "scgi.h"
#include "cgi.h"
#include "cache.h"
#include "conn.h"
#include "sendfile.h"
#include "scripts.h"
#include "alias.h"

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"
#include "util_script.h"
#include "apr_strings.h"
#include "apr_atomic.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/sockios.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

#define PA_READ_BUF         (64 * 1024)
/* A reply's end is left in a kept connection (see receive()) only if it
 * came in a read this small: what an idle worker pins in the kernel. */
#define PA_PEEK_MAX         (32 * 1024)
/* What drain() hands on at a time of a reply held for a slow client: well
 * below the 64 KB at which httpd's core would block on the client. */
#define PA_HELD_SLICE       (32 * 1024)
#define PA_PEEK_LOST        "peeked reply bytes could not be read"
/* Reads that bring less reply than this are gathered before they go on
 * (see process()). */
#define PA_PASS_MIN         APR_BUCKET_BUFF_SIZE
/* A header block the worker sends no body after for this long goes to the
 * client on its own (see wait_worker()). */
#define PA_HEADERS_WAIT     apr_time_from_msec(PA_CONN_RECV_WAIT_MS)
/* Bodies up to this size are read whole before a worker is claimed: a slow
 * upload does not hold a worker, and the request stays replayable. */
#define PA_BODY_BUFFER_MAX  (64 * 1024)
#define PA_STDIN_CHUNK      (PA_FCGI_MAX_CONTENT & ~7)
/* Longer FCGI_STDERR lines, as httpd writes them (pa_log_fit), are logged
 * in pieces: one with httpd's prefix stays within PIPE_BUF, so that a
 * piped ErrorLog gets it whole, not interleaved with the other children's. */
#define PA_STDERR_LINE_MAX  3584
/* A request that waited this long for a worker looks whether its client is
 * still there before it is sent (a quick one is not worth the syscall). */
#define PA_QUEUE_RECHECK    apr_time_from_msec(100)
/* How long a worker whose client hung up may take to finish the reply
 * (dropped) before it is killed: a respawn costs more than a short wait. */
#define PA_GONE_GRACE       apr_time_from_sec(1)
#define PA_MIN_WAIT         apr_time_from_msec(10)
#define PA_WATCH_AFTER      apr_time_from_msec(PA_CONN_RECV_WAIT_MS)
/* An HTTP/2 stream's reset is seen this often (it has no socket to poll). */
#define PA_STREAM_CHECK     apr_time_from_msec(200)
/* Reading ahead of an HTTP/2 stream: a worker that sends nothing for this
 * long has paused (its reply is streamed), and what came goes on; nothing
 * waits longer than PA_AHEAD_MAX. */
#define PA_AHEAD_PAUSE_MS   20
#define PA_AHEAD_MAX        apr_time_from_msec(500)
#define PA_CUT_CHECK        apr_time_from_sec(1)
/* While the client's body is awaited along with the worker's reply, a read
 * is tried this often all the same: mod_reqtimeout's limits are checked
 * at each read. */
#define PA_BODY_RECHECK     apr_time_from_sec(1)
/* How long after a worker's first reply on its kept connection the second
 * request looks whether the app closed it, until the app has shown that it
 * keeps them: one that closes anyway (node-fastcgi, ruby-fcgi) does so a
 * moment after its FCGI_END_REQUEST. */
#define PA_KEEP_PROBE       apr_time_from_msec(50)
#define PA_CLOSED_RETRIES   4
#define PA_POLL_MAX         apr_time_from_sec(3600)

/* r->notes for the access log: %{prefork-app-wait}n etc. (README,
 * "Access log"). The wait is in microseconds, as %D. */
#define PA_NOTE_APP         "prefork-app"
#define PA_NOTE_WORKER      "prefork-app-worker"
#define PA_NOTE_WAIT        "prefork-app-wait"
#define PA_NOTE_ERROR       "prefork-app-error"

/* An Authorizer's header that becomes a variable of the request. */
#define PA_AUTH_VARIABLE    "Variable-"

/* How an attempt on one worker ended. */
typedef enum {
    PA_FAIL_NONE = 0,
    PA_FAIL_CONNECT,    /* never reached the worker: it cannot have seen the request */
    PA_FAIL_MANAGER,    /* its kept connection could not be had from the
                         * manager: the worker is fine, the request unsent */
    PA_FAIL_DEAD,       /* worker went away before the first reply byte */
    PA_FAIL_STALE,      /* a reply to an earlier request came first: the
                         * worker's stream is out of step */
    PA_FAIL_BROKEN,     /* reply malformed or truncated: 502 */
    PA_FAIL_TIMEOUT,    /* request-timeout: 504 */
    PA_FAIL_CLIENT      /* client body unreadable, or client gone */
} pa_fail_e;

/* What a request asks of its app: a response, or, for PreforkAppAuthorizer,
 * whether it may go on (the FastCGI Authorizer role). */
typedef enum {
    PA_ROLE_RESPONDER = 0,
    PA_ROLE_AUTH_REPLY,     /* a refusal is the client's response */
    PA_ROLE_AUTH_STATUS     /* only a refusal's status counts: the caller
                             * acts on it (see auth.c) */
} pa_role_e;

typedef struct pa_req_t {
    request_rec *r;
    pa_app_t *app;
    pa_role_e role;
    int granted;                    /* the Authorizer answered 200 */
    pa_sb_app_t *sba;
    apr_time_t start;               /* handler entry */
    apr_interval_time_t waited;     /* in the wait queue, all attempts */

    /* The request body's first part, kept for a replay. */
    char *body;
    apr_size_t body_len;
    int body_complete;              /* EOS seen: body (+ spool) is all of it */
    int body_streamed;              /* EOS seen as the rest was streamed */
    apr_file_t *spool;              /* the rest of a body read whole */
    apr_off_t spool_len;
    apr_off_t spool_left;           /* of it still to send in this attempt */
    apr_bucket_brigade *rest;       /* what a filter gave beyond what was asked */

    /* The current attempt. */
    pa_claim_t claim;
    int claimed;
    int arriving;               /* counted in sba->arriving */
    int fd;
    int kept;                       /* fd is the worker's shared kept connection */
    int closed_first;               /* it was closed after its first reply:
                                     * this attempt sent nothing */
    int left_early;                 /* it was closed over the rest of the
                                     * last request's body: ditto */
    int renewed;                    /* it was closed over that body's end:
                                     * fd is a new one (kept_check()) */
    int replay;                     /* this attempt replays the request a
                                     * worker went away under */
    int client_fd;                  /* the client's socket, -1 = none (HTTP/2) */
    int watch;                      /* watch it while the worker works ... */
    apr_time_t watch_from;          /* ... from then on (see wait_worker()) */
    int gone;                       /* it hung up: the reply is read and dropped */
    int write_timed_out;            /* a write to it blocked until
                                     * request-timeout (pass_bounded()) */
    int cut;                        /* httpd closed it: this child is stopping */
    int answered;                   /* a filter answered: ditto */
    apr_uint32_t peeked;            /* bytes of the last read left in the socket */
    apr_uint32_t owed;              /* FCGI_END_REQUEST padding still to come */
    int plain;                      /* a long reply: read without peeking */
    int sent;                       /* some of the request went out */
    int req_sent;                   /* all of it did, its end included */
    int end_alone;                  /* the body's empty STDIN record went
                                     * in a send of its own (body_left()) */
    pa_left_e left;                 /* what it may have left in the kept
                                     * connection at its reply's end */
    apr_time_t deadline;            /* claim + request-timeout */
    apr_time_t body_until;          /* 0, or the client's body is awaited
                                     * too, until then (await_body()) */
    pa_fcgi_parser_t parser;
    apr_uint16_t reqid;             /* this attempt's FastCGI request id */
    pa_fcgi_head_t head;
    int headers_done;
    int ended;                      /* FCGI_END_REQUEST seen */
    int discard;                    /* read the reply to its end, drop it */
    int filter_failed;              /* an output filter refused the reply
                                     * (the handler's AP_FILTER_ERROR) */
    int app_error;                  /* the app's own 5xx, dropped for a
                                     * stale copy (stale_if_error()) */
    int overridden;                 /* its error is answered by httpd
                                     * (error-override=) */
    int passed;                     /* something went to the client */
    int unflushed;                  /* passed without a FLUSH since */
    int held_once;                  /* some of the reply was held (logged) */
    apr_size_t received;            /* reply bytes from this worker */
    apr_off_t body_in;              /* of which body (after the headers) */
    apr_off_t reply_cl;             /* the reply's Content-Length, -1 = none */
    int overlong;                   /* its body went past it */
    pa_fail_e fail;
    const char *why;                /* what failed it, for the access log */
    int status;                     /* to return from the handler, 0 = OK */
    const char *redirect;           /* local redirect after the reply */
    const char *sendfile;           /* X-Sendfile: the reply's body is this
                                     * file, sent after the reply */
    apr_bucket_brigade *hdr;        /* header block being collected */
    apr_table_t *out_before;        /* r->headers_out and err_headers_out */
    apr_table_t *err_out_before;    /* as they were before the app's headers */
    const char *type_before;        /* and what else they may change */
    apr_array_header_t *langs_before;
    apr_time_t mtime_before;
    apr_bucket_brigade *out;        /* to the client */
    char *pend;                     /* small reads' part of it, gathered */
    apr_size_t pend_len;            /* (PA_PASS_MIN at most) */
    apr_bucket_brigade *held;       /* reply held for a slow client */
    apr_size_t held_len;
    apr_time_t held_since;          /* when held last went from empty */
    apr_file_t *rfile;              /* and past reply-buffer, in this file */
    apr_off_t rfile_rd;             /* from here */
    apr_off_t rfile_wr;             /* to here */
    apr_off_t spilled;              /* all the reply's bytes put in files */
    int no_spill;                   /* the file failed, or was handed on:
                                     * no more of the reply goes to one */
    apr_bucket_brigade *slice;      /* scratch: held handed on in slices */
    char *buf;                      /* socket reads */
    char *stdin_buf;                /* one STDIN record (+ the empty one) */
    char *errline;                  /* a stderr line being collected */
    apr_size_t errline_len;
    char *whole;                    /* the whole request, to be sent at a
                                     * hand-off (see forward()) */
    apr_size_t whole_len;
    int fwd_fd;                     /* release: the kept connection a
                                     * waiter's request may be sent on */
    pa_cache_save_t *cache;         /* the cache's lookup (apps with cache=) */
} pa_req_t;

/* SCGI framing: protocol=scgi, and protocol=cgi (its launcher reads it). */
static int is_scgi(const pa_req_t *q)
{
    return q->app->protocol != PA_PROTO_FASTCGI;
}

/* GET, HEAD, OPTIONS: an app acts on them without harm, or ought to. */
static int safe_method(const request_rec *r)
{
    return r->method_number == M_GET || r->method_number == M_OPTIONS
           || r->header_only;
}

/* Idempotent (RFC 9110 9.2.2): done twice, as done once. mod_proxy_http
 * and nginx replay these on another backend too. */
static int idempotent_method(const request_rec *r)
{
    return safe_method(r) || r->method_number == M_PUT
           || r->method_number == M_DELETE;
}

/* Whether q may reach its app twice: an Authorizer only checks. */
static int replay_safe(const pa_req_t *q)
{
    return q->role != PA_ROLE_RESPONDER || idempotent_method(q->r);
}

/* Kept connections for this app, asked again for every attempt: the
 * manager may have found that the app closes them (keep_off). */
static int keeps_conn(const pa_req_t *q)
{
    return q->app->keep_conn && !q->sba->keep_off;
}

/* The request id of the nth request on a worker: see attempt(). */
static apr_uint16_t request_id(const pa_req_t *q, int kept, apr_uint64_t nth)
{
    return kept && !q->sba->fixed_ids ? (apr_uint16_t)(nth % 0xffff + 1) : 1;
}

/* pa_sb_forward_fn: a clean release sends the request of the waiter it
 * hands the worker to on the kept connection it read its own reply from,
 * so that the worker is at work while the waiter wakes up (one sleep of
 * the waiter, for its reply, less: docs/dispatch.md). The end of our reply
 * stays for the waiter to drop, as it would. Not the second request of an
 * app not yet known to keep connections (closed_after_first()), nor once
 * the app is found to close them (keep_off, set under the same lock). */
static apr_size_t forward(void *baton, char *req, apr_size_t len,
                          apr_uint64_t nth, apr_uint32_t *id)
{
    pa_req_t *q = baton;
    ssize_t n;

    if (((nth == 2 || q->renewed) && !q->sba->keep_proven)
        || q->sba->keep_off) {
        return 0;
    }
    *id = request_id(q, 1, nth);
    pa_fcgi_set_request_id(req, len, (apr_uint16_t)*id);
    do {
        n = send(q->fwd_fd, req, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n > 0 ? (apr_size_t)n : 0;
}

/* What the kernel charges a lone 8-byte send on a unix stream socket until
 * its reader takes it (SIOCOUTQ), found once per httpd child; 0: unknown,
 * and body_left() says no. */
static int lone_end_charge;

static void lone_end_measure(void)
{
    static const char rec[PA_FCGI_HEADER_LEN];
    int sv[2], n;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        return;
    }
    if (send(sv[0], rec, sizeof(rec), MSG_DONTWAIT) == (ssize_t)sizeof(rec)
        && ioctl(sv[0], SIOCOUTQ, &n) == 0 && n > 0) {
        lone_end_charge = n;
    }
    close(sv[0]);
    close(sv[1]);
}

/* A request of at most this much (its framing included), sent whole,
 * comes in libfcgi's first read (8 KB) and goes with that buffer, read or
 * not; a larger one's body has its empty STDIN record sent alone on a kept
 * connection, so that body_left() can tell what was left unread. */
#define PA_END_ALONE_OVER   8192
#if PA_SB_REQ_MAX > PA_END_ALONE_OVER
#error "a request sent at the hand-off must fit in libfcgi's first read"
#endif

/* What the worker has not yet read of what this child sent on fd: the
 * kernel charges the sender until the reader has taken all of a send. */
static int unread_sent(int fd)
{
    int n;

    return ioctl(fd, SIOCOUTQ, &n) == 0 ? n : 0;
}

/* The app ended its reply with part of the body still unread in its socket:
 * more is waiting there than the empty STDIN record (which PHP leaves, and
 * skips before its next request). Or it closed the connection since: libfcgi
 * reads on at once, finds the rest of the body where the next request
 * should start, and closes it (often before this child reads the reply).
 * An app that closes every connection looks the same: before it is found
 * out (PA00127, by a request without such a body), its workers are
 * replaced after such requests. */
static int body_left(pa_req_t *q)
{
    int n;

    if (!q->end_alone || lone_end_charge <= 0) {
        return 0;
    }
    n = unread_sent(q->fd);
    if (n > lone_end_charge) {
        return 1;
    }
    /* Looked at again before the next request (kept_check()). */
    q->left = n > 0 ? PA_LEFT_END : PA_LEFT_MAYBE;
    return pa_conn_closed(q->fd);
}

/* The attempt's connection goes: a kept one is dropped from this child's
 * table (its stream state is unknown). */
static void close_fd(pa_req_t *q)
{
    if (q->fd >= 0) {
        if (q->kept) {
            pa_conn_drop(q->app, &q->claim, q->fd);
        }
        else {
            close(q->fd);
        }
        q->fd = -1;
    }
}

static void release(pa_req_t *q, pa_release_e how)
{
    int clean;

    if (!q->claimed && q->fd < 0) {
        return;                         /* released at its reply's end */
    }

    if (how == PA_RELEASE_OK && q->kept && q->sent
        && (!q->req_sent || body_left(q))) {
        /* It answered before it had all of its request (an app refusing an
         * upload), or without reading all that it had: the shared
         * connection stops inside it, and the next request on it would be
         * read as the rest of this one's body. Sending the rest would not
         * do: libfcgi takes leftover stdin for a broken stream and closes
         * the connection, the next request with it. */
        how = PA_RELEASE_EARLY;
    }
    clean = q->kept && how == PA_RELEASE_OK && q->ended;
    if (clean && !pa_conn_done(q->app, &q->claim, q->fd)) {
        /* Closed: a new manager gave the slot out again meanwhile. */
        q->fd = -1;
        clean = 0;
    }

    q->claim.unsent = !q->sent;         /* (proves nothing of the app) */
    q->claim.kept = q->kept;
    /* What the next request on this worker must drop of an earlier reply:
     * what this one left; or, if it sent nothing, what it found. */
    if (q->sent || how != PA_RELEASE_OK) {
        q->claim.unread = clean ? q->peeked + q->owed : 0;
        q->claim.left = clean ? q->left : PA_LEFT_NONE;
        q->claim.renewed = clean && q->renewed;
    }
    /* Not handed on with a request sent into it if the worker may close it
     * over what this one left (kept_check()). */
    q->fwd_fd = clean && !is_scgi(q) && q->left == PA_LEFT_NONE ? q->fd : -1;
    if (clean) {
        /* Read to its FCGI_END_REQUEST: clean, it stays in this child's
         * table for the next request on this worker. */
        q->fd = -1;
    }
    /* Released, then closed: a worker still writing dies of SIGPIPE at
     * the close, which the manager must find marked (not a crash). */
    if (q->claimed) {
        q->claimed = 0;
        pa_sb_release(pa_scoreboard, &q->claim, how,
                      q->fwd_fd >= 0 ? forward : NULL, q);
    }
    close_fd(q);
}

/* The request is at its claim, or done: no longer arriving. */
static void arrived(pa_req_t *q)
{
    if (q->arriving) {
        q->arriving = 0;
        apr_atomic_dec32(&q->sba->arriving);
    }
}

static apr_status_t arrived_cleanup(void *data)
{
    arrived(data);
    return APR_SUCCESS;
}

/* Safety net: whatever path leaves the handler, the worker is never leaked
 * as busy, nor its connection left open. Unknown stream state, so it is
 * recycled. */
static apr_status_t release_cleanup(void *data)
{
    pa_req_t *q = data;

    if (q->claimed) {
        q->claimed = 0;
        pa_sb_release(pa_scoreboard, &q->claim, PA_RELEASE_ABANDONED, NULL,
                      NULL);
    }
    close_fd(q);
    return APR_SUCCESS;
}

/* ---- request body ------------------------------------------------------- */

/* At most max bytes of the request body into bb (and its EOS once there),
 * from what an earlier read left over, else from the input filters. A
 * filter may hand over more than it was asked for (mod_ext_filter does):
 * the excess waits in q->rest for the next call. */
static apr_status_t get_body(pa_req_t *q, apr_bucket_brigade *bb,
                             apr_size_t max, apr_read_type_e block)
{
    apr_bucket *e;
    apr_status_t rv;

    if (!APR_BRIGADE_EMPTY(q->rest)) {
        APR_BRIGADE_CONCAT(bb, q->rest);
    }
    else {
        rv = ap_get_brigade(q->r->input_filters, bb, AP_MODE_READBYTES,
                            block, max);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    rv = apr_brigade_partition(bb, (apr_off_t)max, &e);
    if (rv == APR_INCOMPLETE) {
        return APR_SUCCESS;             /* it all fits */
    }
    /* (A body of exactly max bytes keeps its end: read whole.) */
    if (rv != APR_SUCCESS || e == APR_BRIGADE_SENTINEL(bb)
        || APR_BUCKET_IS_EOS(e)) {
        return rv;
    }
    apr_brigade_split_ex(bb, e, q->rest);
    for (e = APR_BRIGADE_FIRST(q->rest); e != APR_BRIGADE_SENTINEL(q->rest);
         e = APR_BUCKET_NEXT(e)) {
        if ((rv = apr_bucket_setaside(e, q->r->pool)) != APR_SUCCESS
            && rv != APR_ENOTIMPL) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

/* Hand the data in bb to put(), up to its EOS (body_complete), and empty
 * it. Returns OK or the HTTP error to answer. */
static int drain_body(pa_req_t *q, apr_bucket_brigade *bb,
                      int (*put)(pa_req_t *, const char *, apr_size_t))
{
    apr_bucket *e;
    int rc = OK;

    for (e = APR_BRIGADE_FIRST(bb);
         rc == OK && e != APR_BRIGADE_SENTINEL(bb); e = APR_BUCKET_NEXT(e)) {
        const char *data;
        apr_size_t len;
        apr_status_t rv;

        if (APR_BUCKET_IS_EOS(e)) {
            q->body_complete = 1;
            break;
        }
        rv = apr_bucket_read(e, &data, &len, APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            rc = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        else if (len) {
            rc = put(q, data, len);
        }
    }
    apr_brigade_cleanup(bb);
    return rc;
}

/* Into the body buffer: get_body() never gives more than fits. */
static int put_prefix(pa_req_t *q, const char *data, apr_size_t len)
{
    if (!q->body) {
        q->body = apr_palloc(q->r->pool, PA_BODY_BUFFER_MAX);
    }
    memcpy(q->body + q->body_len, data, len);
    q->body_len += len;
    return OK;
}

static int spool_write_failed(pa_req_t *q, apr_status_t rv)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, PALOGNO(00325)
                  "%s: writing a request body to its temporary file "
                  "failed after %" APR_OFF_T_FMT " bytes", q->app->name,
                  q->spool_len);
    q->why = "spool";
    return HTTP_INTERNAL_SERVER_ERROR;
}

static int put_spool(pa_req_t *q, const char *data, apr_size_t len)
{
    apr_status_t rv = apr_file_write_full(q->spool, data, len, NULL);

    if (rv != APR_SUCCESS) {
        return spool_write_failed(q, rv);
    }
    q->spool_len += len;
    return OK;
}

/* Where APR finds a temporary directory, looked up once per httpd child:
 * APR probes each candidate by creating a file in it, on every call. */
static const char *child_tmpdir;

void pa_dispatch_child_init(apr_pool_t *pchild, server_rec *s)
{
    lone_end_measure();
    if (!pa_get_conf(s)->tempdir
        && apr_temp_dir_get(&child_tmpdir, pchild) != APR_SUCCESS) {
        child_tmpdir = NULL;    /* asked again per file, failing with why */
    }
}

/* A temporary file in r->pool in DIR (0600, unlinked at once, so nothing
 * is left behind even by a crash); NULL and *rv if it could not be made. */
static apr_file_t *temp_file_in(request_rec *r, const char *dir,
                                const char *name, apr_status_t *rv)
{
    apr_file_t *f = NULL;
    char *path;

    if ((*rv = apr_filepath_merge(&path, dir, name, APR_FILEPATH_NATIVE,
                                  r->pool)) != APR_SUCCESS
        || (*rv = apr_file_mktemp(&f, path, APR_FOPEN_CREATE
                                  | APR_FOPEN_READ | APR_FOPEN_WRITE
                                  | APR_FOPEN_EXCL, r->pool)) != APR_SUCCESS) {
        return NULL;
    }
    if ((*rv = apr_file_remove(path, r->pool)) != APR_SUCCESS) {
        apr_file_close(f);
        return NULL;
    }
    return f;
}

/* A temporary file in PreforkAppTempDir, else where APR found one at the
 * child's start, else (that one unwritable since) where APR finds one now. */
static apr_file_t *temp_file(request_rec *r, const char *name,
                             apr_status_t *rv)
{
    const char *tmp = pa_get_conf(r->server)->tempdir;
    apr_file_t *f;

    if (tmp) {
        return temp_file_in(r, tmp, name, rv);
    }
    if (child_tmpdir && (f = temp_file_in(r, child_tmpdir, name, rv))) {
        return f;
    }
    if ((*rv = apr_temp_dir_get(&tmp, r->pool)) != APR_SUCCESS) {
        return NULL;
    }
    return temp_file_in(r, tmp, name, rv);
}

/* The rest of a body that came without a Content-Length (chunked, or an
 * HTTP/2 stream), into a temporary file: the app is told CONTENT_LENGTH,
 * which PHP needs to read any body at all and SCGI must announce, and the
 * body stays replayable. A slow upload still holds no worker. So for one
 * with a length up to body-spool=. */
static int spool_body(pa_req_t *q)
{
    request_rec *r = q->r;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    apr_status_t rv;

    q->spool = temp_file(r, "pa-body.XXXXXX", &rv);
    if (!q->spool) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, PALOGNO(00324)
                      "%s: cannot create a temporary file for a request "
                      "body read whole (without a length, or body-spool)",
                      q->app->name);
        q->why = "spool";
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* Through a buffer: the client's body comes in pieces of 8 KB, and a
     * write() of each, not aligned to pages, cost the file system a third
     * of httpd's time per upload (BENCH_BODY=upload). */
    apr_file_buffer_set(q->spool, apr_palloc(r->pool, PA_BODY_BUFFER_MAX),
                        PA_BODY_BUFFER_MAX);
    while (!q->body_complete) {
        int rc;

        rv = get_body(q, bb, PA_BODY_BUFFER_MAX, APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        if ((rc = drain_body(q, bb, put_spool)) != OK) {
            return rc;
        }
    }
    if ((rv = apr_file_flush(q->spool)) != APR_SUCCESS) {
        return spool_write_failed(q, rv);   /* a full disk says so here */
    }
    if (!q->spool_len) {
        /* All of it was in the prefix (a chunked body of exactly that
         * size, its end read here): sent whole, its end record with it,
         * rather than answered before its end was sent. */
        apr_file_close(q->spool);
        q->spool = NULL;
    }
    return OK;
}

/* The request's Content-Length if it is the length of what the handler
 * reads: not once an input filter above HTTP_IN changes the body (INFLATE,
 * which unsets it only as it starts), as mod_proxy_http judges it; nor for
 * a chunked body, whose Content-Length can only have come in its trailers
 * (MergeTrailers On: httpd drops one sent with the chunked headers). */
static const char *body_length_header(request_rec *r)
{
    return r->input_filters == r->proto_input_filters
           && !apr_table_get(r->headers_in, "Transfer-Encoding")
           ? apr_table_get(r->headers_in, "Content-Length") : NULL;
}

/* Read up to PA_BODY_BUFFER_MAX of the body (HTTP_IN undoes chunking and
 * enforces LimitRequestBody). Returns OK or the HTTP error to answer. */
static int read_body_prefix(pa_req_t *q)
{
    request_rec *r = q->r;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    const char *cl;
    apr_off_t len;

    while (!q->body_complete && q->body_len < PA_BODY_BUFFER_MAX) {
        apr_status_t rv;
        int rc;

        rv = get_body(q, bb, PA_BODY_BUFFER_MAX - q->body_len,
                      APR_BLOCK_READ);
        if (rv != APR_SUCCESS) {
            return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
        }
        if ((rc = drain_body(q, bb, put_prefix)) != OK) {
            return rc;
        }
    }
    /* Looked at once the filters have seen the body's start. */
    cl = body_length_header(r);
    if (!q->body_complete && (!cl || (ap_parse_strict_length(&len, cl)
                                      && len <= q->app->body_spool))) {
        return spool_body(q);
    }
    return OK;
}

/* The whole body's length, once it is all in hand (body_complete). */
static apr_off_t body_total(const pa_req_t *q)
{
    return (apr_off_t)q->body_len + q->spool_len;
}

/* SCGI sends the body's length first: known for a body read whole (or
 * spooled), else the Content-Length that HTTP_IN delivers exactly. */
static void scgi_begin(pa_req_t *q, char **begin, apr_size_t *len)
{
    request_rec *r = q->r;
    apr_table_t *env = r->subprocess_env;
    apr_off_t cl = body_total(q);

    if (!q->body_complete) {
        const char *h = body_length_header(r);

        /* read_body_prefix() spools a body without one. */
        if (!h || !ap_parse_strict_length(&cl, h)) {
            cl = 0;
        }
    }
    /* A CGI program is given CONTENT_LENGTH only with a body, as httpd's
     * ap_add_common_vars() has it (or the length found above). */
    if (q->app->protocol == PA_PROTO_CGI
        && !apr_table_get(r->subprocess_env, "CONTENT_LENGTH")) {
        cl = -1;
    }
    if (q->app->protocol == PA_PROTO_CGI) {
        /* The launcher takes only requests that carry httpd's key. Unset
         * first: setn would keep a name set in another case. */
        env = apr_table_copy(r->pool, env);
        apr_table_unset(env, PA_CGI_KEY_VAR);
        apr_table_setn(env, PA_CGI_KEY_VAR, pa_cgi_key());
    }
    *begin = pa_scgi_build_header(r->pool, env, cl, len);
}

/* ---- talking to the client ---------------------------------------------- */

/* What is held of the reply for a slow client (see pass()) goes. */
static void drop_held(pa_req_t *q)
{
    q->pend_len = 0;
    apr_brigade_cleanup(q->held);
    q->held_len = 0;
    q->rfile_rd = q->rfile_wr;
}

/* Its client is gone: the rest of the reply is read and dropped (what is
 * held of it too), and the connection marked aborted, so that httpd does
 * not finish the response as an empty one either (a cache could keep it). A
 * safe method's worker gets PA_GONE_GRACE to finish, then timeout() has it
 * replaced (a long download nobody reads would hold it); any other may be
 * acting on its request, and keeps its request-timeout, as does every
 * request of an app with ignore-client-abort=on (PHP's ignore_user_abort:
 * a GET may be a job that must not be cut). */
static int gone_grace(const pa_req_t *q)
{
    return safe_method(q->r) && !q->app->ignore_client_abort;
}

static void client_gone(pa_req_t *q)
{
    apr_time_t cut = pa_now() + PA_GONE_GRACE;

    q->r->connection->aborted = 1;
    q->gone = 1;
    q->watch = 0;
    /* A stopping child waits for no app: httpd would kill it meanwhile,
     * and the manager stops the workers anyway. */
    if ((gone_grace(q) || q->cut) && q->deadline > cut) {
        q->deadline = cut;
    }
    drop_held(q);
}

/* The client went away while the reply went to it. */
static void client_lost(pa_req_t *q, apr_status_t rv)
{
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, q->r, PALOGNO(00312)
                  "%s: client went away during the response", q->app->name);
    client_gone(q);
}

/* q->out to the output filters, as it is (see pass()). */
static int body_unread(const pa_req_t *q);

/* ap_pass_brigade() of q->out. A client that does not read makes the core
 * block in its write until httpd's Timeout (the core waits as long as the
 * socket's timeout says): while a worker waits on that, not past the
 * request's request-timeout, which then is what ends it (PA00311), not a
 * client taken for gone. Once the worker is released (its reply all
 * here), the client takes the rest at its own pace, under Timeout. HTTP/1.x
 * only (an HTTP/2 stream's writes do not block on the client). */
static apr_status_t pass_bounded(pa_req_t *q)
{
    apr_socket_t *sock = q->client_fd >= 0 && q->claimed
                         ? ap_get_conn_socket(q->r->connection) : NULL;
    apr_interval_time_t was = -1, left = q->deadline - pa_now();
    apr_status_t rv;

    if (sock && q->deadline && apr_socket_timeout_get(sock, &was) == APR_SUCCESS
        && (was < 0 || was > left)) {
        apr_socket_timeout_set(sock, left > PA_MIN_WAIT ? left : PA_MIN_WAIT);
    }
    else {
        sock = NULL;
    }
    rv = ap_pass_brigade(q->r->output_filters, q->out);
    if (sock) {
        apr_socket_timeout_set(sock, was);
        if (APR_STATUS_IS_TIMEUP(rv) && pa_now() >= q->deadline) {
            q->write_timed_out = 1;
        }
    }
    return rv;
}

static void send_out(pa_req_t *q, int flush)
{
    request_rec *r = q->r;
    apr_status_t rv;

    /* Answered whole before the body's end: the connection ends after it
     * (serve()), said in its headers while they have not gone yet, so that
     * a client still uploading stops, and sends nothing more on it. */
    if (!q->passed && q->ended && body_unread(q)) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    if (flush) {
        APR_BRIGADE_INSERT_TAIL(q->out,
            apr_bucket_flush_create(r->connection->bucket_alloc));
    }
    rv = pass_bounded(q);
    apr_brigade_cleanup(q->out);
    q->passed = 1;
    q->unflushed = !flush;
    if (rv != APR_SUCCESS && !r->connection->aborted) {
        /* A filter sent its own answer instead, and the response's end
         * (httpd's byterange filter: a 416 for a range past the body;
         * mod_security's deny of a reply, which then says APR_EGENERAL), or
         * failed (mod_substitute's line too long): the core marks a client
         * gone, not so here. The rest of the reply is read and dropped;
         * the client gets the filter's answer, or, if none went, httpd's
         * 500 (AP_FILTER_ERROR from the handler). */
        q->answered = 1;
        q->discard = 1;
        q->filter_failed = rv != AP_FILTER_ERROR;
        return;
    }
    if (q->write_timed_out) {
        /* Not a client gone: the request's time is up (timeout()). What
         * the worker still sends is dropped. */
        r->connection->aborted = 1;
        q->discard = 1;
        drop_held(q);
    }
    else if (rv != APR_SUCCESS || r->connection->aborted) {
        client_lost(q, rv);
    }
}

/* How much of the reply is held in its temporary file (reply-spool=). */
static apr_off_t spooled(const pa_req_t *q)
{
    return q->rfile_wr - q->rfile_rd;
}

/* Whether the reply is held here rather than passed on: the client takes
 * it slower than the app sends it (httpd's core still has some of what
 * went, or we hold some), and the worker should not wait on the client's
 * pace (reply-buffer=). Never for an HTTP/2 stream (no socket of its own
 * to watch), nor before the first pass: the headers go, and a reply that
 * came whole goes in one brigade (and gets its Content-Length). */
static int holding(const pa_req_t *q)
{
    return (q->app->reply_buffer || q->app->reply_spool)
           && q->client_fd >= 0 && q->passed && !q->gone && !q->answered
           && (q->held_len || spooled(q)
               || q->r->connection->data_in_output_filters);
}

/* The reply's temporary file failed (creating, writing or reading it). */
static void spool_error(pa_req_t *q, apr_status_t rv, const char *doing)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, PALOGNO(00352)
                  "%s: %s a temporary file for the reply to a slow client "
                  "(reply-spool) failed", q->app->name, doing);
    q->no_spill = 1;
}

/* Appends q->out to the reply's temporary file, if it fits reply-spool: 1
 * if it did. */
static int spill(pa_req_t *q, apr_off_t len)
{
    apr_status_t rv = APR_SUCCESS;
    apr_off_t at;
    apr_bucket *b;

    if (q->no_spill || q->spilled + len > q->app->reply_spool) {
        return 0;
    }
    if (!q->rfile) {
        q->rfile = temp_file(q->r, "pa-reply.XXXXXX", &rv);
        if (!q->rfile) {
            spool_error(q, rv, "creating");
            return 0;
        }
    }
    /* Reads of the slices before moved the offset. */
    at = q->rfile_wr;
    rv = apr_file_seek(q->rfile, APR_SET, &at);
    for (b = APR_BRIGADE_FIRST(q->out);
         rv == APR_SUCCESS && b != APR_BRIGADE_SENTINEL(q->out);
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;

        if (!APR_BUCKET_IS_METADATA(b)
            && (rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ))
               == APR_SUCCESS) {
            rv = apr_file_write_full(q->rfile, data, n, NULL);
        }
    }
    if (rv != APR_SUCCESS) {
        spool_error(q, rv, "writing");
        return 0;
    }
    if (!q->spilled) {
        apr_atomic_inc64(&q->sba->c.spooled);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, PALOGNO(00353)
                      "%s: more than reply-buffer of the reply held for a "
                      "slow client: holding up to %" APR_OFF_T_FMT " bytes "
                      "more of it in a temporary file", q->app->name,
                      q->app->reply_spool);
    }
    q->rfile_wr += len;
    q->spilled += len;
    apr_brigade_cleanup(q->out);
    return 1;
}

/* An HTTP/2 stream has no socket that says whether the client keeps up:
 * mod_http2 takes at most H2StreamMaxMemSize of it and then blocks the
 * pass until the client has read some. So while the worker has more of the
 * reply ready, what came is held (in reply-buffer: no temporary file for a
 * client that may be fast), and it goes on when the worker has nothing
 * more for the moment, when some of it has waited PA_AHEAD_MAX (a streamed
 * reply still reaches the client as it comes, if a little later), or at
 * the reply's end, once the worker is free: a reply the app sends in one
 * go does not keep its worker for a slow HTTP/2 client. Not before the
 * first pass (the headers go at once). */
static int reading_ahead(const pa_req_t *q)
{
    return q->app->reply_buffer && q->client_fd < 0
           && q->r->connection->master && q->passed && !q->gone
           && !q->answered
           && (!q->held_len
               || pa_now() - q->held_since < PA_AHEAD_MAX);
}

/* Reading ahead: whether the worker sends more within PA_AHEAD_PAUSE_MS
 * (a gap within what it sends in one go, not a pause of its reply). */
static int more_soon(const pa_req_t *q)
{
    struct pollfd pfd;

    pfd.fd = q->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    return poll(&pfd, 1, PA_AHEAD_PAUSE_MS) > 0;
}

/* Appends n bytes to the brigade's last heap bucket while it has room,
 * else to a new one of APR_BUCKET_BUFF_SIZE (apr_brigade_write(), once a
 * buffer is full, gives each write a bucket of its own size). */
static void append(apr_bucket_brigade *to, const char *data, apr_size_t n)
{
    while (n) {
        apr_bucket *e = APR_BRIGADE_LAST(to);
        apr_bucket_heap *h = NULL;
        apr_size_t room = 0, k;

        if (!APR_BRIGADE_EMPTY(to) && APR_BUCKET_IS_HEAP(e)) {
            h = e->data;
            room = h->alloc_len - ((apr_size_t)e->start + e->length);
        }
        if (!room) {
            if (n >= APR_BUCKET_BUFF_SIZE) {
                APR_BRIGADE_INSERT_TAIL(to, apr_bucket_heap_create(
                    data, n, NULL, to->bucket_alloc));
                return;
            }
            e = apr_bucket_heap_create(apr_bucket_alloc(APR_BUCKET_BUFF_SIZE,
                                                        to->bucket_alloc),
                                       APR_BUCKET_BUFF_SIZE, apr_bucket_free,
                                       to->bucket_alloc);
            e->length = 0;
            APR_BRIGADE_INSERT_TAIL(to, e);
            h = e->data;
            room = APR_BUCKET_BUFF_SIZE;
        }
        k = n < room ? n : room;
        memcpy(h->base + e->start + e->length, data, k);
        e->length += k;
        data += k;
        n -= k;
    }
}

/* Moves from's buckets to the end of to, their data copied (transient
 * buckets point into q->buf, which the next read reuses) and packed into
 * buffers of APR_BUCKET_BUFF_SIZE: an app that flushes each small write
 * sends a record, a bucket, of a few bytes, and a bucket set aside on its
 * own costs some hundred bytes more. */
static apr_status_t pack(apr_bucket_brigade *to, apr_bucket_brigade *from)
{
    while (!APR_BRIGADE_EMPTY(from)) {
        apr_bucket *b = APR_BRIGADE_FIRST(from);
        const char *data;
        apr_size_t n;
        apr_status_t rv;

        if (APR_BUCKET_IS_METADATA(b)) {
            APR_BUCKET_REMOVE(b);
            APR_BRIGADE_INSERT_TAIL(to, b);
            continue;
        }
        if ((rv = apr_bucket_read(b, &data, &n, APR_NONBLOCK_READ))
                != APR_SUCCESS) {
            return rv;
        }
        append(to, data, n);
        apr_bucket_delete(b);
    }
    return APR_SUCCESS;
}

/* Sets q->out aside: into q->held if it fits reply-buffer (and nothing is
 * in the temporary file, which comes after), else into the file if it fits
 * reply-spool (not when reading ahead: see reading_ahead()). 1 if it did. */
static int hold(pa_req_t *q)
{
    apr_off_t len = 0;

    apr_brigade_length(q->out, 0, &len);
    if (len < 0) {
        return 0;
    }
    if (spooled(q) || q->held_len + (apr_size_t)len > q->app->reply_buffer) {
        if (q->client_fd < 0 || !spill(q, len)) {
            return 0;
        }
    }
    else {
        /* A worker slower than our reads passes each small piece on its
         * own (pass_gathered()): packed, up to reply-buffer of them cost
         * about as much memory. */
        if (pack(q->held, q->out) != APR_SUCCESS) {
            return 0;
        }
        if (!q->held_len) {
            q->held_since = pa_now();
        }
        q->held_len += (apr_size_t)len;
    }
    if (!q->held_once && q->client_fd >= 0) {
        /* (Reading ahead for an HTTP/2 stream is not the client's doing.) */
        q->held_once = 1;
        apr_atomic_inc64(&q->sba->c.held);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, PALOGNO(00351)
                      "%s: the client takes the reply slower than worker "
                      "pid %ld sends it: holding up to %" APR_SIZE_T_FMT
                      " bytes of it in memory and %" APR_OFF_T_FMT " in a "
                      "temporary file", q->app->name, (long)q->claim.pid,
                      q->app->reply_buffer, q->app->reply_spool);
    }
    return 1;
}

/* All that is held goes before q->out: what is in memory, then the file's
 * part, as a file bucket. The file is the core's from then on (it sets
 * the bucket aside with the file, if it cannot send it at once): the rest
 * of the reply is held in memory alone, one file per request at most. */
static void unhold(pa_req_t *q)
{
    if (spooled(q)) {
        apr_brigade_insert_file(q->slice, q->rfile, q->rfile_rd, spooled(q),
                                q->r->pool);
        APR_BRIGADE_PREPEND(q->out, q->slice);
        q->rfile_rd = q->rfile_wr;
        q->no_spill = 1;
    }
    APR_BRIGADE_PREPEND(q->out, q->held);
    q->held_len = 0;
}

/* The next slice of the file's part into q->out; 0 if it cannot be read. */
static int unspool(pa_req_t *q)
{
    apr_bucket_alloc_t *ba = q->r->connection->bucket_alloc;
    apr_size_t n = spooled(q) < PA_HELD_SLICE ? (apr_size_t)spooled(q)
                                              : PA_HELD_SLICE;
    char *buf = apr_bucket_alloc(n, ba);
    apr_off_t at = q->rfile_rd;
    apr_status_t rv = apr_file_seek(q->rfile, APR_SET, &at);

    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(q->rfile, buf, n, NULL);
    }
    if (rv != APR_SUCCESS) {
        apr_bucket_free(buf);
        spool_error(q, rv, "reading");
        return 0;
    }
    APR_BRIGADE_INSERT_TAIL(q->out, apr_bucket_heap_create(buf, n,
                                                           apr_bucket_free,
                                                           ba));
    q->rfile_rd += n;
    return 1;
}

/* What the app sent, to the client. While the client is slower than the
 * app, up to reply-buffer of it is held here (drain() hands it on as the
 * client takes it), so that the worker can finish; beyond that, or at the
 * reply's end, all of it goes on at the client's pace. flush: the worker
 * has sent nothing more for now (an HTTP/2 stream's reading ahead ends). */
static void pass(pa_req_t *q, int flush)
{
    if (q->pend_len) {
        /* A copy of its own size: the core or hold() may keep it. */
        APR_BRIGADE_INSERT_HEAD(q->out,
            apr_bucket_heap_create(q->pend, q->pend_len, NULL,
                                   q->r->connection->bucket_alloc));
        q->pend_len = 0;
    }
    if (q->gone || q->answered) {
        apr_brigade_cleanup(q->out);
        drop_held(q);
        q->unflushed = 0;
        return;
    }
    if (!q->ended && (holding(q) || (!flush && reading_ahead(q)))
        && hold(q)) {
        return;
    }
    unhold(q);
    send_out(q, flush);
}

/* The reply broke after the headers went out: make the client see a
 * truncated response (no last chunk, connection closed), as mod_proxy does. */
static void abort_client(pa_req_t *q)
{
    request_rec *r = q->r;
    conn_rec *c = r->connection;

    apr_brigade_cleanup(q->out);
    drop_held(q);
    APR_BRIGADE_INSERT_TAIL(q->out, ap_bucket_error_create(HTTP_BAD_GATEWAY,
                                                           NULL, r->pool,
                                                           c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(q->out, apr_bucket_eos_create(c->bucket_alloc));
    ap_pass_brigade(r->output_filters, q->out);
    apr_brigade_cleanup(q->out);
    c->keepalive = AP_CONN_CLOSE;
}

/* The client's socket is writable: httpd's core writes what it holds for
 * it (as the MPM's write completion does: the core filter called with no
 * brigade); once that is out, the next slice of what we hold goes on, and
 * once all is out, a FLUSH pushes what other filters keep (mod_deflate). */
static void drain(pa_req_t *q)
{
    conn_rec *c = q->r->connection;
    ap_filter_t *core = c->output_filters;

    while (core->next) {
        core = core->next;
    }
    if (c->data_in_output_filters) {
        apr_status_t rv = core->frec->filter_func.out_func(core, NULL);

        if (rv != APR_SUCCESS) {
            client_lost(q, rv);
            return;
        }
        if (c->data_in_output_filters) {
            return;
        }
    }
    if (q->held_len) {
        apr_size_t n = q->held_len < PA_HELD_SLICE ? q->held_len
                                                   : PA_HELD_SLICE;
        apr_bucket *e;

        if (apr_brigade_partition(q->held, (apr_off_t)n, &e) != APR_SUCCESS) {
            n = q->held_len;
            e = APR_BRIGADE_SENTINEL(q->held);
        }
        q->slice = apr_brigade_split_ex(q->held, e, q->slice);
        APR_BRIGADE_CONCAT(q->out, q->held);
        APR_BRIGADE_CONCAT(q->held, q->slice);
        q->held_len -= n;
        send_out(q, 0);
    }
    else if (spooled(q)) {
        if (!unspool(q)) {
            /* The rest of the reply is lost: the client sees it cut. */
            q->why = "spool";
            abort_client(q);
            client_gone(q);
            return;
        }
        send_out(q, 0);
    }
    if (!q->held_len && !spooled(q) && !c->data_in_output_filters
        && q->unflushed && !q->gone) {
        send_out(q, 1);
    }
}

/* ---- the reply ------------------------------------------------------------ */

/* "; request GET /path": the client's request line without its query
 * (which may hold a token) nor version, for the lines about one request's
 * failure, so that the admin finds it in the access log. */
static const char *req_named(const request_rec *r)
{
    const char *line = r->the_request ? r->the_request : r->method;
    apr_size_t m = strcspn(line, " ");
    apr_size_t n = line[m] ? m + 1 + strcspn(line + m + 1, "? ") : m;

    return apr_pstrcat(r->pool, "; request ",
                       ap_escape_logitem(r->pool,
                                         apr_pstrmemdup(r->pool, line, n)),
                       NULL);
}

/* What broken() found wrong: the FastCGI records, the CGI header block,
 * or an SCGI reply's end. */
enum { PA_BAD_HEADERS = 0, PA_BAD_FCGI, PA_BAD_SCGI };

static void broken(pa_req_t *q, int kind, const char *what)
{
    long pid = (long)q->claim.pid;

    if (kind == PA_BAD_FCGI) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PALOGNO(00401)
                      "%s: bad FastCGI reply from worker pid %ld: %s%s",
                      q->app->name, pid, what, req_named(q->r));
    }
    else if (kind == PA_BAD_SCGI) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PALOGNO(00405)
                      "%s: bad %s reply from worker pid %ld: %s%s",
                      q->app->name,
                      q->app->protocol == PA_PROTO_CGI ? "CGI" : "SCGI", pid,
                      what, req_named(q->r));
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PALOGNO(00402)
                      "%s: bad CGI headers from worker pid %ld: %s%s",
                      q->app->name, pid, what, req_named(q->r));
    }
    q->fail = PA_FAIL_BROKEN;
}

/* httpd's output filter refuses a response header whose name is not a token
 * (any visible character under HttpProtocolOptions Unsafe) or whose value
 * holds a control character other than a tab, with a 500 that names no
 * app. Looked at here first, so that it is the app's bad reply: 502. */
typedef struct pa_field_check_t {
    request_rec *r;
    int strict;
    const char *bad;
} pa_field_check_t;

static int field_ok(void *baton, const char *name, const char *value)
{
    pa_field_check_t *fc = baton;
    const char *end = fc->strict ? ap_scan_http_token(name)
                                 : ap_scan_vchar_obstext(name);

    if (!*name || *end) {
        fc->bad = apr_psprintf(fc->r->pool, "a header name with a character "
                               "HTTP does not allow (%s)",
                               ap_escape_logitem(fc->r->pool, name));
        return 0;
    }
    if (*ap_scan_http_field_content(value)) {
        fc->bad = apr_psprintf(fc->r->pool, "header %s with a control "
                               "character in its value",
                               ap_escape_logitem(fc->r->pool, name));
        return 0;
    }
    return 1;
}

/* What is wrong with the reply's header fields, or NULL; *cl: its
 * Content-Length, -1 if it gives none. */
static const char *bad_field(request_rec *r, apr_off_t *cl)
{
    core_server_config *core = ap_get_core_module_config(r->server->module_config);
    pa_field_check_t fc;
    const char *length;

    fc.r = r;
    fc.strict = core->http_conformance != AP_HTTP_CONFORMANCE_UNSAFE;
    fc.bad = NULL;
    /* Content-Type is kept apart, in r->content_type. */
    if (r->content_type) {
        field_ok(&fc, "Content-Type", r->content_type);
    }
    if (!fc.bad && apr_table_do(field_ok, &fc, r->headers_out, NULL)) {
        apr_table_do(field_ok, &fc, r->err_headers_out, NULL);
    }
    /* One that is not a number would have whatever sits between httpd and
     * the client (and the client) read the body otherwise. (httpd keeps
     * the last of several.) */
    length = apr_table_get(r->headers_out, "Content-Length");
    *cl = -1;
    if (length) {
        /* httpd keeps the blanks after a value: not part of it (RFC 9110
         * 5.5), nor of the number. */
        apr_size_t n = strlen(length);

        while (n && (length[n - 1] == ' ' || length[n - 1] == '\t')) {
            n--;
        }
        if (length[n]) {
            length = apr_pstrndup(r->pool, length, n);
            apr_table_set(r->headers_out, "Content-Length", length);
        }
    }
    if (!fc.bad && length && !ap_parse_strict_length(cl, length)) {
        fc.bad = apr_psprintf(r->pool, "an invalid Content-Length (%s)",
                              ap_escape_logitem(r->pool, length));
    }
    return fc.bad;
}

/* The errors a stale copy may stand in for (RFC 5861 section 4). */
static int stand_in_status(int status)
{
    return status == HTTP_INTERNAL_SERVER_ERROR || status == HTTP_BAD_GATEWAY
           || status == HTTP_SERVICE_UNAVAILABLE
           || status == HTTP_GATEWAY_TIME_OUT;
}

/* A "Variable-NAME: value" header, as the variable NAME of r. */
static int take_variable(void *baton, const char *name, const char *value)
{
    request_rec *r = baton;
    static const apr_size_t plen = sizeof(PA_AUTH_VARIABLE) - 1;

    if (!strncasecmp(name, PA_AUTH_VARIABLE, plen) && name[plen]) {
        apr_table_set(r->subprocess_env, name + plen, value);
        apr_table_setn(r->notes, PA_NOTE_AUTH_VARS, "1");
    }
    return 1;
}

/* The Authorizer's valid header block (FastCGI 6.3). A 200 lets the request
 * go on: its Variable- headers become variables, and nothing else of the
 * reply is kept (its body is read and dropped). Anything else refuses it:
 * as the response (PA_ROLE_AUTH_REPLY, read on as any reply), or as a
 * status alone, an error's (a redirect counts as 403): the request may yet
 * go on, so none of the reply is kept. Returns whether the block needs no
 * more from headers_done(). */
static int authorizer_answered(pa_req_t *q)
{
    request_rec *r = q->r;
    int status = r->status;

    if (status == HTTP_OK && apr_table_get(r->headers_out, "Location")) {
        /* A CGI redirect (Location and no Status: to a login page): a
         * refusal, never a pass (mod_fcgid refuses it too). */
        status = r->status = HTTP_MOVED_TEMPORARILY;
    }
    if (status != HTTP_OK && q->role == PA_ROLE_AUTH_REPLY) {
        return 0;
    }
    if (status == HTTP_OK) {
        apr_table_do(take_variable, r, r->headers_out, NULL);
        apr_table_do(take_variable, r, r->err_headers_out, NULL);
        q->granted = 1;
    }
    else {
        q->status = ap_is_HTTP_ERROR(status) ? status : HTTP_FORBIDDEN;
    }
    r->headers_out = q->out_before;
    r->err_headers_out = q->err_out_before;
    r->status = HTTP_OK;
    r->status_line = NULL;
    r->content_type = q->type_before;
    r->content_languages = q->langs_before;
    r->mtime = q->mtime_before;
    q->discard = 1;
    return 1;
}

static int add_header(void *table, const char *name, const char *value)
{
    apr_table_addn(table, name, value);
    return 1;
}

/* Whether r serves an ErrorDocument (an internal redirect made for an
 * error, maybe redirected again since), not a front controller's rewrite. */
static int serves_error(const request_rec *r)
{
    for (; r->prev; r = r->prev) {
        if (ap_is_HTTP_ERROR(r->prev->status)) {
            return 1;
        }
    }
    return 0;
}

/* error-override=: whether httpd answers this error of the app itself
 * (ErrorDocument, or its own page), as ProxyErrorOverride; also after
 * mod_rewrite's internal redirect (which ProxyErrorOverride skips). Not
 * for an ErrorDocument or include the app serves: that is the answer. If
 * so, of the app's headers only those that give the status its meaning
 * and its cookies stay (the header scan put them all in err_headers_out,
 * which httpd sends with an error page). */
/* The app's headers an error page of httpd's in place of its reply keeps:
 * those about the client, not about the body it does not get (a
 * Content-Disposition would have the page saved as the download). */
static void error_page_headers(pa_req_t *q)
{
    request_rec *r = q->r;
    apr_table_t *kept = apr_table_copy(r->pool, q->err_out_before);

    apr_table_do(add_header, kept, r->err_headers_out, "WWW-Authenticate",
                 "Proxy-Authenticate", "Retry-After", "Set-Cookie", NULL);
    /* Also what drop_reply_headers() goes back to. */
    r->err_headers_out = q->err_out_before = kept;
    r->headers_out = q->out_before;
}

static int overridden(pa_req_t *q)
{
    request_rec *r = q->r;

    if (q->role != PA_ROLE_RESPONDER || !q->app->error_codes
        || !ap_is_HTTP_ERROR(r->status)
        || !q->app->error_codes[r->status - 400] || r->main
        || serves_error(r)) {
        return 0;
    }
    error_page_headers(q);
    q->status = r->status;
    q->overridden = 1;
    /* Else ap_die() takes it for the ErrorDocument's own failure and
     * serves the plain page. */
    r->status = HTTP_OK;
    r->status_line = NULL;
    q->discard = 1;
    return 1;
}

/* The header block is complete in q->hdr: apply it to the response. */
static void headers_done(pa_req_t *q)
{
    request_rec *r = q->r;
    const char *location, *bad, *sendfile = NULL;
    char line[MAX_STRING_LEN];
    apr_off_t cl;
    int rc;

    q->headers_done = 1;
    q->out_before = apr_table_copy(r->pool, r->headers_out);
    q->err_out_before = apr_table_copy(r->pool, r->err_headers_out);
    q->type_before = r->content_type;
    q->langs_before = r->content_languages;
    q->mtime_before = r->mtime;
    /* With a buffer of ours, httpd logs the bad line it found; without,
     * it first reads on to the end of the block into its own and logs
     * that ("Bad header: " and nothing). */
    if (q->head.nul) {
        /* httpd's scanner would end the block at a line that starts with
         * one, and drop what follows; cut a line short at one. */
        broken(q, PA_BAD_HEADERS, "a NUL byte in the header block");
        return;
    }
    line[0] = '\0';
    rc = ap_scan_script_header_err_brigade_ex(r, q->hdr, line,
                                              APLOG_MODULE_INDEX);
    apr_brigade_cleanup(q->hdr);
    /* httpd logs an offending line, and notes it for the error page, also
     * an invalid Status for which it still says OK: the client has no
     * business seeing the app's output (or its script's name). */
    apr_table_unset(r->notes, "error-notes");
    /* A 304 or 412 (ap_meets_conditions() said so) goes out with the app's
     * headers too: they are checked as for any other reply. */
    if (rc != OK && rc != HTTP_NOT_MODIFIED
        && rc != HTTP_PRECONDITION_FAILED) {
        broken(q, PA_BAD_HEADERS, *line
               ? apr_psprintf(r->pool, "unparsable header block, at "
                              "\"%.64s\"", ap_escape_logitem(r->pool, line))
               : "unparsable header block");
        return;
    }
    if (rc == OK && (!ap_is_HTTP_VALID_RESPONSE(r->status)
                     || ap_is_HTTP_INFO(r->status))) {
        /* A 1xx is interim: the client would read the body as the next
         * response. (The app's own text: "abc" is status 0.) */
        broken(q, PA_BAD_HEADERS, apr_psprintf(r->pool, "invalid Status %.64s",
               r->status_line ? ap_escape_logitem(r->pool, r->status_line)
                              : apr_itoa(r->pool, r->status)));
        return;
    }
    if (q->head.cl_conflict) {
        /* httpd kept the last: the body may have been framed by another. */
        broken(q, PA_BAD_HEADERS, "Content-Length given twice, with "
               "different values");
        return;
    }
    if ((bad = bad_field(r, &cl)) != NULL) {
        broken(q, PA_BAD_HEADERS, bad);
        return;
    }
    /* The framing is httpd's: an app's "chunked" over a plain body would
     * have the client read the body as chunks. */
    apr_table_unset(r->headers_out, "Transfer-Encoding");
    if (q->role != PA_ROLE_RESPONDER && authorizer_answered(q)) {
        return;
    }
    if (q->role == PA_ROLE_AUTH_REPLY) {
        /* A refusal, sent in place of httpd's error page at the access
         * check, before any handler's filters: it gets the ones httpd
         * gives its error pages ("Header always": HSTS, CSP). */
        ap_run_insert_error_filter(r);
    }
    /* Whether an answer came from the response cache is ours to say. */
    apr_table_unset(r->headers_out, PA_CACHE_STATUS_HEADER);
    apr_table_unset(r->err_headers_out, PA_CACHE_STATUS_HEADER);
    if (q->role == PA_ROLE_RESPONDER) {
        pa_cache_take_headers(r, q->app);
        /* With x-sendfile=, never to the client (a path on this machine),
         * also where it does not apply (a 304, a redirect). */
        sendfile = pa_sendfile_take(r, q->app);
    }
    if (rc == HTTP_NOT_MODIFIED) {
        /* No body, but read to the end. */
        r->status = HTTP_NOT_MODIFIED;
        q->discard = 1;
        return;
    }
    if (rc == HTTP_PRECONDITION_FAILED) {
        q->status = rc;
        q->discard = 1;
        return;
    }
    if (stand_in_status(r->status) && pa_cache_can_stand_in(q->cache)) {
        /* The app's own error, for which a stale copy is sent instead. */
        q->app_error = r->status;
        q->discard = 1;
        return;
    }
    if (overridden(q)) {
        return;
    }
    /* The body length it promises; a reply to HEAD, a 204 or a 304 may
     * give one and no body. */
    q->reply_cl = r->header_only || r->status == HTTP_NO_CONTENT
                  || r->status == HTTP_NOT_MODIFIED ? -1 : cl;
    location = apr_table_get(r->headers_out, "Location");
    if (location && r->status == HTTP_OK) {
        /* As mod_cgi: a local path is served by an internal redirect once
         * this worker is free again; a URL becomes a 302. */
        if (location[0] == '/') {
            q->redirect = location;
        }
        else {
            q->status = HTTP_MOVED_TEMPORARILY;
        }
        q->discard = 1;
        return;
    }
    /* Its body is dropped for the file's, sent once the worker is free. */
    if (sendfile) {
        q->sendfile = sendfile;
        q->discard = 1;
    }
}

static void on_stdout(pa_req_t *q, const char *data, apr_size_t len)
{
    apr_bucket_alloc_t *ba = q->r->connection->bucket_alloc;

    if (!q->headers_done) {
        apr_size_t used;

        switch (pa_fcgi_head_scan(&q->head, data, len, &used)) {
        case PA_FCGI_HEAD_LINE_TOO_LONG:
            broken(q, PA_BAD_HEADERS,
                   apr_psprintf(q->r->pool, "a header line longer than %d "
                                "bytes", PA_FCGI_HEAD_LINE_MAX));
            return;
        case PA_FCGI_HEAD_TOO_LONG:
            broken(q, PA_BAD_HEADERS,
                   apr_psprintf(q->r->pool, "headers longer than %d bytes",
                                PA_FCGI_HEAD_MAX));
            return;
        case PA_FCGI_HEAD_MORE:
            /* The read buffer is reused: keep a copy. */
            APR_BRIGADE_INSERT_TAIL(q->hdr,
                apr_bucket_heap_create(data, len, NULL, ba));
            return;
        case PA_FCGI_HEAD_DONE:
            APR_BRIGADE_INSERT_TAIL(q->hdr,
                apr_bucket_transient_create(data, used, ba));
            headers_done(q);
            data += used;
            len -= used;
            break;
        }
        if (q->fail) {
            return;
        }
    }
    q->body_in += len;
    if (q->reply_cl >= 0 && q->body_in > q->reply_cl) {
        /* The client takes the promised length and reads what follows as
         * the next response: cut there, as nginx does. */
        apr_off_t over = q->body_in - q->reply_cl;

        if (!q->overlong) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PALOGNO(00407)
                          "%s: worker pid %ld sent more body than its "
                          "Content-Length (%" APR_OFF_T_FMT "); the rest is "
                          "dropped%s", q->app->name, (long)q->claim.pid,
                          q->reply_cl, req_named(q->r));
            q->overlong = 1;
        }
        len = over >= (apr_off_t)len ? 0 : len - (apr_size_t)over;
    }
    /* A reply to HEAD, or a 204 or 304, is counted, not passed: mod_http2
     * drops a body from the first brigade only and sends the rest as DATA,
     * which clients take as a protocol error (on HTTP/1.1 httpd drops it
     * after the headers). */
    if (len && !q->discard && !q->r->header_only
        && !AP_STATUS_IS_HEADER_ONLY(q->r->status)) {
        APR_BRIGADE_INSERT_TAIL(q->out,
            apr_bucket_transient_create(data, len, ba));
    }
}

static void stderr_flush(pa_req_t *q)
{
    char text[PA_LOG_TEXT_SIZE(PA_STDERR_LINE_MAX)];
    const char *piece = q->errline;
    apr_size_t n = q->errline_len, len;
    apr_uint32_t dropped;

    if (n && q->errline[n - 1] == '\r') {
        n--;
    }
    q->errline_len = 0;
    if (!n) {
        return;
    }
    /* An app that writes without pause (a warning in a loop, a dump) must
     * not fill the error log: so many lines a second per app, as the
     * manager logs its workers' own stderr (PA00138). */
    if (!pa_quota_take(&q->sba->stderr_log, PA_STDERR_LINES, pa_now(),
                       &dropped)) {
        return;
    }
    if (dropped) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PALOGNO(00344)
                      "%s: %u lines of its FCGI_STDERR not logged (more "
                      "than %d a second)", q->app->name, dropped,
                      PA_STDERR_LINES);
    }
    for (; n > 0; piece += len, n -= len) {
        len = pa_log_fit(piece, n, PA_STDERR_LINE_MAX);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, q->r, PALOGNO(00310)
                      "%s: stderr: %s", q->app->name,
                      pa_log_text(text, piece, len));
    }
}

/* One log call per line, however the app split its records. */
static void on_stderr(pa_req_t *q, const char *data, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (data[i] == '\n') {
            stderr_flush(q);
            continue;
        }
        if (!q->errline) {
            q->errline = apr_palloc(q->r->pool, PA_STDERR_LINE_MAX);
        }
        else if (q->errline_len == PA_STDERR_LINE_MAX) {
            stderr_flush(q);
        }
        q->errline[q->errline_len++] = data[i];
    }
}

/* Body bytes still owed by a reply that gave a Content-Length, or 0. */
static apr_off_t short_of_length(pa_req_t *q)
{
    return q->reply_cl > q->body_in ? q->reply_cl - q->body_in : 0;
}

/* The reply ended short of its Content-Length: the client would wait for
 * the rest. Nothing else tells an SCGI worker that died mid-reply from the
 * end; a FastCGI one said it was done. */
static int ended_short(pa_req_t *q)
{
    apr_off_t owed = short_of_length(q);

    if (owed > 0) {
        broken(q, is_scgi(q) ? PA_BAD_SCGI : PA_BAD_FCGI,
               apr_psprintf(q->r->pool, "the reply ended %" APR_OFF_T_FMT
                            " bytes short of its Content-Length", owed));
    }
    return owed > 0;
}

static int unavailable(pa_req_t *q);

/* after: bytes the worker sent past its FCGI_END_REQUEST (in this read). */
static void on_end(pa_req_t *q, apr_size_t after)
{
    request_rec *r = q->r;

    q->ended = 1;
    stderr_flush(q);
    if (q->parser.adopted
        && apr_atomic_cas32(&q->sba->fixed_ids, 1, 0) == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00408)
                      "%s: worker pid %ld answered request id %u with id 1: "
                      "the app answers every request with id 1, so its kept "
                      "connections are sent id 1 from now on, and a reply "
                      "it sends after its request ended would reach the "
                      "next request on that worker (fix the app, or set "
                      "keep-conn=off)", q->app->name, (long)q->claim.pid,
                      (unsigned)q->reqid);
    }
    if (after) {
        /* The reply is whole, but the next one on this connection would
         * begin with them: the worker's stream is not to be trusted. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00406)
                      "%s: worker pid %ld sent %" APR_SIZE_T_FMT " bytes after "
                      "FCGI_END_REQUEST; it is replaced%s", q->app->name,
                      (long)q->claim.pid, after, req_named(r));
    }
    /* (Not by a connection renewed for this request: new, it proves
     * nothing of the app's closing it after a reply.) */
    if (q->kept && q->claim.nth >= 2 && !after && !q->sba->keep_proven
        && !q->renewed) {
        apr_atomic_set32(&q->sba->keep_proven, 1);
    }
    /* Free the worker before the last write to the client: the next request
     * in the queue gets it meanwhile. */
    release(q, after ? PA_RELEASE_BROKEN : PA_RELEASE_OK);
    if (!is_scgi(q) && q->parser.protocol_status != PA_FCGI_REQUEST_COMPLETE) {
        char quiet[96] = "";
        int level = APLOG_ERR;

        if (q->parser.protocol_status == PA_FCGI_OVERLOADED) {
            /* Said to every request while it lasts: as PA00304. */
            level = pa_loud(&q->sba->overloaded_log, APLOG_WARNING,
                            pa_now(), "refusals", quiet, sizeof(quiet));
        }
        ap_log_rerror(APLOG_MARK, level, 0, r, PALOGNO(00403)
                      "%s: worker pid %ld refused the request (FastCGI "
                      "protocol status %d)%s%s", q->app->name,
                      (long)q->claim.pid, q->parser.protocol_status,
                      req_named(r), quiet);
    }
    if (!q->headers_done) {
        if (q->parser.protocol_status == PA_FCGI_REQUEST_COMPLETE) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00404)
                          "%s: worker pid %ld ended the request without a "
                          "complete header block%s", q->app->name,
                          (long)q->claim.pid, req_named(r));
        }
        /* A clean end of request: the worker itself is fine. An app that
         * says it is overloaded asks to be tried again later. */
        if (q->parser.protocol_status == PA_FCGI_OVERLOADED) {
            q->status = unavailable(q);
            q->why = "overloaded";
        }
        else {
            q->status = HTTP_BAD_GATEWAY;
            q->why = "bad-reply";
        }
        q->discard = 1;
        return;
    }
    if (!is_scgi(q) && !q->discard && ended_short(q)) {
        return;         /* the worker is fine: released above */
    }
    if (r->header_only && q->body_in && !q->passed && !q->discard
        && !apr_table_get(r->headers_out, "Content-Length")) {
        /* The length a GET's reply of the same body gets, as httpd's
         * content length filter would have counted it. */
        ap_set_content_length(r, q->body_in);
    }
    if (!q->discard || r->status == HTTP_NOT_MODIFIED) {
        APR_BRIGADE_INSERT_TAIL(q->out,
            apr_bucket_eos_create(r->connection->bucket_alloc));
    }
}

/* Run the FastCGI parser over n freshly read bytes. */
static void fcgi_records(pa_req_t *q, apr_size_t n)
{
    const char *in = q->buf;
    apr_size_t left = n;

    while (!q->fail && !q->ended) {
        const char *data = NULL;
        apr_size_t dlen = 0;

        switch (pa_fcgi_parse(&q->parser, &in, &left, &data, &dlen)) {
        case PA_FCGI_EV_STDOUT:
            on_stdout(q, data, dlen);
            continue;
        case PA_FCGI_EV_STDERR:
            on_stderr(q, data, dlen);
            continue;
        case PA_FCGI_EV_END:
            /* Its padding aside, nothing may follow it. Padding not read
             * yet is the next request's to drop. */
            if (left < q->parser.padding_left) {
                q->owed = (apr_uint32_t)(q->parser.padding_left - left);
            }
            on_end(q, left > q->parser.padding_left
                      ? left - q->parser.padding_left : 0);
            break;
        case PA_FCGI_EV_ERROR:
            broken(q, PA_BAD_FCGI, q->parser.error);
            /* Before any record of ours on a connection that carried
             * requests before, what is wrong is more likely what an
             * earlier reply left on it: out of step, as a late reply. */
            if (q->parser.stale
                || (!q->parser.ours && q->kept && q->claim.nth >= 2)) {
                q->fail = PA_FAIL_STALE;
            }
            break;
        case PA_FCGI_EV_MORE:
            break;
        }
        break;
    }
}

/* n freshly read bytes of the reply. */
static void process(pa_req_t *q, apr_size_t n)
{
    q->received += n;
    if (is_scgi(q)) {
        on_stdout(q, q->buf, n);        /* no framing: it is all reply */
    }
    else {
        fcgi_records(q, n);
    }
    /* Transient buckets point into q->buf: pass them before the next read,
     * or, while the reply comes in small reads, copy them to q->pend, until
     * there is PA_PASS_MIN of it or the worker pauses (pass_gathered()). A
     * small bucket passed each time would cost the client's connection
     * some hundred bytes per byte, as httpd's core holds up to
     * FlushMaxThreshold bytes of them for a client slower than the worker. */
    if (!q->fail && !APR_BRIGADE_EMPTY(q->out)) {
        apr_off_t len = 0;
        apr_size_t n;

        if (!q->ended) {
            apr_brigade_length(q->out, 0, &len);
        }
        if (q->ended || q->pend_len + (apr_size_t)len > PA_PASS_MIN) {
            pass(q, 0);
            return;
        }
        n = (apr_size_t)len;
        if (!q->pend) {
            q->pend = apr_palloc(q->r->pool, PA_PASS_MIN);
        }
        apr_brigade_flatten(q->out, q->pend + q->pend_len, &n);
        q->pend_len += n;
        apr_brigade_cleanup(q->out);
    }
}

static int timed_out(pa_req_t *q)
{
    return pa_now() >= q->deadline
           || q->claim.slot->retire == PA_RETIRE_TIMEOUT;
}

static void timeout(pa_req_t *q)
{
    if (q->cut) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, PALOGNO(00329)
                      "%s: httpd closed the client's connection (this child "
                      "is stopping) while worker pid %ld was working on its "
                      "request; replacing the worker", q->app->name,
                      (long)q->claim.pid);
        q->fail = PA_FAIL_CLIENT;
        return;
    }
    /* (Not once the manager has killed the worker for request-timeout:
     * that is what ended it, counted there.) */
    if (q->gone && gone_grace(q)
        && q->claim.slot->retire != PA_RETIRE_TIMEOUT) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, PALOGNO(00322)
                      "%s: client went away while worker pid %ld was working "
                      "on its request, which it did not finish within %d s; "
                      "replacing the worker", q->app->name,
                      (long)q->claim.pid, (int)apr_time_sec(PA_GONE_GRACE));
        apr_atomic_inc64(&q->sba->c.killed_client_gone);
        q->fail = PA_FAIL_CLIENT;
        return;
    }
    {
        /* The manager's last look (at most a second old): this child may
         * not read a worker's /proc of another user. */
        char doing[PA_DOING_SUFFIX_MAX];

        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, q->r, PALOGNO(00311)
                      "%s: worker pid %ld exceeded request-timeout (%ds)%s%s",
                      q->app->name, (long)q->claim.pid,
                      q->app->request_timeout,
                      pa_sb_doing_suffix(q->claim.slot, q->claim.start, doing,
                                         sizeof(doing)), req_named(q->r));
    }
    q->fail = PA_FAIL_TIMEOUT;
}

/* The worker closed (or reset) the connection. A reset says only that it
 * left input unread: a CGI program need not read all of its body. */
static void worker_eof(pa_req_t *q)
{
    if (q->ended) {
        return;
    }
    stderr_flush(q);
    if (timed_out(q)) {
        /* The manager killed it for request-timeout just before we gave up. */
        timeout(q);
    }
    else if (q->received == 0) {
        q->fail = PA_FAIL_DEAD;
    }
    else if (!is_scgi(q)) {
        broken(q, PA_BAD_FCGI, pa_fcgi_parser_eof_reason(&q->parser));
    }
    else if (!q->headers_done) {
        broken(q, PA_BAD_HEADERS, "the reply ended within its header block");
    }
    else if (q->discard || !ended_short(q)) {
        /* SCGI: EOF ends the reply. A body being dropped (a redirect, an
         * X-Sendfile) may well promise a length it does not send. */
        on_end(q, 0);
        if (!APR_BRIGADE_EMPTY(q->out)) {
            pass(q, 0);
        }
    }
}

/* The client's socket, to notice a hang-up: a request that waited long for
 * a worker is not sent if its client left meanwhile, and a long poll whose
 * client left would hold its worker until request-timeout. -1 for HTTP/2,
 * whose streams share a socket. */
static int client_socket(request_rec *r)
{
    apr_socket_t *sock = ap_get_conn_socket(r->connection);
    apr_os_sock_t fd;

    if (r->connection->master || !sock
        || apr_os_sock_get(&fd, sock) != APR_SUCCESS) {
        return -1;
    }
    return fd;
}

/* The client has hung up (or half-closed: the same to us, as to nginx);
 * for an HTTP/2 stream, reset it or dropped the connection. Or
 * PA_CLIENT_CUT: httpd closed the socket under us, as the event and worker
 * MPMs do to every connection of a child they stop at once (restart,
 * stop). */
#define PA_CLIENT_CUT 2
static int client_left(pa_req_t *q)
{
    struct pollfd pfd;

    if (q->client_fd < 0) {
        return q->r->connection->master && q->r->connection->aborted;
    }
    if (client_socket(q->r) != q->client_fd) {
        return PA_CLIENT_CUT;
    }
    pfd.fd = q->client_fd;
    pfd.events = POLLRDHUP;
    pfd.revents = 0;
    return poll(&pfd, 1, 0) == 1;
}

/* For the waits before a worker (the queue, cache-lock): a request whose
 * client left stops waiting, and is not sent; with ignore-client-abort=on
 * it goes on (the client may have asked with a short timeout on purpose),
 * unless this child is stopping. */
static int abandoned(pa_req_t *q)
{
    int left = client_left(q);

    return q->app->ignore_client_abort && left != PA_CLIENT_CUT ? 0 : left;
}

static int queued_client_left(void *baton)
{
    return abandoned(baton);
}

/* The worker pauses: what process() gathered goes on, as it would have
 * (no FLUSH: the core writes what the client's socket takes and keeps the
 * rest, which a held reply's drain() then hands on). */
static void pass_gathered(pa_req_t *q)
{
    if (q->pend_len) {
        pass(q, 0);
    }
}

/* About to wait (for the worker or the client's body): what went on is
 * flushed, and an HTTP/2 stream's read-ahead handed on, unless the client
 * is behind (drain() hands it on as it can take it). */
static void flush_passed(pa_req_t *q)
{
    if ((q->unflushed || (q->client_fd < 0 && q->held_len))
        && !holding(q)) {
        pass(q, 1);
    }
}

/* Whether the reply's headers wait for its body: they go on their own once
 * the worker has sent nothing for PA_HEADERS_WAIT (an event stream, a long
 * poll: the client sees its response begin; a reply that follows at once
 * still gets its Content-Length). Not while the request is still being
 * sent (its body may yet fail, for a response of httpd's), nor for HEAD
 * (its length is the body's the app sends), nor for a reply not passed
 * as it is, nor while a stale copy could stand in for a failure to come
 * (stale_if_error(): only before anything went out). */
static int headers_alone(const pa_req_t *q)
{
    return q->headers_done && !q->passed && q->req_sent && !q->discard
           && !q->fail && !q->ended && !q->gone && !q->answered
           && !q->r->header_only && q->role == PA_ROLE_RESPONDER
           && !pa_cache_has_fallback(q->cache);
}

/* Wait for events on the worker socket until the attempt's deadline; or
 * until the client hangs up (APR_ECONNABORTED), if it is watched; with
 * q->body_until, until its body comes on (APR_EAGAIN) or then. The
 * client joins the poll only from q->watch_from on (most replies come
 * sooner: no need to touch its socket). An HTTP/2 stream has no socket of
 * its own: mod_http2 marks its connection aborted when the client resets
 * it or goes, which is looked at every PA_STREAM_CHECK instead. */
static apr_status_t wait_worker(pa_req_t *q, short events, short *revents)
{
    struct pollfd pfd[2];
    int watch = q->watch && q->client_fd >= 0;
    int stream = q->watch && q->client_fd < 0 && q->r->connection->master;
    int body = q->body_until != 0;
    apr_time_t headers_at = 0;      /* when the headers go alone, 0 = not */

    pass_gathered(q);
    if (headers_alone(q)) {
        headers_at = pa_now() + PA_HEADERS_WAIT;
    }
    for (;;) {
        apr_time_t now = pa_now();
        apr_time_t until = body && q->body_until < q->deadline
                           ? q->body_until : q->deadline;
        apr_interval_time_t left = until - now, slice = left;
        int watching = now >= q->watch_from;
        /* A reply held for a slow client goes on as it can take it. */
        int draining = holding(q);
        nfds_t n = (watch && watching) || draining || body ? 2 : 1;
        int rc;

        if (left <= 0) {
            return APR_TIMEUP;
        }
        if (stream && watching && q->r->connection->aborted) {
            return APR_ECONNABORTED;
        }
        pfd[0].fd = q->fd;
        pfd[0].events = events;
        pfd[0].revents = 0;
        pfd[1].fd = q->client_fd;
        pfd[1].events = (watch && watching ? POLLRDHUP : 0)
                        | (draining ? POLLOUT : 0) | (body ? POLLIN : 0);
        pfd[1].revents = 0;
        if ((watch || stream) && !watching) {
            slice = q->watch_from - now;        /* then the client joins */
        }
        else if (stream) {
            slice = PA_STREAM_CHECK;
        }
        if (q->client_fd >= 0 && !q->gone) {
            /* httpd closing the socket under a poll() does not wake it. */
            if (client_socket(q->r) != q->client_fd) {
                q->cut = 1;
                return APR_ECONNABORTED;
            }
            if (slice > PA_CUT_CHECK) {
                slice = PA_CUT_CHECK;
            }
        }
        if (slice > left) {
            slice = left;
        }
        if (slice > PA_POLL_MAX) {
            slice = PA_POLL_MAX;        /* poll() takes an int of ms */
        }
        if (headers_at && now >= headers_at) {
            headers_at = 0;
            pass(q, 1);
            continue;
        }
        if (headers_at && slice > headers_at - now) {
            slice = headers_at - now;
        }
        rc = poll(pfd, n, (int)((slice + 999) / 1000));
        if (rc > 0 && pfd[0].revents) {
            *revents = pfd[0].revents;
            return APR_SUCCESS;
        }
        if (rc > 0 && body && (pfd[1].revents & ~POLLOUT)) {
            return APR_EAGAIN;          /* the body came on (or ended) */
        }
        if (rc > 0 && (pfd[1].revents & ~POLLOUT)) {
            q->cut = client_socket(q->r) != q->client_fd;
            if (q->cut || (watch && watching)) {
                return APR_ECONNABORTED;
            }
            /* Not watched (the app finishes any other method): what is
             * held is dropped, the rest of the reply read and dropped. */
            client_gone(q);
            continue;
        }
        if (rc > 0) {
            drain(q);
            continue;
        }
        if (rc == 0 && slice < left) {
            continue;
        }
        if (rc == 0) {
            return APR_TIMEUP;
        }
        if (errno != EINTR) {
            return APR_FROM_OS_ERROR(errno);
        }
    }
}

/* wait_worker() gave up: the deadline passed; or the client left, and the
 * worker gets PA_GONE_GRACE to finish a reply nobody reads (timeout() then
 * has it replaced). */
static void wait_failed(pa_req_t *q, apr_status_t rv)
{
    if (rv != APR_ECONNABORTED) {
        timeout(q);
        return;
    }
    client_gone(q);
}

/* Read and drop the *n bytes the worker owes, into the part of q->buf a
 * peek never fills (so peeked bytes there stay as they are), counting *n
 * down. Peeked ones are in the socket; the padding of an earlier
 * FCGI_END_REQUEST may still be on its way: a wait for it that ends (the
 * client left) leaves in *n what is still owed, for the next call. On
 * failure the stream is not what we counted: broken. */
static int skip_bytes(pa_req_t *q, apr_uint32_t *n, const char *what)
{
    const apr_size_t room = PA_READ_BUF - PA_PEEK_MAX;

    while (*n > 0) {
        ssize_t got = recv(q->fd, q->buf + PA_PEEK_MAX,
                           *n < room ? *n : room, MSG_DONTWAIT);
        apr_status_t rv;
        short revents;

        if (got > 0) {
            *n -= (apr_uint32_t)got;
        }
        else if (got < 0 && errno == EINTR) {
            continue;
        }
        else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            rv = wait_worker(q, POLLIN, &revents);
            if (rv != APR_SUCCESS) {
                wait_failed(q, rv);
                return -1;
            }
        }
        else {
            broken(q, PA_BAD_FCGI, what);
            return -1;
        }
    }
    return 0;
}

/* Read what the worker has sent and process it. With block, wait (up to the
 * deadline) until something arrives; first flushing what the client has not
 * been sent yet, so a slow reply reaches it progressively.
 *
 * On a kept connection the bytes are peeked, and consumed only once they are
 * known not to end the reply. The read that ends it leaves them in the
 * socket, and the next request on this worker drops them after it has sent
 * its own (q->claim.unread). Consuming them now would free the worker's send
 * buffer while it sleeps in read() for its next request, and the kernel
 * wakes a writer for that (unix_write_space) although there is nothing to
 * read: a context switch per request for nothing. Once the worker has been
 * woken by the next request, the drop finds nobody asleep. Peeks read at
 * most PA_PEEK_MAX; one that fills it starts a long reply, which is then
 * read plainly (a peek + read of each part would copy it twice). */
static void receive(pa_req_t *q, int block)
{
    short revents;
    ssize_t n;
    int peek = q->kept && !q->plain ? MSG_PEEK : 0;
    int dontwait = MSG_DONTWAIT, ahead;
    apr_status_t rv;

    if (q->gone && timed_out(q)) {
        /* The grace of a client gone holds however fast the worker writes
         * (then wait_worker() is never reached). */
        timeout(q);
        return;
    }
    if (q->claim.unread) {
        if (skip_bytes(q, &q->claim.unread, "the previous reply's end was "
                       "not on the kept connection") != 0) {
            return;
        }
    }

    /* Nothing has come yet: the reply is unlikely to be there already. On a
     * kept connection the first recv() waits for it (PA_CONN_RECV_WAIT_MS at
     * most, then the poll() below), one syscall instead of two. */
    if (block && q->received == 0) {
        if (q->kept) {
            dontwait = 0;
        }
        else {
            rv = wait_worker(q, POLLIN, &revents);
            if (rv != APR_SUCCESS) {
                wait_failed(q, rv);
                return;
            }
        }
    }
    for (;;) {
        n = recv(q->fd, q->buf, peek ? PA_PEEK_MAX : PA_READ_BUF,
                 dontwait | peek);
        dontwait = MSG_DONTWAIT;
        if (n == PA_PEEK_MAX && peek) {
            apr_uint32_t all = (apr_uint32_t)n;

            q->plain = 1;
            peek = 0;
            if (skip_bytes(q, &all, PA_PEEK_LOST) != 0) {
                return;
            }
        }
        if (n > 0) {
            q->peeked = peek ? (apr_uint32_t)n : 0;
            process(q, (apr_size_t)n);
            if (q->peeked && !q->ended && !q->fail) {
                skip_bytes(q, &q->peeked, PA_PEEK_LOST);
            }
            q->peeked = 0;
            return;
        }
        if (n == 0 || errno == ECONNRESET) {
            worker_eof(q);
            return;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, q->r, PALOGNO(00315)
                          "%s: reading from worker pid %ld failed",
                          q->app->name, (long)q->claim.pid);
            worker_eof(q);
            return;
        }
        if (!block) {
            return;
        }
        pass_gathered(q);
        if (q->fail) {
            return;
        }
        ahead = q->client_fd < 0 && q->held_len;   /* read ahead, held */
        if (ahead && reading_ahead(q) && more_soon(q)) {
            continue;
        }
        flush_passed(q);
        if (q->fail) {
            return;
        }
        rv = wait_worker(q, POLLIN, &revents);
        if (rv != APR_SUCCESS) {
            wait_failed(q, rv);
            return;
        }
    }
}

/* ---- the request ------------------------------------------------------------ */

/* Whether the request goes on being sent: not once the worker has
 * answered or failed. */
static int sending(const pa_req_t *q)
{
    return !q->fail && !q->ended;
}

/* Send iov[0..n) whole; true if it all went out. While the worker takes no
 * more input, read its reply: an app may answer before it has read the
 * whole body. */
static int send_all(pa_req_t *q, struct iovec *iov, int n)
{
    struct msghdr mh;

    memset(&mh, 0, sizeof(mh));
    while (n > 0 && sending(q)) {
        ssize_t w;

        mh.msg_iov = iov;
        mh.msg_iovlen = n;
        w = sendmsg(q->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0) {
            short revents = 0;
            apr_status_t rv;

            if (errno == EINTR) {
                continue;
            }
            if (!q->sent && (errno == EPIPE || errno == ECONNRESET)) {
                /* Gone before a byte of this request reached it (a kept
                 * connection to a worker that died idle). */
                q->fail = PA_FAIL_CONNECT;
                return 0;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                /* Gone: whatever it answered is still to be read. */
                while (!q->fail && !q->ended) {
                    receive(q, 1);
                }
                return 0;
            }
            rv = wait_worker(q, POLLIN | POLLOUT, &revents);
            if (rv != APR_SUCCESS) {
                wait_failed(q, rv);
                continue;
            }
            if (revents & (POLLIN | POLLHUP | POLLERR)) {
                receive(q, 0);
            }
            continue;
        }
        q->sent = 1;
        while (n > 0 && (apr_size_t)w >= iov->iov_len) {
            w -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= w;
        }
    }
    return n == 0;
}

/* The body's empty STDIN record, in a send of its own. */
static int send_end_alone(pa_req_t *q)
{
    unsigned char rec[PA_FCGI_HEADER_LEN];
    struct iovec iov;

    pa_fcgi_header_put(rec, PA_FCGI_STDIN, q->reqid, 0, 0);
    iov.iov_base = rec;
    iov.iov_len = sizeof(rec);
    q->end_alone = 1;
    return send_all(q, &iov, 1);
}

/* An error page carries none of the headers of a reply it replaces (its
 * cookies, or a bad field httpd would make a 500 of). */
static void drop_reply_headers(pa_req_t *q)
{
    if (q->headers_done) {
        q->r->headers_out = q->out_before;
        q->r->err_headers_out = q->err_out_before;
    }
}

/* The request body could not be had: status for the client, whatever the
 * app may have answered already. */
static void client_failed(pa_req_t *q, int status)
{
    q->status = status;
    q->fail = PA_FAIL_CLIENT;
    drop_reply_headers(q);
}

/* Whether the client's body was not all read: then httpd would read and
 * drop the rest before the response's end (as it must to keep the
 * connection), however long or slow an upload it is. */
static int body_unread(const pa_req_t *q)
{
    return q->role == PA_ROLE_RESPONDER && !q->body_complete
           && !q->body_streamed;
}

static void spool_failed(pa_req_t *q, apr_status_t rv)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, q->r, PALOGNO(00326)
                  "%s: reading the request body back from its temporary "
                  "file failed", q->app->name);
    client_failed(q, HTTP_INTERNAL_SERVER_ERROR);
    q->why = "spool";
}

/* The next part of the body beyond the buffered one, at most *len bytes
 * into buf: from the spool file, or as it comes from the client (with
 * APR_NONBLOCK_READ, APR_EAGAIN if none has). */
static apr_status_t body_part(pa_req_t *q, apr_bucket_brigade *bb, char *buf,
                              apr_size_t *len, int *eos,
                              apr_read_type_e block)
{
    apr_status_t rv;

    if (q->spool) {
        if ((apr_off_t)*len > q->spool_left) {
            *len = (apr_size_t)q->spool_left;
        }
        rv = *len ? apr_file_read_full(q->spool, buf, *len, NULL)
                  : APR_SUCCESS;
        q->spool_left -= *len;
        *eos = q->spool_left == 0;
        return rv;
    }
    rv = get_body(q, bb, *len, block);
    if (rv == APR_SUCCESS && APR_BRIGADE_EMPTY(bb)
        && block == APR_NONBLOCK_READ) {
        rv = APR_EAGAIN;                /* (a filter may say so) */
    }
    if (rv == APR_SUCCESS) {
        *eos = !APR_BRIGADE_EMPTY(bb)
               && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb));
        rv = apr_brigade_flatten(bb, buf, len);
        apr_brigade_cleanup(bb);
    }
    return rv;
}

/* No more of the body has come: wait for it and for the worker at once
 * (what the app answers meanwhile, progress, goes to the client as it
 * comes), for PA_BODY_RECHECK at most. APR_TIMEUP once the client has sent
 * nothing for the server's Timeout (since: when it last did, 0 = not
 * waiting), as httpd's blocking read would say. */
static apr_status_t await_body(pa_req_t *q, apr_time_t *since)
{
    apr_time_t now = pa_now();
    short revents;

    if (!*since) {
        *since = now;
    }
    if (now - *since >= q->r->server->timeout) {
        return APR_TIMEUP;
    }
    q->body_until = now + PA_BODY_RECHECK;
    /* Whatever else ended the wait, the next read or timed_out() sees it:
     * the reply (receive()), the body, a hang-up, request-timeout. Bytes
     * from the client end its silence even if they make no body yet (part
     * of a TLS record), as they would end a blocking read's wait. */
    if (wait_worker(q, POLLIN, &revents) == APR_EAGAIN) {
        *since = 0;
    }
    q->body_until = 0;
    if (q->cut) {
        timeout(q);                     /* httpd closed the socket */
    }
    return APR_SUCCESS;
}

/* The STDIN record of len bytes in q->stdin_buf (+ the empty one after it
 * if end). */
static int send_stdin(pa_req_t *q, apr_size_t len, int end)
{
    struct iovec iov;

    pa_fcgi_header_put((unsigned char *)q->stdin_buf, PA_FCGI_STDIN,
                       q->reqid, (apr_uint16_t)len, 0);
    iov.iov_base = q->stdin_buf;
    iov.iov_len = PA_FCGI_HEADER_LEN + len;
    if (end && len) {
        pa_fcgi_header_put((unsigned char *)q->stdin_buf
                           + PA_FCGI_HEADER_LEN + len,
                           PA_FCGI_STDIN, q->reqid, 0, 0);
        iov.iov_len += PA_FCGI_HEADER_LEN;
    }
    return send_all(q, &iov, 1);
}

/* Stream the body beyond the buffered part, one STDIN record per read
 * (SCGI: as it comes; the worker knows its length). */
static void send_body_rest(pa_req_t *q)
{
    request_rec *r = q->r;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool,
                                                r->connection->bucket_alloc);
    int eos = 0;
    /* An HTTP/1 client's socket can be watched along with the worker's
     * (an HTTP/2 stream's body comes from another thread). */
    apr_read_type_e block = q->client_fd >= 0 && !q->spool
                            ? APR_NONBLOCK_READ : APR_BLOCK_READ;
    apr_time_t silent = 0;              /* the client since then */

    if (!q->stdin_buf) {
        q->stdin_buf = apr_palloc(r->pool, 2 * PA_FCGI_HEADER_LEN
                                           + PA_STDIN_CHUNK);
    }
    while (!eos && sending(q)) {
        struct iovec iov;
        apr_size_t len = PA_STDIN_CHUNK;
        apr_status_t rv;

        /* What the app answered so far (progress as the body comes) goes
         * to the client before we may wait for more of the body: the
         * client may be waiting for it. */
        receive(q, 0);
        if (!sending(q)) {
            break;
        }
        pass_gathered(q);
        flush_passed(q);
        rv = body_part(q, bb, q->stdin_buf + PA_FCGI_HEADER_LEN, &len, &eos,
                       block);
        if (APR_STATUS_IS_EAGAIN(rv) && block == APR_NONBLOCK_READ) {
            rv = await_body(q, &silent);
            if (rv == APR_SUCCESS && !timed_out(q)) {
                continue;
            }
        }
        else {
            silent = 0;
        }
        if (timed_out(q)) {
            /* A client trickling its body holds the worker: request-timeout
             * holds for the upload too. The manager's kill may also have
             * cut the app's stdin short, and a reply to part of a request
             * must not pass for the answer to all of it. */
            timeout(q);
            return;
        }
        if (rv != APR_SUCCESS && q->spool) {
            spool_failed(q, rv);
            return;
        }
        q->body_streamed = eos && !q->spool;
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r, PALOGNO(00313)
                          "%s: reading the request body failed",
                          q->app->name);
            client_failed(q, ap_map_http_request_error(rv, HTTP_BAD_REQUEST));
            return;
        }
        if (is_scgi(q)) {
            iov.iov_base = q->stdin_buf + PA_FCGI_HEADER_LEN;
            iov.iov_len = len;
            q->req_sent = (!len || send_all(q, &iov, 1)) && eos;
            continue;
        }
        if (eos && q->kept) {
            /* (a body read on is over 64 KB, or spooled) */
            q->req_sent = (!len || send_stdin(q, len, 0))
                          && send_end_alone(q);
        }
        else if (len || eos) {
            q->req_sent = send_stdin(q, len, eos) && eos;
        }
    }
}

/* BEGIN_REQUEST + PARAMS + the buffered body (+ its end) in one sendmsg
 * (SCGI: the header netstring + the buffered body). */
static void send_request(pa_req_t *q, const char *begin, apr_size_t begin_len)
{
    unsigned char hdrs[3][PA_FCGI_HEADER_LEN];
    struct iovec iov[6];
    apr_size_t off = 0;
    int n = 0, h = 0, end, alone;

    iov[n].iov_base = (void *)begin;
    iov[n++].iov_len = begin_len;
    if (is_scgi(q) && q->body_len) {
        iov[n].iov_base = q->body;
        iov[n++].iov_len = q->body_len;
    }
    while (!is_scgi(q) && off < q->body_len) {
        apr_size_t len = q->body_len - off;

        if (len > PA_STDIN_CHUNK) {
            len = PA_STDIN_CHUNK;
        }
        pa_fcgi_header_put(hdrs[h], PA_FCGI_STDIN, q->reqid,
                           (apr_uint16_t)len, 0);
        iov[n].iov_base = hdrs[h++];
        iov[n++].iov_len = PA_FCGI_HEADER_LEN;
        iov[n].iov_base = q->body + off;
        iov[n++].iov_len = len;
        off += len;
    }
    end = q->body_complete && !q->spool && !is_scgi(q);
    alone = end && q->kept && q->body_len
            && begin_len + q->body_len
               + (apr_size_t)(h + 1) * PA_FCGI_HEADER_LEN > PA_END_ALONE_OVER;
    if (end && !alone) {
        pa_fcgi_header_put(hdrs[h], PA_FCGI_STDIN, q->reqid, 0, 0);
        iov[n].iov_base = hdrs[h];
        iov[n++].iov_len = PA_FCGI_HEADER_LEN;
    }
    q->req_sent = send_all(q, iov, n) && q->body_complete && !q->spool
                  && (!alone || send_end_alone(q));
    if (q->spool && sending(q)) {
        /* From its start: this may be a replay. */
        apr_off_t zero = 0;
        apr_status_t rv = apr_file_seek(q->spool, APR_SET, &zero);

        if (rv != APR_SUCCESS) {
            spool_failed(q, rv);
            return;
        }
        q->spool_left = q->spool_len;
    }
    if ((q->spool || !q->body_complete) && sending(q)) {
        send_body_rest(q);
    }
}

/* PA_FAIL_NONE, or how the worker could not be reached. renew: in place
 * of the kept connection q->fd, which the worker closed (kept_check()). */
static pa_fail_e connect_worker(pa_req_t *q, int renew)
{
    /* A request sent at the hand-off is on the kept connection. */
    int fd = renew ? pa_conn_renew(q->r, q->app, &q->claim, q->fd,
                                   keeps_conn(q), q->deadline, &q->kept)
                   : pa_conn_get(q->r, q->app, &q->claim,
                                 keeps_conn(q) || q->sent, q->deadline,
                                 &q->kept);

    q->fd = -1;
    if (fd < 0) {
        return fd == PA_CONN_UNAVAILABLE ? PA_FAIL_MANAGER : PA_FAIL_CONNECT;
    }
    q->fd = fd;
    return PA_FAIL_NONE;
}

/* How often a request looks whether its worker has read the end record the
 * request before left in their kept connection (the worker is still busy
 * with that one's aftermath): PA_END_STEP, PA_END_SLOW after PA_END_WAIT;
 * then how long it waits for the close that may follow. */
#define PA_END_STEP         100000L         /* ns */
#define PA_END_WAIT         apr_time_from_msec(50)
#define PA_END_SLOW         5000000L        /* ns */
#define PA_END_CLOSE        200000L         /* ns */

/* The request before left its body's end record unread (PA_LEFT_END): the
 * worker reads it as it goes for its next request, and PHP skips it, but
 * libfcgi takes it for a broken stream and closes the connection (and
 * accepts the next one). Sent before that close, this request would go
 * down with it. Whether the connection is still open once the worker has
 * read it (until request-timeout: the request is sent then). */
static int end_read_open(pa_req_t *q)
{
    struct pollfd pfd;
    struct timespec ts;
    apr_time_t now = pa_now(), slow = now + PA_END_WAIT;
    int rc, taken = 0;

    ts.tv_sec = ts.tv_nsec = 0;
    pfd.fd = q->fd;
    pfd.events = POLLRDHUP;
    for (;;) {
        pfd.revents = 0;
        rc = ppoll(&pfd, 1, &ts, NULL);
        if (rc == 1 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
            return 0;
        }
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        now = pa_now();
        if (taken || now >= q->deadline) {
            return 1;
        }
        taken = !unread_sent(q->fd);
        ts.tv_nsec = taken ? PA_END_CLOSE
                     : now < slow ? PA_END_STEP : PA_END_SLOW;
    }
}

/* Before a request goes on a kept connection after one that may have left
 * some of itself in it (pa_left_e). Closed over the body's end record, the
 * connection is renewed, for this worker. Closed after the worker read
 * the rest of the body only after its reply, it is what body_left() would
 * have found, had it looked a moment later: that worker goes
 * (PA_RELEASE_EARLY), and the request, not sent, to another one; but for
 * an app not known to keep its connections (one that closes them all
 * looks the same), renewed, for the next request to tell. */
static pa_fail_e kept_check(pa_req_t *q)
{
    if (q->claim.left == PA_LEFT_NONE
        || (q->claim.left == PA_LEFT_END ? end_read_open(q)
                                         : !pa_conn_closed(q->fd))) {
        return PA_FAIL_NONE;
    }
    if (q->claim.left == PA_LEFT_MAYBE && q->sba->keep_proven) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, PALOGNO(00348)
                      "%s: worker pid %ld closed its kept connection over "
                      "the rest of the last request's body, read after its "
                      "reply; not sent", q->app->name, (long)q->claim.pid);
        q->left_early = 1;
        return PA_FAIL_CONNECT;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, PALOGNO(00349)
                  "%s: worker pid %ld closed its kept connection over the "
                  "end of the last request's body; asking for a new one",
                  q->app->name, (long)q->claim.pid);
    q->claim.unread = 0;                /* it was on that one */
    q->renewed = 1;
    apr_atomic_inc64(&q->sba->c.renewed);
    return connect_worker(q, 1);
}

/* The second request on a kept connection of an app not known to keep
 * them: did the app close it after its first reply, although asked to keep
 * it? Sent into that close, a request is lost once the app has read it (a
 * POST cannot be sent again); seen here, it was never sent. The close comes
 * a moment after the reply's end: waited for until PA_KEEP_PROBE after it. */
static int closed_after_first(pa_req_t *q)
{
    struct pollfd pfd;
    apr_interval_time_t left;
    int rc;

    if (!q->kept || (q->claim.nth != 2 && !q->claim.renewed)
        || q->sba->keep_proven) {
        return 0;
    }
    left = q->claim.slot->last_used + PA_KEEP_PROBE - pa_now();
    if (left > PA_KEEP_PROBE) {
        left = PA_KEEP_PROBE;           /* the clock went back */
    }
    pfd.fd = q->fd;
    pfd.events = POLLRDHUP;     /* the end of its reply may be unread */
    do {
        pfd.revents = 0;
        rc = poll(&pfd, 1, left > 0 ? (int)((left + 999) / 1000) : 0);
    } while (rc < 0 && errno == EINTR);
    return rc == 1 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Whether the claimed worker failed before it executed its program (it
 * marks its slot with its pid), or was gone before the claim (no socket to
 * connect to): the request never reached it. Not a CGI launcher, which
 * reads its request before it executes the program. */
static int never_ran(const pa_req_t *q)
{
    if (q->app->protocol == PA_PROTO_CGI) {
        return 0;
    }
    /* (A slot granted as its fresh occupant failed: it is empty.) */
    return q->claim.pid ? q->claim.slot->child_failed
                          == (apr_uint32_t)q->claim.pid
                        : q->fail == PA_FAIL_CONNECT;
}

/* 503: try again later (no worker, or none reachable now): after the
 * crash-loop backoff's end while there is one, else after queue-timeout. */
static int unavailable(pa_req_t *q)
{
    apr_time_t now = pa_now(), until = q->sba->backoff_until;
    int secs = until > now ? (int)apr_time_sec(until - now
                                               + APR_USEC_PER_SEC - 1)
                           : q->app->queue_timeout;

    apr_table_setn(q->r->err_headers_out, "Retry-After",
                   apr_itoa(q->r->pool, secs > 0 ? secs : 1));
    return HTTP_SERVICE_UNAVAILABLE;
}

/* The app could not be had, or failed before anything of its reply went
 * out (500, 502, 503, 504: ours, or the app's own, whose reply was
 * dropped for this): a page the cache holds a stale copy of that may stand
 * in for an error gets it instead (the error is logged and counted all
 * the same). */
static int stale_if_error(pa_req_t *q, int status)
{
    int rc;

    if (!stand_in_status(status) || q->passed) {
        return status;
    }
    drop_reply_headers(q);
    rc = pa_cache_stale_on_error(q->r, q->cache, status);
    if (rc == DECLINED) {
        return status;
    }
    apr_atomic_inc64(&q->sba->c.cache_stale_if_error);
    return rc;
}

/* The whole request as a waiter leaves it to be sent at the hand-off
 * (pa_sb_claim()): FastCGI on a kept connection, its body (if any) all in
 * hand, PA_SB_REQ_MAX bytes at most; else NULL. Made once, its request id
 * set for each worker. Once a worker of the app has left by itself, only
 * requests that can be replayed: sent at once, one may reach a worker on
 * its way out, where the waiter's own send, later, would have found the
 * connection closed and gone elsewhere. */
static char *whole_request(pa_req_t *q, const char *begin,
                           apr_size_t begin_len)
{
    apr_size_t len = begin_len + q->body_len
                     + PA_FCGI_HEADER_LEN * (q->body_len ? 2 : 1);
    unsigned char *p;

    if (is_scgi(q) || !keeps_conn(q) || !q->body_complete || q->spool
        || len > PA_SB_REQ_MAX
        || (q->sba->self_exits && !replay_safe(q))) {
        return NULL;
    }
    if (!q->whole) {
        p = apr_palloc(q->r->pool, len);
        q->whole = (char *)p;
        q->whole_len = len;
        memcpy(p, begin, begin_len);
        p += begin_len;
        if (q->body_len) {
            pa_fcgi_header_put(p, PA_FCGI_STDIN, 1, (apr_uint16_t)q->body_len,
                               0);
            memcpy(p + PA_FCGI_HEADER_LEN, q->body, q->body_len);
            p += PA_FCGI_HEADER_LEN + q->body_len;
        }
        pa_fcgi_header_put(p, PA_FCGI_STDIN, 1, 0, 0);
    }
    return q->whole;
}

/* One attempt on one worker. Leaves the outcome in q->fail / q->status and
 * the worker claimed (the caller releases it). Returns OK, or an HTTP error
 * when no worker could be claimed. */
static int attempt(pa_req_t *q, const char *what, char *begin,
                   apr_size_t begin_len)
{
    request_rec *r = q->r;
    apr_time_t asked = pa_now(), now;
    apr_status_t rv;
    char *whole;
    int left;

    q->fd = -1;
    q->kept = q->sent = q->closed_first = q->left_early = q->renewed = 0;
    q->peeked = q->owed = 0;
    q->plain = 0;
    q->fail = PA_FAIL_NONE;
    q->received = 0;
    q->body_in = 0;
    q->reply_cl = -1;
    q->overlong = 0;
    q->req_sent = q->end_alone = 0;
    q->left = PA_LEFT_NONE;
    q->headers_done = q->ended = q->discard = 0;
    q->sendfile = NULL;
    pa_fcgi_head_init(&q->head);
    apr_brigade_cleanup(q->hdr);

    whole = whole_request(q, begin, begin_len);
    q->claim.replay = q->replay;        /* see pa_mgr_exited() */
    rv = pa_sb_claim(pa_scoreboard, q->app->index, what,
                     apr_time_from_sec(q->app->queue_timeout), &q->claim,
                     queued_client_left, q, whole, whole ? q->whole_len : 0);
    arrived(q);
    /* Its releaser sent it (or its start): the worker may be at it, and
     * its reply is read, client or not (the worker stays clean). */
    q->sent = rv == APR_SUCCESS && q->claim.sent > 0;
    now = pa_now();
    left = rv == APR_ECONNABORTED
           || (rv == APR_SUCCESS && !q->sent && now - asked >= PA_QUEUE_RECHECK)
           ? abandoned(q) : 0;
    if (left || rv == APR_ECONNABORTED) {
        /* Nobody would read the reply: the worker is not even told. */
        if (left == PA_CLIENT_CUT) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00327)
                          "%s: httpd closed the client's connection (this "
                          "child is stopping) while its request waited %"
                          APR_TIME_T_FMT " ms for a worker; not sent",
                          q->app->name, apr_time_as_msec(now - asked));
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00323)
                          "%s: client went away while its request waited %"
                          APR_TIME_T_FMT " ms for a worker; not sent",
                          q->app->name, apr_time_as_msec(now - asked));
        }
        apr_atomic_inc64(&q->sba->c.abandoned);
        q->claimed = rv == APR_SUCCESS;
        q->waited += now - asked;
        r->connection->aborted = 1;
        q->fail = PA_FAIL_CLIENT;
        return OK;
    }
    if (rv != APR_SUCCESS) {
        int busy = APR_STATUS_IS_TIMEUP(rv) || APR_STATUS_IS_EAGAIN(rv);
        apr_time_t end = pa_now();
        apr_interval_time_t queued = end - asked;
        char quiet[96];
        /* An overload or an outage sends every request here: one line per
         * PA_LOUD_EVERY_SEC at warn tells the admin, the rest go at info. */
        int level = pa_loud(&q->sba->refused_log,
                            busy ? APLOG_WARNING : APLOG_ERR, end,
                            "requests sent away", quiet, sizeof(quiet));
        const char *why = APR_STATUS_IS_TIMEUP(rv) ? "no worker free"
            : busy ? apr_pstrcat(r->pool, "no worker can come: ",
                                 pa_sb_refusal(pa_scoreboard, q->app->index),
                                 NULL)
            : "the wait queue granted no valid worker slot (shared memory "
              "damaged)";

        q->waited += queued;                    /* for the slowlog */
        q->why = APR_STATUS_IS_TIMEUP(rv) ? "queue-timeout" : "refused";
        ap_log_rerror(APLOG_MARK, level, busy ? 0 : rv, r,
                      PALOGNO(00304) "%s: %s after %" APR_TIME_T_FMT
                      " ms (queue-timeout %ds)%s", q->app->name, why,
                      apr_time_as_msec(queued), q->app->queue_timeout,
                      quiet);
        return unavailable(q);
    }
    q->claimed = 1;
    q->waited += now - asked;
    q->deadline = now + apr_time_from_sec(q->app->request_timeout);
    q->watch_from = now + PA_WATCH_AFTER;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00306)
                  "%s: slot %d (pid %ld) after waiting %" APR_TIME_T_FMT " us",
                  q->app->name, q->claim.slot_index, (long)q->claim.pid,
                  now - asked);

    q->fail = connect_worker(q, 0);
    if (q->sent && !q->fail && !q->kept) {
        /* Sent on the kept connection, which the manager would not hand
         * this child (the worker is being stopped, or the app closes its
         * connections): its reply is out of reach. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00354)
                      "%s: request sent to worker pid %ld at its hand-off, "
                      "but its kept connection cannot be had",
                      q->app->name, (long)q->claim.pid);
        q->fail = PA_FAIL_DEAD;
    }
    if (q->sent && (q->fail == PA_FAIL_CONNECT || q->fail == PA_FAIL_MANAGER)) {
        q->fail = PA_FAIL_DEAD;         /* it may have read it (PA00318) */
    }
    if (q->fail) {
        return OK;
    }
    if (q->kept && !q->sent && (q->fail = kept_check(q)) != PA_FAIL_NONE) {
        return OK;
    }
    if (!q->kept) {
        q->claim.unread = 0;            /* counted on the kept connection */
    }
    if (!is_scgi(q)) {
        /* A fresh connection carries nothing but this reply: id 1, as
         * other FastCGI clients send. On a kept one each request has an id
         * of its own (the occupant's first 2, then the next in 1..65535), so
         * that a reply sent after its request ended is not taken for the
         * next one's; unless the app answers every request with id 1 (found
         * on a first request). */
        q->reqid = q->sent ? (apr_uint16_t)q->claim.sent_id
                   : request_id(q, q->kept, q->claim.nth);
        pa_fcgi_set_request_id(begin, begin_len, q->reqid);
        pa_fcgi_parser_init(&q->parser, q->reqid);
        q->parser.one_ok = q->kept && q->claim.nth == 1;
        q->closed_first = !q->sent && !q->renewed && closed_after_first(q);
        if (q->closed_first) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00350)
                          "%s: worker pid %ld closed its kept connection "
                          "after its first reply; not sent", q->app->name,
                          (long)q->claim.pid);
            q->fail = PA_FAIL_CONNECT;
            return OK;
        }
    }
    if (q->sent) {
        struct iovec iov;

        pa_fcgi_set_request_id(q->whole, q->whole_len, q->reqid);
        iov.iov_base = q->whole + q->claim.sent;
        iov.iov_len = q->whole_len - q->claim.sent;
        q->req_sent = iov.iov_len == 0 || send_all(q, &iov, 1);
    }
    else {
        send_request(q, begin, begin_len);
    }
    if (q->app->protocol == PA_PROTO_CGI && !q->fail && !q->ended) {
        shutdown(q->fd, SHUT_WR);       /* stdin's EOF, as mod_cgi gives */
    }
    while (!q->fail && !q->ended) {
        receive(q, 1);
    }
    return OK;
}

/* How to release a worker that went away before answering. On a kept
 * connection that may also be an app that closes connections it was asked
 * to keep: the manager tells the two apart (is it still running?); or one
 * that closed it over a body it left (kept_check()). */
static pa_release_e gone(pa_req_t *q)
{
    /* (Closed just after kept_check() looked: replaced, and no judgement
     * of the app made of it.) */
    return q->left_early || (q->kept && !q->renewed
                             && q->claim.left != PA_LEFT_NONE)
           ? PA_RELEASE_EARLY
           : q->kept ? PA_RELEASE_CLOSED : PA_RELEASE_BROKEN;
}

/* A CGI launcher that read its request became the program (a launcher
 * that dies idle, even as it is claimed, is replaced in place and the
 * request waits for that one): an end without output is the program's,
 * which ran, and runs once, as under mod_cgi (a script that dies of a
 * syntax error is not run twice, nor its traceback logged twice). */
static int ran_without_output(const pa_req_t *q)
{
    return q->app->protocol == PA_PROTO_CGI && q->fail == PA_FAIL_DEAD;
}

/* May a request whose worker vanished be sent to another one? */
static int replayable(pa_req_t *q)
{
    if (q->gone) {
        return 0;                       /* nobody waits for it */
    }
    if (q->fail == PA_FAIL_CONNECT) {
        /* Not a byte reached the app; the body is still ours. */
        return 1;
    }
    if (never_ran(q)) {
        /* Nor here, though sent: whatever the method, if it is all ours
         * to send again. */
        return q->body_complete;
    }
    if (ran_without_output(q)) {
        return 0;
    }
    /* It may have acted on the request: only if doing so again is. */
    return (q->fail == PA_FAIL_DEAD || q->fail == PA_FAIL_STALE)
           && q->body_complete && replay_safe(q);
}

/* The request's outcome for the status page, the slowlog line and the
 * access log (r->notes). status is what the client got; the error counters
 * count it only if it is the module's own (ours), not a 503 the app
 * answered itself (maintenance). */
static void record(pa_req_t *q, int status, int ours)
{
    request_rec *r = q->r;
    apr_interval_time_t took = pa_now() - q->start;

    pa_sb_record(pa_scoreboard, q->app->index, ours ? status : 0, took);
    if (q->claim.pid) {
        apr_table_setn(r->notes, PA_NOTE_WORKER,
                       apr_ltoa(r->pool, (long)q->claim.pid));
    }
    apr_table_setn(r->notes, PA_NOTE_WAIT, apr_off_t_toa(r->pool, q->waited));
    /* A client gone while the worker finished (a reply cut short for it)
     * is said too; q->why itself stays "the module failed it" (an
     * authorizer's answer still counts). */
    if (q->why || q->gone) {
        apr_table_setn(r->notes, PA_NOTE_ERROR, q->why ? q->why : "client");
    }
    if (q->app->slowlog && took >= apr_time_from_sec(q->app->slowlog)) {
        apr_atomic_inc64(&q->sba->c.slow);
        /* The path only: a query string may carry secrets. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00321)
                      "%s: slow request %s %s: %.3f s, of which %.3f s "
                      "waiting for a worker; %s, status %d (slowlog=%d)",
                      q->app->name, ap_escape_logitem(r->pool, r->method),
                      ap_escape_logitem(r->pool, r->uri),
                      (double)took / APR_USEC_PER_SEC,
                      (double)q->waited / APR_USEC_PER_SEC,
                      q->claim.pid ? apr_psprintf(r->pool, "worker pid %ld",
                                                  (long)q->claim.pid)
                                   : "no worker", status, q->app->slowlog);
    }
}

/* mod_ssl adds its variables to a request at its fixups, after the
 * access checks an authorizer is asked at: that one gets HTTPS (which
 * mod_ssl always sets), the name the client asked for, and who its
 * certificate says it is (as SSLOptions +StdEnvVars would give), to decide
 * by them. An HTTP/2 stream's are its connection's. */
static void tls_env(request_rec *r, apr_table_t *env)
{
    static const char *const names[] = {
        "SSL_TLS_SNI", "SSL_PROTOCOL", "SSL_CLIENT_VERIFY", "SSL_CLIENT_S_DN",
        "SSL_CLIENT_S_DN_CN", "SSL_CLIENT_I_DN", "SSL_CLIENT_M_SERIAL"
    };
    conn_rec *c = r->connection->master ? r->connection->master
                                        : r->connection;
    apr_size_t i;

    if (!ap_ssl_conn_is_ssl(c)) {
        return;
    }
    apr_table_setn(env, "HTTPS", "on");
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = ap_ssl_var_lookup(r->pool, r->server, c, r, names[i]);

        if (v && *v) {
            apr_table_setn(env, names[i], v);
        }
    }
}

/* The Authorizer's variables (FastCGI 6.3): a responder's but those of a
 * body and a script, with the Authorization header whatever CGIPassAuth
 * says (checking it is the app's job), and vars over them. Made apart:
 * none of them are the handler's. */
static apr_table_t *authorizer_env(request_rec *r, const apr_table_t *vars)
{
    static const char *const unsent[] = {
        "CONTENT_LENGTH", "PATH_INFO", "PATH_TRANSLATED", "SCRIPT_NAME",
        "HTTP_PROXY", NULL
    };
    apr_table_t *env, *own = r->subprocess_env;
    const char *auth = apr_table_get(r->headers_in, "Authorization");
    char *path_info = r->path_info;
    int i;

    r->subprocess_env = apr_table_copy(r->pool, own);
    /* Without a path info, httpd makes no subrequest for PATH_TRANSLATED:
     * it would be checked here again. */
    r->path_info = NULL;
    ap_add_common_vars(r);
    ap_add_cgi_vars(r);
    r->path_info = path_info;
    env = r->subprocess_env;
    r->subprocess_env = own;
    for (i = 0; unsent[i]; i++) {
        apr_table_unset(env, unsent[i]);
    }
    if (auth) {
        apr_table_setn(env, "HTTP_AUTHORIZATION", auth);
    }
    tls_env(r, env);
    apr_table_overlap(env, vars, APR_OVERLAP_TABLES_SET);
    return env;
}

/* PreforkAppSetEnvIf, in order, over env: false if a condition could not
 * be evaluated (the request fails rather than going out with variables
 * the admin meant to change: one that should lose HTTP_AUTHORIZATION). */
static int fix_env(request_rec *r, const apr_array_header_t *fixups,
                   apr_table_t *env)
{
    const pa_env_fixup_t *f = (const pa_env_fixup_t *)fixups->elts;
    ap_regmatch_t match[AP_MAX_REG_MATCH];
    const char *err, *source;
    int i, rc;

    for (i = 0; i < fixups->nelts; i++) {
        err = NULL;
        rc = ap_expr_exec_re(r, f[i].cond, AP_MAX_REG_MATCH, match, &source,
                             &err);
        if (rc > 0 && f[i].value) {
            const char *val = ap_expr_str_exec_re(r, f[i].value,
                                                  AP_MAX_REG_MATCH, match,
                                                  &source, &err);
            if (!err) {
                apr_table_setn(env, f[i].name, val);
            }
        }
        else if (rc > 0) {
            apr_table_unset(env, f[i].name);
        }
        if (rc < 0 || err) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00336)
                          "PreforkAppSetEnvIf %s: cannot evaluate it: %s",
                          f[i].name, err ? err : "?");
            return 0;
        }
    }
    return 1;
}

/* Whether script (SCRIPT_FILENAME) is the app's own program: under
 * PreforkAppAlias, or an Action or a URL leading to the program's file.
 * Not so for a program that is a page itself, its own script (a
 * PreforkAppScripts program, a "#!/usr/bin/php-cgi" page). */
static int script_is_program(request_rec *r, const pa_app_t *app,
                             const char *script)
{
    const char *own = app->program, *program;
    apr_finfo_t a, b;

    if (!script || app->program_is_script || app->scripts) {
        return 0;
    }
    program = pa_app_host_path(r->pool, app, own);
    if (!strcmp(script, own) || !strcmp(script, program)) {
        return 1;
    }
    /* Another path to it (a link, an Alias), looked at now: an editor's
     * save gives the program a new file. */
    if (r->filename && !strcmp(script, r->filename)
        && (r->finfo.valid & APR_FINFO_IDENT) == APR_FINFO_IDENT) {
        a = r->finfo;
    }
    else if (apr_stat(&a, script, APR_FINFO_IDENT, r->pool) != APR_SUCCESS) {
        return 0;
    }
    return apr_stat(&b, program, APR_FINFO_IDENT, r->pool) == APR_SUCCESS
           && a.device == b.device && a.inode == b.inode;
}

/* A PreforkAppScripts program that is a PHP page ("#!/usr/bin/php-cgi"):
 * its programs are not read at run time. */
static int php_page(const pa_app_t *app, const char *script)
{
    apr_size_t n = script ? strlen(script) : 0;

    return app->scripts && n > 4 && !strcmp(script + n - 4, ".php");
}

/* php-cgi's Action hack applies: it runs PATH_TRANSLATED's file, not
 * script (its own program, as mod_fastcgi's Action layout has it). */
static int php_action(const apr_table_t *env, const char *script)
{
    const char *translated = apr_table_get(env, "PATH_TRANSLATED");

    return apr_table_get(env, "REDIRECT_URL") && translated
           && strcmp(translated, script);
}

/* A responder's variables, in r->subprocess_env, once the body has
 * started (INFLATE takes its Content-Encoding off); NULL if
 * PreforkAppSetEnvIf failed. */
static apr_table_t *responder_env(pa_req_t *q)
{
    request_rec *r = q->r;
    const pa_dir_conf_t *d = ap_get_module_config(r->per_dir_config,
                                                  &prefork_app_module);
    const char *alias = pa_alias_script_name(r), *info, *script;
    apr_table_t *env;
    int php, own;

    ap_add_common_vars(r);
    /* With MergeTrailers On, a body read before this (a small one is,
     * whole) put its trailer fields beside the headers of the same names
     * (apr_table_overlay()), and httpd adds both into an empty
     * subprocess_env: one name, two parameters, of which libfcgi's getenv
     * reads one and PHP the other. The trailer's wins, as it does in
     * mod_proxy_fcgi. (A sort: not for every request.) */
    if (!apr_is_empty_table(r->trailers_in)) {
        apr_table_compress(r->subprocess_env, APR_OVERLAP_TABLES_SET);
    }
    if (alias) {
        /* Its path info is the app's URL space, not a file's: without it
         * httpd makes no subrequest for a PATH_TRANSLATED. */
        char *path_info = r->path_info;

        r->path_info = NULL;
        ap_add_cgi_vars(r);
        r->path_info = path_info;
        apr_table_setn(r->subprocess_env, "SCRIPT_NAME", alias);
        if (path_info && *path_info) {
            apr_table_setn(r->subprocess_env, "PATH_INFO", path_info);
        }
    }
    else {
        ap_add_cgi_vars(r);
    }
    /* httpoxy: a client's "Proxy:" header must not become HTTP_PROXY. */
    apr_table_unset(r->subprocess_env, "HTTP_PROXY");
    /* What a proxy in front of Rack or Symfony says (a client's own is no
     * promise; without the key, one a proxy in front of httpd sets
     * passes). */
    if (q->app->sendfile_dirs) {
        apr_table_setn(r->subprocess_env, PA_SENDFILE_TYPE_VAR,
                       PA_SENDFILE_HEADER);
    }
    /* A body that came without a length it keeps has one now: the app is
     * told, as for any other (PHP reads none without it). */
    if (q->body_complete && !body_length_header(r)
        && (body_total(q)
            || apr_table_get(r->subprocess_env, "CONTENT_LENGTH")
            || apr_table_get(r->headers_in, "Transfer-Encoding"))) {
        apr_table_setn(r->subprocess_env, "CONTENT_LENGTH",
                       apr_off_t_toa(r->pool, body_total(q)));
        /* Nor does it come chunked any more: a framework that sees
         * "chunked" ignores the length and reads to EOF (mod_proxy_fcgi
         * sends no such pair either). */
        apr_table_unset(r->subprocess_env, "HTTP_TRANSFER_ENCODING");
    }
    env = r->subprocess_env;
    if (d->env_fixups && !fix_env(r, d->env_fixups, env)) {
        q->why = "setenvif";
        return NULL;
    }
    script = apr_table_get(env, "SCRIPT_FILENAME");
    php = q->app->runs_file == PA_RUNS_PHP || php_page(q->app, script);
    if (!q->app->runs_file && !php) {
        return env;
    }
    own = script_is_program(r, q->app, script);
    if (q->app->runs_file && own
        && !(q->app->runs_file == PA_RUNS_PHP && php_action(env, script))) {
        /* php-cgi would compile its own binary (or print its wrapper,
         * secrets and all), fcgiwrap start itself over and over (a chain
         * of hundreds of processes until request-timeout): a
         * PreforkAppAlias, or the program's own URL. Not php-cgi's own
         * Action layout, which runs the page PATH_TRANSLATED names. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00347)
                      "%s: not sent: it runs the file SCRIPT_FILENAME "
                      "names, which is its own program (%s%s); set "
                      "SCRIPT_FILENAME with PreforkAppSetEnvIf, or map its "
                      "files with SetHandler%s", q->app->name, script,
                      alias ? ", under PreforkAppAlias" : "", req_named(r));
        q->why = "runs-itself";
        return NULL;
    }
    /* php-cgi takes REDIRECT_URL with a PATH_TRANSLATED for an Action to
     * its own binary (the page in PATH_TRANSLATED): it runs the file
     * PATH_TRANSLATED names, or its first part that is a file, in place
     * of SCRIPT_FILENAME; with a PATH_INFO but no PATH_TRANSLATED it drops
     * the PATH_INFO. Behind a front controller's rewrite (`index.php/$1`),
     * or an Action to a script, that ran an upload or a denied file as
     * PHP. php-fpm has the hack too, but mod_proxy_fcgi's SCRIPT_FILENAME
     * turns it off. Not for other apps: Django reads REDIRECT_URL for the
     * URL prefix the client sees. */
    if (php && !own && apr_table_get(env, "REDIRECT_URL")
        && (((info = apr_table_get(env, "PATH_INFO")) && *info)
            || apr_table_get(env, "PATH_TRANSLATED"))) {
        apr_table_unset(env, "REDIRECT_URL");
    }
    return env;
}

/* app, if it is the pool of r's file: by that name, or by another while
 * the two still are one file (renamed, or deleted and its inode number
 * given to a new file, or a link made to point elsewhere, it is another
 * program); NULL otherwise. */
static pa_app_t *pool_of_file(request_rec *r, pa_app_t *app, int ident)
{
    apr_finfo_t fi;

    if (!app || (r->filename && !strcmp(app->argv[0], r->filename))) {
        return app;
    }
    return ident && apr_stat(&fi, app->argv[0], APR_FINFO_IDENT, r->pool)
                    == APR_SUCCESS
           && fi.device == r->finfo.device && fi.inode == r->finfo.inode
           ? app : NULL;
}

/* "prefork-app:NAME" of a PreforkAppScripts line: the pool of the
 * request's file, one of the programs it started. */
static int script_app(request_rec *r, const pa_scripts_t *sc, pa_app_t **app)
{
    int ident = (r->finfo.valid & APR_FINFO_IDENT) == APR_FINFO_IDENT;
    char real[PATH_MAX];
    struct stat dir;

    if (r->finfo.filetype == APR_NOFILE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00337)
                      "%s: no such program: %s", sc->name,
                      r->filename ? r->filename : r->uri);
        return HTTP_NOT_FOUND;
    }
    /* Its name (or one the start mapped to a program of its directory);
     * the program a symlink leads to; a hard link's own directory's
     * program (one in another directory is another site's copy). */
    *app = r->filename ? pool_of_file(r, apr_hash_get(sc->by_path,
                                                      r->filename,
                                                      APR_HASH_KEY_STRING),
                                      ident)
                       : NULL;
    if (!*app && r->filename && realpath(r->filename, real)) {
        *app = pool_of_file(r, apr_hash_get(sc->by_path, real,
                                            APR_HASH_KEY_STRING), ident);
    }
    if (!*app && ident && r->filename
        && stat(ap_make_dirstr_parent(r->pool, r->filename), &dir) == 0) {
        *app = pool_of_file(r, apr_hash_get(sc->by_file,
                                            pa_scripts_place(r->pool,
                                                             r->finfo.device,
                                                             r->finfo.inode,
                                                             &dir),
                                            APR_HASH_KEY_STRING),
                            ident);
    }
    if (!*app) {
        int rc = pa_scripts_take(r, sc, app);

        if (rc != DECLINED) {
            return rc;
        }
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00338)
                      "%s: %s is not one of the programs PreforkAppScripts "
                      "%s (%s:%d) started: \"%s\" does not match it, or it "
                      "is no program its workers may execute%s", sc->name,
                      r->filename ? r->filename : r->uri, sc->name, sc->file,
                      sc->line, sc->pattern, sc->new_programs ? ""
                      : " (with new-programs=0, programs added since "
                        "httpd started wait for a graceful restart)");
        return HTTP_FORBIDDEN;
    }
    return OK;
}

/* The request path of app name, in role (an Authorizer's: with vars). */
static int serve(request_rec *r, const char *name, pa_role_e role,
                 const apr_table_t *vars, pa_answer_e *answer)
{
    pa_server_conf_t *conf = pa_get_conf(r->server);
    const pa_scripts_t *scripts;
    const char *what;
    char *begin;
    apr_size_t begin_len;
    apr_table_t *env;
    pa_req_t *q;
    int dropped, rc, tries, closes = 0, spare;

    q = apr_pcalloc(r->pool, sizeof(*q));
    q->r = r;
    q->role = role;
    q->fd = -1;
    q->client_fd = client_socket(r);
    /* Only a safe method's worker (or an Authorizer's, which acts on
     * nothing) is killed when its client leaves; the app finishes anything
     * else, as it may be acting on it. */
    q->watch = role != PA_ROLE_RESPONDER || safe_method(r);
    q->start = pa_now();
    q->app = pa_find_app(conf, name);
    if (!q->app && role == PA_ROLE_RESPONDER
        && (scripts = pa_find_scripts(conf, name))
        && (rc = script_app(r, scripts, &q->app)) != OK) {
        return rc;
    }
    if (!q->app) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00301)
                      "no PreforkApp named '%s'%s (%s)", name,
                      pa_app_typo_hint(r->pool, conf, name, r->server),
                      role == PA_ROLE_RESPONDER
                      ? apr_pstrcat(r->pool, "handler ", r->handler, NULL)
                      : "to ask as an authorizer");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (role != PA_ROLE_RESPONDER && q->app->protocol != PA_PROTO_FASTCGI) {
        /* Configtest refuses it in the configuration files. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00333)
                      "%s: the app does not speak FastCGI, whose "
                      "Authorizer role it was to be asked in", name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    apr_table_setn(r->notes, PA_NOTE_APP, q->app->name);
    if (!pa_app_allowed(q->app, r->server)) {
        /* Another host's app (an .htaccess naming it): it would run this
         * host's scripts as its own user. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00332)
                      "%s: refused to virtual host %s: only the virtual "
                      "hosts whose configuration sections name the app may "
                      "use it", q->app->name,
                      pa_vhost_where(r->pool, r->server));
        return HTTP_FORBIDDEN;
    }
    if (role == PA_ROLE_RESPONDER
        && r->used_path_info == AP_REQ_REJECT_PATH_INFO && r->path_info
        && *r->path_info) {
        /* AcceptPathInfo Off, as mod_cgi and mod_fcgid honour it. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00330)
                      "%s: AcceptPathInfo Off refuses the path info %s",
                      q->app->name, ap_escape_logitem(r->pool, r->path_info));
        return HTTP_NOT_FOUND;
    }
    /* A fresh cached response needs no worker (and no manager). */
    rc = role != PA_ROLE_RESPONDER ? DECLINED
         : pa_cache_handle(r, q->app, &q->cache, queued_client_left, q);
    if (rc != DECLINED) {
        if (pa_scoreboard && pa_cache_served(q->cache) != PA_CACHE_NONE) {
            pa_sb_app_t *a = pa_sb_app(pa_scoreboard, q->app->index);

            apr_atomic_inc64(pa_cache_served(q->cache) == PA_CACHE_HIT
                             ? &a->c.cache_hits : &a->c.cache_stale);
        }
        return rc;
    }
    if (!pa_scoreboard) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00303)
                      "%s: no scoreboard: the process manager was not "
                      "started", q->app->name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    q->sba = pa_sb_app(pa_scoreboard, q->app->index);
    /* Until its claim (a body may take long to come in), the request
     * keeps a retired manager from taking its generation for idle. */
    apr_atomic_inc32(&q->sba->arriving);
    q->arriving = 1;
    apr_pool_cleanup_register(r->pool, q, arrived_cleanup,
                              apr_pool_cleanup_null);

    q->rest = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    /* A Range applies to GET alone (RFC 9110 14.2); httpd's byterange
     * filter would cut any method's reply that arrives whole. */
    if (role == PA_ROLE_RESPONDER && r->method_number != M_GET) {
        ap_remove_output_filter_byhandle(r->output_filters, "BYTERANGE");
    }
    /* The Authorizer gets no body: it is the handler's, after it. */
    q->body_complete = role != PA_ROLE_RESPONDER;
    rc = read_body_prefix(q);
    if (rc != OK) {
        /* No worker was involved, but the request counts, is logged if
         * slow (a slow upload that failed is what slowlog is for) and has
         * its note, as one that fails later. */
        if (!q->why) {
            q->why = "client";
        }
        record(q, rc, 1);
        return rc;
    }
    env = role != PA_ROLE_RESPONDER ? authorizer_env(r, vars)
                                    : responder_env(q);
    if (!env) {
        record(q, HTTP_INTERNAL_SERVER_ERROR, 1);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (is_scgi(q)) {
        scgi_begin(q, &begin, &begin_len);
    }
    else {
        /* Its request id is set for each attempt's worker. */
        begin = pa_fcgi_build_begin(r->pool, 1,
                                    role == PA_ROLE_RESPONDER
                                    ? PA_FCGI_RESPONDER : PA_FCGI_AUTHORIZER,
                                    keeps_conn(q) ? PA_FCGI_KEEP_CONN : 0,
                                    env, &begin_len, &dropped);
        if (dropped) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00314)
                          "%s: %d variable(s) longer than a FastCGI record "
                          "left out", q->app->name, dropped);
        }
    }

    what = apr_pstrcat(r->pool, r->method, " ", r->unparsed_uri, NULL);
    q->hdr = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    q->out = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    q->held = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    q->slice = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    q->buf = apr_palloc(r->pool, PA_READ_BUF);
    apr_pool_cleanup_register(r->pool, q, release_cleanup,
                              apr_pool_cleanup_null);

    for (tries = 0; ; tries++) {
        rc = attempt(q, what, begin, begin_len);
        if (rc != OK) {
            record(q, rc, 1);
            return stale_if_error(q, rc);
        }
        if ((q->fail != PA_FAIL_CONNECT && q->fail != PA_FAIL_DEAD
             && q->fail != PA_FAIL_STALE) || !replayable(q)) {
            break;
        }
        /* Nothing sent on a connection closed after its first reply
         * (PA00350 said so), or a worker that could not execute its
         * program (never read it: out of processes, EAGAIN): no try
         * spent, nor a retry counted, also after one was. The retry may
         * meet another worker at its second request before the manager
         * has found that the app closes its connections, or another
         * fresh one that cannot execute before the app backs off. */
        spare = (q->closed_first || q->left_early || never_ran(q))
                && ++closes <= PA_CLOSED_RETRIES;
        if (!spare && tries > 0) {
            break;
        }
        if (!spare) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00308)
                          "%s: worker pid %ld %s; retrying on another worker",
                          q->app->name, (long)q->claim.pid,
                          q->fail == PA_FAIL_STALE ? "is out of step"
                          : "went away before answering");
            apr_atomic_inc64(&q->sba->c.retries);
        }
        q->replay = !spare && q->fail == PA_FAIL_DEAD;
        release(q, q->fail == PA_FAIL_STALE ? PA_RELEASE_BROKEN : gone(q));
        tries -= spare;
    }

    switch (q->fail) {
    case PA_FAIL_NONE:
        release(q, PA_RELEASE_OK);
        if (q->redirect) {
            /* The reply was a local redirect: serve it as a GET, as mod_cgi
             * does, now that the worker is free (it may be this app). */
            record(q, HTTP_OK, 1);
            pa_cache_unfiltered(r, q->app, HTTP_OK);
            /* What the app left unread of the body is not the GET's. */
            ap_discard_request_body(r);
            r->method = "GET";
            r->method_number = M_GET;
            apr_table_unset(r->headers_in, "Content-Length");
            ap_internal_redirect_handler(q->redirect, r);
            return OK;
        }
        rc = q->status ? q->status : OK;
        if (q->status && role == PA_ROLE_RESPONDER) {
            pa_cache_unfiltered(r, q->app, q->status);
        }
        else if (q->sendfile
                 && (rc = pa_sendfile_serve(r, q->app, q->sendfile)) != OK) {
            error_page_headers(q);
            q->why = "x-sendfile";
        }
        break;
    case PA_FAIL_MANAGER:
        /* Untouched: its stream is where the last request left it (a
         * request sent at the hand-off is PA_FAIL_DEAD). */
        release(q, PA_RELEASE_OK);
        rc = unavailable(q);
        q->why = "manager";
        break;
    case PA_FAIL_CONNECT:
    case PA_FAIL_DEAD:
        if (ran_without_output(q)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00331)
                          "%s: no output from CGI program pid %ld: it "
                          "ended without any, or could not be executed%s",
                          q->app->name, (long)q->claim.pid, req_named(r));
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00309)
                          "%s: worker pid %ld went away before answering%s%s",
                          q->app->name, (long)q->claim.pid,
                          tries ? " (twice)"
                                : "; the request cannot be replayed",
                          req_named(r));
        }
        release(q, gone(q));
        rc = HTTP_BAD_GATEWAY;
        q->why = "worker-gone";
        break;
    case PA_FAIL_BROKEN:
    case PA_FAIL_STALE:
    case PA_FAIL_TIMEOUT:
        release(q, q->fail == PA_FAIL_TIMEOUT ? PA_RELEASE_TIMEOUT
                                              : PA_RELEASE_BROKEN);
        rc = q->fail == PA_FAIL_TIMEOUT ? HTTP_GATEWAY_TIME_OUT
                                        : HTTP_BAD_GATEWAY;
        q->why = q->fail == PA_FAIL_TIMEOUT ? "request-timeout" : "bad-reply";
        if (q->passed) {
            /* Counted as the failure it was, though the client got the
             * status line of the reply already. */
            abort_client(q);
            record(q, rc, 1);
            return OK;
        }
        drop_reply_headers(q);
        break;
    case PA_FAIL_CLIENT:
        /* A worker that got to the end of its reply, or was sent nothing,
         * is fine; one cut off in the middle is in an unknown state. */
        release(q, q->ended || !q->sent ? PA_RELEASE_OK : PA_RELEASE_ABANDONED);
        if (!q->why) {
            q->why = "client";          /* gone, or its body unreadable */
        }
        /* The client has the start of a reply that did not reach it
         * whole: it must not end as if it had (a last chunk). */
        if (q->passed && !r->connection->aborted
            && (!q->ended || !APR_BRIGADE_EMPTY(q->out) || q->held_len
                || spooled(q))) {
            abort_client(q);
        }
        rc = (q->status && !q->passed) ? q->status : OK;
        break;
    }
    if (body_unread(q)) {
        /* Answered before the body's end (the app's own answer too, a 403
         * to an upload): at once, not after the rest of it. */
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    record(q, rc == OK ? r->status : rc, rc != OK && !q->overridden);
    /* An Authorizer's answer (one without headers is a failure, 502). */
    if (role != PA_ROLE_RESPONDER && q->fail == PA_FAIL_NONE
        && q->headers_done && !q->why) {
        *answer = q->granted ? PA_ANSWER_GRANTED : PA_ANSWER_REFUSED;
        apr_atomic_inc64(q->granted ? &q->sba->c.auth_granted
                                    : &q->sba->c.auth_refused);
        if (!q->granted) {
            /* The app's decision: not an error of ours. */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00334)
                          "%s: the authorizer refused %s %s with status %d",
                          q->app->name,
                          ap_escape_logitem(r->pool, r->method),
                          ap_escape_logitem(r->pool, r->uri),
                          q->status ? q->status : r->status);
        }
    }
    if (rc == OK && q->filter_failed) {
        return AP_FILTER_ERROR;
    }
    return stale_if_error(q, rc == OK && q->app_error ? q->app_error : rc);
}

int pa_app_handler(request_rec *r)
{
    pa_answer_e answer;

    return serve(r, r->handler + sizeof(PA_HANDLER_PREFIX) - 1,
                 PA_ROLE_RESPONDER, NULL, &answer);
}

int pa_ask_app(request_rec *r, const char *name, int reply,
               const apr_table_t *vars, pa_answer_e *answer)
{
    *answer = PA_ANSWER_NONE;
    return serve(r, name, reply ? PA_ROLE_AUTH_REPLY : PA_ROLE_AUTH_STATUS,
                 vars, answer);
}
