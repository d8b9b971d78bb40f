/* PreforkAppScripts at run time: the new-programs= pools. See scripts.h. */
#include "scripts.h"
#include "manager.h"
#include "worker.h"

#include "http_log.h"
#include "apr_fnmatch.h"
#include "apr_lib.h"
#include "apr_strings.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

APLOG_USE_MODULE(prefork_app);

/* glob(3)'s matching, as config.c's expansion of the pattern: a wildcard
 * matches no '/' and no leading '.'. */
#define PA_GLOB_FLAGS (APR_FNM_PATHNAME | APR_FNM_PERIOD)

static pa_sb_app_t *spare_record(pa_sb_t *sb, const pa_scripts_t *sc, int k)
{
    return pa_sb_app(sb, APR_ARRAY_IDX(sc->spares, k, pa_app_t *)->index);
}

/* Whether one of sc's pools taken at run time is named name. Caller holds
 * the line's lock (its first spare pool's). */
static int name_taken(pa_sb_t *sb, const pa_scripts_t *sc, const char *name)
{
    int k;

    for (k = 0; k < sc->spares->nelts; k++) {
        const pa_sb_app_t *a = spare_record(sb, sc, k);

        if (__atomic_load_n(&a->taken, __ATOMIC_ACQUIRE)
            && !strcasecmp(a->program_name, name)) {
            return 1;
        }
    }
    return 0;
}

/* Whether c may be in a program's part of a pool name (FILE of NAME:FILE). */
static int name_char(char c)
{
    return apr_isalnum(c) || c == '_' || c == '-' || c == '.';
}

const char *pa_scripts_app_name(apr_pool_t *p, const pa_server_conf_t *conf,
                                const pa_scripts_t *sc, const char *path,
                                pa_sb_t *sb)
{
    const char *base = strrchr(path, '/') + 1;
    apr_size_t glen = strlen(sc->name);
    int n;

    for (n = 1; ; n++) {
        char name[PA_NAME_MAX + 1], suffix[16] = "";
        apr_size_t room, i;

        if (n > 1) {
            apr_snprintf(suffix, sizeof(suffix), "-%d", n);
        }
        room = PA_NAME_MAX - glen - 1 - strlen(suffix);
        memcpy(name, sc->name, glen);
        name[glen] = ':';
        for (i = 0; base[i] && i < room; i++) {
            name[glen + 1 + i] = name_char(base[i]) ? base[i] : '_';
        }
        strcpy(name + glen + 1 + i, suffix);
        if (!pa_find_app(conf, name) && !(sb && name_taken(sb, sc, name))) {
            return apr_pstrdup(p, name);
        }
    }
}

/* Whether path matches sc's pattern as typed or with its links resolved. */
static int pattern_matches(const pa_scripts_t *sc, const char *path)
{
    return apr_fnmatch(sc->pattern, path, PA_GLOB_FLAGS) == APR_SUCCESS
           || (sc->real_pattern
               && apr_fnmatch(sc->real_pattern, path, PA_GLOB_FLAGS)
                  == APR_SUCCESS);
}

/* The path by which r's file matches sc's pattern: as requested, else
 * with its symbolic links resolved (a symlinked DocumentRoot), against the
 * pattern as typed or with its own links resolved (a pattern through a
 * symlinked directory); NULL if none does, or the file is no program. */
static const char *program_path(request_rec *r, const pa_scripts_t *sc)
{
    char real[PATH_MAX];
    const char *path = NULL;
    apr_finfo_t fi;

    if (!r->filename) {
        return NULL;
    }
    if (apr_fnmatch(sc->pattern, r->filename, PA_GLOB_FLAGS) == APR_SUCCESS) {
        path = r->filename;
    }
    else if (realpath(r->filename, real) && pattern_matches(sc, real)) {
        path = apr_pstrdup(r->pool, real);
    }
    /* Any execute bit: the manager checks the workers' access itself. */
    if (!path
        || apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT, r->pool)
           != APR_SUCCESS
        || fi.filetype != APR_REG
        || !(fi.protection
             & (APR_UEXECUTE | APR_GEXECUTE | APR_WEXECUTE))) {
        return NULL;
    }
    return path;
}

