/* mod_prefork_app: configuration directives.
 *
 * Every bad value is rejected while the line is parsed, so httpd reports it
 * as "Syntax error on line N of FILE" at `apachectl -t`; what can only be
 * checked once the whole file is read (cache names, SetHandler targets) is
 * checked in pa_config_check() from the check_config hook, which logs
 * FILE:LINE itself. */
#include "mod_prefork_app.h"
#include "cache.h"
#include "scoreboard.h"
#include "worker.h"
#include "scripts.h"
#include "alias.h"
#include "unixd.h"
#include "mpm_common.h"

#include "http_core.h"
#include "http_main.h"
#include "ap_provider.h"
#include "mod_auth.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_file_info.h"
#include "apr_user.h"
#include "apr_fnmatch.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/capability.h>
#include <limits.h>
#include <link.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

#define PA_SCRIPTS_NAME_MAX 16  /* leaves a script's pool (NAME:FILE) room */
#define PA_PROCS_LIMIT    1024
#define PA_SECONDS_LIMIT  (10 * 365 * 86400)
#define PA_ZONE_MIN       (64 * 1024)
/* Descriptors the manager holds besides its workers', at least (standard
 * ones, its service socket, signals and wake-ups, the generation pipe, the
 * socket directory, a log; measured 13 with an ErrorLog and a CustomLog,
 * each cache zone and virtual host's log adding one): the check is a lower
 * bound. */
#define PA_MGR_FDS_OWN    11
/* What valid_name() takes, for the errors. */
#define PA_NAME_RULE      "(letters, digits, '_', '-', '.'; at most " \
                          APR_STRINGIFY(PA_NAME_MAX) ")"

void *pa_create_server_config(apr_pool_t *p, server_rec *s)
{
    pa_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->apps = apr_array_make(p, 4, sizeof(pa_app_t *));
    conf->apps_by_name = apr_hash_make(p);
    conf->scripts = apr_array_make(p, 1, sizeof(pa_scripts_t *));
    conf->scripts_by_name = apr_hash_make(p);
    conf->zones = apr_array_make(p, 2, sizeof(pa_cache_zone_t *));
    conf->zones_by_name = apr_hash_make(p);
    conf->aliases = apr_array_make(p, 1, sizeof(pa_alias_t *));
    return conf;
}

void *pa_create_dir_config(apr_pool_t *p, char *dir)
{
    return apr_pcalloc(p, sizeof(pa_dir_conf_t));
}

void *pa_merge_dir_config(apr_pool_t *p, void *base, void *add)
{
    pa_dir_conf_t *conf = apr_palloc(p, sizeof(*conf));
    const pa_dir_conf_t *b = base, *a = add;

    conf->status_placed = b->status_placed | a->status_placed;
    conf->status_exts = !b->status_exts ? a->status_exts
                        : !a->status_exts ? b->status_exts
                        : apr_array_append(p, b->status_exts, a->status_exts);
    conf->status_apps = a->status_apps ? a->status_apps : b->status_apps;
    conf->status_cache_drop = a->status_cache_drop ? a->status_cache_drop
                                                   : b->status_cache_drop;
    conf->authorizer = a->authorizer ? a->authorizer : b->authorizer;
    conf->authenticator = a->authenticator ? a->authenticator
                                           : b->authenticator;
    conf->env_fixups = !b->env_fixups ? a->env_fixups
                       : !a->env_fixups ? b->env_fixups
                       : apr_array_append(p, b->env_fixups, a->env_fixups);
    return conf;
}

pa_server_conf_t *pa_get_conf(server_rec *s)
{
    /* Directives are main-server only; a vhost's request reads the main
     * server's pools. */
    if (s->is_virtual && ap_server_conf) {
        s = ap_server_conf;
    }
    return ap_get_module_config(s->module_config, &prefork_app_module);
}

int pa_handler_lookalike(const char *name)
{
    const char *p;

    /* prefork-app, prefork_app, preforkapp, any case, then anything. */
    if (strncasecmp(name, "prefork", 7)) {
        return 0;
    }
    p = name + 7;
    if (*p == '-' || *p == '_') {
        p++;
    }
    return !strncasecmp(p, "app", 3)
           && strncasecmp(name, PA_HANDLER_PREFIX,
                          sizeof(PA_HANDLER_PREFIX) - 1)
           && strcasecmp(name, PA_STATUS_HANDLER);
}

const char *pa_handler_orphan(const char *name)
{
    /* What a site leaves behind when it moves here from mod_fcgid. */
    return !strcasecmp(name, "fcgid-script")
           && !ap_find_linked_module("mod_fcgid.c") ? "mod_fcgid" : NULL;
}

static void *find_named(apr_hash_t *by_name, const char *name)
{
    char key[PA_NAME_MAX + 1];
    apr_size_t i;

    for (i = 0; name[i] && i < PA_NAME_MAX; i++) {
        key[i] = (char)apr_tolower(name[i]);
    }
    if (name[i]) {
        return NULL;                    /* longer than any app's name */
    }
    key[i] = '\0';
    return apr_hash_get(by_name, key, APR_HASH_KEY_STRING);
}

pa_app_t *pa_find_app(const pa_server_conf_t *conf, const char *name)
{
    return find_named(conf->apps_by_name, name);
}

pa_scripts_t *pa_find_scripts(const pa_server_conf_t *conf, const char *name)
{
    return find_named(conf->scripts_by_name, name);
}

/* How many single-character edits (insert, delete, change, swap of two
 * neighbours; case aside) make a into b, up to PA_NAME_MAX characters
 * each. */
static apr_size_t name_distance(const char *a, const char *b)
{
    apr_size_t rows[3][PA_NAME_MAX + 1], la = strlen(a), lb = strlen(b);
    apr_size_t i, j;

    if (la > PA_NAME_MAX || lb > PA_NAME_MAX) {
        return (apr_size_t)-1;
    }
    for (j = 0; j <= lb; j++) {
        rows[0][j] = j;
    }
    for (i = 1; i <= la; i++) {
        apr_size_t *cur = rows[i % 3], *up = rows[(i - 1) % 3];
        apr_size_t *up2 = rows[(i + 1) % 3];   /* row i - 2 */

        cur[0] = i;
        for (j = 1; j <= lb; j++) {
            char ca = apr_tolower(a[i - 1]), cb = apr_tolower(b[j - 1]);
            apr_size_t best = up[j - 1] + (ca != cb);

            best = up[j] + 1 < best ? up[j] + 1 : best;
            best = cur[j - 1] + 1 < best ? cur[j - 1] + 1 : best;
            if (i > 1 && j > 1 && ca == apr_tolower(b[j - 2])
                && apr_tolower(a[i - 2]) == cb && up2[j - 2] + 1 < best) {
                best = up2[j - 2] + 1;
            }
            cur[j] = best;
        }
    }
    return rows[la % 3][lb];
}

/* Of the n names, the one name is a typo of (one or two edits away, one
 * for names shorter than 6), or NULL. */
static const char *nearest_name(const char *name, const char *const *names,
                                int n)
{
    const char *near = NULL;
    apr_size_t best = 3;
    int i;

    for (i = 0; i < n; i++) {
        apr_size_t d = name_distance(name, names[i]);

        /* Not a one-letter name for another one-letter name. */
        if (d < best && d * 3 <= strlen(names[i])) {
            best = d;
            near = names[i];
        }
    }
    return near;
}

/* The names of conf's apps and PreforkAppScripts lines; with host, only
 * its apps (pa_app_allowed()). */
static apr_array_header_t *app_names(apr_pool_t *p,
                                     const pa_server_conf_t *conf,
                                     const server_rec *host)
{
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(const char *));
    int i;

    for (i = 0; i < conf->apps->nelts; i++) {
        const pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        if (!app->scripts && (!host || pa_app_allowed(app, host))) {
            APR_ARRAY_PUSH(names, const char *) = app->name;
        }
    }
    for (i = 0; !host && i < conf->scripts->nelts; i++) {
        APR_ARRAY_PUSH(names, const char *) =
            APR_ARRAY_IDX(conf->scripts, i, pa_scripts_t *)->name;
    }
    return names;
}

/* The first max of the n names, as "a, b, c" (and ", ..." for more). */
static const char *name_list(apr_pool_t *p, const char *const *names, int n,
                             int max)
{
    const char *list = n ? names[0] : "";
    int i;

    for (i = 1; i < n && i < max; i++) {
        list = apr_pstrcat(p, list, ", ", names[i], NULL);
    }
    return n > max ? apr_pstrcat(p, list, ", ...", NULL) : list;
}

/* " (did you mean 'X'?)" for near, or "". */
static const char *typo_hint(apr_pool_t *p, const char *near)
{
    return near ? apr_pstrcat(p, " (did you mean '", near, "'?)", NULL) : "";
}

const char *pa_app_typo_hint(apr_pool_t *p, const pa_server_conf_t *conf,
                             const char *name, const server_rec *host)
{
    apr_array_header_t *names = app_names(p, conf, host);

    return typo_hint(p, nearest_name(name, (const char *const *)names->elts,
                                     names->nelts));
}

/* How many names an error lists at most. */
#define PA_SUGGEST_LIST 8

/* Appended to "no PreforkApp named 'name'": " (did you mean 'X'?)" for a
 * defined app or PreforkAppScripts line one or two typos away, else
 * " (defined: A, B, ...)", else " (none is defined)". */
static const char *app_suggestion(apr_pool_t *p,
                                  const pa_server_conf_t *conf,
                                  const char *name)
{
    apr_array_header_t *names = app_names(p, conf, NULL);
    const char *const *elts = (const char *const *)names->elts;
    const char *near;

    if (!names->nelts) {
        return " (none is defined)";
    }
    near = nearest_name(name, elts, names->nelts);
    if (near) {
        return typo_hint(p, near);
    }
    return apr_pstrcat(p, " (defined: ", name_list(p, elts, names->nelts,
                                                   PA_SUGGEST_LIST),
                       ")", NULL);
}

const char *pa_app_what(apr_pool_t *p, const pa_app_t *app)
{
    return apr_pstrcat(p, app->scripts && app == app->scripts->tmpl
                          ? "PreforkAppScripts " : "PreforkApp ",
                       app->name, NULL);
}

static int valid_name(const char *name)
{
    const char *c;

    if (!*name || strlen(name) > PA_NAME_MAX) {
        return 0;
    }
    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '_' && *c != '-' && *c != '.') {
            return 0;
        }
    }
    return 1;
}

/* A whole non-negative decimal number, bounded; seconds: a time. */
static const char *parse_uint(apr_pool_t *p, const char *key, const char *val,
                              int min, int max, int seconds, int *out)
{
    char *end;
    apr_int64_t n;

    if (!*val || !apr_isdigit(*val)) {
        return apr_psprintf(p, "%s=%s: not a number", key, val);
    }
    n = apr_strtoi64(val, &end, 10);
    if (apr_isalpha(*end)) {
        /* "60s", "1m": php-fpm's and nginx's habit. */
        return apr_psprintf(p, "%s=%s: a plain number, without a unit%s",
                            key, val, seconds ? " (times are in seconds)" : "");
    }
    if (*end || n > max) {
        return apr_psprintf(p, "%s=%s: must be a whole number up to %d",
                            key, val, max);
    }
    if (n < min) {
        return apr_psprintf(p, "%s=%s: must be at least %d", key, val, min);
    }
    *out = (int)n;
    return NULL;
}

/* "N" or "MIN-MAX". */
static const char *parse_range(apr_pool_t *p, const char *key, const char *val,
                               int min, int max, int seconds, int *lo, int *hi)
{
    const char *dash = strchr(val, '-');
    const char *err;

    if (dash && (dash == val || !dash[1] || strchr(dash + 1, '-'))) {
        /* "-1", "3-", "1-2-3": the whole value is what was meant. */
        return apr_psprintf(p, "%s=%s: not a number or a MIN-MAX range",
                            key, val);
    }
    if (!dash) {
        if ((err = parse_uint(p, key, val, min, max, seconds, lo))) {
            return err;
        }
        *hi = *lo;
        return NULL;
    }
    if ((err = parse_uint(p, key, apr_pstrmemdup(p, val, dash - val),
                          min, max, seconds, lo))
        || (err = parse_uint(p, key, dash + 1, min, max, seconds, hi))) {
        return apr_psprintf(p, "%s (in range %s)", err, val);
    }
    if (*hi < *lo) {
        return apr_psprintf(p, "%s=%s: the maximum is below the minimum",
                            key, val);
    }
    return NULL;
}

/* A size in bytes, or with a K, M or G suffix ("64M"). Returns NULL, or
 * what is wrong with it. */
static const char *parse_size(const char *val, apr_off_t *out)
{
    apr_off_t n;
    char *end;
    int shift = 0;

    if (!apr_isdigit(*val)) {
        return "is not a number (e.g. 64M)";
    }
    if (apr_strtoff(&n, val, &end, 10) != APR_SUCCESS) {
        return "is too large";          /* digits past what fits */
    }
    switch (apr_tolower(*end)) {
    case 'g': shift = 30; break;
    case 'm': shift = 20; break;
    case 'k': shift = 10; break;
    }
    if (shift) {
        end++;
    }
    if (*end == '.') {
        return "is not a whole number (e.g. 1536K, not 1.5M)";
    }
    if (*end) {
        return "has an unknown unit (use K, M or G)";
    }
    if (n > (APR_INT64_MAX >> shift)) {
        return "is too large";
    }
    *out = n << shift;
    return NULL;
}

/* One of two words: *out = 1 for yes, 0 for no. */
static const char *parse_choice(apr_pool_t *p, const char *key,
                                const char *val, const char *yes,
                                const char *no, int *out)
{
    if (!strcasecmp(val, yes)) {
        *out = 1;
    }
    else if (!strcasecmp(val, no)) {
        *out = 0;
    }
    else {
        return apr_psprintf(p, "%s=%s: must be %s or %s", key, val, yes, no);
    }
    return NULL;
}

/* error-override=on|off|CODE,...: the app's errors (all 4xx and 5xx, or
 * those listed) that httpd answers itself, as ProxyErrorOverride. */
static const char *parse_error_override(apr_pool_t *p, pa_app_t *app,
                                        const char *val)
{
    char *list, *word, *state;

    app->error_override = NULL;
    app->error_codes = NULL;
    if (!strcasecmp(val, "off")) {
        return NULL;
    }
    app->error_override = val;
    app->error_codes = apr_pcalloc(p, PA_ERROR_CODES);
    if (!strcasecmp(val, "on")) {
        memset(app->error_codes, 1, PA_ERROR_CODES);
        return NULL;
    }
    /* (apr_strtok() would pass over an empty item.) */
    if (!*val || *val == ',' || val[strlen(val) - 1] == ','
        || strstr(val, ",,")) {
        return apr_psprintf(p, "error-override=%s: give on, off or a list "
                            "of statuses such as 404,500,503", val);
    }
    list = apr_pstrdup(p, val);
    for (word = apr_strtok(list, ",", &state); word;
         word = apr_strtok(NULL, ",", &state)) {
        int code;

        if (parse_uint(p, "error-override", word, 400, 599, 0, &code)) {
            return apr_psprintf(p, "error-override=%s: '%s' is not an error "
                                "status (400 to 599); give on, off or a "
                                "list such as 404,500,503", val, word);
        }
        app->error_codes[code - 400] = 1;
    }
    return NULL;
}

/* The plain numeric keys of PreforkApp and where they go. */
static const struct {
    const char *name;
    apr_size_t offset;
    int min;
} pa_int_keys[] = {
    { "idle-timeout",    APR_OFFSETOF(pa_app_t, idle_timeout),    1 },
    { "request-timeout", APR_OFFSETOF(pa_app_t, request_timeout), 1 },
    { "queue-timeout",   APR_OFFSETOF(pa_app_t, queue_timeout),   0 },
    { "queue-limit",     APR_OFFSETOF(pa_app_t, queue_limit),     0 },
    { "die-timeout",     APR_OFFSETOF(pa_app_t, die_timeout),     0 },
    { "start-delay",     APR_OFFSETOF(pa_app_t, start_delay),     0 },
    { "slowlog",         APR_OFFSETOF(pa_app_t, slowlog),         0 },
    { "stale-while-revalidate",
      APR_OFFSETOF(pa_app_t, stale_while_revalidate),               0 },
    { "stale-if-error",  APR_OFFSETOF(pa_app_t, stale_if_error),  0 },
    { "cache-lock",      APR_OFFSETOF(pa_app_t, cache_lock),      0 },
    { NULL, 0, 0 }
};

/* `httpd -k stop` (and graceful-stop: apachectl, systemd) reads the
 * configuration only to find the pid file, and stops nothing if it finds
 * an error there. The machine's state (an app's program uninstalled, its
 * user= deleted, a socket directory cleaned away) must not keep the server
 * from stopping: such checks are left to the commands that start one.
 * httpd takes -k out of process->argv before reading the configuration:
 * the kernel's copy of the command line still has it. */
static int stopping(apr_pool_t *p)
{
    static int known = -1;
    apr_file_t *f;
    char buf[4096];
    apr_size_t len = sizeof(buf) - 1;
    const char *a, *end;

    if (known >= 0) {
        return known;
    }
    known = 0;
    if (apr_file_open(&f, "/proc/self/cmdline", APR_FOPEN_READ, 0, p)
        != APR_SUCCESS) {
        return known;
    }
    apr_file_read_full(f, buf, len, &len);
    apr_file_close(f);
    buf[len] = '\0';
    /* NUL-separated arguments: "-k" "stop", or "-kstop". */
    for (a = buf, end = buf + len; a < end; a += strlen(a) + 1) {
        if (!strncmp(a, "-k", 2)) {
            const char *k = a[2] ? a + 2 : a + 3 < end ? a + 3 : "";

            known = !strcmp(k, "stop") || !strcmp(k, "graceful-stop");
            break;
        }
    }
    return known;
}

/* Why path is not a directory that is there (the error of stat(), or
 * "not a directory"); NULL if it is one. */
static const char *not_a_dir(apr_pool_t *p, const char *path)
{
    apr_finfo_t fi;
    apr_status_t rv = apr_stat(&fi, path, APR_FINFO_TYPE, p);
    char msg[120];

    if (rv != APR_SUCCESS) {
        return apr_pstrdup(p, apr_strerror(rv, msg, sizeof(msg)));
    }
    return fi.filetype != APR_DIR ? "not a directory" : NULL;
}

