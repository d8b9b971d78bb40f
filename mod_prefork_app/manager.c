/* manager: the process manager's life (forked by the httpd parent, watched
 * with APR's other-child API, retired on restart, stopped on stop) and its
 * event loop: reap and replace workers, scale, recycle, enforce timeouts. */
#include "manager.h"
#include "worker.h"
#include "scripts.h"
#include "conn.h"

#include "http_core.h"
#include "http_main.h"
#include "ap_listen.h"
#include "ap_mpm.h"
#include "unixd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

pa_sb_t *pa_scoreboard;

#define PA_TICK_MS 250                  /* timeouts are checked this often */
/* A worker that crashes closes its connections a moment before it can be
 * reaped: one whose kept connection was found closed is judged this long
 * after (the next tick), not at once. */
#define PA_CLOSED_GRACE apr_time_from_msec(200)
#define PA_BACKOFF_MAX apr_time_from_sec(60)
/* PreforkAppMaxProcesses: a worker idle this long is of no use to its app
 * and may be stopped for any app with requests waiting; and an app with
 * none may take one that has been up this long (a time slice). */
#define PA_STEAL_AFTER apr_time_from_sec(1)
/* max-memory: each worker's resident memory is read this often. */
#define PA_RSS_EVERY apr_time_from_sec(1)
/* What a worker is doing (pa_proc_doing(), for the status page and the
 * lines of slow and timed-out requests) is looked at once its request has
 * run PA_LOOK_AFTER, then every PA_LOOK_EVERY; at most PA_LOOKS_PER_SEC
 * looks a second in all: a database that hangs makes every worker slow at
 * once, and a look at a new socket reads the socket tables. */
#define PA_LOOK_AFTER apr_time_from_sec(1)
#define PA_LOOK_EVERY apr_time_from_sec(1)
#define PA_LOOKS_PER_SEC 64
/* Dispatch answers 504 at request-timeout and releases the worker; the
 * manager's own check, a little later, is the backstop for a request whose
 * httpd thread is stuck or gone. */
#define PA_TIMEOUT_GRACE apr_time_from_sec(1)
/* A retiring manager whose generation saw no request for this long stops,
 * even if some process forked from the parent still holds the generation
 * pipe open. */
#define PA_RETIRE_QUIET apr_time_from_sec(10)
/* How often the socket directory is looked for (a cleaner may remove it). */
#define PA_SOCKDIR_CHECK apr_time_from_sec(1)
/* How long the lock on the pid file's directory is waited for. */
#define PA_PIDLOCK_WAIT apr_time_from_sec(2)
/* Exit status of a manager that could not set up: do not restart it. */
#define PA_MANAGER_STARTUP_ERROR 254
#define PA_MANAGER_QUICK_DEATHS 5
/* A death this soon after the start counts as quick. httpd's parent reaps
 * its children once a second (the MPM's maintenance tick), so a manager
 * that dies at once is seen dead a second after it was forked: one second
 * would count none. */
#define PA_MANAGER_QUICK_LIFE apr_time_from_sec(2)
#define PA_TITLE "httpd (mod_prefork_app manager)"
#define PA_MANAGER_COMM "pa-manager"    /* its name in /proc/PID/comm */

typedef enum { PA_MODE_RUN, PA_MODE_RETIRE, PA_MODE_STOP } pa_mode_e;

/* One app inside the manager process. */
typedef struct pa_mapp_t {
    pa_app_t *app;
    pa_sb_app_t *a;
    pa_worker_t *w;             /* nslots */
    apr_uint32_t nslots;        /* trusted copy (pa_sb_layout_t) */
    int *spawn;                 /* nslots: slots to spawn into, per pass */
    int *under;                 /* nslots: BUSY slots to respawn, per pass */
    const char **envp;
    int at_max;                 /* in a "demand but at max processes" episode */
    apr_time_t swept;           /* waiters last checked for life */
    apr_time_t rss_read;        /* workers' memory last read (max-memory) */
    apr_time_t loop_began;      /* the crash-loop backoff started (level 0 -> 1) */
    apr_time_t reload_stamp;    /* of the touch-reload file, 0 = missing */
    apr_uint32_t reload_gen;    /* times it changed: older workers are replaced */
    int reload_proven;          /* a worker started since has proven itself */
    int live;                   /* pa_mgr_live() this pass, less the workers
                                 * taken from it (PreforkAppMaxProcesses) */
    int staying;                /* of live, those not marked to leave: what
                                 * may be taken from it stays above its
                                 * minimum (PreforkAppMaxProcesses) */
    int needy;                  /* below its minimum, or requests wait and it
                                 * may grow (PreforkAppMaxProcesses) */
    int owed;                   /* a worker of another app leaves for it: it
                                 * is maintained first, to take the room */
    apr_time_t stop_deadline;   /* SIGKILL what is left after this (stopping) */
    pa_loud_t crash_log;        /* crashes outside a crash loop */
    pa_loud_t spawn_log;        /* failed spawns */
    pa_quota_t out_log;         /* its workers' own output lines (PA00121) */
    int self_exit_warned;       /* PA00134 said */
    int adopted;                /* a new-programs= pool: 1 once it runs the
                                 * program a request took it for, -1 when
                                 * that was refused (pa_scripts_adopt()) */
} pa_mapp_t;

typedef struct pa_manager_t {
    pa_sb_t *sb;
    server_rec *s;
    apr_pool_t *pool;
    pa_mapp_t *apps;
    int napps;
    int sig_fd;
    int conn_fd;                /* service socket handing out kept connections, -1 = none */
    int alive_open;             /* generation pipe not at EOF yet */
    pa_mode_e mode;
    apr_time_t quiet_since;     /* no busy slot and no waiter since, 0 = busy */
    const char *pidfile;
    int max_procs;              /* PreforkAppMaxProcesses, 0 = no limit */
    int nprocs;                 /* worker processes of all apps, this pass */
    apr_time_t looks_second;    /* the second looks counts in (PA_LOOKS_PER_SEC) */
    int looks;
    int contended;              /* at max_procs with an app in need: only
                                 * apps in need start workers */
    struct pollfd *pfd;         /* 4 + every slot: sized once */
    pa_worker_t **pfd_worker;
    apr_time_t sockdir_seen;    /* the socket directory was looked at then */
    dev_t sockdir_dev;          /* it, as made: another in its place is not */
    ino_t sockdir_ino;
    int sockdir_hold;           /* pa_sb_hold() of one made here, -1 = none */
    int sockdir_lost;           /* gone (logged), 2: cannot be made (logged) */
    int sockdir_taken_said;     /* PA00145 logged: another httpd's is there */
    int keep_conn;              /* an app keeps connections: conn.sock */
    apr_time_t stranger_logged; /* PA00133, at most once a minute */
    apr_time_t pidfile_wait;    /* the pid file named another httpd's
                                 * manager then: tried again each second */
    pid_t parent;               /* httpd's parent, which replaces us */
    int retired;                /* SIGUSR1 came: nobody replaces us */
} pa_manager_t;

/* A manager of an earlier generation still draining after a restart. Kept
 * in the process pool (it outlives pconf): every generation watches these
 * as its own other children, so httpd reaps them quietly and a stop stops
 * them too. Entries are reused: nothing grows with restarts. */
typedef struct pa_retired_t {
    pid_t pid;                  /* 0 = free entry */
    apr_interval_time_t wait;   /* how long its stop may take (its generation's
                                 * die-timeouts, not the next one's) */
    char sockdir[PA_SOCKDIR_MAX];
    char pidfile[APR_PATH_MAX]; /* its generation's PreforkAppPidFile */
} pa_retired_t;

/* pconf userdata: the generation's managers, pa_mgr_proc_t pointers. */
#define PA_GENERATION_KEY "mod_prefork_app_generation_managers"

/* The httpd parent's handle on a manager. */
typedef struct pa_mgr_proc_t {
    apr_proc_t proc;
    pa_sb_t *sb;                /* NULL for a retired manager */
    pa_retired_t *retired;      /* set for a retired manager */
    server_rec *s;
    apr_pool_t *pconf;
    int gone;                   /* reaped or handed over: never signal it */
    apr_time_t started;
    int quick_deaths;           /* in a row, each within 2 s of start */
    int refork;                 /* none could be forked for its
                                 * generation (after a death, or at a
                                 * restart): pa_manager_monitor() tries
                                 * again */
} pa_mgr_proc_t;

static const char *pa_pidfile_path(apr_pool_t *p,
                                   const pa_server_conf_t *conf)
{
    return conf->pidfile ? conf->pidfile
                         : ap_runtime_dir_relative(p, "prefork_app_manager.pid");
}

/* ==== inside the manager process ======================================== */

static int pa_mgr_sibling(pid_t pid);

/* The managers of two generations write and remove the pid file in turn,
 * under a lock on its directory: on an idle graceful restart the old one
 * leaves as the new one starts, and its check ("does the file name me?")
 * and unlink() must not straddle the new one's write. Released by close(),
 * or by death; -1 if not had. Where the directory cannot be locked (NFS),
 * they go ahead unlocked; so they do after PA_PIDLOCK_WAIT: any user who
 * may read the directory (/run/apache2 is 0755) can hold its lock, and
 * must not be able to hold up a manager's start or httpd's stop. */
static int pa_lock_piddir(apr_pool_t *p, const char *pidfile)
{
    char *dir = apr_pstrdup(p, pidfile);
    char *slash = strrchr(dir, '/');
    apr_time_t until = pa_now() + PA_PIDLOCK_WAIT;
    int fd;

    if (slash) {
        slash[slash == dir ? 1 : 0] = '\0';
    }
    fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    while (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR)
            || pa_now() >= until) {
            close(fd);
            return -1;
        }
        apr_sleep(apr_time_from_msec(10));
    }
    return fd;
}

/* The pid the pid file names, 0 if none. */
static long pa_read_pidfile(const char *pidfile)
{
    char buf[32];
    ssize_t n = 0;
    int fd = open(pidfile, O_RDONLY | O_NONBLOCK | O_CLOEXEC);  /* a FIFO */

    if (fd >= 0) {
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
    }
    return n > 0 ? (buf[n] = '\0', atol(buf)) : 0;
}

/* Remove the pid file if it names pid: by the manager as it exits, or by
 * httpd's parent for one it had to SIGKILL. The next generation's manager
 * may own the file by now, or write it between the check and the removal
 * when the lock was not had (both gave up waiting at the same moment): so
 * the file is first taken aside, which is atomic, and put back unless it
 * named pid or a newer one is there already. */
static void pa_remove_pidfile(apr_pool_t *p, const char *pidfile, pid_t pid)
{
    int lock = pa_lock_piddir(p, pidfile);

    /* (Most often the next one has written it already.) */
    if (pa_read_pidfile(pidfile) == (long)pid) {
        const char *aside = apr_psprintf(p, "%s.%" APR_PID_T_FMT ".gone",
                                         pidfile, getpid());

        if (rename(pidfile, aside) == 0) {
            if (pa_read_pidfile(aside) != (long)pid
                && link(aside, pidfile) != 0 && errno != EEXIST) {
                rename(aside, pidfile);     /* (no hard links here) */
            }
            unlink(aside);
        }
        else if (errno != ENOENT) {
            unlink(pidfile);    /* (the aside name taken by a directory) */
        }
    }
    if (lock >= 0) {
        close(lock);
    }
}

/* The lines of an app not logged in a second that is over (now = 0: all),
 * when no later line came to say so: a flood that was the last output. */
static void pa_mgr_say_dropped(pa_manager_t *m, pa_mapp_t *ma, apr_time_t now)
{
    server_rec *s = pa_app_log_server(ma->app, m->s);
    apr_uint32_t dropped;

    if (!pa_worker_log_takes_line(s)) {
        return;                     /* said once it can take them */
    }
    dropped = pa_quota_flush(&ma->out_log, now);
    if (dropped) {
        pa_worker_output_dropped(ma->app, s, dropped);
    }
    /* What httpd's children said on a later line, had one come. */
    dropped = pa_quota_flush(&ma->a->stderr_log, now);
    if (dropped) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PALOGNO(00144)
                     "app %s: %u lines of its FCGI_STDERR not logged "
                     "(more than %d a second)", ma->app->name, dropped,
                     PA_STDERR_LINES);
    }
}

static void pa_mgr_exit(pa_manager_t *m, int code)
{
    int i, j;

    for (i = 0; i < m->napps; i++) {
        pa_mgr_say_dropped(m, &m->apps[i], 0);
        for (j = 0; j < (int)m->apps[i].nslots; j++) {
            pa_worker_unlisten(&m->apps[i].w[j]);
        }
    }
    /* Requests still waiting leave within PA_SB_GONE_CHECK, not at
     * queue-timeout, when nobody takes our place: we could not start, we
     * retired, or httpd's parent is gone. One that anybody else told to
     * stop is replaced by the parent (which marks the scoreboard stopped
     * itself if it cannot): its requests wait for the next one. */
    if (code != 0 || m->retired || getppid() != m->parent) {
        m->sb->hdr->stopped = 1;
    }
    pa_sb_remove_sockdir(m->sb->sockdir);
    pa_remove_pidfile(m->pool, m->pidfile, getpid());
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, m->s, PALOGNO(00101)
                 "manager pid %" APR_PID_T_FMT " of generation %u exiting",
                 getpid(), m->sb->hdr->generation);
    /* Not exit(): the inherited pools' cleanups belong to the parent. */
    _exit(code);
}

/* Whether pid is a manager (of any httpd): its name, as pa_mgr_main()
 * sets it. */
static int pa_mgr_is_manager(long pid)
{
    char path[64], comm[32];
    ssize_t n;
    int fd;

    apr_snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return 0;
    }
    n = read(fd, comm, sizeof(comm) - 1);
    close(fd);
    return n == sizeof(PA_MANAGER_COMM)
           && !memcmp(comm, PA_MANAGER_COMM "\n", sizeof(PA_MANAGER_COMM));
}

/* Tried again each second while another httpd's manager has the file: in
 * a pool of its own, which m->pool would grow by each time. */
