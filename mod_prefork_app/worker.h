/* worker: one application worker as the manager sees it (manager process
 * only): its slot's listen socket, fork + exec of an occupant, its stdout
 * and stderr lines sent to the error log, signals. The pid here is the
 * trusted one; the scoreboard's copy is for the httpd children to read. */
#ifndef PA_WORKER_H
#define PA_WORKER_H

#include "mod_prefork_app.h"
#include "proc.h"
#include "scoreboard.h"

#define PA_ERRLINE_MAX 1024     /* longer stderr lines are logged in pieces */
#define PA_OUTPUT_LINES 100     /* a worker's output lines logged a second; the
                                 * rest are counted (PA00138), not logged */
#define PA_OUTPUT_READS 64      /* reads of its pipe per turn of the manager */
#define PA_TERM_AGAIN apr_time_from_sec(1)  /* SIGTERM again this often */

typedef struct pa_worker_t {
    const pa_app_t *app;
    const gid_t *groups;        /* supplementary groups when root (pa_worker_groups) */
    int ngroups;
    int slot_index;
    const char *sock_path;
    int listen_fd;              /* kept across occupants: the backlog survives */
    int listen_failed;          /* the last listen failed (logged) */
    pid_t pid;                  /* current occupant, 0 = none */
    int err_fd;                 /* read end of its stdout/stderr pipe, -1 = none */
    int conn_fd;                /* the kept connection to it (conn.h), -1 = none */
    int conn_given;             /* ... and to how many asks it was sent */
    pid_t conn_failed;          /* the occupant it could not be made for (logged) */
    apr_time_t spawned;
    apr_uint32_t reload_gen;    /* the app's touch-reload count when spawned */
    apr_int64_t rss;            /* resident bytes when last looked at, -1 = unknown */
    apr_time_t term_at;         /* when SIGTERM was sent, 0 = not asked to go */
    apr_time_t term_sent;       /* ... and last sent (pa_worker_term_again) */
    int killed;                 /* SIGKILL sent */
    apr_time_t closed_seen;     /* its kept connection was reported closed, 0 = not */
    int respawn_busy;           /* died unasked under a claim: replace in place */
    apr_time_t in_place_for;    /* ... the claim's req_start, 0 = none: a
                                 * second death under it is not replaced */
    apr_time_t slow_noted;      /* req_start of the request logged as still
                                 * running past slowlog= (PA00137) */
    apr_time_t looked_at;       /* last pa_proc_doing() of it, 0 = none */
    pa_proc_memo_t memo;        /* ... and what its descriptor was */
    volatile apr_uint32_t *child_failed;    /* set by an occupant that fails
                                             * before its exec (the slot's) */
    pa_quota_t *out;            /* its app's lines logged a second (PA00121),
                                 * for all its workers: many chatty ones, or
                                 * the fresh ones of a crash loop, get no
                                 * more room than one */
    int log_full;               /* its output waits for the error log (a
                                 * stalled piped logger) to take a line */
    int line_begun;             /* errbuf starts with the rest of a line
                                 * counted in the quota, */
    int line_shown;             /* ... of which a piece is logged */
    apr_size_t errlen;
    char errbuf[PA_ERRLINE_MAX];
} pa_worker_t;

/* In httpd's parent, once a manager it forked is reaped: SIGKILL every
 * process still in that manager's session (its workers' children, which
 * the parent-death signal does not reach). Returns how many. */
int pa_worker_kill_session(pid_t manager);
/* In the manager: raise its descriptor limit to the hard one (three per
 * worker slot add up: a default 1024 holds about 300); the workers it
 * starts get the limit it was given back. */
void pa_worker_raise_nofile(void);
/* Create the slot's unix socket (0600, owned by httpd's User) and listen. */
apr_status_t pa_worker_listen(pa_worker_t *w, server_rec *s);
/* Close the listen socket and remove its file. */
void pa_worker_unlisten(pa_worker_t *w);
/* The environment of an app's workers: PreforkAppEnv entries and PATH. */
const char **pa_worker_env(apr_pool_t *p, const pa_app_t *app);
/* The supplementary groups of app's workers, looked up once in the manager,
 * so that a fork sets them with one setgroups() and no NSS lookup (which
 * may load libraries: costly per CGI request). None unless root. */
void pa_worker_groups(apr_pool_t *p, const pa_app_t *app, const gid_t **groups,
                      int *n);
/* Whether the app's workers can attach to its cache zone (and get
 * PREFORK_APP_CACHE): not when user= runs them as another user than httpd's
 * User, whose the zone is (mode 0600), nor from inside a chroot=. Its
 * responses are cached all the same. */
