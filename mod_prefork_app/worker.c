/* worker: a slot's listen socket and the fork + exec of its occupants. */
#include "worker.h"
#include "cache.h"
#include "cgi.h"
#include "conn.h"

#include "unixd.h"
#include "apr_atomic.h"
#include "apr_strings.h"
#include "apr_user.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

#define PA_DEFAULT_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

apr_status_t pa_worker_listen(pa_worker_t *w, server_rec *s)
{
    int fd;

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || pa_conn_bind(fd, w->sock_path) != 0
        || listen(fd, SOMAXCONN) != 0) {
        apr_status_t rv = errno;

        /* Each spawn tries again: said once until it works. */
        ap_log_error(APLOG_MARK, w->listen_failed ? APLOG_DEBUG : APLOG_CRIT,
                     rv, s, PALOGNO(00120) "app %s: cannot listen on %s",
                     w->app->name, w->sock_path);
        w->listen_failed = 1;
        if (fd >= 0) {
            close(fd);
            unlink(w->sock_path);
        }
        return rv;
    }
    w->listen_fd = fd;
    w->listen_failed = 0;
    return APR_SUCCESS;
}

static int pa_in_session(pid_t pid, pid_t sid)
{
    return pa_proc_id(pid, PA_PROC_SESSION) == (long)sid;
}

int pa_worker_kill_session(pid_t manager)
{
    DIR *d;
    struct dirent *de;
    int n = 0;

    /* The manager led its session (setsid), and nothing outside its tree
     * can join it; while a process is in it, its id is not reused. So a
     * live process with the manager's pid took it over: the session with
     * that id is a stranger's, and ours is empty. */
    if (pa_sb_pid_alive(manager) || !(d = opendir("/proc"))) {
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        pid_t pid = (pid_t)atol(de->d_name);
        int pfd;

        if (pid <= 0 || pid == manager || !pa_in_session(pid, manager)) {
            continue;
        }
        /* Pinned, then looked at again: a pid reused in between is not
         * signalled (root's SIGKILL must not reach a stranger). */
        pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pfd < 0) {
            n += errno == ENOSYS && kill(pid, SIGKILL) == 0;
            continue;
        }
        if (pa_in_session(pid, manager)) {
            n += syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0;
        }
        close(pfd);
    }
    closedir(d);
    return n;
}

void pa_worker_unlisten(pa_worker_t *w)
{
    if (w->listen_fd >= 0) {
        close(w->listen_fd);
        w->listen_fd = -1;
        unlink(w->sock_path);
    }
}

static uid_t pa_app_uid(const pa_app_t *app);

const char **pa_worker_env(apr_pool_t *p, const pa_app_t *app)
{
    const char **envp = apr_pcalloc(p, (app->env->nelts + 5) * sizeof(char *));
    int i, n = 0, has_path = 0, has_user = 0, has_home = 0;
    int zone = app->cache && app->cache->path && pa_worker_attaches_zone(app);
    struct passwd *pw;

    for (i = 0; i < app->env->nelts; i++) {
        const char *e = APR_ARRAY_IDX(app->env, i, const char *);

        has_path |= !strncmp(e, "PATH=", 5);
        has_user |= !strncmp(e, "USER=", 5);
        has_home |= !strncmp(e, "HOME=", 5);
        if (zone && !strncmp(e, PA_CACHE_ENV "=", sizeof(PA_CACHE_ENV))) {
            continue;           /* cache= names the zone: it wins */
        }
        envp[n++] = e;
    }
    if (!has_path) {
        envp[n++] = PA_DEFAULT_PATH;
    }
    /* Who the workers run as, as a login and php-fpm set them (git,
     * composer and ssh look for HOME; the host's is no path in a chroot=). */
    has_home |= app->chroot != NULL;
    if ((!has_user || !has_home)
        && (pw = getpwuid(geteuid() == 0 ? pa_app_uid(app) : geteuid()))) {
        if (!has_user) {
            envp[n++] = apr_pstrcat(p, "USER=", pw->pw_name, NULL);
        }
        if (!has_home) {
            envp[n++] = apr_pstrcat(p, "HOME=", pw->pw_dir, NULL);
        }
    }
    if (zone) {
        /* The app's zone, for apr_shm_cache_attach(). */
        envp[n++] = apr_pstrcat(p, PA_CACHE_ENV "=", app->cache->path, NULL);
    }
    envp[n] = NULL;
    return envp;
}