static void pa_mgr_write_pidfile(pa_manager_t *m)
{
    apr_pool_t *p;
    const char *tmp;
    char buf[32];
    int fd, len, lock;
    apr_status_t rv = APR_SUCCESS;
    ssize_t n;
    long other;

    apr_pool_create(&p, m->pool);
    /* A name of its own: unlocked (NFS), two managers may write at once. */
    tmp = apr_psprintf(p, "%s.%" APR_PID_T_FMT ".tmp", m->pidfile, getpid());
    lock = pa_lock_piddir(p, m->pidfile);

    other = pa_read_pidfile(m->pidfile);
    if (other > 0 && other != (long)getpid()
        && pa_sb_pid_alive((pid_t)other)
        && !pa_mgr_sibling((pid_t)other) && pa_mgr_is_manager(other)) {
        /* Two httpds with one DefaultRuntimeDir (a private one beside the
         * system's): the file is the other's, which would lose it to us
         * and then, at our stop, lose it altogether. Or the manager of an
         * httpd we replace, still stopping: ours once it is gone. */
        if (!m->pidfile_wait) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00136)
                         "manager pid file %s names pid %ld, the manager of "
                         "another httpd (the same DefaultRuntimeDir?): left "
                         "as it is while that one runs, and this manager has "
                         "none: give each httpd a DefaultRuntimeDir or "
                         "PreforkAppPidFile of its own", m->pidfile, other);
        }
        m->pidfile_wait = pa_now();
        if (lock >= 0) {
            close(lock);
        }
        apr_pool_destroy(p);
        return;
    }
    m->pidfile_wait = 0;
    len = apr_snprintf(buf, sizeof(buf), "%" APR_PID_T_FMT "\n", getpid());
    /* A file of that name is not followed or written through (a link
     * put there, where the directory is another user's to write too). */
    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        rv = errno;
    }
    else {
        /* Closed whatever the write did: the manager lives as long as
         * httpd. A short write sets no errno: the disk is full. */
        if ((n = write(fd, buf, len)) != len) {
            rv = n < 0 ? errno : ENOSPC;
        }
        if (close(fd) != 0 && rv == APR_SUCCESS) {
            rv = errno;
        }
    }
    if (rv == APR_SUCCESS && rename(tmp, m->pidfile) != 0) {
        rv = errno;
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, m->s, PALOGNO(00102)
                     "cannot write manager pid file %s", m->pidfile);
        unlink(tmp);
    }
    if (lock >= 0) {
        close(lock);
    }
    apr_pool_destroy(p);
}

/* Signals arrive on a signalfd, so the loop sees them between polls. */
static int pa_mgr_signals(void)
{
    static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGUSR1,
                                SIGHUP, SIGUSR2, SIGWINCH, 0 };
    sigset_t set;
    int i;

    sigemptyset(&set);
    for (i = 0; sigs[i]; i++) {
        signal(sigs[i], SIG_DFL);
        sigaddset(&set, sigs[i]);
    }
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_SETMASK, &set, NULL);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* A fresh manager on a scoreboard whose manager died: the old workers died
 * with it (PDEATHSIG), so every slot starts empty. A BUSY slot's claimant
 * sees a new seq and leaves the slot alone. */
static void pa_mgr_reset_slots(pa_manager_t *m, pa_mapp_t *ma)
{
    apr_uint32_t i;

    pa_sb_lock(m->sb, ma->a);
    for (i = 0; i < ma->nslots; i++) {
        pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, i);

        if (slot->state != PA_SLOT_EMPTY || slot->pid) {
            slot->seq++;
            slot->state = PA_SLOT_EMPTY;
            slot->pid = 0;
            slot->client_pid = 0;
            slot->req_start = 0;
            slot->retire = PA_RETIRE_NONE;
        }
    }
    pa_sb_unlock(m->sb, ma->a);
}

/* The touch-reload file's change time, 0 if it is not there (or not
 * readable): not its mtime, which a file put in its place may keep
 * (cp -p, rsync -t, tar x); a rename, a write, a touch all change it. */
static apr_time_t pa_mgr_reload_stamp(const pa_app_t *app)
{
    struct stat st;

    if (stat(app->touch_reload, &st) != 0) {
        return 0;
    }
    return apr_time_from_sec(st.st_ctim.tv_sec) + st.st_ctim.tv_nsec / 1000;
}

/* The app's workers are to be replaced, rolling: one first, the others
 * once it has proven itself (pa_mgr_reload_batch()). */
static void pa_mgr_start_reload(pa_mapp_t *ma)
{
    ma->reload_gen++;
    ma->reload_proven = 0;
}

/* Every tick: a touch-reload file that changed (touched, created, replaced)
 * starts a rolling replacement of the app's workers. */
static void pa_mgr_check_reload(pa_manager_t *m, pa_mapp_t *ma)
{
    apr_time_t stamp = pa_mgr_reload_stamp(ma->app);

    if (stamp == ma->reload_stamp) {
        return;
    }
    ma->reload_stamp = stamp;
    if (!stamp) {
        return;                     /* removed: nothing new to load */
    }
    pa_mgr_start_reload(ma);
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, m->s, PALOGNO(00128)
                 "app %s: %s changed; replacing its workers, one first, "
                 "then the others once it has proven itself",
                 ma->app->name, ma->app->touch_reload);
}

/* Whether descriptor fd (-1: none) is open on the file st describes. */
static int pa_mgr_fd_on(int fd, const struct stat *st)
{
    struct stat on;

    return fd >= 0 && fstat(fd, &on) == 0 && on.st_dev == st->st_dev
           && on.st_ino == st->st_ino;
}

/* Whether the socket directory is the one made for this manager; notes it
 * when mark is set, and holds it unless the hold we inherited from the
 * parent (pa_sb_create()) is on it: not one made here, at a start after
 * a manager that removed the parent's, or again later. */
static int pa_mgr_sockdir_ours(pa_manager_t *m, int mark)
{
    struct stat st;

    if (lstat(m->sb->sockdir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return 0;
    }
    if (mark) {
        m->sockdir_dev = st.st_dev;
        m->sockdir_ino = st.st_ino;
        if (m->sockdir_hold >= 0) {
            close(m->sockdir_hold);
            m->sockdir_hold = -1;
        }
        if (!pa_mgr_fd_on(m->sb->hold_fd, &st)) {
            m->sockdir_hold = pa_sb_hold(m->sb->sockdir);
        }
    }
    return st.st_dev == m->sockdir_dev && st.st_ino == m->sockdir_ino;
}

/* The socket directory: 0 ours, 1 gone (logged), 2 cannot be made
 * (logged). The httpd children see 2: no worker can start, so requests get
 * 503 at once. */
static void pa_mgr_sockdir_lost(pa_manager_t *m, int lost)
{
    m->sockdir_lost = lost;
    m->sb->hdr->no_sockdir = lost == 2;
}

/* Whether what is at the socket directory's path now is a live httpd's
 * other than this one: held (pa_sb_hold()), and not by this httpd (its
 * parent's hold, or ours, is on another inode). Another httpd with our pid
 * and generation in another pid namespace made it after ours was removed
 * (a cleaner of temporary files), or while the parent could not make it;
 * removing it would cut that one's workers off, and its manager would
 * take it back from us every second. */
static int pa_mgr_sockdir_taken(pa_manager_t *m)
{
    struct stat st;

    return lstat(m->sb->sockdir, &st) == 0 && S_ISDIR(st.st_mode)
           && !pa_mgr_fd_on(m->sb->hold_fd, &st)
           && !pa_mgr_fd_on(m->sockdir_hold, &st)
           && pa_sb_held(m->sb->sockdir);
}

/* Logs, once until it is ours again, that the directory at our socket
 * directory's path is another httpd's (pa_mgr_sockdir_taken()). */
static void pa_mgr_sockdir_others(pa_manager_t *m)
{
    if (!m->sockdir_taken_said) {
        m->sockdir_taken_said = 1;
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, m->s, PALOGNO(00145)
                     "socket directory %s is another httpd's (one with "
                     "this pid and generation in another pid namespace "
                     "made it, and holds it): not taking it; the apps "
                     "answer 503 until it is free again, or httpd is "
                     "restarted (gracefully), which gives them another",
                     m->sb->sockdir);
    }
    pa_mgr_sockdir_lost(m, 2);
}

static void pa_mgr_init(pa_manager_t *m, pa_sb_t *sb, apr_pool_t *pconf,
                        server_rec *s)
{
    int i, nfds = 4, keep = 0, ngroups, rv, failed = 0;
    const gid_t *groups;
    sigset_t pending;
    struct stat st;
    apr_uint32_t j;

    apr_pool_create(&m->pool, pconf);
    m->sb = sb;
    m->s = s;
    m->napps = sb->napps;
    m->apps = apr_pcalloc(m->pool, m->napps * sizeof(*m->apps));
    m->pidfile = pa_pidfile_path(m->pool, sb->conf);
    m->max_procs = sb->conf->max_procs;
    m->alive_open = 1;
    m->mode = PA_MODE_RUN;
    sb->hdr->manager_pid = getpid();
    sb->hdr->retiring = 0;
    sb->hdr->retired = 0;
    sb->hdr->stopped = 0;
    /* First thing: the retired manager it follows leaves as soon as its
     * generation is idle, removing the file while it names it, and
     * binding thousands of sockets below takes seconds. Unless told to
     * retire already (a graceful restart during this start-up: the signal
     * waits, blocked): the next generation's manager may have written the
     * file, and it must keep naming that one. */
    sigemptyset(&pending);
    if (sigpending(&pending) != 0 || !sigismember(&pending, SIGUSR1)) {
        pa_mgr_write_pidfile(m);
    }

    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];

        ma->app = APR_ARRAY_IDX(sb->conf->apps, i, pa_app_t *);
        ma->a = pa_sb_app(sb, i);
        ma->nslots = sb->layout[i].nslots;
        ma->spawn = apr_pcalloc(m->pool, ma->nslots * sizeof(int));
        ma->under = apr_pcalloc(m->pool, ma->nslots * sizeof(int));
        ma->w = apr_pcalloc(m->pool, ma->nslots * sizeof(pa_worker_t));
        ma->envp = pa_worker_env(m->pool, ma->app);
        if (ma->app->touch_reload) {
            ma->reload_stamp = pa_mgr_reload_stamp(ma->app);
        }
        pa_worker_groups(m->pool, ma->app, &groups, &ngroups);
        for (j = 0; j < ma->nslots; j++) {
            ma->w[j].app = ma->app;
            ma->w[j].out = &ma->out_log;
            ma->w[j].groups = groups;
            ma->w[j].ngroups = ngroups;
            ma->w[j].slot_index = j;
            ma->w[j].sock_path = pa_sb_socket_path(m->pool, sb, ma->app, j);
            ma->w[j].listen_fd = -1;
            ma->w[j].err_fd = -1;
            ma->w[j].conn_fd = -1;
        }
        nfds += ma->nslots;
        keep |= ma->app->keep_conn;
    }
    m->pfd = apr_pcalloc(m->pool, nfds * sizeof(*m->pfd));
    m->pfd_worker = apr_pcalloc(m->pool, nfds * sizeof(*m->pfd_worker));

    /* A manager that died cleanly took the directory with it. */
    m->keep_conn = keep;
    m->conn_fd = -1;
    m->sockdir_hold = -1;
    rv = pa_sb_sockdir_create(sb->sockdir);
    if (rv == EEXIST && pa_mgr_sockdir_taken(m)) {
        pa_mgr_sockdir_others(m);
    }
    else if (rv == EEXIST && !pa_sb_sockdir_made(sb->sockdir, &st)) {
        /* pa_mgr_check_sockdir() tries to remove and make it every
         * second, and never takes one it did not make. */
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PALOGNO(00140)
                     "socket directory %s was there already, and is not "
                     "one this server made (owner uid %ld, mode %04o): "
                     "someone else made it first; not using it, and no "
                     "worker starts until it can be made anew",
                     sb->sockdir, (long)st.st_uid,
                     (unsigned int)(st.st_mode & 07777));
        pa_mgr_sockdir_lost(m, 2);
    }
    else if (rv != 0 && rv != EEXIST) {
        /* pa_mgr_check_sockdir() tries again every second; no worker can
         * start until then. */
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, PALOGNO(00122)
                     "cannot create socket directory %s; trying every "
                     "second", sb->sockdir);
        pa_mgr_sockdir_lost(m, 2);
    }
    else {
        pa_mgr_sockdir_ours(m, 1);
        pa_mgr_sockdir_lost(m, 0);      /* (the parent could not make it) */
        m->conn_fd = keep ? pa_conn_service_open(sb->sockdir, m->pool,
                                                 s)
                          : -1;
    }
    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];

        pa_mgr_reset_slots(m, ma);
        for (j = 0; j < ma->nslots && !m->sockdir_lost && !failed; j++) {
            rv = pa_worker_listen(&ma->w[j], s);
            if (rv == EMFILE || rv == ENFILE) {
                /* Too small a ulimit -n: no worker could start either. */
                pa_mgr_exit(m, PA_MANAGER_STARTUP_ERROR);
            }
            /* Else (a full file system) each spawn tries again. */
            failed = rv != APR_SUCCESS;
        }
    }
}

/* Whether a worker has shown that the app starts: it answered a request,
 * or stayed up start-delay. */
static int pa_mgr_proven(const pa_mapp_t *ma, const pa_slot_t *slot,
                         const pa_worker_t *w, apr_time_t now)
{
    return slot->answered
           || now - w->spawned >= apr_time_from_sec(ma->app->start_delay);
}

/* How many workers started before the last touch-reload may be marked now.
 * The first batch is one worker, to try the new code; the next ones (a
 * spare slot's worth each) wait until every worker started since has proven
 * itself (answered a request, or stayed up start-delay) and the last batch
 * has left. So a deploy that does not start costs no worker (the first
 * one marked waits for its replacement to prove itself).
 * (During a backoff the caller marks nothing, as for all recycling.) Caller
 * holds the app's lock. */
static int pa_mgr_reload_batch(pa_manager_t *m, pa_mapp_t *ma, apr_time_t now)
{
    int i, spares = (int)ma->nslots - ma->app->max_procs;

    for (i = 0; i < (int)ma->nslots; i++) {
        pa_worker_t *w = &ma->w[i];
        pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, i);

        if (!w->pid || w->term_at) {
            continue;
        }
        if (slot->retire == PA_RETIRE_RELOAD) {
            return 0;                   /* the last batch is still serving */
        }
        if (w->reload_gen == ma->reload_gen) {
            if (!pa_mgr_proven(ma, slot, w, now)) {
                return 0;               /* on probation */
            }
            ma->reload_proven = 1;
        }
    }
    /* One at a time until the new code has proven itself: the first, or
     * one more once a backoff kept the one marked before (its replacement
     * crashed; it serves on, unmarked). */
    return ma->reload_proven && spares > 0 ? spares : 1;
}

static const char *pa_retire_reason(apr_uint32_t retire)
{
    switch (retire) {
    case PA_RETIRE_MAX_REQUESTS: return "max-requests reached";
    case PA_RETIRE_LIFETIME:     return "lifetime reached";
    case PA_RETIRE_RELOAD:       return "touch-reload";
    case PA_RETIRE_MEMORY:       return "max-memory exceeded";
    case PA_RETIRE_IDLE:         return "surplus idle worker";
    case PA_RETIRE_ROOM:         return "room made for another app";
    case PA_RETIRE_BROKEN:       return "connection broken";
    case PA_RETIRE_TIMEOUT:      return "request-timeout";
    case PA_RETIRE_SHUTDOWN:     return "shutdown";
    case PA_RETIRE_CLOSED:       return "kept connection closed";
    case PA_RETIRE_ABANDONED:    return "its request abandoned midway";
    case PA_RETIRE_SOCKDIR:      return "its socket was removed";
    case PA_RETIRE_SURPLUS:      return "one more than the pool's size";
    case PA_RETIRE_EARLY:        return "it answered before its request's end";
    default:                     return "unexpected";
    }
}

