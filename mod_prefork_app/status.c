/* status: the prefork-app-status handler.
 *
 * One snapshot of the scoreboard, the cache zones and /proc per request,
 * rendered as HTML (httpd's mod_status look), JSON (?json) or Prometheus
 * text 0.0.4 (?metrics). The keys and metric names are a contract,
 * documented in docs/status.md.
 *
 * The snapshot reads shared memory without taking the app locks: counters
 * are single words, and a slot may change while it is copied, which can
 * make one line inconsistent but never unsafe (every copied string is
 * re-terminated, every state is range-checked). The handler never waits
 * for anything but /proc.
 */
#include "mod_prefork_app.h"
#include "cache.h"
#include "scoreboard.h"
#include "manager.h"
#include "status.h"
#include "worker.h"
#include "scripts.h"
#include "apr_shm_cache.h"

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_status.h"
#include "apr_strings.h"
#include "apr_file_io.h"

#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

#define ST_REFRESH_DEFAULT 10
#define ST_REFRESH_MAX     3600

typedef enum { ST_HTML, ST_JSON, ST_METRICS, ST_PING } st_format_e;

/* What the query string asks for. */
typedef struct {
    st_format_e fmt;
    int refresh;                    /* HTML reload period, 0: none */
    const apr_table_t *only;        /* app=NAME names, or NULL: every app */
    const char *keep;               /* those app=NAME words, for the links */
} st_args_t;

/* Counters every format shows, in display order. */
typedef enum {
    C_ACCEPTED, C_SPAWNED, C_EXITED, C_CRASHED,
    C_RECYCLED_REQUESTS, C_RECYCLED_LIFETIME, C_RECYCLED_IDLE, C_RECYCLED_RELOAD,
    C_RECYCLED_MEMORY,
    C_KILLED_TIMEOUT, C_KILLED_CLIENT, C_MAX_REACHED, C_502, C_503, C_504, C_RETRIES,
    C_ABANDONED,
    C_SLOW, C_HELD, C_SPOOLED, C_SENT_AT_HANDOFF, C_RENEWED,
    C_CACHE_HIT, C_CACHE_STALE, C_CACHE_STALE_ERROR, C_CACHE_LOCK_WAITS,
    C_AUTH_GRANTED, C_AUTH_REFUSED,
    C_COUNT
} st_counter_e;

typedef struct {
    const char *json;           /* key in an app's "counters" object */
    const char *title;          /* HTML row */
    const char *metric;         /* Prometheus family */
    const char *label;          /* extra label within the family, or NULL */
    const char *help;
} st_counter_t;

/* Rows of one family are adjacent: HELP/TYPE are written once per family. */
static const st_counter_t st_counters[C_COUNT] = {
    { "accepted", "Accepted requests", "prefork_app_requests_total", NULL,
      "Requests handed to a worker (each attempt of a retried one)." },
    { "spawned", "Workers spawned", "prefork_app_workers_spawned_total", NULL,
      "Worker processes started." },
    { "exited", "Workers exited", "prefork_app_workers_exited_total", NULL,
      "Worker processes that went away, for any reason." },
    { "crashed", "Workers crashed", "prefork_app_workers_crashed_total", NULL,
      "Workers that died by a signal, exited non-zero, or exited within "
      "start-delay before answering a request." },
    { "recycled_max_requests", "Recycled by max-requests",
      "prefork_app_workers_recycled_total", "reason=\"max-requests\"",
      "Workers stopped on purpose, by reason." },
    { "recycled_lifetime", "Recycled by lifetime",
      "prefork_app_workers_recycled_total", "reason=\"lifetime\"", NULL },
    { "recycled_idle", "Recycled as surplus idle",
      "prefork_app_workers_recycled_total", "reason=\"idle\"", NULL },
    { "recycled_touch_reload", "Recycled by touch-reload",
      "prefork_app_workers_recycled_total", "reason=\"touch-reload\"", NULL },
    { "recycled_max_memory", "Recycled by max-memory",
      "prefork_app_workers_recycled_total", "reason=\"max-memory\"", NULL },
    { "killed_timeout", "Killed by request-timeout",
      "prefork_app_workers_killed_timeout_total", NULL,
      "Workers killed because a request outlived request-timeout." },
    { "killed_client_gone", "Killed as their client left",
      "prefork_app_workers_killed_client_gone_total", NULL,
      "Workers killed in a GET/HEAD/OPTIONS whose client hung up, as they "
      "did not finish within a second." },
    { "max_processes_reached", "Times max processes reached",
      "prefork_app_max_processes_reached_total", NULL,
      "Times a dynamic pool would have grown past its maximum (requests "
      "waiting, or fewer idle workers than spare= asks), once per episode." },
    { "http_502", "502 Bad Gateway sent", "prefork_app_errors_total",
      "code=\"502\"", "Error responses the module produced, by status code." },
    { "http_503", "503 Service Unavailable sent", "prefork_app_errors_total",
      "code=\"503\"", NULL },
    { "http_504", "504 Gateway Timeout sent", "prefork_app_errors_total",
      "code=\"504\"", NULL },
    { "retries", "Retried on another worker", "prefork_app_retries_total", NULL,
      "Requests retried on another worker after the first one died." },
    { "abandoned_in_queue", "Left while queued (not sent)",
      "prefork_app_requests_abandoned_total", NULL,
      "Requests not sent to a worker: their client hung up while they "
      "waited in the queue." },
    { "slow_requests", "Slow requests (slowlog)",
      "prefork_app_slow_requests_total", NULL,
      "Requests that took slowlog seconds or more (each one logged)." },
    { "replies_held", "Replies held for a slow client",
      "prefork_app_replies_held_total", NULL,
      "Replies partly held in httpd (reply-buffer) because the client took "
      "them slower than the app sent them." },
    { "replies_spooled", "Replies held in a temporary file",
      "prefork_app_replies_spooled_total", NULL,
      "Replies held for a slow client of which more than reply-buffer went "
      "to a temporary file (reply-spool)." },
    { "sent_at_handoff", "Sent by the request before (hand-off)",
      "prefork_app_requests_sent_at_handoff_total", NULL,
      "Queued requests that the request releasing their worker sent to it "
      "as it handed it over." },
    { "connections_renewed", "Kept connections renewed (closed over a body's end)",
      "prefork_app_connections_renewed_total", NULL,
      "Kept connections a worker closed over the end of a request body the "
      "app left unread, renewed for the next request." },
    { "cache_hits", "Answered from the cache zone",
      "prefork_app_cache_answers_total", "how=\"hit\"",
      "Requests answered from the app's cache zone without a worker: a "
      "fresh copy (hit), a stale one while another request refreshed the "
      "page (stale), a stale one instead of an error (stale_if_error)." },
    { "cache_stale", "Answered stale (page being refreshed)",
      "prefork_app_cache_answers_total", "how=\"stale\"", NULL },
    { "cache_stale_if_error", "Answered stale instead of an error",
      "prefork_app_cache_answers_total", "how=\"stale_if_error\"", NULL },
    { "cache_lock_waits", "Waited for another request's fetch (cache-lock)",
      "prefork_app_cache_lock_waits_total", NULL,
      "Requests for a page the cache zone did not hold that waited for "
      "another request to fetch it from the app (cache-lock=)." },
    { "authorizer_granted", "Let through (as an authorizer)",
      "prefork_app_authorizer_answers_total", "answer=\"granted\"",
      "Requests the app, asked in the FastCGI Authorizer role "
      "(PreforkAppAuthorizer, PreforkAppAuthenticator, Require prefork-app), "
      "let through (200) or refused (any other answer)." },
    { "authorizer_refused", "Refused (as an authorizer)",
      "prefork_app_authorizer_answers_total", "answer=\"refused\"", NULL }
};

static const char *const st_state_names[] = {
    "empty", "starting", "idle", "busy", "stopping"
};
#define ST_NSTATES (sizeof(st_state_names) / sizeof(st_state_names[0]))

static const char *const st_protocol_names[] = { "fastcgi", "scgi", "cgi" };

typedef struct {
    int slot;
    pid_t pid;
    apr_uint32_t state;
    apr_uint32_t retire;            /* pa_retire_e: why it is to leave */
    apr_time_t started_at;
    apr_uint64_t requests;
    apr_time_t req_start;           /* 0: no request in flight */
    char uri[PA_URI_MAX];
    char doing[PA_DOING_MAX];       /* what the manager saw its worker do
                                     * during it; "" = not looked at */
    apr_int64_t rss;                /* bytes, -1 = unknown */
    double cpu;                     /* user + system seconds, < 0 = unknown */
} st_worker_t;

typedef struct {
    const pa_app_t *app;
    apr_uint64_t c[C_COUNT];
    apr_uint32_t nstate[ST_NSTATES];
    apr_uint32_t nslots;
    apr_uint32_t queue_len;
    apr_uint32_t queue_room;        /* waiter records: most that can wait */
    apr_uint32_t queue_max;
    apr_uint32_t busy_max;
    apr_uint32_t backoff_level;
    int kept;                       /* workers reached over kept connections */
    apr_uint64_t minute_requests;   /* finished in the window */
    double rps;
    double p50, p99;                /* seconds, < 0 = no request in the window */
    apr_uint64_t timed;             /* requests recorded since start */
    apr_uint64_t timed_us;          /* their time, summed */
    apr_uint64_t at_most[PA_LATENCY_BOUNDS]; /* of those, how many took at
                                     * most pa_sb_latency_bounds[i] */
    apr_int64_t rss;                /* sum over live workers, -1 = none known */
    double cpu;
    int usage_unknown;              /* live workers, none of whose /proc
                                     * could be read (hidepid=) */
    apr_array_header_t *workers;    /* st_worker_t, live slots only */
} st_app_t;

/* A PreforkAppScripts line. */
typedef struct {
    const pa_scripts_t *sc;
    int taken;                      /* of its new-programs= pools */
} st_line_t;

typedef struct {
    apr_time_t now;                 /* pa_now(), as the scoreboard's times */
    apr_time_t wall;                /* the time of day, for the reader */
    const pa_sb_header_t *hdr;      /* NULL: no app configured */
    apr_array_header_t *apps;       /* st_app_t */
    apr_array_header_t *lines;      /* st_line_t: those with a pool shown */
    apr_array_header_t *zones;      /* pa_status_zone_t */
    int max_procs;                  /* PreforkAppMaxProcesses, 0 = none */
} st_snapshot_t;

/* The time of day of t, a time of the scoreboard (pa_now()). */
static apr_time_t st_wall(const st_snapshot_t *snap, apr_time_t t)
{
    return snap->wall - (snap->now - t);
}

/* ---- cache zones ----------------------------------------------------------- */

/* Whether an app named in apps stores into zone z. */
static int st_zone_used(const pa_server_conf_t *conf, const apr_table_t *apps,
                        const pa_cache_zone_t *z)
{
    int i;

    for (i = 0; i < conf->apps->nelts; i++) {
        const pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        if (app->cache == z && apr_table_get(apps, app->name)) {
            return 1;
        }
    }
    return 0;
}