/* In a forked occupant: its slot's child_failed (pa_child_fail()). */
static volatile apr_uint32_t *pa_child_failed;

/* Says "cannot WHAT ARG[NOTE]: reason" on stderr (the manager logs it)
 * and exits; blame marks the slot as one whose occupant cannot start. */
#ifdef __GNUC__
__attribute__((noreturn))
#endif
static void pa_child_say_exit(const char *what, const char *arg,
                              const char *note, int blame)
{
    char buf[512];
    /* execve() and setuid() say EAGAIN for a user over RLIMIT_NPROC. */
    const char *why = errno == EAGAIN
        ? "Resource temporarily unavailable (the user's process limit? "
          "ulimit -u, systemd's LimitNPROC=)"
        : strerror(errno);
    /* A long path is cut, not the reason; and snprintf() returns what
     * would have been written, which write() must not go past. */
    int room = (int)sizeof(buf) - (int)strlen(what) - (int)strlen(note)
               - (int)strlen(why) - 12;
    int n = snprintf(buf, sizeof(buf), "cannot %s %.*s%s: %s\n", what,
                     room > 0 ? room : 0, arg, note, why);

    if (n >= (int)sizeof(buf)) {
        n = (int)sizeof(buf) - 1;
        buf[n - 1] = '\n';
    }

    if (blame && pa_child_failed) {
        *pa_child_failed = (apr_uint32_t)getpid();
    }
    if (n > 0 && write(2, buf, n) < 0) {
        _exit(127);
    }
    _exit(127);
}

void pa_child_fail(const char *what, const char *arg)
{
    pa_child_say_exit(what, arg, "", 1);
}

void pa_child_fail_request(const char *what, const char *arg,
                           const char *note)
{
    pa_child_say_exit(what, arg, note, 0);
}

void pa_child_fail_exec(const char *path)
{
    int err = errno;
    int there = err == ENOENT && access(path, F_OK) == 0;

    errno = err;
    pa_child_say_exit("execute", path,
                      there ? " (it is there: the interpreter its #! line "
                              "names, or its ELF loader, is not)" : "", 1);
}

static uid_t pa_app_uid(const pa_app_t *app)
{
    return app->uid != (uid_t)-1 ? app->uid : ap_unixd_config.user_id;
}

int pa_worker_attaches_zone(const pa_app_t *app)
{
    /* Not root: user= is not applied, every worker runs as httpd's own
     * user, the zone's owner. A chroot= hides the zone's segment. */
    return app->cache && !app->chroot
           && (geteuid() != 0 || pa_app_uid(app) == ap_unixd_config.user_id);
}

static gid_t pa_app_gid(const pa_app_t *app)
{
    return app->gid != (gid_t)-1 ? app->gid : ap_unixd_config.group_id;
}

/* The user name whose groups the workers get, NULL if none is set. */
static const char *pa_app_user(const pa_app_t *app)
{
    return app->user ? app->user : ap_unixd_config.user_name;
}

const char *pa_worker_user_name(apr_pool_t *p, const pa_app_t *app)
{
    char *name;

    if (geteuid() == 0) {
        return app ? pa_app_user(app) : ap_unixd_config.user_name;
    }
    return apr_uid_name_get(&name, geteuid(), p) == APR_SUCCESS
           ? name : apr_psprintf(p, "uid %ld", (long)geteuid());
}