/* Whether workers other than w run code from before the app's last
 * touch-reload: their answers then say nothing of the code w ran. */
static int pa_mgr_mixed_code(const pa_mapp_t *ma, const pa_worker_t *w)
{
    apr_uint32_t i;

    for (i = 0; i < ma->nslots; i++) {
        const pa_worker_t *o = &ma->w[i];

        if (o != w && o->pid && o->reload_gen != ma->reload_gen) {
            return 1;
        }
    }
    return 0;
}

/* One step of the crash-loop backoff: base, doubling per step, at most
 * PA_BACKOFF_MAX (or base, if longer). why: what the workers do. */
static void pa_mgr_back_off(pa_manager_t *m, pa_mapp_t *ma, apr_time_t now,
                            apr_interval_time_t base, const char *why)
{
    pa_sb_app_t *a = ma->a;
    apr_interval_time_t delay = base;
    apr_interval_time_t cap = base > PA_BACKOFF_MAX ? base : PA_BACKOFF_MAX;
    apr_uint32_t level = a->backoff_level + 1;

    delay <<= level - 1 < 16 ? level - 1 : 16;
    if (delay > cap) {
        delay = cap;
    }
    a->backoff_level = level;
    a->backoff_until = now + delay;
    if (level == 1) {
        int recycles = (ma->app->max_requests && a->stretch)
                       || ma->app->lifetime || ma->app->touch_reload
                       || ma->app->max_memory;
        int serving = 0;
        apr_uint32_t i;

        /* Workers proven (answered, or up start-delay), the ones that
         * serve on: after a graceful restart onto a program that does not
         * start there are none, and saying otherwise hid the outage. Read
         * without the lock: only for the line below. */
        for (i = 0; i < ma->nslots && !serving; i++) {
            const pa_slot_t *o = pa_sb_slot(m->sb, a, (int)i);

            serving = ma->w[i].pid
                      && (o->answered > 0
                          || now - ma->w[i].spawned
                             >= apr_time_from_sec(ma->app->start_delay));
        }
        ma->loop_began = now;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, m->s, PALOGNO(00105)
                     "app %s: %s; backing off (next spawn in %"
                     APR_TIME_T_FMT " ms, growing up to %" APR_TIME_T_FMT
                     " s)%s", ma->app->name, why, apr_time_as_msec(delay),
                     apr_time_sec(cap),
                     !serving ? "; no worker is up to serve meanwhile"
                     : recycles ? "; the workers up serve on meanwhile, "
                     "recycling waits" : "");
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, m->s, PALOGNO(00106)
                     "app %s: still backing off (%s), level %u, next spawn "
                     "in %" APR_TIME_T_FMT " ms", ma->app->name, why, level,
                     apr_time_as_msec(delay));
    }
}

/* An occupant was reaped: account, log, free or hand back its slot, and
 * start or extend the crash-loop backoff. */
static void pa_mgr_exited(pa_manager_t *m, pa_mapp_t *ma, pa_worker_t *w,
                          int status)
{
    pa_sb_app_t *a = ma->a;
    pa_slot_t *slot = pa_sb_slot(m->sb, a, w->slot_index);
    apr_time_t now = pa_now();
    apr_interval_time_t lived = now - w->spawned;
    int asked;
    int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    apr_uint64_t requests;
    apr_uint32_t retire, answered;
    apr_time_t app_answered;
    int quick, loglevel, served_cgi, in_flight, failed, cgi_crash, replay;
    int own_limit, again;
    char quiet[96], count[48];

    /* Its last words come before the line about its death. */
    pa_worker_read_output(w, m->s, 1);
    pa_sb_lock(m->sb, a);
    requests = slot->requests;
    answered = slot->answered;
    app_answered = a->answered_at;
    retire = slot->retire;
    replay = slot->replay != 0;
    /* A request's claimant has not released it yet: whether the worker
     * answered it is not known here. */
    in_flight = slot->state == PA_SLOT_BUSY;
    /* Put in place for the request holding the slot, and gone before it
     * was released: not put in place again for that request, whose
     * connection is reset (a program that exits at its start, even with
     * status 0, a CGI script taken for a FastCGI app, would be refilled
     * until request-timeout). Not a crash loop for that: it may have
     * answered and left, as an app of one request per process does. */
    again = in_flight && w->in_place_for && w->in_place_for == slot->req_start;
    /* A CGI program that had its request: its exit status is its own
     * business (mod_cgi ignores it too; a shell script whose last command
     * is not found exits 127), and even a program that crashes does not
     * stop the launchers. Only a launcher that failed itself (cannot exec
     * the program: it marks its slot) is a crash loop. */
    failed = slot->child_failed == (apr_uint32_t)w->pid;
    served_cgi = ma->app->protocol == PA_PROTO_CGI && requests > 0
                 && !failed;
    /* One that failed itself failed, even if asked to leave meanwhile: a
     * CGI launcher that cannot exec is retired by its one request (the
     * claimant's release can come before the manager sees the exit). */
    asked = w->term_at != 0 && !failed;
    /* Killed by its own write to the connection its claimant closed, once
     * it gave up on the request (a reply too big or malformed, a client
     * gone): the claimant's doing, not a crash (pa_sb_release() marks the
     * slot before the close). */
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE
        && slot->state == PA_SLOT_STOPPING && retire != PA_RETIRE_NONE) {
        asked = 1;
    }
    if (served_cgi && WIFEXITED(status)) {
        clean = 1;
    }
    /* A program killed by a signal of its own (SIGSEGV, SIGABRT) after its
     * request crashed, though the manager asked it to go once it was
     * released: not one of the manager's signals. */
    cgi_crash = served_cgi && WIFSIGNALED(status)
                && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGKILL
                && WTERMSIG(status) != SIGPIPE;
    /* A crash loop is a fresh worker that dies before it has answered a
     * request. One that has answered shows that the app starts: its death
     * (a request that crashes it, the OOM killer) is replaced at once; and
     * so is one that crashed under its first request while other workers
     * have answered since it started: that request is the trouble, not the
     * app, whose other pages must not get the 503s of a backoff. Not if
     * those others run the code from before a touch-reload, nor if it died
     * before any request: new code that does not work backs off. Nor one
     * that died under a request replayed after a worker went away under
     * it: that death was that request's second, the first one counted if
     * it was a fresh worker's (a deploy that crashes every page). One
     * that could not even exec the app (it marked its slot) is one with
     * start-delay=0 too: else it is forked again at once, hundreds of
     * times a second, each time logging why. */
    quick = !asked && !served_cgi && answered == 0
            && (failed
                || (ma->app->start_delay > 0
                    && lived < apr_time_from_sec(ma->app->start_delay)
                    && (requests == 0
                        || (!clean && !replay
                            && (app_answered < w->spawned
                                || pa_mgr_mixed_code(ma, w))))));
    /* Gone by itself once marked for max-requests: at its own limit,
     * which is max-requests (php-cgi's PHP_FCGI_MAX_REQUESTS, made the
     * app's), before the manager's SIGTERM: a recycle all the same. */
    own_limit = clean && !asked && !quick && !served_cgi
                && retire == PA_RETIRE_MAX_REQUESTS;
    /* Counted before it leaves its slot, and exited last: a status page
     * (which reads the workers, then the counters) that no longer shows
     * it, or that counts it exited, counts why too. */
    if ((!asked && (!clean || quick)) || cgi_crash) {
        apr_atomic_inc64(&a->c.crashed);
    }
    /* A CGI program that ran counts as a recycle by max-requests (1)
     * whether it left before its claimant released it or was asked to. */
    if ((asked || served_cgi || own_limit) && !cgi_crash) {
        if (retire == PA_RETIRE_MAX_REQUESTS) {
            apr_atomic_inc64(&a->c.recycled_requests);
        }
        else if (retire == PA_RETIRE_LIFETIME) {
            apr_atomic_inc64(&a->c.recycled_lifetime);
        }
        else if (retire == PA_RETIRE_IDLE || retire == PA_RETIRE_ROOM) {
            apr_atomic_inc64(&a->c.recycled_idle);
        }
        else if (retire == PA_RETIRE_RELOAD) {
            apr_atomic_inc64(&a->c.recycled_reload);
        }
        else if (retire == PA_RETIRE_MEMORY) {
            apr_atomic_inc64(&a->c.recycled_memory);
        }
    }
    apr_atomic_inc64(&a->c.exited);
    slot->last_exit_status = status;
    slot->pid = 0;
    if (slot->state != PA_SLOT_BUSY) {
        slot->state = PA_SLOT_EMPTY;
        slot->retire = PA_RETIRE_NONE;
    }
    else if (!asked && !(served_cgi && WIFEXITED(status)) && !again) {
        /* Its claimant may have a connection waiting in the slot's backlog
         * (the worker died idle just as it was claimed, e.g. php-cgi after
         * PHP_FCGI_MAX_REQUESTS): put a fresh worker in place. Not for a
         * CGI program that exited: it took the connection, and usually
         * leaves before its claimant has read all of the reply. The
         * replacement's own death counts as any fresh worker's: the
         * replayed request was this one's to die under (else a program
         * that dies at its start, put in place for a replayed request,
         * would die there uncounted). */
        w->respawn_busy = 1;
        slot->replay = 0;
    }
    /* else its claimant still holds it: pa_sb_release() frees it. */
    w->in_place_for = w->respawn_busy ? slot->req_start : 0;
    pa_sb_unlock(m->sb, a);
    if (again) {
        /* (Listens again at its next spawn, as after a backoff.) */
        pa_worker_unlisten(w);
    }

    /* One backoff step per round of spawns, however many workers of the
     * round die. */
    if (quick && now >= a->backoff_until) {
        /* How this one ended: its own line falls to info meanwhile. */
        char how[80], why[160];

        if (WIFSIGNALED(status)) {
            apr_snprintf(how, sizeof(how), "killed by signal %d, %s",
                         WTERMSIG(status), strsignal(WTERMSIG(status)));
        }
        else {
            apr_snprintf(how, sizeof(how), "exited with status %d",
                         WEXITSTATUS(status));
        }
        apr_snprintf(why, sizeof(why), "workers exit right after they "
                     "start (pid %" APR_PID_T_FMT " %s)", w->pid, how);
        /* start-delay is the least time between spawns, even above it;
         * a second with start-delay=0. */
        pa_mgr_back_off(m, ma, now,
                        apr_time_from_sec(ma->app->start_delay > 0
                                          ? ma->app->start_delay : 1),
                        why);
    }

    /* A crash loop is reported once, above, not once per crash; crashes
     * outside one (start-delay=0, or a page that crashes its worker)
     * once per PA_LOUD_EVERY_SEC at warn, the others at info. */
    quiet[0] = '\0';
    loglevel = asked || (clean && !quick) || a->backoff_level
               ? APLOG_INFO
               : pa_loud(&ma->crash_log, APLOG_WARNING, now, "crashes",
                         quiet, sizeof(quiet));
    /* php-cgi under a wrapper that sets PHP_FCGI_MAX_REQUESTS, say: a
     * request sent just as it leaves fails (a POST is not sent again). That
     * request may be claimed already (its claimant may even have found the
     * connection closed): the worker's limit is what it answered, not what
     * it was sent. */
    if (clean && !asked && !quick && !served_cgi && answered > 0
        && (retire == PA_RETIRE_NONE || retire == PA_RETIRE_CLOSED)
        && !ma->self_exit_warned) {
        ma->self_exit_warned = 1;
        a->self_exits = 1;              /* see whole_request() */
        if (in_flight) {
            apr_snprintf(count, sizeof(count), "%u or %u", answered,
                         answered + 1);
        }
        else {
            apr_snprintf(count, sizeof(count), "%u", answered);
        }
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00134)
                     "app %s: worker pid %" APR_PID_T_FMT " exited by itself "
                     "after answering %s requests: a request sent to it just "
                     "then fails. If the app limits its requests "
                     "(PHP_FCGI_MAX_REQUESTS, e.g. in a wrapper), set "
                     "max-requests= below that limit, so that the manager "
                     "replaces it first (said once)", ma->app->name, w->pid,
                     count);
    }
    if (WIFSIGNALED(status)) {
        ap_log_error(APLOG_MARK, loglevel, 0, m->s, PALOGNO(00103)
                     "app %s slot %d pid %" APR_PID_T_FMT " killed by signal "
                     "%d after %" APR_UINT64_T_FMT " requests (%s)%s",
                     ma->app->name, w->slot_index, w->pid, WTERMSIG(status),
                     requests, asked && !cgi_crash ? pa_retire_reason(retire)
                                                   : "crashed", quiet);
    }
    else {
        ap_log_error(APLOG_MARK, loglevel, 0, m->s, PALOGNO(00104)
                     "app %s slot %d pid %" APR_PID_T_FMT " exited with "
                     "status %d after %" APR_UINT64_T_FMT " requests (%s)%s",
                     ma->app->name, w->slot_index, w->pid, WEXITSTATUS(status),
                     requests, asked || own_limit ? pa_retire_reason(retire)
                               : clean && !quick ? "exited by itself"
                               : failed ? "could not execute its program: "
                                          "PA00121 says why"
                               : "crashed", quiet);
    }
    pa_worker_gone(w, m->s);
}

static void pa_mgr_reap(pa_manager_t *m)
{
    siginfo_t info;
    int status, i;
    apr_uint32_t j;
    pid_t pid;

    for (;;) {
        pa_mapp_t *ma = NULL;
        pa_worker_t *w = NULL;

        /* Looked at before it is reaped: while its zombie is there, its
         * process group's id cannot be another's. */
        memset(&info, 0, sizeof(info));
        if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0
            || info.si_pid <= 0) {
            break;
        }
        pid = info.si_pid;
        for (i = 0; i < m->napps && !w; i++) {
            for (j = 0; j < m->apps[i].nslots; j++) {
                if (m->apps[i].w[j].pid == pid) {
                    ma = &m->apps[i];
                    w = &ma->w[j];
                    break;
                }
            }
        }
        if (w) {
            pa_worker_kill_group(w);    /* what it forked goes with it */
        }
        if (waitpid(pid, &status, WNOHANG) != pid) {
            break;
        }
        if (w) {
            pa_mgr_exited(m, ma, w, status);
        }
    }
}

/* A slot's figures for an occupant about to be forked. Caller holds the
 * app lock. */
static void pa_mgr_new_occupant(pa_slot_t *slot, apr_time_t now)
{
    slot->seq++;
    slot->retire = PA_RETIRE_NONE;
    slot->requests = 0;
    slot->answered = 0;
    slot->last_used = now;
}

/* A slot the pass meant to fork an occupant into, and did not: EMPTY
 * again, or left BUSY to its claimant. */