int pa_worker_attaches_zone(const pa_app_t *app);
/* The name of the user app's workers run as (httpd's children's for app
 * NULL): user= or User when httpd runs as root, else this process's. */
const char *pa_worker_user_name(apr_pool_t *p, const pa_app_t *app);
/* Whether app's workers (its user, group and supplementary groups; httpd's
 * User for app NULL) may access(path, mode), tried in a child that takes
 * their identity (and their root: path is then inside the app's chroot=).
 * Not root: access() as this process, whose identity the workers keep. */
int pa_worker_may_access(apr_pool_t *p, const pa_app_t *app,
                         const char *path, int mode);
/* In a forked worker, before or instead of its exec (the CGI launcher):
 * write "cannot WHAT ARG: <errno's text>" to the stderr pipe (the manager
 * logs it), mark its slot's child_failed (a CGI program may exit 127 as
 * well) and exit 127. */
#ifdef __GNUC__
__attribute__((noreturn))
#endif
void pa_child_fail(const char *what, const char *arg);
/* The same for what failed for one request alone (a CGI program whose
 * variables exec() refuses): "cannot WHAT ARG NOTE: reason", the slot not
 * marked, so the app does not back off. */
#ifdef __GNUC__
__attribute__((noreturn))
#endif
void pa_child_fail_request(const char *what, const char *arg,
                           const char *note);
/* pa_child_fail("execute", path) after a failed exec, which says ENOENT
 * for a file that is there when what runs it is not (the interpreter of
 * its "#!" line, its ELF loader: a chroot= without it): said so. */
#ifdef __GNUC__
__attribute__((noreturn))
#endif
void pa_child_fail_exec(const char *path);
/* Fork + exec an occupant: listen socket on fd 0, stdout/stderr to a pipe,
 * clean environment, cwd, user/group when root, nothing else inherited.
 * On failure, *failed names the call that failed (for the log). */
apr_status_t pa_worker_spawn(pa_worker_t *w, const char **envp, server_rec *s,
                             const char **failed);
/* Ask the occupant to go (SIGTERM, remembered) or force it (SIGKILL, with
 * whatever it forked: a FastCGI or SCGI occupant leads a process group). */
void pa_worker_signal(pa_worker_t *w, int sig);
/* SIGKILL the occupant's process group (a FastCGI or SCGI occupant leads
 * one): what it forked, children that would go on accepting on the slot's
 * socket. Only while the occupant is alive or not reaped yet (its zombie
 * keeps the group's id from being reused). */
void pa_worker_kill_group(const pa_worker_t *w);
/* Ask the occupant to go: SIGTERM and, when it is idle, a shutdown of its
 * kept connection, so that an app blocked reading it gets EOF, goes back to
 * accept() and sees the signal there. A busy one finishes its request. */
void pa_worker_dismiss(pa_worker_t *w, int idle);
/* Shut the kept connection down, for every httpd child holding it. */
void pa_worker_hangup(pa_worker_t *w);
/* A worker asked to leave, idle and still there: SIGTERM again, once a
 * second, while it waits in accept() (it lost the first). */
void pa_worker_term_again(pa_worker_t *w, apr_time_t now);
/* Close the manager's copy of the kept connection. */
void pa_worker_unkeep(pa_worker_t *w);
/* Still running (not exited, even unreaped)? Leaves an exit to be reaped. */
int pa_worker_running(const pa_worker_t *w);
/* Log the complete lines the occupant wrote (to its app's host's log:
 * pa_app_log_server()); all of it once final. While that log cannot take
 * a line (w->log_full) they wait, unread (once final: counted as not
 * logged). */
void pa_worker_read_output(pa_worker_t *w, server_rec *s, int final);
/* The descriptor of s's error log if it is a pipe (a log program, a
 * FIFO), else -1 (syslog, a file). A worker's output waits for it
 * (w->log_full) until it has a free page (POLLOUT). */
int pa_worker_log_pipe(server_rec *s);
/* Whether s's error log can take a short line of ours now without blocking
 * the manager: a piped logger that has stalled cannot, once its pipe has
 * no free page. (A worker's lines go in pieces that fit.) */
int pa_worker_log_takes_line(server_rec *s);
/* Say that n lines of app's workers' output were not logged (PA00138). */
void pa_worker_output_dropped(const pa_app_t *app, server_rec *s,
                              apr_uint32_t n);
/* The occupant was reaped: log the rest of its output, forget it. */
void pa_worker_gone(pa_worker_t *w, server_rec *s);

#endif
