/* Unit tests of the scoreboard (mod_prefork_app/scoreboard.c): claim and
 * release of worker slots, the FIFO wait queue with direct hand-off across
 * processes, and recovery of a lock whose holder died; and of the hand-out
 * of kept worker connections (mod_prefork_app/conn.c). Runs without httpd:
 * the few httpd symbols the files use are stubbed below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scoreboard.h"
#include "conn.h"
#include <sys/prctl.h>
#include <sys/socket.h>
#include "ap_mpm.h"
#include "unixd.h"
#include "apr_strings.h"

/* ---- httpd stubs ---------------------------------------------------------- */

module AP_MODULE_DECLARE_DATA prefork_app_module;
pa_sb_t *pa_scoreboard;
AP_DECLARE_DATA server_rec *ap_server_conf;
AP_DECLARE_DATA unixd_config_rec ap_unixd_config;
static int logged;

AP_DECLARE(void) ap_log_error_(const char *file, int line, int module_index,
                               int level, apr_status_t status,
                               const server_rec *s, const char *fmt, ...)
{
    logged++;
}

AP_DECLARE(void) ap_log_rerror_(const char *file, int line, int module_index,
                                int level, apr_status_t status,
                                const request_rec *r, const char *fmt, ...)
{
    logged++;
}

AP_DECLARE(apr_status_t) ap_mpm_query(int query_code, int *result)
{
    *result = query_code == AP_MPMQ_HARD_LIMIT_THREADS ? 8 : 2;
    return APR_SUCCESS;
}

AP_DECLARE(int) ap_state_query(int query_code)
{
    return 1;
}

AP_DECLARE(char *) ap_runtime_dir_relative(apr_pool_t *p, const char *fname)
{
    return apr_pstrcat(p, "/tmp/", fname, NULL);
}

/* ---- fixture: one app, processes=2, a scoreboard ------------------------- */

typedef struct fixture_t {
    apr_pool_t *pool;
    pa_app_t app;
    pa_server_conf_t conf;
    pa_sb_t *sb;
    pa_sb_app_t *a;
    char dir[64];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));

    apr_pool_create(&f->pool, NULL);
    strcpy(f->dir, "/tmp/pa-sb-test-XXXXXX");
    if (!mkdtemp(f->dir)) {
        return -1;
    }
    f->app.name = "t";
    f->app.min_procs = f->app.max_procs = 2;
    f->app.max_requests = 3;
    f->app.keep_conn = 1;
    f->conf.apps = apr_array_make(f->pool, 1, sizeof(pa_app_t *));
    APR_ARRAY_PUSH(f->conf.apps, pa_app_t *) = &f->app;
    f->conf.sockdir = f->dir;
    if (pa_sb_create(&f->sb, &f->conf, f->pool, NULL) != APR_SUCCESS) {
        return -1;
    }
    f->a = pa_sb_app(f->sb, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;

    pa_sb_remove_sockdir(f->sb->sockdir);
    rmdir(f->dir);
    apr_pool_destroy(f->pool);
    free(f);
    return 0;
}

/* What the manager does once a worker is forked into slot i. */
static void worker_up(fixture_t *f, int i, pid_t pid)
{
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, i);
    pa_waiter_t *granted;

    pa_sb_lock(f->sb, f->a);
    slot->seq++;
    slot->pid = pid;
    slot->requests = 0;
    slot->retire = PA_RETIRE_NONE;
    granted = pa_sb_slot_ready_locked(f->sb, f->a, i);
    pa_sb_unlock(f->sb, f->a);
    pa_sb_wake_waiter(granted);
}

static void wait_queue_len(fixture_t *f, apr_uint32_t n)
{
    int tries = 5000;

    while (f->a->queue_len != n && tries-- > 0) {
        usleep(1000);
    }
    assert_int_equal(f->a->queue_len, n);
}

static int wake_pending(fixture_t *f)
{
    struct pollfd p = { f->sb->wake_fd, POLLIN, 0 };
    int n = poll(&p, 1, 0);

    pa_sb_wake_drain(f->sb);
    return n == 1;
}

/* Slot 0's worker (pid 1000) claimed into *busy, and a forked waiter
 * queued behind it, with req (if any) left to be sent at the hand-off; the
 * waiter releases what it is granted as how. Returns the waiter's pid: it
 * exits 0 once it has. */
static pid_t queue_behind(fixture_t *f, pa_claim_t *busy, const char *req,
                          apr_size_t req_len, pa_release_e how)
{
    pid_t kid;

    f->a->max_requests = 0;
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    kid = fork();
    if (kid == 0) {
        pa_claim_t c = { 0 };

        if (pa_sb_claim(f->sb, 0, "w", apr_time_from_sec(30), &c, NULL, NULL,
                        req, req_len) != APR_SUCCESS) {
            _exit(1);
        }
        pa_sb_release(f->sb, &c, how, NULL, NULL);
        _exit(0);
    }
    wait_queue_len(f, 1);
    return kid;
}

/* A forked waiter queued (no worker idle) that exits 0 once it is sent
 * away (APR_EAGAIN) before its 30 s queue timeout; its pid. */
