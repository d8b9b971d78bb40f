/* conn: connections to workers; see conn.h for why kept ones are shared. */
#include "conn.h"
#include "manager.h"

#include "unixd.h"
#include "apr_atomic.h"
#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

#define PA_CONN_MAGIC       0x50414b43u     /* "PAKC" */
/* Longest an httpd child waits for the manager's answer: it answers between
 * two spawns, so only a stuck manager takes this long. */
#define PA_CONN_FETCH_MAX   apr_time_from_sec(10)

/* Request and answer on the service socket; the answer carries the
 * connection as SCM_RIGHTS when the manager has one for that pid. */
typedef struct pa_conn_msg_t {
    apr_uint32_t magic;
    apr_uint32_t app;
    apr_uint32_t slot;
    apr_int32_t pid;                /* answer: the slot's occupant, 0 = none */
    apr_uint32_t kept;              /* answer: the manager holds a connection
                                     * to it (attached); ask: a new one if
                                     * its own was closed (pa_conn_renew()) */
    apr_uint32_t seq;               /* ask: the claim (seq, nth), so that
                                     * one the asker gave up is told apart;
                                     * answer: the slot's conn_gen */
    apr_uint64_t nth;
} pa_conn_msg_t;

/* A message as sent and received, with room for one descriptor. */
typedef struct pa_conn_io_t {
    pa_conn_msg_t m;
    struct iovec iov;
    struct msghdr mh;
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm;
} pa_conn_io_t;

/* One kept connection in an httpd child. */
typedef struct pa_conn_kept_t {
    int fd;                         /* -1 = none */
    pid_t pid;                      /* the occupant it leads to: its pid */
    apr_uint32_t seq;               /* and its slot seq (pids get reused) */
    apr_uint32_t gen;               /* and the slot's conn_gen */
    int busy;                       /* a request of this child uses fd (from
                                     * pa_conn_get() to pa_conn_done() or
                                     * pa_conn_drop()) */
} pa_conn_kept_t;

static pa_conn_kept_t **pa_kept;    /* [app][slot], this child only */
/* Guards pa_kept's entries. A claim makes a slot's use exclusive, but not
 * across a new manager's reset of the slots (pa_mgr_reset_slots()): the
 * slot a request still reads from can be claimed again meanwhile, by
 * another thread of this child. */
static apr_thread_mutex_t *pa_kept_mutex;
static const char *pa_service_path;
static pa_sb_t *pa_conn_sb;
/* Second of this child's last sweep of kept connections to workers that
 * are gone (pa_conn_sweep()). */
static volatile apr_uint32_t pa_swept;
/* How many this child holds, and how many it may: half its descriptor
 * limit, the rest left to httpd (clients, files, logs). */
static volatile apr_uint32_t pa_kept_count;
static apr_uint32_t pa_kept_max;