const char *pa_scripts_place(apr_pool_t *p, apr_dev_t fdev, apr_ino_t fino,
                             const struct stat *dir)
{
    return apr_psprintf(p, "%" APR_UINT64_T_FMT ":%" APR_UINT64_T_FMT ":%"
                        APR_UINT64_T_FMT ":%" APR_UINT64_T_FMT,
                        (apr_uint64_t)fdev, (apr_uint64_t)fino,
                        (apr_uint64_t)dir->st_dev, (apr_uint64_t)dir->st_ino);
}

int pa_scripts_same_dir(const char *a, const char *b)
{
    const char *as = strrchr(a, '/'), *bs = strrchr(b, '/');
    char ad[PATH_MAX], bd[PATH_MAX];
    struct stat ast, bst;

    if (!as || !bs || as - a >= PATH_MAX || bs - b >= PATH_MAX) {
        return 0;
    }
    if (as - a == bs - b && !strncmp(a, b, (size_t)(as - a))) {
        return 1;
    }
    /* One directory by two paths (a symlinked directory on the way). */
    apr_cpystrn(ad, a, (apr_size_t)(as - a) + 1);
    apr_cpystrn(bd, b, (apr_size_t)(bs - b) + 1);
    return stat(*ad ? ad : "/", &ast) == 0 && stat(*bd ? bd : "/", &bst) == 0
           && ast.st_dev == bst.st_dev && ast.st_ino == bst.st_ino;
}

/* Whether the pool record a was taken for the file path (of fi), by that
 * name or another of its directory (a symlink, a hard link; one in
 * another directory is another site's: see expand_scripts()): only while
 * its own name still is that file (deleted, its inode number may be a new
 * file's). */
static int taken_for(apr_pool_t *p, const pa_sb_app_t *a, const char *path,
                     const apr_finfo_t *fi)
{
    apr_finfo_t own;

    if (!strcmp(a->program, path)) {
        return 1;
    }
    return fi->inode && pa_scripts_same_dir(a->program, path)
           && a->program_ino == (apr_uint64_t)fi->inode
           && a->program_dev == (apr_uint64_t)fi->device
           && apr_stat(&own, a->program, APR_FINFO_IDENT, p) == APR_SUCCESS
           && own.inode == fi->inode && own.device == fi->device;
}

/* The pool of sc taken for path, else a free one taken for it now; -1 if
 * none is left. *fresh says it was taken now. */
static int take_pool(request_rec *r, const pa_scripts_t *sc,
                     const char *path, int *fresh)
{
    pa_sb_t *sb = pa_scoreboard;
    pa_sb_app_t *lock = spare_record(sb, sc, 0);
    int k, found = -1, unused = -1;
    apr_finfo_t fi;

    *fresh = 0;
    if (apr_stat(&fi, path, APR_FINFO_IDENT, r->pool) != APR_SUCCESS) {
        fi.inode = 0;
        fi.device = 0;
    }
    pa_sb_lock(sb, lock);
    for (k = 0; k < sc->spares->nelts && found < 0; k++) {
        const pa_sb_app_t *a = spare_record(sb, sc, k);

        if (!__atomic_load_n(&a->taken, __ATOMIC_ACQUIRE)) {
            unused = unused < 0 ? k : unused;
        }
        else if (taken_for(r->pool, a, path, &fi)) {
            found = k;
        }
    }
    if (found < 0 && unused >= 0) {
        pa_sb_app_t *a = spare_record(sb, sc, unused);

        a->program_dev = (apr_uint64_t)fi.device;
        a->program_ino = (apr_uint64_t)fi.inode;
        apr_cpystrn(a->program, path, sizeof(a->program));
        apr_cpystrn(a->program_name,
                    pa_scripts_app_name(r->pool, pa_get_conf(r->server), sc,
                                        path, sb),
                    sizeof(a->program_name));
        __atomic_store_n(&a->taken, 1, __ATOMIC_RELEASE);
        found = unused;
        *fresh = 1;
    }
    pa_sb_unlock(sb, lock);
    return found;
}

