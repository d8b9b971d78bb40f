/* status: the prefork-app-status handler (HTML, ?json, ?metrics; see
 * docs/status.md) and the per-zone cache figures it shows. */
#ifndef PA_STATUS_H
#define PA_STATUS_H

#include "mod_prefork_app.h"

/* One cache zone as the status page shows it. */
typedef struct pa_status_zone_t {
    const char *name;
    apr_uint64_t size;          /* configured size, bytes */
    int have_stats;             /* 0: only name and size are known */
    apr_uint64_t used;          /* bytes holding entries */
    apr_uint64_t entries;
    apr_uint64_t hits;
    apr_uint64_t misses;
    apr_uint64_t evictions;
    apr_uint64_t expired;
} pa_status_zone_t;

/* Every PreforkAppCache zone of conf (those of the apps named in apps
 * alone, unless it is NULL), in configuration order, as an array of
 * pa_status_zone_t allocated from p, with the statistics of the zones that
 * exist in this generation (have_stats). */
apr_array_header_t *pa_status_cache_zones(apr_pool_t *p,
                                          const pa_server_conf_t *conf,
                                          const apr_table_t *apps);

/* mod_status's status_hook: the apps r's host may use, their workers by
 * state, queue and counters, as a table on server-status (flags as
 * mod_status gives them) or, with AP_STATUS_SHORT (?auto), as
 * "PreforkApp[N]Key: value" lines (docs/status.md). */
int pa_status_mod_status(request_rec *r, int flags);

#endif