static pid_t queue_refused(fixture_t *f)
{
    pid_t kid = fork();

    if (kid == 0) {
        pa_claim_t c = { 0 };

        _exit(pa_sb_claim(f->sb, 0, "q", apr_time_from_sec(30), &c, NULL,
                          NULL, NULL, 0) == APR_EAGAIN ? 0 : 1);
    }
    wait_queue_len(f, 1);
    return kid;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_layout(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(f->sb->hdr->magic, PA_SB_MAGIC);
    assert_int_equal(f->sb->layout[0].nslots, 3);      /* 2 + headroom 1 */
    assert_int_equal(f->sb->layout[0].nwaiters, 16);   /* 2 daemons x 8 threads */
    assert_string_equal(f->sb->sockdir,
                        apr_psprintf(f->pool, "%s/pa-%ld.1", f->dir, (long)getpid()));
    assert_int_equal(pa_sb_slot(f->sb, f->a, 2)->last_exit_status, -1);
    assert_string_equal(pa_sb_socket_path(f->pool, f->sb, &f->app, 2),
                        apr_pstrcat(f->pool, f->sb->sockdir, "/t.2.sock", NULL));
    /* The children may write every byte of the segment, and the manager and
     * httpd's parent (root) remove and recreate the socket directory: its
     * path is theirs alone, never read back from the segment. */
    assert_null(memmem(f->sb->hdr, apr_shm_size_get(f->sb->shm), f->sb->sockdir,
                       strlen(f->sb->sockdir)));
}

static void test_claim_lowest_idle_and_release(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c1 = { 0 }, c2 = { 0 };

    worker_up(f, 1, 1001);
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "GET /a", apr_time_from_sec(1), &c1, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    assert_int_equal(c1.slot_index, 0);
    assert_int_equal(c1.pid, 1000);
    assert_int_equal(c1.slot->state, PA_SLOT_BUSY);
    assert_int_equal(c1.slot->client_pid, getpid());
    assert_string_equal(c1.slot->uri, "GET /a");
    assert_true(c1.slot->req_start > 0);
    assert_int_equal(pa_sb_claim(f->sb, 0, "GET /b", apr_time_from_sec(1), &c2, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    assert_int_equal(c2.slot_index, 1);
    assert_int_equal(f->a->c.accepted, 2);

    pa_sb_release(f->sb, &c1, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(c1.slot->state, PA_SLOT_IDLE);
    assert_int_equal(c1.slot->client_pid, 0);
    assert_int_equal(c1.slot->req_start, 0);
    assert_int_equal(c1.slot->requests, 1);
    pa_sb_release(f->sb, &c2, PA_RELEASE_BROKEN, NULL, NULL);
    assert_int_equal(c2.slot->state, PA_SLOT_STOPPING);
    assert_int_equal(c2.slot->retire, PA_RETIRE_BROKEN);
    /* Given up for the client's sake: replaced too, but the status page
     * says why apart from a broken reply. */
    c2.slot->retire = PA_RETIRE_NONE;
    c2.slot->state = PA_SLOT_BUSY;
    pa_sb_release(f->sb, &c2, PA_RELEASE_ABANDONED, NULL, NULL);
    assert_int_equal(c2.slot->state, PA_SLOT_STOPPING);
    assert_int_equal(c2.slot->retire, PA_RETIRE_ABANDONED);
    assert_true(wake_pending(f));
}

static void test_queue_timeout(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c = { 0 };

    assert_int_equal(pa_sb_claim(f->sb, 0, "x", apr_time_from_msec(50), &c, NULL, NULL, NULL, 0),
                     APR_TIMEUP);
    assert_int_equal(f->a->queue_len, 0);
    assert_int_equal(f->a->c.queue_max, 1);
    assert_int_equal(pa_sb_sweep_waiters_locked(f->sb, f->a, 1), 0);
    assert_int_equal(f->a->waiters_hw, 0);       /* the record was freed */
}

/* A request that sent its worker nothing (its client left, the manager did
 * not hand out the connection) gives it back idle, but not as a worker that
 * answered: that ends a crash loop's backoff. */
static void test_release_unsent(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c = { 0 };
    pa_slot_t *slot;

    worker_up(f, 0, 1000);
    slot = pa_sb_slot(f->sb, f->a, 0);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &c, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    c.unsent = 1;
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
    assert_int_equal(slot->answered, 0);
    assert_int_equal(pa_sb_claim(f->sb, 0, "b", 0, &c, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    assert_int_equal(c.unsent, 0);              /* each claim starts sent */
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->answered, 1);
}

static int gone_on_second_ask(void *baton)
{
    return ++*(int *)baton == 2;
}

/* A waiter whose request no longer wants a worker (its client left) leaves
 * the queue when asked, long before its queue timeout; the worker released
 * next goes idle, not to it. */
static void test_queue_waiter_gone(void **state)
{
    fixture_t *f = *state;
    pa_claim_t busy = { 0 }, c = { 0 };
    int asked = 0;

    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    assert_int_equal(pa_sb_claim(f->sb, 0, "b", apr_time_from_sec(60), &c,
                                 gone_on_second_ask, &asked, NULL, 0),
                     APR_ECONNABORTED);
    assert_int_equal(asked, 2);
    assert_int_equal(f->a->queue_len, 0);
    pa_sb_release(f->sb, &busy, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(busy.slot->state, PA_SLOT_IDLE);
}

/* An app with queue-limit=N has 2N + its slots wait records, not one per
 * thread httpd can have (here 2 children x (8 threads + 100 of
 * mod_http2)); one without, the latter. */
static void test_queue_limit_records(void **state)
{
    fixture_t *f = *state;
    pa_server_conf_t conf = f->conf;
    pa_app_t limited = f->app, open_ = f->app;
    pa_sb_t *sb;
    char dir[] = "/tmp/pa-sb-test-XXXXXX";

    assert_non_null(mkdtemp(dir));
    limited.name = "limited";
    limited.queue_limit = 20;
    open_.name = "open";
    conf.h2_workers = 100;
    conf.sockdir = dir;
    conf.apps = apr_array_make(f->pool, 2, sizeof(pa_app_t *));
    APR_ARRAY_PUSH(conf.apps, pa_app_t *) = &limited;
    APR_ARRAY_PUSH(conf.apps, pa_app_t *) = &open_;
    assert_int_equal(pa_sb_create(&sb, &conf, f->pool, NULL), APR_SUCCESS);
    assert_int_equal(pa_sb_app(sb, 0)->nwaiters, 2 * 20 + 3);
    assert_int_equal(pa_sb_app(sb, 1)->nwaiters, 2 * (8 + 100));
    pa_sb_remove_sockdir(sb->sockdir);
    rmdir(dir);
}

/* queue-limit: with one request waiting, the next is sent away at once
 * (APR_EAGAIN, not its queue timeout); the waiting one still gets the
 * worker released next. */
static void test_queue_limit(void **state)
{
    fixture_t *f = *state;
    pa_claim_t busy = { 0 }, c = { 0 };
    pid_t kid;
    int st;

    f->a->queue_limit = 1;
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    kid = fork();
    if (kid == 0) {
        _exit(pa_sb_claim(f->sb, 0, "b", apr_time_from_sec(30), &c, NULL,
                          NULL, NULL, 0) == APR_SUCCESS ? 0 : 1);
    }
    wait_queue_len(f, 1);
    assert_int_equal(pa_sb_claim(f->sb, 0, "c", apr_time_from_sec(60), &c,
                                 NULL, NULL, NULL, 0), APR_EAGAIN);
    assert_string_equal(pa_sb_refusal(f->sb, 0),
                        "queue-limit requests wait already");
    assert_int_equal(f->a->queue_len, 1);
    pa_sb_release(f->sb, &busy, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(f->a->queue_len, 0);
}

/* Request buffers (PA_SB_REQ_MAX each): 4 per worker of the largest pool,
 * within [PA_SB_REQ_RECORDS_MIN, _MAX] and the records; none for apps that
 * cannot use them (SCGI, CGI, keep-conn=off). Each app's lie after every
 * app's records, one after the other, inside the segment. */
static void test_request_buffers(void **state)
{
    fixture_t *f = *state;
    static const struct { int procs, proto, keep; apr_uint32_t nreqs; } apps[] = {
        { 2, PA_PROTO_FASTCGI, 1, 16 },
        { 10, PA_PROTO_FASTCGI, 1, 40 },
        { 100, PA_PROTO_FASTCGI, 1, 256 },
        { 10, PA_PROTO_SCGI, 1, 0 },
        { 10, PA_PROTO_CGI, 1, 0 },
        { 10, PA_PROTO_FASTCGI, 0, 0 },
    };
    const int n = (int)(sizeof(apps) / sizeof(apps[0]));
    pa_server_conf_t conf;
    pa_sb_t *sb;
    char *end;
    int i;

    memset(&conf, 0, sizeof(conf));
    conf.apps = apr_array_make(f->pool, n, sizeof(pa_app_t *));
    conf.sockdir = f->dir;
    conf.h2_workers = 200;              /* 2 x (8 + 200) = 416 records */
    for (i = 0; i < n; i++) {
        pa_app_t *app = apr_pcalloc(f->pool, sizeof(*app));

        app->name = apr_psprintf(f->pool, "r%d", i);
        app->min_procs = app->max_procs = apps[i].procs;
        app->protocol = apps[i].proto;
        app->keep_conn = apps[i].keep;
        APR_ARRAY_PUSH(conf.apps, pa_app_t *) = app;
    }
    assert_int_equal(pa_sb_create(&sb, &conf, f->pool, NULL), APR_SUCCESS);
    assert_int_equal(sb->layout[0].nwaiters, 416);
    end = (char *)sb->hdr + apr_shm_size_get(sb->shm);
    for (i = 0; i < n; i++) {
        assert_int_equal(sb->layout[i].nreqs, apps[i].nreqs);
        assert_true(sb->layout[i].reqs
                    >= (char *)(sb->layout[n - 1].waiters + sb->layout[n - 1].nwaiters));
        if (i > 0) {
            assert_ptr_equal(sb->layout[i].reqs, sb->layout[i - 1].reqs
                             + (apr_size_t)sb->layout[i - 1].nreqs * PA_SB_REQ_MAX);
        }
        assert_true(sb->layout[i].reqs + (apr_size_t)apps[i].nreqs * PA_SB_REQ_MAX <= end);
    }
    /* The fixture's app (processes=2, 16 records): 16 buffers. */
    assert_int_equal(f->sb->layout[0].nreqs, 16);
}

/* pa_sb_forward_fn for test_release_forwards: takes up to *baton bytes
 * (the rest is the waiter's to send) and remembers what it was given. */
static char fwd_seen[64];
static apr_size_t fwd_len;
static apr_uint64_t fwd_nth;

static apr_size_t take_some(void *baton, char *req, apr_size_t len,
                            apr_uint64_t nth, apr_uint32_t *id)
{
    apr_size_t take = *(apr_size_t *)baton;

    memcpy(fwd_seen, req, len < sizeof(fwd_seen) ? len : sizeof(fwd_seen));
    fwd_len = len;
    fwd_nth = nth;
    *id = 7;
    return take < len ? take : len;
}

/* A waiter's request goes to the releaser's forward function with the
 * grant (only on a clean release), which says how much it sent; a request
 * longer than PA_SB_REQ_MAX, or none, is not offered. */
static void test_release_forwards(void **state)
{
    fixture_t *f = *state;
    static char big[PA_SB_REQ_MAX + 1];
    struct { const char *req; apr_size_t len, take; pa_release_e how;
             apr_uint32_t sent, id; apr_size_t offered; } cases[] = {
        { "GET /a", 6, 4, PA_RELEASE_OK, 4, 7, 6 },
        { "GET /b", 6, 0, PA_RELEASE_OK, 0, 0, 6 },
        { big, sizeof(big), 100, PA_RELEASE_OK, 0, 0, 0 },
        { NULL, 0, 100, PA_RELEASE_OK, 0, 0, 0 },
        { "GET /c", 6, 6, PA_RELEASE_BROKEN, 0, 0, 0 },
    };
    apr_size_t i;

    f->a->max_requests = 0;
    worker_up(f, 0, 1000);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pa_claim_t busy = { 0 };
        apr_uint64_t before = f->a->c.sent_at_handoff;
        int fds[2], st;
        apr_uint32_t got[2] = { 99, 99 };
        pid_t kid;

        assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL,
                                     NULL, 0), APR_SUCCESS);
        assert_int_equal(busy.sent, 0);
        assert_int_equal(pipe(fds), 0);
        kid = fork();
        if (kid == 0) {
            pa_claim_t c = { 0 };
            apr_status_t rv = pa_sb_claim(f->sb, 0, "b", apr_time_from_sec(30),
                                          &c, NULL, NULL, cases[i].req,
                                          cases[i].len);
            apr_uint32_t out[2] = { c.sent, c.sent_id };

            if (rv != APR_SUCCESS || write(fds[1], out, sizeof(out)) != sizeof(out)) {
                _exit(1);
            }
            pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
            _exit(0);
        }
        close(fds[1]);
        wait_queue_len(f, 1);
        fwd_len = 0;
        pa_sb_release(f->sb, &busy, cases[i].how, take_some, &cases[i].take);
        if (cases[i].how != PA_RELEASE_OK) {
            /* Stopped, not handed over: the manager's fresh worker is,
             * with nothing sent. */
            worker_up(f, 0, 1001);
        }
        assert_int_equal(read(fds[0], got, sizeof(got)), sizeof(got));
        close(fds[0]);
        assert_int_equal(fwd_len, cases[i].offered);
        if (cases[i].offered) {
            assert_memory_equal(fwd_seen, cases[i].req, cases[i].len);
            assert_int_equal(fwd_nth, pa_sb_slot(f->sb, f->a, 0)->requests);
        }
        assert_int_equal(got[0], cases[i].sent);
        assert_int_equal(got[1], cases[i].id);
        assert_int_equal(f->a->c.sent_at_handoff - before, cases[i].sent ? 1 : 0);
        assert_int_equal(waitpid(kid, &st, 0), kid);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

/* pa_sb_forward_fn for test_handoff_occupant_replaced: sends it all, then
 * does what the manager does when the worker answers and leaves (or dies)
 * before its waiter wakes: a fresh one in the slot, in place under the
 * claim (same seq). */
static apr_size_t send_then_replace(void *baton, char *req, apr_size_t len,
                                    apr_uint64_t nth, apr_uint32_t *id)
{
    pa_slot_t *slot = baton;

    (void)req;
    (void)nth;
    *id = 5;
    slot->pid = 2000;
    slot->unread = 0;
    slot->requests = 1;
    return len;
}

/* A waiter whose request was sent at the hand-off claims the occupant it was
 * sent to, as it was then, even if another is in the slot by the time it
 * wakes: its reply is not on the fresh one's connection. Its release leaves
 * the fresh one idle. */
static void test_handoff_occupant_replaced(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t busy = { 0 };
    apr_uint64_t got[4] = { 0, 0, 0, 0 };
    int fds[2], st;
    pid_t kid;

    f->a->max_requests = 0;
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    assert_int_equal(busy.slot_index, 0);
    busy.unread = 24;                   /* the end of its reply, left */
    assert_int_equal(pipe(fds), 0);
    kid = fork();
    if (kid == 0) {
        pa_claim_t c = { 0 };
        apr_status_t rv = pa_sb_claim(f->sb, 0, "w", apr_time_from_sec(30),
                                      &c, NULL, NULL, "GET /w", 6);
        apr_uint64_t out[4];

        out[0] = (apr_uint64_t)c.pid;
        out[1] = c.unread;
        out[2] = c.nth;
        out[3] = c.sent;
        if (rv != APR_SUCCESS || c.slot_index != 0
            || write(fds[1], out, sizeof(out)) != sizeof(out)) {
            _exit(1);
        }
        pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
        _exit(0);
    }
    close(fds[1]);
    wait_queue_len(f, 1);
    pa_sb_release(f->sb, &busy, PA_RELEASE_OK, send_then_replace, slot);
    assert_int_equal(read(fds[0], got, sizeof(got)), sizeof(got));
    close(fds[0]);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(got[0], 1000);     /* the one it was sent to */
    assert_int_equal(got[1], 24);
    assert_int_equal(got[2], 2);
    assert_int_equal(got[3], 6);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
    assert_int_equal(slot->pid, 2000);
    assert_int_equal(slot->retire, PA_RETIRE_NONE);
}

/* pa_sb_forward_fn for test_grant_then_taken_back: sends nothing; then, as
 * a new manager does (pa_mgr_reset_slots()), takes the slot back and puts
 * another request's worker in it. */
static apr_size_t take_back(void *baton, char *req, apr_size_t len,
                            apr_uint64_t nth, apr_uint32_t *id)
{
    pa_slot_t *slot = baton;

    (void)req;
    (void)len;
    (void)nth;
    (void)id;
    slot->seq++;
    slot->pid = 3000;
    return 0;
}

/* A waiter granted a slot that is taken back before it wakes holds a claim
 * on the occupant it was granted: its release leaves the slot, someone
 * else's now, alone. */
static void test_grant_then_taken_back(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t busy = { 0 };
    pid_t kid = queue_behind(f, &busy, "GET /w", 6, PA_RELEASE_BROKEN);
    int st;

    pa_sb_release(f->sb, &busy, PA_RELEASE_OK, take_back, slot);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(slot->state, PA_SLOT_BUSY);
    assert_int_equal(slot->retire, PA_RETIRE_NONE);
}

/* Once the app is known to close its kept connections (keep_off), a clean
 * release on a kept one is not handed to a waiter (it would connect anew
 * behind the kept connection the worker still reads): closed, for the
 * manager to hang up. On a connection of its own, it is handed on. */
static void test_release_kept_under_keep_off(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t busy = { 0 };
    pa_waiter_t *granted;
    pid_t kid = queue_behind(f, &busy, NULL, 0, PA_RELEASE_OK);
    int st;

    f->a->keep_off = 1;
    pa_sb_wake_drain(f->sb);
    busy.kept = 1;
    pa_sb_release(f->sb, &busy, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_STOPPING);
    assert_int_equal(slot->retire, PA_RETIRE_CLOSED);
    assert_int_equal(f->a->queue_len, 1);       /* not handed on */
    assert_true(wake_pending(f));
    /* The manager, once it has hung up: the worker is fine. */
    pa_sb_lock(f->sb, f->a);
    slot->retire = PA_RETIRE_NONE;
    granted = pa_sb_slot_ready_locked(f->sb, f->a, 0);
    pa_sb_unlock(f->sb, f->a);
    assert_non_null(granted);
    pa_sb_wake_waiter(granted);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(slot->state, PA_SLOT_IDLE);

    /* Not kept (connected per request): handed on as usual. */
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    kid = fork();
    if (kid == 0) {
        pa_claim_t c = { 0 };

        _exit(pa_sb_claim(f->sb, 0, "w", apr_time_from_sec(30), &c, NULL,
                          NULL, NULL, 0) == APR_SUCCESS && c.slot_index == 0
              ? 0 : 1);
    }
    wait_queue_len(f, 1);
    pa_sb_release(f->sb, &busy, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(slot->state, PA_SLOT_BUSY);    /* the waiter's now */
}

/* Three processes queue in order; one worker is handed from each release
 * straight to the next waiter, oldest first. */
static void test_fifo_handoff(void **state)
{
    fixture_t *f = *state;
    pid_t kids[3];
    int fds[2], k;
    char order[4] = { 0 };

    f->a->max_requests = 0;
    assert_int_equal(pipe(fds), 0);
    for (k = 0; k < 3; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            pa_claim_t c = { 0 };
            char me = (char)('0' + k);

            if (pa_sb_claim(f->sb, 0, "q", apr_time_from_sec(20), &c, NULL, NULL, NULL, 0) != APR_SUCCESS
                || write(fds[1], &me, 1) != 1) {
                _exit(1);
            }
            usleep(20000);
            pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
            _exit(0);
        }
        wait_queue_len(f, k + 1);
    }
    worker_up(f, 0, 1000);
    assert_int_equal(read(fds[0], order, 1), 1);
    assert_int_equal(read(fds[0], order + 1, 1), 1);
    assert_int_equal(read(fds[0], order + 2, 1), 1);
    assert_string_equal(order, "012");
    for (k = 0; k < 3; k++) {
        int st;

        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(pa_sb_slot(f->sb, f->a, 0)->state, PA_SLOT_IDLE);
    assert_int_equal(pa_sb_slot(f->sb, f->a, 0)->requests, 3);
    assert_int_equal(f->a->queue_len, 0);
    close(fds[0]);
    close(fds[1]);
}

/* A process queues for a worker and is SIGKILLed there: its waiter record
 * stays behind. Its pid, not reaped yet: a zombie. */
static pid_t leave_zombie_waiter(fixture_t *f)
{
    pid_t kid = fork();

    if (kid == 0) {
        pa_claim_t c = { 0 };

        pa_sb_claim(f->sb, 0, "q", apr_time_from_sec(30), &c, NULL, NULL, NULL, 0);
        _exit(0);
    }
    wait_queue_len(f, 1);
    kill(kid, SIGKILL);
    usleep(100000);
    return kid;
}

static void leave_dead_waiter(fixture_t *f)
{
    int st;

    waitpid(leave_zombie_waiter(f), &st, 0);
}

/* A waiter whose process died is never handed a worker. */
static void test_dead_waiter_skipped(void **state)
{
    fixture_t *f = *state;

    leave_dead_waiter(f);
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_slot(f->sb, f->a, 0)->state, PA_SLOT_IDLE);
    assert_int_equal(f->a->queue_len, 0);
}

/* A zombie passes the hand-off's kill(0) and is granted the worker; once
 * it is reaped, the manager's checking sweep frees its record, which no
 * waiter would ever free. */
static void test_sweep_frees_grant_of_dead_waiter(void **state)
{
    fixture_t *f = *state;
    pa_sb_layout_t *l = pa_sb_layout(f->sb, f->a);
    pid_t kid = leave_zombie_waiter(f);
    apr_uint32_t i;
    int st;

    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_slot(f->sb, f->a, 0)->client_pid, kid);
    waitpid(kid, &st, 0);
    pa_sb_lock(f->sb, f->a);
    pa_sb_sweep_waiters_locked(f->sb, f->a, 1);
    pa_sb_unlock(f->sb, f->a);
    for (i = 0; i < l->nwaiters; i++) {
        assert_int_equal(l->waiters[i].state, PA_WAIT_FREE);
    }
    assert_int_equal(f->a->waiters_hw, 0);
}

/* The manager's sweep counts waiters on every pass and frees dead ones'
 * records only when asked to check (a kill(0) each, under the lock). */
static void test_sweep_checks_life_when_asked(void **state)
{
    fixture_t *f = *state;

    leave_dead_waiter(f);
    pa_sb_lock(f->sb, f->a);
    assert_int_equal(pa_sb_sweep_waiters_locked(f->sb, f->a, 0), 1);
    assert_int_equal(pa_sb_sweep_waiters_locked(f->sb, f->a, 1), 0);
    pa_sb_unlock(f->sb, f->a);
    assert_int_equal(f->a->queue_len, 0);
    assert_int_equal(f->a->waiters_hw, 0);
}

static void test_max_requests_retires(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c = { 0 };
    int i;

    worker_up(f, 0, 1000);
    for (i = 0; i < 2; i++) {
        assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
        pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    }
    wake_pending(f);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    /* Known at claim time, so the manager can start the replacement now. */
    assert_int_equal(c.slot->retire, PA_RETIRE_MAX_REQUESTS);
    assert_true(wake_pending(f));
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(c.slot->state, PA_SLOT_STOPPING);
}

/* max-requests=LO-HI (and lifetime=): slot 0 at LO, slot 1 halfway, then
 * the quarters, the eighths...; never outside the range. */
static void test_spread(void **state)
{
    int i;

    (void)state;
    assert_int_equal(pa_sb_spread(100, 199, 0), 100);
    assert_int_equal(pa_sb_spread(100, 199, 1), 150);
    assert_int_equal(pa_sb_spread(100, 199, 2), 125);
    assert_int_equal(pa_sb_spread(100, 199, 3), 175);
    assert_int_equal(pa_sb_spread(100, 199, 4), 112);
    assert_int_equal(pa_sb_spread(1, INT_MAX, 1), 1 << 30);
    assert_int_equal(pa_sb_spread(7, 7, 5), 7);
    assert_int_equal(pa_sb_spread(0, 0, 5), 0);
    for (i = 0; i < 4096; i++) {
        int v = pa_sb_spread(3, 10, i);

        assert_true(v >= 3 && v <= 10);
    }
    assert_int_equal(pa_sb_spread(3, 10, 4095), 10);
}

/* n claims and releases of slot i's worker, the only one idle: only the
 * nth marks it. */
static void claims_mark_at(fixture_t *f, int i, int n)
{
    pa_claim_t c = { 0 };
    int k;

    for (k = 1; k <= n; k++) {
        assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL,
                                     0), APR_SUCCESS);
        assert_int_equal(c.slot_index, i);
        assert_int_equal(c.slot->retire,
                         k < n ? PA_RETIRE_NONE : PA_RETIRE_MAX_REQUESTS);
        pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    }
}

/* What the manager saw a worker do is read back only for the request it
 * was seen during, and not while it is being rewritten. */
static void test_doing(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    char out[PA_DOING_MAX];

    assert_null(pa_sb_get_doing(slot, 1000, out));
    pa_sb_set_doing(slot, 1000, "waiting in read() on fd 7 (a pipe)");
    assert_string_equal(pa_sb_get_doing(slot, 1000, out), "waiting in read() on fd 7 (a pipe)");
    assert_null(pa_sb_get_doing(slot, 2000, out));     /* another request */
    assert_null(pa_sb_get_doing(slot, 0, out));        /* none */
    slot->doing_seq++;                                  /* a writer midway */
    assert_null(pa_sb_get_doing(slot, 1000, out));
    slot->doing_seq++;
    pa_sb_set_doing(slot, 2000, "running on a CPU");
    assert_string_equal(pa_sb_get_doing(slot, 2000, out), "running on a CPU");
    assert_null(pa_sb_get_doing(slot, 1000, out));
}

/* With a range, the claim that reaches the slot's own limit marks it. */
static void test_max_requests_range(void **state)
{
    fixture_t *f = *state;

    f->a->max_requests = 2;
    f->a->max_requests_hi = 4;          /* slot 0: 2, slot 1: 3 */
    worker_up(f, 1, 1001);
    claims_mark_at(f, 1, 3);
    worker_up(f, 0, 1000);
    claims_mark_at(f, 0, 2);
}

/* A worker marked for renewal only (max-requests, lifetime, ...) that is
 * released clean keeps that mark, and what its kept connection still holds
 * of the reply: the manager may let it serve again (a backoff). One whose
 * request went wrong is marked for that instead: never served again. */
static void test_renewal_mark_and_failure(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t c = { 0 };

    f->a->stretch = 1;
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    slot->retire = PA_RETIRE_LIFETIME;      /* marked by the manager */
    c.unread = 8;
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_STOPPING);
    assert_int_equal(slot->retire, PA_RETIRE_LIFETIME);
    assert_int_equal(slot->unread, 8);

    worker_up(f, 0, 1001);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    slot->retire = PA_RETIRE_LIFETIME;
    pa_sb_release(f->sb, &c, PA_RELEASE_BROKEN, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_STOPPING);
    assert_int_equal(slot->retire, PA_RETIRE_BROKEN);

    worker_up(f, 0, 1002);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    slot->retire = PA_RETIRE_MAX_REQUESTS;
    pa_sb_release(f->sb, &c, PA_RELEASE_ABANDONED, NULL, NULL);
    assert_int_equal(slot->retire, PA_RETIRE_ABANDONED);
}

static void claim_release(fixture_t *f, int n, pa_release_e how)
{
    pa_claim_t c = { 0 };

    while (n-- > 0) {
        assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
        pa_sb_release(f->sb, &c, how, NULL, NULL);
    }
}

/* In a crash-loop backoff recycling waits (its replacement would not start):
 * no claim marks the worker, and a mark from before the backoff is dropped
 * at release. Not max-requests for an app that leaves by itself after its
 * requests (lifetime and touch-reload do wait for it), nor a failure. */
static void test_recycling_waits_out_backoff(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t c = { 0 };

    f->a->stretch = 0;                      /* php-cgi: leaves at its limit */
    f->a->backoff_until = pa_now() + apr_time_from_sec(60);
    worker_up(f, 0, 1000);
    claim_release(f, 3, PA_RELEASE_OK);
    assert_int_equal(slot->state, PA_SLOT_STOPPING);

    f->a->stretch = 1;
    f->a->backoff_until = 0;
    worker_up(f, 0, 1001);
    claim_release(f, 2, PA_RELEASE_OK);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    assert_int_equal(slot->retire, PA_RETIRE_MAX_REQUESTS);
    f->a->backoff_until = pa_now() + apr_time_from_sec(60);
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
    assert_int_equal(slot->retire, PA_RETIRE_NONE);
    wake_pending(f);
    claim_release(f, 2, PA_RELEASE_OK);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
    assert_int_equal(slot->requests, 5);
    assert_false(wake_pending(f));
    claim_release(f, 1, PA_RELEASE_BROKEN);
    assert_int_equal(slot->state, PA_SLOT_STOPPING);

    f->a->stretch = 0;
    worker_up(f, 0, 1002);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    slot->retire = PA_RETIRE_RELOAD;        /* marked by the manager */
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
    assert_int_equal(slot->retire, PA_RETIRE_NONE);
}

static void test_release_after_worker_died_or_replaced(void **state)
{
    static const struct {
        apr_uint32_t retire;
        pa_release_e how;
        apr_uint32_t state;
    } replaced[] = {
        { PA_RETIRE_NONE, PA_RELEASE_BROKEN, PA_SLOT_IDLE },
        { PA_RETIRE_SHUTDOWN, PA_RELEASE_OK, PA_SLOT_STOPPING },
        { PA_RETIRE_TIMEOUT, PA_RELEASE_TIMEOUT, PA_SLOT_STOPPING },
    };
    fixture_t *f = *state;
    pa_claim_t c = { 0 };
    apr_size_t i;

    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    c.slot->pid = 0;                    /* the manager reaped its worker */
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(c.slot->state, PA_SLOT_EMPTY);

    /* Replaced in place under the claim (same seq): the release, however
     * bad, makes the fresh worker idle; unless it was told to go meanwhile
     * (a stop or the claim's request-timeout: SIGTERM, marked), and a
     * timeout counted for it is not counted again. */
    for (i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++) {
        apr_uint64_t killed = f->a->c.killed_timeout;

        worker_up(f, 0, 1010 + 2 * (pid_t)i);
        assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0),
                         APR_SUCCESS);
        c.slot->pid = 1011 + 2 * (pid_t)i;
        c.slot->retire = replaced[i].retire;
        pa_sb_release(f->sb, &c, replaced[i].how, NULL, NULL);
        assert_int_equal(c.slot->state, replaced[i].state);
        assert_int_equal(c.slot->retire, replaced[i].retire);
        assert_int_equal(f->a->c.killed_timeout, killed);
    }

    worker_up(f, 0, 1002);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    worker_up(f, 0, 1003);              /* a restarted manager re-filled it */
    pa_sb_release(f->sb, &c, PA_RELEASE_BROKEN, NULL, NULL);
    assert_int_equal(c.slot->state, PA_SLOT_IDLE);     /* not ours any more */
    assert_int_equal(c.slot->pid, 1003);
}