static void pa_mgr_unstart(pa_manager_t *m, pa_mapp_t *ma, int idx)
{
    pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, idx);

    pa_sb_lock(m->sb, ma->a);
    if (slot->state != PA_SLOT_BUSY) {
        slot->state = PA_SLOT_EMPTY;
    }
    pa_sb_unlock(m->sb, ma->a);
}

/* Fork the occupant of an EMPTY slot the caller marked STARTING, or of a
 * BUSY one whose worker died under its claimant. Returns whether it did:
 * if not (out of descriptors, processes or memory), the app backs off as
 * for a crash loop, so that its requests get 503 rather than wait for
 * nothing when no worker is up. */
static int pa_mgr_spawn(pa_manager_t *m, pa_mapp_t *ma, int idx)
{
    pa_worker_t *w = &ma->w[idx];
    pa_sb_app_t *a = ma->a;
    pa_slot_t *slot = pa_sb_slot(m->sb, a, idx);
    const char *failed;
    apr_status_t rv;
    pa_waiter_t *granted = NULL;
    int in_place;

    /* Marked with the failed child's pid, not cleared here: its
     * claimant may look after the manager has started the next one. */
    w->child_failed = &slot->child_failed;
    rv = pa_worker_spawn(w, ma->envp, m->s, &failed);
    if (rv != APR_SUCCESS) {
        apr_time_t now = pa_now();
        char quiet[96];
        int level = pa_loud(&ma->spawn_log, APLOG_ERR, now, "failures",
                            quiet, sizeof(quiet));

        pa_mgr_unstart(m, ma, idx);
        ap_log_error(APLOG_MARK, level, rv, m->s, PALOGNO(00107)
                     "app %s: cannot start a worker: %s failed%s",
                     ma->app->name, failed, quiet);
        pa_mgr_back_off(m, ma, now,
                        apr_time_from_sec(ma->app->start_delay > 0
                                          ? ma->app->start_delay : 1),
                        "workers cannot be started");
        return 0;
    }
    /* Counted before a status page can show it. */
    apr_atomic_inc64(&a->c.spawned);
    pa_sb_lock(m->sb, a);
    w->reload_gen = ma->reload_gen;
    w->rss = -1;
    w->looked_at = 0;
    w->memo.own_path = w->sock_path;
    w->memo.inode = 0;
    slot->pid = w->pid;
    slot->started_at = w->spawned;
    slot->unread = 0;
    slot->left = PA_LEFT_NONE;
    slot->renewed = 0;
    in_place = slot->state == PA_SLOT_BUSY;
    if (in_place) {
        /* In place under its claimant (same seq): it takes the waiting
         * connection, and the claimant's release makes it idle. */
        slot->requests = 1;
        slot->answered = 0;
        slot->retire = PA_RETIRE_NONE;
    }
    else {
        if (slot->state != PA_SLOT_STARTING) {
            /* Meant to start under a claimant that has released the slot
             * meanwhile: a new occupant like any other, not its
             * predecessor's requests and retire mark. */
            pa_mgr_new_occupant(slot, w->spawned);
        }
        /* The socket already listens: it can be handed a request now. */
        granted = pa_sb_slot_ready_locked(m->sb, a, idx);
    }
    pa_sb_unlock(m->sb, a);
    pa_sb_wake_waiter(granted);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, m->s, PALOGNO(00108)
                 "app %s slot %d: started worker pid %" APR_PID_T_FMT "%s",
                 ma->app->name, idx, w->pid,
                 in_place ? " (in place, for the request holding the slot)"
                          : "");
    return 1;
}

/* How many workers the app should have now. */
static int pa_mgr_target(pa_mapp_t *ma, int live, int idle,
                         apr_uint32_t waiting)
{
    const pa_app_t *app = ma->app;
    int want, demand;

    if (app->min_procs == app->max_procs) {
        return app->min_procs;
    }
    demand = app->spare_min - idle;
    if ((int)waiting > demand) {
        demand = waiting;
    }
    want = live + (demand > 0 ? demand : 0);
    if (want < app->min_procs) {
        want = app->min_procs;
    }
    if (want > app->max_procs) {
        if (!ma->at_max) {
            ma->at_max = 1;
            apr_atomic_inc64(&ma->a->c.max_reached);
        }
        want = app->max_procs;
    }
    else if (demand <= 0) {
        ma->at_max = 0;
    }
    return want;
}

/* Take an IDLE slot out of service and ask its worker to leave. Caller
 * holds the lock. */
static void pa_mgr_retire_idle_locked(pa_manager_t *m, pa_mapp_t *ma, int idx,
                                      apr_uint32_t why)
{
    pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, idx);

    if (slot->retire == PA_RETIRE_NONE) {
        slot->retire = why;
    }
    slot->state = PA_SLOT_STOPPING;
    pa_worker_dismiss(&ma->w[idx], 1);
}

/* Retire a worker: now if it is not serving a request, else once its
 * request is released (pa_sb_release() stops it). Caller holds the lock. */
static void pa_mgr_retire_locked(pa_manager_t *m, pa_mapp_t *ma, int idx,
                                 apr_uint32_t why)
{
    pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, idx);

    if (slot->state != PA_SLOT_BUSY) {
        pa_mgr_retire_idle_locked(m, ma, idx, why);
    }
    else if (slot->retire == PA_RETIRE_NONE) {
        slot->retire = why;
    }
}

/* An app that closes kept connections (keep_off): drop a worker's kept
 * connection once no request is on it, so that the worker reads EOF and
 * goes back to accept() for the connections made per request from now on.
 * Caller holds the app lock. */
static void pa_mgr_unkeep_idle(pa_manager_t *m, pa_mapp_t *ma, apr_uint32_t j)
{
    if (pa_sb_slot(m->sb, ma->a, j)->state != PA_SLOT_BUSY) {
        pa_worker_hangup(&ma->w[j]);
        pa_worker_unkeep(&ma->w[j]);
    }
}

/* The app closes its kept connections: say so once and connect per
 * request from now on. A busy worker's connection is dropped once its
 * request is over (pa_mgr_maintain). Caller holds the app lock. */
static void pa_mgr_keep_off(pa_manager_t *m, pa_mapp_t *ma)
{
    apr_uint32_t j;

    if (!ma->a->keep_off) {
        ma->a->keep_off = 1;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00127)
                     "app %s closes its FastCGI connection after a request "
                     "although FCGI_KEEP_CONN asks it to keep it: connecting "
                     "per request from now on (set keep-conn=off to say so)",
                     ma->app->name);
    }
    for (j = 0; j < ma->nslots; j++) {
        pa_mgr_unkeep_idle(m, ma, j);
    }
}

/* The request a slot serves, as logged: method and path, without the
 * query string (it may carry secrets: tokens, passwords). what has room
 * for slot->uri. */
static const char *pa_mgr_slot_request(const pa_slot_t *slot, char *what)
{
    char *q;

    apr_cpystrn(what, slot->uri, sizeof(slot->uri));
    if ((q = strchr(what, '?'))) {
        *q = '\0';
    }
    return what;
}

/* Whether a stopping worker gets a second after its SIGTERM, not
 * die-timeout: its request was cut short (timed out, or given up: PA00322,
 * PA00109, a body that stopped coming); or it answered before its
 * request's end (an upload refused unread), its request over, while the
 * app has neither an idle worker nor a slot to start one in (each such
 * upload takes a slot until its worker has left: a few at once would
 * leave the pool without one for an app's graceful end). */
static int pa_mgr_cut_short(const pa_slot_t *slot, int room)
{
    return slot->retire == PA_RETIRE_TIMEOUT
           || slot->retire == PA_RETIRE_ABANDONED
           || (slot->retire == PA_RETIRE_EARLY && !room);
}

/* Whether an app has an idle worker that stays, or a slot to start one
 * in. Caller holds the app's lock. */
static int pa_mgr_room(pa_manager_t *m, pa_mapp_t *ma)
{
    apr_uint32_t i;

    for (i = 0; i < ma->nslots; i++) {
        const pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, i);

        if (slot->state == PA_SLOT_EMPTY
            || (slot->state == PA_SLOT_IDLE
                && slot->retire == PA_RETIRE_NONE)) {
            return 1;
        }
    }
    return 0;
}

/* secs (die-timeout, or a second for a timed-out request) passed since
 * its SIGTERM (or since the stop began). For a timed-out request that is
 * what a libfcgi app does (it reads SIGTERM once its request is over): the
 * timeout was logged already, this is no news. */
static void pa_mgr_kill_late(pa_manager_t *m, pa_mapp_t *ma, pa_worker_t *w,
                             int secs, int timed_out)
{
    ap_log_error(APLOG_MARK, timed_out ? APLOG_INFO : APLOG_WARNING, 0, m->s,
                 PALOGNO(00111)
                 "app %s slot %d pid %" APR_PID_T_FMT " still there %d s "
                 "after SIGTERM; sending SIGKILL", ma->app->name,
                 w->slot_index, w->pid, secs);
    pa_worker_signal(w, SIGKILL);
}

/* The request that started at start on worker w is past request-timeout
 * (and the second httpd has to answer 504 first): the manager kills it. */
static int pa_mgr_timed_out(const pa_app_t *app, const pa_worker_t *w,
                            apr_time_t start, apr_time_t now)
{
    return w->pid && app->request_timeout && start && !w->term_at
           && now - start > apr_time_from_sec(app->request_timeout)
                            + PA_TIMEOUT_GRACE;
}

/* ... or past slowlog= and not logged yet (PA00137). */
static int pa_mgr_slow_due(const pa_app_t *app, const pa_worker_t *w,
                           apr_time_t start, apr_time_t now)
{
    return w->pid && app->slowlog && start && w->slow_noted != start
           && now - start >= apr_time_from_sec(app->slowlog);
}

/* A new-programs= pool: whether it serves a program (it has nothing to
 * do before a request takes it for one). One refused sends its waiters
 * away, as it sends those that came since. */
static int pa_mgr_adopt(pa_manager_t *m, pa_mapp_t *ma)
{
    if (!ma->adopted) {
        ma->adopted = pa_scripts_adopt(m->pool, ma->app, ma->a, m->s);
        if (ma->adopted > 0 && ma->app->touch_reload) {
            ma->reload_stamp = pa_mgr_reload_stamp(ma->app);
        }
    }
    if (ma->adopted < 0 && ma->a->queue_len) {
        pa_sb_lock(m->sb, ma->a);
        pa_sb_refuse_waiters_locked(m->sb, ma->a);
        pa_sb_unlock(m->sb, ma->a);
    }
    return ma->adopted > 0;
}

/* Whether another look fits in this second's PA_LOOKS_PER_SEC. */
static int pa_mgr_may_look(pa_manager_t *m, apr_time_t now)
{
    if (apr_time_sec(now) != m->looks_second) {
        m->looks_second = apr_time_sec(now);
        m->looks = 0;
    }
    return m->looks++ < PA_LOOKS_PER_SEC;
}

/* A request past slowlog= seconds on its worker, logged while it still
 * runs (php-fpm's slowlog fires then too), once: the admin can look at the
 * worker (strace, gdb, py-spy) before request-timeout ends it. The line at
 * its end (PA00321) follows, with its whole time. */
static void pa_mgr_note_slow(pa_manager_t *m, const pa_app_t *app, int i,
                             pa_worker_t *w, const pa_slot_t *slot,
                             apr_time_t now)
{
    char what[sizeof(slot->uri)], doing[PA_DOING_SUFFIX_MAX];

    w->slow_noted = slot->req_start;
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00137)
                 "app %s slot %d pid %" APR_PID_T_FMT ": request \"%s\" "
                 "still running after %" APR_TIME_T_FMT " s on this worker "
                 "(slowlog=%d)%s", app->name, i, w->pid,
                 pa_mgr_slot_request(slot, what),
                 apr_time_sec(now - slot->req_start), app->slowlog,
                 pa_sb_doing_suffix(slot, slot->req_start, doing,
                                    sizeof(doing)));
}

/* Workers released after their last request (max-requests, or a
 * lifetime, reload or max-memory mark that came while they were busy) and
 * only renewed: each leaves once no replacement is on probation; if the
 * app cannot start any more (the program removed, a deploy that crashes),
 * the backoff that follows finds it still there, and it serves on (as the
 * workers still up do) rather than leave the pool empty. Returns how many
 * serve again. Caller holds the app's lock. */
static int pa_mgr_hold_retirees(pa_manager_t *m, pa_mapp_t *ma,
                                apr_time_t now, int unproven)
{
    int i, revived = 0;

    for (i = 0; i < (int)ma->nslots; i++) {
        pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, i);
        pa_worker_t *w = &ma->w[i];

        if (!w->pid || w->term_at || slot->state != PA_SLOT_STOPPING
            || !pa_sb_renewal(ma->a, slot->retire)) {
            continue;
        }
        if (pa_sb_stretched(ma->a, slot->retire, now)) {
            slot->retire = PA_RETIRE_NONE;
            pa_sb_wake_waiter(pa_sb_slot_ready_locked(m->sb, ma->a, i));
            revived++;
        }
        else if (!unproven) {
            pa_worker_dismiss(w, 1);
        }
    }
    return revived;
}

