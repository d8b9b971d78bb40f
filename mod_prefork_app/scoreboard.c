/* scoreboard: the shared-memory segment, its per-app robust locks, the
 * claim/release of worker slots and the FIFO wait queue (futex words in the
 * segment: a waiter sleeps on its own record and a release hands the slot
 * straight to it, so nobody ever polls). */
#include "scoreboard.h"

#include "ap_mpm.h"
#include "http_core.h"
#include "http_main.h"
#include "unixd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_file_info.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

/* Cache-line alignment keeps one app's hot lock off another's line. */
#define PA_SB_ALIGN(x) (((x) + 63) & ~((apr_size_t)63))
#define PA_WAITERS_MIN 16
#define PA_WAITERS_MAX 65536
#define PA_STATS_SPINS 1000     /* looks at a bucket another request clears */

static long pa_futex(volatile apr_uint32_t *word, int op, apr_uint32_t val,
                     const struct timespec *timeout)
{
    /* Not FUTEX_PRIVATE_FLAG: the word is in memory shared across processes. */
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

pa_sb_app_t *pa_sb_app(pa_sb_t *sb, int app_index)
{
    return sb->layout[app_index].app;
}

pa_sb_layout_t *pa_sb_layout(pa_sb_t *sb, pa_sb_app_t *a)
{
    apr_uint32_t i = a->index;
    int j;

    if (i < (apr_uint32_t)sb->napps && sb->layout[i].app == a) {
        return &sb->layout[i];
    }
    for (j = 0; j < sb->napps && sb->layout[j].app != a; j++) {
        continue;           /* a->index was overwritten: search */
    }
    return &sb->layout[j < sb->napps ? j : 0];
}

pa_slot_t *pa_sb_slot(pa_sb_t *sb, pa_sb_app_t *a, int slot_index)
{
    return pa_sb_layout(sb, a)->slots + slot_index;
}

int pa_sb_spread(int lo, int hi, int slot_index)
{
    apr_uint32_t bits = (apr_uint32_t)slot_index, rev = 0;
    int b;

    if (hi <= lo) {
        return lo;
    }
    for (b = 0; b < 32; b++, bits >>= 1) {
        rev = (rev << 1) | (bits & 1);
    }
    return lo + (int)((((apr_uint64_t)(hi - lo) + 1) * rev) >> 32);
}

/* A sequence lock of one writer (the manager): doing_seq is odd while
 * the text changes, and a reader keeps its copy only if doing_seq was the
 * same even number before and after it. */
void pa_sb_set_doing(pa_slot_t *slot, apr_time_t start, const char *doing)
{
    apr_uint32_t seq = slot->doing_seq;

    __atomic_store_n(&slot->doing_seq, seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    slot->doing_for = start;
    apr_cpystrn(slot->doing, doing, sizeof(slot->doing));
    __atomic_store_n(&slot->doing_seq, seq + 2, __ATOMIC_RELEASE);
}

const char *pa_sb_get_doing(const pa_slot_t *slot, apr_time_t start,
                            char *out)
{
    apr_uint32_t seq = __atomic_load_n(&slot->doing_seq, __ATOMIC_ACQUIRE);
    apr_time_t about = slot->doing_for;

    memcpy(out, slot->doing, PA_DOING_MAX);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if ((seq & 1) || seq != __atomic_load_n(&slot->doing_seq, __ATOMIC_RELAXED)
        || !start || about != start) {
        return NULL;
    }
    out[PA_DOING_MAX - 1] = '\0';
    return out;
}

const char *pa_sb_doing_suffix(const pa_slot_t *slot, apr_time_t start,
                               char *buf, apr_size_t size)
{
    char doing[PA_DOING_MAX];

    *buf = '\0';
    if (pa_sb_get_doing(slot, start, doing)) {
        apr_snprintf(buf, size, ", %s", doing);
    }
    return buf;
}

const char *pa_sb_socket_path(apr_pool_t *p, pa_sb_t *sb, const pa_app_t *app,
                              int slot_index)
{
    /* A new-programs= pool takes its program's name at run time; its
     * sockets keep the one it was made with (NAME:+K). */
    if (app->spare) {
        return apr_psprintf(p, "%s/%s:+%d.%d.sock", sb->sockdir,
                            app->scripts->name, app->spare, slot_index);
    }
    return apr_psprintf(p, "%s/%s.%d.sock", sb->sockdir, app->name,
                        slot_index);
}

/* ---- locking ----------------------------------------------------------- */

/* The previous holder died inside a critical section. Slot states are
 * single stores, so they are the truth; the queue length is derived. A BUSY
 * slot half-claimed by the dead holder (client_pid 0 or dead) is taken back
 * by the manager's dead-claimant check; one it was handing to a live
 * waiter (client_pid that waiter's) is stopped here if that waiter still
 * waits: its worker may hold part of the waiter's request, and the waiter,
 * not granted, waits on. A waiter's record leaves WAITING only under the
 * lock, so any other state means the grant was made (and the waiter,
 * which takes it without the lock, may be using the worker already). */
static void pa_sb_repair_locked(pa_sb_t *sb, pa_sb_app_t *a)
{
    pa_sb_layout_t *l = pa_sb_layout(sb, a);
    apr_uint32_t i, n = 0, s = a->handoff_slot, w = a->handoff_waiter;

    a->handoff_slot = 0;
    if (s && s <= l->nslots && w && w <= l->nwaiters
        && l->waiters[w - 1].state == PA_WAIT_WAITING) {
        pa_slot_t *slot = &l->slots[s - 1];

        slot->client_pid = 0;
        slot->req_start = 0;
        slot->retire = PA_RETIRE_ABANDONED;
        slot->state = PA_SLOT_STOPPING;
        pa_sb_wake_manager(sb);
    }

    for (i = 0; i < l->nwaiters; i++) {
        if (l->waiters[i].state == PA_WAIT_WAITING) {
            n++;
        }
    }
    a->waiters_hw = l->nwaiters;
    a->queue_len = n;
}

void pa_sb_lock(pa_sb_t *sb, pa_sb_app_t *a)
{
    int rc = pthread_mutex_lock(&a->lock);

    if (rc == EOWNERDEAD) {
        pa_sb_repair_locked(sb, a);
        pthread_mutex_consistent(&a->lock);
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, ap_server_conf,
                     PALOGNO(00201) "scoreboard: a process died holding the "
                     "lock of app #%u; state repaired", a->index);
    }
    else if (rc != 0) {
        /* Only ENOTRECOVERABLE is possible, and only if a repair itself was
         * interrupted; nothing sane is left to do with this segment. */
        ap_log_error(APLOG_MARK, APLOG_EMERG, rc, ap_server_conf,
                     PALOGNO(00202) "scoreboard: lock of app #%u is "
                     "unrecoverable", a->index);
        abort();
    }
}

void pa_sb_unlock(pa_sb_t *sb, pa_sb_app_t *a)
{
    pthread_mutex_unlock(&a->lock);
}

void pa_sb_wake_manager(pa_sb_t *sb)
{
    apr_uint64_t one = 1;

    /* Non-blocking eventfd: the counter cannot realistically overflow, and
     * a poke that fails is covered by the manager's periodic tick. */
    if (write(sb->wake_fd, &one, sizeof(one)) < 0) {
        return;
    }
}

void pa_sb_wake_drain(pa_sb_t *sb)
{
    apr_uint64_t n;

    if (read(sb->wake_fd, &n, sizeof(n)) < 0) {
        return;
    }
}

/* ---- claim / release --------------------------------------------------- */

int pa_sb_backing_off(const pa_sb_app_t *a, apr_time_t now)
{
    return now < a->backoff_until;
}

int pa_sb_backoff_outlasts(const pa_sb_app_t *a, apr_time_t now,
                           apr_interval_time_t queue_timeout)
{
    apr_interval_time_t wait = queue_timeout < PA_BACKOFF_WAIT
                               ? queue_timeout : PA_BACKOFF_WAIT;

    return a->backoff_until > now + (a->backoff_level > 1 ? 0 : wait);
}

int pa_sb_renewal(const pa_sb_app_t *a, apr_uint32_t retire)
{
    return retire == PA_RETIRE_LIFETIME || retire == PA_RETIRE_RELOAD
           || retire == PA_RETIRE_MEMORY
           || (retire == PA_RETIRE_MAX_REQUESTS && a->stretch);
}

int pa_sb_stretched(const pa_sb_app_t *a, apr_uint32_t retire, apr_time_t now)
{
    return pa_sb_backing_off(a, now) && pa_sb_renewal(a, retire);
}

/* Hand slot i to a request of process client (replayed: see pa_claim_t).
 * Caller holds the lock. */
static void pa_sb_take_locked(pa_sb_t *sb, pa_sb_app_t *a, int i,
                              pa_slot_t *slot, pid_t client, int replay)
{
    slot->state = PA_SLOT_BUSY;
    slot->client_pid = client;
    slot->req_start = pa_now();
    slot->requests++;
    slot->replay = replay != 0;
    apr_atomic_inc64(&a->c.accepted);
    if (a->max_requests
        && slot->requests >= (apr_uint64_t)pa_sb_spread(
               (int)a->max_requests, (int)a->max_requests_hi, i)
        && slot->retire == PA_RETIRE_NONE
        && !pa_sb_stretched(a, PA_RETIRE_MAX_REQUESTS, slot->req_start)) {
        /* This is the occupant's last request: tell the manager now, so the
         * replacement starts while it is still being served. */
        slot->retire = PA_RETIRE_MAX_REQUESTS;
        pa_sb_wake_manager(sb);
    }
}

const char *pa_sb_retire_name(apr_uint32_t retire)
{
    static const char *const names[] = {
        NULL, "max-requests", "lifetime", "touch-reload", "max-memory",
        "room", "idle", "broken", "request-timeout", "shutdown", "closed",
        "abandoned", "socket-removed", "surplus", "answered-early"
    };

    return retire < sizeof(names) / sizeof(names[0]) ? names[retire]
                                                      : "unknown";
}

int pa_sb_pid_alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

int pa_sb_pid_gone(long pid)
{
    return pid > 0 && pid != (long)getpid() && !pa_sb_pid_alive((pid_t)pid);
}

apr_time_t pa_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return apr_time_from_sec(ts.tv_sec) + ts.tv_nsec / 1000;
}