static void test_release_timeout_counts(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c = { 0 };

    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", 0, &c, NULL, NULL, NULL, 0), APR_SUCCESS);
    pa_sb_release(f->sb, &c, PA_RELEASE_TIMEOUT, NULL, NULL);
    assert_int_equal(c.slot->state, PA_SLOT_STOPPING);
    assert_int_equal(c.slot->retire, PA_RETIRE_TIMEOUT);
    assert_int_equal(f->a->c.killed_timeout, 1);
}

static void test_no_worker_coming_fails_fast(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c = { 0 };

    f->a->backoff_until = pa_now() + apr_time_from_sec(30);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", apr_time_from_sec(30), &c, NULL, NULL, NULL, 0),
                     APR_EAGAIN);
    assert_int_equal(f->a->queue_len, 0);
    f->a->backoff_until = 0;
    f->sb->hdr->stopped = 1;            /* the manager exited for good */
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", apr_time_from_sec(30), &c, NULL, NULL, NULL, 0),
                     APR_EAGAIN);
}

/* Requests already waiting when the app turns out to have no worker coming
 * are sent away at once (APR_EAGAIN), not at their queue timeout; a worker
 * that comes later is not handed to them. */
static void test_waiters_refused(void **state)
{
    fixture_t *f = *state;
    pid_t kids[2];
    int k;

    for (k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            pa_claim_t c = { 0 };

            _exit(pa_sb_claim(f->sb, 0, "q", apr_time_from_sec(30), &c, NULL, NULL, NULL, 0)
                  == APR_EAGAIN ? 0 : 1);
        }
        wait_queue_len(f, k + 1);
    }
    pa_sb_lock(f->sb, f->a);
    pa_sb_refuse_waiters_locked(f->sb, f->a);
    assert_int_equal(f->a->queue_len, 0);
    pa_sb_unlock(f->sb, f->a);
    for (k = 0; k < 2; k++) {
        int st;

        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    pa_sb_lock(f->sb, f->a);
    assert_int_equal(pa_sb_sweep_waiters_locked(f->sb, f->a, 1), 0);
    assert_int_equal(f->a->waiters_hw, 0);      /* both records freed */
    pa_sb_unlock(f->sb, f->a);
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_slot(f->sb, f->a, 0)->state, PA_SLOT_IDLE);
}