static int pa_conn_addr(struct sockaddr_un *sa, const char *path)
{
    apr_size_t len = strlen(path);

    if (len >= sizeof(sa->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, len + 1);
    return 0;
}

int pa_conn_bind(int fd, const char *path)
{
    struct sockaddr_un sa;
    mode_t mask;
    int rc;

    if (pa_conn_addr(&sa, path) != 0) {
        return -1;
    }
    /* A previous manager of this generation (it died) left the file. */
    unlink(path);
    /* The mode comes from the umask at bind(): no chmod() by name after.
     * Only the manager binds, and it has no other thread. */
    mask = umask(0177);
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(mask);
    if (rc == 0 && geteuid() == 0
        && lchown(path, ap_unixd_config.user_id,
                  ap_unixd_config.group_id) != 0) {
        rc = -1;
    }
    return rc;
}

static void pa_conn_io_init(pa_conn_io_t *io)
{
    memset(io, 0, sizeof(*io));
    io->iov.iov_base = &io->m;
    io->iov.iov_len = sizeof(io->m);
    io->mh.msg_iov = &io->iov;
    io->mh.msg_iovlen = 1;
    io->mh.msg_control = io->cm.buf;
    io->mh.msg_controllen = sizeof(io->cm.buf);
}

int pa_conn_open(const char *sock_path)
{
    struct sockaddr_un sa;
    int fd;

    if (pa_conn_addr(&sa, sock_path) != 0) {
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    /* A listening unix socket takes the connection into its backlog at
     * once (or refuses it): EINPROGRESS does not happen here. */
    while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        if (errno != EINTR) {
            int e = errno;

            close(fd);
            errno = e;
            return -1;
        }
    }
    return fd;
}

int pa_conn_closed(int fd)
{
    struct pollfd pfd;
    int rc;

    pfd.fd = fd;
    pfd.events = POLLRDHUP;
    do {
        pfd.revents = 0;
        rc = poll(&pfd, 1, 0);
    } while (rc < 0 && errno == EINTR);
    return rc == 1 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* ---- manager side ------------------------------------------------------------ */

int pa_conn_open_kept(const char *sock_path)
{
    struct timeval tv;
    int fd = pa_conn_open(sock_path);

    tv.tv_sec = 0;
    tv.tv_usec = PA_CONN_RECV_WAIT_MS * 1000;
    if (fd >= 0
        && (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0
            || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)) {
        int e = errno;

        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int pa_conn_service_open(const char *sockdir, apr_pool_t *p, server_rec *s)
{
    const char *path = apr_pstrcat(p, sockdir, "/" PA_CONN_SERVICE, NULL);
    int fd;
    int on = 1;

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    /* Each ask then comes with its sender's pid, checked by the kernel. */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on))
        || pa_conn_bind(fd, path) != 0) {
        goto fail;
    }
    return fd;

fail:
    ap_log_error(APLOG_MARK, APLOG_ERR, errno, s, PALOGNO(00125)
                 "cannot create %s: kept worker connections are off, every "
                 "request connects anew", path);
    if (fd >= 0) {
        close(fd);
    }
    return -1;
}

void pa_conn_serve(int fd, pa_conn_lookup_fn lookup, void *baton)
{
    int asks;

    /* A bounded number a turn: any process running as User can send here,
     * and a flood must not keep the manager from its other work. */
    for (asks = 0; asks < PA_CONN_ASKS_A_TURN; asks++) {
        struct sockaddr_un from;
        /* Room for the credentials alone: descriptors sent along with an
         * ask are not taken in (MSG_CTRUNC). */
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(sizeof(struct ucred))];
        } cred;
        struct cmsghdr *c;
        struct ucred asker;
        pa_conn_io_t io;
        pid_t pid = 0;
        apr_uint32_t gen = 0;
        int conn;
        ssize_t n;

        pa_conn_io_init(&io);
        io.mh.msg_name = &from;
        io.mh.msg_namelen = sizeof(from);
        io.mh.msg_control = cred.buf;
        io.mh.msg_controllen = sizeof(cred.buf);
        n = recvmsg(fd, &io.mh, MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;                 /* EAGAIN: all answered */
        }
        c = CMSG_FIRSTHDR(&io.mh);
        if (n != sizeof(io.m) || io.m.magic != PA_CONN_MAGIC
            || io.mh.msg_namelen == 0 || !c || c->cmsg_level != SOL_SOCKET
            || c->cmsg_type != SCM_CREDENTIALS
            || c->cmsg_len != CMSG_LEN(sizeof(asker))) {
            continue;
        }
        memcpy(&asker, CMSG_DATA(c), sizeof(asker));
        pid = io.m.pid;
        conn = lookup(baton, io.m.app, io.m.slot, io.m.seq, io.m.nth,
                      asker.pid, io.m.kept != 0, &pid, &gen);
        io.m.pid = pid;
        io.m.seq = gen;
        io.m.kept = conn >= 0;
        io.mh.msg_control = io.cm.buf;
        io.mh.msg_controllen = sizeof(io.cm.buf);
        io.mh.msg_flags = 0;
        if (conn >= 0) {
            c = CMSG_FIRSTHDR(&io.mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &conn, sizeof(int));
        }
        else {
            io.mh.msg_control = NULL;
            io.mh.msg_controllen = 0;
        }
        /* The asker waits for this: a full queue means it is gone. */
        while (sendmsg(fd, &io.mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0
               && errno == EINTR) {
        }
    }
}

/* ---- request side ----------------------------------------------------------- */