const char *pa_app_host_path(apr_pool_t *p, const pa_app_t *app,
                             const char *path)
{
    return app->chroot ? apr_pstrcat(p, app->chroot, path, NULL) : path;
}

/* chroot=DIR: there, a directory, root's and writable by root alone
 * (OpenSSH's rule for ChrootDirectory: whoever may write there chooses
 * the workers' /etc and libraries); kept as its canonical path. Only root
 * can chroot: httpd must start as root. */
static const char *parse_chroot(cmd_parms *cmd, pa_app_t *app,
                                const char *val)
{
    apr_pool_t *p = cmd->pool;
    const char *dir = *val ? ap_server_root_relative(p, val) : NULL;
    char real[PATH_MAX];
    struct stat st;

    if (!dir) {
        return apr_psprintf(p, "chroot=%s: not a valid path", val);
    }
    if (geteuid() != 0) {
        return apr_psprintf(p, "chroot=%s needs httpd started as root (only "
                            "root may change a process's root)", dir);
    }
    if (stopping(cmd->temp_pool)) {
        app->chroot = dir;
        return NULL;
    }
    if (!realpath(dir, real) || stat(real, &st) != 0) {
        return apr_psprintf(p, "chroot=%s: %s", dir, strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return apr_psprintf(p, "chroot=%s: not a directory", dir);
    }
    if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
        return apr_psprintf(p, "chroot=%s: must belong to root and be "
                            "writable by root alone", dir);
    }
    app->chroot = strcmp(real, "/") ? apr_pstrdup(p, real) : "";
    return NULL;
}

/* x-sendfile=DIR,...: each there, a directory, kept as its canonical path
 * (X-Sendfile paths are compared with what the file opened is). */
static const char *parse_sendfile_dirs(cmd_parms *cmd, pa_app_t *app,
                                       const char *val)
{
    apr_pool_t *p = cmd->pool;
    char *list = apr_pstrdup(p, val), *state, *word;
    char real[PATH_MAX];

    app->sendfile_dirs = apr_array_make(p, 2, sizeof(const char *));
    for (word = apr_strtok(list, ",", &state); word;
         word = apr_strtok(NULL, ",", &state)) {
        const char *dir = ap_server_root_relative(p, word), *why;

        if (!dir) {
            return apr_psprintf(p, "x-sendfile=%s: not a valid path", word);
        }
        if (stopping(cmd->temp_pool)) {
            APR_ARRAY_PUSH(app->sendfile_dirs, const char *) = dir;
            continue;
        }
        if ((why = not_a_dir(p, dir)) != NULL) {
            return apr_psprintf(p, "x-sendfile=%s: %s", dir, why);
        }
        if (!realpath(dir, real)) {
            return apr_psprintf(p, "x-sendfile=%s: cannot be resolved", dir);
        }
        APR_ARRAY_PUSH(app->sendfile_dirs, const char *) = apr_pstrdup(p, real);
    }
    if (!app->sendfile_dirs->nelts) {
        return "x-sendfile=: names no directory";
    }
    return NULL;
}

/* PreforkApp's keys, in the order an error lists them. */
static const char *const app_key_names[] = {
    "protocol", "processes", "spare", "max-requests", "lifetime",
    "max-memory", "idle-timeout", "request-timeout", "queue-timeout",
    "queue-limit", "ignore-client-abort", "die-timeout", "start-delay",
    "slowlog", "touch-reload", "cwd", "chroot", "x-sendfile", "keep-conn",
    "sched", "nice", "rlimit-files", "rlimit-core", "user", "group", "cache",
    "stale-while-revalidate", "stale-if-error", "cache-lock",
    "cache-ignore-params", "error-override", "reply-buffer", "reply-spool",
    "body-spool"
};

/* httpd's way of naming a user or group by number, "#N" (User #33): N, or
 * -1 for a name. */
static long hash_id(const char *val)
{
    char *end;
    long id;

    if (val[0] != '#' || !apr_isdigit(val[1])) {
        return -1;
    }
    errno = 0;
    id = strtol(val + 1, &end, 10);
    return *end || errno || id > INT_MAX ? -1 : id;
}

/* The keys a line takes: a PreforkAppScripts line's have new-programs=
 * and not chroot= (cmd_prefork_app_scripts() sees to both first). */
static const char *unknown_key(apr_pool_t *p, const char *key, int scripts)
{
    const char *names[sizeof(app_key_names) / sizeof(app_key_names[0]) + 1];
    const char *near;
    int i, n = 0;

    for (i = 0; i < (int)(sizeof(app_key_names) / sizeof(*app_key_names));
         i++) {
        if (!scripts || strcmp(app_key_names[i], "chroot")) {
            names[n++] = app_key_names[i];
        }
    }
    if (scripts) {
        names[n++] = "new-programs";
    }
    near = nearest_name(key, names, n);
    return apr_pstrcat(p, "unknown key '", key, "'",
                       near ? apr_pstrcat(p, ": did you mean '", near, "'?",
                                          NULL) : "",
                       " (known: ", name_list(p, names, n, n), ")", NULL);
}

static const char *set_app_key(cmd_parms *cmd, pa_app_t *app, const char *kv,
                               int *spare_given)
{
    apr_pool_t *p = cmd->pool;
    const char *eq = strchr(kv, '=');
    const char *key, *val;
    int i;

    if (!eq || eq == kv) {
        /* What an admin most often meant, said. */
        return apr_psprintf(p, "'%s': expected key=value%s", kv,
                            kv[0] == '#'
                            ? " (httpd takes no comment after a directive: "
                              "put it on a line of its own)"
                            : kv[0] == '-'
                            ? " (the command and its arguments are one "
                              "quoted argument: \"/usr/bin/php-cgi -d "
                              "x=1\")"
                            : "");
    }
    key = apr_pstrmemdup(p, kv, eq - kv);
    val = eq + 1;
    /* httpd strips only the quotes that open a word: key="v" would keep
     * them, and name a file '"v"' or a user '"v"'. */
    if (*val == '"' || *val == '\'') {
        return apr_psprintf(p, "'%s': a value keeps quotes put inside the "
                            "word; quote the whole word instead: "
                            "\"%s=...\"", kv, key);
    }

    for (i = 0; pa_int_keys[i].name; i++) {
        if (!strcmp(key, pa_int_keys[i].name)) {
            int *field = (int *)((char *)app + pa_int_keys[i].offset);

            /* All but the count are times. */
            return parse_uint(p, key, val, pa_int_keys[i].min,
                              PA_SECONDS_LIMIT, strcmp(key, "queue-limit"),
                              field);
        }
    }
    if (!strcmp(key, "max-requests") || !strcmp(key, "lifetime")) {
        /* N, or LO-HI: each worker slot then has a limit of its own in the
         * range, so that workers started together (all of them, at httpd's
         * start) are not all replaced at once (gunicorn's jitter). */
        int count = key[0] == 'm';
        int *lo = count ? &app->max_requests : &app->lifetime;
        int *hi = count ? &app->max_requests_hi : &app->lifetime_hi;
        const char *err = parse_range(p, key, val, 0,
                                      count ? INT_MAX : PA_SECONDS_LIMIT,
                                      !count, lo, hi);

        if (!err && *lo == 0 && *hi > 0) {
            err = apr_psprintf(p, "%s=%s: a range starts at 1 (0 alone "
                               "means never)", key, val);
        }
        return err;
    }
    if (!strcmp(key, "processes")) {
        /* A dynamic pool may start empty (0-N: on demand); any pool needs
         * room for one worker. */
        const char *err = parse_range(p, key, val, 0, PA_PROCS_LIMIT, 0,
                                      &app->min_procs, &app->max_procs);

        if (!err && app->max_procs < 1) {
            err = apr_psprintf(p, "processes=%s: must be at least 1 "
                               "(processes=0-N starts workers on demand)",
                               val);
        }
        return err;
    }
    if (!strcmp(key, "spare")) {
        *spare_given = 1;
        return parse_range(p, key, val, 0, PA_PROCS_LIMIT, 0,
                           &app->spare_min, &app->spare_max);
    }
    if (!strcmp(key, "protocol")) {
        if (!strcasecmp(val, "fastcgi")) {
            app->protocol = PA_PROTO_FASTCGI;
        }
        else if (!strcasecmp(val, "scgi")) {
            app->protocol = PA_PROTO_SCGI;
        }
        else if (!strcasecmp(val, "cgi")) {
            app->protocol = PA_PROTO_CGI;
        }
        else {
            return apr_psprintf(p, "protocol=%s: must be fastcgi, scgi or cgi",
                                val);
        }
        return NULL;
    }
    if (!strcmp(key, "user")) {
        gid_t primary;
        long id = hash_id(val);
        /* As httpd's User #N: the workers get the groups of its name. */
        struct passwd *pw = id >= 0 ? getpwuid((uid_t)id) : NULL;
        const char *name = id < 0 ? val
                           : pw ? apr_pstrdup(p, pw->pw_name) : NULL;

        if (!name || apr_uid_get(&app->uid, &primary, name, p)
                     != APR_SUCCESS) {
            if (stopping(cmd->temp_pool)) {
                app->user = val;        /* deleted since the start */
                return NULL;
            }
            return apr_psprintf(p, "user=%s: no such user%s", val,
                                id >= 0 ? " (no name has that uid in the "
                                          "user database)" : "");
        }
        if (app->uid == 0) {
            return apr_psprintf(p, "user=%s: workers may not run as root "
                                "(httpd's User may not either)", val);
        }
        if (!app->group) {
            app->gid = primary;         /* group= wins, before or after */
        }
        app->user = name;
        return NULL;
    }
    if (!strcmp(key, "group")) {
        long id = hash_id(val);

        if (id >= 0) {
            app->gid = (gid_t)id;       /* as httpd's Group #N */
        }
        else if (apr_gid_get(&app->gid, val, p) != APR_SUCCESS
                 && !stopping(cmd->temp_pool)) {
            return apr_psprintf(p, "group=%s: no such group", val);
        }
        app->group = val;
        return NULL;
    }
    if (!strcmp(key, "keep-conn")) {
        return parse_choice(p, key, val, "on", "off", &app->keep_conn);
    }
    if (!strcmp(key, "sched")) {
        return parse_choice(p, key, val, "batch", "normal", &app->sched_batch);
    }
    if (!strcmp(key, "ignore-client-abort")) {
        return parse_choice(p, key, val, "on", "off",
                            &app->ignore_client_abort);
    }
    if (!strcmp(key, "nice")) {
        int neg = val[0] == '-';
        const char *err = parse_uint(p, key, val + neg, 0, neg ? 20 : 19, 0,
                                     &app->nice);

        if (err) {
            return apr_psprintf(p, "nice=%s: must be a whole number from -20 "
                                "to 19", val);
        }
        app->nice = neg ? -app->nice : app->nice;
        return NULL;
    }
    if (!strcmp(key, "rlimit-files")) {
        return parse_uint(p, key, val, 1, INT_MAX, 0, &app->rlimit_files);
    }
    if (!strcmp(key, "rlimit-core")) {
        const char *err;

        if (!strcasecmp(val, "unlimited")) {
            app->rlimit_core = PA_RLIMIT_UNLIMITED;
            return NULL;
        }
        err = parse_size(val, &app->rlimit_core);
        return err ? apr_psprintf(p, "rlimit-core=%s %s; or unlimited", val,
                                  err) : NULL;
    }
    if (!strcmp(key, "cwd")) {
        const char *why;

        if (app->chroot && *val != '/') {
            return apr_psprintf(p, "cwd=%s: with chroot=, a path inside it, "
                                "from its root (/...)", val);
        }
        app->dir = !*val ? NULL
                   : app->chroot ? val : ap_server_root_relative(p, val);
        if (!app->dir) {
            return apr_psprintf(p, "cwd=%s: not a valid path", val);
        }
        /* Else every worker would fail its chdir: a crash loop. */
        if (!stopping(cmd->temp_pool)
            && (why = not_a_dir(p, pa_app_host_path(p, app, app->dir)))) {
            return apr_psprintf(p, "cwd=%s: %s", app->dir, why);
        }
        return NULL;
    }
    if (!strcmp(key, "chroot")) {
        return parse_chroot(cmd, app, val);
    }
    if (!strcmp(key, "x-sendfile")) {
        return parse_sendfile_dirs(cmd, app, val);
    }
    if (!strcmp(key, "touch-reload")) {
        app->touch_reload = *val ? ap_server_root_relative(p, val) : NULL;
        if (!app->touch_reload) {
            return apr_psprintf(p, "touch-reload=%s: not a valid path", val);
        }
        return NULL;
    }
    if (!strcmp(key, "max-memory")) {
        const char *err = parse_size(val, &app->max_memory);

        if (err) {
            return apr_psprintf(p, "max-memory=%s %s", val, err);
        }
        if (app->max_memory && app->max_memory < ((apr_off_t)1 << 20)) {
            return apr_psprintf(p, "max-memory=%s: must be 0 (off) or at "
                                "least 1M", val);
        }
        return NULL;
    }
    if (!strcmp(key, "reply-buffer")) {
        apr_off_t n;
        const char *err = parse_size(val, &n);

        if (err) {
            return apr_psprintf(p, "reply-buffer=%s %s", val, err);
        }
        if (n > PA_REPLY_BUFFER_MAX) {
            return apr_psprintf(p, "reply-buffer=%s: at most 1G", val);
        }
        app->reply_buffer = (apr_size_t)n;
        return NULL;
    }
    if (!strcmp(key, "reply-spool")) {
        const char *err = parse_size(val, &app->reply_spool);

        if (err) {
            return apr_psprintf(p, "reply-spool=%s %s", val, err);
        }
        return NULL;
    }
    if (!strcmp(key, "body-spool")) {
        const char *err = parse_size(val, &app->body_spool);

        if (err) {
            return apr_psprintf(p, "body-spool=%s %s", val, err);
        }
        return NULL;
    }
    if (!strcmp(key, "cache-ignore-params")) {
        char *list = apr_pstrdup(p, val), *word, *state;

        app->cache_ignore = apr_array_make(p, 4, sizeof(const char *));
        for (word = apr_strtok(list, ", ", &state); word;
             word = apr_strtok(NULL, ", ", &state)) {
            if (strpbrk(word, "&=#")) {
                return apr_psprintf(p, "cache-ignore-params=%s: '%s' is no "
                                    "parameter name", val, word);
            }
            APR_ARRAY_PUSH(app->cache_ignore, const char *) = word;
        }
        if (!app->cache_ignore->nelts) {
            return "cache-ignore-params=: names no parameter";
        }
        return NULL;
    }
    if (!strcmp(key, "error-override")) {
        return parse_error_override(p, app, val);
    }
    if (!strcmp(key, "cache")) {
        if (!valid_name(val)) {
            return apr_psprintf(p, "cache=%s: not a valid zone name "
                                PA_NAME_RULE, val);
        }
        app->cache_name = val;
        return NULL;
    }
    return unknown_key(p, key, app->scripts != NULL);
}

/* Whether this process has capability cap (CAP_SYS_NICE...) in effect:
 * root in a container or under systemd's CapabilityBoundingSet= may not. */
static int has_capability(int cap)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    unsigned long long eff;
    int has = geteuid() == 0;           /* no /proc: root's word for it */

    if (!f) {
        return has;
    }
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "CapEff: %llx", &eff) == 1) {
            has = (eff >> cap) & 1;
            break;
        }
    }
    fclose(f);
    return has;
}

/* Whether workers forked by this process may run at a negative nice. */
static int may_raise_priority(int nice)
{
    struct rlimit rl;

    return has_capability(CAP_SYS_NICE)
           || (getrlimit(RLIMIT_NICE, &rl) == 0
               && (rl.rlim_cur == RLIM_INFINITY
                   || (rlim_t)(20 - nice) <= rl.rlim_cur));
}

/* Why workers forked by this process may not have limit resource at want
 * (raising a hard limit needs CAP_SYS_RESOURCE; no process may have more
 * open files than fs.nr_open), or NULL. */
static const char *limit_refused(apr_pool_t *p, int resource, rlim_t want,
                                 const char *key, const char *val)
{
    struct rlimit rl;
    FILE *f;
    unsigned long nr_open;

    if (resource == RLIMIT_NOFILE
        && (f = fopen("/proc/sys/fs/nr_open", "r")) != NULL) {
        int got = fscanf(f, "%lu", &nr_open);

        fclose(f);
        if (got == 1 && want > (rlim_t)nr_open) {
            return apr_psprintf(p, "%s=%s: above the system's most (%lu, "
                                "sysctl fs.nr_open)", key, val, nr_open);
        }
    }
    if (getrlimit(resource, &rl) != 0 || rl.rlim_max == RLIM_INFINITY
        || want <= rl.rlim_max || has_capability(CAP_SYS_RESOURCE)) {
        return NULL;
    }
    return apr_psprintf(p, "%s=%s: above httpd's hard limit (%" APR_UINT64_T_FMT
                        "); raising it needs httpd started as root%s", key,
                        val, (apr_uint64_t)rl.rlim_max,
                        geteuid() == 0 ? ", with the capability "
                                         "CAP_SYS_RESOURCE, which it lacks"
                                       : "");
}

/* A key=value whose key an earlier one of argv[2..i) has already set: the
 * admin meant one of them, and which is not for us to guess. */
static const char *repeated_key(apr_pool_t *p, char *const argv[], int i)
{
    apr_size_t klen = strcspn(argv[i], "=");
    int j;

    if (!argv[i][klen]) {
        return NULL;            /* not key=value: set_app_key() says so */
    }
    for (j = 2; j < i; j++) {
        if (strcspn(argv[j], "=") == klen && !strncmp(argv[j], argv[i], klen)) {
            return apr_psprintf(p, "'%.*s' given twice (%s, %s)", (int)klen,
                                argv[i], argv[j], argv[i]);
        }
    }
    return NULL;
}