/* A manager that cannot start (or is gone for good): requests already
 * waiting leave within PA_SB_GONE_CHECK, and later ones are not queued. */
static void test_stop_sends_waiters_away(void **state)
{
    fixture_t *f = *state;
    pa_claim_t c = { 0 };
    pid_t kid = queue_refused(f);
    int st;

    f->sb->hdr->stopped = 1;
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(f->a->queue_len, 0);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", apr_time_from_sec(30), &c,
                                 NULL, NULL, NULL, 0), APR_EAGAIN);
}

/* A retired manager (a restart) killed outright marks nothing, and nobody
 * takes its place: its generation's waiters leave, and new requests are
 * sent away, once its pid is gone; a live one is waited for. */
static void test_retired_manager_killed(void **state)
{
    fixture_t *f = *state;
    pa_claim_t busy = { 0 }, c = { 0 };
    pid_t mgr, kid;
    int st;

    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    mgr = fork();
    if (mgr == 0) {
        pause();
        _exit(0);
    }
    f->sb->hdr->manager_pid = mgr;
    f->sb->hdr->retiring = 1;
    f->sb->hdr->retired = 1;
    assert_int_equal(pa_sb_claim(f->sb, 0, "b", apr_time_from_msec(50), &c,
                                 NULL, NULL, NULL, 0), APR_TIMEUP);
    kid = queue_refused(f);
    kill(mgr, SIGKILL);
    assert_int_equal(waitpid(mgr, &st, 0), mgr);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(f->a->queue_len, 0);
    assert_int_equal(pa_sb_claim(f->sb, 0, "r", apr_time_from_sec(30), &c,
                                 NULL, NULL, NULL, 0), APR_EAGAIN);
    assert_string_equal(pa_sb_refusal(f->sb, 0), "its process manager is gone");
    /* Told to stop (not retired): the parent starts another in its place. */
    f->sb->hdr->retired = 0;
    assert_int_equal(pa_sb_claim(f->sb, 0, "s", apr_time_from_msec(50), &c,
                                 NULL, NULL, NULL, 0), APR_TIMEUP);
}