void pa_worker_groups(apr_pool_t *p, const pa_app_t *app, const gid_t **groups,
                      int *n)
{
    const char *name = pa_app_user(app);
    char *named;
    int count = 32;
    gid_t *g;

    *groups = NULL;
    *n = 0;
    /* httpd's User #N: the groups of that uid's name, as httpd's own
     * children get them (unixd's initgroups()). */
    if (name && name[0] == '#') {
        name = apr_uid_name_get(&named, (apr_uid_t)atol(name + 1), p)
               == APR_SUCCESS ? named : NULL;
    }
    if (geteuid() != 0 || !name) {
        return;
    }
    g = apr_palloc(p, count * sizeof(gid_t));
    if (getgrouplist(name, pa_app_gid(app), g, &count) < 0) {
        g = apr_palloc(p, count * sizeof(gid_t));   /* count: the size needed */
        if (getgrouplist(name, pa_app_gid(app), g, &count) < 0) {
            return;
        }
    }
    *groups = g;
    *n = count;
}

/* Before the setuid: a negative nice needs privilege. SCHED_BATCH only
 * stops a worker woken by httpd from preempting the httpd thread that woke
 * it (which is about to wait for the reply anyway): one context switch less
 * per request. Where the kernel refuses it, the worker runs as it is. */
static void pa_child_schedule(const pa_app_t *app)
{
    struct sched_param sp;

    memset(&sp, 0, sizeof(sp));
    if (app->sched_batch) {
        sched_setscheduler(0, SCHED_BATCH, &sp);
    }
    if (app->nice && setpriority(PRIO_PROCESS, 0, app->nice) != 0) {
        pa_child_fail("set the nice value for", app->name);
    }
}

/* rlimit-files=, rlimit-core= (php-fpm's rlimit_files, rlimit_core): soft
 * and hard alike, before the setuid (raising a hard limit needs root). */
static void pa_child_limits(const pa_app_t *app)
{
    struct rlimit rl;

    if (app->rlimit_files) {
        rl.rlim_cur = rl.rlim_max = (rlim_t)app->rlimit_files;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            pa_child_fail("set rlimit-files for", app->name);
        }
    }
    if (app->rlimit_core >= 0) {
        rl.rlim_cur = rl.rlim_max = app->rlimit_core == PA_RLIMIT_UNLIMITED
                                    ? RLIM_INFINITY
                                    : (rlim_t)app->rlimit_core;
        if (setrlimit(RLIMIT_CORE, &rl) != 0) {
            pa_child_fail("set rlimit-core for", app->name);
        }
    }
}

/* Whether the workers run with other rights than httpd's User and Group
 * (user= or group=, httpd started as root): its children, and whatever
 * else runs as User, must not choose such a program's environment. */
static int pa_app_other_rights(const pa_app_t *app)
{
    /* (User #N names no user to compare with: its uid and gid tell.) */
    return geteuid() == 0
           && (pa_app_uid(app) != ap_unixd_config.user_id
               || pa_app_gid(app) != ap_unixd_config.group_id
               || (app->user && (!ap_unixd_config.user_name
                                 || (ap_unixd_config.user_name[0] != '#'
                                     && strcmp(app->user,
                                               ap_unixd_config.user_name)))));
}

/* chroot=: as root, before the setuid. Its cwd is set after. */
static void pa_child_chroot(const pa_worker_t *w)
{
    if (w->app->chroot && chroot(*w->app->chroot ? w->app->chroot : "/")
                          != 0) {
        pa_child_fail("chroot to", w->app->chroot);
    }
}

static void pa_child_drop_privileges(const pa_worker_t *w)
{
    const pa_app_t *app = w->app;
    gid_t gid = pa_app_gid(app);

    if (geteuid() != 0) {
        return;                 /* httpd runs unprivileged: so do workers */
    }
    if (setgid(gid) != 0) {
        pa_child_fail("setgid for", app->name);
    }
    if ((w->ngroups > 0 ? setgroups((size_t)w->ngroups, w->groups)
                        : setgroups(1, &gid)) != 0) {
        pa_child_fail("set supplementary groups for", app->name);
    }
    if (setuid(pa_app_uid(app)) != 0) {
        pa_child_fail("setuid for", app->name);
    }
}