/* ": /usr/bin/NAME?" for a bare program name that PATH holds, else "". */
static const char *in_path(apr_pool_t *p, const char *name)
{
    const char *path = getenv("PATH");
    char *dirs, *dir, *state, *full;

    if (!path || strchr(name, '/')) {
        return "";
    }
    dirs = apr_pstrdup(p, path);
    for (dir = apr_strtok(dirs, ":", &state); dir;
         dir = apr_strtok(NULL, ":", &state)) {
        full = apr_pstrcat(p, dir, "/", name, NULL);
        if (dir[0] == '/' && access(full, X_OK) == 0) {
            return apr_pstrcat(p, ": ", full, "?", NULL);
        }
    }
    return "";
}

/* The quote a word of cmdline opens and never closes, or 0:
 * apr_tokenize_to_argv() would take the rest of the line as that word. Its
 * rules: a quote opens only at a word's start, and a backslash keeps a
 * blank or a quote after it in the word. */
static char unclosed_quote(const char *c)
{
    while (*c) {
        char quote = 0;

        while (*c == ' ' || *c == '\t') {
            c++;
        }
        if (*c == '"' || *c == '\'') {
            quote = *c++;
        }
        for (; *c; c++) {
            if (*c == '\\' && c[1] && strchr(" \t\"'", c[1])) {
                c++;
            }
            else if (quote ? *c == quote : (*c == ' ' || *c == '\t')) {
                break;
            }
        }
        if (!*c) {
            return quote;
        }
        c++;
    }
    return 0;
}

/* What runs a program: the interpreter its "#!" line names (a line with a
 * carriage return in it: a file with Windows line ends), or an ELF
 * program's loader. */
typedef enum {
    PA_RUN_BY_SCRIPT, PA_RUN_BY_SCRIPT_CR, PA_RUN_BY_ELF
} pa_run_by_e;

/* Whether a "#!" line (len bytes from c, after the "#!") can run with a
 * carriage return at its end: under perl with an argument after its name
 * ("/usr/bin/perl -w": perl takes "-w\r"), or through env -S, which
 * splits what follows it on the return too ("/usr/bin/env -S python3").
 * (The kernel passes what follows the interpreter's name as one argument:
 * "/usr/bin/env perl" asks env for "perl\r".) */
static int runs_despite_cr(const char *c, apr_size_t len)
{
    apr_size_t n = strcspn(c, " \t\r");
    const char *slash = memrchr(c, '/', n < len ? n : len);
    const char *name = slash ? slash + 1 : c, *next = c + n;

    if (n >= len) {
        return 0;
    }
    if (c + n - name >= 4 && !strncmp(name, "perl", 4)) {
        const char *t;

        /* (An argument of blanks and the return alone: perl is asked to
         * run a script named "\r". A tab right after a switch: perl takes
         * it, and the return, for a switch.) */
        if ((*next != ' ' && *next != '\t')
            || next[strspn(next, " \t")] == '\r') {
            return 0;
        }
        for (t = next + strspn(next, " \t"); t < c + len; t++) {
            if (*t == '\t' && t[-1] != ' ' && t[-1] != '\t') {
                return 0;
            }
        }
        return 1;
    }
    next += strspn(next, " \t");
    return c + n - name == 3 && !strncmp(name, "env", 3)
           && !strncmp(next, "-S", 2) && (next[2] == ' ' || next[2] == '\t');
}

/* What the kernel needs to run the program at host, an absolute path, ""
 * if nothing or unknown: the interpreter a "#!" line names, or a
 * dynamically linked ELF program's loader, of this machine's word size.
 * Opened without blocking (a FIFO put in its place), regular files only. */
static const char *interpreter_of(apr_pool_t *p, const char *host,
                                  pa_run_by_e *by)
{
    char head[256];
    const char *found = "";
    ElfW(Ehdr) eh;
    ElfW(Phdr) ph;
    struct stat st;
    ssize_t n;
    int fd, i;

    *by = PA_RUN_BY_ELF;
    fd = open(host, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return found;
    }
    n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
        ? pread(fd, head, sizeof(head) - 1, 0) : -1;
    if (n > 2 && head[0] == '#' && head[1] == '!') {
        char *c = head + 2;
        apr_size_t word, line;

        head[n] = '\0';
        c += strspn(c, " \t");
        word = strcspn(c, " \t\n");
        line = strcspn(c, "\n");
        /* A carriage return the kernel takes as part of the interpreter's
         * name or of its argument: the file cannot run, but where it can
         * (runs_despite_cr()). With one, the whole line, up to it, for the
         * message. */
        *by = memchr(c, '\r', word)
              || (memchr(c, '\r', line) && !runs_despite_cr(c, line))
              ? PA_RUN_BY_SCRIPT_CR : PA_RUN_BY_SCRIPT;
        found = apr_pstrmemdup(p, c, *by == PA_RUN_BY_SCRIPT_CR
                                     ? strcspn(c, "\r") : word);
    }
    else if (n >= (ssize_t)sizeof(eh) && !memcmp(head, ELFMAG, SELFMAG)) {
        memcpy(&eh, head, sizeof(eh));
        for (i = 0; eh.e_ident[EI_CLASS] == (__ELF_NATIVE_CLASS == 64
                                              ? ELFCLASS64 : ELFCLASS32)
                    && eh.e_phentsize == sizeof(ph) && i < eh.e_phnum; i++) {
            if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph)))
                != (ssize_t)sizeof(ph)) {
                break;
            }
            if (ph.p_type == PT_INTERP) {
                char *path = apr_pcalloc(p, PATH_MAX);

                if (ph.p_filesz < PATH_MAX
                    && pread(fd, path, ph.p_filesz, (off_t)ph.p_offset)
                       == (ssize_t)ph.p_filesz) {
                    found = path;
                }
                break;
            }
        }
    }
    close(fd);
    return *found == '/' || *by == PA_RUN_BY_SCRIPT_CR ? found : "";
}

/* Whether path (absolute) is an executable file for the app: 1, 0 if it
 * is not there, -1 if it is not an executable file. In a chroot= its links
 * are followed as the kernel will for the workers, from the jail's root
 * (openat2(RESOLVE_IN_ROOT)); where the kernel has no openat2 (before
 * Linux 5.6), the jail is not looked into: 1. */
static int app_runs_file(const pa_app_t *app, const char *path)
{
    struct open_how how;
    struct stat st;
    int root, fd, err;

    if (!app->chroot) {
        if (stat(path, &st) != 0) {
            return 0;
        }
        return S_ISREG(st.st_mode) && access(path, X_OK) == 0 ? 1 : -1;
    }
    root = open(*app->chroot ? app->chroot : "/",
                O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        return 1;                       /* parse_chroot() checked it */
    }
    memset(&how, 0, sizeof(how));
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT;
    fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
    err = errno;
    close(root);
    if (fd < 0) {
        return err == ENOENT || err == ENOTDIR || err == ELOOP ? 0 : 1;
    }
    err = fstat(fd, &st);
    close(fd);
    return err == 0 && (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
           ? -1 : 1;
}

/* The command is one argument, split on blanks and never given to a shell;
 * its program must exist and be executable now, not at the first request. */
static const char *set_app_command(cmd_parms *cmd, pa_app_t *app,
                                   const char *cmdline)
{
    apr_pool_t *p = cmd->pool;
    char **argv;
    const char *exe;
    char *slash;
    const char *interp;
    apr_finfo_t fi;
    char quote = unclosed_quote(cmdline);
    pa_run_by_e by;
    int runs;

    if (quote) {
        return apr_psprintf(p, "command %s: a quote (%c) is not closed",
                            cmdline, quote);
    }
    if (apr_tokenize_to_argv(cmdline, &argv, p) != APR_SUCCESS || !argv[0]) {
        return "the command is empty";
    }
    if (app->chroot && argv[0][0] != '/') {
        return apr_psprintf(p, "command '%s': with chroot=, a path inside "
                            "it, from its root (/...)", argv[0]);
    }
    exe = app->chroot ? argv[0] : ap_server_root_relative(p, argv[0]);
    if (!exe) {
        return apr_psprintf(p, "bad command path '%s'", argv[0]);
    }
    if (!stopping(cmd->temp_pool)) {
        const char *host = pa_app_host_path(p, app, exe);

        if (apr_stat(&fi, host, APR_FINFO_TYPE, p) != APR_SUCCESS) {
            /* A path with blanks, split into words. */
            const char *whole = argv[1] ? ap_server_root_relative(p, cmdline)
                                        : NULL;

            whole = whole ? pa_app_host_path(p, app, whole) : NULL;

            return apr_psprintf(p, "command '%s' does not exist%s", host,
                                whole && access(whole, X_OK) == 0
                                ? apr_psprintf(p, " (the command line is "
                                               "split on blanks: put a path "
                                               "with blanks in single "
                                               "quotes, \"'%s'\")",
                                               cmdline)
                                : argv[0][0] == '/' || app->chroot ? ""
                                : apr_psprintf(p, " ('%s' is taken from "
                                               "ServerRoot; PATH is not "
                                               "searched%s)", argv[0],
                                               in_path(p, argv[0])));
        }
        if (fi.filetype != APR_REG || access(host, X_OK) != 0) {
            return apr_psprintf(p, "command '%s' is not an executable file",
                                host);
        }
        interp = interpreter_of(p, host, &by);
        if (by == PA_RUN_BY_SCRIPT_CR) {
            return apr_psprintf(p, "command '%s': its #! line (#!%s) ends "
                                "in a carriage return, which the kernel "
                                "takes as part of its last word: a file "
                                "with Windows line ends", host, interp);
        }
        if (*interp && (runs = app_runs_file(app, interp)) < 1) {
            return apr_psprintf(p, "command '%s': %s %s %s%s", host,
                                by == PA_RUN_BY_ELF
                                ? "its ELF loader"
                                : "the interpreter its #! line names,",
                                pa_app_host_path(p, app, interp),
                                runs ? "is not an executable file"
                                     : "is not there",
                                app->chroot ? " (chroot= must hold "
                                              "everything the program loads)"
                                            : "");
        }
    }
    argv[0] = (char *)exe;
    app->cmdline = cmdline;
    app->argv = (const char **)argv;
    app->dir = apr_pstrdup(p, exe);
    slash = strrchr((char *)app->dir, '/');
    slash[slash == app->dir ? 1 : 0] = '\0';
    return NULL;
}

/* A pool NAME with the README's defaults, defined at the directive. */
static pa_app_t *new_app(cmd_parms *cmd, const char *name)
{
    pa_app_t *app = apr_pcalloc(cmd->pool, sizeof(*app));

    app->name = name;
    app->protocol = PA_PROTO_FASTCGI;
    app->min_procs = app->max_procs = 4;
    app->spare_min = 1;
    app->spare_max = 4;
    app->idle_timeout = 60;
    app->request_timeout = 60;
    app->keep_conn = -1;                /* decided by the protocol */
    app->queue_timeout = 30;
    app->die_timeout = 10;
    app->start_delay = 1;
    app->sched_batch = 1;
    app->rlimit_core = -1;
    app->reply_buffer = PA_REPLY_BUFFER_DEFAULT;
    app->uid = (uid_t)-1;
    app->gid = (gid_t)-1;
    app->env = apr_array_make(cmd->pool, 4, sizeof(const char *));
    app->file = cmd->directive->filename;
    app->line = cmd->directive->line_num;
    return app;
}

/* httpd's refusal of a pool's line outside the top level, and where the
 * line goes instead. */
static const char *pool_context(cmd_parms *cmd)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    return err ? apr_pstrcat(cmd->pool, err, " (pools are defined at the "
                             "top level; a <VirtualHost> names its own with "
                             "SetHandler prefork-app:NAME inside it, which "
                             "keeps other hosts from it)", NULL)
               : NULL;
}

/* Whether NAME is taken by an app or a PreforkAppScripts line. */
static const char *name_taken(cmd_parms *cmd, const pa_server_conf_t *conf,
                              const char *what, const char *name)
{
    const pa_app_t *app = pa_find_app(conf, name);
    const pa_scripts_t *sc = app ? NULL : pa_find_scripts(conf, name);

    if (app || sc) {
        return apr_psprintf(cmd->pool, "%s: duplicate app name '%s', "
                            "defined at %s:%d (names are told apart without "
                            "regard to case, as httpd does handler names)",
                            what, name, app ? app->file : sc->file,
                            app ? app->line : sc->line);
    }
    return NULL;
}

/* The chroot= among argv[2..argc) (the command and cwd= are paths inside
 * it: it comes first). */
static const char *app_chroot(cmd_parms *cmd, pa_app_t *app, int argc,
                              char *const argv[])
{
    const char *err;
    int i, spare_given = 0;

    for (i = 2; i < argc; i++) {
        if (!strncmp(argv[i], "chroot=", 7)
            && (err = set_app_key(cmd, app, argv[i], &spare_given))) {
            return err;
        }
    }
    return NULL;
}

/* The key=value words argv[2..argc) of a PreforkApp or PreforkAppScripts
 * line, and what they must agree on. */
static const char *app_keys(cmd_parms *cmd, pa_app_t *app, int argc,
                            char *const argv[])
{
    const char *err;
    int i, spare_given = 0;

    for (i = 2; i < argc; i++) {
        if ((err = repeated_key(cmd->pool, argv, i))
            || (err = set_app_key(cmd, app, argv[i], &spare_given))) {
            return err;
        }
    }
    if (!spare_given && app->min_procs == 0) {
        /* On demand: no idle worker is kept, so the pool goes back to
         * none once each has been idle for idle-timeout. */
        app->spare_min = app->spare_max = 0;
    }
    if (spare_given && app->min_procs == app->max_procs) {
        /* (processes=4-4 is MIN-MAX too, and static.) */
        return apr_psprintf(cmd->pool, "spare= needs a dynamic pool "
                            "(processes=MIN-MAX with MIN below MAX; "
                            "processes=%d-%d is static)", app->min_procs,
                            app->max_procs);
    }
    if (spare_given && app->spare_min > app->max_procs) {
        return apr_psprintf(cmd->pool, "spare=%d-%d: more idle workers than "
                            "processes=%d-%d allows", app->spare_min,
                            app->spare_max, app->min_procs, app->max_procs);
    }
    if (app->min_procs != app->max_procs && app->spare_max > app->max_procs) {
        app->spare_max = app->max_procs;
    }
    if (app->spare_min > app->spare_max) {
        return apr_psprintf(cmd->pool, "spare=%d-%d: the maximum is below "
                            "the minimum", app->spare_min, app->spare_max);
    }
    if (app->group && !app->user) {
        return "group= needs user=";
    }
    if (app->rlimit_files
        && (err = limit_refused(cmd->pool, RLIMIT_NOFILE, app->rlimit_files,
                                "rlimit-files",
                                apr_itoa(cmd->pool, app->rlimit_files)))) {
        return err;
    }
    if (app->rlimit_core >= 0
        && (err = limit_refused(cmd->pool, RLIMIT_CORE,
                                app->rlimit_core == PA_RLIMIT_UNLIMITED
                                ? RLIM_INFINITY : (rlim_t)app->rlimit_core,
                                "rlimit-core",
                                app->rlimit_core == PA_RLIMIT_UNLIMITED
                                ? "unlimited"
                                : apr_off_t_toa(cmd->pool,
                                                app->rlimit_core)))) {
        return err;
    }
    if (app->nice < 0 && !may_raise_priority(app->nice)) {
        return apr_psprintf(cmd->pool, "nice=%d: raising the priority needs "
                            "httpd started as root%s (or RLIMIT_NICE)",
                            app->nice, geteuid() == 0
                            ? ", with the capability CAP_SYS_NICE, which it "
                              "lacks" : "");
    }
    return NULL;
}

static void add_app(pa_server_conf_t *conf, pa_app_t *app, apr_pool_t *p)
{
    char *key = apr_pstrdup(p, app->name);

    app->index = conf->apps->nelts;
    APR_ARRAY_PUSH(conf->apps, pa_app_t *) = app;
    ap_str_tolower(key);
    apr_hash_set(conf->apps_by_name, key, APR_HASH_KEY_STRING, app);
}

static const char *cmd_prefork_app(cmd_parms *cmd, void *dummy,
                                   int argc, char *const argv[])
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    const char *err = pool_context(cmd);
    pa_app_t *app;

    if (err) {
        return err;
    }
    if (argc < 2) {
        return "PreforkApp: usage: PreforkApp NAME \"COMMAND [ARGS]\" [key=value ...]";
    }
    if (!valid_name(argv[0])) {
        return apr_psprintf(cmd->pool, "PreforkApp: '%s' is not a valid app "
                            "name " PA_NAME_RULE, argv[0]);
    }
    if ((err = name_taken(cmd, conf, "PreforkApp", argv[0]))) {
        return err;
    }
    app = new_app(cmd, argv[0]);
    if ((err = app_chroot(cmd, app, argc, argv))
        || (err = set_app_command(cmd, app, argv[1]))
        || (err = app_keys(cmd, app, argc, argv))) {
        return apr_pstrcat(cmd->pool, "PreforkApp ", app->name, ": ", err,
                           NULL);
    }
    add_app(conf, app, cmd->pool);
    return NULL;
}

/* PreforkAppScripts' directory, when its pattern has no wildcard there:
 * missing, it is a typo (an empty one is not: the programs may come). */
static const char *scripts_dir_missing(cmd_parms *cmd, const char *pattern)
{
    const char *slash = strrchr(pattern, '/');
    const char *dir, *why;

    if (!slash || stopping(cmd->temp_pool)) {
        return NULL;
    }
    dir = apr_pstrmemdup(cmd->temp_pool, pattern,
                         slash == pattern ? 1 : slash - pattern);
    if (apr_fnmatch_test(dir) || !(why = not_a_dir(cmd->pool, dir))) {
        return NULL;
    }
    return apr_psprintf(cmd->pool, "directory %s: %s", dir, why);
}