/* The status page's names for why a worker leaves follow pa_retire_e. */
static void test_retire_names(void **state)
{
    (void)state;
    assert_null(pa_sb_retire_name(PA_RETIRE_NONE));
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_MAX_REQUESTS), "max-requests");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_RELOAD), "touch-reload");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_MEMORY), "max-memory");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_ROOM), "room");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_TIMEOUT), "request-timeout");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_CLOSED), "closed");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_ABANDONED), "abandoned");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_SOCKDIR), "socket-removed");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_SURPLUS), "surplus");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_EARLY), "answered-early");
    assert_string_equal(pa_sb_retire_name(PA_RETIRE_EARLY + 1), "unknown");
}

/* A process killed while holding the lock: the next locker repairs. */
static void test_lock_owner_died(void **state)
{
    fixture_t *f = *state;
    pid_t kid = fork();
    int st, before = logged;

    if (kid == 0) {
        pa_sb_lock(f->sb, f->a);
        f->a->queue_len = 42;           /* half-done work */
        _exit(0);
    }
    waitpid(kid, &st, 0);
    pa_sb_lock(f->sb, f->a);
    assert_int_equal(f->a->queue_len, 0);
    pa_sb_unlock(f->sb, f->a);
    assert_int_equal(logged, before + 1);
    pa_sb_lock(f->sb, f->a);            /* consistent again */
    pa_sb_unlock(f->sb, f->a);
}