void pa_conn_child_init(apr_pool_t *pchild, pa_sb_t *sb)
{
    struct rlimit rl;
    int i;
    apr_uint32_t j;

    apr_thread_mutex_create(&pa_kept_mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
    pa_kept = apr_palloc(pchild, sb->napps * sizeof(*pa_kept));
    for (i = 0; i < sb->napps; i++) {
        pa_kept[i] = apr_pcalloc(pchild, sb->layout[i].nslots
                                         * sizeof(**pa_kept));
        for (j = 0; j < sb->layout[i].nslots; j++) {
            pa_kept[i][j].fd = -1;
        }
    }
    pa_service_path = apr_pstrcat(pchild, sb->sockdir,
                                  "/" PA_CONN_SERVICE, NULL);
    pa_conn_sb = sb;
    pa_kept_max = APR_UINT32_MAX;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
        && rl.rlim_cur / 2 < APR_UINT32_MAX) {
        pa_kept_max = (apr_uint32_t)(rl.rlim_cur / 2);
    }
}

/* Take k's connection out of this child's table (under pa_kept_mutex). */
static void pa_conn_detach(pa_conn_kept_t *k)
{
    k->fd = -1;
    k->pid = 0;
    k->busy = 0;
    apr_atomic_dec32(&pa_kept_count);
}

/* Close a kept connection of this child's (the manager keeps its own). */
static void pa_conn_unkeep(pa_conn_kept_t *k)
{
    close(k->fd);
    pa_conn_detach(k);
}

/* A kept connection is closed when this child next claims its slot and
 * finds another occupant there; with many on-demand apps most slots are
 * not claimed again for hours, and the connections to their gone workers
 * piled up to one per slot of every app (1500 for 500 apps of processes=
 * 0-2), past a ulimit -n of 1024 or 8192 with enough apps. So before it
 * takes a new one, at most once a second, the child closes those whose
 * worker has left or is leaving. With all set (it holds pa_kept_max: many
 * workers alive, each used by this child once), it closes every one it is
 * not using now; the next request to such a worker fetches it again. Under
 * the app's lock no claim starts, so a slot not busy for this child, whose
 * entry no request uses, is nobody's to touch but ours. */
static void pa_conn_sweep(int all)
{
    pa_sb_t *sb = pa_conn_sb;
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(pa_now());
    apr_uint32_t last = pa_swept;
    int i;
    apr_uint32_t j;

    if (!all && (now == last
                 || apr_atomic_cas32(&pa_swept, now, last) != last)) {
        return;
    }
    for (i = 0; i < sb->napps; i++) {
        pa_sb_app_t *a = sb->layout[i].app;
        int held = 0;

        for (j = 0; j < sb->layout[i].nslots && !held; j++) {
            held = pa_kept[i][j].fd >= 0;
        }
        if (!held) {
            continue;
        }
        pa_sb_lock(sb, a);
        apr_thread_mutex_lock(pa_kept_mutex);
        for (j = 0; j < sb->layout[i].nslots; j++) {
            pa_conn_kept_t *k = &pa_kept[i][j];
            pa_slot_t *slot = pa_sb_slot(sb, a, j);

            if (k->fd < 0 || k->busy || (slot->state == PA_SLOT_BUSY
                                         && slot->client_pid == sb->self)) {
                continue;
            }
            if (!all && slot->pid == k->pid && slot->seq == k->seq
                && slot->state != PA_SLOT_STOPPING
                && slot->state != PA_SLOT_EMPTY) {
                continue;
            }
            pa_conn_unkeep(k);
        }
        apr_thread_mutex_unlock(pa_kept_mutex);
        pa_sb_unlock(sb, a);
    }
}

/* Wait until fd is ready for events, at most until then: 0, or -1 with
 * errno (ETIMEDOUT). */
static int pa_conn_wait(int fd, short events, apr_time_t until)
{
    struct pollfd pfd;
    int rc;

    pfd.fd = fd;
    pfd.events = events;
    for (;;) {
        apr_interval_time_t left = until - pa_now();

        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        rc = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (rc > 0) {
            return 0;
        }
        if (rc < 0 && errno != EINTR) {
            return -1;
        }
    }
}

/* What the request does without its kept connection (see dispatch.c). */
static const char *pa_conn_outcome(const pa_claim_t *claim)
{
    return claim->sent ? "the request was sent at the hand-off: the worker "
                         "is recycled, the request replayed if it can be, "
                         "else 502"
                       : "503, the worker is left as it was";
}

/* Ask the manager for its connection to the worker of claim. Returns the
 * fd, or -1: *pid then says whether the manager has none for that occupant
 * (the claimed pid), the occupant changed (another pid), or the connection
 * could not be had (-1, logged). */