void pa_scripts_set_program(apr_pool_t *p, pa_app_t *app, const char *path,
                            const char *name)
{
    const char **argv = apr_pcalloc(p, 2 * sizeof(*argv));
    const char *slash;

    app->name = apr_pstrdup(p, name);
    argv[0] = app->cmdline = apr_pstrdup(p, path);
    app->argv = argv;
    if (!app->dir) {
        slash = strrchr(argv[0], '/');
        app->dir = slash == argv[0] ? "/"
                   : apr_pstrmemdup(p, argv[0], slash - argv[0]);
    }
    if (!app->touch_reload) {
        app->touch_reload = argv[0];
    }
}

/* A copy of spare in p as the pool of its program. */
static pa_app_t *as_program(apr_pool_t *p, const pa_app_t *spare,
                            const pa_sb_app_t *a)
{
    pa_app_t *app = apr_pmemdup(p, spare, sizeof(*app));

    pa_scripts_set_program(p, app, a->program, a->program_name);
    return app;
}

int pa_scripts_take(request_rec *r, const pa_scripts_t *sc, pa_app_t **app)
{
    const char *path;
    const pa_sb_app_t *a;
    int k, fresh;

    if (!sc->spares->nelts || !pa_scoreboard
        || !(path = program_path(r, sc))) {
        return DECLINED;
    }
    if (!pa_app_allowed(APR_ARRAY_IDX(sc->spares, 0, pa_app_t *),
                        r->server)) {
        /* As PA00332, before a pool is taken for another host's request. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00343)
                      "%s: new program %s: refused to virtual host %s: "
                      "only the virtual hosts whose configuration sections "
                      "name PreforkAppScripts %s may use it", sc->name, path,
                      pa_vhost_where(r->pool, r->server), sc->name);
        return HTTP_FORBIDDEN;
    }
    if (strlen(path) >= PA_PROGRAM_MAX) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00339)
                      "%s: %s: a path longer than %d bytes is not started "
                      "before a graceful restart", sc->name, path,
                      PA_PROGRAM_MAX - 1);
        return HTTP_FORBIDDEN;
    }
    k = take_pool(r, sc, path, &fresh);
    if (k < 0) {
        /* Said for every such request: as PA00304. */
        char quiet[96];
        int level = pa_loud(&spare_record(pa_scoreboard, sc, 0)->full_log,
                            APLOG_ERR, pa_now(), "refusals", quiet,
                            sizeof(quiet));

        ap_log_rerror(APLOG_MARK, level, 0, r, PALOGNO(00340)
                      "%s: %s is a program added since httpd (re)started, "
                      "and the %d new-programs= pools of PreforkAppScripts "
                      "%s (%s:%d) are all taken: a graceful restart starts "
                      "it, or raise new-programs=%s", sc->name, path,
                      sc->new_programs, sc->name, sc->file, sc->line, quiet);
        return HTTP_FORBIDDEN;
    }
    a = spare_record(pa_scoreboard, sc, k);
    if (fresh) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, PALOGNO(00341)
                      "%s: new program %s: served by pool %s (new-programs= "
                      "pool %d of %d) until the next restart", sc->name,
                      path, a->program_name, k + 1, sc->new_programs);
    }
    if (__atomic_load_n(&a->refused, __ATOMIC_ACQUIRE)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00342)
                      "%s: new program %s was refused by the process manager "
                      "(PA00143) until a graceful restart", sc->name, path);
        return HTTP_FORBIDDEN;
    }
    *app = as_program(r->pool, APR_ARRAY_IDX(sc->spares, k, pa_app_t *), a);
    return OK;
}