static const char *cmd_prefork_app_scripts(cmd_parms *cmd, void *dummy,
                                           int argc, char *const argv[])
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    const char *err = pool_context(cmd);
    pa_scripts_t *sc;
    char **keys, *key;
    int i, nkeys = 2;

    if (err) {
        return err;
    }
    if (argc < 2) {
        return "PreforkAppScripts: usage: PreforkAppScripts NAME \"PATTERN\" "
               "[key=value ...]";
    }
    if (!valid_name(argv[0]) || strlen(argv[0]) > PA_SCRIPTS_NAME_MAX) {
        return apr_psprintf(cmd->pool, "PreforkAppScripts: '%s' is not a "
                            "valid name (letters, digits, '_', '-', '.'; at "
                            "most " APR_STRINGIFY(PA_SCRIPTS_NAME_MAX) ", "
                            "as its pools are named NAME:FILE)", argv[0]);
    }
    if ((err = name_taken(cmd, conf, "PreforkAppScripts", argv[0]))) {
        return err;
    }
    sc = apr_pcalloc(cmd->pool, sizeof(*sc));
    sc->name = argv[0];
    sc->file = cmd->directive->filename;
    sc->line = cmd->directive->line_num;
    sc->apps = apr_array_make(cmd->pool, 4, sizeof(pa_app_t *));
    sc->by_path = apr_hash_make(cmd->pool);
    sc->by_file = apr_hash_make(cmd->pool);
    sc->skipped = apr_array_make(cmd->pool, 1, sizeof(const char *));
    sc->spares = apr_array_make(cmd->pool, 1, sizeof(pa_app_t *));
    sc->new_programs = PA_NEW_PROGRAMS_DEFAULT;
    sc->pattern = ap_server_root_relative(cmd->pool, argv[1]);
    if (!sc->pattern || !*argv[1]) {
        return apr_psprintf(cmd->pool, "PreforkAppScripts %s: '%s' is not a "
                            "valid path pattern", sc->name, argv[1]);
    }
    /* Each program is its own command, in its own directory, on demand
     * (mod_fcgid's classes start with the first request). */
    sc->tmpl = new_app(cmd, sc->name);
    sc->tmpl->scripts = sc;
    sc->tmpl->min_procs = 0;
    sc->tmpl->max_procs = 4;
    /* The line's own key; the others are PreforkApp's. */
    keys = apr_pmemdup(cmd->temp_pool, argv, argc * sizeof(*argv));
    for (i = 2; i < argc && !err; i++) {
        if (!strncmp(argv[i], "chroot=", 7)) {
            err = "chroot= is not for PreforkAppScripts (its programs are "
                  "found outside any root; use PreforkApp)";
        }
        else if (!strncmp(argv[i], "new-programs=", 13)) {
            if (!(err = repeated_key(cmd->pool, argv, i))) {
                err = parse_uint(cmd->pool, "new-programs", argv[i] + 13, 0,
                                 PA_NEW_PROGRAMS_MAX, 0, &sc->new_programs);
            }
        }
        else {
            keys[nkeys++] = argv[i];
        }
    }
    if (err || (err = app_keys(cmd, sc->tmpl, nkeys, keys))
        || (err = scripts_dir_missing(cmd, sc->pattern))) {
        return apr_pstrcat(cmd->pool, "PreforkAppScripts ", sc->name, ": ",
                           err, NULL);
    }
    APR_ARRAY_PUSH(conf->scripts, pa_scripts_t *) = sc;
    key = apr_pstrdup(cmd->pool, sc->name);
    ap_str_tolower(key);
    apr_hash_set(conf->scripts_by_name, key, APR_HASH_KEY_STRING, sc);
    return NULL;
}

/* php-fpm takes php.ini values from the variables PHP_VALUE and
 * PHP_ADMIN_VALUE (ProxyFCGISetEnvIf, SetEnv); php-cgi reads neither, so a
 * line carried over from such a setup would silently do nothing. */
/* var (up to '=') is one of php-fpm's own: PHP_VALUE, PHP_ADMIN_VALUE. */
static int php_fpm_var(const char *var)
{
    apr_size_t n = strcspn(var, "=");

    return (n == 9 && !strncmp(var, "PHP_VALUE", n))
           || (n == 15 && !strncmp(var, "PHP_ADMIN_VALUE", n));
}

static void warn_php_fpm_only(server_rec *s, const ap_directive_t *d,
                              const char *var)
{
    apr_size_t n = strcspn(var, "=");

    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                 PALOGNO(00034) "%s:%d: %s %.*s: php-fpm reads php.ini values "
                 "from %.*s, php-cgi does not (it is ignored): give them with "
                 "-d on the app's command line, or in an ini file of a "
                 "directory in its PHP_INI_SCAN_DIR", d->filename,
                 d->line_num, d->directive, (int)n, var, (int)n, var);
}

static void php_fpm_only(cmd_parms *cmd, const char *var)
{
    if (php_fpm_var(var)) {
        warn_php_fpm_only(cmd->server, cmd->directive, var);
    }
}

/* Where NAME (nlen bytes) is in app's PreforkAppEnv entries, or -1. */
static int app_env_index(const pa_app_t *app, const char *name,
                         apr_size_t nlen)
{
    int i;

    for (i = 0; i < app->env->nelts; i++) {
        const char *e = APR_ARRAY_IDX(app->env, i, const char *);

        if (!strncmp(e, name, nlen) && e[nlen] == '=') {
            return i;
        }
    }
    return -1;
}

/* NAME's value in app's PreforkAppEnv entries, or NULL. */
static const char *app_env_get(const pa_app_t *app, const char *name)
{
    apr_size_t nlen = strlen(name);
    int i = app_env_index(app, name, nlen);

    return i < 0 ? NULL : APR_ARRAY_IDX(app->env, i, const char *) + nlen + 1;
}

/* Set again: the later line wins, as with SetEnv (a duplicate entry would
 * leave the choice to each program's getenv()). entry is "NAME=value",
 * NAME nlen bytes. */
static void app_env_set(pa_app_t *app, const char *entry, apr_size_t nlen)
{
    int i = app_env_index(app, entry, nlen);

    if (i < 0) {
        i = app->env->nelts;
        apr_array_push(app->env);
    }
    APR_ARRAY_IDX(app->env, i, const char *) = entry;
}

/* RAW_ARGS: httpd's TAKE3 counts an empty word ("") as a missing one,
 * TAKE_ARGV drops a last one, and an empty value is a common need
 * (PHP_INI_SCAN_DIR ""). */
static const char *cmd_prefork_app_env(cmd_parms *cmd, void *dummy,
                                       const char *args)
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *name, *var, *value;
    pa_app_t *app;
    pa_scripts_t *sc;
    const char *c;

    if (err) {
        return err;
    }
    name = ap_getword_conf(cmd->pool, &args);
    var = ap_getword_conf(cmd->pool, &args);
    value = *args ? ap_getword_conf(cmd->pool, &args) : NULL;
    if (!*name || !value || *args) {
        return "PreforkAppEnv takes three arguments, APP NAME VALUE (\"\" "
               "for an empty value)";
    }
    app = pa_find_app(conf, name);
    sc = app ? NULL : pa_find_scripts(conf, name);
    if (!app && !sc) {
        return apr_psprintf(cmd->pool, "PreforkAppEnv: no PreforkApp named "
                            "'%s'%s (define the app before its environment)",
                            name, app_suggestion(cmd->temp_pool, conf, name));
    }
    for (c = var; *c; c++) {
        if (!(apr_isalpha(*c) || *c == '_' || (c > var && apr_isdigit(*c)))) {
            break;
        }
    }
    if (!*var || *c) {
        return apr_psprintf(cmd->pool, "PreforkAppEnv %s: '%s' is not a valid "
                            "environment variable name", name, var);
    }
    php_fpm_only(cmd, var);
    value = apr_pstrcat(cmd->pool, var, "=", value, NULL);
    if (app) {
        app_env_set(app, value, (apr_size_t)(c - var));
        return NULL;
    }
    /* A PreforkAppScripts line's: each of its pools, made from it. */
    app_env_set(sc->tmpl, value, (apr_size_t)(c - var));
    return NULL;
}

/* "64M", "512K", "1G" or bytes. */
static const char *cmd_prefork_app_cache(cmd_parms *cmd, void *dummy,
                                         const char *name, const char *size)
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    pa_cache_zone_t *zone;
    apr_off_t bytes;

    if (err) {
        return err;
    }
    if (!valid_name(name)) {
        return apr_psprintf(cmd->pool, "PreforkAppCache: '%s' is not a valid "
                            "zone name " PA_NAME_RULE, name);
    }
    if ((zone = apr_hash_get(conf->zones_by_name, name,
                             APR_HASH_KEY_STRING))) {
        return apr_psprintf(cmd->pool, "PreforkAppCache: duplicate zone '%s', "
                            "defined at %s:%d", name, zone->file, zone->line);
    }
    if ((err = parse_size(size, &bytes)) != NULL) {
        return apr_psprintf(cmd->pool, "PreforkAppCache %s: size '%s' %s",
                            name, size, err);
    }
    /* The zone's offsets are 32 bits. */
    if (bytes < PA_ZONE_MIN || bytes >= ((apr_off_t)4 << 30)) {
        return apr_psprintf(cmd->pool, "PreforkAppCache %s: size '%s' must be "
                            "at least 64K and less than 4G", name, size);
    }
    zone = apr_pcalloc(cmd->pool, sizeof(*zone));
    zone->name = name;
    zone->size = (apr_size_t)bytes;
    zone->file = cmd->directive->filename;
    zone->line = cmd->directive->line_num;
    zone->index = conf->zones->nelts;
    APR_ARRAY_PUSH(conf->zones, pa_cache_zone_t *) = zone;
    apr_hash_set(conf->zones_by_name, zone->name, APR_HASH_KEY_STRING, zone);
    return NULL;
}

/* PreforkAppAlias URL-PATH NAME: the server's (or the virtual host's) URL
 * space under URL-PATH is the app's, with no file behind it (alias.c). The
 * app is looked for at the configuration check: it may be defined below. */
static const char *cmd_prefork_app_alias(cmd_parms *cmd, void *dummy,
                                         const char *path, const char *name)
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    apr_size_t len = pa_path_len(path);
    pa_alias_t *alias;
    int i;

    if (path[0] != '/' || strpbrk(path, "?#")) {
        return apr_psprintf(cmd->pool, "PreforkAppAlias %s: the URL path must "
                            "begin with '/' and have no query or fragment "
                            "('?', '#')", path);
    }
    for (i = 0; i < conf->aliases->nelts; i++) {
        alias = APR_ARRAY_IDX(conf->aliases, i, pa_alias_t *);
        if (alias->len == len && !strncmp(alias->path, path, len)) {
            return apr_psprintf(cmd->pool, "PreforkAppAlias %s: this host "
                                "has the URL path already (%s:%d)", path,
                                alias->file, alias->line);
        }
        /* The first line that covers a path wins (as mod_alias warns of
         * an Alias an earlier one overlaps). */
        if (pa_path_covers(alias->path, alias->len, path)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0,
                         cmd->server, PALOGNO(00032) "%s:%d: PreforkAppAlias "
                         "%s will never be used: %s (%s:%d) covers it (the "
                         "first line that covers a path wins: write the "
                         "longer path first)", cmd->directive->filename,
                         cmd->directive->line_num, path,
                         alias->len ? alias->path : "/", alias->file,
                         alias->line);
        }
    }
    alias = apr_pcalloc(cmd->pool, sizeof(*alias));
    alias->path = apr_pstrmemdup(cmd->pool, path, len);
    alias->len = len;
    alias->name = name;
    alias->file = cmd->directive->filename;
    alias->line = cmd->directive->line_num;
    APR_ARRAY_PUSH(conf->aliases, pa_alias_t *) = alias;
    return NULL;
}

/* Which path a path directive sets: its cmd->info. */
enum { PA_PATH_PIDFILE, PA_PATH_SOCKDIR, PA_PATH_TEMPDIR };

static const char *cmd_prefork_app_path(cmd_parms *cmd, void *dummy,
                                        const char *arg)
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    int which = (int)(apr_uintptr_t)cmd->info;
    const char *path, **file;
    int *line;

    if (err) {
        return err;
    }
    /* The pid file and sockets are run-time files, under
     * DefaultRuntimeDir; the spool directory is under ServerRoot, as
     * httpd's other paths are. */
    path = which == PA_PATH_TEMPDIR ? ap_server_root_relative(cmd->pool, arg)
                                    : ap_runtime_dir_relative(cmd->pool, arg);
    if (!path) {
        return apr_pstrcat(cmd->pool, cmd->cmd->name, ": bad path ", arg, NULL);
    }
    if (which == PA_PATH_SOCKDIR) {
        conf->sockdir = path;
        file = &conf->sockdir_file;
        line = &conf->sockdir_line;
    }
    else if (which == PA_PATH_TEMPDIR) {
        conf->tempdir = path;
        file = &conf->tempdir_file;
        line = &conf->tempdir_line;
    }
    else {
        conf->pidfile = path;
        file = &conf->pidfile_file;
        line = &conf->pidfile_line;
    }
    *file = cmd->directive->filename;
    *line = cmd->directive->line_num;
    return NULL;
}

static const char *cmd_prefork_app_max_procs(cmd_parms *cmd, void *dummy,
                                             const char *arg)
{
    pa_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &prefork_app_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);

    if (err) {
        return err;
    }
    if (parse_uint(cmd->pool, "PreforkAppMaxProcesses", arg, 1, 1000000, 0,
                   &conf->max_procs)) {
        return apr_psprintf(cmd->pool, "PreforkAppMaxProcesses %s: must be a "
                            "whole number from 1 to 1000000", arg);
    }
    conf->max_procs_file = cmd->directive->filename;
    conf->max_procs_line = cmd->directive->line_num;
    return NULL;
}

/* A section's directive that httpd's <Limit METHOD> would not limit: it
 * applies to every method, so inside one (PreforkAppAuthorizer None for
 * GET alone) it would open or close them all. Refused, as httpd refuses
 * its own there. */
static const char *not_in_limit(cmd_parms *cmd)
{
    return cmd->limited != -1
           ? apr_pstrcat(cmd->pool, cmd->cmd->name, " applies to every "
                         "method: it cannot be in <Limit> or <LimitExcept>; "
                         "to ask an authorizer for some methods only, use "
                         "two <Location> sections with <If \"%{REQUEST_METHOD} "
                         "...\">, or Require's own methods", NULL)
           : NULL;
}

/* The apps a status page here shows (their names are checked once every
 * PreforkApp is known: check_handlers()). */
static const char *cmd_status_apps(cmd_parms *cmd, void *dconf, int argc,
                                   char *const argv[])
{
    pa_dir_conf_t *conf = dconf;
    const char *err = not_in_limit(cmd);
    int i;

    if (err) {
        return err;
    }
    if (argc < 1) {
        return "PreforkAppStatusApps takes one or more app names";
    }
    /* A long list may take several lines, as Require's and AddHandler's. */
    if (!conf->status_apps) {
        conf->status_apps = apr_table_make(cmd->pool, argc);
    }
    for (i = 0; i < argc; i++) {
        apr_table_setn(conf->status_apps, argv[i], "");
    }
    return NULL;
}

/* PreforkAppSetEnvIf COND [!]NAME [VALUE]: mod_proxy_fcgi's
 * ProxyFCGISetEnvIf, the last word on the variables an app is sent. */
static const char *cmd_set_env_if(cmd_parms *cmd, void *dconf,
                                  const char *cond, const char *name,
                                  const char *value)
{
    pa_dir_conf_t *conf = dconf;
    pa_env_fixup_t *f;
    const char *err = not_in_limit(cmd), *c;
    int unset = name[0] == '!';

    if (err) {
        return err;
    }
    name += unset;
    for (c = name; *c && *c != '=' && !apr_isspace(*c) && !apr_iscntrl(*c);
         c++) {
    }
    if (!*name || *c) {
        return apr_psprintf(cmd->pool, "PreforkAppSetEnvIf: '%s' is not a "
                            "variable name", name);
    }
    if (unset && value) {
        return apr_psprintf(cmd->pool, "PreforkAppSetEnvIf: !%s unsets the "
                            "variable; no value goes after it", name);
    }
    if (!unset) {
        php_fpm_only(cmd, name);
    }
    if (!conf->env_fixups) {
        conf->env_fixups = apr_array_make(cmd->pool, 2, sizeof(*f));
    }
    f = apr_array_push(conf->env_fixups);
    f->name = name;
    f->cond = ap_expr_parse_cmd(cmd, cond, 0, &err, NULL);
    if (err) {
        return apr_psprintf(cmd->pool, "PreforkAppSetEnvIf: cannot parse the "
                            "condition \"%s\": %s", cond, err);
    }
    f->value = unset ? NULL
               : ap_expr_parse_cmd(cmd, value ? value : "",
                                   AP_EXPR_FLAG_STRING_RESULT, &err, NULL);
    if (err) {
        return apr_psprintf(cmd->pool, "PreforkAppSetEnvIf: cannot parse the "
                            "value \"%s\": %s", value, err);
    }
    return NULL;
}

static const char *cmd_status_cache_drop(cmd_parms *cmd, void *dconf,
                                         int on)
{
    ((pa_dir_conf_t *)dconf)->status_cache_drop = on ? PA_FLAG_ON
                                                     : PA_FLAG_OFF;
    return not_in_limit(cmd);
}

/* PreforkAppAuthorizer and PreforkAppAuthenticator (cmd->info: which). */
static const char *cmd_auth_app(cmd_parms *cmd, void *dconf,
                                const char *name)
{
    pa_dir_conf_t *conf = dconf;
    const char *value = strcasecmp(name, "None") ? name : "";
    const char *err = not_in_limit(cmd);

    if (err) {
        return err;
    }
    if (cmd->info) {
        conf->authenticator = value;
    }
    else {
        conf->authorizer = value;
    }
    return NULL;
}

/* What marks the PA_STATUS_PLACED lines guard_status() adds (in their
 * ap_directive_t's data): no other is taken. */
static const char placed_by_module[] = "mod_prefork_app";

/* by: PA_PLACED_BY_SET next to a SetHandler, PA_PLACED_BY_ADD and the
 * extensions next to an AddHandler, "" next to a RewriteRule. */
