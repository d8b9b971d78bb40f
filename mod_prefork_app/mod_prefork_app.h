/* mod_prefork_app: internal declarations shared by the module's files. */
#ifndef MOD_PREFORK_APP_H
#define MOD_PREFORK_APP_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_expr.h"
#include "apr_tables.h"
#include "apr_hash.h"

#include <sys/types.h>

/* Our own stable message ids ("PA" + 5 digits); httpd's APLOGNO numbers are
 * httpd's. Ranges: 000xx config, 001xx manager, 002xx scoreboard,
 * 003xx dispatch, 004xx fastcgi, 005xx status, 006xx cache, 009xx hooks. */
#define PALOGNO(n) "PA" #n ": "

#define PA_HANDLER_PREFIX "prefork-app:"
#define PA_STATUS_HANDLER "prefork-app-status"
/* reply-buffer=: its default and its largest value. */
#define PA_REPLY_BUFFER_DEFAULT (1024 * 1024)
#define PA_REPLY_BUFFER_MAX     (1024 * 1024 * 1024)
/* error-override=: one flag per status from 400 to 599 */
#define PA_ERROR_CODES          200

extern module AP_MODULE_DECLARE_DATA prefork_app_module;

typedef enum {
    PA_PROTO_FASTCGI = 0,
    PA_PROTO_SCGI,
    PA_PROTO_CGI
} pa_protocol_e;

typedef struct pa_cache_zone_t {
    const char *name;
    apr_size_t size;            /* bytes */
    const char *file;           /* where it was defined, for errors */
    int line;
    int index;
    const char *path;           /* segment name workers attach to */
    struct apr_shm_cache_t *handle;  /* created in post_config (cache.c) */
    int request_span;           /* the longest queue-timeout +
                                 * request-timeout of its apps, s */
} pa_cache_zone_t;

#define PA_NAME_MAX       32    /* app and zone names end up in socket paths */
#define PA_PROGRAM_MAX    1024  /* a new-programs= pool's program path */
#define PA_NEW_PROGRAMS_DEFAULT 8
#define PA_NEW_PROGRAMS_MAX 64

/* One PreforkApp line. Times are in seconds as typed (0 = off where the
 * directive table says so). */
/* rlimit-core=unlimited */
#define PA_RLIMIT_UNLIMITED APR_INT64_MAX

/* What an app does with SCRIPT_FILENAME (pa_app_t.runs_file). */
#define PA_RUNS_PHP 1           /* php-cgi: compiles it, or, given
                                 * REDIRECT_URL and a PATH_TRANSLATED, the
                                 * file PATH_TRANSLATED names (its hack for
                                 * an Action to its own binary) */
#define PA_RUNS_CGI 2           /* fcgiwrap: executes it */