static int pa_conn_fetch(request_rec *r, const pa_app_t *app,
                         const pa_claim_t *claim, int renew,
                         apr_time_t deadline, pid_t *pid, apr_uint32_t *gen)
{
    struct sockaddr_un sa;
    pa_conn_io_t io;
    struct cmsghdr *c;
    sa_family_t autobind = AF_UNIX;
    apr_time_t asked = pa_now();
    apr_time_t until = asked + PA_CONN_FETCH_MAX;
    int s, conn = -1;
    ssize_t n = -1;

    *pid = 0;
    if (deadline < until) {
        until = deadline;
    }
    if (pa_conn_addr(&sa, pa_service_path) != 0) {
        return -1;
    }
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    /* An autobound (abstract) address, for the manager to answer to; and
     * connected, so that poll() says when its queue has room again (a
     * blocking send would wait for that without limit). */
    if (s < 0 || bind(s, (struct sockaddr *)&autobind, sizeof(autobind)) != 0
        || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        goto gone;
    }
    pa_conn_io_init(&io);
    io.m.magic = PA_CONN_MAGIC;
    io.m.app = app->index;
    io.m.slot = claim->slot_index;
    io.m.pid = claim->pid;
    io.m.seq = claim->seq;
    io.m.nth = claim->nth;
    io.m.kept = (apr_uint32_t)renew;
    while (send(s, &io.m, sizeof(io.m), MSG_NOSIGNAL) != sizeof(io.m)) {
        if (errno != EAGAIN && errno != EINTR) {
            goto gone;
        }
        if (errno == EAGAIN && pa_conn_wait(s, POLLOUT, until) != 0) {
            goto fail;
        }
    }
    if (pa_conn_wait(s, POLLIN, until) != 0) {
        goto fail;
    }
    do {
        n = recvmsg(s, &io.mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    c = n >= 0 ? CMSG_FIRSTHDR(&io.mh) : NULL;
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
        && c->cmsg_len == CMSG_LEN(sizeof(int))) {
        memcpy(&conn, CMSG_DATA(c), sizeof(int));
    }
    if (n != sizeof(io.m) || io.m.magic != PA_CONN_MAGIC) {
        if (conn >= 0) {
            close(conn);            /* not ours to keep open */
        }
        errno = n < 0 ? errno : EPROTO;
        goto fail;
    }
    close(s);
    s = -1;
    *pid = io.m.pid;
    *gen = io.m.seq;
    if (io.m.kept && conn < 0) {
        /* Sent but not received: out of descriptors (MSG_CTRUNC). A new
         * connection would wait behind the kept one for good. Said to the
         * manager: one opened for this ask now has nobody at its end. */
        errno = (io.mh.msg_flags & MSG_CTRUNC) ? EMFILE : EPROTO;
        claim->slot->kept_lost = claim->pid;
        goto fail;
    }
    if (conn >= 0 && io.m.pid != claim->pid) {
        close(conn);
        conn = -1;
    }
    return conn;

gone:
    if (errno == ENOENT || errno == ECONNREFUSED) {
        /* The manager keeps no connections (it logged why). */
        close(s);
        *pid = claim->pid;
        return -1;
    }
fail:
    if (errno == ETIMEDOUT) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00328)
                      "%s: the manager did not answer within %" APR_TIME_T_FMT
                      " ms (stopped or overloaded?) when asked for the kept "
                      "connection to worker pid %ld: %s", app->name,
                      apr_time_as_msec(pa_now() - asked),
                      (long)claim->pid, pa_conn_outcome(claim));
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, r, PALOGNO(00318)
                      "%s: cannot get the kept connection to worker pid %ld "
                      "from the manager (%s): %s", app->name, (long)claim->pid,
                      pa_service_path, pa_conn_outcome(claim));
    }
    if (s >= 0) {
        close(s);
    }
    *pid = -1;
    return -1;
}