static const char *cmd_status_placed(cmd_parms *cmd, void *dconf,
                                     const char *by)
{
    pa_dir_conf_t *conf = dconf;
    apr_size_t alen = sizeof(PA_PLACED_BY_ADD) - 1;

    if (!cmd->directive || cmd->directive->data != placed_by_module) {
        return PA_STATUS_PLACED " is the module's own mark where the "
               "configuration files set the status handler, not a "
               "directive to write (use SetHandler prefork-app-status)";
    }

    if (cmd->path || !strcmp(by, PA_PLACED_BY_SET)) {
        conf->status_placed |= PA_PLACED_SECTION;
        return NULL;
    }
    conf->status_placed |= PA_PLACED_TOP;
    if (!strncmp(by, PA_PLACED_BY_ADD, alen) && apr_isspace(by[alen])) {
        /* Which files the top level makes status pages: where another
         * file has the handler, an .htaccess gave it (status.c). */
        const char *args = by + alen;
        char *ext;

        if (!conf->status_exts) {
            conf->status_exts = apr_array_make(cmd->pool, 2, sizeof(char *));
        }
        while (*(ext = ap_getword_conf(cmd->pool, &args))) {
            ext += *ext == '.';
            ap_str_tolower(ext);
            APR_ARRAY_PUSH(conf->status_exts, char *) = ext;
        }
    }
    return NULL;
}

const command_rec pa_cmds[] = {
    AP_INIT_TAKE_ARGV("PreforkApp", cmd_prefork_app, NULL, RSRC_CONF,
        "NAME \"COMMAND [ARGS]\" [key=value ...]: an application pool"),
    AP_INIT_TAKE_ARGV("PreforkAppScripts", cmd_prefork_app_scripts, NULL,
                      RSRC_CONF, "NAME \"PATTERN\" [key=value ...]: a pool "
                      "for each program the pattern matches, named NAME:FILE"),
    AP_INIT_RAW_ARGS("PreforkAppEnv", cmd_prefork_app_env, NULL, RSRC_CONF,
        "APP NAME VALUE: an environment variable for APP's workers (\"\" "
        "for an empty value)"),
    AP_INIT_TAKE2("PreforkAppCache", cmd_prefork_app_cache, NULL, RSRC_CONF,
        "NAME SIZE: a shared-memory cache zone (e.g. main 64M)"),
    AP_INIT_TAKE2("PreforkAppAlias", cmd_prefork_app_alias, NULL, RSRC_CONF,
        "URL-PATH NAME: the URLs under URL-PATH are app NAME's, with no "
        "file behind them (SCRIPT_NAME URL-PATH, PATH_INFO the rest)"),
    AP_INIT_TAKE1("PreforkAppPidFile", cmd_prefork_app_path,
        (void *)PA_PATH_PIDFILE, RSRC_CONF,
        "the process manager's pid file (relative: under DefaultRuntimeDir)"),
    AP_INIT_TAKE1("PreforkAppSocketDir", cmd_prefork_app_path,
        (void *)PA_PATH_SOCKDIR, RSRC_CONF, "where each httpd makes its private worker socket "
        "directory (relative: under DefaultRuntimeDir)"),
    AP_INIT_TAKE1("PreforkAppTempDir", cmd_prefork_app_path,
        (void *)PA_PATH_TEMPDIR, RSRC_CONF, "where request bodies read whole and replies held "
        "for slow clients (reply-spool=) are spooled (relative: under "
        "ServerRoot; default TMPDIR or /tmp)"),
    AP_INIT_TAKE1("PreforkAppMaxProcesses", cmd_prefork_app_max_procs, NULL,
        RSRC_CONF, "N: at most N workers of all apps together (idle ones of "
        "other apps make room for an app with requests waiting)"),
    AP_INIT_TAKE_ARGV("PreforkAppStatusApps", cmd_status_apps, NULL,
        RSRC_CONF | ACCESS_CONF, "NAME [NAME ...]: the apps the status page "
        "shows here, and their cache zones (default: every app and zone); "
        PA_STATUS_APPS_VHOST ": those the request's virtual host may use"),
    AP_INIT_FLAG("PreforkAppStatusCacheDrop", cmd_status_cache_drop, NULL,
        RSRC_CONF | ACCESS_CONF, "On: the status page here empties a cache "
        "zone it shows, or drops a tag's or an app's pages, when sent DELETE "
        "?cache=ZONE[&tag=TAG|&app=NAME] (default Off)"),
    AP_INIT_TAKE1("PreforkAppAuthorizer", cmd_auth_app, NULL,
        RSRC_CONF | ACCESS_CONF | OR_AUTHCFG, "NAME: requests here go on "
        "only if the FastCGI app NAME, asked in the Authorizer role, answers "
        "200; None: no authorizer here"),
    AP_INIT_TAKE1("PreforkAppAuthenticator", cmd_auth_app, (void *)1,
        RSRC_CONF | ACCESS_CONF | OR_AUTHCFG, "NAME: the FastCGI app that "
        "AuthBasicProvider prefork-app asks to check a user and password; "
        "None: no app here"),
    AP_INIT_TAKE23("PreforkAppSetEnvIf", cmd_set_env_if, NULL,
        RSRC_CONF | ACCESS_CONF, "EXPR [!]NAME [VALUE]: where the expression "
        "is true, the variable NAME the app is sent is set to the string "
        "expression VALUE ($1... from the condition's regex), or unset"),
    AP_INIT_RAW_ARGS(PA_STATUS_PLACED, cmd_status_placed, NULL,
        RSRC_CONF | ACCESS_CONF, "added by the module where the "
        "configuration files set the status handler; not for hand use"),
    { NULL }
};

/* The hosts one <VirtualHost> line made: one per time its file was read
 * (a template Included twice, with another Define between), in httpd's
 * server list's order, the last defined first; and how many of its
 * sections the walk has met. */
typedef struct vhost_defs_t {
    apr_array_header_t *servers;    /* server_rec * */
    int met;
} vhost_defs_t;

/* Which virtual hosts may use an app. An app runs as its own user= and
 * reads the files httpd maps, so a host that could route its requests to
 * another customer's app (SetHandler in an .htaccess, RewriteRule [H=])
 * would run its own scripts as that customer. So an app named only inside
 * <VirtualHost> sections serves those hosts alone; one named outside them
 * (the main server's sections apply to every host), or nowhere in the
 * configuration files (left to .htaccess), serves any host. */
typedef struct handler_walk_t {
    pa_server_conf_t *conf;
    apr_pool_t *ptemp;
    apr_hash_t *vhosts;         /* "file:line" of <VirtualHost> ->
                                 * vhost_defs_t */
    char *anywhere;             /* by app index: named outside any
                                 * <VirtualHost> */
    server_rec *s;
    apr_array_header_t *mappers; /* url_mapper_t: lines httpd maps a URL
                                  * by before PreforkAppAlias */
} handler_walk_t;

/* A server's (or a virtual host's) Alias, ScriptAlias, Redirect or
 * ProxyPass: mod_alias and mod_proxy translate first. */
typedef struct url_mapper_t {
    const ap_directive_t *d;
    server_rec *vhost;          /* NULL: the main server's, every host's */
    const char *path;
    apr_size_t len;             /* pa_path_len() */
} url_mapper_t;

/* d's URL path if it is a server's or host's mapping line that takes the
 * URL from PreforkAppAlias, else NULL. */
static const char *mapped_path(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args, *path;

    if (d->parent && strcasecmp(d->parent->directive, "<VirtualHost")) {
        return NULL;            /* in a section: not a server's mapping */
    }
    if (!strcasecmp(d->directive, "Redirect")) {
        path = ap_getword_conf(p, &args);
        if (*path != '/') {     /* a status first */
            path = ap_getword_conf(p, &args);
        }
        return *path == '/' ? path : NULL;
    }
    if (!strcasecmp(d->directive, "Alias")
        || !strcasecmp(d->directive, "ScriptAlias")
        || !strcasecmp(d->directive, "RedirectPermanent")
        || !strcasecmp(d->directive, "RedirectTemp")
        || !strcasecmp(d->directive, "ProxyPass")) {
        path = ap_getword_conf(p, &args);
        /* "ProxyPass /x !" keeps /x from the proxy. */
        if (!strcasecmp(d->directive, "ProxyPass")
            && !strcmp(ap_getword_conf(p, &args), "!")) {
            return NULL;
        }
        return *path == '/' ? path : NULL;
    }
    return NULL;
}

/* app (if any) is named in vhost's sections, or in the main server's
 * (vhost NULL): every host's. */
static void bind_app(handler_walk_t *w, pa_app_t *app, server_rec *vhost)
{
    if (app && !vhost) {
        w->anywhere[app->index] = 1;
    }
    else if (app) {
        if (!app->vhosts) {
            app->vhosts = apr_array_make(w->conf->apps->pool, 1,
                                         sizeof(server_rec *));
        }
        if (!app->vhosts->nelts
            || APR_ARRAY_IDX(app->vhosts, app->vhosts->nelts - 1,
                             server_rec *) != vhost) {
            APR_ARRAY_PUSH(app->vhosts, server_rec *) = vhost;
        }
    }
}

/* The handler word a directive sets (handler_set()), prefork-app:NAME,
 * binds NAME to vhost, or to every host. Only a directive that sets a
 * handler counts: a name in any other text (a header's value, an <If>'s
 * condition) grants no host the app. */
static void bind_handler(handler_walk_t *w, const char *word,
                         server_rec *vhost)
{
    static const apr_size_t plen = sizeof(PA_HANDLER_PREFIX) - 1;
    const pa_scripts_t *sc;
    int i;

    if (strncasecmp(word, PA_HANDLER_PREFIX, plen)) {
        return;
    }
    if (!(sc = pa_find_scripts(w->conf, word + plen))) {
        bind_app(w, pa_find_app(w->conf, word + plen), vhost);
        return;
    }
    for (i = 0; i < sc->apps->nelts; i++) {
        bind_app(w, APR_ARRAY_IDX(sc->apps, i, pa_app_t *), vhost);
    }
}

/* word, which names name, in the directive at file:line: no app is
 * called so. */
static int no_such_app(handler_walk_t *w, const char *file, int line,
                       const char *directive, const char *word,
                       const char *name)
{
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, w->s,
                 PALOGNO(00001) "%s:%d: %s %s: no PreforkApp named '%s'%s",
                 file, line, directive, word, name,
                 app_suggestion(w->ptemp, w->conf, name));
    return !OK;
}

/* PreforkAppAuthorizer NAME, PreforkAppAuthenticator NAME, Require
 * [not] prefork-app NAME: a FastCGI app (the Authorizer role is FastCGI's),
 * bound to the host whose sections name it, as a handler's. */
static int check_auth_app(handler_walk_t *w, const ap_directive_t *d,
                          server_rec *vhost)
{
    const char *args = d->args;
    const char *name = ap_getword_conf(w->ptemp, &args), *word = name;
    pa_app_t *app;

    if (!strcasecmp(d->directive, "Require")) {
        word = d->args;
        if (!strcasecmp(name, "not")) {
            name = ap_getword_conf(w->ptemp, &args);
        }
        if (strcasecmp(name, "prefork-app")) {
            return OK;
        }
        name = ap_getword_conf(w->ptemp, &args);
    }
    else if (!strcasecmp(name, "None")) {
        return OK;
    }
    app = pa_find_app(w->conf, name);
    if (!app) {
        return no_such_app(w, d->filename, d->line_num, d->directive, word,
                           name);
    }
    if (app->protocol != PA_PROTO_FASTCGI) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, w->s,
                     PALOGNO(00026) "%s:%d: %s %s: the app speaks %s; the "
                     "Authorizer role is FastCGI's (protocol=fastcgi)",
                     d->filename, d->line_num, d->directive, word,
                     app->protocol == PA_PROTO_SCGI ? "SCGI" : "CGI");
        return !OK;
    }
    bind_app(w, app, vhost);
    return OK;
}

/* Whether a <Limit>'s or <LimitExcept>'s arguments ("GET POST>") name
 * method (GET covers HEAD too; method names are case-sensitive there). */
static int lists_method(const char *args, const char *method)
{
    apr_size_t len = strlen(method);
    const char *t = args;

    while (*t && *t != '>') {
        apr_size_t n;

        while (apr_isspace(*t)) {
            t++;
        }
        n = strcspn(t, " \t>");
        if (n == len && !strncmp(t, method, len)) {
            return 1;
        }
        t += n;
    }
    return 0;
}

/* Whether the directives from d on say who may use the section with
 * method (a Require, or the older Allow/Deny; also inside a <Limit> that
 * names it, or a <LimitExcept> that does not leave it out). Not AuthType:
 * without a Require, httpd 2.4 asks nobody to log in. */
static int says_who(const ap_directive_t *d, const char *method)
{
    for (; d; d = d->next) {
        if (!strncasecmp(d->directive, "Require", 7)
            || !strncasecmp(d->directive, "<Require", 8)
            || !strcasecmp(d->directive, "Allow")
            || !strcasecmp(d->directive, "Deny")
            || (!strcasecmp(d->directive, "<Limit")
                && lists_method(d->args, method)
                && says_who(d->first_child, method))
            || (!strcasecmp(d->directive, "<LimitExcept")
                && !lists_method(d->args, method)
                && says_who(d->first_child, method))) {
            return 1;
        }
    }
    return 0;
}

/* The first directive of the section holding d (the top level's, if none). */
static ap_directive_t *section_first(const ap_directive_t *d)
{
    return d->parent ? d->parent->first_child : ap_conftree;
}

/* Whether the section holding d says who may see it. */
static int section_guarded(const ap_directive_t *d)
{
    return says_who(section_first(d), "GET");
}

/* The handler a directive sets: SetHandler's or AddHandler's first word,
 * a RewriteRule's H= (handler=) flag (the last, as mod_rewrite takes it);
 * "" if none. */
static const char *handler_set(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args, *handler = "";
    char *flags, *state, *flag;

    if (!strcasecmp(d->directive, "SetHandler")
        || !strcasecmp(d->directive, "AddHandler")) {
        return ap_getword_conf(p, &args);
    }
    if (strcasecmp(d->directive, "RewriteRule")) {
        return "";
    }
    ap_getword_conf(p, &args);                  /* the pattern */
    ap_getword_conf(p, &args);                  /* the substitution */
    flags = ap_getword_conf(p, &args);
    if (*flags != '[') {
        return "";
    }
    for (flag = apr_strtok(flags + 1, ",]", &state); flag;
         flag = apr_strtok(NULL, ",]", &state)) {
        if (!strncasecmp(flag, "H=", 2)) {
            handler = flag + 2;
        }
        else if (!strncasecmp(flag, "handler=", 8)) {
            handler = flag + 8;
        }
    }
    return handler;
}

/* prefork-app:NAME as the type a ForceType or AddType sets: httpd takes
 * the content type, less its parameters, as the handler when none is set;
 * "" otherwise. */
static const char *type_handler(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args;
    char *type, *end;

    if (strcasecmp(d->directive, "ForceType")
        && strcasecmp(d->directive, "AddType")) {
        return "";
    }
    type = ap_getword_conf(p, &args);
    end = type + strcspn(type, ";");
    while (end > type && apr_isspace(end[-1])) {
        end--;
    }
    *end = '\0';
    return strncasecmp(type, PA_HANDLER_PREFIX, sizeof(PA_HANDLER_PREFIX) - 1)
           ? "" : type;
}

/* What pa_config_guard_status() adds, known by their args' addresses:
 * the Require, and the marker next to a SetHandler or next to a
 * RewriteRule (an AddHandler's names its extensions). */
static const char guard_local[] = "local";
static const char guard_delete[] = "DELETE>";
static const char placed_by_set[] = PA_PLACED_BY_SET;
static const char placed_by_other[] = "";

/* Whether d's section has a directive added by pa_config_guard_status(),
 * known by its args. */
static int section_has(const ap_directive_t *d, const char *args)
{
    for (d = section_first(d); d; d = d->next) {
        if (d->args == args) {
            return 1;
        }
    }
    return 0;
}

/* The sections a Require may go in (not a <VirtualHost>, nor the server's
 * top level). */
static int directory_section(const ap_directive_t *s)
{
    static const char *const names[] = {
        "<Location", "<LocationMatch", "<Directory", "<DirectoryMatch",
        "<Files", "<FilesMatch"
    };
    apr_size_t i;

    for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcasecmp(s->directive, names[i])) {
            return 1;
        }
    }
    return 0;
}

/* A directive NAME ARGS in parent, as if written at d's line. */
static ap_directive_t *directive_at(apr_pool_t *pconf, const ap_directive_t *d,
                                    ap_directive_t *parent, const char *name,
                                    const char *args)
{
    ap_directive_t *add = apr_pcalloc(pconf, sizeof(*add));

    add->directive = name;
    add->args = args;
    add->parent = parent;
    add->filename = d->filename;
    add->line_num = d->line_num;
    return add;
}

/* Appends NAME ARGS to d's section, as if written at d's line. */
static ap_directive_t *section_add(apr_pool_t *pconf, ap_directive_t *d,
                                   const char *name, const char *args)
{
    ap_directive_t *add = directive_at(pconf, d, d->parent, name, args), *last;

    for (last = d; last->next; last = last->next) {
    }
    last->next = add;
    return add;
}

static void guard_status(apr_pool_t *pconf, apr_pool_t *ptemp,
                         ap_directive_t *d, int can_require)
{
    for (; d; d = d->next) {
        if (!strcasecmp(handler_set(ptemp, d), PA_STATUS_HANDLER)) {
            int set = !strcasecmp(d->directive, "SetHandler");
            const char *by = set ? placed_by_set : placed_by_other;

            if (!strcasecmp(d->directive, "AddHandler")) {
                /* Its extensions, one marker each. */
                const char *args = d->args;

                ap_getword_conf(ptemp, &args);
                by = apr_pstrcat(pconf, PA_PLACED_BY_ADD " ", args, NULL);
            }

            if (can_require && set && directory_section(d->parent)) {
                if (!section_guarded(d)) {
                    section_add(pconf, d, "Require", guard_local);
                }
                else if (!says_who(section_first(d), "DELETE")) {
                    /* Its Require is for GET alone (<Limit GET>): the
                     * DELETE that empties cache zones is local only. */
                    ap_directive_t *limit = section_add(pconf, d, "<Limit",
                                                        guard_delete);

                    limit->first_child = directive_at(pconf, d, limit,
                                                      "Require", guard_local);
                }
            }
            if (!section_has(d, by)) {
                section_add(pconf, d, PA_STATUS_PLACED, by)->data =
                    (void *)placed_by_module;
            }
        }
        if (d->first_child) {
            guard_status(pconf, ptemp, d->first_child, can_require);
        }
    }
}