const pa_app_t *pa_scripts_shown(apr_pool_t *p, const pa_app_t *app,
                                 const pa_sb_app_t *a)
{
    if (!app->spare) {
        return app;
    }
    if (!__atomic_load_n(&a->taken, __ATOMIC_ACQUIRE)
        || __atomic_load_n(&a->refused, __ATOMIC_ACQUIRE)) {
        return NULL;
    }
    return as_program(p, app, a);
}

const pa_app_t *pa_scripts_find_taken(const pa_server_conf_t *conf,
                                      const char *name)
{
    int i, k;

    for (i = 0; pa_scoreboard && i < conf->scripts->nelts; i++) {
        const pa_scripts_t *sc = APR_ARRAY_IDX(conf->scripts, i,
                                               pa_scripts_t *);

        for (k = 0; k < sc->spares->nelts; k++) {
            const pa_sb_app_t *a = spare_record(pa_scoreboard, sc, k);

            if (__atomic_load_n(&a->taken, __ATOMIC_ACQUIRE)
                && !__atomic_load_n(&a->refused, __ATOMIC_ACQUIRE)
                && !strcasecmp(a->program_name, name)) {
                return APR_ARRAY_IDX(sc->spares, k, pa_app_t *);
            }
        }
    }
    return NULL;
}

int pa_scripts_taken_count(const pa_scripts_t *sc)
{
    int k, n = 0;

    for (k = 0; pa_scoreboard && k < sc->spares->nelts; k++) {
        n += __atomic_load_n(&spare_record(pa_scoreboard, sc, k)->taken,
                             __ATOMIC_ACQUIRE) != 0;
    }
    return n;
}

/* Whether name is one pa_scripts_app_name() could have given sc's
 * programs: the manager trusts nothing an httpd child wrote. */
static int name_fits(const pa_scripts_t *sc, const char *name)
{
    apr_size_t glen = strlen(sc->name), i;

    if (strncmp(name, sc->name, glen) || name[glen] != ':'
        || !name[glen + 1]) {
        return 0;
    }
    for (i = glen + 1; name[i]; i++) {
        if (!name_char(name[i])) {
            return 0;
        }
    }
    return 1;
}

int pa_scripts_adopt(apr_pool_t *p, pa_app_t *app, pa_sb_app_t *a,
                     server_rec *s)
{
    const pa_scripts_t *sc = app->scripts;
    char path[PA_PROGRAM_MAX], name[PA_NAME_MAX + 1];
    const char *why = NULL;
    apr_finfo_t fi;

    if (!__atomic_load_n(&a->taken, __ATOMIC_ACQUIRE)) {
        return 0;
    }
    memcpy(path, a->program, sizeof(path));
    path[sizeof(path) - 1] = '\0';
    memcpy(name, a->program_name, sizeof(name));
    name[sizeof(name) - 1] = '\0';
    if (path[0] != '/' || !pattern_matches(sc, path)) {
        why = "it does not match the line's pattern";
    }
    else if (!name_fits(sc, name)) {
        why = "its pool's name is not the line's";
    }
    else if (apr_stat(&fi, path, APR_FINFO_TYPE, p) != APR_SUCCESS
             || fi.filetype != APR_REG) {
        why = "it is not a regular file";
    }
    else if (!pa_worker_may_access(p, app, path, X_OK)) {
        why = apr_psprintf(p, "its workers (user %s) may not execute it",
                           pa_worker_user_name(p, app));
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PALOGNO(00143)
                     "PreforkAppScripts %s (%s:%d): not starting new program "
                     "%s: %s; its requests get 403 until a graceful restart",
                     sc->name, sc->file, sc->line, path, why);
        __atomic_store_n(&a->refused, 1, __ATOMIC_RELEASE);
        return -1;
    }
    pa_scripts_set_program(p, app, path, name);
    return 1;
}