apr_array_header_t *pa_status_cache_zones(apr_pool_t *p,
                                          const pa_server_conf_t *conf,
                                          const apr_table_t *apps)
{
    int n = conf && conf->zones ? conf->zones->nelts : 0;
    apr_array_header_t *zones = apr_array_make(p, n ? n : 1,
                                               sizeof(pa_status_zone_t));
    int i;

    for (i = 0; i < n; i++) {
        const pa_cache_zone_t *z = APR_ARRAY_IDX(conf->zones, i,
                                                 pa_cache_zone_t *);
        pa_status_zone_t *sz;
        apr_shm_cache_stats_t st;

        if (apps && !st_zone_used(conf, apps, z)) {
            continue;
        }
        sz = apr_array_push(zones);
        memset(sz, 0, sizeof(*sz));
        sz->name = z->name;
        sz->size = z->size;
        /* The zone's lock is held only while the library copies a few
         * words; hits and misses are read without it. */
        if (z->handle && apr_shm_cache_stats(z->handle, &st) == APR_SUCCESS) {
            sz->have_stats = 1;
            sz->used = st.bytes_used;
            sz->entries = st.entries;
            sz->hits = st.hits;
            sz->misses = st.misses;
            sz->evictions = st.evictions;
            sz->expired = st.expirations;
        }
    }
    return zones;
}

/* ---- snapshot --------------------------------------------------------------- */

/* RSS (pa_proc_rss), CPU time from /proc/<pid>/stat (utime + stime,
 * clock ticks). Both are world-readable by default, so this works although
 * the httpd child does not own the worker. */
static void st_proc_usage(st_worker_t *w)
{
    char buf[512];
    unsigned long utime, stime;
    const char *fields = pa_proc_stat(w->pid, buf, sizeof(buf));

    w->rss = pa_proc_rss(w->pid);
    w->cpu = -1.0;
    /* utime and stime are fields 14 and 15. */
    if (fields
        && sscanf(fields, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
                  " %lu %lu", &utime, &stime) == 2) {
        w->cpu = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    }
}

/* Bucket b of pa_stats_second_t.hist counts requests that took d
 * microseconds with floor(log2(d)) == b, d = 0 counting as bucket 0; the
 * last bucket also takes everything longer. (The convention of
 * pa_sb_record in scoreboard.c.) */
static double st_bucket_low(int b)
{
    return b == 0 ? 0.0 : (double)((apr_uint64_t)1 << b);
}

/* The q-quantile in seconds, interpolating linearly inside the bucket the
 * rank falls into (as Prometheus' histogram_quantile does). */
static double st_quantile(const apr_uint64_t *hist, apr_uint64_t total,
                          double q)
{
    double rank = q * (double)total;
    apr_uint64_t cum = 0;
    int b;

    for (b = 0; b < PA_STATS_BUCKETS; b++) {
        if (hist[b] && (double)(cum + hist[b]) >= rank) {
            double low = st_bucket_low(b);
            double high = (double)((apr_uint64_t)1 << (b + 1));

            return (low + (high - low) * (rank - (double)cum) / (double)hist[b])
                   / (double)APR_USEC_PER_SEC;
        }
        cum += hist[b];
    }
    return -1.0;
}

/* req/s, p50 and p99 over the seconds of the ring that are within the
 * last PA_STATS_SECONDS (pa_sb_stats_second() skips one being cleared). */
static void st_window(st_app_t *sa, const pa_sb_app_t *a,
                      const pa_sb_header_t *hdr, apr_time_t now)
{
    apr_uint32_t now_sec = (apr_uint32_t)apr_time_sec(now);
    apr_uint32_t up = now_sec - (apr_uint32_t)apr_time_sec(hdr->created) + 1;
    apr_uint64_t hist[PA_STATS_BUCKETS] = { 0 };
    apr_uint64_t total = 0;
    int i, b;

    sa->minute_requests = 0;
    for (i = 0; i < PA_STATS_SECONDS; i++) {
        apr_uint32_t h[PA_STATS_BUCKETS];
        apr_uint32_t count;

        if (!pa_sb_stats_second(&a->stats[i], now_sec, &count, h)) {
            continue;
        }
        sa->minute_requests += count;
        for (b = 0; b < PA_STATS_BUCKETS; b++) {
            hist[b] += h[b];
            total += h[b];
        }
    }
    /* Right after a start the window is shorter than a minute. */
    if (up > PA_STATS_SECONDS || up == 0) {
        up = PA_STATS_SECONDS;
    }
    sa->rps = (double)sa->minute_requests / (double)up;
    sa->p50 = total ? st_quantile(hist, total, 0.50) : -1.0;
    sa->p99 = total ? st_quantile(hist, total, 0.99) : -1.0;
}

static void st_app_counters(st_app_t *sa, const pa_app_counters_t *c)
{
    int b;

    sa->c[C_ACCEPTED] = c->accepted;
    sa->c[C_SPAWNED] = c->spawned;
    sa->c[C_EXITED] = c->exited;
    sa->c[C_CRASHED] = c->crashed;
    sa->c[C_RECYCLED_REQUESTS] = c->recycled_requests;
    sa->c[C_RECYCLED_LIFETIME] = c->recycled_lifetime;
    sa->c[C_RECYCLED_IDLE] = c->recycled_idle;
    sa->c[C_RECYCLED_RELOAD] = c->recycled_reload;
    sa->c[C_RECYCLED_MEMORY] = c->recycled_memory;
    sa->c[C_KILLED_TIMEOUT] = c->killed_timeout;
    sa->c[C_KILLED_CLIENT] = c->killed_client_gone;
    sa->c[C_MAX_REACHED] = c->max_reached;
    sa->c[C_502] = c->status_502;
    sa->c[C_503] = c->status_503;
    sa->c[C_504] = c->status_504;
    sa->c[C_RETRIES] = c->retries;
    sa->c[C_ABANDONED] = c->abandoned;
    sa->c[C_SLOW] = c->slow;
    sa->c[C_HELD] = c->held;
    sa->c[C_SPOOLED] = c->spooled;
    sa->c[C_SENT_AT_HANDOFF] = c->sent_at_handoff;
    sa->c[C_RENEWED] = c->renewed;
    sa->c[C_CACHE_HIT] = c->cache_hits;
    sa->c[C_CACHE_STALE] = c->cache_stale;
    sa->c[C_CACHE_STALE_ERROR] = c->cache_stale_if_error;
    sa->c[C_CACHE_LOCK_WAITS] = c->cache_lock_waits;
    sa->c[C_AUTH_GRANTED] = c->auth_granted;
    sa->c[C_AUTH_REFUSED] = c->auth_refused;
    sa->queue_max = c->queue_max;
    sa->busy_max = c->busy_max;
    /* Cumulative, as a histogram's buckets are: each read once, so that
     * they never decrease along the bounds. */
    sa->timed = 0;
    for (b = 0; b <= PA_LATENCY_BOUNDS; b++) {
        sa->timed += c->within[b];
        if (b < PA_LATENCY_BOUNDS) {
            sa->at_most[b] = sa->timed;
        }
    }
    sa->timed_us = c->duration_us;
}

/* usage: read each worker's RSS and CPU time from /proc (not for a ping,
 * which a load balancer may ask for every second: it needs the states). */
static void st_app_workers(st_app_t *sa, pa_sb_t *sb, pa_sb_app_t *a,
                           apr_time_t now, apr_pool_t *p, int usage)
{
    apr_uint32_t i;

    sa->rss = -1;
    sa->cpu = 0.0;
    sa->usage_unknown = 0;
    sa->workers = apr_array_make(p, sa->nslots ? sa->nslots : 1,
                                 sizeof(st_worker_t));
    for (i = 0; i < sa->nslots; i++) {
        const pa_slot_t *slot = pa_sb_slot(sb, a, (int)i);
        st_worker_t *w;
        apr_uint32_t state = slot->state;
        pid_t pid = slot->pid;

        if (state >= ST_NSTATES || state == PA_SLOT_EMPTY || pid <= 0) {
            continue;
        }
        sa->nstate[state]++;
        w = apr_array_push(sa->workers);
        w->slot = (int)i;
        w->pid = pid;
        w->state = state;
        w->retire = slot->retire;
        w->started_at = slot->started_at;
        if (w->started_at <= 0 || w->started_at > now) {
            w->started_at = now;    /* caught between pid and spawn time */
        }
        w->requests = slot->requests;
        w->req_start = state == PA_SLOT_BUSY ? slot->req_start : 0;
        memcpy(w->uri, slot->uri, sizeof(w->uri));
        w->uri[sizeof(w->uri) - 1] = '\0';
        if (!w->req_start) {
            w->uri[0] = '\0';
        }
        if (!pa_sb_get_doing(slot, w->req_start, w->doing)) {
            w->doing[0] = '\0';
        }
        if (usage) {
            st_proc_usage(w);
        }
        else {
            w->rss = -1;            /* not read */
            w->cpu = -1.0;
        }
        if (w->rss >= 0) {
            sa->rss = (sa->rss < 0 ? 0 : sa->rss) + w->rss;
        }
        if (w->cpu >= 0) {
            sa->cpu += w->cpu;
        }
    }
    /* One that has just left is not read, and rightly not counted. */
    sa->usage_unknown = sa->workers->nelts > 0 && sa->rss < 0;
}

/* The configuration the scoreboard was made from (that of the generation
 * this child belongs to), or before there is one, the server's. */
static const pa_server_conf_t *st_conf(request_rec *r)
{
    return pa_scoreboard ? pa_scoreboard->conf : pa_get_conf(r->server);
}

/* The apps named in only (NULL: all); the zones of those in scope (NULL:
 * all). usage: also the workers' RSS and CPU time, and the zones'
 * figures. */