/* The module a "Require local" needs that is not loaded, NULL if none. */
static const char *require_local_missing(void)
{
    module *m = ap_top_module;

    if (!ap_find_command_in_modules("Require", &m)) {
        return "mod_authz_core";
    }
    if (!ap_lookup_provider(AUTHZ_PROVIDER_GROUP, guard_local,
                            AUTHZ_PROVIDER_VERSION)) {
        return "mod_authz_host";
    }
    return NULL;
}

void pa_config_guard_status(apr_pool_t *pconf, apr_pool_t *ptemp)
{
    /* Without mod_authz_core and mod_authz_host a Require local would not
     * parse: check_handlers() warns of the open page instead. */
    guard_status(pconf, ptemp, ap_conftree, !require_local_missing());
}

/* Who sees a status page a configuration file sets at d: only local
 * clients (the Require pa_config_guard_status() added), or whoever the
 * enclosing sections let in (no Require could be added there). */
static void say_status_access(handler_walk_t *w, const ap_directive_t *d,
                              const char *word)
{
    if (section_has(d, guard_local)) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_NOTICE, 0, w->s,
                     PALOGNO(00015) "%s:%d: %s %s with no Require in its "
                     "section: only local clients see the status page, as "
                     "if 'Require local' were there (write a Require of "
                     "your own to let others in, e.g. 'Require ip' for a "
                     "monitoring host)", d->filename, d->line_num,
                     d->directive, word);
    }
    else if (!section_guarded(d)) {
        /* It shows every app's command line and the URI of every request
         * in flight; the enclosing sections often let everyone in
         * (Debian's <Directory /var/www/>). */
        const char *missing = require_local_missing();

        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, w->s,
                     PALOGNO(00013) "%s:%d: %s %s with no Require in its "
                     "section: whoever the enclosing sections let in sees "
                     "the status page (add 'Require local', or 'Require ip' "
                     "for a monitoring host%s%s)", d->filename, d->line_num,
                     d->directive, word,
                     missing ? "; it needs " : "", missing ? missing : "");
    }
}

/* A section's arguments without the closing '>'. */
static const char *section_args(apr_pool_t *p, const ap_directive_t *s)
{
    const char *end = strrchr(s->args, '>');

    return end ? apr_pstrmemdup(p, s->args, end - s->args) : s->args;
}

/* Whether s, a <Location> or <LocationMatch> section, covers the URL path
 * url, as httpd's location walk matches them (a plain path at a '/'
 * boundary: /app is not /app-status), and more than that page: a section
 * for the page alone (the same path, or a pattern that does not take "/")
 * is one written for it, such as its Require kept in another file. */
static int location_covers(apr_pool_t *p, const ap_directive_t *s,
                           const char *url)
{
    const char *args = section_args(p, s);
    const char *path = ap_getword_conf(p, &args);
    apr_size_t len = strlen(path), ulen = strlen(url);

    if (!strcasecmp(s->directive, "<LocationMatch") || !strcmp(path, "~")) {
        ap_regex_t *re;

        if (!strcmp(path, "~")) {
            path = ap_getword_conf(p, &args);
        }
        re = ap_pregcomp(p, path, AP_REG_EXTENDED);
        return re && !ap_regexec(re, url, 0, NULL, 0)
               && !ap_regexec(re, "/", 0, NULL, 0);
    }
    if (apr_fnmatch_test(path)) {
        return apr_fnmatch(path, url, APR_FNM_PATHNAME) == APR_SUCCESS
               && apr_fnmatch(path, "/", APR_FNM_PATHNAME) == APR_SUCCESS;
    }
    while (len > 1 && path[len - 1] == '/') {
        len--;
    }
    while (ulen > 1 && url[ulen - 1] == '/') {
        ulen--;
    }
    return len < ulen && !strncmp(path, url, len)
           && (!len || path[len - 1] == '/' || url[len] == '/');
}

/* Whether the directives from d on merge their authorization with the
 * sections before (AuthMerging And or Or) rather than replace it. */
static int merges_authz(const ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (!strcasecmp(d->directive, "AuthMerging")
            && strcasecmp(d->args, "Off")) {
            return 1;
        }
    }
    return 0;
}

/* The <Location> sections from d on (and, with vhosts, those of every
 * <VirtualHost> in the tree: httpd merges a host's after all of the main
 * server's) that cover the status page's URL url and have a Require of
 * their own: for the page, theirs replaces its section's sec. */
static void later_locations(handler_walk_t *w, const ap_directive_t *sec,
                            const char *url, const ap_directive_t *d,
                            int vhosts)
{
    for (; d; d = d->next) {
        if ((!strcasecmp(d->directive, "<Location")
             || !strcasecmp(d->directive, "<LocationMatch"))
            && says_who(d->first_child, "GET")
            && !merges_authz(d->first_child)
            && location_covers(w->ptemp, d, url)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, w->s,
                         PALOGNO(00190) "%s:%d: %s %s> after the status "
                         "page's section (%s:%d) covers its URL %s and has "
                         "a Require of its own, which replaces the page's "
                         "(write the page's section after it)", d->filename,
                         d->line_num, d->directive, section_args(w->ptemp, d),
                         sec->filename, sec->line_num, url);
        }
    }
    if (vhosts) {
        for (d = ap_conftree; d; d = d->next) {
            if (!strcasecmp(d->directive, "<VirtualHost")) {
                later_locations(w, sec, url, d->first_child, 0);
            }
        }
    }
}

/* For a SetHandler of the status page in a <Location PATH> (a plain path:
 * that is the page's URL), the sections written after it that take its
 * Require away (the one added for it too: PA00015). */
static void check_later_locations(handler_walk_t *w, const ap_directive_t *d)
{
    const ap_directive_t *sec = d->parent;
    const char *args, *url;

    if (!sec || strcasecmp(sec->directive, "<Location")
        || strcasecmp(d->directive, "SetHandler")) {
        return;
    }
    args = section_args(w->ptemp, sec);
    url = ap_getword_conf(w->ptemp, &args);
    if (*url != '/' || apr_fnmatch_test(url)) {
        return;                         /* a pattern, "~ regex": no URL */
    }
    /* A <Location> of the main server's: later ones of its own, then the
     * hosts'; one of a host's: later ones of that host's. */
    later_locations(w, sec, url, sec->next, !sec->parent);
}

/* A status page's PreforkAppStatusApps names apps. */
static int check_status_apps(handler_walk_t *w, const ap_directive_t *d)
{
    const char *args = d->args;
    const char *name;

    while (*(name = ap_getword_conf(w->ptemp, &args))) {
        if (strcasecmp(name, PA_STATUS_APPS_VHOST)
            && !pa_find_app(w->conf, name)
            && !pa_find_scripts(w->conf, name)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, w->s,
                         PALOGNO(00023) "%s:%d: PreforkAppStatusApps: no "
                         "PreforkApp named '%s'%s", d->filename, d->line_num,
                         name, app_suggestion(w->ptemp, w->conf, name));
            return !OK;
        }
    }
    return OK;
}

/* x-sendfile='s directories: httpd's children open the files, as User
 * (else each X-Sendfile would be a 403). */
static int check_sendfile_dirs(apr_pool_t *ptemp, const pa_app_t *app,
                               server_rec *s)
{
    int i;

    for (i = 0; app->sendfile_dirs && i < app->sendfile_dirs->nelts; i++) {
        const char *dir = APR_ARRAY_IDX(app->sendfile_dirs, i, const char *);

        if (!pa_worker_may_access(ptemp, NULL, dir, X_OK)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         PALOGNO(00024) "%s:%d: PreforkApp %s: x-sendfile=%s: "
                         "httpd's user %s cannot enter it, so no file there "
                         "could be sent", app->file, app->line, app->name,
                         dir, pa_worker_user_name(ptemp, NULL));
            return !OK;
        }
    }
    return OK;
}

/* Whether a directive of d's section (d's siblings) sets a prefork-app:
 * handler. */
static int section_sets_app(handler_walk_t *w, const ap_directive_t *d)
{
    static const apr_size_t plen = sizeof(PA_HANDLER_PREFIX) - 1;
    const ap_directive_t *o;

    for (o = d->parent ? d->parent->first_child : NULL; o; o = o->next) {
        const char *word = handler_set(w->ptemp, o);

        if (!*word) {
            word = type_handler(w->ptemp, o);
        }
        if (!strncasecmp(word, PA_HANDLER_PREFIX, plen)) {
            return 1;
        }
    }
    return 0;
}

/* A SetEnv, SetEnvIf or ProxyFCGISetEnvIf line kept from a php-fpm set-up
 * beside the SetHandler that now names an app: its PHP_VALUE is ignored
 * by php-cgi (PA00034, as for PreforkAppEnv). */
static void carried_from_php_fpm(handler_walk_t *w, const ap_directive_t *d)
{
    const char *args = d->args, *word;

    if (strncasecmp(d->directive, "SetEnv", 6)
        && strcasecmp(d->directive, "ProxyFCGISetEnvIf")) {
        return;
    }
    while (*(word = ap_getword_conf(w->ptemp, &args))) {
        if (php_fpm_var(word) && section_sets_app(w, d)) {
            warn_php_fpm_only(w->s, d, word);
            return;
        }
    }
}

/* Every SetHandler/AddHandler/RewriteRule [H=] (or ForceType/AddType)
 * naming prefork-app:NAME in the whole tree, wherever it sits (vhost,
 * Location, Directory, .conf includes), names an app; and who names it
 * where (bind_handler()). */
static int check_handlers(handler_walk_t *w, const ap_directive_t *d,
                          server_rec *vhost)
{
    static const apr_size_t plen = sizeof(PA_HANDLER_PREFIX) - 1;

    for (; d; d = d->next) {
        server_rec *in = vhost;
        const char *word = handler_set(w->ptemp, d), *mapped, *orphan;

        if (!*word) {
            word = type_handler(w->ptemp, d);
        }
        if (*word) {
            /* (A name with a variable in it is mod_rewrite's to expand,
             * a SetHandler's "%{...}" an expression httpd evaluates per
             * request; anywhere else a "${VAR}" is httpd's, left so when
             * VAR is not defined.) */
            if (!strncasecmp(word, PA_HANDLER_PREFIX, plen)
                && !(strpbrk(word + plen, "%$")
                     && !strcasecmp(d->directive, "RewriteRule"))
                && !(strstr(word + plen, "%{")
                     && !strcasecmp(d->directive, "SetHandler"))
                && !pa_find_app(w->conf, word + plen)
                && !pa_find_scripts(w->conf, word + plen)) {
                return no_such_app(w, d->filename, d->line_num,
                                   d->directive, word, word + plen);
            }
            if ((orphan = pa_handler_orphan(word))) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, w->s,
                             PALOGNO(00035) "%s:%d: %s %s: %s's handler, and "
                             "%s is not loaded: the files there would be sent "
                             "as they are, scripts' source and all; use "
                             "prefork-app:NAME", d->filename, d->line_num,
                             d->directive, word, orphan, orphan);
                return !OK;
            }
            if (pa_handler_lookalike(word)) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, w->s,
                             PALOGNO(00017) "%s:%d: %s %s: not a handler of "
                             "mod_prefork_app (prefork-app:NAME, "
                             "prefork-app-status): the files there would be "
                             "served as they are", d->filename, d->line_num,
                             d->directive, word);
                return !OK;
            }
            if (!strcasecmp(word, PA_STATUS_HANDLER)) {
                say_status_access(w, d, word);
                check_later_locations(w, d);
            }
        }
        carried_from_php_fpm(w, d);
        if (!strcasecmp(d->directive, "PreforkAppStatusApps")
            && check_status_apps(w, d) != OK) {
            return !OK;
        }
        if ((!strcasecmp(d->directive, "PreforkAppAuthorizer")
             || !strcasecmp(d->directive, "PreforkAppAuthenticator")
             || !strcasecmp(d->directive, "Require"))
            && check_auth_app(w, d, vhost) != OK) {
            return !OK;
        }
        if ((mapped = mapped_path(w->ptemp, d))) {
            url_mapper_t *m = apr_array_push(w->mappers);

            m->d = d;
            m->vhost = vhost;
            m->path = mapped;
            m->len = pa_path_len(mapped);
        }
        if (!strcasecmp(d->directive, "<VirtualHost")) {
            vhost_defs_t *defs = apr_hash_get(w->vhosts,
                                              apr_psprintf(w->ptemp, "%s:%d",
                                                           d->filename,
                                                           d->line_num),
                                              APR_HASH_KEY_STRING);

            /* The tree holds the sections in the order they were read, the
             * server list the other way round. (Not found, it counts as
             * the main server's: no binding.) */
            in = defs && defs->met < defs->servers->nelts
                 ? APR_ARRAY_IDX(defs->servers,
                                 defs->servers->nelts - 1 - defs->met++,
                                 server_rec *)
                 : NULL;
        }
        else {
            bind_handler(w, word, vhost);
        }
        if (d->first_child && check_handlers(w, d->first_child, in) != OK) {
            return !OK;
        }
    }
    return OK;
}

/* An Alias, Redirect or ProxyPass of a's host (or of the main server,
 * whose lines apply to every host) whose path covers a's: mod_alias and
 * mod_proxy map those URLs first, and a never gets them (an admin coming
 * from ProxyPass may keep the old line). A warning, as PA00032. */
static void warn_mapped_first(handler_walk_t *w, const pa_alias_t *a,
                              server_rec *vhost)
{
    int i;

    for (i = 0; i < w->mappers->nelts; i++) {
        const url_mapper_t *m = &APR_ARRAY_IDX(w->mappers, i, url_mapper_t);

        if ((m->vhost && m->vhost != vhost)
            || !pa_path_covers(m->path, m->len, a->path)) {
            continue;
        }
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, w->s,
                     PALOGNO(00033) "%s:%d: PreforkAppAlias %s will never "
                     "be used: %s %s (%s:%d) covers it, and %s maps a URL "
                     "before PreforkAppAlias", a->file, a->line,
                     *a->path ? a->path : "/", m->d->directive, m->path,
                     m->d->filename, m->d->line_num,
                     strcasecmp(m->d->directive, "ProxyPass") ? "mod_alias"
                                                              : "mod_proxy");
        return;
    }
}

/* Each host's PreforkAppAlias lines name an app of one program (the URL
 * space has no files to tell a PreforkAppScripts line's apart), which
 * they bind to the host, or, in the main server's, to every host. */
static int check_aliases(handler_walk_t *w, apr_pool_t *pconf)
{
    pa_server_conf_t *conf = w->conf;
    server_rec *s = w->s, *v;
    int i;

    for (v = s; v; v = v->next) {
        pa_server_conf_t *vc = ap_get_module_config(v->module_config,
                                                    &prefork_app_module);

        /* A host with none of the module's directives shares the main
         * server's configuration (there is no merger). */
        if (v != s && vc == conf) {
            continue;
        }
        for (i = 0; i < vc->aliases->nelts; i++) {
            pa_alias_t *a = APR_ARRAY_IDX(vc->aliases, i, pa_alias_t *);
            pa_app_t *app = pa_find_app(conf, a->name);

            a->app = app;
            if (!app && pa_find_scripts(conf, a->name)) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                             PALOGNO(00031) "%s:%d: PreforkAppAlias %s %s: "
                             "a PreforkAppScripts line serves the files its "
                             "pattern matches; map them with SetHandler "
                             "prefork-app:%s where they are", a->file,
                             a->line, *a->path ? a->path : "/", a->name,
                             a->name);
                return !OK;
            }
            if (!app) {
                return no_such_app(w, a->file, a->line, "PreforkAppAlias",
                                   *a->path ? a->path : "/", a->name);
            }
            bind_app(w, app, v == s ? NULL : v);
            warn_mapped_first(w, a, v == s ? NULL : v);
            a->handler = apr_pstrcat(pconf, PA_HANDLER_PREFIX, app->name,
                                     NULL);
            if (!app->aliases) {
                app->aliases = apr_array_make(pconf, 1, sizeof(char *));
            }
            APR_ARRAY_PUSH(app->aliases, const char *) = apr_pstrcat(
                pconf, v->is_virtual && v->server_hostname
                       ? v->server_hostname : "",
                *a->path ? a->path : "/", NULL);
        }
    }
    return OK;
}

static int check_handlers_all(pa_server_conf_t *conf, apr_pool_t *pconf,
                              apr_pool_t *ptemp, server_rec *s)
{
    handler_walk_t w;
    server_rec *v;
    int i;

    w.conf = conf;
    w.ptemp = ptemp;
    w.s = s;
    w.vhosts = apr_hash_make(ptemp);
    w.anywhere = apr_pcalloc(ptemp, conf->apps->nelts + 1);
    w.mappers = apr_array_make(ptemp, 8, sizeof(url_mapper_t));
    for (v = s->next; v; v = v->next) {
        const char *key;
        vhost_defs_t *defs;

        if (!v->defn_name) {
            continue;
        }
        key = apr_psprintf(ptemp, "%s:%d", v->defn_name, v->defn_line_number);
        if (!(defs = apr_hash_get(w.vhosts, key, APR_HASH_KEY_STRING))) {
            defs = apr_pcalloc(ptemp, sizeof(*defs));
            defs->servers = apr_array_make(ptemp, 1, sizeof(server_rec *));
            apr_hash_set(w.vhosts, key, APR_HASH_KEY_STRING, defs);
        }
        APR_ARRAY_PUSH(defs->servers, server_rec *) = v;
    }
    for (i = 0; i < conf->apps->nelts; i++) {
        APR_ARRAY_IDX(conf->apps, i, pa_app_t *)->vhosts = NULL;
    }
    if (check_handlers(&w, ap_conftree, NULL) != OK
        || check_aliases(&w, pconf) != OK) {
        return !OK;
    }
    for (i = 0; i < conf->apps->nelts; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        if (w.anywhere[i]) {
            app->vhosts = NULL;
        }
    }
    return OK;
}

int pa_app_allowed(const pa_app_t *app, const server_rec *s)
{
    int i;

    if (!app->vhosts) {
        return 1;
    }
    for (i = 0; i < app->vhosts->nelts; i++) {
        if (APR_ARRAY_IDX(app->vhosts, i, server_rec *) == s) {
            return 1;
        }
    }
    return 0;
}

const char *pa_vhost_where(apr_pool_t *p, const server_rec *s)
{
    return apr_psprintf(p, "%s:%d (%s)", s->defn_name ? s->defn_name : "?",
                        s->defn_line_number,
                        s->server_hostname ? s->server_hostname : "?");
}