/* One pass over an app: health checks, timeouts, then scaling. */
static void pa_mgr_maintain(pa_manager_t *m, pa_mapp_t *ma, apr_time_t now,
                            int *busy_total)
{
    pa_sb_t *sb = m->sb;
    pa_sb_app_t *a = ma->a;
    const pa_app_t *app = ma->app;
    apr_interval_time_t die = apr_time_from_sec(app->die_timeout);
    int *spawn = ma->spawn, nspawn = 0, live = 0, idle = 0;
    int *under = ma->under, nunder = 0;
    int serving_retirees = 0, target, i, n = (int)ma->nslots;
    int unproven = 0, held = 0, room;
    apr_uint32_t nbusy = 0;
    int retiring = m->mode == PA_MODE_RETIRE;
    int reload_batch = 0, spawned = 1;
    apr_uint32_t waiting;
    int check = now - ma->swept >= apr_time_from_msec(PA_TICK_MS);

    if (ma->app->spare && ma->adopted <= 0 && !pa_mgr_adopt(m, ma)) {
        return;
    }
    if (check && app->touch_reload && !retiring) {
        pa_mgr_check_reload(m, ma);
    }
    if (check) {
        pa_mgr_say_dropped(m, ma, now);
    }
    if (app->max_memory && now - ma->rss_read >= PA_RSS_EVERY) {
        /* Before the lock: /proc reads are system calls. */
        for (i = 0; i < n; i++) {
            if (ma->w[i].pid && !ma->w[i].term_at) {
                ma->w[i].rss = pa_proc_rss(ma->w[i].pid);
            }
        }
        ma->rss_read = now;
    }
    /* Before the lock as well: what the workers of long requests are
     * doing; now for one about to be logged as slow or past
     * request-timeout. */
    for (i = 0; i < n; i++) {
        pa_slot_t *slot = pa_sb_slot(sb, a, i);
        pa_worker_t *w = &ma->w[i];
        apr_time_t start = slot->req_start;
        char doing[PA_DOING_MAX];

        if (!w->pid || !start || w->term_at
            || !(pa_mgr_timed_out(app, w, start, now)
                 || pa_mgr_slow_due(app, w, start, now)
                 || (now - start >= PA_LOOK_AFTER
                     && now - w->looked_at >= PA_LOOK_EVERY))
            || !pa_mgr_may_look(m, now)) {
            continue;
        }
        if (pa_proc_doing(w->pid, doing, &w->memo)) {
            pa_sb_set_doing(slot, start, doing);
        }
        w->looked_at = now;
    }
    pa_sb_lock(sb, a);
    room = pa_mgr_room(m, ma);
    if (ma->reload_gen) {
        reload_batch = pa_mgr_reload_batch(m, ma, now);
    }
    waiting = pa_sb_sweep_waiters_locked(sb, a, check);
    if (check) {
        ma->swept = now;
    }
    for (i = 0; i < n; i++) {
        pa_slot_t *slot = pa_sb_slot(sb, a, i);
        pa_worker_t *w = &ma->w[i];
        apr_uint32_t st = slot->state;

        if (st == PA_SLOT_BUSY) {
            (*busy_total)++;
            nbusy++;
            if (!pa_sb_pid_alive(slot->client_pid)) {
                /* The httpd child holding it died: never leak it as busy. */
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00109)
                             "app %s slot %d: the httpd process %"
                             APR_PID_T_FMT " serving its request is gone; "
                             "replacing the worker", app->name, i,
                             slot->client_pid);
                slot->client_pid = 0;
                slot->req_start = 0;
                if (w->pid) {
                    slot->retire = PA_RETIRE_ABANDONED;
                    slot->state = st = PA_SLOT_STOPPING;
                }
                else {
                    slot->state = PA_SLOT_EMPTY;
                    slot->retire = PA_RETIRE_NONE;
                    continue;
                }
            }
            else if (pa_mgr_timed_out(app, w, slot->req_start, now)) {
                char what[sizeof(slot->uri)], doing[PA_DOING_SUFFIX_MAX];

                slot->retire = PA_RETIRE_TIMEOUT;
                apr_atomic_inc64(&a->c.killed_timeout);
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00110)
                             "app %s slot %d pid %" APR_PID_T_FMT ": request "
                             "\"%s\" exceeded request-timeout (%d s)%s; "
                             "killing the worker", app->name, i, w->pid,
                             pa_mgr_slot_request(slot, what),
                             app->request_timeout,
                             pa_sb_doing_suffix(slot, slot->req_start,
                                                doing, sizeof(doing)));
                pa_worker_signal(w, SIGTERM);
            }
            else if (pa_mgr_slow_due(app, w, slot->req_start, now)) {
                pa_mgr_note_slow(m, app, i, w, slot, now);
            }
        }
        if (!w->pid) {
            if (st == PA_SLOT_BUSY && w->respawn_busy
                && m->mode != PA_MODE_STOP) {
                if (now >= a->backoff_until && !m->sockdir_lost) {
                    under[nunder++] = i;
                    live++;
                }
                else {
                    /* No replacement for now (crash loop): reset the
                     * connection waiting in the backlog, so its request
                     * fails at once rather than at request-timeout. And
                     * listen again only at the next spawn
                     * (pa_worker_spawn() does): a claimant that connects
                     * later still (it was granted the slot but had not
                     * run yet) must find no socket, not a fresh backlog
                     * that no worker will take from. */
                    pa_worker_unlisten(w);
                    w->respawn_busy = 0;
                }
            }
            if (st != PA_SLOT_BUSY) {
                w->respawn_busy = 0;
            }
            if (st != PA_SLOT_EMPTY && st != PA_SLOT_BUSY) {
                slot->state = PA_SLOT_EMPTY;        /* repair a stray write */
            }
            if (slot->state == PA_SLOT_EMPTY && m->mode != PA_MODE_STOP) {
                spawn[nspawn++] = i;                /* candidate */
            }
            continue;
        }
        if (st == PA_SLOT_EMPTY) {
            slot->state = st = PA_SLOT_STOPPING;    /* repair a stray write */
        }
        if (a->keep_off && w->conn_fd >= 0) {
            pa_mgr_unkeep_idle(m, ma, (apr_uint32_t)i);
        }
        if (st == PA_SLOT_STOPPING && !w->term_at
            && slot->retire == PA_RETIRE_CLOSED) {
            if (!w->closed_seen) {
                w->closed_seen = now;
            }
            if (now - w->closed_seen < PA_CLOSED_GRACE) {
                continue;                   /* judged at the next tick */
            }
            if (pa_worker_running(w)) {
                /* Alive, yet its kept connection was closed: the app
                 * closes connections although FCGI_KEEP_CONN asks it not
                 * to. Connect per request from now on; the worker is
                 * fine. */
                pa_mgr_keep_off(m, ma);
                w->closed_seen = 0;
                slot->retire = PA_RETIRE_NONE;
                pa_sb_wake_waiter(pa_sb_slot_ready_locked(sb, a, i));
                live++;
                idle += slot->state == PA_SLOT_IDLE;
                continue;
            }
        }
        if (st == PA_SLOT_STOPPING && !w->term_at) {
            /* A released retiree that is only renewed waits for its
             * replacement (below); any other goes now. */
            if (!retiring && pa_sb_renewal(a, slot->retire)) {
                held++;
            }
            else {
                pa_worker_dismiss(w, 1);
            }
        }
        /* A worker whose request timed out, or was given up (its client
         * or httpd child gone: nobody reads the reply), gets a second, not
         * die-timeout: libfcgi apps wait until their request is over to
         * act on SIGTERM, and the slot would be lost for die-timeout (an
         * event stream's closed tab). */
        if (w->term_at && !w->killed
            && now - w->term_at >= (pa_mgr_cut_short(slot, room)
                                    ? PA_TIMEOUT_GRACE : die)) {
            int timed_out = pa_mgr_cut_short(slot, room);

            pa_mgr_kill_late(m, ma, w, timed_out
                                       ? (int)apr_time_sec(PA_TIMEOUT_GRACE)
                                       : app->die_timeout, timed_out);
        }
        if (st == PA_SLOT_STOPPING) {
            pa_worker_term_again(w, now);
        }
        if (slot->retire == PA_RETIRE_NONE
            && (st == PA_SLOT_IDLE || st == PA_SLOT_BUSY)
            && !pa_sb_backing_off(a, now)) {
            /* A retiring generation ends anyway: no renewal for age or a
             * reload (max-requests and max-memory still hold). */
            if (app->lifetime && !retiring
                && now - w->spawned >= apr_time_from_sec(
                       pa_sb_spread(app->lifetime, app->lifetime_hi, i))) {
                slot->retire = PA_RETIRE_LIFETIME;
            }
            else if (w->reload_gen != ma->reload_gen && reload_batch > 0
                     && !retiring) {
                slot->retire = PA_RETIRE_RELOAD;
                reload_batch--;
            }
            else if (app->max_requests
                     && slot->requests >= (apr_uint64_t)pa_sb_spread(
                            app->max_requests, app->max_requests_hi, i)) {
                /* Served past it through a backoff: replace it now. */
                slot->retire = PA_RETIRE_MAX_REQUESTS;
            }
            else if (app->max_memory && w->rss > app->max_memory) {
                /* As for max-requests: its replacement starts now, and it
                 * leaves once idle (a request it is serving finishes). */
                slot->retire = PA_RETIRE_MEMORY;
                ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, m->s, PALOGNO(00129)
                             "app %s slot %d pid %" APR_PID_T_FMT ": resident "
                             "memory %" APR_INT64_T_FMT " KB is over max-memory "
                             "(%" APR_OFF_T_FMT " KB); replacing it", app->name,
                             i, w->pid, w->rss >> 10, app->max_memory >> 10);
            }
        }
        if (st == PA_SLOT_IDLE || st == PA_SLOT_BUSY) {
            if (slot->retire == PA_RETIRE_NONE) {
                live++;
                idle += st == PA_SLOT_IDLE;
                unproven += !w->term_at && !pa_mgr_proven(ma, slot, w, now);
            }
            else {
                serving_retirees++;
            }
        }
    }

    /* A worker started since the loop began that outlived start-delay ends
     * it (one from before proves nothing about the app as it is now). */
    if (a->backoff_level) {
        for (i = 0; i < n; i++) {
            if (ma->w[i].pid && !ma->w[i].term_at
                && ma->w[i].spawned >= ma->loop_began
                && now - ma->w[i].spawned
                   >= apr_time_from_sec(app->start_delay)) {
                a->backoff_level = 0;
                a->backoff_until = 0;
                ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, m->s, PALOGNO(00112)
                             "app %s: workers stay up again; backoff ended",
                             app->name);
                break;
            }
        }
    }

    if (retiring) {
        /* No new connection reaches this generation: what its httpd
         * children still have in hand (busy and waiting), and one idle
         * spare kept (never started) for a request they have yet to send
         * (a static pool does not wake the manager for a waiter). */
        int want = live - idle + (int)waiting + (idle > 0);

        target = want < app->max_procs ? want : app->max_procs;
    }
    else {
        target = pa_mgr_target(ma, live, idle, waiting);
    }
    if (m->mode == PA_MODE_STOP || now < a->backoff_until
        || m->sockdir_lost) {
        nspawn = 0;                     /* (no socket to give a worker) */
    }
    else if (nspawn > target - live) {
        nspawn = target - live > 0 ? target - live : 0;
    }
    if (m->max_procs && nspawn > m->max_procs - m->nprocs) {
        nspawn = m->max_procs > m->nprocs ? m->max_procs - m->nprocs : 0;
    }
    if (m->contended && !ma->needy) {
        nspawn = 0;                     /* a spare would take the room back */
    }
    m->nprocs += nspawn;            /* (nunder: counted already) */
    for (i = 0; i < nspawn; i++) {
        pa_slot_t *slot = pa_sb_slot(sb, a, spawn[i]);

        slot->state = PA_SLOT_STARTING;
        pa_mgr_new_occupant(slot, now);
    }
    live += nspawn;
    unproven += nspawn + nunder;
    if (held) {
        live += pa_mgr_hold_retirees(m, ma, now, unproven);
    }
    if (nbusy > a->c.busy_max) {
        a->c.busy_max = nbusy;      /* php-fpm's "max active processes" */
    }
    if (waiting && live + serving_retirees == 0
        && pa_sb_backoff_outlasts(a, now,
                                  apr_time_from_sec(app->queue_timeout))) {
        /* None up and none to start before the backoff ends: what waits
         * gets its 503 now, as a request arriving now would. */
        pa_sb_refuse_waiters_locked(sb, a);
    }

    /* Retirees (lifetime, max-requests) leave once their replacement is up;
     * scale-down takes the highest idle slots first. */
    for (i = n - 1; i >= 0; i--) {
        pa_slot_t *slot = pa_sb_slot(sb, a, i);
        apr_time_t used = slot->last_used;

        if (!ma->w[i].pid || slot->state != PA_SLOT_IDLE) {
            continue;
        }
        if (slot->retire != PA_RETIRE_NONE) {
            /* At PreforkAppMaxProcesses the replacement can only start
             * once the retiree has left. A renewed one serves on until
             * its replacement has shown that the app starts. */
            if ((live + serving_retirees > target
                 && !(unproven && pa_sb_renewal(a, slot->retire)))
                || (m->max_procs && m->nprocs >= m->max_procs)) {
                serving_retirees--;
                pa_mgr_retire_idle_locked(m, ma, i, slot->retire);
            }
        }
        else if (app->min_procs < app->max_procs && idle > app->spare_max
                 && live > app->min_procs
                 && now - used >= apr_time_from_sec(app->idle_timeout)) {
            idle--;
            live--;
            pa_mgr_retire_idle_locked(m, ma, i, PA_RETIRE_IDLE);
        }
        else if ((app->min_procs == app->max_procs || retiring)
                 && live > target) {
            /* A static pool over its size (a worker that died under its
             * last request was replaced in place while its successor was
             * already starting; one whose kept connection was found
             * closed, replaced, that turned out to be alive), or a retiring
             * generation's idle ones (logged as its shutdown: they are not
             * surplus). Not a dynamic pool's idle surplus, counted as
             * recycled_idle. */
            idle--;
            live--;
            pa_mgr_retire_idle_locked(m, ma, i, retiring ? PA_RETIRE_SHUTDOWN
                                                         : PA_RETIRE_SURPLUS);
        }
    }
    *busy_total += a->queue_len;
    pa_sb_unlock(sb, a);

    /* After a failed spawn the others of the pass would fail alike. */
    for (i = 0; i < nspawn + nunder; i++) {
        int idx = i < nspawn ? spawn[i] : under[i - nspawn];

        if (spawned) {
            spawned = pa_mgr_spawn(m, ma, idx);
        }
        else {
            pa_mgr_unstart(m, ma, idx);
        }
    }
}

/* Workers of an app that serve or can serve. A retiree counts until it
 * is told to go: at the limit its own exit makes the room for its
 * replacement, nothing needs to be taken from another app for that. So
 * does one that died under a claim: it is replaced in place, in the room
 * kept for it. */
static int pa_mgr_live(const pa_manager_t *m, const pa_mapp_t *ma)
{
    apr_uint32_t j;
    int live = 0;

    for (j = 0; j < ma->nslots; j++) {
        apr_uint32_t st = pa_sb_slot(m->sb, ma->a, (int)j)->state;

        live += (ma->w[j].pid && !ma->w[j].term_at
                 && (st == PA_SLOT_STARTING || st == PA_SLOT_IDLE
                     || st == PA_SLOT_BUSY))
                || (!ma->w[j].pid && ma->w[j].respawn_busy
                    && st == PA_SLOT_BUSY);
    }
    return live;
}

/* The worker another app than needy can spare, as an app index and slot;
 * -1 if none. Its app stays at its minimum. One idle PA_STEAL_AFTER is of
 * no use to its app. Otherwise, idle or busy (then it leaves after its
 * request), it is taken only from an app with two more than the needy one,
 * or by an app with none once it has been up PA_STEAL_AFTER: busy apps at
 * the limit keep about even shares, or take turns of a second, instead of
 * taking a worker from each other between two requests, or one starving
 * while the other's worker never goes idle. Read without the locks:
 * pa_mgr_make_room() checks it under one. */