typedef struct pa_app_t {
    const char *name;
    const char *cmdline;        /* the quoted command as typed */
    const char **argv;          /* split on blanks, NULL-terminated */
    const char *dir;            /* the workers' cwd: cwd=, else the
                                 * directory of argv[0] */
    pa_protocol_e protocol;
    int min_procs;              /* processes=N: min == max */
    int max_procs;
    int spare_min;
    int spare_max;
    int max_requests;           /* 0 = never recycle by count */
    int max_requests_hi;        /* max-requests=LO-HI: each slot's own limit
                                 * is in [max_requests, this]
                                 * (pa_sb_spread()); else = max_requests */
    int runs_file;              /* the app runs the file SCRIPT_FILENAME
                                 * names: PA_RUNS_PHP, PA_RUNS_CGI, else 0
                                 * (not looked at for PreforkAppScripts) */
    int program_is_script;      /* ... and its program is itself such a
                                 * file (a "#!/usr/bin/php-cgi" page) */
    const char *program;        /* ... its word that is the program that
                                 * does (WRAPPER of "/bin/sh WRAPPER") */
    int exits_itself;           /* the app leaves after max-requests by itself
                                 * (php-cgi, a CGI launcher): never stretched */
    int lifetime;               /* 0 = never recycle by age */
    int lifetime_hi;            /* lifetime=LO-HI, as max_requests_hi */
    apr_off_t max_memory;       /* recycle a worker whose RSS exceeds this
                                 * many bytes, 0 = never */
    apr_size_t reply_buffer;    /* reply-buffer=: bytes of a reply held for a
                                 * client slower than the app, 0 = none */
    apr_off_t reply_spool;      /* reply-spool=: bytes more of it held in a
                                 * temporary file, 0 = none */
    apr_off_t body_spool;       /* body-spool=: request bodies with a length
                                 * up to this are read whole before a worker
                                 * is claimed, 0 = streamed */
    int idle_timeout;
    int request_timeout;
    int queue_timeout;
    int queue_limit;            /* queue-limit=: at most this many requests wait
                                 * for a worker, 0 = as many as may come */
    int die_timeout;
    int start_delay;
    int slowlog;                /* log requests taking this many seconds, 0 = off */
    int stale_while_revalidate; /* cache=: a stored page's stale windows (s) */
    int stale_if_error;         /* where its Cache-Control says none */
    int cache_lock;             /* cache-lock=: a miss waits this long for a
                                 * page another request fetches, 0 = off */
    apr_array_header_t *cache_ignore; /* cache-ignore-params=: globs (const
                                 * char *) of query parameter names the
                                 * cache key leaves out, NULL = none */
    const char *error_override; /* error-override=: as typed, NULL = off */
    unsigned char *error_codes; /* its statuses: [status - 400] set for each
                                 * error httpd answers in the app's place */
    const char *chroot;         /* chroot=DIR: the workers' root (canonical),
                                 * which the command and cwd are inside;
                                 * NULL = none */
    const char *touch_reload;   /* touch-reload=PATH: its mtime changing replaces
                                 * the workers, NULL = off */
    apr_array_header_t *sendfile_dirs; /* x-sendfile=: the canonical
                                 * directories (const char *) whose files an
                                 * X-Sendfile may name, NULL = off */
    int keep_conn;              /* keep-conn=on: FCGI_KEEP_CONN, shared kept connections
                                 * (-1 until pa_config_check: on for fastcgi) */
    int sched_batch;            /* sched=batch: workers run SCHED_BATCH (default) */
    int ignore_client_abort;    /* ignore-client-abort=on: a client that leaves
                                 * does not end its request */
    int nice;                   /* nice=N: -20 to 19, 0 = httpd's */
    int rlimit_files;           /* rlimit-files=N: the workers' RLIMIT_NOFILE,
                                 * 0 = httpd's */
    apr_off_t rlimit_core;      /* rlimit-core=: their RLIMIT_CORE in bytes,
                                 * -1 = httpd's, PA_RLIMIT_UNLIMITED */
    const char *user;           /* NULL = httpd's User */
    const char *group;
    uid_t uid;
    gid_t gid;
    const char *cache_name;     /* NULL = no response cache */
    pa_cache_zone_t *cache;     /* resolved in check_config */
    apr_array_header_t *env;    /* const char * "NAME=value" from PreforkAppEnv */
    int index;                  /* position in pa_server_conf_t.apps = scoreboard index */
    apr_array_header_t *vhosts; /* server_rec *: the virtual hosts whose
                                 * sections name the app, when no directive
                                 * outside them does; NULL = any host */
    const struct pa_scripts_t *scripts; /* the PreforkAppScripts line that
                                 * made it, NULL = a PreforkApp line */
    apr_array_header_t *aliases; /* const char *: the URL paths that
                                 * PreforkAppAlias gives it ("/api", or
                                 * "HOST/api" in a virtual host), for the
                                 * status page; NULL: none */
    int spare;                  /* k (1...) of the line's new-programs= pools,
                                 * kept for programs added while httpd
                                 * runs: its program is set at run time, in
                                 * the scoreboard (scripts.h); 0 = none */
    const char *file;           /* where it was defined, for errors */
    int line;
} pa_app_t;

/* One PreforkAppScripts line: a pool of its own for each program its
 * pattern matched when the configuration was read (mod_fcgid's class per
 * script), named NAME:FILE; "prefork-app:NAME" serves the request's file
 * with its pool. */