static int pa_conn_take(request_rec *r, const pa_app_t *app,
                        const pa_claim_t *claim, int keep, int renew,
                        apr_time_t deadline, int *kept)
{
    pa_conn_kept_t *k = &pa_kept[app->index][claim->slot_index];
    const char *path;
    apr_uint32_t gen = 0;
    pid_t pid;
    int fd;

    *kept = 0;
    apr_thread_mutex_lock(pa_kept_mutex);
    if (k->busy) {
        /* A request of this child still reads it, from before a new
         * manager took the slot back and gave it out again: it is that
         * request's alone now, to close when done. */
        pa_conn_detach(k);
    }
    else if (k->fd >= 0 && (!keep || k->pid != claim->pid
                            || k->seq != claim->seq
                            || k->gen != claim->conn_gen)) {
        /* The app no longer keeps connections, or it leads to an earlier
         * occupant; or the manager has a new one (pa_conn_renew() by
         * another child). */
        pa_conn_unkeep(k);
    }
    if (keep && k->fd >= 0) {
        k->busy = 1;
        *kept = 1;
        apr_thread_mutex_unlock(pa_kept_mutex);
        return k->fd;
    }
    apr_thread_mutex_unlock(pa_kept_mutex);
    if (keep) {
        pa_conn_sweep(0);
        if (apr_atomic_read32(&pa_kept_count) >= pa_kept_max) {
            pa_conn_sweep(1);
        }
        fd = pa_conn_fetch(r, app, claim, renew, deadline, &pid, &gen);
        if (fd >= 0) {
            apr_thread_mutex_lock(pa_kept_mutex);
            if (k->fd >= 0) {
                /* Another claim of the slot made an entry meanwhile: a new
                 * manager took the slot back from ours. */
                apr_thread_mutex_unlock(pa_kept_mutex);
                close(fd);
                pid = 0;
            }
            else {
                k->fd = fd;
                k->pid = claim->pid;
                k->seq = claim->seq;
                k->gen = gen;
                k->busy = 1;
                apr_atomic_inc32(&pa_kept_count);
                apr_thread_mutex_unlock(pa_kept_mutex);
                *kept = 1;
                return fd;
            }
        }
        if (pid == -1) {
            return PA_CONN_UNAVAILABLE;     /* logged */
        }
        if (pid != claim->pid) {
            /* Gone or replaced since the claim: its socket leads to
             * another occupant, or to nobody. */
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00319)
                          "%s: worker pid %ld was replaced before the "
                          "request reached it", app->name, (long)claim->pid);
            return -1;
        }
        /* The manager holds no connection to it: connect as usual. */
    }
    path = pa_sb_socket_path(r->pool, pa_scoreboard, app, claim->slot_index);
    fd = pa_conn_open(path);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
                   || errno == ENOMEM)) {
        /* This child's shortage (many keep-alive clients against its
         * ulimit -n), not the worker's fault: it is left as it was. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, r, PALOGNO(00345)
                      "%s: cannot connect to worker pid %ld: this httpd "
                      "child is out of resources: 503, the worker is left "
                      "as it was", app->name, (long)claim->pid);
        return PA_CONN_UNAVAILABLE;
    }
    if (fd < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, errno, r, PALOGNO(00307)
                      "%s: cannot connect to worker pid %ld at %s",
                      app->name, (long)claim->pid, path);
    }
    return fd;
}

int pa_conn_get(request_rec *r, const pa_app_t *app, const pa_claim_t *claim,
                int keep, apr_time_t deadline, int *kept)
{
    return pa_conn_take(r, app, claim, keep, 0, deadline, kept);
}

/* Whether fd is still k's (else it was detached: the caller's alone). */
static int pa_conn_ours(const pa_app_t *app, const pa_claim_t *claim, int fd,
                        int drop)
{
    pa_conn_kept_t *k = &pa_kept[app->index][claim->slot_index];
    int ours;

    apr_thread_mutex_lock(pa_kept_mutex);
    ours = k->fd == fd;
    if (ours && drop) {
        pa_conn_unkeep(k);
    }
    else if (ours) {
        k->busy = 0;
    }
    apr_thread_mutex_unlock(pa_kept_mutex);
    if (!ours) {
        close(fd);
    }
    return ours;
}

int pa_conn_done(const pa_app_t *app, const pa_claim_t *claim, int fd)
{
    return pa_conn_ours(app, claim, fd, 0);
}

void pa_conn_drop(const pa_app_t *app, const pa_claim_t *claim, int fd)
{
    pa_conn_ours(app, claim, fd, 1);
}

int pa_conn_renew(request_rec *r, const pa_app_t *app,
                  const pa_claim_t *claim, int fd, int keep,
                  apr_time_t deadline, int *kept)
{
    /* libfcgi, closing over a broken stream, shuts its end down and waits
     * (up to 2 s) for the other to close before it accepts again: that is
     * every copy, held by other children too; a shutdown reaches them. */
    shutdown(fd, SHUT_RDWR);
    pa_conn_drop(app, claim, fd);
    return pa_conn_take(r, app, claim, keep, 1, deadline, kept);
}