static void st_snapshot(st_snapshot_t *snap, request_rec *r,
                        const apr_table_t *only, const apr_table_t *scope,
                        int usage)
{
    pa_sb_t *sb = pa_scoreboard;
    const pa_server_conf_t *conf = st_conf(r);
    int napps = 0, i;

    snap->now = pa_now();
    snap->wall = apr_time_now();
    snap->hdr = sb ? sb->hdr : NULL;
    if (sb) {
        napps = conf->apps->nelts;
        if ((apr_uint32_t)napps > sb->hdr->napps) {
            napps = (int)sb->hdr->napps;
        }
    }
    snap->apps = apr_array_make(r->pool, napps ? napps : 1, sizeof(st_app_t));
    for (i = 0; i < napps; i++) {
        pa_sb_app_t *a = pa_sb_app(sb, i);
        const pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);
        st_app_t *sa;

        /* A new-programs= pool: shown once taken, as its program's. */
        if ((only && !apr_table_get(only, app->name))
            || !(app = pa_scripts_shown(r->pool, app, a))) {
            continue;
        }
        sa = apr_array_push(snap->apps);
        memset(sa, 0, sizeof(*sa));
        sa->app = app;
        /* The layout's count, not the segment's: a child may write that. */
        sa->nslots = sb->layout[i].nslots;
        sa->queue_len = a->queue_len;
        /* queue-limit makes it smaller. */
        sa->queue_room = a->queue_limit && a->queue_limit < a->nwaiters
                         ? a->queue_limit : a->nwaiters;
        sa->backoff_level = a->backoff_level;
        sa->kept = sa->app->keep_conn && !a->keep_off;
        st_window(sa, a, sb->hdr, snap->now);
        st_app_workers(sa, sb, a, snap->now, r->pool, usage);
        /* The counters after the workers: the manager counts a worker
         * before it shows it and before it takes it off (manager.c), so
         * what the page lists as gone or started is counted in full. */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        st_app_counters(sa, &a->c);
    }
    snap->lines = apr_array_make(r->pool, 1, sizeof(st_line_t));
    for (i = 0; sb && i < conf->scripts->nelts; i++) {
        const pa_scripts_t *sc = APR_ARRAY_IDX(conf->scripts, i,
                                               pa_scripts_t *);
        st_line_t *l;
        int j;

        for (j = 0; only && j < sc->apps->nelts; j++) {
            if (apr_table_get(only, APR_ARRAY_IDX(sc->apps, j,
                                                  pa_app_t *)->name)) {
                break;
            }
        }
        if (only && j == sc->apps->nelts) {
            continue;
        }
        l = apr_array_push(snap->lines);
        l->sc = sc;
        l->taken = pa_scripts_taken_count(sc);
    }
    snap->zones = usage ? pa_status_cache_zones(r->pool, conf, scope) : NULL;
    snap->max_procs = conf->max_procs;
}

/* ---- shared formatting ------------------------------------------------------ */

/* A bound of the request time histogram as Prometheus' default buckets
 * are written ("0.005", "2.5", "30"): APR's %g leaves out the 0 before
 * the point. */
static const char *st_le(apr_pool_t *p, apr_interval_time_t us)
{
    char *s = apr_psprintf(p, "%" APR_TIME_T_FMT ".%06" APR_TIME_T_FMT,
                           us / APR_USEC_PER_SEC, us % APR_USEC_PER_SEC);
    char *end = s + strlen(s) - 1;

    while (*end == '0') {
        *end-- = '\0';
    }
    if (*end == '.') {
        *end = '\0';
    }
    return s;
}

static const char *st_state_name(apr_uint32_t state)
{
    return state < ST_NSTATES ? st_state_names[state] : "unknown";
}

static const char *st_sched_name(const pa_app_t *app)
{
    return app->sched_batch ? "batch" : "normal";
}

static const char *st_protocol_name(const pa_app_t *app)
{
    return (unsigned)app->protocol < sizeof(st_protocol_names)
                                     / sizeof(st_protocol_names[0])
           ? st_protocol_names[app->protocol] : "unknown";
}

static int st_dynamic(const pa_app_t *app)
{
    return app->min_procs != app->max_procs;
}

static double st_seconds(apr_interval_time_t t)
{
    return t > 0 ? (double)t / (double)APR_USEC_PER_SEC : 0.0;
}

static double st_hit_ratio(const pa_status_zone_t *z)
{
    apr_uint64_t lookups = z->hits + z->misses;

    return lookups ? (double)z->hits / (double)lookups : 0.0;
}

/* The length of a well-formed UTF-8 sequence at s, 0 if it is not one
 * (RFC 3629's table: no overlong form, no surrogate, nothing past
 * U+10FFFF). */