int pa_loud(pa_loud_t *l, int level, apr_time_t now, const char *what,
            char *tail, apr_size_t size)
{
    apr_uint32_t sec = (apr_uint32_t)apr_time_sec(now);
    apr_uint32_t last = apr_atomic_read32(&l->logged);
    apr_uint32_t quiet;

    tail[0] = '\0';
    /* Of racing processes, the one whose swap lands logs at level. */
    if ((last && sec - last < PA_LOUD_EVERY_SEC)
        || apr_atomic_cas32(&l->logged, sec, last) != last) {
        apr_atomic_inc32(&l->quiet);
        return APLOG_INFO;
    }
    quiet = apr_atomic_xchg32(&l->quiet, 0);
    if (quiet) {
        apr_snprintf(tail, size, "; %u more %s since the last such line, "
                     "logged at info", quiet, what);
    }
    return level;
}

int pa_quota_take(pa_quota_t *qt, apr_uint32_t max, apr_time_t now,
                  apr_uint32_t *dropped)
{
    apr_uint32_t sec = (apr_uint32_t)apr_time_sec(now);
    apr_uint32_t was = apr_atomic_read32(&qt->second), told;

    *dropped = 0;
    /* Of racing processes, the one whose swap lands starts the second
     * (lines the others count meanwhile may get a few more in); never
     * back to an earlier one (a clock read a moment before another's). */
    if ((apr_int32_t)(sec - was) > 0
        && apr_atomic_cas32(&qt->second, sec, was) == was) {
        apr_atomic_set32(&qt->used, 0);
        *dropped = apr_atomic_xchg32(&qt->dropped, 0);
    }
    if (apr_atomic_inc32(&qt->used) >= max) {
        /* The count it took goes back, to be said by a line that gets in. */
        told = *dropped;
        *dropped = 0;
        apr_atomic_add32(&qt->dropped, told + 1);
        return 0;
    }
    return 1;
}

apr_uint32_t pa_quota_flush(pa_quota_t *qt, apr_time_t now)
{
    apr_uint32_t sec = (apr_uint32_t)apr_time_sec(now);

    /* A line that starts a second takes the count first (or after us,
     * then nothing): it is said once. */
    return !now || (apr_int32_t)(sec - apr_atomic_read32(&qt->second)) > 0
           ? apr_atomic_xchg32(&qt->dropped, 0) : 0;
}

/* The oldest live waiter, or NULL. Records of dead waiters are freed on the
 * way: a crashed httpd child must not be handed a worker. */
static apr_uint32_t pa_sb_waiters_hw(pa_sb_layout_t *l, pa_sb_app_t *a)
{
    return a->waiters_hw < l->nwaiters ? a->waiters_hw : l->nwaiters;
}

static pa_waiter_t *pa_sb_oldest_waiter_locked(pa_sb_t *sb, pa_sb_app_t *a)
{
    pa_sb_layout_t *l = pa_sb_layout(sb, a);
    apr_uint32_t i, hw = pa_sb_waiters_hw(l, a);

    /* Only the waiter about to be granted is checked for life: one kill(0)
     * per hand-off, not one per queued request under the lock (the
     * manager's sweep clears the other dead ones). */
    while (a->queue_len) {
        pa_waiter_t *best = NULL;

        for (i = 0; i < hw; i++) {
            pa_waiter_t *w = &l->waiters[i];

            /* Tickets wrap: compare by signed difference. */
            if (w->state == PA_WAIT_WAITING
                && (!best || (apr_int32_t)(w->ticket - best->ticket) < 0)) {
                best = w;
            }
        }
        /* A waiter of this very process is alive: no kill(0) needed. */
        if (!best || best->pid == sb->self || pa_sb_pid_alive(best->pid)) {
            return best;
        }
        best->state = PA_WAIT_FREE;
        a->queue_len--;
    }
    return NULL;
}

