/* PreforkAppScripts: a pool per program. The programs its pattern matched
 * when the configuration was read have pools made then (config.c); one
 * added while httpd runs is served by one of the line's new-programs=
 * pools, which sit without workers until a request for such a program
 * takes one for it: the httpd child writes the program's path and pool
 * name into the pool's scoreboard record, the manager checks them as the
 * configuration check does the others and starts its workers. A pool
 * taken stays the program's until the next restart, when the pattern is
 * read again (and the program gets a pool of its own). */
#ifndef PA_SCRIPTS_H
#define PA_SCRIPTS_H

#include "mod_prefork_app.h"
#include "scoreboard.h"

#include <sys/stat.h>

/* The pool name of sc's program path: NAME:FILE, FILE's characters other
 * than the names' made '_', cut to fit PA_NAME_MAX and made unique with
 * -2, -3... against the configured apps and, with sb, the line's pools
 * taken at run time. A program added must never make a start fail. */
const char *pa_scripts_app_name(apr_pool_t *p, const pa_server_conf_t *conf,
                                const pa_scripts_t *sc, const char *path,
                                pa_sb_t *sb);

/* The key of pa_scripts_t's by_file: a file (fdev, fino) in a directory
 * (dir, its stat), whatever the names of either. */
const char *pa_scripts_place(apr_pool_t *p, apr_dev_t fdev, apr_ino_t fino,
                             const struct stat *dir);

/* Whether paths a and b (absolute) name files of one directory, by the
 * same path to it or not. */
int pa_scripts_same_dir(const char *a, const char *b);

/* app (a copy of the line's template) made the pool named name of the
 * program at path: its command, its directory as cwd (unless cwd=), and
 * touch-reload= it (unless given): at the configuration check for the
 * programs the pattern matches, at run time for those added since. */
void pa_scripts_set_program(apr_pool_t *p, pa_app_t *app, const char *path,
                            const char *name);

/* Dispatch, for a request whose file has no pool of its own: the line's
 * pool already taken for it, or a free one taken now, if the file is a
 * program (a regular file with an execute bit) that the pattern matches.
 * *app is then a copy in r->pool named as the program's pool, and OK is
 * returned. DECLINED: the file is not such a program, or the line has no
 * such pools (the caller says so); 403 (logged): another virtual host's
 * request, no pool left, a path too long, or the program refused by the
 * manager. */
int pa_scripts_take(request_rec *r, const pa_scripts_t *sc, pa_app_t **app);

/* Status: the app as a page shows it: a new-programs= pool taken as a
 * copy in p with its program's name and path; NULL for one not taken, or
 * refused (as a file left out at the start: no pool, PA00143 says why);
 * any other app itself. */
const pa_app_t *pa_scripts_shown(apr_pool_t *p, const pa_app_t *app,
                                 const pa_sb_app_t *a);

/* The new-programs= pool (as configured: NAME:+K) taken for a program
 * whose pool is named name (without regard to case), or NULL (also for
 * one refused: shown nowhere). */
const pa_app_t *pa_scripts_find_taken(const pa_server_conf_t *conf,
                                      const char *name);

/* How many of sc's new-programs= pools are taken (refused ones too). */
int pa_scripts_taken_count(const pa_scripts_t *sc);

/* The manager, for a new-programs= pool: 0 while nobody took it; once one
 * did, 1 when app (the manager's own) now runs its program, -1 when the
 * program is refused (logged, PA00143; marked in a, so that its requests
 * get 403). Called until it returns 1 or -1. */
int pa_scripts_adopt(apr_pool_t *p, pa_app_t *app, pa_sb_app_t *a,
                     server_rec *s);

#endif