int pa_worker_may_access(apr_pool_t *p, const pa_app_t *app,
                         const char *path, int mode)
{
    pa_worker_t w;
    pa_app_t user;
    apr_hash_t *seen;
    void *v = NULL;
    const char *key;
    int *known;
    pid_t pid;
    int status = 0;

    if (!app) {
        /* httpd's User: what an app without user= runs as. */
        memset(&user, 0, sizeof(user));
        user.name = "(httpd's User)";
        user.uid = (uid_t)-1;
        user.gid = (gid_t)-1;
        app = &user;
    }
    if (geteuid() != 0) {
        /* The workers are us: user= is not applied (PA00020). */
        return access(path, mode) == 0;
    }
    if (pa_app_uid(app) == (uid_t)-1) {
        /* No User is set, as for an httpd that will not start as root,
         * though this configtest does. */
        return 1;
    }
    /* Many apps share a user and a command (php-cgi as User): one fork per
     * pair, not per app (500 apps took 0.29 s of every graceful restart).
     * The cache lives as long as p, one configuration pass. */
    apr_pool_userdata_get(&v, "pa_worker_may_access", p);
    seen = v;
    if (!seen) {
        seen = apr_hash_make(p);
        apr_pool_userdata_setn(seen, "pa_worker_may_access", NULL, p);
    }
    key = apr_psprintf(p, "%s\n%ld\n%d\n%s\n%s",
                       pa_app_user(app) ? pa_app_user(app) : "",
                       (long)pa_app_gid(app), mode,
                       app->chroot ? app->chroot : "-", path);
    if ((known = apr_hash_get(seen, key, APR_HASH_KEY_STRING))) {
        return *known;
    }
    memset(&w, 0, sizeof(w));
    w.app = app;
    pa_worker_groups(p, app, &w.groups, &w.ngroups);
    /* As the workers will be, groups included: modes, ACLs and all. */
    pid = fork();
    if (pid == 0) {
        pa_child_chroot(&w);
        pa_child_drop_privileges(&w);           /* exits 127 if it cannot */
        _exit(access(path, mode) == 0 ? 0 : 1);
    }
    while (pid > 0 && waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            pid = -1;
        }
    }
    /* Only a clear "no" is one; what cannot be told, the manager will. */
    known = apr_palloc(p, sizeof(*known));
    *known = pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 1;
    apr_hash_set(seen, key, APR_HASH_KEY_STRING, known);
    return *known;
}

/* The descriptor limit the manager started with, which its workers get
 * back; 0 = it was not raised. */
static rlim_t pa_nofile_given;

void pa_worker_raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t given = rl.rlim_cur;

        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0) {
            pa_nofile_given = given;
        }
    }
}

/* Every worker leads a process group of its own (pa_child_exec()); a
 * FastCGI or SCGI worker's group is killed with it, so that what it forks
 * leaves with it: children that share its socket and accept on it
 * (FCGI::ProcManager, fcgiwrap -c, php-cgi's PHP_FCGI_CHILDREN) would
 * otherwise outlive a worker that is SIGKILLed or dies first, and take
 * connections meant for its successor. A CGI program's background jobs
 * are its own business, as under mod_cgi: its group is let be. */
static int pa_worker_grouped(const pa_worker_t *w)
{
    return w->app->protocol != PA_PROTO_CGI;
}

/* In the forked child, never returns. The manager is single-threaded, so
 * everything here is safe after fork. */