static pa_waiter_t *pa_sb_grant_locked(pa_sb_t *sb, pa_sb_app_t *a,
                                       int slot_index,
                                       pa_sb_forward_fn forward,
                                       void *forward_baton)
{
    pa_sb_layout_t *l = pa_sb_layout(sb, a);
    pa_slot_t *slot = pa_sb_slot(sb, a, slot_index);
    pa_waiter_t *w = pa_sb_oldest_waiter_locked(sb, a);

    slot->req_start = 0;
    slot->client_pid = 0;
    slot->uri[0] = '\0';
    if (!w) {
        slot->state = PA_SLOT_IDLE;
        return NULL;
    }
    a->handoff_waiter = (apr_uint32_t)(w - l->waiters) + 1;
    a->handoff_slot = (apr_uint32_t)slot_index + 1;
    pa_sb_take_locked(sb, a, slot_index, slot, w->pid, (int)w->replay);
    w->slot = slot_index;
    w->seq = slot->seq;
    w->req_sent = w->req_id = 0;
    if (forward && w->req_len && w->req_len <= PA_SB_REQ_MAX
        && (apr_uint32_t)(w - l->waiters) < l->nreqs) {
        apr_uint32_t id = 0;

        w->req_pid = slot->pid;
        w->req_unread = slot->unread;
        w->req_nth = slot->requests;
        w->req_sent = (apr_uint32_t)forward(
            forward_baton,
            l->reqs + (apr_size_t)(w - l->waiters) * PA_SB_REQ_MAX,
            w->req_len, slot->requests, &id);
        w->req_id = w->req_sent ? id : 0;
        if (w->req_sent) {
            apr_atomic_inc64(&a->c.sent_at_handoff);
        }
    }
    /* The waiter reads the slot without the lock once it sees this. */
    __atomic_store_n(&w->state, PA_WAIT_GRANTED, __ATOMIC_RELEASE);
    a->handoff_slot = 0;
    a->queue_len--;
    return w;
}

pa_waiter_t *pa_sb_slot_ready_locked(pa_sb_t *sb, pa_sb_app_t *a,
                                     int slot_index)
{
    return pa_sb_grant_locked(sb, a, slot_index, NULL, NULL);
}

void pa_sb_wake_waiter(pa_waiter_t *w)
{
    /* The record may be free or reused by now: a waiter woken for nothing
     * re-checks its word and waits on. */
    if (w) {
        pa_futex(&w->state, FUTEX_WAKE, 1, NULL);
    }
}

apr_uint32_t pa_sb_fills(pa_sb_t *sb, int app_index, unsigned word)
{
    return __atomic_load_n(&pa_sb_app(sb, app_index)->fills[word
                                                  % PA_SB_FILL_WORDS],
                           __ATOMIC_ACQUIRE);
}

void pa_sb_fill_wait(pa_sb_t *sb, int app_index, unsigned word,
                     apr_uint32_t seen, apr_interval_time_t most)
{
    struct timespec ts;

    ts.tv_sec = apr_time_sec(most);
    ts.tv_nsec = apr_time_usec(most) * 1000;
    /* Returns at once if a fill ended since seen was read. */
    pa_futex(&pa_sb_app(sb, app_index)->fills[word % PA_SB_FILL_WORDS],
             FUTEX_WAIT, seen, &ts);
}

void pa_sb_fill_ended(pa_sb_t *sb, int app_index, unsigned word)
{
    volatile apr_uint32_t *w =
        &pa_sb_app(sb, app_index)->fills[word % PA_SB_FILL_WORDS];

    __atomic_add_fetch(w, 1, __ATOMIC_RELEASE);
    pa_futex(w, FUTEX_WAKE, INT_MAX, NULL);
}

apr_uint32_t pa_sb_sweep_waiters_locked(pa_sb_t *sb, pa_sb_app_t *a,
                                        int check_alive)
{
    pa_sb_layout_t *l = pa_sb_layout(sb, a);
    apr_uint32_t i, n = pa_sb_waiters_hw(l, a), hw = 0, waiting = 0;

    for (i = 0; i < n; i++) {
        pa_waiter_t *w = &l->waiters[i];

        /* Also a grant or refusal its waiter died before taking (a zombie
         * passes the kill(0) of the hand-off): only the waiter frees those,
         * and this one never will. */
        if (check_alive && w->state != PA_WAIT_FREE
            && !pa_sb_pid_alive(w->pid)) {
            w->state = PA_WAIT_FREE;
        }
        waiting += w->state == PA_WAIT_WAITING;
        if (w->state != PA_WAIT_FREE) {
            hw = i + 1;
        }
    }
    /* Recounted, so a stray write to the queue length heals here. */
    a->waiters_hw = hw;
    a->queue_len = waiting;
    return waiting;
}

static void pa_sb_fill_claim(pa_sb_app_t *a, pa_slot_t *slot, int slot_index,
                             const char *what, pa_claim_t *claim)
{
    claim->app = a;
    claim->slot = slot;
    claim->slot_index = slot_index;
    claim->seq = slot->seq;
    claim->pid = slot->pid;
    claim->start = slot->req_start;
    claim->unread = slot->unread;
    claim->left = slot->left;
    claim->conn_gen = slot->conn_gen;
    claim->renewed = slot->renewed;
    claim->nth = slot->requests;
    claim->unsent = claim->kept = 0;
    claim->sent = claim->sent_id = 0;
    /* Display only: written by the claimant alone while it holds the slot. */
    apr_cpystrn(slot->uri, what ? what : "", sizeof(slot->uri));
}

/* The claimant: the httpd child's pid noted at child_init (anything else
 * that claims, such as the unit tests, asks the kernel). */
static pid_t pa_sb_self(const pa_sb_t *sb)
{
    return sb->self ? sb->self : getpid();
}

void pa_sb_refuse_waiters_locked(pa_sb_t *sb, pa_sb_app_t *a)
{
    pa_sb_layout_t *l = pa_sb_layout(sb, a);
    apr_uint32_t i, hw = pa_sb_waiters_hw(l, a);

    for (i = 0; i < hw; i++) {
        pa_waiter_t *w = &l->waiters[i];

        if (w->state == PA_WAIT_WAITING) {
            /* The record is the waiter's once it sees this: it takes no
             * lock, so waking it here cannot contend. */
            __atomic_store_n(&w->state, PA_WAIT_REFUSED, __ATOMIC_RELEASE);
            a->queue_len--;
            pa_futex(&w->state, FUTEX_WAKE, 1, NULL);
        }
    }
}

static pa_waiter_t *pa_sb_enqueue_locked(pa_sb_t *sb, pa_sb_app_t *a,
                                         const char *req, apr_size_t req_len,
                                         int replay)
{
    pa_sb_layout_t *l = pa_sb_layout(sb, a);
    apr_uint32_t i;
    pa_waiter_t *w = NULL;

    for (i = 0; i < l->nwaiters; i++) {
        w = &l->waiters[i];
        if (w->state == PA_WAIT_FREE) {
            break;
        }
    }
    if (i == l->nwaiters) {
        return NULL;
    }
    if (i >= a->waiters_hw) {
        a->waiters_hw = i + 1;
    }
    w->pid = pa_sb_self(sb);
    w->slot = -1;
    w->ticket = a->next_ticket++;
    w->req_len = 0;
    w->replay = replay != 0;
    if (req && req_len <= PA_SB_REQ_MAX && i < l->nreqs) {
        memcpy(l->reqs + (apr_size_t)i * PA_SB_REQ_MAX, req, req_len);
        w->req_len = (apr_uint32_t)req_len;
    }
    w->state = PA_WAIT_WAITING;
    if (++a->queue_len > a->c.queue_max) {
        a->c.queue_max = a->queue_len;
    }
    return w;
}