typedef struct pa_scripts_t {
    const char *name;
    const char *pattern;        /* ServerRoot-relative */
    const char *real_pattern;   /* the same with symbolic links resolved
                                 * in its directories before the first
                                 * wildcard (/var/www -> /srv/www); NULL
                                 * if none */
    pa_app_t *tmpl;             /* its keys, checked even when it matched
                                 * nothing; named NAME, in no list */
    apr_array_header_t *apps;   /* pa_app_t *: its pools, the programs' in
                                 * the pattern's order, then the spares */
    apr_hash_t *by_path;        /* program path -> pa_app_t * */
    apr_hash_t *by_file;        /* pa_scripts_place() -> pa_app_t *: a
                                 * program by its file and directory, as
                                 * reached by another name or path (a
                                 * hard link, a symlinked DocumentRoot) */
    apr_array_header_t *skipped; /* const char *: files matched that are
                                 * no executable programs */
    int new_programs;           /* new-programs=N */
    apr_array_header_t *spares; /* pa_app_t *: N pools, none running, for
                                 * programs added while httpd runs
                                 * (scripts.h) */
    const char *file;           /* where it was defined, for errors */
    int line;
} pa_scripts_t;

/* Global (main server) configuration: apps are one pool per httpd. */
/* One PreforkAppAlias line: the URL space under path is app's. */
typedef struct pa_alias_t {
    const char *path;           /* as typed, without a trailing '/' ("" for
                                 * "/": all of the host's) */
    apr_size_t len;             /* strlen(path) */
    const char *name;           /* the app's name as typed */
    const pa_app_t *app;        /* found at the configuration check */
    const char *handler;        /* "prefork-app:NAME", for r->handler */
    const char *file;           /* where it was defined, for errors */
    int line;
} pa_alias_t;

typedef struct pa_server_conf_t {
    apr_array_header_t *apps;   /* pa_app_t * */
    apr_hash_t *apps_by_name;   /* by lowercase name: httpd lowercases
                                 * handler names */
    apr_array_header_t *scripts; /* pa_scripts_t * */
    apr_hash_t *scripts_by_name; /* by lowercase name, as apps */
    apr_array_header_t *zones;  /* pa_cache_zone_t * */
    apr_hash_t *zones_by_name;
    const char *pidfile;        /* PreforkAppPidFile, NULL = default */
    const char *pidfile_file;   /* where it was set, for errors */
    int pidfile_line;
    const char *sockdir;        /* PreforkAppSocketDir, NULL = default */
    const char *sockdir_file;   /* where it was set, for errors */
    int sockdir_line;
    const char *tempdir;        /* PreforkAppTempDir, NULL = TMPDIR or /tmp */
    const char *tempdir_file;   /* where it was set, for errors */
    int tempdir_line;
    int max_procs;              /* PreforkAppMaxProcesses: workers of all apps
                                 * together, 0 = no limit */
    const char *max_procs_file; /* where it was set, for errors */
    int max_procs_line;
    int h2_workers;             /* mod_http2's request threads per httpd
                                 * child: its H2MaxWorkers; -1 = loaded,
                                 * default; 0 = not loaded (config check) */
    apr_array_header_t *aliases; /* pa_alias_t *: this server's (or virtual
                                 * host's) own PreforkAppAlias lines, in
                                 * order; the one per-host field here */
} pa_server_conf_t;

/* One PreforkAppSetEnvIf line. */
typedef struct pa_env_fixup_t {
    ap_expr_info_t *cond;
    ap_expr_info_t *value;      /* NULL: unset the variable (!NAME) */
    const char *name;
} pa_env_fixup_t;

