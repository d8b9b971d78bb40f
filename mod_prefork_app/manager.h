/* The process manager: one per httpd generation, forked from the httpd
 * parent in post_config (like mod_cgid's daemon). It forks + execs every
 * app's workers, replaces the dead at once, recycles, scales dynamic pools,
 * kills stuck workers, and stops everything on restart/stop. */
#ifndef PA_MANAGER_H
#define PA_MANAGER_H

#include "scoreboard.h"

/* The scoreboard of the running generation, set in the parent by
 * post_config and inherited by the manager and the httpd children. */
extern pa_sb_t *pa_scoreboard;

/* Parent, post_config (real pass): fork the manager for this generation and
 * register it with httpd (other-child: restarted if it dies; on pconf
 * cleanup it is told to retire: graceful drain of in-flight requests). */
apr_status_t pa_manager_start(pa_sb_t *sb, apr_pool_t *pconf, server_rec *s);

#endif