void pa_sb_child_init(pa_sb_t *sb)
{
    sb->self = getpid();
}

/* Whether the generation's manager is gone for good. It marks the header
 * stopped as it exits, and the parent does for one it cannot replace; but a
 * retired manager killed outright (SIGKILL, the OOM killer) does neither,
 * and the parent no longer maps its generation's scoreboard: without this,
 * its generation's requests waited out their queue-timeout for workers
 * nobody would start. A retired manager is never replaced, so once its pid
 * is gone, so is any worker of its generation. */
static int pa_sb_manager_gone(const pa_sb_t *sb)
{
    return sb->hdr->stopped
           || (sb->hdr->retired && pa_sb_pid_gone(sb->hdr->manager_pid));
}

const char *pa_sb_refusal(pa_sb_t *sb, int app_index)
{
    const pa_sb_app_t *a = sb->layout[app_index].app;

    if (pa_sb_manager_gone(sb)) {
        return "its process manager is gone";
    }
    if (sb->hdr->no_sockdir) {
        return "the socket directory cannot be made (PA00211, PA00122, "
               "PA00132)";
    }
    if (a->refused) {
        return "its program was refused (PA00143)";
    }
    if (a->backoff_until > pa_now()) {
        return "the app is crash-looping with no worker up (backing off)";
    }
    if (a->queue_limit && a->queue_len >= a->queue_limit) {
        return "queue-limit requests wait already";
    }
    return "the wait queue is full";
}

apr_status_t pa_sb_claim(pa_sb_t *sb, int app_index, const char *what,
                         apr_interval_time_t queue_timeout, pa_claim_t *claim,
                         int (*gone)(void *baton), void *baton,
                         const char *req, apr_size_t req_len)
{
    pa_sb_layout_t *l = &sb->layout[app_index];
    pa_sb_app_t *a = l->app;
    apr_time_t deadline;
    pa_waiter_t *w;
    apr_uint32_t i, live = 0;
    apr_status_t left_queue = APR_SUCCESS;
    int idx;

    pa_sb_lock(sb, a);
    /* Lowest index first: the high slots of a dynamic pool go idle and are
     * the ones reaped, and the low ones stay hot. */
    for (i = 0; i < l->nslots; i++) {
        pa_slot_t *slot = &l->slots[i];

        if (slot->state == PA_SLOT_IDLE) {
            pa_sb_take_locked(sb, a, i, slot, pa_sb_self(sb), claim->replay);
            pa_sb_fill_claim(a, slot, i, what, claim);
            pa_sb_unlock(sb, a);
            return APR_SUCCESS;
        }
        live += slot->state == PA_SLOT_BUSY || slot->state == PA_SLOT_STARTING;
    }
    /* No worker will come (the manager is gone, or a crash-looping app has
     * none up, nor will it for a while): fail now, not after the queue
     * timeout. Nor wait behind queue-limit others: a stalled app must not
     * hold every httpd thread. */
    w = pa_sb_manager_gone(sb)
        || (live == 0 && (sb->hdr->no_sockdir
                          || pa_sb_backoff_outlasts(a, pa_now(),
                                                    queue_timeout)))
        || (a->queue_limit && a->queue_len >= a->queue_limit)
        ? NULL : pa_sb_enqueue_locked(sb, a, req, req_len, claim->replay);
    pa_sb_unlock(sb, a);
    if (!w) {
        return APR_EAGAIN;
    }
    /* A dynamic pool can grow: tell the manager. At its maximum, waking it
     * for every queued request would only burn CPU. */
    if (a->dynamic && live < a->max_procs) {
        pa_sb_wake_manager(sb);
    }

    deadline = pa_now() + queue_timeout;
    for (;;) {
        apr_time_t left = deadline - pa_now();
        struct timespec ts;

        if (w->state != PA_WAIT_WAITING || left <= 0) {
            break;
        }
        if (left > PA_SB_GONE_CHECK) {
            left = PA_SB_GONE_CHECK;
        }
        ts.tv_sec = apr_time_sec(left);
        ts.tv_nsec = apr_time_usec(left) * 1000;
        /* Returns at once if a release already changed the word. */
        if (pa_futex(&w->state, FUTEX_WAIT, PA_WAIT_WAITING, &ts) != 0
            && errno == ETIMEDOUT
            && __atomic_load_n(&w->state, __ATOMIC_ACQUIRE)
               == PA_WAIT_WAITING) {
            /* The manager gone for good (nobody sends the waiters away:
             * the parent takes no lock), or the request no longer wants
             * a worker. */
            if (pa_sb_manager_gone(sb)) {
                left_queue = APR_EAGAIN;
                break;
            }
            if (gone && gone(baton)) {
                left_queue = APR_ECONNABORTED;
                break;
            }
        }
    }

    if (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) == PA_WAIT_REFUSED) {
        __atomic_store_n(&w->state, PA_WAIT_FREE, __ATOMIC_RELEASE);
        return APR_EAGAIN;
    }
    if (__atomic_load_n(&w->state, __ATOMIC_ACQUIRE) != PA_WAIT_GRANTED) {
        /* Timed out, but a grant or a refusal may race with it: decide
         * under the lock. */
        pa_sb_lock(sb, a);
        if (w->state != PA_WAIT_GRANTED) {
            apr_status_t rv = w->state == PA_WAIT_REFUSED ? APR_EAGAIN
                              : left_queue ? left_queue : APR_TIMEUP;

            if (w->state == PA_WAIT_WAITING) {
                a->queue_len--;
            }
            w->state = PA_WAIT_FREE;
            pa_sb_unlock(sb, a);
            return rv;
        }
        pa_sb_unlock(sb, a);
    }
    /* Granted: the record and the slot are ours alone now; no lock (one
     * contended lock less per queued request). */
    idx = w->slot;
    if (idx >= 0 && (apr_uint32_t)idx < l->nslots) {
        pa_sb_fill_claim(a, &l->slots[idx], idx, what, claim);
        /* The grant's: a manager that took the slot back since (a new one,
         * pa_mgr_reset_slots()) made it someone else's. */
        claim->seq = w->seq;
        claim->sent = w->req_sent < w->req_len ? w->req_sent : w->req_len;
        claim->sent_id = w->req_id;
        if (claim->sent) {
            /* Claimed as the occupant the request went to. The manager may
             * have put a fresh one in the slot since, under this claim (that
             * one answered and left by itself, or died, before we woke):
             * the reply is on the gone one's connection or nowhere, and the
             * release leaves the fresh one idle (pa_sb_release()). */
            claim->pid = w->req_pid;
            claim->unread = w->req_unread;
            claim->nth = w->req_nth;
        }
    }
    __atomic_store_n(&w->state, PA_WAIT_FREE, __ATOMIC_RELEASE);
    return idx >= 0 && (apr_uint32_t)idx < l->nslots
           ? APR_SUCCESS : APR_EGENERAL;        /* not something we wrote */
}

/* Why a worker released as how (not PA_RELEASE_OK, or on a kept
 * connection the app is now known to close: see pa_sb_release()) goes,
 * unless it was marked already. */