/* pa_sb_forward_fn for test_handoff_holder_killed: the releasing process
 * dies in the middle of the hand-off, holding the lock. */
static apr_size_t die_forwarding(void *baton, char *req, apr_size_t len,
                                 apr_uint64_t nth, apr_uint32_t *id)
{
    _exit(0);
}

/* A process killed while it hands its worker to a waiter (the slot marked
 * BUSY for the waiter, the request half sent): the repair stops that
 * worker rather than leave the slot BUSY for a live waiter that was never
 * told, and the waiter, still queued, gets the next worker. */
static void test_handoff_holder_killed(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t busy = { 0 };
    pid_t waiter, releaser;
    int st;

    f->a->max_requests = 0;
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &busy, NULL, NULL, NULL, 0),
                     APR_SUCCESS);
    waiter = fork();
    if (waiter == 0) {
        pa_claim_t c = { 0 };

        if (pa_sb_claim(f->sb, 0, "b", apr_time_from_sec(30), &c, NULL, NULL,
                        "GET /b", 6) != APR_SUCCESS || c.slot_index != 0
            || c.sent != 0) {
            _exit(1);
        }
        pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
        _exit(0);
    }
    wait_queue_len(f, 1);
    releaser = fork();
    if (releaser == 0) {
        pa_sb_release(f->sb, &busy, PA_RELEASE_OK, die_forwarding, NULL);
        _exit(1);                       /* not reached */
    }
    assert_int_equal(waitpid(releaser, &st, 0), releaser);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    pa_sb_lock(f->sb, f->a);            /* repairs */
    assert_int_equal(slot->state, PA_SLOT_STOPPING);
    assert_int_equal(slot->client_pid, 0);
    assert_int_equal(slot->retire, PA_RETIRE_ABANDONED);
    assert_int_equal(f->a->queue_len, 1);
    assert_int_equal(f->a->handoff_slot, 0);
    pa_sb_unlock(f->sb, f->a);
    assert_true(wake_pending(f));       /* the manager is told */

    worker_up(f, 0, 1001);              /* the manager's replacement */
    assert_int_equal(waitpid(waiter, &st, 0), waiter);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
    assert_int_equal(f->a->queue_len, 0);
}

/* A holder killed just after its GRANTED store (before it cleared the
 * hand-off's mark), once the waiter took its grant without the lock (its
 * record FREE again) and serves its request on the worker: the repair
 * leaves that worker alone. */
static void test_handoff_holder_killed_after_grant(void **state)
{
    fixture_t *f = *state;
    pa_slot_t *slot = pa_sb_slot(f->sb, f->a, 0);
    pa_claim_t c = { 0 };
    pid_t kid;
    int st;

    f->a->max_requests = 0;
    worker_up(f, 0, 1000);
    assert_int_equal(pa_sb_claim(f->sb, 0, "a", 0, &c, NULL, NULL, NULL, 0),
                     APR_SUCCESS);      /* as the waiter that took it */
    kid = fork();
    if (kid == 0) {
        pa_sb_lock(f->sb, f->a);
        f->a->handoff_waiter = 1;       /* record 0: FREE, its grant taken */
        f->a->handoff_slot = 1;
        _exit(0);
    }
    assert_int_equal(waitpid(kid, &st, 0), kid);
    pa_sb_lock(f->sb, f->a);            /* repairs */
    assert_int_equal(f->a->handoff_slot, 0);
    assert_int_equal(slot->state, PA_SLOT_BUSY);
    assert_int_equal(slot->client_pid, getpid());
    assert_int_equal(slot->retire, PA_RETIRE_NONE);
    pa_sb_unlock(f->sb, f->a);
    pa_sb_release(f->sb, &c, PA_RELEASE_OK, NULL, NULL);
    assert_int_equal(slot->state, PA_SLOT_IDLE);
}

static void test_record(void **state)
{
    fixture_t *f = *state;
    apr_uint32_t count = 0, in_bucket9 = 0;
    int i;

    pa_sb_record(f->sb, 0, 200, 1000);
    pa_sb_record(f->sb, 0, 504, 3000);
    pa_sb_record(f->sb, 0, 502, 1);
    for (i = 0; i < PA_STATS_SECONDS; i++) {
        count += f->a->stats[i].count;
        in_bucket9 += f->a->stats[i].hist[9];
    }
    assert_int_equal(count, 3);
    assert_int_equal(in_bucket9, 1);        /* 1000 us: 2^9 <= x < 2^10 */
    assert_int_equal(f->a->c.status_504, 1);
    assert_int_equal(f->a->c.status_502, 1);
}

/* The stats ring's bucket of the current second, as a request finds it
 * holding the same slot a minute ago (1000 requests there). */
static pa_stats_second_t *stale_bucket(fixture_t *f, apr_uint32_t *now)
{
    pa_stats_second_t *st;

    *now = (apr_uint32_t)apr_time_sec(pa_now());
    st = &f->a->stats[*now % PA_STATS_SECONDS];
    st->second = *now - PA_STATS_SECONDS;
    st->count = 1000;
    memset((void *)st->hist, 0, sizeof(st->hist));
    st->hist[9] = 1000;
    return st;
}

/* A reader never counts a minute-old second as the current one: not while
 * the first request of the new second clears it (PA_STATS_CLEARING), and
 * not a bucket whose clearer was killed at it, which the next request
 * clears. */