/* Per directory: only what the configuration files decide for a section. */
typedef struct pa_dir_conf_t {
    int status_placed;          /* the configuration files put the status
                                 * handler here (PA_STATUS_PLACED): bits */
    apr_array_header_t *status_exts; /* the extensions (char *, lowercase,
                                 * no dot) a top-level AddHandler gives it,
                                 * or NULL */
    apr_table_t *status_apps;   /* PreforkAppStatusApps: the apps the
                                 * status page shows here (and
                                 * PA_STATUS_APPS_VHOST); NULL: all */
    int status_cache_drop;      /* PreforkAppStatusCacheDrop: 0 not set
                                 * (off), PA_FLAG_OFF, PA_FLAG_ON */
    const char *authorizer;     /* PreforkAppAuthorizer: the app's name,
                                 * "" for None, NULL not set */
    const char *authenticator;  /* PreforkAppAuthenticator: ditto */
    apr_array_header_t *env_fixups; /* PreforkAppSetEnvIf (pa_env_fixup_t),
                                 * the enclosing sections' first; or NULL */
} pa_dir_conf_t;

#define PA_FLAG_OFF 1
#define PA_FLAG_ON  2

/* Where path, as the app's workers see it (inside its chroot=), is on
 * the host. */
const char *pa_app_host_path(apr_pool_t *p, const pa_app_t *app,
                             const char *path);

/* PreforkAppStatusApps' word for the apps the request's virtual host may
 * use (pa_app_allowed()): no app name has an '@'. */
#define PA_STATUS_APPS_VHOST "@vhost"

/* status_placed: by a section (or any SetHandler), or only by a RewriteRule
 * [H=] or an AddHandler at the server's or a host's top level, which every
 * directory inherits. */
#define PA_PLACED_SECTION 1
#define PA_PLACED_TOP     2

/* Added by pa_config_guard_status() next to each mention of the status
 * handler in the configuration files: where an .htaccess alone sets it, the
 * handler refuses. Allowed in no .htaccess. */
#define PA_STATUS_PLACED "PreforkAppStatusPlaced"
/* Its argument next to a SetHandler. */
#define PA_PLACED_BY_SET "sethandler"
/* Next to an AddHandler: this word, then the AddHandler's extensions. */
#define PA_PLACED_BY_ADD "addhandler"

/* mod_prefork_app.c */
/* An app's output line (stderr, a FastCGI STDERR record) as a C string for
 * the error log: each NUL, which would end the line there, written as
 * \x00 (httpd's log escapes the other control bytes itself, and shows this
 * backslash doubled). out holds PA_LOG_TEXT_SIZE(len) bytes; returns out. */
#define PA_LOG_TEXT_SIZE(len) (4 * (len) + 1)
char *pa_log_text(char *out, const char *line, apr_size_t len);
/* How many of line's first bytes (of len) httpd writes to the error log in
 * at most room bytes: a printable ASCII byte as itself, a backslash
 * doubled, a tab, newline, return, backspace or vertical tab as \t, \n,
 * \r, \b, \v, any other as \xHH (a NUL as pa_log_text's \x00, its
 * backslash doubled). For pieces of a long line that reach a piped log
 * whole, each in one write of at most PIPE_BUF. */
apr_size_t pa_log_fit(const char *line, apr_size_t len, apr_size_t room);

/* config.c */
extern const command_rec pa_cmds[];
void *pa_create_server_config(apr_pool_t *p, server_rec *s);
void *pa_create_dir_config(apr_pool_t *p, char *dir);
void *pa_merge_dir_config(apr_pool_t *p, void *base, void *add);
pa_server_conf_t *pa_get_conf(server_rec *s);
/* Whether a handler name looks like one of ours and is not (prefork_app:X,
 * prefork-app, prefork-app-stats): a typo that would have httpd serve the
 * files (a PHP script's source) as they are. */
int pa_handler_lookalike(const char *name);
/* The module (mod_fcgid) whose handler name is, if that module is not
 * loaded: a leftover line would have httpd send scripts as files. */
const char *pa_handler_orphan(const char *name);
/* The app NAME, matched without regard to case (SetHandler's name reaches
 * the handler lowercased). */
pa_app_t *pa_find_app(const pa_server_conf_t *conf, const char *name);
/* The PreforkAppScripts line NAME, matched as pa_find_app() does. */
pa_scripts_t *pa_find_scripts(const pa_server_conf_t *conf, const char *name);
/* "PreforkApp NAME" or "PreforkAppScripts NAME", for messages. */
const char *pa_app_what(apr_pool_t *p, const pa_app_t *app);
/* May a request served by s use app? Only the virtual hosts whose sections
 * name it may, when the main server's directives do not (see config.c). */
