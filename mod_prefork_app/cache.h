/* Response cache glue: PreforkAppCache zones (apr_shm_cache) and the
 * caching of app responses for apps with cache=ZONE. */
#ifndef PA_CACHE_H
#define PA_CACHE_H

#include "mod_prefork_app.h"
#include "apr_shm_cache.h"

/* Environment variable naming a zone's segment for the app's workers, which
 * attach with apr_shm_cache_attach(getenv(PA_CACHE_ENV), ...). */
#define PA_CACHE_ENV "PREFORK_APP_CACHE"
/* Response header an app sets to tag a cached response ("a, b"); it is
 * removed before the response leaves httpd. */
#define PA_CACHE_TAGS_HEADER "X-Prefork-App-Cache-Tags"
/* The request note that carries those tags from the header scan to the
 * cache's output filter. */
#define PA_CACHE_TAGS_NOTE "prefork-app-cache-tags"
/* Response header an app sets to drop every stored page of these tags
 * ("a, b") from its zone, on any answer; removed as the tags header. */
#define PA_CACHE_INVALIDATE_HEADER "X-Prefork-App-Cache-Invalidate"
/* HIT, STALE or MISS, on an answer of an app with cache= (never the app's
 * own). */
#define PA_CACHE_STATUS_HEADER "X-Prefork-App-Cache"

/* Parent, post_config (real pass): make every zone that is not there yet
 * as a named segment owned by httpd's User (so workers can attach), and
 * attach to it for this generation. Zones live as long as httpd's parent:
 * a restart keeps them, unless it drops one or changes its size or User. */
apr_status_t pa_cache_create_zones(pa_server_conf_t *conf, apr_pool_t *pconf,
                                   apr_pool_t *ptemp, server_rec *s);

/* Parent, pre_config: the zones are removed when httpd exits, from this
 * generation on (also when its configuration then fails). */
void pa_cache_pre_config(apr_pool_t *pconf);

/* What the cache knows of one request (its lookup). */
typedef struct pa_cache_save_t pa_cache_save_t;

/* What a request was answered with from the zone. */
typedef enum {
    PA_CACHE_NONE = 0,              /* nothing: the app's answer, or an error */
    PA_CACHE_HIT,                   /* a fresh copy */
    PA_CACHE_STALE,                 /* a stale one, while another request
                                     * refreshes it */
    PA_CACHE_STALE_IF_ERROR         /* a stale one, for the app's failure */
} pa_cache_served_e;

/* Handler, before a worker is claimed: answer from the app's zone if a
 * fresh entry exists, or a stale one within its stale-while-revalidate
 * while another request refreshes it, or (cache-lock=) one that another
 * request fetching the page stored while this one waited (returns OK);
 * otherwise arrange for a cacheable response to be stored and return
 * DECLINED. While it waits, gone(baton) (if not NULL) is asked whether the
 * client has left: then it stops, marks the connection aborted and
 * returns OK, having sent nothing. *lookup is set for the calls below
 * (left alone for an app without cache=). */
int pa_cache_handle(request_rec *r, pa_app_t *app, pa_cache_save_t **lookup,
                    int (*gone)(void *baton), void *baton);

/* Whether the lookup found a stale copy of the page that might stand in
 * for an error (stale-if-error=): its window is not looked at. lookup may
 * be NULL. */
int pa_cache_has_fallback(const pa_cache_save_t *lookup);

/* Whether the lookup found a stale copy of the page that may stand in for
 * an error now (stale-if-error=N, RFC 5861); once it may, it may for the
 * rest of the request. lookup may be NULL. */
int pa_cache_can_stand_in(pa_cache_save_t *lookup);

/* Handler, the app could not be had or failed (status: the module's own
 * 500, 502, 503 or 504, or the app's own, whose reply was dropped), before
 * anything of a reply went out: answer with the stale copy of the page the
 * lookup found, if pa_cache_can_stand_in(). Returns what serving it
 * returned (OK), or DECLINED (none: the error stands). lookup may be
 * NULL. */
int pa_cache_stale_on_error(request_rec *r, pa_cache_save_t *lookup,
                            int status);

/* What the request was answered with from the zone so far (lookup may be
 * NULL: nothing). */
pa_cache_served_e pa_cache_served(const pa_cache_save_t *lookup);

/* Header scan of an app's reply: take the tags header off (on every path,
 * an error or a redirect included) and leave it in a note for the cache's
 * output filter; take the invalidate header off and drop its tags' pages
 * from the zone. Nothing for an app without cache=. */
void pa_cache_take_headers(request_rec *r, pa_app_t *app);

/* Handler, an app's reply that goes no further than the handler (a local
 * redirect, before it is followed; a redirect to a URL or a 412, returned
 * as a status): the output filters (the cache's among them) never see it,
 * so an unsafe request's target is invalidated here unless status is an
 * error. */
void pa_cache_unfiltered(request_rec *r, pa_app_t *app, int status);

/* Output filter registration (register_hooks). */
void pa_cache_register_filter(void);

/* Drops the pages of zone z that app stored (app not NULL), or those that
 * carry tag, or all of it (both NULL), for request r (the status page's
 * DELETE): the GETs in flight then store nothing they made before.
 * *removed: how many entries went (of all of it: as many as it held,
 * notes included). APR_SUCCESS, or the library's error
 * (APR_SHM_CACHE_ELOCKED: another process held its lock too long; an
 * app's pages may then be dropped in part). */
apr_status_t pa_cache_drop(request_rec *r, const pa_cache_zone_t *z,
                           const pa_app_t *app, const char *tag,
                           apr_size_t *removed);

#endif