static void test_record_new_second(void **state)
{
    fixture_t *f = *state;
    apr_uint32_t now, count = 0, h[PA_STATS_BUCKETS];
    pa_stats_second_t *st = stale_bucket(f, &now);

    assert_int_equal(pa_sb_stats_second(st, now, &count, h), 0);   /* too old */
    st->second = PA_STATS_CLEARING;                 /* a writer at it */
    assert_int_equal(pa_sb_stats_second(st, now, &count, h), 0);

    st = stale_bucket(f, &now);
    pa_sb_record(f->sb, 0, 200, 1000);
    if (st->second != now) {                        /* the second turned */
        st = stale_bucket(f, &now);
        pa_sb_record(f->sb, 0, 200, 1000);
    }
    assert_int_equal(pa_sb_stats_second(st, now, &count, h), 1);
    assert_int_equal(count, 1);
    assert_int_equal(h[9], 1);

    /* left at PA_STATS_CLEARING by a writer killed at it: taken over */
    st = stale_bucket(f, &now);
    st->second = PA_STATS_CLEARING;
    pa_sb_record(f->sb, 0, 200, 1000);
    if (st->second != now) {
        st = stale_bucket(f, &now);
        st->second = PA_STATS_CLEARING;
        pa_sb_record(f->sb, 0, 200, 1000);
    }
    assert_int_equal(pa_sb_stats_second(st, now, &count, h), 1);
    assert_int_equal(count, 1);
    assert_int_equal(h[9], 1);
}

/* ---- kept connections (conn.c) ------------------------------------------ */

static int kept_conn = -1;
static pid_t kept_pid;
/* ap_log_rerror() looks at r->log before it calls the stub. */
static struct ap_logconf all_levels = { NULL, APLOG_TRACE8 };

/* The manager's side: (0, 0) is kept_conn to kept_pid; nothing else. The
 * asker's pid, as the kernel gave it, must be the test's (this service's
 * parent). */
static int lookup(void *baton, apr_uint32_t app, apr_uint32_t slot,
                  apr_uint32_t seq, apr_uint64_t nth, pid_t asker, int renew,
                  pid_t *pid, apr_uint32_t *gen)
{
    if (app != 0 || slot != 0 || asker != getppid()) {
        return -1;
    }
    *pid = kept_pid;
    return kept_conn;
}

/* A forked "manager" answering on the service socket until killed. */
static pid_t start_service(fixture_t *f, int conn, pid_t pid)
{
    int fd = pa_conn_service_open(f->sb->sockdir, f->pool, NULL);
    pid_t kid;

    assert_true(fd >= 0);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        struct pollfd pfd = { fd, POLLIN, 0 };

        /* Never outlive a test that failed before stop_service(): it would
         * hold the test driver's output open. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        alarm(60);
        kept_conn = conn;
        kept_pid = pid;
        for (;;) {
            if (poll(&pfd, 1, -1) > 0) {
                pa_conn_serve(fd, lookup, NULL);
            }
        }
    }
    close(fd);
    return kid;
}

static void stop_service(pid_t kid)
{
    int status;

    kill(kid, SIGKILL);
    waitpid(kid, &status, 0);
}

/* An httpd child fetches the manager's connection once, keeps it for that
 * occupant, and is told when the slot has another one. */
static void test_conn_kept_shared(void **state)
{
    fixture_t *f = *state;
    request_rec r;
    pa_claim_t claim = { 0 };
    int sv[2], fd, again, kept = 0;
    char buf[8];
    pid_t svc;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    svc = start_service(f, sv[0], 4242);
    close(sv[0]);                       /* the manager's now */
    memset(&r, 0, sizeof(r));
    r.pool = f->pool;
    r.log = &all_levels;
    pa_scoreboard = f->sb;
    pa_conn_child_init(f->pool, f->sb);
    f->app.keep_conn = 1;
    memset(&claim, 0, sizeof(claim));
    claim.slot_index = 0;
    claim.slot = pa_sb_slot(f->sb, f->a, 0);
    claim.pid = 4242;

    fd = pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                     + apr_time_from_sec(10), &kept);
    assert_true(fd >= 0);
    assert_int_equal(kept, 1);
    /* The same socket as the manager's. */
    assert_int_equal(write(fd, "ping", 4), 4);
    assert_int_equal(read(sv[1], buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);

    /* Kept at the request's end: no second question for the next (the
     * manager is gone now). */
    assert_int_equal(pa_conn_done(&f->app, &claim, fd), 1);
    stop_service(svc);
    again = pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                        + apr_time_from_sec(10), &kept);
    assert_int_equal(again, fd);
    assert_int_equal(kept, 1);

    /* A claim of the slot while that request still uses it (a new manager
     * gave the slot out again): the entry is left to the request, which
     * closes it when done; nothing else closed it under it. */
    claim.seq++;
    logged = 0;
    assert_int_equal(pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                                 + apr_time_from_sec(10), &kept), -1);
    assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);      /* still open */
    assert_int_equal(write(fd, "pong", 4), 4);
    assert_int_equal(read(sv[1], buf, sizeof(buf)), 4);
    claim.seq--;
    assert_int_equal(pa_conn_done(&f->app, &claim, fd), 0);
    assert_int_equal(read(sv[1], buf, 1), 0);       /* the last copy */

    /* Another occupant since the claim: not reachable. */
    svc = start_service(f, -1, 4343);
    claim.pid = 4242;
    logged = 0;
    assert_int_equal(pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                                 + apr_time_from_sec(10), &kept), -1);
    assert_int_equal(kept, 0);
    assert_int_equal(logged, 1);
    stop_service(svc);
    close(sv[1]);
}

/* Garbage on the service socket is ignored: the manager keeps answering. */
static void test_conn_service_ignores_garbage(void **state)
{
    fixture_t *f = *state;
    char path[256], junk[300];
    struct sockaddr_un sa;
    request_rec r;
    pa_claim_t claim = { 0 };
    int s, sv[2], fd, kept = 0;
    size_t sizes[] = { 1, 3, 19, 20, 21, 32, 299 };
    unsigned i;
    pid_t svc;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    svc = start_service(f, sv[0], 77);
    close(sv[0]);
    snprintf(path, sizeof(path), "%s/%s", f->sb->sockdir,
             PA_CONN_SERVICE);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    memset(junk, 0xa5, sizeof(junk));
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        assert_int_equal(sendto(s, junk, sizes[i], 0, (struct sockaddr *)&sa,
                                sizeof(sa)), (ssize_t)sizes[i]);
    }
    close(s);

    memset(&r, 0, sizeof(r));
    r.pool = f->pool;
    r.log = &all_levels;
    pa_scoreboard = f->sb;
    pa_conn_child_init(f->pool, f->sb);
    memset(&claim, 0, sizeof(claim));
    claim.slot = pa_sb_slot(f->sb, f->a, 0);
    claim.pid = 77;
    fd = pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                     + apr_time_from_sec(10), &kept);
    assert_true(fd >= 0);
    assert_int_equal(kept, 1);
    pa_conn_drop(&f->app, &claim, fd);
    stop_service(svc);
    close(sv[1]);
}

/* A manager that does not answer (stopped): the ask gives up at the
 * deadline, also when the service's queue is full (a blocking send would
 * wait there for good), and says that the worker is fine. */
static void test_conn_manager_stalled(void **state)
{
    fixture_t *f = *state;
    int fd = pa_conn_service_open(f->sb->sockdir, f->pool, NULL);
    pid_t kid;
    int status;

    assert_true(fd >= 0);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        struct sockaddr_un sa;
        request_rec r;
        pa_claim_t claim = { 0 };
        char junk[32] = { 0 };
        int s, i, kept, rc;

        alarm(60);                      /* fails the test, not hang it */
        memset(&r, 0, sizeof(r));
        r.pool = f->pool;
        r.log = &all_levels;
        pa_scoreboard = f->sb;
        pa_conn_child_init(f->pool, f->sb);
        memset(&claim, 0, sizeof(claim));
        claim.slot = pa_sb_slot(f->sb, f->a, 0);
        claim.pid = 4242;
        rc = pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                         + apr_time_from_msec(200), &kept);
        if (rc != PA_CONN_UNAVAILABLE) {
            _exit(1);
        }
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        apr_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s",
                     f->sb->sockdir, PA_CONN_SERVICE);
        s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        for (i = 0; i < 1000 && sendto(s, junk, sizeof(junk), 0,
                                       (struct sockaddr *)&sa,
                                       sizeof(sa)) > 0; i++) {
        }
        if (errno != EAGAIN) {
            _exit(2);
        }
        rc = pa_conn_get(&r, &f->app, &claim, 1, pa_now()
                         + apr_time_from_msec(200), &kept);
        _exit(rc == PA_CONN_UNAVAILABLE ? 0 : 3);
    }
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(fd);
}