int pa_app_allowed(const pa_app_t *app, const server_rec *s);
/* " (did you mean 'X'?)" if name is a typo (one or two edits away) of X,
 * one of the apps host may use, else "": a request's log line names no
 * other host's app. */
const char *pa_app_typo_hint(apr_pool_t *p, const pa_server_conf_t *conf,
                             const char *name, const server_rec *host);
/* Where virtual host s is defined, and its name: "FILE:LINE (HOST)", for
 * the messages that refuse it an app. */
const char *pa_vhost_where(apr_pool_t *p, const server_rec *s);
/* Where the app's workers' own output is logged: the error log of the
 * virtual hosts the app serves alone (the customer's, in shared hosting),
 * if they share one, else main's. */
server_rec *pa_app_log_server(const pa_app_t *app, server_rec *main_s);
/* Checks what can only be checked once the whole configuration is read
 * (cache names, SetHandler prefork-app:NAME). Logs file:line and returns
 * !OK on the first problem. Runs from check_config, so also at -t. */
int pa_config_check(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
/* pre_config, before httpd builds its sections from the configuration
 * tree: each section that names the status handler (SetHandler, AddHandler,
 * RewriteRule [H=]) gets PA_STATUS_PLACED; a SetHandler prefork-app-status
 * whose own <Location>, <Directory> or <Files> section has no Require,
 * Allow, Deny or AuthType also gets a "Require local" there (PA00015 at the
 * check). */
void pa_config_guard_status(apr_pool_t *pconf, apr_pool_t *ptemp);

/* dispatch.c */
int pa_app_handler(request_rec *r);
/* r->notes: an Authorizer gave r variables (Variable- headers), which may
 * make the page another user's: the response cache stays out of it. */
#define PA_NOTE_AUTH_VARS "prefork-app-authorizer-variables"

typedef enum {
    PA_ANSWER_NONE = 0,         /* the app failed: no answer */
    PA_ANSWER_GRANTED,          /* it answered 200 */
    PA_ANSWER_REFUSED           /* it answered something else */
} pa_answer_e;
/* Asks the app name, in the FastCGI Authorizer role, whether r may go on:
 * with r's variables and headers (Authorization too, whatever CGIPassAuth
 * says) and vars over them, without a body, CONTENT_LENGTH, PATH_INFO or
 * SCRIPT_NAME (FastCGI 6.3). On a 200, its "Variable-NAME: value" headers
 * are r's variables NAME, and nothing else of its reply is kept. With
 * reply, a refusal is r's response: OK is returned once it went out (also
 * cut short). Without, none of it is kept and its status (an error's; a
 * redirect counts as 403) is returned. A failure returns its error status
 * (502, 503, 504, 500) with *answer PA_ANSWER_NONE. */
int pa_ask_app(request_rec *r, const char *name, int reply,
               const apr_table_t *vars, pa_answer_e *answer);

/* auth.c */
/* The access check of PreforkAppAuthorizer: OK when its app answered 200;
 * DONE when its other answer went to the client as the response; an error
 * status otherwise. DECLINED where no authorizer is set. */
int pa_authorize(request_rec *r);
/* Registers the authn provider "prefork-app" (AuthBasicProvider
 * prefork-app, asking the PreforkAppAuthenticator app) and the authz
 * provider "prefork-app" (Require prefork-app NAME). */
void pa_auth_register(apr_pool_t *p);
/* child_init: finds the temporary directory for spooled bodies and replies
 * once (unless PreforkAppTempDir names it). */
void pa_dispatch_child_init(apr_pool_t *pchild, server_rec *s);

/* status.c */
int pa_status_handler(request_rec *r);
/* fixups, before any .htaccess RewriteRule runs: notes whether the
 * server's or a host's own RewriteRule [H=] gave r the status handler. */
int pa_status_fixups(request_rec *r);

#endif