static void pa_child_exec(pa_worker_t *w, int out_fd, const char **envp,
                          pid_t manager)
{
    sigset_t none;
    int sig, other_rights;

    pa_child_failed = w->child_failed;
    for (sig = 1; sig < NSIG; sig++) {
        signal(sig, SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* FastCGI convention (SCGI and the CGI launcher too): the listen
     * socket is fd 0. */
    if (dup2(w->listen_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) {
        _exit(127);
    }
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
#endif
    {
        /* Before Linux 5.9: the open ones, as /proc lists them (the limit
         * may be the raised one, a million close() calls). */
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        long fd, max = sysconf(_SC_OPEN_MAX);

        while (d && (de = readdir(d)) != NULL) {
            fd = atol(de->d_name);
            if (fd >= 3 && fd != dirfd(d)) {
                close((int)fd);
            }
        }
        if (d) {
            closedir(d);
        }
        for (fd = 3; !d && fd < (max > 0 ? max : 65536); fd++) {
            close(fd);
        }
    }
    if (pa_nofile_given) {
        /* Some programs select() or close every possible descriptor: the
         * limit they would have had under httpd. */
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rl.rlim_cur = pa_nofile_given;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    /* A group of its own, CGI launchers too: a kill(0, sig) in a program
     * (a shell's `trap 'kill 0' EXIT`, to stop its background jobs) must
     * not reach the manager's group, the other apps' idle launchers and
     * their programs in the middle of their requests. */
    setpgid(0, 0);
    pa_child_limits(w->app);
    pa_child_schedule(w->app);
    other_rights = pa_app_other_rights(w->app);
    pa_child_chroot(w);
    pa_child_drop_privileges(w);
    /* As the app's user, as suexec does: the directory may be that user's,
     * who could swap it for a link into a tree only root may enter. */
    if (chdir(w->app->dir) != 0) {
        pa_child_fail("chdir to", w->app->dir);
    }
    /* Never outlive the manager, even a SIGKILLed one. After the setuid:
     * a credential change clears the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != manager) {
        _exit(127);
    }
    if (w->app->protocol == PA_PROTO_CGI) {
        /* execs once a request came */
        pa_cgi_serve(w->app, envp, other_rights);
    }
    execve(w->app->argv[0], (char *const *)w->app->argv, (char *const *)envp);
    pa_child_fail_exec(w->app->argv[0]);
}

apr_status_t pa_worker_spawn(pa_worker_t *w, const char **envp, server_rec *s,
                             const char **failed)
{
    pid_t manager = getpid();
    int fds[2];
    pid_t pid;
    apr_status_t rv;

    /* Its socket failed to come back after a reset: try again. */
    if (w->listen_fd < 0 && (rv = pa_worker_listen(w, s)) != APR_SUCCESS) {
        *failed = "listen() on its socket";
        return rv;
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        *failed = "pipe() for its output";
        return errno;
    }
    pid = fork();
    if (pid < 0) {
        rv = errno;
        close(fds[0]);
        close(fds[1]);
        *failed = "fork()";
        return rv;
    }
    if (pid == 0) {
        pa_child_exec(w, fds[1], envp, manager);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    w->pid = pid;
    w->err_fd = fds[0];
    w->errlen = 0;
    w->line_begun = w->line_shown = 0;
    w->spawned = pa_now();
    w->term_at = 0;
    w->killed = 0;
    w->respawn_busy = 0;
    w->closed_seen = 0;
    return APR_SUCCESS;
}

void pa_worker_signal(pa_worker_t *w, int sig)
{
    if (w->pid <= 0) {
        return;
    }
    if (sig == SIGKILL) {
        w->killed = 1;
        pa_worker_kill_group(w);        /* its children too */
    }
    else if (!w->term_at) {
        w->term_at = w->term_sent = pa_now();
    }
    /* Also one just forked, which may not lead its group yet. */
    kill(w->pid, sig);
}

/* An app that handles SIGTERM itself may lose the first: Perl's FCGI with
 * a $SIG{TERM} idle on its kept connection has its read() cut short,
 * libfcgi takes that for a closed connection and waits in accept(), and
 * Perl runs the handler only once that returns. A signal in accept() ends
 * it (FAIL_ACCEPT_ON_INTR), and it leaves within a second, not at
 * die-timeout's SIGKILL. Only there: an app busy with a graceful end (one
 * that took its handler back after the first) must not be cut short. */
void pa_worker_term_again(pa_worker_t *w, apr_time_t now)
{
    if (w->pid > 0 && w->term_at && !w->killed
        && now - w->term_sent >= PA_TERM_AGAIN) {
        w->term_sent = now;
        if (pa_proc_in_accept(w->pid, 0)) {
            kill(w->pid, SIGTERM);
        }
    }
}

void pa_worker_kill_group(const pa_worker_t *w)
{
    if (w->pid > 0 && pa_worker_grouped(w)) {
        kill(-w->pid, SIGKILL);
    }
}

int pa_worker_log_pipe(server_rec *s)
{
    apr_os_file_t fd;
    struct stat st;

    if (!s->error_log || apr_os_file_get(&fd, s->error_log) != APR_SUCCESS
        || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        return -1;                  /* syslog, a file */
    }
    return fd;
}

/* What httpd adds to a line in the log (time, level, pid, what
 * ErrorLogFormat adds), at most. */
#define PA_LOG_PREFIX_ROOM 512
#define PA_LOG_ANY_LINE ((apr_size_t)-1)

/* The most s's error log takes now in one line without blocking: PIPE_BUF
 * while a pipe has a free page (POLLOUT; a write that long then goes in
 * whole, at the end of the last page or in the free one), else nothing:
 * the bytes its pages still hold are no measure, a page's end left unused
 * when the next write did not fit there. PA_LOG_ANY_LINE for syslog, a
 * file, or a pipe nobody reads any more (the log program died: the write
 * fails at once, EPIPE, the line lost). */
static apr_size_t pa_worker_log_room(server_rec *s)
{
    struct pollfd pfd;

    if ((pfd.fd = pa_worker_log_pipe(s)) < 0) {
        return PA_LOG_ANY_LINE;
    }
    pfd.events = POLLOUT;
    pfd.revents = 0;
    if (poll(&pfd, 1, 0) != 1) {
        return 0;
    }
    return pfd.revents & (POLLERR | POLLHUP) ? PA_LOG_ANY_LINE : PIPE_BUF;
}

int pa_worker_log_takes_line(server_rec *s)
{
    return pa_worker_log_room(s) >= PA_LOG_PREFIX_ROOM;
}

/* How many of line's len bytes s's error log takes now, whole. */
static apr_size_t pa_worker_log_fits(server_rec *s, const char *line,
                                     apr_size_t len)
{
    apr_size_t room = pa_worker_log_room(s);

    return room < PA_LOG_PREFIX_ROOM ? 0
           : pa_log_fit(line, len, room - PA_LOG_PREFIX_ROOM);
}

/* The first piece of a line of w's output logged: as much of its len bytes
 * as the log takes whole now (a line longer than PIPE_BUF as logged comes
 * in pieces). Returns the bytes taken, 0 if none (then the line waits;
 * unless drop: all taken, the line counted as not logged if none of it
 * was). A line is logged or not as a whole (PA_OUTPUT_LINES a second): its
 * first piece decides, the others follow (w->line_begun, w->line_shown). */
static apr_size_t pa_worker_log_piece(pa_worker_t *w, server_rec *s,
                                      const char *line, apr_size_t len,
                                      int drop)
{
    char text[PA_LOG_TEXT_SIZE(PA_ERRLINE_MAX)];
    apr_size_t n = pa_worker_log_fits(s, line, len);
    apr_uint32_t dropped;

    /* An app that writes without pause (a retry loop logging each
     * failure) must neither fill the error log nor keep the manager from
     * its other work: so many lines a second, the rest counted. */
    if (n > 0 && !w->line_begun) {
        if (!pa_quota_take(w->out, PA_OUTPUT_LINES, pa_now(), &dropped)) {
            return len;
        }
        w->line_begun = 1;
        if (dropped) {
            pa_worker_output_dropped(w->app, s, dropped);
            n = pa_worker_log_fits(s, line, len);   /* that took room */
        }
    }
    if (n == 0) {
        if (drop && !w->line_shown) {
            apr_atomic_inc32(&w->out->dropped);
        }
        return drop ? len : 0;
    }
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PALOGNO(00121)
                 "app %s pid %" APR_PID_T_FMT ": %s", w->app->name,
                 w->pid, pa_log_text(text, line, n));
    w->line_shown = 1;
    return n;
}

/* The lines in w's buffer logged, each in pieces the log takes whole, and
 * a full buffer without a newline as one line (so is the rest, if eof).
 * Returns 0 if the log stopped taking them: the rest kept (unless final:
 * dropped). */
static int pa_worker_log_lines(pa_worker_t *w, server_rec *s, int final,
                               int eof)
{
    char *start = w->errbuf, *end = w->errbuf + w->errlen;
    int all = eof || (w->errlen == sizeof(w->errbuf)
                      && !memchr(w->errbuf, '\n', w->errlen));
    int taken = 1;

    while (taken && start < end) {
        char *nl = memchr(start, '\n', end - start);
        apr_size_t len, n;

        if (!nl && !all) {
            break;
        }
        len = (nl ? nl : end) - start;
        if (len > 0 && start[len - 1] == '\r') {
            len--;
        }
        n = len ? pa_worker_log_piece(w, s, start, len, final) : 0;
        if (n == len) {
            start = nl ? nl + 1 : end;
            w->line_begun = w->line_shown = 0;
        }
        else if (n > 0) {
            start += n;
        }
        else {
            taken = 0;
        }
    }
    w->errlen = end - start;
    memmove(w->errbuf, start, w->errlen);
    return taken;
}

void pa_worker_output_dropped(const pa_app_t *app, server_rec *s,
                              apr_uint32_t n)
{
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PALOGNO(00138)
                 "app %s: %u lines of its workers' output not logged "
                 "(more than %d a second)", app->name, n, PA_OUTPUT_LINES);
}

void pa_worker_read_output(pa_worker_t *w, server_rec *s, int final)
{
    /* Final: a full pipe's worth, not what a grandchild still writes. */
    int reads = 0, max = final ? 4 * PA_OUTPUT_READS : PA_OUTPUT_READS;

    s = pa_app_log_server(w->app, s);
    for (;;) {
        ssize_t n;

        if (w->err_fd < 0) {
            return;
        }
        /* A stalled piped logger holds up this worker's output (and in
         * time the worker, as with the log for its stderr), not the
         * manager: its pipe is read again once the log takes a line. */
        w->log_full = !pa_worker_log_lines(w, s, final, 0);
        if (w->log_full) {
            return;
        }
        if (reads++ < max) {
            n = read(w->err_fd, w->errbuf + w->errlen,
                     sizeof(w->errbuf) - w->errlen);
        }
        else if (!final) {
            return;                 /* the rest at the manager's next turn */
        }
        else {
            n = 0;                  /* closed as at EOF */
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n > 0) {
            w->errlen += n;
            continue;
        }
        /* EOF, or nothing more for now (EAGAIN). A grandchild may keep the
         * pipe open: once the occupant is reaped we stop listening. */
        if (n == 0 || final) {
            pa_worker_log_lines(w, s, 1, 1);
            close(w->err_fd);
            w->err_fd = -1;
        }
        return;
    }
}

void pa_worker_hangup(pa_worker_t *w)
{
    if (w->conn_fd >= 0) {
        shutdown(w->conn_fd, SHUT_RDWR);
    }
}

void pa_worker_dismiss(pa_worker_t *w, int idle)
{
    pa_worker_signal(w, SIGTERM);
    if (idle) {
        pa_worker_hangup(w);
    }
}

int pa_worker_running(const pa_worker_t *w)
{
    siginfo_t info;

    memset(&info, 0, sizeof(info));
    return w->pid > 0
           && waitid(P_PID, w->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0
           && info.si_pid == 0;
}

void pa_worker_unkeep(pa_worker_t *w)
{
    if (w->conn_fd >= 0) {
        close(w->conn_fd);
        w->conn_fd = -1;
    }
}

void pa_worker_gone(pa_worker_t *w, server_rec *s)
{
    pa_worker_read_output(w, s, 1);
    pa_worker_unkeep(w);
    w->pid = 0;
    w->term_at = 0;
    w->killed = 0;
}