server_rec *pa_app_log_server(const pa_app_t *app, server_rec *main_s)
{
    server_rec *first;
    int i;

    if (!app->vhosts || !app->vhosts->nelts) {
        return main_s;
    }
    /* A customer's :80 and :443 hosts, one ErrorLog. */
    first = APR_ARRAY_IDX(app->vhosts, 0, server_rec *);
    for (i = 1; i < app->vhosts->nelts; i++) {
        const server_rec *v = APR_ARRAY_IDX(app->vhosts, i, server_rec *);

        if (!first->error_fname || !v->error_fname
            || strcmp(first->error_fname, v->error_fname)) {
            return main_s;
        }
    }
    return first;
}

/* The largest pid this machine hands out. */
static long pid_limit(void)
{
    FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
    long max = 0;

    if (f) {
        if (fscanf(f, "%ld", &max) != 1) {
            max = 0;
        }
        fclose(f);
    }
    return max > 1 ? max - 1 : 4194303;
}

/* The socket directory's base: there; short enough for socket paths with
 * any pid and a million restarts; and, for an httpd started as root, not
 * open to User, who could rename the socket directory in it and put one of
 * its own in its place. */
static int check_sockdir(pa_server_conf_t *conf, apr_pool_t *ptemp,
                         server_rec *s)
{
    const char *base = pa_sb_sockdir_base(ptemp, conf);
    const char *worst = pa_sb_sockdir_name(ptemp, base, pid_limit(), 999999,
                                           PA_SOCKDIR_OTHERS);
    const char *where = conf->sockdir
        ? apr_psprintf(ptemp, "%s:%d: PreforkAppSocketDir %s",
                       conf->sockdir_file, conf->sockdir_line, conf->sockdir)
        : apr_pstrcat(ptemp, "DefaultRuntimeDir ", base, NULL);
    struct stat st;
    int found = stat(base, &st) == 0;

    if (conf->sockdir && (!found || !S_ISDIR(st.st_mode))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00006) "%s: %s", where,
                     found ? "not a directory" : "no such directory");
        return !OK;
    }
    if (!pa_sb_sockdir_fits(conf, worst)) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00007) "%s: too long for unix socket paths "
                     "(%s/<app>.<slot>.sock must stay under 108 bytes)%s",
                     where, worst, conf->sockdir ? ""
                     : "; set a shorter PreforkAppSocketDir");
        return !OK;
    }
    if (geteuid() == 0 && found
        && (st.st_uid != 0
            || ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00009) "%s: must belong to root and be writable "
                     "by root alone (or be sticky, as /tmp): httpd starts as "
                     "root, and a process running as User could replace the "
                     "socket directory in it", where);
        return !OK;
    }
    if (found && !pa_worker_may_access(ptemp, NULL, base, X_OK)) {
        /* Else every request fails to reach the manager's conn.sock. */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00012) "%s: httpd's user %s cannot enter it (a "
                     "directory on the way is closed to it), so its "
                     "children could not reach the workers' sockets", where,
                     pa_worker_user_name(ptemp, NULL));
        return !OK;
    }
    if (found && ((st.st_mode & S_IWOTH)
                  || ((st.st_mode & S_IWGRP) && st.st_gid != getegid()))) {
        /* The socket directories' names are predictable (pid and
         * generation), and one made first by another user is not used. */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00040) "%s: other users may write there (mode "
                     "%04o): one who makes the next socket directory's name "
                     "first (pa-PID.GENERATION) keeps the apps at 503 until "
                     "it is removed (PA00140); give httpd a directory only "
                     "it may write", where, (unsigned)(st.st_mode & 07777));
    }
    if (found && faccessat(AT_FDCWD, base, W_OK | X_OK, AT_EACCESS) != 0) {
        /* httpd's parent makes the socket directory there as the user it
         * starts as: a start fails (PA00204). Only a warning: apachectl
         * graceful checks the configuration first, and a read-only /run
         * at logrotate's graceful costs the apps alone (PA00211). */
        char err[128];

        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00039) "%s: httpd (uid %ld) cannot make its "
                     "socket directory there (%s): a start fails, a graceful "
                     "restart leaves the apps answering 503%s", where,
                     (long)geteuid(),
                     apr_strerror(APR_FROM_OS_ERROR(errno), err, sizeof(err)),
                     conf->sockdir ? ""
                     : "; set DefaultRuntimeDir (or PreforkAppSocketDir) to a "
                       "directory it may write");
    }
    return OK;
}

/* Else every body spooled would be a 500. (One taken away while httpd
 * runs fails that request alone: PA00324, PA00352.) */
static int check_tempdir(pa_server_conf_t *conf, apr_pool_t *ptemp,
                         server_rec *s)
{
    const char *why;

    if (!conf->tempdir) {
        return OK;
    }
    why = not_a_dir(ptemp, conf->tempdir);
    if (!why && !pa_worker_may_access(ptemp, NULL, conf->tempdir,
                                      W_OK | X_OK)) {
        why = apr_psprintf(ptemp, "httpd's user %s cannot write there",
                           pa_worker_user_name(ptemp, NULL));
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00014) "%s:%d: PreforkAppTempDir %s: %s",
                     conf->tempdir_file, conf->tempdir_line, conf->tempdir,
                     why);
        return !OK;
    }
    return OK;
}

/* Whether paths a and b (absolute) name one file, there or not yet: one
 * name in one directory, however the directory is reached (a link,
 * /var/run and /run). */
static int same_place(const char *a, const char *b)
{
    const char *an = strrchr(a, '/'), *bn = strrchr(b, '/');

    return !strcmp(a, b)
           || (an && bn && !strcmp(an, bn) && pa_scripts_same_dir(a, b));
}

/* Else the manager could not write it, said only in the error log
 * (PA00102) once httpd runs. The file is the manager's to make: its
 * directory must take it, and it must not be httpd's own (PidFile), which
 * the manager would overwrite, so that apachectl stop would stop the
 * manager instead of httpd. */
static int check_pidfile(pa_server_conf_t *conf, apr_pool_t *ptemp,
                         server_rec *s)
{
    const char *httpd = ap_pid_fname
                        ? ap_runtime_dir_relative(ptemp, ap_pid_fname) : NULL;
    char *dir;
    const char *why = NULL;
    struct stat mine;
    int found;

    if (!conf->pidfile) {
        return OK;
    }
    dir = ap_make_dirstr_parent(ptemp, conf->pidfile);
    found = stat(conf->pidfile, &mine) == 0;
    if ((why = not_a_dir(ptemp, dir)) != NULL) {
        why = apr_psprintf(ptemp, "its directory %s: %s", dir, why);
    }
    else if (httpd && same_place(httpd, conf->pidfile)) {
        why = "httpd's own PidFile: the manager would write its pid there, "
              "and apachectl stop would stop the manager, not httpd";
    }
    else if (found && S_ISDIR(mine.st_mode)) {
        why = "a directory: name a file in it";
    }
    else if (access(found ? conf->pidfile : dir, W_OK) != 0) {
        char msg[120];

        why = apr_psprintf(ptemp, "%s cannot be written: %s",
                           found ? "it" : apr_pstrcat(ptemp, "its directory ",
                                                      dir, NULL),
                           apr_strerror(APR_FROM_OS_ERROR(errno), msg,
                                        sizeof(msg)));
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00016) "%s:%d: PreforkAppPidFile %s: %s",
                     conf->pidfile_file, conf->pidfile_line, conf->pidfile,
                     why);
        return !OK;
    }
    return OK;
}

/* php-cgi leaves by itself after PHP_FCGI_MAX_REQUESTS requests (500 when
 * unset). Leaving between two requests on a kept connection, it would take
 * a request it never reads with it; so the manager does the recycling: a
 * smaller PHP_FCGI_MAX_REQUESTS from PreforkAppEnv becomes max-requests
 * (the top of its range), and a php* command without one is told
 * max-requests (the top of its range; 0 = never). */
static const char *command_name(const pa_app_t *app)
{
    const char *base = strrchr(app->argv[0], '/');

    return base ? base + 1 : app->argv[0];
}

static int php_command(const pa_app_t *app)
{
    return !strncmp(command_name(app), "php", 3);
}

/* Whether "php", a version, "-cgi" starts at c (php-cgi8.2, php8.2-cgi,
 * php-cgi82). */
static int php_cgi_at(const char *c, const char *end)
{
    for (c += 3; c < end && (apr_isdigit(*c) || *c == '.'); c++) {
    }
    return end - c >= 4 && !memcmp(c, "-cgi", 4);
}

/* What a script's line names: php-cgi (also Debian's
 * /usr/lib/cgi-bin/php8.2), fcgiwrap, or neither. */
static int runner_named(const char *text, apr_size_t len)
{
    const char *at = text, *end = text + len;

    if (memmem(text, len, "fcgiwrap", 8)) {
        return PA_RUNS_CGI;
    }
    if (memmem(text, len, "cgi-bin/php", 11)) {
        return PA_RUNS_PHP;
    }
    for (; (at = memmem(at, end - at, "php", 3)) != NULL; at += 3) {
        if (php_cgi_at(at, end)) {
            return PA_RUNS_PHP;
        }
    }
    return 0;
}

/* What a command word is: the same, by its whole file name. */
static int runner_word(const char *word)
{
    const char *base = strrchr(word, '/');

    base = base ? base + 1 : word;
    if (!strcmp(base, "fcgiwrap")) {
        return PA_RUNS_CGI;
    }
    return strstr(word, "cgi-bin/php")
           || (!strncmp(base, "php", 3)
               && php_cgi_at(base, base + strlen(base))) ? PA_RUNS_PHP : 0;
}

/* Whether a "#!" line (line to end) names a shell, also through env. */
static int shell_script(const char *line, const char *end)
{
    static const char *const shells[] = {
        "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox", NULL
    };
    char word[64];
    const char *w = line + 2, *base;
    apr_size_t len;
    int i, env = 0;

    for (;;) {
        while (w < end && (*w == ' ' || *w == '\t')) {
            w++;
        }
        for (len = 0; w + len < end && !apr_isspace(w[len]); len++) {
        }
        if (!len || len >= sizeof(word)) {
            return 0;
        }
        memcpy(word, w, len);
        word[len] = '\0';
        w += len;
        base = strrchr(word, '/');
        base = base ? base + 1 : word;
        if (!env && !strcmp(base, "env")) {
            env = 1;                /* "#!/usr/bin/env [-S] [VAR=x] sh" */
            continue;
        }
        if (env && (word[0] == '-' || strchr(word, '='))) {
            continue;
        }
        for (i = 0; shells[i]; i++) {
            if (!strcmp(base, shells[i])) {
                return 1;
            }
        }
        return 0;
    }
}

/* A "#!" script among the command's words (the program, or what "/bin/sh
 * WRAPPER" runs), from its first 64 KB: a page whose "#!" line names
 * php-cgi (its own script), or a shell wrapper whose lines, comments left
 * out, name php-cgi or fcgiwrap (exec'd, in a variable, run). Opened without
 * blocking (a FIFO put in its place), regular files only. Whether path
 * is a script. */
static int runner_of_script(pa_app_t *app, const char *path)
{
    static char head[65536];        /* (configuration time: one thread) */
    char *line, *next, *end, *hash;
    struct stat st;
    int fd;
    ssize_t n;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return 0;
    }
    n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
        ? read(fd, head, sizeof(head)) : -1;
    close(fd);
    if (n < 2 || head[0] != '#' || head[1] != '!') {
        return 0;
    }
    end = head + n;
    next = memchr(head, '\n', n);
    next = next ? next + 1 : end;
    if (runner_named(head, next - head) == PA_RUNS_PHP) {
        app->runs_file = PA_RUNS_PHP;
        app->program_is_script = 1;
        return 1;
    }
    /* Only a shell's lines are what it runs: a Perl or Python app's own
     * text may name php-cgi in a string or its documentation. */
    if (!shell_script(head, next)) {
        return 1;
    }
    for (line = next; line < end && !app->runs_file; line = next) {
        next = memchr(line, '\n', end - line);
        next = next ? next + 1 : end;
        /* A shell's comment: from a '#' at a word's start. */
        for (hash = line; hash < next; hash++) {
            if (*hash == '#' && (hash == line || hash[-1] == ' '
                                 || hash[-1] == '\t')) {
                break;
            }
        }
        app->runs_file = runner_named(line, hash - line);
    }
    return 1;
}

/* Whether the app runs the file SCRIPT_FILENAME names (php-cgi,
 * fcgiwrap), as FastCGI or CGI, and which of its words is its program
 * (app->program): a shell script's lines, else the words' names. */
static void runs_file(apr_pool_t *p, pa_app_t *app)
{
    int i;

    app->runs_file = app->program_is_script = 0;
    app->program = app->argv[0];
    for (i = 0; app->argv[i] && !app->runs_file; i++) {
        const char *path = pa_app_host_path(p, app, app->argv[i]);

        if (!runner_of_script(app, path)) {
            app->runs_file = runner_word(app->argv[i]);
        }
        if (app->runs_file) {
            app->program = app->argv[i];
        }
    }
}

static void php_max_requests(apr_pool_t *pconf, pa_app_t *app)
{
    const char *v = app_env_get(app, "PHP_FCGI_MAX_REQUESTS");

    if (v) {
        apr_int64_t n = apr_atoi64(v);

        if (n > 0 && n <= INT_MAX
            && (app->max_requests_hi == 0 || n < app->max_requests_hi)) {
            app->max_requests_hi = (int)n;
            if (app->max_requests == 0 || n < app->max_requests) {
                app->max_requests = (int)n;
            }
        }
        app->exits_itself = n > 0;
        return;
    }
    if (php_command(app)) {
        APR_ARRAY_PUSH(app->env, const char *) =
            apr_psprintf(pconf, "PHP_FCGI_MAX_REQUESTS=%d",
                         app->max_requests_hi);
        app->exits_itself = app->max_requests > 0;
    }
}

/* PHP_FCGI_CHILDREN=N in an app's environment makes php-cgi a master that
 * forks N children on the worker's one socket: the module still sends one
 * request at a time per worker, so they only take memory, and the master
 * alone is what request-timeout and max-memory see. */
static void php_children(const pa_app_t *app, server_rec *s)
{
    const char *v = app_env_get(app, "PHP_FCGI_CHILDREN");

    if (v && apr_atoi64(v) > 0) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00011) "%s:%d: PreforkApp %s: PHP_FCGI_CHILDREN="
                     "%s: php-cgi forks its own children, but each worker "
                     "gets one request at a time: they only take memory (set "
                     "processes= instead)", app->file, app->line, app->name,
                     v);
    }
}

/* PHP's command-line interpreter (/usr/bin/php, a link to php8.2) speaks
 * no FastCGI: each worker would exit at once, a crash loop in the log with
 * nothing to say it is the wrong program. */
static void php_cli(apr_pool_t *ptemp, const pa_app_t *app, server_rec *s)
{
    char *real;
    const char *base, *c;

    /* (With a script to run, it may be a FastCGI daemon written in PHP.) */
    if (app->argv[1]
        || !(real = realpath(pa_app_host_path(ptemp, app, app->argv[0]),
                             NULL))) {
        return;
    }
    base = strrchr(real, '/');
    base = base ? base + 1 : real;
    c = strncmp(base, "php", 3) ? "-" : base + 3;
    while (apr_isdigit(*c) || *c == '.') {
        c++;
    }
    if (!*c) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00018) "%s:%d: PreforkApp %s: '%s' is PHP's "
                     "command-line interpreter (%s), which does not speak "
                     "FastCGI: its workers would exit at once (use php-cgi)",
                     app->file, app->line, app->name, app->argv[0],
                     real);
    }
    free(real);
}

/* A touch-reload file in a directory that is not there can never be
 * touched: the reloads would silently never happen. */
static void touch_reload_dir(apr_pool_t *ptemp, const pa_app_t *app,
                             server_rec *s)
{
    const char *dir, *why;

    if (!app->touch_reload) {
        return;
    }
    dir = ap_make_dirstr_parent(ptemp, app->touch_reload);
    if ((why = not_a_dir(ptemp, dir)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00019) "%s:%d: PreforkApp %s: touch-reload=%s: "
                     "its directory %s: %s (no reload until it is there)",
                     app->file, app->line, app->name, app->touch_reload, dir,
                     why);
    }
}

/* What follows "no PreforkAppCache zone of that name": the zone whose name
 * differs in case alone, or one a typo away, or nothing. */
static const char *zone_hint(apr_pool_t *p, const pa_server_conf_t *conf,
                             const char *name)
{
    const char **names = apr_palloc(p, (conf->zones->nelts + 1)
                                       * sizeof(*names));
    const char *near;
    int i;

    for (i = 0; i < conf->zones->nelts; i++) {
        names[i] = APR_ARRAY_IDX(conf->zones, i, pa_cache_zone_t *)->name;
    }
    /* (The distance leaves case aside: a name that differs in case alone
     * is the nearest.) */
    near = nearest_name(name, names, conf->zones->nelts);
    if (near && !strcasecmp(near, name)) {
        return apr_pstrcat(p, " (zone names are told apart by case: "
                           "there is '", near, "')", NULL);
    }
    return typo_hint(p, near);
}

/* The largest H2MaxWorkers anywhere in the tree (-1: none). Any section's
 * counts, even one whose condition is false: too many waiter records cost
 * little, too few send requests away. */
static int h2_max_workers(apr_pool_t *ptemp, const ap_directive_t *d)
{
    int n = -1;

    for (; d; d = d->next) {
        const char *args = d->args;
        /* Its word as mod_http2 reads it: H2MaxWorkers "64" is 64. */
        int here = !strcasecmp(d->directive, "H2MaxWorkers")
                   ? atoi(ap_getword_conf(ptemp, &args))
                   : h2_max_workers(ptemp, d->first_child);

        if (here > n) {
            n = here;
        }
    }
    return n;
}

/* sc's new-programs= pools: its template's, named NAME:+K, none started
 * before a request takes one for a program (scripts.h). */