/* A line that can come at request rate: at its level once per
 * PA_LOUD_EVERY_SEC, at info in between, and the next one at its level
 * counts those. */
static void test_loud(void **state)
{
    pa_loud_t l = { 0, 0 };
    apr_time_t t = apr_time_from_sec(1000000);
    char tail[96];

    (void)state;
    assert_int_equal(pa_loud(&l, APLOG_WARNING, t, "requests sent away",
                             tail, sizeof(tail)), APLOG_WARNING);
    assert_string_equal(tail, "");
    assert_int_equal(pa_loud(&l, APLOG_WARNING, t + apr_time_from_sec(1),
                             "requests sent away", tail, sizeof(tail)),
                     APLOG_INFO);
    assert_int_equal(pa_loud(&l, APLOG_WARNING,
                             t + apr_time_from_sec(PA_LOUD_EVERY_SEC) - 1,
                             "requests sent away", tail, sizeof(tail)),
                     APLOG_INFO);
    assert_int_equal(pa_loud(&l, APLOG_WARNING,
                             t + apr_time_from_sec(PA_LOUD_EVERY_SEC),
                             "requests sent away", tail, sizeof(tail)),
                     APLOG_WARNING);
    assert_string_equal(tail, "; 2 more requests sent away since the last "
                        "such line, logged at info");
    assert_int_equal(pa_loud(&l, APLOG_ERR,
                             t + apr_time_from_sec(3 * PA_LOUD_EVERY_SEC),
                             "x", tail, sizeof(tail)), APLOG_ERR);
    assert_string_equal(tail, "");
}

/* At most max lines a second; the first line of a later second is told how
 * many were not logged before it, once. */
static void test_quota(void **state)
{
    pa_quota_t qt = { 0, 0, 0 };
    apr_time_t t = apr_time_from_sec(1000000);
    apr_uint32_t dropped;
    int i, logged = 0;

    (void)state;
    for (i = 0; i < 150; i++) {
        logged += pa_quota_take(&qt, 100, t + i, &dropped);
        assert_int_equal(dropped, 0);
    }
    assert_int_equal(logged, 100);
    assert_true(pa_quota_take(&qt, 100, t + apr_time_from_sec(1), &dropped));
    assert_int_equal(dropped, 50);
    assert_true(pa_quota_take(&qt, 100, t + apr_time_from_sec(1) + 1,
                              &dropped));
    assert_int_equal(dropped, 0);
    /* A quiet while later: nothing to tell. */
    assert_true(pa_quota_take(&qt, 100, t + apr_time_from_sec(60), &dropped));
    assert_int_equal(dropped, 0);
    for (i = 1; i < 100; i++) {
        assert_true(pa_quota_take(&qt, 100, t + apr_time_from_sec(60),
                                  &dropped));
    }
    /* A clock read a moment before another process's: no second again. */
    assert_false(pa_quota_take(&qt, 100, t + apr_time_from_sec(59),
                               &dropped));
    assert_int_equal(dropped, 0);
    assert_true(pa_quota_take(&qt, 100, t + apr_time_from_sec(61), &dropped));
    assert_int_equal(dropped, 1);

    /* Lines not logged that no later line says: flushed once their second
     * is over (the manager, a second on), not before, and only once. */
    for (i = 1; i < 110; i++) {
        pa_quota_take(&qt, 100, t + apr_time_from_sec(61), &dropped);
    }
    assert_int_equal(pa_quota_flush(&qt, t + apr_time_from_sec(61)), 0);
    assert_int_equal(pa_quota_flush(&qt, t + apr_time_from_sec(62)), 10);
    assert_int_equal(pa_quota_flush(&qt, t + apr_time_from_sec(63)), 0);
    assert_true(pa_quota_take(&qt, 100, t + apr_time_from_sec(63), &dropped));
    assert_int_equal(dropped, 0);
    /* The sayer's last words: the second's count too, once. */
    for (i = 1; i < 103; i++) {
        pa_quota_take(&qt, 100, t + apr_time_from_sec(63), &dropped);
    }
    assert_int_equal(pa_quota_flush(&qt, t + apr_time_from_sec(63)), 0);
    assert_int_equal(pa_quota_flush(&qt, 0), 3);
    assert_int_equal(pa_quota_flush(&qt, 0), 0);
}

/* cache-lock='s waiters sleep on the app's count of ended fetches, in
 * their pages' word: a fetch's end in that word wakes them, one in another
 * word neither wakes them nor moves their count, a count that moved before
 * the wait does not let them sleep, and the wait ends by itself after at
 * most its time. */
static void test_fill_wait(void **state)
{
    fixture_t *f = *state;
    apr_uint32_t seen = pa_sb_fills(f->sb, 0, 3);
    apr_uint32_t other = pa_sb_fills(f->sb, 0, 5);
    int fds[2];
    pid_t kid;
    int st;
    char up;
    apr_time_t t;

    assert_int_equal(pipe(fds), 0);
    kid = fork();
    if (kid == 0) {
        apr_time_t start = pa_now();
        char c = 1;

        if (write(fds[1], &c, 1) != 1) {
            _exit(2);
        }
        pa_sb_fill_wait(f->sb, 0, 3, seen, apr_time_from_sec(30));
        /* Woken by the fetch's end, not out of time. */
        _exit(pa_sb_fills(f->sb, 0, 3) == seen + 1
              && pa_now() - start < apr_time_from_sec(30) ? 0 : 1);
    }
    assert_int_equal(read(fds[0], &up, 1), 1);
    usleep(50000);
    pa_sb_fill_ended(f->sb, 0, 5);                      /* another word */
    usleep(50000);
    assert_int_equal(waitpid(kid, &st, WNOHANG), 0);    /* still asleep */
    assert_int_equal(pa_sb_fills(f->sb, 0, 5), other + 1);
    assert_int_equal(pa_sb_fills(f->sb, 0, 3), seen);
    pa_sb_fill_ended(f->sb, 0, 3 + PA_SB_FILL_WORDS);   /* its word again */
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(pa_sb_fills(f->sb, 0, 3), seen + 1);

    /* A count already moved: no sleep; nothing ends: back after most. */
    t = pa_now();
    pa_sb_fill_wait(f->sb, 0, 3, seen, apr_time_from_sec(30));
    assert_true(pa_now() - t < apr_time_from_sec(30));
    t = pa_now();
    pa_sb_fill_wait(f->sb, 0, 3, seen + 1, apr_time_from_msec(20));
    assert_true(pa_now() - t >= apr_time_from_msec(20));
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_lowest_idle_and_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_limit_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_release_unsent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_waiter_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_handoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_forwards, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_occupant_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grant_then_taken_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_kept_under_keep_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_buffers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_waiter_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_frees_grant_of_dead_waiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_checks_life_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_requests_retires, setup, teardown),
        cmocka_unit_test(test_spread),
        cmocka_unit_test_setup_teardown(test_doing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_requests_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renewal_mark_and_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recycling_waits_out_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_after_worker_died_or_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_timeout_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_worker_coming_fails_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiters_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_sends_waiters_away, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retired_manager_killed, setup, teardown),
        cmocka_unit_test(test_retire_names),
        cmocka_unit_test_setup_teardown(test_lock_owner_died, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_new_second, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_holder_killed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_holder_killed_after_grant, setup, teardown),
        cmocka_unit_test(test_loud),
        cmocka_unit_test(test_quota),
        cmocka_unit_test_setup_teardown(test_conn_kept_shared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_service_ignores_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_manager_stalled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_wait, setup, teardown),
    };

    apr_initialize();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