static int st_utf8_len(const unsigned char *s)
{
    unsigned char lo = 0x80, hi = 0xBF;
    int n, i;

    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        lo = s[0] == 0xE0 ? 0xA0 : 0x80;
        hi = s[0] == 0xED ? 0x9F : 0xBF;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        lo = s[0] == 0xF0 ? 0x90 : 0x80;
        hi = s[0] == 0xF4 ? 0x8F : 0xBF;
    }
    else {
        return 0;
    }
    if (s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

/* ---- JSON ---------------------------------------------------------------------- */

/* s as a JSON string literal. A URI truncated to PA_URI_MAX may end in half
 * a UTF-8 character, and clients may send any bytes: whatever is not
 * well-formed UTF-8 becomes U+FFFD, so the document always parses. */
static const char *st_json_str(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    char *out = apr_palloc(p, strlen((const char *)u) * 6 + 3);
    char *o = out;

    *o++ = '"';
    while (*u) {
        int n;

        if (*u == '"' || *u == '\\') {
            *o++ = '\\';
            *o++ = (char)*u++;
        }
        else if (*u < 0x20 || *u == 0x7F) {
            o += apr_snprintf(o, 7, "\\u%04x", *u++);
        }
        else if (*u < 0x80) {
            *o++ = (char)*u++;
        }
        else if ((n = st_utf8_len(u)) > 0) {
            memcpy(o, u, n);
            o += n;
            u += n;
        }
        else {
            memcpy(o, "\\ufffd", 6);
            o += 6;
            u++;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* A number of seconds, or null when unknown (< 0). */
static const char *st_json_seconds(apr_pool_t *p, double v)
{
    return v < 0 ? "null" : apr_psprintf(p, "%.6f", v);
}

/* A JSON array of the strings in a (const char *), or null. */
static const char *st_json_strs(apr_pool_t *p, const apr_array_header_t *a)
{
    const char *out = "[";
    int i;

    if (!a) {
        return "null";
    }
    for (i = 0; i < a->nelts; i++) {
        out = apr_pstrcat(p, out, i ? "," : "",
                          st_json_str(p, APR_ARRAY_IDX(a, i, const char *)),
                          NULL);
    }
    return apr_pstrcat(p, out, "]", NULL);
}

static void st_json_app(request_rec *r, const st_snapshot_t *snap,
                        const st_app_t *sa)
{
    const pa_app_t *app = sa->app;
    apr_pool_t *p = r->pool;
    int i;

    ap_rprintf(r, "{\"name\":%s,\"scripts\":%s,\"new_program\":%s,"
               "\"protocol\":\"%s\","
               "\"command\":%s,\"connections\":\"%s\","
               "\"error_override\":%s,\"ignore_client_abort\":%s,"
               "\"aliases\":%s,",
               st_json_str(p, app->name),
               app->scripts ? st_json_str(p, app->scripts->name) : "null",
               app->spare ? "true" : "false",
               st_protocol_name(app), st_json_str(p, app->cmdline),
               sa->kept ? "kept" : "per_request",
               app->error_override ? st_json_str(p, app->error_override)
                                   : "null",
               app->ignore_client_abort ? "true" : "false",
               app->aliases ? st_json_strs(p, app->aliases) : "[]");
    if (app->cache) {
        ap_rprintf(r, "\"cache\":{\"zone\":%s,\"stale_while_revalidate\":%d,"
                   "\"stale_if_error\":%d,\"lock\":%d,"
                   "\"ignore_params\":%s},", st_json_str(p, app->cache->name),
                   app->stale_while_revalidate, app->stale_if_error,
                   app->cache_lock, st_json_strs(p, app->cache_ignore));
    }
    else {
        ap_rputs("\"cache\":null,", r);
    }
    ap_rprintf(r, "\"pool\":{\"mode\":\"%s\",\"min\":%d,\"max\":%d,"
               "\"spare_min\":%d,\"spare_max\":%d,\"max_requests\":%d,"
               "\"max_requests_max\":%d,\"lifetime\":%d,"
               "\"lifetime_max\":%d,\"max_memory\":%" APR_OFF_T_FMT ","
               "\"reply_buffer\":%" APR_SIZE_T_FMT ","
               "\"reply_spool\":%" APR_OFF_T_FMT ","
               "\"body_spool\":%" APR_OFF_T_FMT ","
               "\"idle_timeout\":%d,\"request_timeout\":%d,"
               "\"queue_timeout\":%d,\"queue_limit\":%d,\"slowlog\":%d,"
               "\"touch_reload\":%s,\"cwd\":%s,\"chroot\":%s,"
               "\"x_sendfile\":%s,"
               "\"slots\":%u,\"sched\":\"%s\",\"nice\":%d},",
               st_dynamic(app) ? "dynamic" : "static", app->min_procs,
               app->max_procs, app->spare_min, app->spare_max,
               app->max_requests, app->max_requests_hi, app->lifetime,
               app->lifetime_hi, app->max_memory,
               app->reply_buffer, app->reply_spool, app->body_spool,
               app->idle_timeout,
               app->request_timeout, app->queue_timeout, app->queue_limit,
               app->slowlog,
               app->touch_reload ? st_json_str(p, app->touch_reload) : "null",
               st_json_str(p, app->dir),
               app->chroot ? st_json_str(p, *app->chroot ? app->chroot : "/")
                           : "null",
               st_json_strs(p, app->sendfile_dirs),
               sa->nslots, st_sched_name(app), app->nice);
    ap_rprintf(r, "\"processes\":{\"total\":%u,\"starting\":%u,\"idle\":%u,"
               "\"busy\":%u,\"stopping\":%u,\"busy_max\":%u},",
               (unsigned)sa->workers->nelts,
               sa->nstate[PA_SLOT_STARTING], sa->nstate[PA_SLOT_IDLE],
               sa->nstate[PA_SLOT_BUSY], sa->nstate[PA_SLOT_STOPPING],
               sa->busy_max);
    ap_rprintf(r, "\"queue\":{\"length\":%u,\"max\":%u,\"capacity\":%u},"
               "\"crash_backoff_level\":%u,",
               sa->queue_len, sa->queue_max, sa->queue_room,
               sa->backoff_level);
    ap_rprintf(r, "\"last_minute\":{\"requests\":%" APR_UINT64_T_FMT ","
               "\"per_second\":%.3f,\"p50_seconds\":%s,\"p99_seconds\":%s},",
               sa->minute_requests, sa->rps, st_json_seconds(p, sa->p50),
               st_json_seconds(p, sa->p99));
    ap_rprintf(r, "\"latency\":{\"count\":%" APR_UINT64_T_FMT ","
               "\"sum_seconds\":%.6f,\"at_most\":{", sa->timed,
               (double)sa->timed_us / APR_USEC_PER_SEC);
    for (i = 0; i < PA_LATENCY_BOUNDS; i++) {
        ap_rprintf(r, "%s\"%s\":%" APR_UINT64_T_FMT, i ? "," : "",
                   st_le(p, pa_sb_latency_bounds[i]), sa->at_most[i]);
    }
    ap_rputs("}},\"counters\":{", r);
    for (i = 0; i < C_COUNT; i++) {
        ap_rprintf(r, "%s\"%s\":%" APR_UINT64_T_FMT, i ? "," : "",
                   st_counters[i].json, sa->c[i]);
    }
    ap_rputs("},\"workers\":[", r);
    for (i = 0; i < sa->workers->nelts; i++) {
        const st_worker_t *w = &APR_ARRAY_IDX(sa->workers, i, st_worker_t);

        ap_rprintf(r, "%s{\"slot\":%d,\"pid\":%ld,\"state\":\"%s\","
                   "\"age_seconds\":%.3f,\"requests\":%" APR_UINT64_T_FMT ",",
                   i ? "," : "", w->slot, (long)w->pid,
                   st_state_name(w->state),
                   st_seconds(snap->now - w->started_at), w->requests);
        if (w->req_start) {
            ap_rprintf(r, "\"request\":{\"uri\":%s,\"seconds\":%.6f,"
                       "\"doing\":%s},", st_json_str(p, w->uri),
                       st_seconds(snap->now - w->req_start),
                       *w->doing ? st_json_str(p, w->doing) : "null");
        }
        else {
            ap_rputs("\"request\":null,", r);
        }
        ap_rprintf(r, "\"max_requests\":%d,\"lifetime\":%d,",
                   pa_sb_spread(app->max_requests, app->max_requests_hi,
                                w->slot),
                   pa_sb_spread(app->lifetime, app->lifetime_hi, w->slot));
        ap_rprintf(r, "\"rss_bytes\":%s,\"cpu_seconds\":%s,\"leaving\":%s}",
                   w->rss < 0 ? "null"
                   : apr_psprintf(p, "%" APR_INT64_T_FMT, w->rss),
                   st_json_seconds(p, w->cpu),
                   w->retire ? st_json_str(p, pa_sb_retire_name(w->retire))
                             : "null");
    }
    ap_rputs("]}", r);
}

/* The generation's manager runs: not stopped, not dead (killed, given up
 * on after dying at start: PA00124), whatever its pid still says. */
static int st_manager_up(const st_snapshot_t *snap)
{
    return !snap->hdr->stopped && pa_sb_pid_alive(snap->hdr->manager_pid);
}

static void st_json(request_rec *r, const st_snapshot_t *snap)
{
    int i;

    ap_rprintf(r, "{\"version\":1,\"time\":%.6f,", st_seconds(snap->wall));
    if (snap->hdr) {
        ap_rprintf(r, "\"manager\":{\"pid\":%ld,\"running\":%s,"
                   "\"retiring\":%s,\"generation\":%u,"
                   "\"started\":%.6f,\"uptime_seconds\":%.3f,"
                   "\"max_processes\":%s},",
                   (long)snap->hdr->manager_pid,
                   st_manager_up(snap) ? "true" : "false",
                   snap->hdr->retiring ? "true" : "false",
                   snap->hdr->generation,
                   st_seconds(st_wall(snap, snap->hdr->created)),
                   st_seconds(snap->now - snap->hdr->created),
                   snap->max_procs ? apr_itoa(r->pool, snap->max_procs)
                                   : "null");
    }
    else {
        ap_rputs("\"manager\":null,", r);
    }
    ap_rputs("\"apps\":[", r);
    for (i = 0; i < snap->apps->nelts; i++) {
        if (i) {
            ap_rputc(',', r);
        }
        st_json_app(r, snap, &APR_ARRAY_IDX(snap->apps, i, st_app_t));
    }
    ap_rputs("],\"scripts\":[", r);
    for (i = 0; i < snap->lines->nelts; i++) {
        const st_line_t *l = &APR_ARRAY_IDX(snap->lines, i, st_line_t);

        ap_rprintf(r, "%s{\"name\":%s,\"pattern\":%s,\"programs\":%u,"
                   "\"new_programs\":%d,\"new_programs_taken\":%d}",
                   i ? "," : "", st_json_str(r->pool, l->sc->name),
                   st_json_str(r->pool, l->sc->pattern),
                   apr_hash_count(l->sc->by_path), l->sc->new_programs,
                   l->taken);
    }
    ap_rputs("],\"cache_zones\":[", r);
    for (i = 0; i < snap->zones->nelts; i++) {
        const pa_status_zone_t *z = &APR_ARRAY_IDX(snap->zones, i,
                                                    pa_status_zone_t);

        ap_rprintf(r, "%s{\"name\":%s,\"size_bytes\":%" APR_UINT64_T_FMT,
                   i ? "," : "", st_json_str(r->pool, z->name), z->size);
        if (z->have_stats) {
            ap_rprintf(r, ",\"stats\":{\"used_bytes\":%" APR_UINT64_T_FMT
                       ",\"entries\":%" APR_UINT64_T_FMT
                       ",\"hits\":%" APR_UINT64_T_FMT
                       ",\"misses\":%" APR_UINT64_T_FMT
                       ",\"hit_ratio\":%.4f"
                       ",\"evictions\":%" APR_UINT64_T_FMT
                       ",\"expired\":%" APR_UINT64_T_FMT "}}",
                       z->used, z->entries, z->hits, z->misses,
                       st_hit_ratio(z), z->evictions, z->expired);
        }
        else {
            ap_rputs(",\"stats\":null}", r);
        }
    }
    ap_rputs("]}\n", r);
}

/* ---- Prometheus text format 0.0.4 -------------------------------------------- */

/* A label value: backslash, double quote and newline are escaped. */
static const char *st_prom_label(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 2 + 1);
    char *o = out;

    for (; *s; s++) {
        if (*s == '\\' || *s == '"') {
            *o++ = '\\';
            *o++ = *s;
        }
        else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static void st_prom_family(request_rec *r, const char *name, const char *type,
                           const char *help)
{
    ap_rprintf(r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One gauge family with one sample per app; value() gives the sample. */
typedef double (*st_app_value_fn)(const st_app_t *sa);

static void st_prom_app_gauge(request_rec *r, const st_snapshot_t *snap,
                              const char **labels, const char *name,
                              const char *help, st_app_value_fn value)
{
    int i;

    st_prom_family(r, name, "gauge", help);
    for (i = 0; i < snap->apps->nelts; i++) {
        double v = value(&APR_ARRAY_IDX(snap->apps, i, st_app_t));

        if (v < 0) {
            continue;           /* not known: no sample rather than a 0 */
        }
        /* Whole numbers (sizes, counts) in full, not rounded by %g. */
        if (v == (double)(apr_int64_t)v) {
            ap_rprintf(r, "%s{app=\"%s\"} %" APR_INT64_T_FMT "\n", name,
                       labels[i], (apr_int64_t)v);
        }
        else {
            ap_rprintf(r, "%s{app=\"%s\"} %.6f\n", name, labels[i], v);
        }
    }
}

static double st_v_min(const st_app_t *sa) { return sa->app->min_procs; }
static double st_v_max(const st_app_t *sa) { return sa->app->max_procs; }
static double st_v_queue(const st_app_t *sa) { return sa->queue_len; }
static double st_v_queue_max(const st_app_t *sa) { return sa->queue_max; }
static double st_v_queue_room(const st_app_t *sa) { return sa->queue_room; }
static double st_v_busy_max(const st_app_t *sa) { return sa->busy_max; }
static double st_v_rps(const st_app_t *sa) { return sa->rps; }
static double st_v_backoff(const st_app_t *sa) { return sa->backoff_level; }
static double st_v_rss(const st_app_t *sa)
{
    return sa->usage_unknown ? -1 : sa->rss < 0 ? 0 : sa->rss;
}
static double st_v_cpu(const st_app_t *sa)
{
    return sa->usage_unknown ? -1 : sa->cpu;
}

static void st_metrics_apps(request_rec *r, const st_snapshot_t *snap,
                            const char **labels)
{
    int i, k;
    apr_uint32_t s;

    st_prom_family(r, "prefork_app_info", "gauge",
                   "Configured applications (always 1), with protocol and pool mode.");
    for (i = 0; i < snap->apps->nelts; i++) {
        const st_app_t *sa = &APR_ARRAY_IDX(snap->apps, i, st_app_t);

        ap_rprintf(r, "prefork_app_info{app=\"%s\",protocol=\"%s\","
                   "mode=\"%s\"} 1\n", labels[i], st_protocol_name(sa->app),
                   st_dynamic(sa->app) ? "dynamic" : "static");
    }
    st_prom_family(r, "prefork_app_workers", "gauge",
                   "Worker processes by state.");
    for (i = 0; i < snap->apps->nelts; i++) {
        const st_app_t *sa = &APR_ARRAY_IDX(snap->apps, i, st_app_t);

        for (s = PA_SLOT_STARTING; s < ST_NSTATES; s++) {
            ap_rprintf(r, "prefork_app_workers{app=\"%s\",state=\"%s\"} %u\n",
                       labels[i], st_state_names[s], sa->nstate[s]);
        }
    }
    st_prom_app_gauge(r, snap, labels, "prefork_app_workers_min",
                      "Configured minimum pool size.", st_v_min);
    st_prom_app_gauge(r, snap, labels, "prefork_app_workers_max",
                      "Configured maximum pool size.", st_v_max);
    st_prom_app_gauge(r, snap, labels, "prefork_app_workers_busy_max",
                      "Most workers busy at once seen (at the manager's "
                      "turns, 4 a second or more).", st_v_busy_max);
    st_prom_app_gauge(r, snap, labels, "prefork_app_queue_length",
                      "Requests waiting for a free worker now.", st_v_queue);
    st_prom_app_gauge(r, snap, labels, "prefork_app_queue_length_max",
                      "Longest wait queue seen.", st_v_queue_max);
    st_prom_app_gauge(r, snap, labels, "prefork_app_queue_capacity",
                      "Most requests that can wait at once; beyond, 503.",
                      st_v_queue_room);
    st_prom_app_gauge(r, snap, labels, "prefork_app_requests_per_second",
                      "Finished requests per second over the last minute.",
                      st_v_rps);
    /* Quantiles over a sliding window, as summaries carry; without _sum
     * and _count, which the histogram below has. */
    st_prom_family(r, "prefork_app_request_duration_seconds", "summary",
                   "Request duration quantiles over the last minute (absent without requests).");
    for (i = 0; i < snap->apps->nelts; i++) {
        const st_app_t *sa = &APR_ARRAY_IDX(snap->apps, i, st_app_t);

        if (sa->p50 >= 0) {
            ap_rprintf(r, "prefork_app_request_duration_seconds{app=\"%s\","
                       "quantile=\"0.5\"} %.6f\n"
                       "prefork_app_request_duration_seconds{app=\"%s\","
                       "quantile=\"0.99\"} %.6f\n",
                       labels[i], sa->p50, labels[i], sa->p99);
        }
    }
    /* Since start, in buckets: the one to aggregate across servers
     * (histogram_quantile() of their sum). */
    st_prom_family(r, "prefork_app_request_latency_seconds", "histogram",
                   "Request time since httpd started.");
    for (i = 0; i < snap->apps->nelts; i++) {
        const st_app_t *sa = &APR_ARRAY_IDX(snap->apps, i, st_app_t);
        int b;

        for (b = 0; b < PA_LATENCY_BOUNDS; b++) {
            ap_rprintf(r, "prefork_app_request_latency_seconds_bucket{app=\"%s\","
                       "le=\"%s\"} %" APR_UINT64_T_FMT "\n", labels[i],
                       st_le(r->pool, pa_sb_latency_bounds[b]), sa->at_most[b]);
        }
        ap_rprintf(r, "prefork_app_request_latency_seconds_bucket{app=\"%s\","
                   "le=\"+Inf\"} %" APR_UINT64_T_FMT "\n"
                   "prefork_app_request_latency_seconds_sum{app=\"%s\"} %.6f\n"
                   "prefork_app_request_latency_seconds_count{app=\"%s\"} %"
                   APR_UINT64_T_FMT "\n", labels[i], sa->timed, labels[i],
                   (double)sa->timed_us / APR_USEC_PER_SEC, labels[i],
                   sa->timed);
    }
    st_prom_app_gauge(r, snap, labels, "prefork_app_crash_backoff_level",
                      "Crash-loop backoff level, 0 = spawning normally.",
                      st_v_backoff);
    st_prom_app_gauge(r, snap, labels,
                      "prefork_app_workers_resident_memory_bytes",
                      "Resident memory of the live workers, summed.", st_v_rss);
    st_prom_app_gauge(r, snap, labels, "prefork_app_workers_cpu_seconds",
                      "CPU time (user + system) of the live workers, summed.",
                      st_v_cpu);
    for (k = 0; k < C_COUNT; k++) {
        const st_counter_t *c = &st_counters[k];

        if (c->help) {
            st_prom_family(r, c->metric, "counter", c->help);
        }
        for (i = 0; i < snap->apps->nelts; i++) {
            ap_rprintf(r, "%s{app=\"%s\"%s%s} %" APR_UINT64_T_FMT "\n",
                       c->metric, labels[i], c->label ? "," : "",
                       c->label ? c->label : "",
                       APR_ARRAY_IDX(snap->apps, i, st_app_t).c[k]);
        }
    }
}

static void st_metrics_zones(request_rec *r, const st_snapshot_t *snap)
{
    static const struct {
        const char *name, *type, *help;
        apr_size_t off;
    } fam[] = {
        { "prefork_app_cache_used_bytes", "gauge", "Bytes holding entries.",
          APR_OFFSETOF(pa_status_zone_t, used) },
        { "prefork_app_cache_entries", "gauge", "Entries stored.",
          APR_OFFSETOF(pa_status_zone_t, entries) },
        { "prefork_app_cache_hits_total", "counter", "Lookups that found an entry.",
          APR_OFFSETOF(pa_status_zone_t, hits) },
        { "prefork_app_cache_misses_total", "counter", "Lookups that found nothing.",
          APR_OFFSETOF(pa_status_zone_t, misses) },
        { "prefork_app_cache_evictions_total", "counter",
          "Entries dropped to make room.",
          APR_OFFSETOF(pa_status_zone_t, evictions) },
        { "prefork_app_cache_expired_total", "counter",
          "Entries dropped because their TTL passed.",
          APR_OFFSETOF(pa_status_zone_t, expired) }
    };
    const char **labels;
    apr_size_t f;
    int i, stats = 0;

    if (!snap->zones->nelts) {
        return;
    }
    labels = apr_palloc(r->pool, snap->zones->nelts * sizeof(*labels));
    st_prom_family(r, "prefork_app_cache_size_bytes", "gauge",
                   "Configured size of the cache zone.");
    for (i = 0; i < snap->zones->nelts; i++) {
        const pa_status_zone_t *z = &APR_ARRAY_IDX(snap->zones, i,
                                                    pa_status_zone_t);

        labels[i] = st_prom_label(r->pool, z->name);
        ap_rprintf(r, "prefork_app_cache_size_bytes{zone=\"%s\"} %"
                   APR_UINT64_T_FMT "\n", labels[i], z->size);
        stats |= z->have_stats;
    }
    for (f = 0; stats && f < sizeof(fam) / sizeof(fam[0]); f++) {
        st_prom_family(r, fam[f].name, fam[f].type, fam[f].help);
        for (i = 0; i < snap->zones->nelts; i++) {
            const pa_status_zone_t *z = &APR_ARRAY_IDX(snap->zones, i,
                                                        pa_status_zone_t);

            if (z->have_stats) {
                ap_rprintf(r, "%s{zone=\"%s\"} %" APR_UINT64_T_FMT "\n",
                           fam[f].name, labels[i],
                           *(const apr_uint64_t *)((const char *)z
                                                   + fam[f].off));
            }
        }
    }
}

static void st_metrics(request_rec *r, const st_snapshot_t *snap)
{
    const char **labels = apr_palloc(r->pool, (snap->apps->nelts + 1)
                                              * sizeof(*labels));
    int i;

    for (i = 0; i < snap->apps->nelts; i++) {
        labels[i] = st_prom_label(r->pool,
                                  APR_ARRAY_IDX(snap->apps, i, st_app_t).app->name);
    }
    if (snap->hdr) {
        st_prom_family(r, "prefork_app_manager_start_time_seconds", "gauge",
                       "Start of the current generation, Unix time.");
        ap_rprintf(r, "prefork_app_manager_start_time_seconds %.3f\n",
                   st_seconds(st_wall(snap, snap->hdr->created)));
        st_prom_family(r, "prefork_app_manager_generation", "gauge",
                       "Configuration generation (bumped by every restart).");
        ap_rprintf(r, "prefork_app_manager_generation %u\n",
                   snap->hdr->generation);
        st_prom_family(r, "prefork_app_manager_up", "gauge",
                       "1 while the process manager runs; 0: the apps' "
                       "requests get 503.");
        ap_rprintf(r, "prefork_app_manager_up %d\n", st_manager_up(snap));
        st_prom_family(r, "prefork_app_manager_retiring", "gauge",
                       "1 while the manager drains an old generation: one "
                       "worker per app, none renewed.");
        ap_rprintf(r, "prefork_app_manager_retiring %d\n",
                   snap->hdr->retiring ? 1 : 0);
    }
    if (snap->hdr && snap->max_procs) {
        st_prom_family(r, "prefork_app_manager_max_workers", "gauge",
                       "PreforkAppMaxProcesses: workers of all apps together "
                       "at most.");
        ap_rprintf(r, "prefork_app_manager_max_workers %d\n", snap->max_procs);
    }
    if (snap->apps->nelts) {
        st_metrics_apps(r, snap, labels);
    }
    if (snap->lines->nelts) {
        st_prom_family(r, "prefork_app_new_programs_free", "gauge",
                       "PreforkAppScripts: new-programs= pools not taken "
                       "yet (at 0, a program added gets 403 until a "
                       "graceful restart).");
    }
    for (i = 0; i < snap->lines->nelts; i++) {
        const st_line_t *l = &APR_ARRAY_IDX(snap->lines, i, st_line_t);

        ap_rprintf(r, "prefork_app_new_programs_free{line=\"%s\"} %d\n",
                   st_prom_label(r->pool, l->sc->name),
                   l->sc->new_programs - l->taken);
    }
    st_metrics_zones(r, snap);
}

/* ---- HTML -------------------------------------------------------------------- */

/* s as HTML text. Bytes that are not well-formed UTF-8 (a URI cut at
 * PA_URI_MAX, raw bytes from a client) and control characters become
 * U+FFFD, so the page is valid UTF-8; then the markup characters are
 * escaped. */
static const char *st_html_text(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    char *out = apr_palloc(p, strlen((const char *)u) * 3 + 1);
    char *o = out;

    while (*u) {
        int n = *u < 0x80 ? 1 : st_utf8_len(u);

        if (n == 1 && *u >= 0x20 && *u != 0x7F) {
            *o++ = (char)*u++;
        }
        else if (n > 1) {
            memcpy(o, u, n);
            o += n;
            u += n;
        }
        else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            u++;
        }
    }
    *o = '\0';
    return ap_escape_html2(p, out, 0);
}

/* A duration for people: ms below a second, then s, then h:mm:ss. */
static const char *st_human_seconds(apr_pool_t *p, double s)
{
    long t;

    if (s < 1.0) {
        return apr_psprintf(p, "%.1f ms", s * 1000.0);
    }
    if (s < 60.0) {
        return apr_psprintf(p, "%.2f s", s);
    }
    t = (long)s;
    return apr_psprintf(p, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
}

static const char *st_human_bytes(apr_pool_t *p, apr_int64_t b)
{
    if (b < 0) {
        return "-";
    }
    if (b < 1024 * 1024) {
        return apr_psprintf(p, "%.1f KiB", (double)b / 1024.0);
    }
    return apr_psprintf(p, "%.1f MiB", (double)b / (1024.0 * 1024.0));
}

static const char *st_limit(apr_pool_t *p, int v, const char *unit)
{
    return v ? apr_psprintf(p, "%d%s", v, unit) : "off";
}

/* max-requests=, lifetime=: "N" or "LO-HI" */
static const char *st_range(apr_pool_t *p, int lo, int hi, const char *unit)
{
    return hi > lo ? apr_psprintf(p, "%d-%d%s", lo, hi, unit)
                   : st_limit(p, lo, unit);
}

static void st_html_app(request_rec *r, const st_snapshot_t *snap,
                        const st_app_t *sa)
{
    const pa_app_t *app = sa->app;
    apr_pool_t *p = r->pool;
    int i;

    ap_rprintf(r, "<h2>%s</h2>\n<dl>\n", st_html_text(p, app->name));
    ap_rprintf(r, "<dt>Command: <code>%s</code> (%s)%s%s%s</dt>\n",
               st_html_text(p, app->cmdline), st_protocol_name(app),
               app->scripts ? ", one of PreforkAppScripts " : "",
               app->scripts ? st_html_text(p, app->scripts->name) : "",
               app->spare ? ", added since the start (new-programs=)" : "");
    if (st_dynamic(app)) {
        ap_rprintf(r, "<dt>Pool: dynamic, %d-%d processes, %d-%d spare, "
                   "idle-timeout %s</dt>\n", app->min_procs, app->max_procs,
                   app->spare_min, app->spare_max,
                   st_limit(p, app->idle_timeout, " s"));
    }
    else {
        ap_rprintf(r, "<dt>Pool: static, %d processes</dt>\n",
                   app->max_procs);
    }
    ap_rprintf(r, "<dt>Limits: max-requests %s, lifetime %s, max-memory %s, "
               "reply-buffer %s, reply-spool %s, body-spool %s, "
               "request-timeout %s, "
               "queue-timeout %s, slowlog %s</dt>\n",
               st_range(p, app->max_requests, app->max_requests_hi, ""),
               st_range(p, app->lifetime, app->lifetime_hi, " s"),
               app->max_memory ? st_human_bytes(p, app->max_memory) : "off",
               app->reply_buffer
               ? st_human_bytes(p, (apr_off_t)app->reply_buffer) : "off",
               app->reply_spool ? st_human_bytes(p, app->reply_spool) : "off",
               app->body_spool ? st_human_bytes(p, app->body_spool) : "off",
               st_limit(p, app->request_timeout, " s"),
               app->queue_timeout ? apr_psprintf(p, "%d s",
                                                 app->queue_timeout)
                                  : "0 (no wait)",
               st_limit(p, app->slowlog, " s"));
    if (app->touch_reload) {
        ap_rprintf(r, "<dt>touch-reload: %s</dt>\n",
                   st_html_text(p, app->touch_reload));
    }
    if (app->aliases) {
        ap_rprintf(r, "<dt>URLs (PreforkAppAlias): %s</dt>\n",
                   st_html_text(p, apr_array_pstrcat(p, app->aliases, ' ')));
    }
    ap_rprintf(r, "<dt>Working directory: %s%s%s</dt>\n",
               st_html_text(p, app->dir),
               app->chroot ? ", root (chroot=) " : "",
               app->chroot ? st_html_text(p, *app->chroot ? app->chroot : "/")
                           : "");
    if (app->error_override) {
        ap_rprintf(r, "<dt>Errors answered by httpd (error-override=): "
                   "%s</dt>\n", st_html_text(p, app->error_override));
    }
    if (app->ignore_client_abort) {
        ap_rputs("<dt>Requests run on when their client leaves "
                 "(ignore-client-abort=on)</dt>\n", r);
    }
    if (app->sendfile_dirs) {
        ap_rprintf(r, "<dt>X-Sendfile from: %s</dt>\n", st_html_text(p,
                   apr_array_pstrcat(p, app->sendfile_dirs, ',')));
    }
    if (app->cache) {
        ap_rprintf(r, "<dt>Cache: zone %s, stale-while-revalidate %s, "
                   "stale-if-error %s, cache-lock %s, cache-ignore-params %s"
                   "</dt>\n",
                   st_html_text(p, app->cache->name),
                   st_limit(p, app->stale_while_revalidate, " s"),
                   st_limit(p, app->stale_if_error, " s"),
                   st_limit(p, app->cache_lock, " s"),
                   app->cache_ignore
                   ? st_html_text(p, apr_array_pstrcat(p, app->cache_ignore,
                                                       ','))
                   : "none");
    }
    ap_rprintf(r, "<dt>Scheduling: sched=%s, nice %d</dt>\n",
               st_sched_name(app), app->nice);
    ap_rprintf(r, "<dt>Connections: %s</dt>\n", sa->kept
               ? "one kept per worker, shared by the httpd children "
                 "(keep-conn=on)"
               : app->keep_conn ? "a new one per request (the app closes "
                                  "kept connections)"
               : app->protocol == PA_PROTO_SCGI ? "a new one per request "
                                                  "(SCGI)"
               : app->protocol == PA_PROTO_CGI ? "a new one per request, "
                                                 "and a process (CGI)"
               : "a new one per request (keep-conn=off)");
    ap_rprintf(r, "<dt>Workers: %d total, %u starting, %u idle, %u busy "
               "(at most %u at once), %u stopping (%u slots)</dt>\n",
               sa->workers->nelts, sa->nstate[PA_SLOT_STARTING],
               sa->nstate[PA_SLOT_IDLE], sa->nstate[PA_SLOT_BUSY],
               sa->busy_max, sa->nstate[PA_SLOT_STOPPING], sa->nslots);
    ap_rprintf(r, "<dt>Queue: %u waiting, %u at most, room for %u</dt>\n",
               sa->queue_len, sa->queue_max, sa->queue_room);
    ap_rprintf(r, "<dt>Last minute: %" APR_UINT64_T_FMT " requests, "
               "%.2f requests/s, p50 %s, p99 %s</dt>\n", sa->minute_requests,
               sa->rps, sa->p50 < 0 ? "-" : st_human_seconds(p, sa->p50),
               sa->p99 < 0 ? "-" : st_human_seconds(p, sa->p99));
    if (sa->backoff_level) {
        ap_rprintf(r, "<dt><b>Crash loop: spawning backs off (level %u)</b>"
                   "</dt>\n", sa->backoff_level);
    }
    ap_rputs("</dl>\n<table>\n", r);
    for (i = 0; i < C_COUNT; i++) {
        ap_rprintf(r, "<tr><th>%s</th><td>%" APR_UINT64_T_FMT "</td></tr>\n",
                   st_counters[i].title, sa->c[i]);
    }
    ap_rputs("</table>\n", r);
    if (!sa->workers->nelts) {
        ap_rputs("<p>No worker processes.</p>\n", r);
        return;
    }
    ap_rputs("<table>\n<tr><th>Slot</th><th>PID</th><th>State</th>"
             "<th>Age</th><th>Requests</th><th>CPU</th><th>RSS</th>"
             "<th>Request</th><th>For</th></tr>\n", r);
    for (i = 0; i < sa->workers->nelts; i++) {
        const st_worker_t *w = &APR_ARRAY_IDX(sa->workers, i, st_worker_t);

        ap_rprintf(r, "<tr><td>%d</td><td>%ld</td><td>%s</td><td>%s</td>"
                   "<td>%" APR_UINT64_T_FMT "</td><td>%s</td><td>%s</td>"
                   "<td>%s</td><td>%s</td></tr>\n",
                   w->slot, (long)w->pid,
                   w->retire ? apr_pstrcat(p, st_state_name(w->state),
                                           " (leaving: ",
                                           pa_sb_retire_name(w->retire), ")",
                                           NULL)
                             : st_state_name(w->state),
                   st_human_seconds(p, st_seconds(snap->now - w->started_at)),
                   w->requests,
                   w->cpu < 0 ? "-" : apr_psprintf(p, "%.2f s", w->cpu),
                   st_human_bytes(p, w->rss),
                   w->req_start
                   ? (*w->doing ? apr_pstrcat(p, st_html_text(p, w->uri),
                                              "<br><small>",
                                              st_html_text(p, w->doing),
                                              "</small>", NULL)
                                : st_html_text(p, w->uri))
                   : "",
                   w->req_start
                   ? st_human_seconds(p, st_seconds(snap->now - w->req_start))
                   : "");
    }
    ap_rputs("</table>\n", r);
}

static void st_html_zones(request_rec *r, const st_snapshot_t *snap)
{
    apr_pool_t *p = r->pool;
    int i;

    if (!snap->zones->nelts) {
        return;
    }
    ap_rputs("<h2>Cache zones</h2>\n<table>\n<tr><th>Zone</th><th>Size</th>"
             "<th>Used</th><th>Entries</th><th>Hit ratio</th>"
             "<th>Evictions</th><th>Expired</th></tr>\n", r);
    for (i = 0; i < snap->zones->nelts; i++) {
        const pa_status_zone_t *z = &APR_ARRAY_IDX(snap->zones, i,
                                                    pa_status_zone_t);

        ap_rprintf(r, "<tr><td>%s</td><td>%s</td>",
                   st_html_text(p, z->name),
                   st_human_bytes(p, (apr_int64_t)z->size));
        if (z->have_stats) {
            ap_rprintf(r, "<td>%s</td><td>%" APR_UINT64_T_FMT "</td>"
                       "<td>%.1f%%</td><td>%" APR_UINT64_T_FMT "</td>"
                       "<td>%" APR_UINT64_T_FMT "</td></tr>\n",
                       st_human_bytes(p, (apr_int64_t)z->used), z->entries,
                       100.0 * st_hit_ratio(z), z->evictions, z->expired);
        }
        else {
            ap_rputs("<td colspan=\"5\">unavailable</td></tr>\n", r);
        }
    }
    ap_rputs("</table>\n", r);
}

static void st_html(request_rec *r, const st_snapshot_t *snap,
                    const st_args_t *args)
{
    int refresh = args->refresh;
    const char *host = st_html_text(r->pool, ap_get_server_name(r));
    int i;

    ap_rputs(DOCTYPE_HTML_4_01 "<html><head>\n", r);
    ap_rprintf(r, "<title>Application status for %s</title>\n", host);
    if (refresh) {
        ap_rprintf(r, "<meta http-equiv=\"refresh\" content=\"%d\">\n",
                   refresh);
    }
    ap_rputs("<style>table{border-collapse:collapse}"
             "th,td{border:1px solid #999;padding:2px 6px;text-align:left}"
             "</style>\n</head><body>\n", r);
    ap_rprintf(r, "<h1>Application status for %s</h1>\n<dl>\n", host);
    ap_rprintf(r, "<dt>Current time: %s</dt>\n",
               ap_ht_time(r->pool, snap->wall, "%Y-%m-%d %H:%M:%S %Z", 0));
    if (snap->hdr) {
        ap_rprintf(r, "<dt>Process manager: pid %ld%s, generation %u, "
                   "up %s%s</dt>\n", (long)snap->hdr->manager_pid,
                   st_manager_up(snap) ? ""
                   : " <strong>(not running: the apps' requests get "
                     "503)</strong>",
                   snap->hdr->generation,
                   st_human_seconds(r->pool,
                                    st_seconds(snap->now - snap->hdr->created)),
                   snap->hdr->retiring ? " (retiring)" : "");
        if (snap->max_procs) {
            ap_rprintf(r, "<dt>PreforkAppMaxProcesses: %d workers of all "
                       "apps together</dt>\n", snap->max_procs);
        }
    }
    for (i = 0; i < snap->lines->nelts; i++) {
        const st_line_t *l = &APR_ARRAY_IDX(snap->lines, i, st_line_t);

        ap_rprintf(r, "<dt>PreforkAppScripts %s <code>%s</code>: %u "
                   "program%s from the start, %d of %d new-programs= pools "
                   "taken</dt>\n", st_html_text(r->pool, l->sc->name),
                   st_html_text(r->pool, l->sc->pattern),
                   apr_hash_count(l->sc->by_path),
                   apr_hash_count(l->sc->by_path) == 1 ? "" : "s",
                   l->taken, l->sc->new_programs);
    }
    ap_rprintf(r, "<dt>Also as <a href=\"?json%s\">JSON</a> and "
               "<a href=\"?metrics%s\">Prometheus metrics</a>",
               args->keep, args->keep);
    if (refresh) {
        ap_rprintf(r, "; refreshing every %d s", refresh);
    }
    ap_rputs("</dt>\n</dl>\n", r);
    if (!snap->apps->nelts) {
        ap_rputs("<p>No application is configured (PreforkApp).</p>\n", r);
    }
    for (i = 0; i < snap->apps->nelts; i++) {
        st_html_app(r, snap, &APR_ARRAY_IDX(snap->apps, i, st_app_t));
    }
    st_html_zones(r, snap);
    ap_rputs("</body></html>\n", r);
}

/* ---- ping ------------------------------------------------------------------ */

/* ?ping (php-fpm's ping.path), for a load balancer's health check: "pong"
 * and 200 when the manager runs and each app shown can take a request now
 * (a worker up, idle or busy; or one coming: an on-demand pool that would
 * start one, a pool whose workers are being started, as in the first
 * moments after a graceful restart, when requests wait for them); else
 * 503, a line for each thing that is not so: a pool in crash-loop backoff
 * with no worker up. */
static int st_ping(request_rec *r, const st_snapshot_t *snap)
{
    const char *why = "";
    int i;

    if (snap->hdr && !st_manager_up(snap)) {
        why = "manager: not running\n";
    }
    for (i = 0; i < snap->apps->nelts; i++) {
        const st_app_t *sa = &APR_ARRAY_IDX(snap->apps, i, st_app_t);

        if (sa->nstate[PA_SLOT_IDLE] || sa->nstate[PA_SLOT_BUSY]) {
            continue;
        }
        if (sa->backoff_level) {
            why = apr_pstrcat(r->pool, why, sa->app->name, ": no worker up, "
                              "crash-loop backoff\n", NULL);
        }
    }
    if (*why) {
        apr_table_setn(r->err_headers_out, "Retry-After", "1");
        r->status = HTTP_SERVICE_UNAVAILABLE;
    }
    if (!r->header_only) {
        ap_rputs(*why ? why : "pong\n", r);
    }
    return OK;
}

/* ---- mod_status ------------------------------------------------------------ */

/* One figure of an app, as server-status shows it: its ?auto key (after
 * "PreforkApp[N]") and its table heading. */
typedef struct {
    const char *key;
    const char *heading;
} st_ms_column_t;

static const st_ms_column_t st_ms_columns[] = {
    { "BusyWorkers", "Busy" }, { "IdleWorkers", "Idle" },
    { "StartingWorkers", "Starting" }, { "StoppingWorkers", "Stopping" },
    { "QueuedRequests", "Queued" }, { "Requests", "Requests" },
    { "Errors502", "502" }, { "Errors503", "503" }, { "Errors504", "504" },
    { "WorkersCrashed", "Crashed" }
};
#define ST_MS_NCOLUMNS (sizeof(st_ms_columns) / sizeof(st_ms_columns[0]))

static void st_ms_values(const st_app_t *sa, apr_uint64_t *v)
{
    v[0] = sa->nstate[PA_SLOT_BUSY];
    v[1] = sa->nstate[PA_SLOT_IDLE];
    v[2] = sa->nstate[PA_SLOT_STARTING];
    v[3] = sa->nstate[PA_SLOT_STOPPING];
    v[4] = sa->queue_len;
    v[5] = sa->c[C_ACCEPTED];
    v[6] = sa->c[C_502];
    v[7] = sa->c[C_503];
    v[8] = sa->c[C_504];
    v[9] = sa->c[C_CRASHED];
}

/* Into names, the names of the apps r's virtual host may use
 * (pa_app_allowed()), and of their PreforkAppScripts lines (app=NAME of
 * its line asks for its pools too). */
static void st_host_apps(request_rec *r, apr_table_t *names)
{
    const pa_server_conf_t *conf = st_conf(r);
    int i;

    for (i = 0; i < conf->apps->nelts; i++) {
        const pa_app_t *app = APR_ARRAY_IDX(conf->apps, i, pa_app_t *);

        if (pa_app_allowed(app, r->server)) {
            apr_table_setn(names, app->name, "");
            if (app->scripts) {
                apr_table_setn(names, app->scripts->name, "");
            }
        }
    }
}

int pa_status_mod_status(request_rec *r, int flags)
{
    const pa_server_conf_t *conf = st_conf(r);
    apr_table_t *only = apr_table_make(r->pool, 8);
    apr_uint64_t v[ST_MS_NCOLUMNS];
    st_snapshot_t snap;
    apr_size_t c;
    int i;

    if (!pa_scoreboard
        || __atomic_load_n(&pa_scoreboard->hdr->carried, __ATOMIC_ACQUIRE)) {
        /* No app configured; or a child of a generation a graceful restart
         * retired, whose counters went on to the next one (see
         * pa_status_handler()): what it would show is older. */
        return OK;
    }
    st_host_apps(r, only);
    st_snapshot(&snap, r, only, NULL, 0);
    if (!snap.apps->nelts) {
        return OK;                      /* none for this host */
    }
    /* Those of the apps shown (no worker's /proc: usage 0 above). */
    snap.zones = pa_status_cache_zones(r->pool, conf, only);
    if (flags & AP_STATUS_SHORT) {
        ap_rprintf(r, "PreforkAppManagerRunning: %d\n", st_manager_up(&snap));
        for (i = 0; i < snap.apps->nelts; i++) {
            const st_app_t *sa = &APR_ARRAY_IDX(snap.apps, i, st_app_t);

            ap_rprintf(r, "PreforkApp[%d]Name: %s\n", i, sa->app->name);
            st_ms_values(sa, v);
            for (c = 0; c < ST_MS_NCOLUMNS; c++) {
                ap_rprintf(r, "PreforkApp[%d]%s: %" APR_UINT64_T_FMT "\n", i,
                           st_ms_columns[c].key, v[c]);
            }
            ap_rprintf(r, "PreforkApp[%d]ReqPerSec: %.1f\n", i, sa->rps);
        }
        for (i = 0; i < snap.zones->nelts; i++) {
            const pa_status_zone_t *z = &APR_ARRAY_IDX(snap.zones, i,
                                                        pa_status_zone_t);

            ap_rprintf(r, "PreforkAppCache[%d]Name: %s\n"
                       "PreforkAppCache[%d]Size: %" APR_UINT64_T_FMT "\n",
                       i, z->name, i, z->size);
            if (z->have_stats) {
                ap_rprintf(r, "PreforkAppCache[%d]Used: %" APR_UINT64_T_FMT
                           "\nPreforkAppCache[%d]Entries: %" APR_UINT64_T_FMT
                           "\nPreforkAppCache[%d]Hits: %" APR_UINT64_T_FMT
                           "\nPreforkAppCache[%d]Misses: %" APR_UINT64_T_FMT
                           "\n", i, z->used, i, z->entries, i, z->hits, i,
                           z->misses);
            }
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>Applications (mod_prefork_app)</h2>\n", r);
    ap_rprintf(r, "<p>Process manager: pid %ld, generation %u, %s</p>\n",
               (long)snap.hdr->manager_pid, snap.hdr->generation,
               st_manager_up(&snap)
               ? apr_pstrcat(r->pool, "up ", st_human_seconds(
                     r->pool, st_seconds(snap.now - snap.hdr->created)), NULL)
               : "<strong>not running: the apps' requests get 503</strong>");
    if (!(flags & AP_STATUS_NOTABLE)) {
        ap_rputs("<table border=\"0\"><tr><th>App</th>", r);
        for (c = 0; c < ST_MS_NCOLUMNS; c++) {
            ap_rprintf(r, "<th>%s</th>", st_ms_columns[c].heading);
        }
        ap_rputs("<th>Req/s</th></tr>\n", r);
    }
    for (i = 0; i < snap.apps->nelts; i++) {
        const st_app_t *sa = &APR_ARRAY_IDX(snap.apps, i, st_app_t);
        const char *name = st_html_text(r->pool, sa->app->name);

        st_ms_values(sa, v);
        if (flags & AP_STATUS_NOTABLE) {
            ap_rprintf(r, "<p><b>%s</b>:", name);
            for (c = 0; c < ST_MS_NCOLUMNS; c++) {
                ap_rprintf(r, "%s %s %" APR_UINT64_T_FMT, c ? "," : "",
                           st_ms_columns[c].heading, v[c]);
            }
            ap_rprintf(r, ", Req/s %.1f</p>\n", sa->rps);
            continue;
        }
        ap_rprintf(r, "<tr><td>%s</td>", name);
        for (c = 0; c < ST_MS_NCOLUMNS; c++) {
            ap_rprintf(r, "<td>%" APR_UINT64_T_FMT "</td>", v[c]);
        }
        ap_rprintf(r, "<td>%.1f</td></tr>\n", sa->rps);
    }
    if (flags & AP_STATUS_NOTABLE) {
        for (i = 0; i < snap.zones->nelts; i++) {
            const pa_status_zone_t *z = &APR_ARRAY_IDX(snap.zones, i,
                                                        pa_status_zone_t);

            ap_rprintf(r, "<p>Cache zone <b>%s</b>: %s", st_html_text(
                           r->pool, z->name),
                       st_human_bytes(r->pool, (apr_int64_t)z->size));
            if (z->have_stats) {
                ap_rprintf(r, ", %s used, %" APR_UINT64_T_FMT " entries, "
                           "hit ratio %.1f%%", st_human_bytes(
                               r->pool, (apr_int64_t)z->used), z->entries,
                           100.0 * st_hit_ratio(z));
            }
            ap_rputs("</p>\n", r);
        }
        return OK;
    }
    ap_rputs("</table>\n", r);
    st_html_zones(r, &snap);
    return OK;
}

/* ---- the handler ----------------------------------------------------------- */

/* Query words, separated by '&' or ';': "json", "metrics", "ping",
 * "refresh[=N]", "app=NAME" (repeatable). Others are ignored, so links with extra
 * parameters still work. */
static void st_parse_args(request_rec *r, st_args_t *a)
{
    char *args, *word, *state;
    apr_table_t *named = NULL;

    memset(a, 0, sizeof(*a));
    a->fmt = ST_HTML;
    a->keep = "";
    if (!r->args) {
        return;
    }
    args = apr_pstrdup(r->pool, r->args);
    for (word = apr_strtok(args, "&;", &state); word;
         word = apr_strtok(NULL, "&;", &state)) {
        char *eq = strchr(word, '=');

        if (eq) {
            *eq++ = '\0';
        }
        if (!strcmp(word, "json")) {
            a->fmt = ST_JSON;
        }
        else if (!strcmp(word, "metrics")) {
            a->fmt = ST_METRICS;
        }
        else if (!strcmp(word, "ping")) {
            a->fmt = ST_PING;
        }
        else if (!strcmp(word, "refresh")) {
            char *end = eq;
            long n = eq ? strtol(eq, &end, 10) : 0;

            if (end == eq) {
                n = ST_REFRESH_DEFAULT;     /* "refresh" alone or no number */
            }
            a->refresh = n < 1 ? 1 : n > ST_REFRESH_MAX ? ST_REFRESH_MAX : (int)n;
        }
        else if (!strcmp(word, "app") && eq) {
            a->keep = apr_pstrcat(r->pool, a->keep, "&amp;app=",
                                  ap_escape_html(r->pool, eq), NULL);
            if (ap_unescape_url(eq) != OK) {
                eq = "";                    /* names no app */
            }
            if (!named) {
                a->only = named = apr_table_make(r->pool, 4);
            }
            apr_table_setn(named, eq, "");
        }
    }
}

/* The app name names, as the status page knows them: a configured one,
 * or a new-programs= pool by the name of the program it was taken for
 * (the pool as configured). */
static const pa_app_t *st_find_app(request_rec *r, const char *name)
{
    const pa_app_t *app = pa_find_app(st_conf(r), name);

    return app ? app : pa_scripts_find_taken(st_conf(r), name);
}

/* names, where each PreforkAppScripts NAME among them stands for its
 * programs' pools too, and a program's pool taken at run time for that
 * pool as configured. */
static const apr_table_t *st_with_scripts(request_rec *r,
                                          const apr_table_t *names)
{
    const apr_array_header_t *e;
    apr_table_t *out = NULL;
    int i, j;

    if (!names) {
        return NULL;
    }
    e = apr_table_elts(names);
    for (i = 0; i < e->nelts; i++) {
        const char *name = APR_ARRAY_IDX(e, i, apr_table_entry_t).key;
        const pa_scripts_t *sc = pa_find_scripts(st_conf(r), name);
        const pa_app_t *taken = sc ? NULL
                                : pa_scripts_find_taken(st_conf(r), name);

        if (!sc && !taken) {
            continue;
        }
        if (!out) {
            out = apr_table_copy(r->pool, names);
        }
        if (taken) {
            apr_table_setn(out, taken->name, "");
            continue;
        }
        for (j = 0; j < sc->apps->nelts; j++) {
            apr_table_setn(out, APR_ARRAY_IDX(sc->apps, j, pa_app_t *)->name,
                           "");
        }
    }
    return out ? out : names;
}

/* Whether every app=NAME names a configured app (or PreforkAppScripts
 * line), one of scope's (if not NULL). */
static int st_all_apps(request_rec *r, const apr_table_t *only,
                       const apr_table_t *scope)
{
    const apr_array_header_t *names = apr_table_elts(only);
    int i;

    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, apr_table_entry_t).key;
        const pa_app_t *app = st_find_app(r, name);

        if ((!app && !pa_find_scripts(st_conf(r), name))
            || (scope && !apr_table_get(scope, app ? app->name : name))) {
            return 0;
        }
    }
    return 1;
}

/* DELETE ?cache=ZONE[&tag=TAG | &app=NAME], where
 * PreforkAppStatusCacheDrop is On: empties ZONE, or drops the pages of
 * TAG, or those app NAME stored there, if this page shows the zone (and
 * the app: scope). Always logged, with who asked. */
static int st_cache_drop(request_rec *r, const apr_table_t *scope)
{
    const pa_server_conf_t *conf = st_conf(r);
    char *args = apr_pstrdup(r->pool, r->args ? r->args : ""), *word, *state;
    const char *zname = NULL, *tag = NULL, *aname = NULL, *what;
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const pa_app_t *app = NULL;
    pa_cache_zone_t *z;
    apr_size_t removed;
    apr_status_t rv;
    char err[128];

    if (origin) {
        /* Sent by a web page's script: a drop is for an admin's tool (curl),
         * and a page of a name that a DNS rebinding points at this machine
         * is same-origin to the browser, so CORS would not stop it. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00504)
                      "status page: cache drop refused: sent by a web page "
                      "(Origin: %s), from %s", origin, r->useragent_ip);
        return HTTP_FORBIDDEN;
    }
    for (word = apr_strtok(args, "&;", &state); word;
         word = apr_strtok(NULL, "&;", &state)) {
        char *eq = strchr(word, '=');

        if (!eq) {
            continue;
        }
        *eq++ = '\0';
        if (ap_unescape_urlencoded(eq) != OK) {
            return HTTP_BAD_REQUEST;
        }
        if (!strcmp(word, "cache")) {
            zname = eq;
        }
        else if (!strcmp(word, "tag")) {
            tag = eq;
        }
        else if (!strcmp(word, "app")) {
            aname = eq;
        }
    }
    if (!zname || (tag && aname)) {
        return HTTP_BAD_REQUEST;
    }
    z = apr_hash_get(conf->zones_by_name, zname, APR_HASH_KEY_STRING);
    if (!z || (scope && !st_zone_used(conf, scope, z))) {
        return HTTP_NOT_FOUND;      /* a zone not shown here is none */
    }
    if (aname && (!(app = st_find_app(r, aname)) || app->cache != z
                  || (scope && !apr_table_get(scope, app->name)))) {
        return HTTP_NOT_FOUND;      /* nor an app that has no pages there */
    }
    /* A taken pool's pages are stored under the name it serves by; one
     * refused since has none. */
    if (app && app->spare
        && !(app = pa_scripts_shown(r->pool, app,
                                    pa_sb_app(pa_scoreboard, app->index)))) {
        return HTTP_NOT_FOUND;
    }
    what = tag ? apr_psprintf(r->pool, "tag '%s' from ",
                              ap_escape_logitem(r->pool, tag))
           : app ? apr_psprintf(r->pool, "the pages of app %s from ",
                                app->name)
           : "";
    rv = z->handle ? pa_cache_drop(r, z, app, tag, &removed) : APR_ENOENT;
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00502)
                      "status page: %s %scache zone %s for %s failed: %s",
                      *what ? "dropping" : "emptying", what, z->name,
                      r->useragent_ip, z->handle
                      ? apr_shm_cache_strerror(rv, err, sizeof(err))
                      : "not created");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, PALOGNO(00503)
                  "status page: %s %scache zone %s for %s (%" APR_SIZE_T_FMT
                  " entries)", *what ? "dropped" : "emptied", what, z->name,
                  r->useragent_ip, removed);
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_rprintf(r, "%s %scache zone %s (%" APR_SIZE_T_FMT " entries)\n",
               *what ? "dropped" : "emptied", what, z->name, removed);
    return OK;
}

/* Whether a SetHandler that applies here names the status handler. */
static int st_sethandler(request_rec *r)
{
    core_dir_config *cd = ap_get_core_module_config(r->per_dir_config);
    const char *err = NULL, *h;

    if (!cd->expr_handler) {
        return 0;
    }
    h = ap_expr_str_exec(r, cd->expr_handler, &err);
    return !err && h && !strcasecmp(h, PA_STATUS_HANDLER);
}

/* The apps a page with PreforkAppStatusApps shows (NULL: all), its
 * @vhost made the names of those r's virtual host may use. */
static const apr_table_t *st_scope(request_rec *r, const apr_table_t *named)
{
    apr_table_t *scope;

    if (!named || !apr_table_get(named, PA_STATUS_APPS_VHOST)) {
        return named;
    }
    scope = apr_table_copy(r->pool, named);
    apr_table_unset(scope, PA_STATUS_APPS_VHOST);
    st_host_apps(r, scope);
    return scope;
}

/* mod_rewrite's note of the handler a RewriteRule [H=] gave the request:
 * the server's and the hosts' rules write it at translate_name, those of
 * an .htaccess in their fixup. */
#define ST_REWRITE_NOTE "rewrite-forced-handler"

int pa_status_fixups(request_rec *r)
{
    const char *h = apr_table_get(r->notes, ST_REWRITE_NOTE);

    if (h && !strcasecmp(h, PA_STATUS_HANDLER)) {
        ap_set_module_config(r->request_config, &prefork_app_module,
                             (void *)PA_STATUS_HANDLER);
    }
    return DECLINED;
}

/* Whether name's last path segment has one of exts as an extension, as
 * mod_mime reads them: each part after its first dot, in any case. */
static int st_has_ext(const char *name, const apr_array_header_t *exts)
{
    const char *part = name ? strrchr(name, '/') : NULL;
    int i;

    part = part ? part + 1 : name;
    while (part && (part = strchr(part, '.'))) {
        apr_size_t n = strcspn(++part, ".");

        for (i = 0; n && i < exts->nelts; i++) {
            const char *ext = APR_ARRAY_IDX(exts, i, const char *);

            if (strlen(ext) == n && !strncasecmp(part, ext, n)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Whether the top level's own RewriteRule [H=] or AddHandler gave r the
 * handler. Other directives also give it where an .htaccess may have
 * (AddHandler, a RewriteRule [H=], or a type: httpd takes the content
 * type as the handler when none is set, so ForceType or AddType do too);
 * then the top level does not vouch for it. */
static int st_top_placed(request_rec *r, const pa_dir_conf_t *dconf)
{
    if (ap_get_module_config(r->request_config, &prefork_app_module)) {
        return 1;
    }
    /* ModMimeUsePathInfo: mod_mime reads PATH_INFO too. */
    return dconf->status_exts
           && (st_has_ext(r->filename, dconf->status_exts)
               || (r->filename && r->path_info && *r->path_info
                   && st_has_ext(apr_pstrcat(r->pool, r->filename,
                                             r->path_info, NULL),
                                 dconf->status_exts)));
}

int pa_status_handler(request_rec *r)
{
    static const char *const types[] = {
        "text/html; charset=utf-8",
        "application/json",
        "text/plain; version=0.0.4; charset=utf-8",
        "text/plain; charset=utf-8"
    };
    const pa_dir_conf_t *dconf = ap_get_module_config(r->per_dir_config,
                                                      &prefork_app_module);
    const apr_table_t *scope;
    st_snapshot_t snap;
    st_args_t args;
    int placed = 1, drop;

    /* err_headers_out: a 403, 404 or 405 goes out with it too. */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (!dconf || !(dconf->status_placed & PA_PLACED_SECTION)) {
        /* Placed at a top level alone (a RewriteRule [H=], an AddHandler),
         * which every directory inherits: a SetHandler here is then an
         * .htaccess file's, and so is a handler those did not give. */
        placed = dconf && dconf->status_placed && !st_sethandler(r)
                 && st_top_placed(r, dconf);
    }
    if (!placed) {
        /* A customer's .htaccess would show every host's apps and the
         * requests in flight (server-status does). */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00501)
                      "status page refused: its handler is set here by an "
                      ".htaccess file, not by the server's configuration "
                      "files");
        return HTTP_FORBIDDEN;
    }
    scope = st_scope(r, st_with_scripts(r, dconf ? dconf->status_apps
                                                : NULL));
    drop = dconf && dconf->status_cache_drop == PA_FLAG_ON;
    if (r->method_number == M_DELETE && drop) {
        return st_cache_drop(r, scope);
    }
    if (r->method_number != M_GET) {
        /* Allow: GET, HEAD (HEAD follows GET), and DELETE if it may. */
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET,
                                  drop ? M_DELETE : -1, -1);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    st_parse_args(r, &args);
    if (args.only && !st_all_apps(r, args.only, scope)) {
        return HTTP_NOT_FOUND;     /* an app not shown here is none */
    }
    if ((args.fmt == ST_METRICS || args.fmt == ST_JSON) && pa_scoreboard
        && __atomic_load_n(&pa_scoreboard->hdr->carried, __ATOMIC_ACQUIRE)) {
        /* A child of a generation a graceful restart has retired: its
         * counters went on to the next one, and what it would show is
         * older than the next scrape's, a counter gone down (a reset to
         * rate()). A failed scrape instead, on a connection closed so
         * that the next goes to a child of the new generation. */
        r->connection->keepalive = AP_CONN_CLOSE;
        apr_table_setn(r->err_headers_out, "Retry-After", "0");
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_set_content_type(r, types[args.fmt]);
    if (r->header_only && args.fmt != ST_PING) {
        return OK;              /* a HEAD's ping has the ping's status */
    }
    st_snapshot(&snap, r, args.only ? st_with_scripts(r, args.only) : scope,
                scope, args.fmt != ST_PING);
    switch (args.fmt) {
    case ST_PING:
        return st_ping(r, &snap);
    case ST_JSON:
        st_json(r, &snap);
        break;
    case ST_METRICS:
        st_metrics(r, &snap);
        break;
    default:
        st_html(r, &snap, &args);
        break;
    }
    return OK;
}