static void add_spares(pa_server_conf_t *conf, pa_scripts_t *sc,
                       apr_pool_t *pconf)
{
    int k;

    for (k = 1; k <= sc->new_programs; k++) {
        pa_app_t *app = apr_pmemdup(pconf, sc->tmpl, sizeof(*app));

        app->name = apr_psprintf(pconf, "%s:+%d", sc->name, k);
        app->spare = k;
        app->env = apr_array_copy(pconf, sc->tmpl->env);
        app->argv = NULL;
        app->cmdline = NULL;
        app->index = conf->apps->nelts;
        /* Not by name: nothing may name it before it is taken. */
        APR_ARRAY_PUSH(conf->apps, pa_app_t *) = app;
        APR_ARRAY_PUSH(sc->apps, pa_app_t *) = app;
        APR_ARRAY_PUSH(sc->spares, pa_app_t *) = app;
    }
}

/* pattern with its directories before the first wildcard resolved, so that
 * a program added while httpd runs is found by its resolved path as well
 * (those of the start are by_path's under it too); NULL if no link is on
 * the way or it does not resolve. */
static const char *resolved_pattern(apr_pool_t *p, const char *pattern)
{
    const char *wild = strpbrk(pattern, "*?[\\"), *slash;
    char real[PATH_MAX];
    char *dir;

    for (slash = wild ? wild : pattern + strlen(pattern);
         slash > pattern && *slash != '/'; slash--) {
    }
    if (slash == pattern) {
        return NULL;
    }
    dir = apr_pstrmemdup(p, pattern, slash - pattern);
    if (!realpath(dir, real) || !strcmp(real, dir)) {
        return NULL;
    }
    return apr_pstrcat(p, strcmp(real, "/") ? real : "", slash, NULL);
}

/* sc's pattern, read at each start and graceful restart: a pool made from
 * its template for each program it matches that its workers may execute.
 * The other files it matches are left out and said, as is no match (the
 * requests for them get 403). */
static int expand_scripts(pa_server_conf_t *conf, pa_scripts_t *sc,
                          apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    glob_t g;
    int rc = glob(sc->pattern, 0, NULL, &g);
    const char *key;
    char real[PATH_MAX];
    size_t i;

    sc->real_pattern = resolved_pattern(pconf, sc->pattern);
    if (rc == GLOB_NOSPACE) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00028) "%s:%d: PreforkAppScripts %s: %s: out "
                     "of memory matching it", sc->file, sc->line, sc->name,
                     sc->pattern);
        return !OK;
    }
    /* One pool per program, however many names it has in one directory:
     * its own name first (pass 0), then its symlinks (pass 1), which, as a
     * second hard link there, map to the pool of the first name
     * (dispatch.c). A name in another directory (a site's copy, hard
     * linked by a dedupe tool) has a pool of its own: the program finds
     * its files from its path or working directory. */
    for (i = 0; rc == 0 && i < 2 * g.gl_pathc; i++) {
        const char *path = g.gl_pathv[i % g.gl_pathc];
        pa_app_t *app;
        apr_finfo_t fi;
        struct stat st;

        if (lstat(path, &st) != 0
            || (S_ISLNK(st.st_mode) ? 1 : 0) != (i >= g.gl_pathc ? 1 : 0)
            || apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_IDENT, ptemp)
               != APR_SUCCESS || fi.filetype != APR_REG) {
            continue;                   /* directories, sockets... */
        }
        path = apr_pstrdup(pconf, path);
        if (access(path, X_OK) != 0
            || !pa_worker_may_access(ptemp, sc->tmpl, path, X_OK)) {
            APR_ARRAY_PUSH(sc->skipped, const char *) = path;
            continue;
        }
        /* (The directory by its inode: one reached by a link is one.) */
        if (stat(ap_make_dirstr_parent(ptemp, path), &st) != 0) {
            continue;
        }
        key = pa_scripts_place(pconf, fi.device, fi.inode, &st);
        if ((app = apr_hash_get(sc->by_file, key, APR_HASH_KEY_STRING))) {
            /* Another name of one started: its pool. */
            apr_hash_set(sc->by_path, path, APR_HASH_KEY_STRING, app);
            continue;
        }
        app = apr_pmemdup(pconf, sc->tmpl, sizeof(*app));
        app->env = apr_array_copy(pconf, sc->tmpl->env);
        pa_scripts_set_program(pconf, app, path,
                               pa_scripts_app_name(pconf, conf, sc, path,
                                                   NULL));
        add_app(conf, app, pconf);
        APR_ARRAY_PUSH(sc->apps, pa_app_t *) = app;
        apr_hash_set(sc->by_path, path, APR_HASH_KEY_STRING, app);
        apr_hash_set(sc->by_file, key, APR_HASH_KEY_STRING, app);
        /* A program's own pool, under its path with links resolved too
         * (the pattern may go through a symlinked directory). */
        if (i < g.gl_pathc && realpath(path, real) && strcmp(real, path)
            && !apr_hash_get(sc->by_path, real, APR_HASH_KEY_STRING)) {
            apr_hash_set(sc->by_path, apr_pstrdup(pconf, real),
                         APR_HASH_KEY_STRING, app);
        }
    }
    if (rc == 0) {
        globfree(&g);
    }
    add_spares(conf, sc, pconf);
    if (sc->skipped->nelts) {
        int shown = sc->skipped->nelts < 5 ? sc->skipped->nelts : 5;
        apr_array_header_t few = *sc->skipped;

        few.nelts = shown;
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00029) "%s:%d: PreforkAppScripts %s: left out "
                     "%d file%s its workers (user %s) may not execute: %s%s",
                     sc->file, sc->line, sc->name, sc->skipped->nelts,
                     sc->skipped->nelts == 1 ? "" : "s",
                     pa_worker_user_name(ptemp, sc->tmpl),
                     apr_array_pstrcat(ptemp, &few, ' '),
                     shown < sc->skipped->nelts ? " ..." : "");
    }
    if (!apr_hash_count(sc->by_path)) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00030) "%s:%d: PreforkAppScripts %s: \"%s\" "
                     "matches no program yet: %s", sc->file,
                     sc->line, sc->name, sc->pattern,
                     sc->new_programs
                     ? apr_psprintf(ptemp, "the first %d programs added are "
                                    "started at their first request (new-"
                                    "programs=), the others at a graceful "
                                    "restart", sc->new_programs)
                     : "programs added are started at a graceful restart "
                       "(new-programs=0)");
    }
    return OK;
}

/* One app's keys against the rest of the configuration. A
 * PreforkAppScripts line's are checked and warned of once, at its template;
 * its programs' pools have only their own settled here. */
static int check_app(pa_server_conf_t *conf, apr_pool_t *pconf,
                     apr_pool_t *ptemp, server_rec *s, pa_app_t *app)
{
    int say = !app->scripts || app == app->scripts->tmpl;

    if (app->cache_name) {
        app->cache = apr_hash_get(conf->zones_by_name, app->cache_name,
                                  APR_HASH_KEY_STRING);
        if (!app->cache) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                         PALOGNO(00002) "%s:%d: %s: cache=%s: "
                         "no PreforkAppCache zone of that name%s",
                         app->file, app->line, pa_app_what(ptemp, app),
                         app->cache_name,
                         zone_hint(ptemp, conf, app->cache_name));
            return !OK;
        }
        /* A note that a page was dropped must outlast every request
         * that could store it (cache.c). */
        if (app->queue_timeout + app->request_timeout
            > app->cache->request_span) {
            app->cache->request_span = app->queue_timeout
                                       + app->request_timeout;
        }
    }
    else if (app->stale_while_revalidate || app->stale_if_error
             || app->cache_lock || app->cache_ignore) {
        const char *key = "cache-ignore-params", *val = "";

        if (app->cache_ignore) {
            val = apr_array_pstrcat(ptemp, app->cache_ignore, ',');
        }
        if (app->stale_while_revalidate) {
            key = "stale-while-revalidate";
            val = apr_itoa(ptemp, app->stale_while_revalidate);
        }
        else if (app->stale_if_error) {
            key = "stale-if-error";
            val = apr_itoa(ptemp, app->stale_if_error);
        }
        else if (app->cache_lock) {
            key = "cache-lock";
            val = apr_itoa(ptemp, app->cache_lock);
        }
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00021) "%s:%d: %s: %s=%s "
                     "without cache=ZONE: it is about stored pages, and "
                     "the app has none", app->file, app->line, pa_app_what(ptemp, app),
                     key, val);
        return !OK;
    }
    if (app->protocol == PA_PROTO_CGI && app->max_requests_hi > 1) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00003) "%s:%d: %s: max-requests=%s "
                     "with protocol=cgi, which serves one request per "
                     "process", app->file, app->line, pa_app_what(ptemp, app),
                     app->max_requests < app->max_requests_hi
                     ? apr_psprintf(ptemp, "%d-%d", app->max_requests,
                                    app->max_requests_hi)
                     : apr_itoa(ptemp, app->max_requests));
        return !OK;
    }
    if (app->protocol == PA_PROTO_CGI) {
        /* the next launcher starts at the claim */
        app->max_requests = app->max_requests_hi = 1;
        app->exits_itself = 1;
    }
    if (app->protocol != PA_PROTO_FASTCGI && app->keep_conn == 1) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00004) "%s:%d: %s: keep-conn=on "
                     "needs protocol=fastcgi (SCGI and CGI are one "
                     "request per connection)", app->file, app->line,
                     pa_app_what(ptemp, app));
        return !OK;
    }
    if (app->keep_conn < 0) {
        app->keep_conn = app->protocol == PA_PROTO_FASTCGI;
    }
    if (app->argv && !app->scripts) {
        runs_file(ptemp, app);
    }
    if (app->protocol == PA_PROTO_FASTCGI && app->argv) {
        php_max_requests(pconf, app);
        if (say) {
            php_children(app, s);
            php_cli(ptemp, app, s);
        }
    }
    if (say) {
        touch_reload_dir(ptemp, app, s);
    }
    if (say && app->user && geteuid() != 0
        && (app->uid != geteuid() || app->gid != getegid())) {
        /* Only root can give workers another identity: the app would
         * run as the admin believes it does not. */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00020) "%s:%d: %s: user=%s%s%s "
                     "is ignored: httpd is not started as root, so its "
                     "workers run as httpd does (uid %ld, gid %ld)",
                     app->file, app->line, pa_app_what(ptemp, app), app->user,
                     app->group ? " group=" : "",
                     app->group ? app->group : "", (long)geteuid(),
                     (long)getegid());
    }
    if (say && app->slowlog && app->slowlog >= app->request_timeout) {
        /* The 504 comes first: no line while the request runs. */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00027) "%s:%d: %s: slowlog=%d is "
                     "not below request-timeout=%d: a slow request is "
                     "cut off (504) before its worker can be logged "
                     "still running and what it waits for (PA00137); "
                     "set slowlog= lower", app->file, app->line,
                     pa_app_what(ptemp, app), app->slowlog, app->request_timeout);
    }
    if (!say) {
        return OK;              /* the rest is the template's */
    }
    if (app->cache && app->chroot) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00025) "%s:%d: %s: cache=%s with "
                     "chroot=%s: its responses are cached, but its "
                     "workers cannot attach to the zone from inside "
                     "their root: they get no %s", app->file, app->line,
                     pa_app_what(ptemp, app), app->cache->name, app->chroot,
                     PA_CACHE_ENV);
    }
    else if (app->cache && !pa_worker_attaches_zone(app)) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00010) "%s:%d: %s: cache=%s with "
                     "user=%s: its responses are cached, but its workers "
                     "cannot attach to the zone (User %s's, mode 0600): "
                     "they get no %s", app->file, app->line, pa_app_what(ptemp, app),
                     app->cache->name, app->user,
                     ap_unixd_config.user_name, PA_CACHE_ENV);
    }
    if (app->argv && !pa_worker_may_access(ptemp, app, app->argv[0], X_OK)) {
        /* Else a crash loop at startup (PA00121 per attempt). */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00008) "%s:%d: %s: its workers "
                     "(user %s) cannot execute '%s': a directory on the "
                     "way is closed to them, or the file is not "
                     "executable for them", app->file, app->line,
                     pa_app_what(ptemp, app), pa_worker_user_name(ptemp, app),
                     app->argv[0]);
        return !OK;
    }
    if (check_sendfile_dirs(ptemp, app, s) != OK) {
        return !OK;
    }
    if (app->dir && !pa_worker_may_access(ptemp, app, app->dir, X_OK)) {
        /* Each worker's chdir would fail: the same crash loop. */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00022) "%s:%d: %s: its workers "
                     "(user %s) cannot enter their working directory "
                     "'%s' (cwd=): it, or a directory on the way, is "
                     "closed to them", app->file, app->line, pa_app_what(ptemp, app),
                     pa_worker_user_name(ptemp, app), app->dir);
        return !OK;
    }
    return OK;
}

/* The manager listens on each slot's socket from its start, and holds
 * about three descriptors per worker up (its socket, its output pipe, the
 * kept connection): slots past its hard limit (it raises the soft one to
 * it) stop it at once (PA00120, PA00118), every app with it; fewer, but
 * full pools past it, fail to start workers. */
static int check_slot_fds(const pa_server_conf_t *conf, server_rec *s)
{
    struct rlimit rl;
    apr_uint64_t slots = 0, mins = 0, maxs = 0;
    const pa_app_t *largest = NULL;
    int i;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_max == RLIM_INFINITY) {
        return OK;
    }
    for (i = 0; i < conf->apps->nelts; i++) {
        const pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        slots += pa_sb_nslots(app);
        mins += (apr_uint64_t)app->min_procs;
        /* (A kept connection is one more each, but the manager does
         * without one it cannot open: PA00126.) */
        maxs += (apr_uint64_t)app->max_procs * (app->keep_conn > 0 ? 2 : 1);
        if (!largest || app->max_procs > largest->max_procs) {
            largest = app;
        }
    }
    /* Each slot listens from the start and each worker up has its output
     * pipe in the manager: past the limit, the pools' minimums would never
     * all be up (the first spawn that fails starts a backoff, for good). */
    if (largest && slots + mins + PA_MGR_FDS_OWN > rl.rlim_max) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00036) "%s:%d: PreforkApp %s: the pools have %"
                     APR_UINT64_T_FMT " worker slots in all (each app's "
                     "processes= maximum and a quarter more for "
                     "replacements; the largest is this one's) and %"
                     APR_UINT64_T_FMT " workers at their minimums; the "
                     "manager listens on a socket for each slot and holds a "
                     "pipe for each worker up, besides %d descriptors of its "
                     "own: more than the %lu descriptors it may open (ulimit "
                     "-Hn); lower the pools' sizes or raise the hard limit "
                     "(LimitNOFILE= of the service)", largest->file,
                     largest->line, largest->name, slots, mins,
                     PA_MGR_FDS_OWN, (unsigned long)rl.rlim_max);
        return !OK;
    }
    if (largest && slots + maxs + PA_MGR_FDS_OWN > rl.rlim_max) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0, s,
                     PALOGNO(00037) "%s:%d: PreforkApp %s: the pools have %"
                     APR_UINT64_T_FMT " worker slots in all and need up to %"
                     APR_UINT64_T_FMT " descriptors for their workers; the "
                     "manager listens on a socket for each slot and holds a "
                     "pipe for each worker up and its kept connection, "
                     "besides %d descriptors of its own, and may open %lu "
                     "(ulimit -Hn): with the pools near full, workers will "
                     "fail to start (PA00107) or lose their kept connections "
                     "(PA00126); raise the hard limit or lower the maximums",
                     largest->file, largest->line,
                     largest->name, slots, maxs, PA_MGR_FDS_OWN,
                     (unsigned long)rl.rlim_max);
    }
    return OK;
}

int pa_config_check(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    pa_server_conf_t *conf = pa_get_conf(s);
    int i, mins = 0;

    if (stopping(ptemp)) {
        return OK;
    }
    /* Its threads serve requests besides the MPM's: the wait queue must
     * have room for them too (scoreboard.c). */
    conf->h2_workers = ap_find_linked_module("mod_http2.c")
                       ? h2_max_workers(ptemp, ap_conftree) : 0;
    for (i = 0; i < conf->scripts->nelts; i++) {
        pa_scripts_t *sc = APR_ARRAY_IDX(conf->scripts, i, pa_scripts_t *);

        if (check_app(conf, pconf, ptemp, s, sc->tmpl) != OK
            || expand_scripts(conf, sc, pconf, ptemp, s) != OK) {
            return !OK;
        }
    }
    for (i = 0; i < conf->apps->nelts; i++) {
        pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        if (check_app(conf, pconf, ptemp, s, app) != OK) {
            return !OK;
        }
        if (!app->spare) {
            mins += app->min_procs;     /* a spare has none before it is taken */
        }
    }
    if (conf->max_procs && mins > conf->max_procs) {
        /* Every pool's minimum must fit, or one would starve. */
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s,
                     PALOGNO(00005) "%s:%d: PreforkAppMaxProcesses %d: the "
                     "pools' minimums add up to %d (processes=N counts N, "
                     "processes=MIN-MAX counts MIN)", conf->max_procs_file,
                     conf->max_procs_line, conf->max_procs, mins);
        return !OK;
    }
    if (conf->max_procs && mins == conf->max_procs) {
        /* No room left above the minimums: a pool can never grow past
         * its own, and an on-demand one never starts a worker (but for
         * the moments another pool's worker is gone). */
        for (i = 0; i < conf->apps->nelts; i++) {
            const pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

            if (app->spare || app->min_procs == app->max_procs) {
                continue;
            }
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING,
                         0, s, PALOGNO(00038) "%s:%d: PreforkApp %s "
                         "processes=%d-%d: PreforkAppMaxProcesses %d is "
                         "taken whole by the pools' minimums (%s:%d): it "
                         "can never have more than %d worker%s", app->file,
                         app->line, app->name, app->min_procs,
                         app->max_procs, conf->max_procs,
                         conf->max_procs_file, conf->max_procs_line,
                         app->min_procs, app->min_procs == 1 ? "" : "s");
        }
    }
    if (check_slot_fds(conf, s) != OK) {
        return !OK;
    }
    if (conf->apps->nelts && check_sockdir(conf, ptemp, s) != OK) {
        return !OK;
    }
    if (check_tempdir(conf, ptemp, s) != OK
        || (conf->apps->nelts && check_pidfile(conf, ptemp, s) != OK)) {
        return !OK;
    }
    return check_handlers_all(conf, pconf, ptemp, s);
}