static int pa_mgr_spare_worker(pa_manager_t *m, int needy, apr_time_t now,
                               int *slot_out)
{
    apr_time_t oldest = 0;
    int i, best = -1, best_idle = 0, has = m->apps[needy].live;
    apr_uint32_t j;

    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];
        int live = ma->staying, share;

        /* Its retirees and the workers taken already leave: they are not
         * above its minimum. */
        if (i == needy || live <= ma->app->min_procs) {
            continue;
        }
        for (j = 0; j < ma->nslots; j++) {
            const pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, (int)j);
            int idle = slot->state == PA_SLOT_IDLE;

            if (!ma->w[j].pid || ma->w[j].term_at
                || slot->retire != PA_RETIRE_NONE
                || (!idle && slot->state != PA_SLOT_BUSY)) {
                continue;
            }
            share = live > has + 1
                    || (has == 0 && now - ma->w[j].spawned >= PA_STEAL_AFTER);
            /* Idle ones first, the longest idle of them; a busy one (its
             * app is as busy) only for a share or a turn. */
            if ((share || (idle && now - slot->last_used >= PA_STEAL_AFTER))
                && (best < 0 || idle > best_idle
                    || (idle == best_idle && slot->last_used < oldest))) {
                best = i;
                best_idle = idle;
                *slot_out = (int)j;
                oldest = slot->last_used;
            }
        }
    }
    return best;
}

/* PreforkAppMaxProcesses reached: an app below its minimum, or with
 * requests waiting and room under its maximum, would wait for other apps'
 * workers to time out. Take one another app can spare instead
 * (pa_mgr_spare_worker), one per such app, unless enough workers are
 * already on their way out. */
static void pa_mgr_make_room(pa_manager_t *m, apr_time_t now)
{
    int i, j, leaving = 0;

    m->nprocs = 0;
    m->contended = 0;
    if (!m->max_procs) {
        return;
    }
    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];
        int live = ma->live = pa_mgr_live(m, ma);

        ma->staying = 0;
        for (j = 0; j < (int)ma->nslots; j++) {
            const pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, j);

            ma->staying += ma->w[j].pid && !ma->w[j].term_at
                           && slot->retire == PA_RETIRE_NONE
                           && (slot->state == PA_SLOT_STARTING
                               || slot->state == PA_SLOT_IDLE
                               || slot->state == PA_SLOT_BUSY);

            /* A worker that died under a claim counts until it is
             * replaced in place (its request waits for that one, which
             * starts whatever the limit): other apps must not take its
             * room meanwhile. */
            m->nprocs += ma->w[j].pid != 0
                         || (ma->w[j].respawn_busy
                             && slot->state == PA_SLOT_BUSY);
            /* Told to go, or released to STOPPING and about to be. */
            leaving += ma->w[j].pid
                       && (ma->w[j].term_at || slot->state == PA_SLOT_STOPPING
                           || slot->retire == PA_RETIRE_ROOM);
        }
        /* Not while it backs off: it could start no worker in the room
         * taken for it. */
        ma->needy = !pa_sb_backing_off(ma->a, now)
                    && (live < ma->app->min_procs
                        || (ma->a->queue_len && live < ma->app->max_procs));
        ma->owed &= ma->needy;
    }
    if (m->nprocs < m->max_procs || m->mode != PA_MODE_RUN) {
        return;
    }
    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];
        int victim, slot;
        pa_mapp_t *mv;
        pa_slot_t *vs;

        if (!ma->needy) {
            continue;
        }
        m->contended = 1;
        if (leaving > 0) {
            leaving--;                  /* its exit makes the room */
            continue;
        }
        victim = pa_mgr_spare_worker(m, i, now, &slot);
        if (victim < 0) {
            continue;                   /* all busy: the next pass looks again */
        }
        mv = &m->apps[victim];
        pa_sb_lock(m->sb, mv->a);
        vs = pa_sb_slot(m->sb, mv->a, slot);
        if ((vs->state == PA_SLOT_IDLE || vs->state == PA_SLOT_BUSY)
            && vs->retire == PA_RETIRE_NONE) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, m->s, PALOGNO(00130)
                         "app %s slot %d pid %" APR_PID_T_FMT ": %s, to make "
                         "room for app %s (PreforkAppMaxProcesses %d "
                         "reached)", mv->app->name, slot, mv->w[slot].pid,
                         vs->state == PA_SLOT_IDLE
                         ? "stopped (idle)" : "leaves after its request",
                         ma->app->name, m->max_procs);
            if (vs->state == PA_SLOT_IDLE) {
                mv->live--;         /* told to go: pa_mgr_live() skips it */
            }
            mv->staying--;          /* idle or busy, it is going */
            pa_mgr_retire_locked(m, mv, slot, PA_RETIRE_ROOM);
            ma->owed = 1;
        }
        pa_sb_unlock(m->sb, mv->a);
    }
}

static void pa_mgr_enter_stop(pa_manager_t *m, const char *why)
{
    apr_time_t now = pa_now();
    int i;
    apr_uint32_t j;

    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, m->s, PALOGNO(00113)
                 "manager pid %" APR_PID_T_FMT ": %s; stopping all workers",
                 getpid(), why);
    m->mode = PA_MODE_STOP;
    m->sb->hdr->retiring = 1;
    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];

        ma->stop_deadline = now + apr_time_from_sec(ma->app->die_timeout);
        pa_sb_lock(m->sb, ma->a);
        for (j = 0; j < ma->nslots; j++) {
            pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, j);

            if (ma->w[j].pid) {
                if (slot->retire == PA_RETIRE_NONE) {
                    slot->retire = PA_RETIRE_SHUTDOWN;
                }
                if (slot->state != PA_SLOT_BUSY) {
                    slot->state = PA_SLOT_STOPPING;
                }
                pa_worker_dismiss(&ma->w[j], slot->state != PA_SLOT_BUSY);
            }
        }
        pa_sb_unlock(m->sb, ma->a);
    }
}

/* A cleaner of temporary files (systemd-tmpfiles, tmpreaper) may remove the
 * socket directory: then every connect fails, and is taken for a dead
 * worker. Make it again with new sockets, and replace every worker: each
 * listens on a socket nobody can reach any more. A busy one finishes its
 * request first (its connection still works). Whatever another user put in
 * its place meanwhile (a sticky PreforkAppSocketDir) goes first. */
static void pa_mgr_check_sockdir(pa_manager_t *m, apr_time_t now)
{
    const char *dir = m->sb->sockdir;
    struct stat st;
    apr_uint32_t j;
    int i, rv;

    if (now - m->sockdir_seen < PA_SOCKDIR_CHECK) {
        return;
    }
    m->sockdir_seen = now;
    if (pa_mgr_sockdir_ours(m, 0)) {
        return;
    }
    if (pa_mgr_sockdir_taken(m)) {
        pa_mgr_sockdir_others(m);
        return;
    }
    if (!m->sockdir_lost) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, m->s, PALOGNO(00131)
                     "socket directory %s was removed or replaced while in "
                     "use (by a cleaner of temporary files?): making it "
                     "again, with new sockets, and replacing every worker",
                     dir);
        pa_mgr_sockdir_lost(m, 1);
    }
    if (lstat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            pa_sb_remove_sockdir(dir);
        }
        else {
            unlink(dir);
        }
    }
    rv = pa_sb_sockdir_create(dir);
    if (rv != 0) {
        if (m->sockdir_lost == 1) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, m->s, PALOGNO(00132)
                         "cannot make socket directory %s again; trying "
                         "every second", dir);
            pa_mgr_sockdir_lost(m, 2);
        }
        return;
    }
    pa_mgr_sockdir_ours(m, 1);
    pa_mgr_sockdir_lost(m, 0);
    m->sockdir_taken_said = 0;
    if (m->conn_fd >= 0) {
        close(m->conn_fd);
    }
    m->conn_fd = m->keep_conn ? pa_conn_service_open(dir, m->pool, m->s)
                              : -1;
    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];

        pa_sb_lock(m->sb, ma->a);
        /* What failed meanwhile failed for want of the directory. */
        ma->a->backoff_level = 0;
        ma->a->backoff_until = 0;
        for (j = 0; j < ma->nslots; j++) {
            pa_worker_t *w = &ma->w[j];

            pa_worker_unlisten(w);
            /* On failure (logged), its next spawn tries again. */
            pa_worker_listen(w, m->s);
            if (w->pid && !w->term_at) {
                pa_mgr_retire_locked(m, ma, (int)j, PA_RETIRE_SOCKDIR);
            }
        }
        pa_sb_unlock(m->sb, ma->a);
    }
}

/* Stopping: SIGKILL after die-timeout; returns how many workers are left.
 * A worker that was busy when told to stop waits on its kept connection
 * for the next request once this one is over, and an app that waits for
 * its request's end to act on SIGTERM would go on waiting there: the
 * connection is shut down as soon as its request is released, or its
 * claimant is gone, and an idle one is told again each second. */
static int pa_mgr_stop_tick(pa_manager_t *m, apr_time_t now)
{
    int i, left = 0;
    apr_uint32_t j;

    for (i = 0; i < m->napps; i++) {
        pa_mapp_t *ma = &m->apps[i];

        for (j = 0; j < ma->nslots; j++) {
            pa_worker_t *w = &ma->w[j];
            pa_slot_t *slot = pa_sb_slot(m->sb, ma->a, j);

            if (!w->pid) {
                continue;
            }
            left++;
            if (w->conn_fd >= 0 && (slot->state != PA_SLOT_BUSY
                                    || !pa_sb_pid_alive(slot->client_pid))) {
                pa_worker_hangup(w);
                pa_worker_unkeep(w);
            }
            if (!w->killed && now >= ma->stop_deadline) {
                pa_mgr_kill_late(m, ma, w, ma->app->die_timeout, 0);
            }
            else if (slot->state != PA_SLOT_BUSY) {
                pa_worker_term_again(w, now);
            }
        }
    }
    return left;
}

static void pa_mgr_handle_signals(pa_manager_t *m, int *reap)
{
    struct signalfd_siginfo si;
    int i;

    while (read(m->sig_fd, &si, sizeof(si)) == sizeof(si)) {
        switch (si.ssi_signo) {
        case SIGCHLD:
            *reap = 1;
            break;
        case SIGTERM:
        case SIGINT:
        case SIGQUIT:               /* php-fpm's graceful stop: no core */
            if (m->mode != PA_MODE_STOP) {
                pa_mgr_enter_stop(m, "told to stop");
            }
            break;
        case SIGUSR1:
            if (m->mode == PA_MODE_RUN) {
                m->mode = PA_MODE_RETIRE;
                m->retired = 1;
                m->sb->hdr->retiring = 1;
                m->sb->hdr->retired = 1;
                /* Idle counts from now: a request its generation's children
                 * still read the body of may claim a worker yet. */
                m->quiet_since = 0;
                ap_log_error(APLOG_MARK, APLOG_INFO, 0, m->s, PALOGNO(00114)
                             "manager pid %" APR_PID_T_FMT " of generation "
                             "%u retiring: it stops once the httpd children "
                             "of its generation are done", getpid(),
                             m->sb->hdr->generation);
            }
            break;
        case SIGHUP:
        case SIGUSR2:
            /* FCGI::ProcManager's and uWSGI's reload (SIGHUP), php-fpm's
             * (SIGUSR2, which would otherwise end the manager): every
             * app's workers replaced as at a touch-reload, httpd left
             * alone. (httpd's own restart goes to httpd's parent, which
             * makes a new manager; a retiring one has no new code to
             * load.) */
            if (m->mode == PA_MODE_RUN) {
                for (i = 0; i < m->napps; i++) {
                    pa_mgr_start_reload(&m->apps[i]);
                }
                ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, m->s,
                             PALOGNO(00142) "manager pid %" APR_PID_T_FMT
                             ": told to reload (%s); replacing the "
                             "workers of every app, one of each first, then "
                             "the others once it has proven itself",
                             getpid(), si.ssi_signo == SIGHUP ? "SIGHUP"
                                                              : "SIGUSR2");
            }
            break;
        default:
            break;              /* SIGWINCH: for the httpd parent */
        }
    }
}

/* Whether pid is one of httpd's children, as the manager is: its parent
 * is ours. Read from /proc, for the log's sake only. */
static int pa_mgr_sibling(pid_t pid)
{
    return pa_proc_id(pid, PA_PROC_PPID) == (long)getppid();
}

/* pa_conn_lookup_fn: the kept connection of (app, slot), for the httpd
 * child that claimed it. Made on the first ask, not at spawn: the child
 * sends its request at once, and libfcgi drops a unix connection on which
 * nothing arrives within 2 s of its accept(). */
static int pa_mgr_kept_conn(void *baton, apr_uint32_t app, apr_uint32_t slot,
                            apr_uint32_t seq, apr_uint64_t nth, pid_t asker,
                            int renew, pid_t *pid, apr_uint32_t *gen)
{
    pa_manager_t *m = baton;
    pa_worker_t *w;
    pa_slot_t *claimed;
    pid_t asked = *pid;

    if (app >= (apr_uint32_t)m->napps || slot >= m->apps[app].nslots) {
        return -1;
    }
    w = &m->apps[app].w[slot];
    *pid = w->pid;
    claimed = pa_sb_slot(m->sb, m->apps[app].a, (int)slot);
    if (claimed->state != PA_SLOT_BUSY || claimed->client_pid != asker) {
        /* Not the claimant (an httpd child asks only while it holds the
         * claim): someone reading or cutting into other requests' replies;
         * or an httpd child whose ask of a claim it gave up (this manager
         * was stopped or slow) waited in the queue. */
        apr_time_t now = pa_now();

        /* (An asker gone since: an httpd child that gave up and exited
         * while this manager was stopped.) */
        if ((claimed->state != PA_SLOT_BUSY || seq != claimed->seq
             || nth != claimed->requests)
            && (pa_mgr_sibling(asker) || pa_sb_pid_gone(asker))) {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, m->s, PALOGNO(00135)
                         "httpd child pid %" APR_PID_T_FMT " asked late for "
                         "the connection to app %s slot %u after its claim "
                         "ended: refused", asker,
                         m->apps[app].app->name, slot);
        }
        else if (now - m->stranger_logged >= apr_time_from_sec(60)) {
            m->stranger_logged = now;
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, m->s, PALOGNO(00133)
                         "pid %" APR_PID_T_FMT " asked for the connection to "
                         "a worker of app %s it has not claimed: refused "
                         "(logged once a minute)", asker,
                         m->apps[app].app->name);
        }
        return -1;
    }
    if (!w->pid || w->term_at || !m->apps[app].app->keep_conn) {
        return -1;                  /* it connects by itself */
    }
    if (asked != w->pid) {
        /* Its worker was replaced under its claim: it gives up on that
         * one, and a connection opened to the fresh one now would sit idle
         * (libfcgi drops it after 2 s: a closed kept connection, as of an
         * app that closes them). */
        return -1;
    }
    /* Asked anew by a claimant that found it closed (pa_conn_renew()). */
    renew = renew && seq == claimed->seq && nth == claimed->requests
            && w->conn_fd >= 0 && pa_conn_closed(w->conn_fd);
    if (m->apps[app].a->keep_off) {
        /* Only a request sent at the hand-off before the app was found to
         * close its connections asks now: its reply is on the one still
         * open, if any. None is opened. */
        return renew ? -1 : w->conn_fd;
    }
    if (claimed->kept_lost) {
        /* Sent to one ask only, which could not take it in: nobody holds
         * it, and libfcgi drops a connection that stays silent 2 s after
         * its accept, which would look like an app that closes what it is
         * asked to keep (PA00127). A new one. */
        if (claimed->kept_lost == w->pid && w->conn_given == 1) {
            pa_worker_unkeep(w);
        }
        claimed->kept_lost = 0;
    }
    if (renew) {
        if (!pa_worker_running(w)) {
            /* It left (a connection now would wait in the backlog of its
             * socket): the claimant goes to another worker. */
            *pid = 0;
            return -1;
        }
        /* It closed it over what a request left unread in it (the end of
         * its body: libfcgi takes that for a broken stream) and went back
         * to accept(): a new one. */
        pa_worker_unkeep(w);
    }
    if (w->conn_fd < 0) {
        w->conn_fd = pa_conn_open_kept(w->sock_path);
        w->conn_given = 0;
        /* Children holding an earlier one drop it (pa_conn_get()). */
        if (w->conn_fd >= 0) {
            apr_atomic_inc32(&claimed->conn_gen);
        }
        /* Once per occupant: out of descriptors, every ask fails alike. */
        if (w->conn_fd < 0 && w->conn_failed != w->pid) {
            w->conn_failed = w->pid;
            ap_log_error(APLOG_MARK, APLOG_WARNING, errno, m->s, PALOGNO(00126)
                         "app %s slot %d: cannot connect to worker pid %"
                         APR_PID_T_FMT "; its requests connect one by one",
                         m->apps[app].app->name, (int)slot, w->pid);
        }
    }
    w->conn_given += w->conn_fd >= 0;
    *gen = claimed->conn_gen;
    return w->conn_fd;
}