static void pa_sb_retire_mark(pa_sb_app_t *a, pa_slot_t *slot,
                              pa_release_e how)
{
    if (how == PA_RELEASE_TIMEOUT && slot->retire != PA_RETIRE_TIMEOUT) {
        slot->retire = PA_RETIRE_TIMEOUT;
        apr_atomic_inc64(&a->c.killed_timeout);
    }
    else if (slot->retire == PA_RETIRE_NONE) {
        /* PA_RELEASE_OK: the app was found to close its kept connections
         * while this one was in use. A request handed the worker now would
         * connect anew, and wait behind the kept connection the worker
         * reads: the manager hangs that up first (pa_mgr_maintain()). */
        slot->retire = how == PA_RELEASE_CLOSED || how == PA_RELEASE_OK
                       ? PA_RETIRE_CLOSED
                       : how == PA_RELEASE_ABANDONED ? PA_RETIRE_ABANDONED
                       : how == PA_RELEASE_EARLY ? PA_RETIRE_EARLY
                       : PA_RETIRE_BROKEN;
    }
}

/* What a clean release leaves on its worker's kept connection for the next
 * request there (see pa_claim_t). */
static void pa_sb_leave_conn_state(pa_slot_t *slot, const pa_claim_t *claim)
{
    slot->unread = claim->unread;
    slot->left = claim->left;
    slot->renewed = claim->renewed;
}

void pa_sb_release(pa_sb_t *sb, pa_claim_t *claim, pa_release_e how,
                   pa_sb_forward_fn forward, void *forward_baton)
{
    pa_sb_app_t *a = claim->app;
    pa_slot_t *slot = claim->slot;
    pa_waiter_t *granted = NULL;
    int poke = 0;

    pa_sb_lock(sb, a);
    if (slot->state != PA_SLOT_BUSY || slot->seq != claim->seq) {
        /* The manager took the slot back (it was restarted): not ours. */
        pa_sb_unlock(sb, a);
        return;
    }
    slot->last_used = pa_now();
    slot->unread = 0;
    slot->left = PA_LEFT_NONE;
    slot->renewed = 0;
    if (how == PA_RELEASE_OK && slot->pid == claim->pid && !claim->unsent) {
        slot->answered++;           /* the app starts: see pa_mgr_exited() */
        a->answered_at = slot->last_used;
        if (pa_sb_stretched(a, slot->retire, slot->last_used)) {
            slot->retire = PA_RETIRE_NONE;  /* marked before the backoff */
        }
    }
    if (slot->pid == 0) {
        /* The worker died under this request and was reaped already. */
        slot->state = PA_SLOT_EMPTY;
        slot->req_start = 0;
        slot->client_pid = 0;
        poke = 1;
    }
    else if (slot->pid != claim->pid && slot->retire == PA_RETIRE_NONE) {
        /* Our worker died and the manager put a fresh one in the slot
         * under us: whatever went wrong went with the old one. */
        granted = pa_sb_slot_ready_locked(sb, a, claim->slot_index);
    }
    else if (slot->pid != claim->pid || how != PA_RELEASE_OK
             || slot->retire != PA_RETIRE_NONE
             || (claim->kept && a->keep_off)) {
        /* (A fresh one put in under us that was told to go meanwhile, at
         * a stop or at the claim's request-timeout, keeps its mark.) */
        if (slot->pid == claim->pid) {
            int clean = how == PA_RELEASE_OK && !(claim->kept && a->keep_off);

            /* A worker marked only for renewal may serve again (the
             * manager's backoff keeps it), with what its kept connection
             * still holds of this reply; one whose request went wrong
             * goes for that. */
            if (!clean && pa_sb_renewal(a, slot->retire)) {
                slot->retire = PA_RETIRE_NONE;
            }
            pa_sb_retire_mark(a, slot, how);
            if (clean) {
                pa_sb_leave_conn_state(slot, claim);
            }
        }
        slot->state = PA_SLOT_STOPPING;
        slot->req_start = 0;
        slot->client_pid = 0;
        poke = 1;
    }
    else {
        pa_sb_leave_conn_state(slot, claim);
        granted = pa_sb_grant_locked(sb, a, claim->slot_index, forward,
                                     forward_baton);
    }
    pa_sb_unlock(sb, a);
    /* After the unlock: the woken waiter may preempt us at once, and must
     * not find the lock held. */
    pa_sb_wake_waiter(granted);
    if (poke) {
        pa_sb_wake_manager(sb);
    }
}

/* ---- request statistics ------------------------------------------------ */

/* The first request of a new second in a bucket forgets the second a
 * minute ago there. The bucket says PA_STATS_CLEARING meanwhile, which
 * readers skip: naming the new second before its counts were cleared, it
 * showed the old second's counts as this one's. Returns 1 once the bucket
 * is now's, 0 if it is not after a moment (a sample lost: statistics). */
static int pa_sb_stats_clear(pa_stats_second_t *st, apr_uint32_t seen,
                             apr_uint32_t now)
{
    int spins;

    for (spins = 0; spins < PA_STATS_SPINS; spins++) {
        if (seen == now) {
            return 1;
        }
        if (seen != PA_STATS_CLEARING
            && apr_atomic_cas32(&st->second, PA_STATS_CLEARING, seen) == seen) {
            break;
        }
        seen = __atomic_load_n(&st->second, __ATOMIC_ACQUIRE);
    }
    /* Still clearing after the spins: its clearer was killed at it. */
    if (spins == PA_STATS_SPINS && seen != PA_STATS_CLEARING) {
        return seen == now;
    }
    memset((void *)st->hist, 0, sizeof(st->hist));
    apr_atomic_set32(&st->count, 0);
    __atomic_store_n(&st->second, now, __ATOMIC_RELEASE);
    return 1;
}

