/* The process manager: one per httpd generation, forked from the httpd
 * parent in post_config (like mod_cgid's daemon). It forks + execs every
 * app's workers, replaces the dead at once, recycles, scales dynamic pools,
 * kills stuck workers, and stops everything on restart/stop.
 *
 * Life cycle, as seen from httpd:
 * - it dies while httpd runs: the parent (other-child DEATH) forks a new one
 *   on the same scoreboard; the old workers died with it (PDEATHSIG);
 * - restart (graceful or not): on pconf cleanup it gets SIGUSR1 and
 *   drains: it keeps serving its generation's httpd children until they are
 *   all gone (EOF on the generation pipe, or 10 s without a request), then
 *   stops its workers and exits. The next generations watch it as their own
 *   other child, so httpd reaps it quietly;
 * - stop / graceful-stop: SIGTERM, its workers get SIGTERM then SIGKILL
 *   after die-timeout, and the parent waits for it before exiting;
 * - the parent dies: PDEATHSIG (SIGTERM) does the same.
 * In every case it removes its sockets, socket directory and pid file. */
#ifndef PA_MANAGER_H
#define PA_MANAGER_H

#include "scoreboard.h"

/* The scoreboard of the running generation, set in the parent by
 * post_config and inherited by the manager and the httpd children. */
extern pa_sb_t *pa_scoreboard;

/* Parent, post_config (real pass): fork the manager for this generation
 * and register it with httpd. At a restart a fork that fails (no memory
 * or processes left) does not stop httpd: PA00139, tried again from the
 * monitor hook. */
apr_status_t pa_manager_start(pa_sb_t *sb, apr_pool_t *pconf, server_rec *s);

/* Parent, pre_config of every generation (before its directives are
 * processed, so before anything of it but the parsing of its files can
 * fail): watch the managers of earlier generations that are still
 * draining, so that httpd reaps them as its own and a stop, or an exit
 * after a failed restart, stops them. */
void pa_manager_adopt_retired(apr_pool_t *pconf);

/* Parent, httpd's monitor hook (every ten seconds): a manager that died
 * and could not be replaced then (fork() failed: no processes or memory
 * left) is forked now if it can be. */
int pa_manager_monitor(apr_pool_t *pconf, server_rec *s);

#endif