/* Wait for something to do: a signal, a poke, worker output, a request for
 * a kept connection, or the tick (wait_ms). */
static void pa_mgr_poll(pa_manager_t *m, int *reap, int wait_ms)
{
    int i, nfds = 0, k;
    apr_uint32_t j;
    char buf[64];

    m->pfd[nfds].fd = m->sig_fd;
    m->pfd[nfds++].events = POLLIN;
    m->pfd[nfds].fd = m->sb->wake_fd;
    m->pfd[nfds++].events = POLLIN;
    m->pfd[nfds].fd = m->alive_open ? m->sb->alive_rd : -1;
    m->pfd[nfds++].events = POLLIN;
    m->pfd[nfds].fd = m->conn_fd;
    m->pfd[nfds++].events = POLLIN;
    for (i = 0; i < m->napps; i++) {
        for (j = 0; j < m->apps[i].nslots; j++) {
            pa_worker_t *w = &m->apps[i].w[j];

            if (w->err_fd >= 0 && w->log_full) {
                /* Its lines wait for the log to take them: tried each
                 * tick, and once the log's pipe has a free page. */
                pa_worker_read_output(w, m->s, 0);
            }
            if (w->err_fd >= 0 && w->log_full) {
                m->pfd_worker[nfds] = w;
                m->pfd[nfds].fd =
                    pa_worker_log_pipe(pa_app_log_server(w->app, m->s));
                m->pfd[nfds++].events = POLLOUT;
            }
            else if (w->err_fd >= 0) {
                m->pfd_worker[nfds] = w;
                m->pfd[nfds].fd = w->err_fd;
                m->pfd[nfds++].events = POLLIN;
            }
        }
    }
    if (poll(m->pfd, nfds, wait_ms) <= 0) {
        return;
    }
    if (m->pfd[0].revents) {
        pa_mgr_handle_signals(m, reap);
    }
    if (m->pfd[1].revents) {
        pa_sb_wake_drain(m->sb);
    }
    if (m->pfd[2].revents && read(m->sb->alive_rd, buf, sizeof(buf)) <= 0) {
        /* Nobody writes: readable means EOF, the generation is gone. */
        m->alive_open = 0;
    }
    if (m->pfd[3].revents) {
        pa_conn_serve(m->conn_fd, pa_mgr_kept_conn, m);
    }
    for (k = 4; k < nfds; k++) {
        if (m->pfd[k].revents) {
            pa_worker_read_output(m->pfd_worker[k], m->s, 0);
        }
    }
}

static void pa_mgr_loop(pa_manager_t *m)
{
    int started = 0;

    for (;;) {
        apr_time_t now;
        int reap = 0, busy = 0, i;

        /* The pools are filled without a first wait (what is pending, a
         * signal, is seen first): a new generation's requests (a graceful
         * restart) would queue for a tick. */
        pa_mgr_poll(m, &reap, started ? PA_TICK_MS : 0);
        started = 1;
        if (reap) {
            pa_mgr_reap(m);
        }
        now = pa_now();
        if (m->mode == PA_MODE_STOP) {
            if (pa_mgr_stop_tick(m, now) == 0) {
                return;
            }
            continue;
        }
        pa_mgr_check_sockdir(m, now);
        pa_mgr_make_room(m, now);
        /* An app a worker was stopped for goes first, to take its room. */
        for (i = 0; i < m->napps; i++) {
            if (m->apps[i].owed) {
                pa_mgr_maintain(m, &m->apps[i], now, &busy);
            }
        }
        for (i = 0; i < m->napps; i++) {
            if (!m->apps[i].owed) {
                pa_mgr_maintain(m, &m->apps[i], now, &busy);
            }
        }
        for (i = 0; i < m->napps && !busy; i++) {
            /* A request still reading its body will claim a worker. */
            busy = apr_atomic_read32(&m->apps[i].a->arriving) != 0;
        }
        if (busy) {
            m->quiet_since = 0;
        }
        else if (!m->quiet_since) {
            m->quiet_since = now;
        }
        if (m->mode == PA_MODE_RUN && m->pidfile_wait
            && now - m->pidfile_wait >= apr_time_from_sec(1)) {
            pa_mgr_write_pidfile(m);
        }
        /* Its parent-death signal does not come from an httpd that was
         * root when it forked us and is User's when it exits (httpd -X):
         * the kernel drops it as a signal User may not send. */
        if (m->mode == PA_MODE_RUN && !m->alive_open
            && getppid() != m->parent) {
            pa_mgr_enter_stop(m, "httpd is gone");
        }
        else if (m->mode == PA_MODE_RETIRE) {
            if (!m->alive_open) {
                pa_mgr_enter_stop(m, "its generation's httpd processes are gone");
            }
            else if (m->quiet_since && now - m->quiet_since >= PA_RETIRE_QUIET) {
                pa_mgr_enter_stop(m, "its generation has been idle");
            }
        }
    }
}

/* httpd opened syslog (ErrorLog syslog[:FACILITY], without a tag of its
 * own) with argv[0]'s name for its ident, which the C library keeps by
 * address: the process title written there next would become the program
 * name of every line the manager and its launchers send ("httpd
 * (mod_prefork_app manager)" instead of "apache2"). Opened again with a
 * copy, as httpd opened it last (its log.c, facilities in its order). */
static void pa_mgr_keep_syslog_ident(apr_pool_t *p, server_rec *s)
{
    static const struct {
        const char *name;
        int facility;
    } facilities[] = {
        { "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
        { "cron", LOG_CRON }, { "daemon", LOG_DAEMON }, { "ftp", LOG_FTP },
        { "kern", LOG_KERN }, { "lpr", LOG_LPR }, { "mail", LOG_MAIL },
        { "news", LOG_NEWS }, { "syslog", LOG_SYSLOG }, { "user", LOG_USER },
        { "uucp", LOG_UUCP }, { "local0", LOG_LOCAL0 },
        { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
        { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
        { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
        { "local7", LOG_LOCAL7 }
    };
    const char *fname = NULL, *tag = NULL;
    apr_size_t flen = 0, i;
    int facility = LOG_LOCAL7;

    for (; s; s = s->next) {
        if (s->error_fname && !s->error_log
            && !strncasecmp(s->error_fname, "syslog", 6)) {
            fname = s->error_fname;
        }
    }
    if (!fname) {
        return;
    }
    if ((fname = strchr(fname, ':'))) {
        fname++;
        tag = strchr(fname, ':');
        flen = tag ? (apr_size_t)(tag - fname) : strlen(fname);
        if (tag && tag[1]) {
            return;                     /* its own tag, not argv[0]'s */
        }
    }
    for (i = 0; flen && i < sizeof(facilities) / sizeof(facilities[0]);
         i++) {
        if (!strncasecmp(fname, facilities[i].name, flen)) {
            facility = facilities[i].facility;
            break;
        }
    }
    openlog(apr_pstrdup(p, ap_server_argv0), LOG_NDELAY | LOG_CONS | LOG_PID,
            facility);
}

/* Descriptors 0 to 2 open (on /dev/null where httpd had one closed, as
 * in the foreground with stdin closed): else a worker's socket or output
 * pipe could take one, and its dup2() onto 0, 1 or 2 in the worker would
 * be no dup at all, its close-on-exec kept (no socket on fd 0). */
static void pa_mgr_std_fds(void)
{
    int fd;

    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {
    }
    if (fd > 2) {
        close(fd);
    }
}

/* A piped ErrorLog, opened anew for the manager alone, non-blocking: once
 * its program stops reading and the pipe is full, a line of the manager's
 * own is lost (EAGAIN), rather than the manager waiting in write() and
 * every app with it (a worker's lines wait for room first: they are the
 * app's). httpd's children keep the one they share, blocking. Where /proc
 * cannot give the pipe (a chroot), it stays as it was. */
static void pa_mgr_log_nonblocking(server_rec *s)
{
    for (; s; s = s->next) {
        int fd = pa_worker_log_pipe(s), own, flags;
        char path[32];

        if (fd < 0 || (fcntl(fd, F_GETFL) & O_NONBLOCK)) {
            continue;                   /* syslog, a file, done already */
        }
        apr_snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if ((own = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
            continue;
        }
        flags = fcntl(fd, F_GETFD);
        if (dup3(own, fd, flags >= 0 && (flags & FD_CLOEXEC) ? O_CLOEXEC : 0)
            == fd) {
            /* A virtual host's piped log: APR waits on EAGAIN unless its
             * timeout is 0. (The main one, APR's stderr since httpd's
             * dup2, is no APR pipe: EINVAL; APR's wait there is a poll of
             * 0 ms, its timeout -1 over 1000.) */
            apr_file_pipe_timeout_set(s->error_log, 0);
        }
        close(own);
    }
}

static void pa_mgr_main(pa_sb_t *sb, apr_pool_t *pconf, server_rec *s,
                        pid_t parent)
{
    pa_manager_t m;
    int i, spares = 0;

    memset(&m, 0, sizeof(m));
    m.parent = parent;
    /* Own session: signals httpd sends its process group (prefork's
     * SIGHUP/SIGUSR1 to children) must not reach the workers. */
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
        _exit(0);
    }
    /* Only the httpd children and the parent may keep the generation
     * pipe open, so that its EOF means they are all gone. */
    close(sb->alive_wr);
    sb->alive_wr = -1;
    ap_close_listeners();
    pa_mgr_std_fds();
    pa_mgr_log_nonblocking(s);
    m.sig_fd = pa_mgr_signals();
    for (i = 0; i < sb->conf->apps->nelts; i++) {
        spares += APR_ARRAY_IDX(sb->conf->apps, i, pa_app_t *)->spare > 0;
    }
    pa_mgr_keep_syslog_ident(pconf, s);
    pa_title_room(pconf);
    pa_set_title(PA_TITLE, PA_MANAGER_COMM);
    pa_worker_raise_nofile();
    pa_mgr_init(&m, sb, pconf, s);
    if (m.sig_fd < 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, errno, s, PALOGNO(00115)
                     "manager: cannot create its signalfd");
        pa_mgr_exit(&m, PA_MANAGER_STARTUP_ERROR);
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PALOGNO(00116)
                 "manager pid %" APR_PID_T_FMT " started for generation %u "
                 "(%d app%s%s, sockets in %s)", getpid(), sb->hdr->generation,
                 m.napps - spares, m.napps - spares == 1 ? "" : "s",
                 spares ? apr_psprintf(pconf, " and %d pools kept for new "
                                       "programs", spares) : "",
                 sb->sockdir);
    pa_mgr_loop(&m);
    pa_mgr_exit(&m, 0);
}

/* ==== in the httpd parent =============================================== */

static apr_status_t pa_manager_fork(pa_mgr_proc_t *mp);

static int pa_httpd_exiting(void)
{
    int st;

    return ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_EXITING
           || (ap_mpm_query(AP_MPMQ_MPM_STATE, &st) == APR_SUCCESS
               && st == AP_MPMQ_STOPPING);
}

/* The list, in the process pool (pconf's parent). */
static apr_array_header_t *pa_retired_list(apr_pool_t *pconf)
{
    char key[PA_RETAINED_KEY_MAX];
    apr_pool_t *keep = apr_pool_parent_get(pconf);
    void *list = NULL;

    pa_retained_key(key, sizeof(key), "mod_prefork_app_retired_managers",
                    sizeof(pa_retired_t));
    apr_pool_userdata_get(&list, key, keep);
    if (!list) {
        list = apr_array_make(keep, 4, sizeof(pa_retired_t));
        apr_pool_userdata_set(list, key, apr_pool_cleanup_null, keep);
    }
    return list;
}

/* A manager died without stopping its workers: they die with it
 * (PR_SET_PDEATHSIG), not what they forked (FCGI::ProcManager's or
 * fcgiwrap's children), which would live on, orphaned. (One that exited
 * cleanly had its workers' process groups killed; what is left in its
 * session then left them on purpose, such as a CGI program's background
 * job, and is let be.) */
static void pa_manager_leftovers(pa_mgr_proc_t *mp)
{
    int n = pa_worker_kill_session(mp->proc.pid);

    if (n) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, mp->s, PALOGNO(00150)
                     "manager pid %" APR_PID_T_FMT " died; killed %d "
                     "process(es) left in its session (its workers and "
                     "what they forked)",
                     mp->proc.pid, n);
    }
}

/* How long a manager of conf's generation may take to stop: its workers'
 * longest die-timeout, and a little. */
static apr_interval_time_t pa_manager_stop_wait(const pa_server_conf_t *conf)
{
    apr_interval_time_t wait = apr_time_from_sec(2);
    int i;

    for (i = 0; i < conf->apps->nelts; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        if (apr_time_from_sec(app->die_timeout + 2) > wait) {
            wait = apr_time_from_sec(app->die_timeout + 2);
        }
    }
    return wait;
}

/* What a manager that is gone for good would have removed itself: its pid
 * file (if it still names it) and its socket directory. */
static void pa_manager_remains(pa_mgr_proc_t *mp)
{
    pa_remove_pidfile(mp->pconf, mp->retired ? mp->retired->pidfile
                      : pa_pidfile_path(mp->pconf, mp->sb->conf),
                      mp->proc.pid);
    pa_sb_remove_sockdir(mp->retired ? mp->retired->sockdir
                                     : mp->sb->sockdir);
}

/* httpd stops: SIGTERM a manager (it gives its workers die-timeout).
 * Whether it could be told. */
static int pa_manager_tell_stop(pa_mgr_proc_t *mp)
{
    /* Its workers may take die-timeout: meanwhile the port must not
     * accept what no child serves, and a new httpd must be able to bind
     * it (httpd has removed its pid file already). */
    ap_close_listeners();
    if (kill(mp->proc.pid, SIGTERM) != 0) {
        /* httpd -X started as root: this process is User's now and may not
         * signal root's manager, which stops on its own once we are gone
         * (its parent-death signal); waiting for it would be for ever. */
        ap_log_error(APLOG_MARK, APLOG_INFO, errno, mp->s, PALOGNO(00141)
                     "manager pid %" APR_PID_T_FMT " cannot be told to stop "
                     "by this process; it stops as httpd exits",
                     mp->proc.pid);
        return 0;
    }
    return 1;
}

/* ... then wait for it, so that nothing outlives httpd; SIGKILL if it
 * takes longer than its die-timeouts allow (counted from now: told with
 * the others at once, they stop side by side). */
static void pa_manager_wait_stop(pa_mgr_proc_t *mp)
{
    apr_interval_time_t wait = mp->retired ? mp->retired->wait
                               : pa_manager_stop_wait(mp->sb->conf);
    apr_time_t until = pa_now() + wait;
    int status;

    while (waitpid(mp->proc.pid, &status, WNOHANG) == 0) {
        if (pa_now() >= until) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, mp->s, PALOGNO(00117)
                         "manager pid %" APR_PID_T_FMT " did not stop; "
                         "killing it", mp->proc.pid);
            kill(mp->proc.pid, SIGKILL);    /* its workers die with it */
            waitpid(mp->proc.pid, &status, 0);
            pa_manager_leftovers(mp);
            pa_manager_remains(mp);
            break;
        }
        apr_sleep(apr_time_from_msec(20));
    }
}