int pa_sb_stats_second(const pa_stats_second_t *st, apr_uint32_t now_sec,
                       apr_uint32_t *count, apr_uint32_t hist[PA_STATS_BUCKETS])
{
    apr_uint32_t sec = __atomic_load_n(&st->second, __ATOMIC_ACQUIRE);
    int b;

    if (sec > now_sec || now_sec - sec >= PA_STATS_SECONDS) {
        return 0;                   /* older, or PA_STATS_CLEARING */
    }
    *count = st->count;
    for (b = 0; b < PA_STATS_BUCKETS; b++) {
        hist[b] = st->hist[b];
    }
    /* Cleared for a later second while we copied: not this window's. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return st->second == sec;
}

const apr_interval_time_t pa_sb_latency_bounds[PA_LATENCY_BOUNDS] = {
    5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000, 2500000, 5000000, 10000000, 30000000
};

void pa_sb_record(pa_sb_t *sb, int app_index, int http_status,
                  apr_interval_time_t duration)
{
    pa_sb_app_t *a = pa_sb_app(sb, app_index);
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(pa_now());
    pa_stats_second_t *st = &a->stats[now % PA_STATS_SECONDS];
    apr_uint32_t seen = st->second;
    apr_uint64_t us = duration > 0 ? (apr_uint64_t)duration : 0;
    int b = 0;

    while (us > 1 && b < PA_STATS_BUCKETS - 1) {
        us >>= 1;
        b++;
    }
    if (seen == now || pa_sb_stats_clear(st, seen, now)) {
        apr_atomic_inc32(&st->count);
        apr_atomic_inc32(&st->hist[b]);
    }
    for (b = 0; b < PA_LATENCY_BOUNDS && duration > pa_sb_latency_bounds[b];
         b++) {
    }
    apr_atomic_inc64(&a->c.within[b]);
    apr_atomic_add64(&a->c.duration_us, duration > 0 ? (apr_uint64_t)duration
                                                     : 0);
    switch (http_status) {
    case HTTP_BAD_GATEWAY:
        apr_atomic_inc64(&a->c.status_502);
        break;
    case HTTP_SERVICE_UNAVAILABLE:
        apr_atomic_inc64(&a->c.status_503);
        break;
    case HTTP_GATEWAY_TIME_OUT:
        apr_atomic_inc64(&a->c.status_504);
        break;
    default:
        break;
    }
}

/* ---- creation (httpd parent, post_config) -------------------------------- */

const char *pa_retained_key(char *buf, apr_size_t len, const char *name,
                            apr_size_t size)
{
    apr_snprintf(buf, len, "%s/%d/%" APR_SIZE_T_FMT, name,
                 PA_RETAINED_LAYOUT, size);
    return buf;
}

/* Each app's counters outlive a restart, as mod_status' totals do: when the
 * configuration pool goes (restart, stop), they are copied by app name into
 * the process pool, which the next generation's scoreboard starts from.
 * What the old generation counts after that (its last requests) is lost.
 * (pa_retained_key(): another build starts afresh.) */
static const char *pa_sb_carry_key(void)
{
    static char key[PA_RETAINED_KEY_MAX];

    return key[0] ? key : pa_retained_key(key, sizeof(key),
                                          "mod_prefork_app_counters",
                                          sizeof(pa_app_counters_t));
}

typedef struct pa_sb_carry_t {
    pa_sb_t *sb;
    apr_pool_t *keep;               /* the process pool */
} pa_sb_carry_t;

static apr_hash_t *pa_sb_carried(apr_pool_t *keep)
{
    void *carry = NULL;

    apr_pool_userdata_get(&carry, pa_sb_carry_key(), keep);
    return carry;
}

static apr_status_t pa_sb_carry_counters(void *data)
{
    pa_sb_carry_t *cy = data;
    apr_hash_t *carry = pa_sb_carried(cy->keep);
    int i;

    if (!carry) {
        carry = apr_hash_make(cy->keep);
        apr_pool_userdata_set(carry, pa_sb_carry_key(), apr_pool_cleanup_null,
                              cy->keep);
    }
    for (i = 0; i < cy->sb->napps; i++) {
        const pa_app_t *app = APR_ARRAY_IDX(cy->sb->conf->apps, i, pa_app_t *);
        const pa_sb_app_t *a = pa_sb_app(cy->sb, i);
        const char *name = app->name;
        pa_app_counters_t *c;

        if (app->spare) {
            /* A pool kept for new programs (NAME:+K): what it counted is
             * the program's that took it, which the next generation gives
             * a pool of its own, named so; one not taken counted nothing,
             * and the next program to take it starts from nothing. */
            if (!__atomic_load_n(&a->taken, __ATOMIC_ACQUIRE)) {
                continue;
            }
            name = a->program_name;
        }
        c = apr_hash_get(carry, name, APR_HASH_KEY_STRING);
        if (!c) {
            c = apr_palloc(cy->keep, sizeof(*c));
            apr_hash_set(carry, apr_pstrdup(cy->keep, name),
                         APR_HASH_KEY_STRING, c);
        }
        memcpy(c, (const void *)&a->c, sizeof(*c));
    }
    __atomic_store_n(&cy->sb->hdr->carried, 1, __ATOMIC_RELEASE);
    return APR_SUCCESS;
}

void pa_sb_forget_removed(pa_server_conf_t *conf, server_rec *s)
{
    apr_hash_t *carry = pa_sb_carried(s->process->pool);
    apr_hash_index_t *hi;

    for (hi = carry ? apr_hash_first(NULL, carry) : NULL; hi;
         hi = apr_hash_next(hi)) {
        const char *name = apr_hash_this_key(hi);
        int i;

        for (i = 0; i < conf->apps->nelts; i++) {
            if (!strcmp(APR_ARRAY_IDX(conf->apps, i, pa_app_t *)->name,
                        name)) {
                break;
            }
        }
        if (i == conf->apps->nelts) {
            memset(apr_hash_this_val(hi), 0, sizeof(pa_app_counters_t));
        }
    }
}

static apr_status_t pa_sb_close_fd(void *data)
{
    int *fd = data;

    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return APR_SUCCESS;
}

void pa_sb_remove_sockdir(const char *dir)
{
    struct dirent *e;
    DIR *d;
    int fd;

    /* By descriptor, never through a symlink: the name may be someone
     * else's by now (a base such as /tmp, a tmp cleaner), swapped for a
     * link to a directory of the system's while this runs as root. */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (!(d = fdopendir(fd))) {
        close(fd);
        return;
    }
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            unlinkat(fd, e->d_name, 0);
        }
    }
    closedir(d);                /* closes fd */
    rmdir(dir);
}

/* An ACL the directory inherited (a default ACL on its parent) would
 * outlive fchmod(): its group entry, named users and default entries go on
 * deciding who enters, and what mode the sockets bound in it get. */
static int pa_sb_drop_acls(int fd)
{
    static const char *const names[] = {
        "system.posix_acl_access", "system.posix_acl_default"
    };
    int i;

    for (i = 0; i < 2; i++) {
        if (fremovexattr(fd, names[i]) != 0 && errno != ENODATA
            && errno != ENOTSUP && errno != EOPNOTSUPP) {
            return errno;
        }
    }
    return 0;
}

int pa_sb_sockdir_made(const char *dir, struct stat *st)
{
    if (lstat(dir, st) != 0) {
        return 0;
    }
    return S_ISDIR(st->st_mode) && st->st_uid == geteuid();
}

int pa_sb_sockdir_create(const char *dir)
{
    int root = geteuid() == 0, fd, rv = 0;

    if (mkdir(dir, 0700) != 0) {
        return errno;
    }
    /* By descriptor: the name may have been swapped since mkdir(). */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        rv = errno;
    }
    else if ((rv = pa_sb_drop_acls(fd)) == 0
             && ((root && fchown(fd, 0, ap_unixd_config.group_id) != 0)
                 || fchmod(fd, root ? 0710 : 0700) != 0)) {
        rv = errno;
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rv) {
        rmdir(dir);
    }
    return rv;
}

int pa_sb_hold(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

int pa_sb_held(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), held;

    if (fd < 0) {
        return 0;
    }
    held = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
}

/* The pid in a socket directory's name (pa_sb_sockdir_name()): 0 if the
 * name is not one. */
static int sockdir_pid(const char *name, long *pid)
{
    unsigned int gen, other;
    char dot, tail;
    int n = sscanf(name, "pa-%ld.%u%c%u%c", pid, &gen, &dot, &other, &tail);

    return n == 2 || (n == 4 && dot == '.');
}

/* Directories "pa-PID.GEN[.N]" in base left by an httpd that is gone (killed
 * together with its manager, so that nobody cleaned up). One whose pid is
 * alive, even as someone else's process, is left alone; but not one of our
 * own pid before our first generation made any (a container's httpd has
 * the same pid at every start: what the last one left, after graceful
 * restarts too, carries it). Nor one held (pa_sb_hold()): a live httpd's
 * in another pid namespace. */
static void pa_sb_remove_stale(apr_pool_t *p, const char *base, server_rec *s)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, base, p) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        const char *dir;
        struct stat st;
        long pid;

        if (!sockdir_pid(fi.name, &pid)
            || !(pa_sb_pid_gone(pid)
                 || (pid == (long)getpid()
                     && ap_state_query(AP_SQ_CONFIG_GEN) <= 1))) {
            continue;
        }
        dir = apr_pstrcat(p, base, "/", fi.name, NULL);
        if (pa_sb_held(dir) || lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)
            || (st.st_uid != geteuid()
                && st.st_uid != ap_unixd_config.user_id)) {
            continue;
        }
        pa_sb_remove_sockdir(dir);
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, PALOGNO(00210)
                     "removed socket directory %s, left by httpd pid %ld, "
                     "which is gone", dir, pid);
    }
    apr_dir_close(d);
}

char *pa_sb_sockdir_base(apr_pool_t *p, const pa_server_conf_t *conf)
{
    char *base = apr_pstrdup(p, conf->sockdir ? conf->sockdir
                                : ap_runtime_dir_relative(p, ""));
    apr_size_t blen = strlen(base);

    while (blen > 1 && base[blen - 1] == '/') {
        base[--blen] = '\0';
    }
    return base;
}

const char *pa_sb_sockdir_name(apr_pool_t *p, const char *base, long pid,
                               unsigned int generation, unsigned int other)
{
    /* Parent pid + generation: two httpd instances, or two generations of
     * one, never share a directory; other, when a live httpd in another
     * pid namespace, with this pid and generation, holds that name. */
    return other ? apr_psprintf(p, "%s/pa-%ld.%u.%u", base, pid, generation,
                                other)
                 : apr_psprintf(p, "%s/pa-%ld.%u", base, pid, generation);
}

int pa_sb_sockdir_fits(const pa_server_conf_t *conf, const char *dir)
{
    struct sockaddr_un sun;
    apr_size_t longest = 0;
    int i;

    for (i = 0; i < conf->apps->nelts; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);
        apr_size_t n = strlen(app->name);

        longest = n > longest ? n : longest;
    }
    /* "/<name>.<slot>.sock" must fit a unix socket address. */
    return strlen(dir) < PA_SOCKDIR_MAX
           && strlen(dir) + longest + 18 < sizeof(sun.sun_path);
}

static apr_status_t pa_sb_make_sockdir(pa_sb_t *sb, apr_pool_t *pconf,
                                       apr_pool_t *ptemp, server_rec *s)
{
    pa_sb_header_t *hdr = sb->hdr;
    const char *base = pa_sb_sockdir_base(ptemp, sb->conf);
    const char *dir = pa_sb_sockdir_name(pconf, base, (long)getpid(),
                                         hdr->generation, 0), *taken = NULL;
    unsigned int other = 0;
    int rv, held;

    /* Held (pa_sb_hold()): a live httpd's with our pid and generation, in
     * another pid namespace (two containers' first processes sharing this
     * directory). Removing it would leave that one's workers unreachable,
     * and its manager would take it back from us every second. */
    while ((held = pa_sb_held(dir)) && other < PA_SOCKDIR_OTHERS) {
        taken = taken ? taken : dir;
        dir = pa_sb_sockdir_name(pconf, base, (long)getpid(),
                                 hdr->generation, ++other);
    }
    if (taken) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, PALOGNO(00212)
                     "socket directory %s is held by another httpd with "
                     "this pid (in another pid namespace); using %s",
                     taken, dir);
    }

    if (!pa_sb_sockdir_fits(sb->conf, dir)) {
        /* configtest allowed for the longest pid: not reached */
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PALOGNO(00203)
                     "socket directory %s is too long for unix socket paths; "
                     "set a shorter PreforkAppSocketDir", dir);
        return APR_ENAMETOOLONG;
    }
    /* What a crashed httpd with the same pid and generation left (when
     * every name is held, making it fails below), and what crashed ones
     * with other pids left. */
    if (!held) {
        pa_sb_remove_sockdir(dir);
    }
    pa_sb_remove_stale(ptemp, base, s);
    sb->sockdir = dir;
    rv = pa_sb_sockdir_create(dir);
    if (rv == 0 && (sb->hold_fd = pa_sb_hold(dir)) >= 0) {
        apr_pool_cleanup_register(pconf, &sb->hold_fd, pa_sb_close_fd,
                                  apr_pool_cleanup_null);
    }
    if (rv != 0 && ap_state_query(AP_SQ_CONFIG_GEN) > 1) {
        /* A restart: failing here would take all of httpd down (a full or
         * read-only /run at logrotate's graceful); the manager makes it
         * once it can, and until then only the apps answer 503. */
        hdr->no_sockdir = 1;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PALOGNO(00211)
                     "cannot create socket directory %s; the apps answer "
                     "503 until the process manager can (it tries every "
                     "second)", dir);
        return APR_SUCCESS;
    }
    if (rv != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00204)
                     "cannot create socket directory %s", dir);
        return rv;
    }
    return APR_SUCCESS;
}

/* How many requests can wait at once: every thread of every httpd child,
 * and with mod_http2 its own request threads (H2MaxWorkers per child; its
 * default is 3/2 of ThreadsPerChild, at least 4: counted from ThreadLimit,
 * which is not less). */
static apr_uint32_t pa_sb_max_waiters(const pa_server_conf_t *conf)
{
    int daemons = 0, threads = 0, h2 = conf->h2_workers;
    apr_uint64_t n;

    ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &daemons);
    ap_mpm_query(AP_MPMQ_HARD_LIMIT_THREADS, &threads);
    threads = threads > 0 ? threads : 1;
    if (h2 < 0) {
        h2 = 3 * threads / 2 > 4 ? 3 * threads / 2 : 4;
    }
    n = (apr_uint64_t)(daemons > 0 ? daemons : 1) * (threads + h2);
    if (n < PA_WAITERS_MIN) {
        n = PA_WAITERS_MIN;
    }
    return n > PA_WAITERS_MAX ? PA_WAITERS_MAX : (apr_uint32_t)n;
}

apr_uint32_t pa_sb_nslots(const pa_app_t *app)
{
    /* Headroom lets a replacement start before a recycled worker leaves. */
    int headroom = app->max_procs / 4;

    return app->max_procs + (headroom > 0 ? headroom : 1);
}

/* An app's waiter records: with queue-limit=, no more can wait at once
 * than that, nor be handed a worker and not have woken yet than its slots;
 * as many again for the records of requests whose httpd child died, until
 * the manager's sweep. A hosting server's many small apps need not each
 * pay for every thread of the MPM (48 bytes each, 1024 with the event
 * MPM's defaults). */
static apr_uint32_t pa_sb_app_waiters(const pa_app_t *app,
                                      apr_uint32_t nwaiters)
{
    apr_uint64_t n = 2 * (apr_uint64_t)app->queue_limit + pa_sb_nslots(app);

    if (app->queue_limit <= 0 || n >= nwaiters) {
        return nwaiters;
    }
    return n < PA_WAITERS_MIN ? PA_WAITERS_MIN : (apr_uint32_t)n;
}

/* Waiter records with a request buffer (see PA_SB_REQ_MAX). */
static apr_uint32_t pa_sb_nreqs(const pa_app_t *app, apr_uint32_t nwaiters)
{
    apr_uint32_t n = 4 * (apr_uint32_t)app->max_procs;

    if (app->protocol != PA_PROTO_FASTCGI || !app->keep_conn) {
        return 0;
    }
    n = n < PA_SB_REQ_RECORDS_MIN ? PA_SB_REQ_RECORDS_MIN
        : n > PA_SB_REQ_RECORDS_MAX ? PA_SB_REQ_RECORDS_MAX : n;
    return n < nwaiters ? n : nwaiters;
}