static void pa_manager_stop(pa_mgr_proc_t *mp)
{
    if (pa_manager_tell_stop(mp)) {
        pa_manager_wait_stop(mp);
    }
}

/* Restart: the manager drains its generation, watched by the next one. */
static void pa_manager_retire(pa_mgr_proc_t *mp)
{
    apr_array_header_t *list = pa_retired_list(mp->pconf);
    pa_retired_t *r = NULL;
    int i;

    for (i = 0; i < list->nelts && !r; i++) {
        if (APR_ARRAY_IDX(list, i, pa_retired_t).pid == 0) {
            r = &APR_ARRAY_IDX(list, i, pa_retired_t);
        }
    }
    if (!r) {
        r = apr_array_push(list);
    }
    r->pid = mp->proc.pid;
    r->wait = pa_manager_stop_wait(mp->sb->conf);
    apr_cpystrn(r->sockdir, mp->sb->sockdir, sizeof(r->sockdir));
    apr_cpystrn(r->pidfile, pa_pidfile_path(mp->pconf, mp->sb->conf),
                sizeof(r->pidfile));
    /* Marked here, not only by the manager when it reads the signal: one
     * killed before then would leave its generation's waiters holding on
     * to its queue-timeout (pa_sb_manager_gone()). */
    mp->sb->hdr->retired = 1;
    kill(mp->proc.pid, SIGUSR1);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, mp->s, PALOGNO(00123)
                 "told manager pid %" APR_PID_T_FMT " to retire",
                 mp->proc.pid);
}

/* A manager died: whether another takes its place (said in the log). Not
 * for a retired one, nor while httpd exits, nor for one that could not
 * start or keeps dying right after it starts. */
static int pa_manager_replaceable(pa_mgr_proc_t *mp, int reason,
                                  apr_wait_t status)
{
    if (mp->retired || pa_httpd_exiting()) {
        return 0;
    }
    if (reason == APR_OC_REASON_DEATH && status == PA_MANAGER_STARTUP_ERROR) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, mp->s, PALOGNO(00118)
                     "manager pid %" APR_PID_T_FMT " could not start "
                     "(see above); applications are unavailable",
                     mp->proc.pid);
        return 0;
    }
    /* A manager that dies at once would be restarted in a tight loop. */
    mp->quick_deaths = pa_now() - mp->started < PA_MANAGER_QUICK_LIFE
                       ? mp->quick_deaths + 1 : 0;
    if (mp->quick_deaths >= PA_MANAGER_QUICK_DEATHS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, mp->s, PALOGNO(00124)
                     "manager pid %" APR_PID_T_FMT " died (exit status or "
                     "signal %d), the %dth time in a row right after it "
                     "started; giving up: applications are unavailable "
                     "until httpd restarts", mp->proc.pid, (int)status,
                     mp->quick_deaths);
        return 0;
    }
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, mp->s, PALOGNO(00119)
                 "manager pid %" APR_PID_T_FMT " died (exit status or "
                 "signal %d); starting a new one", mp->proc.pid, (int)status);
    return 1;
}

/* The generation ends with no manager forked in the place of its dead
 * one: its socket directory goes. */
static apr_status_t pa_manager_refork_abandon(void *data)
{
    pa_mgr_proc_t *mp = data;

    if (mp->refork) {
        mp->refork = 0;
        pa_manager_remains(mp);
    }
    return APR_SUCCESS;
}

/* No manager could be forked for mp's generation (short of processes or
 * memory: the OOM killer took the one before, a restart came meanwhile):
 * its apps answer 503 at once, and pa_manager_monitor() tries again, as
 * the MPM forks its own children; its socket directory is kept for it. */
static void pa_manager_refork_later(pa_mgr_proc_t *mp, apr_status_t rv)
{
    ap_log_error(APLOG_MARK, APLOG_CRIT, rv, mp->s, PALOGNO(00139)
                 "cannot fork a new manager; applications are unavailable "
                 "until one can be (tried again every 10 seconds)");
    mp->gone = 1;
    mp->sb->hdr->stopped = 1;
    if (!mp->refork) {
        mp->refork = 1;
        apr_pool_cleanup_register(mp->pconf, mp, pa_manager_refork_abandon,
                                  apr_pool_cleanup_null);
    }
}

static void pa_manager_maint(int reason, void *data, apr_wait_t status)
{
    pa_mgr_proc_t *mp = data;

    switch (reason) {
    case APR_OC_REASON_DEATH:
    case APR_OC_REASON_LOST:
        mp->gone = 1;
        apr_proc_other_child_unregister(mp);
        if (reason != APR_OC_REASON_DEATH || status != 0) {
            pa_manager_leftovers(mp);       /* not a clean exit */
        }
        if (pa_manager_replaceable(mp, reason, status)) {
            apr_status_t rv = pa_manager_fork(mp);

            if (rv == APR_SUCCESS) {
                break;
            }
            pa_remove_pidfile(mp->pconf, pa_pidfile_path(mp->pconf,
                                                         mp->sb->conf),
                              mp->proc.pid);
            pa_manager_refork_later(mp, rv);
            break;
        }
        /* Nobody takes its place: requests waiting for its workers get
         * their 503 now, and what a manager killed outright left behind
         * goes now, not when httpd stops. */
        if (!mp->retired) {
            mp->sb->hdr->stopped = 1;
        }
        pa_manager_remains(mp);
        if (mp->retired) {
            mp->retired->pid = 0;
        }
        break;
    case APR_OC_REASON_UNREGISTER:
        /* pconf is being cleaned up: httpd restarts or stops. */
        if (mp->gone) {
            break;
        }
        mp->gone = 1;
        if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_EXITING) {
            pa_manager_stop(mp);
            if (mp->retired) {
                mp->retired->pid = 0;
            }
        }
        else if (!mp->retired) {
            pa_manager_retire(mp);
        }
        /* else: still draining; the next generation adopts it again. */
        break;
    default:
        break;
    }
}

/* Longest httpd waits at its exit for a piped ErrorLog's program to have
 * read what the managers logged while stopping. */
#define PA_LOG_DRAIN_MAX    apr_time_from_msec(500)

/* A piped ErrorLog's program is told to quit as soon as the managers are
 * stopped (SIGTERM: rotatelogs, logger leave at once), and what is still
 * in its pipe then is lost: the managers' last lines, written a moment
 * before. Wait until each pipe is empty (FIONREAD counts what the program
 * has not read), then a little more for its last write. */
static void pa_logs_drain(server_rec *s)
{
    apr_time_t until = apr_time_now() + PA_LOG_DRAIN_MAX;
    int waited = 0;

    for (; s; s = s->next) {
        int fd = pa_worker_log_pipe(s), n;

        while (fd >= 0 && ioctl(fd, FIONREAD, &n) == 0 && n > 0
               && apr_time_now() < until) {
            apr_sleep(apr_time_from_msec(1));
            waited = 1;
        }
    }
    if (waited) {
        apr_sleep(apr_time_from_msec(10));
    }
}

/* httpd exits: its process pool goes, and with it first plog, which holds
 * a piped ErrorLog's program (rotatelogs, logger), then pconf, whose
 * cleanups would only now stop the managers: everything they log while
 * stopping (PA00113, PA00111, PA00101; and PA00117, PA00150 here) went to a
 * logger already told to quit. So the managers are stopped first thing,
 * before any of the process pool's subpools. */
static apr_status_t pa_managers_stop_first(void *data)
{
    apr_pool_t *pconf = data;
    apr_array_header_t *list = NULL, *stopping;
    int i;

    apr_pool_userdata_get((void **)&list, PA_GENERATION_KEY, pconf);
    if (!list || ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_EXITING) {
        return APR_SUCCESS;
    }
    /* All told first: a draining one's die-timeout does not hold up the
     * others' stop. */
    stopping = apr_array_make(pconf, list->nelts, sizeof(pa_mgr_proc_t *));
    for (i = 0; i < list->nelts; i++) {
        pa_mgr_proc_t *mp = APR_ARRAY_IDX(list, i, pa_mgr_proc_t *);

        if (mp->gone) {
            continue;
        }
        mp->gone = 1;               /* its pconf cleanup has nothing left */
        if (pa_manager_tell_stop(mp)) {
            APR_ARRAY_PUSH(stopping, pa_mgr_proc_t *) = mp;
        }
        else if (mp->retired) {
            mp->retired->pid = 0;
        }
    }
    for (i = 0; i < stopping->nelts; i++) {
        pa_mgr_proc_t *mp = APR_ARRAY_IDX(stopping, i, pa_mgr_proc_t *);

        pa_manager_wait_stop(mp);
        if (mp->retired) {
            mp->retired->pid = 0;
        }
    }
    if (stopping->nelts) {
        pa_logs_drain(APR_ARRAY_IDX(stopping, 0, pa_mgr_proc_t *)->s);
    }
    return APR_SUCCESS;
}

/* A restart: the next generation hooks its own (this module's code may be
 * mapped elsewhere by then). */
static apr_status_t pa_managers_unhook(void *data)
{
    apr_pool_cleanup_kill(apr_pool_parent_get(data), data,
                          pa_managers_stop_first);
    return APR_SUCCESS;
}

/* This generation's managers (its own and the retired ones it watches). */
static void pa_generation_add(pa_mgr_proc_t *mp)
{
    apr_array_header_t *list = NULL;

    apr_pool_userdata_get((void **)&list, PA_GENERATION_KEY, mp->pconf);
    if (!list) {
        list = apr_array_make(mp->pconf, 4, sizeof(pa_mgr_proc_t *));
        apr_pool_userdata_set(list, PA_GENERATION_KEY, apr_pool_cleanup_null,
                              mp->pconf);
        apr_pool_pre_cleanup_register(apr_pool_parent_get(mp->pconf),
                                      mp->pconf, pa_managers_stop_first);
        apr_pool_cleanup_register(mp->pconf, mp->pconf, pa_managers_unhook,
                                  apr_pool_cleanup_null);
    }
    APR_ARRAY_PUSH(list, pa_mgr_proc_t *) = mp;
}

int pa_manager_monitor(apr_pool_t *pconf, server_rec *s)
{
    apr_array_header_t *list = NULL;
    int i;

    apr_pool_userdata_get((void **)&list, PA_GENERATION_KEY, pconf);
    for (i = 0; list && i < list->nelts && !pa_httpd_exiting(); i++) {
        pa_mgr_proc_t *mp = APR_ARRAY_IDX(list, i, pa_mgr_proc_t *);

        if (mp->refork && pa_manager_fork(mp) == APR_SUCCESS) {
            mp->refork = 0;
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PALOGNO(00146)
                         "forked manager pid %" APR_PID_T_FMT " at last (see "
                         "PA00139); applications are starting again",
                         mp->proc.pid);
        }
    }
    return DECLINED;
}

static apr_status_t pa_manager_fork(pa_mgr_proc_t *mp)
{
    pid_t parent = getpid();
    sigset_t all, old;
    pid_t pid;
    int err;

    /* Until the manager reads its signals from its signalfd
     * (pa_mgr_signals()), one sent to it (a retire, a stop) must wait
     * there, not run httpd's handlers in it or kill it. */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid = fork();
    err = errno;
    if (pid == 0) {
        pa_mgr_main(mp->sb, mp->pconf, mp->s, parent);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        return err;
    }
    mp->proc.pid = pid;
    mp->proc.in = mp->proc.out = mp->proc.err = NULL;
    mp->gone = 0;
    /* Said here too, not only by the manager once it runs: a child forked
     * meanwhile would show no manager up (the status page, ?ping). */
    mp->sb->hdr->manager_pid = pid;
    mp->started = pa_now();
    apr_proc_other_child_register(&mp->proc, pa_manager_maint, mp, NULL,
                                  mp->pconf);
    return APR_SUCCESS;
}

void pa_manager_adopt_retired(apr_pool_t *pconf)
{
    apr_array_header_t *list = pa_retired_list(pconf);
    int i;

    for (i = 0; i < list->nelts; i++) {
        pa_retired_t *r = &APR_ARRAY_IDX(list, i, pa_retired_t);
        pa_mgr_proc_t *mp;

        if (r->pid == 0) {
            continue;
        }
        mp = apr_pcalloc(pconf, sizeof(*mp));
        mp->proc.pid = r->pid;
        mp->retired = r;
        mp->s = NULL;               /* the main error log */
        mp->pconf = pconf;
        apr_proc_other_child_register(&mp->proc, pa_manager_maint, mp, NULL,
                                      pconf);
        pa_generation_add(mp);
    }
}

apr_status_t pa_manager_start(pa_sb_t *sb, apr_pool_t *pconf, server_rec *s)
{
    pa_mgr_proc_t *mp = apr_pcalloc(pconf, sizeof(*mp));
    apr_status_t rv;

    mp->sb = sb;
    mp->s = s;
    mp->pconf = pconf;
    rv = pa_manager_fork(mp);
    if (rv != APR_SUCCESS && sb->hdr->generation > 1) {
        /* A restart does not stop httpd for it (the old generation
         * drains with its own manager): forked later. */
        pa_manager_refork_later(mp, rv);
        rv = APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        pa_generation_add(mp);      /* gone until forked: no pid 0 to
                                     * signal at exit */
    }
    return rv;
}