static apr_status_t pa_sb_init_lock(pa_sb_app_t *a)
{
    pthread_mutexattr_t attr;
    int rc;

    if ((rc = pthread_mutexattr_init(&attr)) != 0) {
        return rc;
    }
    if ((rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)) == 0
        && (rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) == 0) {
        rc = pthread_mutex_init(&a->lock, &attr);
    }
    pthread_mutexattr_destroy(&attr);
    return rc;
}

apr_status_t pa_sb_create(pa_sb_t **sbp, pa_server_conf_t *conf,
                          apr_pool_t *pconf, server_rec *s)
{
    int napps = conf->apps->nelts;
    apr_uint32_t nwaiters = pa_sb_max_waiters(conf);
    apr_size_t size, off, zeroed, reqs_off;
    apr_pool_t *ptemp;
    pa_sb_t *sb;
    pa_sb_header_t *hdr;
    apr_hash_t *carry = NULL;
    apr_status_t rv;
    int i, fds[2];

    apr_pool_create(&ptemp, pconf);
    size = PA_SB_ALIGN(offsetof(pa_sb_header_t, app_off)
                       + napps * sizeof(apr_size_t));
    for (i = 0; i < napps; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        size += PA_SB_ALIGN(sizeof(pa_sb_app_t))
                + PA_SB_ALIGN(pa_sb_nslots(app) * sizeof(pa_slot_t))
                + PA_SB_ALIGN(pa_sb_app_waiters(app, nwaiters)
                              * sizeof(pa_waiter_t));
    }
    /* The request buffers come last and are not cleared: a fresh mapping
     * is zeroes already, and only the pages of the records in use (the
     * lowest, enqueue takes the first free) are ever touched. */
    zeroed = size;
    for (i = 0; i < napps; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        size += (apr_size_t)pa_sb_nreqs(app, pa_sb_app_waiters(app,
                                                               nwaiters))
                * PA_SB_REQ_MAX;
    }

    sb = apr_pcalloc(pconf, sizeof(*sb));
    sb->conf = conf;
    sb->napps = napps;
    sb->layout = apr_pcalloc(pconf, napps * sizeof(*sb->layout));
    sb->wake_fd = sb->alive_rd = sb->alive_wr = sb->hold_fd = -1;
    /* Anonymous: inherited by fork, never a file left behind. */
    rv = apr_shm_create(&sb->shm, size, NULL, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00206)
                     "cannot create %" APR_SIZE_T_FMT " bytes of anonymous "
                     "shared memory for the scoreboard", size);
        goto out;
    }
    hdr = sb->hdr = apr_shm_baseaddr_get(sb->shm);
    memset(hdr, 0, zeroed);
    hdr->magic = PA_SB_MAGIC;
    hdr->napps = napps;
    hdr->generation = (apr_uint32_t)ap_state_query(AP_SQ_CONFIG_GEN);
    hdr->created = pa_now();
    if (s) {
        carry = pa_sb_carried(s->process->pool);
    }

    off = PA_SB_ALIGN(offsetof(pa_sb_header_t, app_off)
                      + napps * sizeof(apr_size_t));
    reqs_off = zeroed;
    for (i = 0; i < napps; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);
        pa_sb_app_t *a = (pa_sb_app_t *)((char *)hdr + off);
        const pa_app_counters_t *c;
        apr_uint32_t j;
        int rc;

        hdr->app_off[i] = off;
        a->index = i;
        a->nslots = pa_sb_nslots(app);
        a->nwaiters = pa_sb_app_waiters(app, nwaiters);
        a->max_requests = app->max_requests > 0 ? app->max_requests : 0;
        a->max_requests_hi = app->max_requests_hi > 0 ? app->max_requests_hi
                                                      : 0;
        a->stretch = !app->exits_itself;
        a->dynamic = app->min_procs < app->max_procs;
        a->max_procs = app->max_procs;
        a->queue_limit = (apr_uint32_t)app->queue_limit;
        off += PA_SB_ALIGN(sizeof(pa_sb_app_t));
        a->slots_off = off;
        off += PA_SB_ALIGN(a->nslots * sizeof(pa_slot_t));
        a->waiters_off = off;
        off += PA_SB_ALIGN(a->nwaiters * sizeof(pa_waiter_t));
        sb->layout[i].app = a;
        sb->layout[i].slots = (pa_slot_t *)((char *)hdr + a->slots_off);
        sb->layout[i].waiters = (pa_waiter_t *)((char *)hdr + a->waiters_off);
        sb->layout[i].reqs = (char *)hdr + reqs_off;
        sb->layout[i].nreqs = pa_sb_nreqs(app, a->nwaiters);
        reqs_off += (apr_size_t)sb->layout[i].nreqs * PA_SB_REQ_MAX;
        sb->layout[i].nslots = a->nslots;
        sb->layout[i].nwaiters = a->nwaiters;
        for (j = 0; j < a->nslots; j++) {
            sb->layout[i].slots[j].last_exit_status = -1;
        }
        if (carry && (c = apr_hash_get(carry, app->name, APR_HASH_KEY_STRING))) {
            memcpy((void *)&a->c, c, sizeof(*c));
        }
        if ((rc = pa_sb_init_lock(a)) != 0) {
            rv = rc;
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00207)
                         "cannot create the robust process-shared mutex "
                         "of app %s", app->name);
            goto out;
        }
    }
    if (s) {
        /* Registered after the segment (runs before it is unmapped) and
         * once every app's part of it is laid out. */
        pa_sb_carry_t *cy = apr_palloc(pconf, sizeof(*cy));

        cy->sb = sb;
        cy->keep = s->process->pool;
        apr_pool_cleanup_register(pconf, cy, pa_sb_carry_counters,
                                  apr_pool_cleanup_null);
    }

    sb->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (sb->wake_fd >= 0) {
        apr_pool_cleanup_register(pconf, &sb->wake_fd, pa_sb_close_fd,
                                  apr_pool_cleanup_null);
    }
    if (sb->wake_fd < 0 || pipe2(fds, O_CLOEXEC) != 0) {
        rv = errno;
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00208)
                     "cannot create the manager's wakeup descriptors");
        goto out;
    }
    sb->alive_rd = fds[0];
    sb->alive_wr = fds[1];
    apr_pool_cleanup_register(pconf, &sb->alive_rd, pa_sb_close_fd,
                              apr_pool_cleanup_null);
    apr_pool_cleanup_register(pconf, &sb->alive_wr, pa_sb_close_fd,
                              apr_pool_cleanup_null);

    rv = pa_sb_make_sockdir(sb, pconf, ptemp, s);
    if (rv == APR_SUCCESS) {
        *sbp = sb;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, PALOGNO(00209)
                     "scoreboard: %d apps, %" APR_SIZE_T_FMT " bytes, "
                     "%u waiter records per app (fewer with queue-limit=), "
                     "sockets in %s",
                     napps, size, nwaiters, sb->sockdir);
    }
out:
    apr_pool_destroy(ptemp);
    return rv;
}
