/* Response cache glue.
 *
 * Zones: each PreforkAppCache is one named apr_shm_cache segment created by
 * the httpd parent before anything forks, so httpd's children inherit the
 * mapping, and created as httpd's User so that exec'd workers (which run as
 * that user) can attach by name (PREFORK_APP_CACHE in their environment).
 *
 * Responses: for an app with cache=ZONE, a GET without credentials is
 * answered from the zone when a fresh copy exists (or a stale one the
 * app allows, RFC 5861, while another request refreshes it); otherwise an
 * output filter right after the handler keeps a copy of a response that
 * says it may be shared (a status cacheable by default, Cache-Control
 * max-age / s-maxage or Expires, no Set-Cookie, no
 * private/no-store/no-cache, no Vary "*", an encoded body only with Vary:
 * Accept-Encoding); one that varies on request headers is stored once per
 * variant (vary_key()).
 * Requests carrying Authorization or Cookie, a TLS client certificate, a
 * logged-in user or an Authorizer's variables (PA_NOTE_AUTH_VARS) never
 * read or fill the cache, so one user's page cannot reach another,
 * nor do those with a body. Any other method's success drops the entry of
 * its URI.
 */
#include "cache.h"

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"
#include "unixd.h"
#include "apr_strings.h"
#include "apr_fnmatch.h"
#include "apr_lib.h"
#include "apr_atomic.h"
#include "apr_date.h"
#include "util_filter.h"
#include "util_md5.h"
#include "manager.h"
#include "scoreboard.h"

#include <setjmp.h>
#include <signal.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

#define PA_CACHE_FILTER     "PREFORK_APP_CACHE_SAVE"
#define PA_CACHE_MAGIC      0x50414354u     /* "PACT": with its stale windows */
/* How long a note that a page or tag was dropped stays: past the longest
 * queue-timeout + request-timeout of the zone's apps by this. */
#define PA_CACHE_DROP_SLACK   10
#define PA_CACHE_MAX_BODY   (1024 * 1024)   /* larger responses pass uncached */
/* The name of the pair that keeps the app's own status line ("Status: 200
 * Fine"): no header can have it (':' is not a token character). */
#define PA_CACHE_STATUS_LINE ":status-line"

/* cache-lock=: a fetch that stored nothing leaves a note for this long, so
 * that the page's next misses ask the app at once; a waiter looks at the
 * fetch's note at least this often (a fetch of an older generation, whose
 * end wakes nobody here). */
#define PA_CACHE_PASS_TIME  apr_time_from_sec(30)
#define PA_CACHE_FILL_LOOK  apr_time_from_msec(100)

/* A page whose answer varies on request headers: at its key, a list of
 * them (pa_cache_vary_t); each variant at a key of its own. */
#define PA_CACHE_VARY_MAGIC 0x50415659u     /* "PAVY" */
#define PA_CACHE_VARY_MAX   8               /* names in one Vary */
#define PA_CACHE_AE         "accept-encoding"

/* The largest delta-seconds (max-age, Age) taken as given: RFC 9111
 * 1.2.2's 2^31, far from where time sums in microseconds overflow. */
#define PA_CACHE_SECS_MAX APR_INT64_C(2147483648)

/* A stored response: this header, then "name\0value\0" pairs (among them
 * the app's own status line, if it gave one), then body. */
typedef struct pa_cache_entry_t {
    apr_uint32_t magic;
    apr_int32_t status;
    apr_time_t stored;              /* when its age was 0 */
    apr_interval_time_t lifetime;   /* fresh until stored + lifetime */
    apr_interval_time_t stale;      /* then served stale, while one request
                                     * fetches it anew, this long */
    apr_interval_time_t if_error;   /* and for an error, this long */
    apr_uint32_t headers_len;
    apr_uint32_t body_len;
} pa_cache_entry_t;

/* The list at a page's key when its answer varies: this header, then the
 * names (vary_names()) and their NUL. Its nonce is new whenever the list
 * is made anew (none was there: the page was dropped, or its list expired
 * or changed), and is part of every variant's key, so that a variant
 * stored under an older list is never found again. */
typedef struct pa_cache_vary_t {
    apr_uint32_t magic;
    apr_uint32_t names_len;
    apr_uint64_t nonce;
    apr_time_t until;               /* when it leaves the zone */
} pa_cache_vary_t;

struct pa_cache_save_t {
    pa_app_t *app;
    const char *key;                /* the page's key; NULL: the request
                                     * may not fill it */
    const char *stale_key;          /* the stale entry it refreshes */
    const char *invalidate;         /* an unsafe request's target, or NULL */
    int decided;
    apr_table_t *headers;           /* as they were when it was decided */
    apr_interval_time_t ttl;
    const char *tags;
    char *body;
    apr_size_t len;
    apr_size_t cap;
    const char *refresh;            /* the refresh note this request holds */
    const char *fill;               /* the fetch note (cache-lock=) it holds */
    const char *pass;               /* ... and the note it leaves if it
                                     * stores nothing */
    int keep;                       /* the entry stays: its answer went
                                     * into the zone, or the stale one out */
    pa_cache_served_e served;       /* what the zone answered with */
    const char *fallback;           /* a stale entry for an error, or NULL */
    apr_size_t fallback_len;
    int stands_in;                  /* it was found fit to (it stays so) */
};

/* A zone lives as long as httpd's parent, not one generation: a graceful
 * restart keeps what the apps stored (and the old generation's workers, still
 * attached by name, share it with the new one's). Its name keeps it (the
 * parent lets go of the segment it made, apr_shm_cache_release()); the
 * parent removes the name when a restart drops the zone or changes its size
 * or User, and when httpd exits (a cleanup of each generation's pconf,
 * which runs before the module is unloaded). Each generation attaches to
 * it afresh, so that the code of this build checks its layout (a restart
 * may load another build of the module); no handle, and no cleanup of
 * ours, is kept across a restart, since httpd reloads the module then, maybe
 * at another address, and a function pointer kept across one may point
 * nowhere. */
/* A zone's segment: PREFIX NAME "." RANDOM "." PID SUFFIX in
 * DefaultRuntimeDir, and its marker (which httpd made it) that name +
 * OWNER. The shm object's name follows from the path: the random part
 * keeps another local user from making it first (the segment would then
 * not be made: PA00601). */
#define PA_ZONE_PREFIX      "prefork_app-"
#define PA_ZONE_SUFFIX      ".cache"
#define PA_ZONE_OWNER       ".owner"

/* One per zone name ever configured, in the process pool. */
typedef struct pa_zone_kept_t {
    const char *name;
    const char *path;
    const char *owner;              /* the marker file beside it */
    apr_size_t size;
    uid_t uid;                      /* the User it was made for */
    pid_t maker;                    /* the parent that made it; 0 = none */
    int hold;                       /* pa_sb_hold() of the marker, -1 = none */
    int seen;                       /* configured in this generation */
} pa_zone_kept_t;

/* The key under which builds before 2026-12-07 kept their zones' table;
 * those before 2026-12-06 12:11 UTC, their zones' cleanups in the process
 * pool too (nothing here tells the two apart). */
#define PA_ZONES_KEY_BEFORE "mod_prefork_app-zones"

/* The zones' table outlives restarts (pa_retained_key()). */
static const char *zones_key(char *buf, apr_size_t len)
{
    return pa_retained_key(buf, len, PA_ZONES_KEY_BEFORE,
                           sizeof(pa_zone_kept_t));
}

/* The segment and its marker go: when a restart drops the zone, and at the
 * exit of the parent that made it; never in a forked process. */
static void zone_drop(pa_zone_kept_t *k, apr_pool_t *p)
{
    if (k->maker == getpid()) {
        apr_shm_remove(k->path, p);
        unlink(k->owner);
        if (k->hold >= 0) {
            close(k->hold);
        }
    }
    k->maker = 0;
    k->hold = -1;
}

/* The zone marker owner stands for: the path written in it; in an earlier
 * build's (empty: the path was its name), its own name less PA_ZONE_OWNER.
 * NULL if it cannot be read or names no zone of ours. */
static const char *marker_zone(apr_pool_t *p, const char *owner)
{
    const apr_size_t olen = strlen(owner) - (sizeof(PA_ZONE_OWNER) - 1);
    const apr_size_t tail = sizeof(PA_ZONE_SUFFIX) - 1;
    char buf[PATH_MAX];
    const char *base;
    ssize_t n;
    int fd = open(owner, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        return NULL;
    }
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) {
        return NULL;
    }
    if (n == 0) {
        return apr_pstrndup(p, owner, olen);
    }
    buf[n] = '\0';
    base = strrchr(buf, '/');
    if (buf[0] != '/' || strncmp(base + 1, PA_ZONE_PREFIX,
                                 sizeof(PA_ZONE_PREFIX) - 1)
        || (apr_size_t)n <= tail || strcmp(buf + n - tail, PA_ZONE_SUFFIX)) {
        return NULL;
    }
    return apr_pstrdup(p, buf);
}

/* At the parent's exit, after its own: the zones another build of the
 * module made in this process (one loaded before a graceful restart to
 * this build, whose table this one does not read), known by the markers
 * it holds open (pa_sb_hold()), named with its pid. Left, the next start
 * would remove them; until then they take their size in /dev/shm. */
static void zones_of_other_builds(apr_pool_t *p)
{
    char fds[64], path[64], link[PATH_MAX];
    const apr_size_t tail = sizeof(PA_ZONE_SUFFIX PA_ZONE_OWNER) - 1;
    const char *mine = apr_psprintf(p, ".%ld" PA_ZONE_SUFFIX PA_ZONE_OWNER,
                                    (long)getpid());
    struct dirent *e;
    DIR *d;

    apr_snprintf(fds, sizeof(fds), "/proc/%ld/fd", (long)getpid());
    if (!(d = opendir(fds))) {
        return;
    }
    while ((e = readdir(d))) {
        ssize_t n;
        const char *base, *zone;

        apr_snprintf(path, sizeof(path), "%s/%s", fds, e->d_name);
        if (e->d_name[0] == '.'
            || (n = readlink(path, link, sizeof(link) - 1)) <= 0) {
            continue;
        }
        link[n] = '\0';
        base = strrchr(link, '/');
        base = base ? base + 1 : link;
        if ((apr_size_t)n <= tail || strncmp(base, PA_ZONE_PREFIX,
                                             sizeof(PA_ZONE_PREFIX) - 1)
            || strlen(base) <= strlen(mine)
            || strcmp(base + strlen(base) - strlen(mine), mine)) {
            continue;
        }
        if ((zone = marker_zone(p, link))) {
            apr_shm_remove(zone, p);
        }
        unlink(link);
    }
    closedir(d);
}

/* On each generation's pconf: at httpd's exit (a failed restart's too,
 * once pre_config ran), not at a restart, which keeps the zones. */
static apr_status_t zones_at_exit(void *data)
{
    char key[PA_RETAINED_KEY_MAX];
    apr_hash_t **kept = ap_retained_data_get(zones_key(key, sizeof(key)));
    apr_hash_index_t *hi;
    apr_pool_t *p;

    (void)data;
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_EXITING) {
        return APR_SUCCESS;
    }
    for (hi = kept ? apr_hash_first(NULL, *kept) : NULL; hi;
         hi = apr_hash_next(hi)) {
        zone_drop(apr_hash_this_val(hi), apr_hash_pool_get(*kept));
    }
    if (apr_pool_create(&p, NULL) == APR_SUCCESS) {
        zones_of_other_builds(p);
        apr_pool_destroy(p);
    }
    return APR_SUCCESS;
}

void pa_cache_pre_config(apr_pool_t *pconf)
{
    apr_pool_cleanup_register(pconf, NULL, zones_at_exit,
                              apr_pool_cleanup_null);
}

/* The named segment survives a SIGKILL of httpd's parent, and its name
 * (with that pid in it) is never made again: the marker beside its path
 * says whose it was, and the next httpd with this runtime directory (dir,
 * ending with '/') removes those of parents that are gone. Only markers of
 * its own user count (root's, when it starts as root: workers run as User). */
static void zone_remove_stale(apr_pool_t *p, const char *dir, server_rec *s)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        const apr_size_t head = sizeof(PA_ZONE_PREFIX) - 1,
                         tail = sizeof(PA_ZONE_SUFFIX PA_ZONE_OWNER) - 1;
        apr_size_t n = strlen(fi.name);
        const char *owner, *zone, *dot;
        struct stat st;
        char *end;
        long pid;

        if (strncmp(fi.name, PA_ZONE_PREFIX, head) || n <= head + tail
            || strcmp(fi.name + n - tail, PA_ZONE_SUFFIX PA_ZONE_OWNER)) {
            continue;
        }
        dot = fi.name + n - tail;
        while (dot > fi.name && dot[-1] != '.') {
            dot--;
        }
        pid = strtol(dot, &end, 10);
        /* Ours too: this runs before this process makes any zone, and a
         * container's httpd has the same pid at every start. Not one held:
         * a live httpd's in another pid namespace. */
        if (end != fi.name + n - tail
            || !(pid == (long)getpid() || pa_sb_pid_gone(pid))) {
            continue;
        }
        owner = apr_pstrcat(p, dir, fi.name, NULL);
        if (pa_sb_held(owner) || lstat(owner, &st) != 0
            || !S_ISREG(st.st_mode)
            || st.st_uid != geteuid()) {
            continue;
        }
        if ((zone = marker_zone(p, owner))) {
            apr_shm_remove(zone, p);
        }
        unlink(owner);          /* a marker that names no zone goes too */
        if (!zone) {
            continue;
        }
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, PALOGNO(00605)
                     "removed the cache zone %s, left by httpd pid %ld, "
                     "which is gone", zone, pid);
    }
    apr_dir_close(d);
}

static const char *zone_path(apr_pool_t *p, const char *name)
{
    unsigned char rnd[8];
    char hex[2 * sizeof(rnd) + 1];

    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        apr_time_t now = apr_time_now();

        memcpy(rnd, &now, sizeof(rnd));     /* no entropy: still unique */
    }
    ap_bin2hex(rnd, sizeof(rnd), hex);
    return ap_runtime_dir_relative(p, apr_psprintf(p, PA_ZONE_PREFIX
                                                   "%s.%s.%ld" PA_ZONE_SUFFIX,
                                                   name, hex, (long)getpid()));
}

/* Any process running as User can shrink a zone's segment (ftruncate() on
 * its shm object); a page of the mapping past the new end then raises
 * SIGBUS where it is read or written. httpd's parent maps each zone again
 * at every restart: there that would end httpd. So the parent makes and
 * maps a zone only under a handler that turns SIGBUS into an error, and
 * the zone is made anew (PA00615). httpd's children are not guarded: such
 * a process, running as their User, can kill them anyway. */
static sigjmp_buf zone_fault_at;

static void zone_fault(int sig)
{
    (void)sig;
    siglongjmp(zone_fault_at, 1);
}

/* apr_shm_cache_create() of size bytes (0: apr_shm_cache_attach()) at
 * path, in the parent, under that handler: APR_SHM_CACHE_EBADSIZE if the
 * segment turned out shorter than its mapping; APR_ENOSPC if a new one
 * could not have its first page (/dev/shm filled up after the library's
 * look at its room: APR writes there right after its mmap(), a mapping
 * then left to the process). What else it left in p goes with p. */
static apr_status_t zone_map(apr_shm_cache_t **h, const char *path,
                             apr_size_t size, apr_pool_t *p)
{
    struct sigaction sa, old;
    apr_status_t rv;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = zone_fault;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old);
    if (sigsetjmp(zone_fault_at, 1) == 0) {
        rv = size ? apr_shm_cache_create(h, size, path, p)
                  : apr_shm_cache_attach(h, path, p);
    }
    else {
        rv = size ? APR_ENOSPC : APR_SHM_CACHE_EBADSIZE;
    }
    sigaction(SIGBUS, &old, NULL);
    return rv;
}

/* Make k's segment, owned by httpd's User (workers run as that user, and
 * the segment is 0600), and its marker; under a name of its own each time
 * (one dropped may be known to others by now). */
static apr_status_t zone_create(pa_zone_kept_t *k, apr_size_t size,
                                server_rec *s, apr_pool_t *ptemp)
{
    uid_t euid = geteuid();
    apr_shm_cache_t *holder;
    apr_pool_t *tp;
    apr_file_t *f;
    apr_status_t rv;

    k->path = zone_path(s->process->pool, k->name);
    /* The marker first: a parent that dies while it makes the segment
     * leaves it for the next start to find. Its name has random digits of
     * its own, the segment's path is written in it (0600): anyone may list
     * the runtime directory, and a segment's name (APR's, from its path)
     * taken first by another user would keep the zone from being made. */
    k->owner = apr_pstrcat(s->process->pool,
                           zone_path(s->process->pool, k->name),
                           PA_ZONE_OWNER, NULL);
    rv = apr_file_open(&f, k->owner, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL, APR_FPROT_UREAD | APR_FPROT_UWRITE,
                       ptemp);
    if (rv == APR_SUCCESS) {
        rv = apr_file_puts(k->path, f);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, PALOGNO(00624)
                     "PreforkAppCache %s: cannot write the zone's marker %s "
                     "(is DefaultRuntimeDir httpd's to write?): should httpd "
                     "be killed, its segment stays in /dev/shm until the "
                     "machine restarts", k->name, k->owner);
    }
    /* Held by the parent and what it forks (the children, the managers:
     * a retired one goes on using it) while the zone is in use. */
    k->hold = pa_sb_hold(k->owner);
    k->maker = getpid();
    /* Root can take its euid back afterwards. */
    if (euid == 0 && seteuid(ap_unixd_config.user_id) != 0) {
        euid = (uid_t)-1;
    }
    apr_pool_create(&tp, ptemp);
    rv = zone_map(&holder, k->path, size, tp);
    if (euid == 0 && seteuid(0) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    /* Its name keeps it; the handle would destroy it with tp. */
    if (rv == APR_SUCCESS) {
        rv = apr_shm_cache_release(holder);
    }
    apr_pool_destroy(tp);
    if (rv != APR_SUCCESS) {
        zone_drop(k, ptemp);
        return rv;
    }
    k->size = size;
    k->uid = ap_unixd_config.user_id;
    return APR_SUCCESS;
}

/* k's zone, of another size than z's now: the new one is made before the
 * old one is dropped. The old generation's children keep the old segment
 * mapped until they exit, so /dev/shm must hold both for a while; without
 * room for the new one, the old stays in service, its entries with it, at
 * its size. */
static void zone_resize(pa_zone_kept_t *k, pa_cache_zone_t *z, server_rec *s,
                        apr_pool_t *ptemp)
{
    pa_zone_kept_t made = *k;
    apr_status_t rv = zone_create(&made, z->size, s, ptemp);
    char err[128];

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PALOGNO(00620)
                     "%s:%d: PreforkAppCache %s: cannot make the zone anew "
                     "at %" APR_SIZE_T_FMT " bytes (%s): kept at its "
                     "%" APR_SIZE_T_FMT " bytes, entries and all, until a "
                     "restart can", z->file, z->line, z->name, z->size,
                     apr_shm_cache_strerror(rv, err, sizeof(err)), k->size);
        z->size = k->size;
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, PALOGNO(00622)
                 "PreforkAppCache %s: resized from %" APR_SIZE_T_FMT " to "
                 "%" APR_SIZE_T_FMT " bytes: made anew, empty", z->name,
                 k->size, z->size);
    zone_drop(k, ptemp);
    *k = made;
}

apr_status_t pa_cache_create_zones(pa_server_conf_t *conf, apr_pool_t *pconf,
                                   apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *keep = s->process->pool;
    char key[PA_RETAINED_KEY_MAX];
    apr_hash_t **kept = ap_retained_data_get(zones_key(key, sizeof(key)));
    apr_hash_index_t *hi;
    int i, first = !kept;

    if (ap_retained_data_get(PA_ZONES_KEY_BEFORE)) {
        /* (Not a thing this build can undo: their cleanups are the
         * pool's, with addresses in the old build's code.) */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, PALOGNO(00623)
                     "a build of mod_prefork_app from before 2026-12-07 ran "
                     "in this httpd with PreforkAppCache zones; one from "
                     "before 2026-12-06 12:11 UTC left cleanups in httpd's "
                     "process pool that call its code, no longer loaded: "
                     "then httpd crashes when it stops (AH00060) and leaves "
                     "its zones behind; if it may have been such a build, "
                     "stop httpd and start it again now, at a quiet moment");
    }
    if (first) {
        kept = ap_retained_data_create(key, sizeof(*kept));
        *kept = apr_hash_make(keep);
        zone_remove_stale(pconf, ap_make_dirstr_parent(pconf,
                                                       zone_path(pconf, "-")),
                          s);
    }
    for (hi = apr_hash_first(pconf, *kept); hi; hi = apr_hash_next(hi)) {
        ((pa_zone_kept_t *)apr_hash_this_val(hi))->seen = 0;
    }
    for (i = 0; i < conf->zones->nelts; i++) {
        pa_cache_zone_t *z = APR_ARRAY_IDX(conf->zones, i, pa_cache_zone_t *);
        pa_zone_kept_t *k = apr_hash_get(*kept, z->name, APR_HASH_KEY_STRING);
        apr_status_t rv = APR_SUCCESS;
        char err[128];

        if (!k) {
            k = apr_pcalloc(keep, sizeof(*k));
            k->name = apr_pstrdup(keep, z->name);
            k->hold = -1;
            apr_hash_set(*kept, k->name, APR_HASH_KEY_STRING, k);
        }
        k->seen = 1;
        /* Made anew, empty: for another User (it is 0600), in a layout
         * this build does not read, or damaged; resized (zone_resize()). */
        if (k->maker && k->uid != ap_unixd_config.user_id) {
            zone_drop(k, ptemp);
        }
        else if (k->maker && k->size != z->size) {
            zone_resize(k, z, s, ptemp);
        }
        if (k->maker
            && (rv = zone_map(&z->handle, k->path, 0, pconf)) != APR_SUCCESS) {
            if (rv != APR_SHM_CACHE_EVERSION) {
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PALOGNO(00615)
                             "PreforkAppCache %s: the zone %s is no longer "
                             "whole (%s; shrunk or overwritten by a process "
                             "running as User?): made anew, empty", z->name,
                             k->path, apr_shm_cache_strerror(rv, err,
                                                             sizeof(err)));
            }
            zone_drop(k, ptemp);
        }
        if (!k->maker
            && ((rv = zone_create(k, z->size, s, ptemp)) != APR_SUCCESS
                || (rv = zone_map(&z->handle, k->path, 0, pconf))
                   != APR_SUCCESS)) {
            zone_drop(k, ptemp);
            if (first) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, PALOGNO(00601)
                             "%s:%d: PreforkAppCache %s: cannot create the "
                             "zone (%s): %s", z->file, z->line, z->name,
                             k->path, apr_shm_cache_strerror(rv, err,
                                                             sizeof(err)));
                return rv;
            }
            /* A restart does not stop the server for it: the zone's apps
             * serve on, uncached (handle and path NULL), and the next
             * restart tries again. */
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, PALOGNO(00621)
                         "%s:%d: PreforkAppCache %s: cannot create the zone "
                         "(%s): %s; its apps serve uncached until a restart "
                         "can make it", z->file, z->line, z->name, k->path,
                         apr_shm_cache_strerror(rv, err, sizeof(err)));
            z->handle = NULL;
            continue;
        }
        z->path = k->path;
    }
    for (hi = apr_hash_first(pconf, *kept); hi; hi = apr_hash_next(hi)) {
        pa_zone_kept_t *k = apr_hash_this_val(hi);

        if (!k->seen && k->maker) {
            zone_drop(k, ptemp);        /* no longer configured */
        }
    }
    return APR_SUCCESS;
}

/* A part of the key that may hold any byte but NUL (a rewrite's
 * substitution may put a space in it): with its length, so that no two
 * keys read alike. */
static const char *key_part(apr_pool_t *p, const char *s)
{
    s = s ? s : "";
    return apr_psprintf(p, " %" APR_SIZE_T_FMT ":%s", strlen(s), s);
}

/* Query q without the parameters the app's cache-ignore-params= names
 * (their names, as sent, matched as globs: utm_*), the others in their
 * order; NULL if none is left. */
static const char *query_kept(apr_pool_t *p, const pa_app_t *app,
                              const char *q)
{
    char *copy, *pair, *state;
    const char *kept = NULL;

    if (!q || !app->cache_ignore) {
        return q && *q ? q : NULL;
    }
    copy = apr_pstrdup(p, q);
    for (pair = apr_strtok(copy, "&", &state); pair;
         pair = apr_strtok(NULL, "&", &state)) {
        char *name = apr_pstrmemdup(p, pair, strcspn(pair, "="));
        int i = app->cache_ignore->nelts;

        /* Rack, CGI.pm, Plack split on ';' too: in utm_x=1;id=2 they see
         * id, which the key must keep ("parameter cloaking"). */
        if (!strchr(pair, ';')) {
            for (i = 0; i < app->cache_ignore->nelts; i++) {
                if (apr_fnmatch(APR_ARRAY_IDX(app->cache_ignore, i,
                                              const char *),
                                name, 0) == APR_SUCCESS) {
                    break;
                }
            }
        }
        if (i == app->cache_ignore->nelts) {
            kept = kept ? apr_pstrcat(p, kept, "&", pair, NULL) : pair;
        }
    }
    return kept;
}

/* A request line's target (path?query) as the key has it: its query
 * as query_kept() leaves it, without the '?' when none is left, so that
 * /a?utm_source=x is /a. */
static const char *target_kept(apr_pool_t *p, const pa_app_t *app,
                               const char *target)
{
    const char *q = strchr(target, '?'), *kept;

    if (!q || !app->cache_ignore) {
        return target;
    }
    kept = query_kept(p, app, q + 1);
    return apr_pstrcat(p, apr_pstrmemdup(p, target, q - target),
                       kept ? "?" : "", kept, NULL);
}

/* What a server-level rewrite ([PT], or a plain RewriteRule in server
 * context) may have made of req's request line, from anything (the
 * client's address, a header in its substitution, for which mod_rewrite
 * adds no Vary): the path the app gets (SCRIPT_NAME and PATH_INFO, or
 * REDIRECT_URL) and its query (QUERY_STRING, or REDIRECT_QUERY_STRING).
 * The query only when it is not the request line's, which the key has
 * already: a long one would take twice its room (keys are bounded). */
static const char *key_rewritten(apr_pool_t *p, const pa_app_t *app,
                                 request_rec *req)
{
    const char *args = query_kept(p, app, req->args),
               *line = query_kept(p, app, req->parsed_uri.query);

    args = args ? args : "";
    line = line ? line : "";
    return apr_pstrcat(p, key_part(p, req->uri),
                       strcmp(args, line) ? key_part(p, args) : " =", NULL);
}

/* The Host header (and its port, under UseCanonicalName Off) is the
 * client's to choose: the virtual host that serves the request (where its
 * section is defined) and the local port are part of the key, so that one
 * host's pages never answer for another's, whose access rules may differ.
 * After an internal redirect (a per-directory RewriteRule to a front
 * controller) or in a subrequest, the app is also told the client's own
 * request (REQUEST_URI), by which it tells its pages apart: the key has
 * it too. Each request with what a rewrite made of it, and the file the
 * app is asked to run (SCRIPT_FILENAME) with the path after it (PATH_INFO:
 * the part of a rewritten file that does not exist). */
static const char *cache_key(request_rec *r, pa_app_t *app)
{
    server_rec *s = r->server;
    request_rec *first = r;

    while (first->prev || first->main) {
        first = first->prev ? first->prev : first->main;
    }
    return apr_psprintf(r->pool, "%s %s:%d :%u %s://%s:%u%s%s%s%s%s%s%s",
                        app->name,
                        s->defn_name ? s->defn_name : "-", s->defn_line_number,
                        (unsigned)r->connection->local_addr->port,
                        ap_http_scheme(r),
                        r->hostname ? r->hostname : s->server_hostname,
                        (unsigned)ap_get_server_port(r),
                        target_kept(r->pool, app, r->unparsed_uri),
                        key_rewritten(r->pool, app, r),
                        key_part(r->pool, r->filename),
                        key_part(r->pool, r->path_info),
                        first == r ? "" : " < ",
                        first == r ? ""
                                   : target_kept(r->pool, app,
                                                 first->unparsed_uri),
                        first == r ? "" : key_rewritten(r->pool, app, first));
}

/* Whether the request carries a body (chunked, or a Content-Length that
 * is not 0): the app reads it, the key does not hold it. */
static int request_has_body(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    apr_off_t len;

    return apr_table_get(r->headers_in, "Transfer-Encoding")
           || (cl && (!ap_parse_strict_length(&len, cl) || len > 0));
}

/* The client showed a TLS certificate (accepted or not): the app can tell
 * who it is (SSL_CLIENT_S_DN) as surely as by a password, without r->user
 * being set. An HTTP/2 stream's TLS is its master connection's. */
static int client_certified(request_rec *r)
{
    conn_rec *c = r->connection->master ? r->connection->master
                                        : r->connection;
    const char *verify;

    if (!ap_ssl_conn_is_ssl(c)) {
        return 0;
    }
    verify = ap_ssl_var_lookup(r->pool, r->server, c, r, "SSL_CLIENT_VERIFY");
    return verify && strcmp(verify, "NONE") != 0;
}

/* Whether the client asked with GET or HEAD: its request line's method,
 * which internal redirects and subrequests keep. An app's local redirect
 * has its page asked for as a GET (as mod_cgi does) in answer to any
 * method, and the answer to a POST is not a stored page. */
static int client_asked_get(const request_rec *r)
{
    const char *line = r->the_request;

    return !line || !strncmp(line, "GET ", 4) || !strncmp(line, "HEAD ", 5);
}

/* The request r came from: the one an internal redirect (a front
 * controller's rewrite, an ErrorDocument) started in, or a subrequest's
 * main request; NULL for the client's. */
static const request_rec *origin(const request_rec *r)
{
    return r->prev ? r->prev : r->main;
}

/* Whether an Authorizer gave r or a request it came from variables: httpd
 * does not ask it again for an internal redirect or a subrequest under the
 * same configuration, and they get its variables (REDIRECT_NAME). */
static int authorizer_vars(const request_rec *r)
{
    for (; r; r = origin(r)) {
        if (apr_table_get(r->notes, PA_NOTE_AUTH_VARS)) {
            return 1;
        }
    }
    return 0;
}

/* Whether the Host the app gets (HTTP_HOST, from which it may write its
 * links) is the one spelling of the key's host and port: httpd's
 * r->hostname (lower case, no trailing dot, an IPv6 address without its
 * brackets), with the port when it is not the scheme's, as browsers write
 * it. "a.test.", "A.Test" or "a.test:80" would be keyed as a.test: the
 * page made for them must not be stored as its page, nor would a write
 * through one spelling drop the page of another. */
static int host_as_keyed(request_rec *r)
{
    const char *host = apr_table_get(r->headers_in, "Host"), *name;
    apr_port_t port = ap_get_server_port(r);

    if (!host || !r->hostname) {
        return !host;               /* HTTP/1.0 without one: none to use */
    }
    name = strchr(r->hostname, ':') ? apr_pstrcat(r->pool, "[", r->hostname,
                                                  "]", NULL)
                                    : r->hostname;
    if (port != ap_default_port(r)) {
        name = apr_psprintf(r->pool, "%s:%u", name, (unsigned)port);
    }
    return !strcmp(host, name);
}

/* Only anonymous GET/HEAD requests without a body may see or fill the
 * shared cache, and not an ErrorDocument's internal redirect: it comes
 * with the error's status, which a stored 200 would replace, and its page
 * is not the URL's; nor one whose Host is spelled otherwise than as the
 * key has it. */
static int request_cacheable(request_rec *r)
{
    return (r->method_number == M_GET) && r->status == HTTP_OK
        && client_asked_get(r) && host_as_keyed(r)
        && !apr_table_get(r->headers_in, "Authorization")
        && !apr_table_get(r->headers_in, "Cookie")
        && !r->user && !authorizer_vars(r)
        && !request_has_body(r) && !client_certified(r);
}

/* Whether a request may change what its URI serves (RFC 9110 9.2.1: any
 * method not known to be safe). */
static int unsafe_method(request_rec *r)
{
    return r->method_number != M_GET && r->method_number != M_OPTIONS
           && r->method_number != M_TRACE;
}

/* The response's headers as they stand before any filter after this one
 * has run: the app's (in err_headers_out: ap_scan_script_header keeps them
 * across error responses) and those of modules that ran before it, a
 * header set in both merged into one value, so that a check sees all of
 * it. Later filters (mod_deflate, httpd's framing) are not the app's and
 * are not stored. */
static apr_table_t *reply_headers(request_rec *r)
{
    /* A copy: apr_table_overlay() shares its first table's entries when
     * the second is empty, and compressing would then sort headers_out's
     * own entries under its index (httpd's later set of Content-Type
     * missed the one there: sent twice). */
    apr_table_t *h = apr_table_copy(r->pool, r->headers_out);

    apr_table_overlap(h, r->err_headers_out, APR_OVERLAP_TABLES_MERGE);
    if (r->content_type) {
        apr_table_setn(h, "Content-Type", r->content_type);
    }
    return h;
}

/* Where directive token (e.g. "max-age=", "private") starts in a
 * Cache-Control value, or NULL: a whole list item, not part of another
 * ("x-private"). */
static const char *cc_find(const char *cc, const char *token)
{
    apr_size_t n = strlen(token);
    const char *p = cc;

    while (p && (p = ap_strcasestr(p, token)) != NULL) {
        char next = p[n];

        if ((p == cc || p[-1] == ',' || apr_isspace(p[-1]))
            && (token[n - 1] == '=' || next == '\0' || next == ','
                || next == '=' || apr_isspace(next))) {
            return p;
        }
        p += n;
    }
    return NULL;
}

static int cc_has(const char *cc, const char *token)
{
    return cc_find(cc, token) != NULL;
}

/* The seconds of a "name=N" directive in cc, -1 if it has none (a
 * negative N counts as 0). */
static apr_int64_t cc_seconds(const char *cc, const char *name)
{
    const char *d = cc_find(cc, name);
    apr_int64_t n;

    if (!d) {
        return -1;
    }
    n = apr_atoi64(strchr(d, '=') + 1);
    return n < 0 ? 0 : n;
}

/* The statuses a stored answer may have: those cacheable by default (RFC
 * 9110 15.1), with the explicit lifetime every stored answer has; not 206
 * (a part of one) nor 204 (nothing to keep). A temporary redirect or an
 * error is the app's state of the moment: never stored. */
static int status_storable(int status)
{
    switch (status) {
    case HTTP_OK:
    case HTTP_NON_AUTHORITATIVE:
    case HTTP_MULTIPLE_CHOICES:
    case HTTP_MOVED_PERMANENTLY:
    case HTTP_PERMANENT_REDIRECT:
    case HTTP_NOT_FOUND:
    case HTTP_METHOD_NOT_ALLOWED:
    case HTTP_GONE:
    case HTTP_REQUEST_URI_TOO_LARGE:
    case HTTP_NOT_IMPLEMENTED:
        return 1;
    default:
        return 0;
    }
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Adds s to list (const char *) unless it holds it already. */
static void list_add(apr_array_header_t *list, const char *s)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(list, i, const char *), s)) {
            return;
        }
    }
    APR_ARRAY_PUSH(list, const char *) = s;
}

/* list's strings sorted, joined by ',': the same set reads the same. */
static const char *list_joined(apr_pool_t *p, apr_array_header_t *list)
{
    qsort(list->elts, list->nelts, sizeof(const char *), name_cmp);
    return apr_array_pstrcat(p, list, ',');
}

/* The request headers a Vary value names, which tell a page's variants
 * apart: lowercased, sorted, each once, joined by ','; "" when there are
 * none. Accept-Encoding only with keep_ae (an encoded body): an identity
 * one suits every client. NULL when the answer may not be stored: "*" (it
 * varies on more than the request's headers), a name that is not a token,
 * or more than PA_CACHE_VARY_MAX names. */
static const char *vary_names(apr_pool_t *p, const char *vary, int keep_ae)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    char *list, *tok, *state;

    if (!vary) {
        return "";
    }
    list = apr_pstrdup(p, vary);
    for (tok = apr_strtok(list, ", \t", &state); tok;
         tok = apr_strtok(NULL, ", \t", &state)) {
        if (!strcmp(tok, "*") || *ap_scan_http_token(tok)) {
            return NULL;
        }
        ap_str_tolower(tok);
        if (keep_ae || strcmp(tok, PA_CACHE_AE)) {
            list_add(names, tok);
        }
        if (names->nelts > PA_CACHE_VARY_MAX) {
            return NULL;
        }
    }
    return list_joined(p, names);
}

/* Whether the list names (vary_names()) has name. */
static int names_have(const char *names, const char *name)
{
    apr_size_t n = strlen(name);
    const char *at = names;

    while ((at = strstr(at, name)) != NULL) {
        if ((at == names || at[-1] == ',') && (!at[n] || at[n] == ',')) {
            return 1;
        }
        at += n;
    }
    return 0;
}

/* Whether a reply's headers give it a Content-Encoding (other than
 * identity): its body suits only the clients that accept that. */
static int reply_encoded(apr_table_t *h)
{
    const char *ce = apr_table_get(h, "Content-Encoding");

    return ce && strcasecmp(ce, "identity");
}

/* What r's Accept-Encoding asks, as a variant's key holds it: the codings
 * it accepts (a q of 0 refuses one), lowercased, sorted, each once, so
 * that "gzip, br" and "br;q=0.9, gzip" are one variant. */
static const char *ae_codings(request_rec *r, const char *ae)
{
    apr_array_header_t *codings = apr_array_make(r->pool, 4,
                                                 sizeof(const char *));
    char *copy = apr_pstrdup(r->pool, ae), *item, *state;

    for (item = apr_strtok(copy, ",", &state); item;
         item = apr_strtok(NULL, ",", &state)) {
        char *q = strchr(item, ';');

        if (q) {
            const char *qv = ap_strcasestr(q, "q=");

            *q = '\0';
            if (qv && strtod(qv + 2, NULL) <= 0) {
                continue;
            }
        }
        apr_collapse_spaces(item, item);
        ap_str_tolower(item);
        if (*item) {
            list_add(codings, item);
        }
    }
    return list_joined(r->pool, codings);
}

/* The names of the list in val (len bytes), its header in v, if it is one
 * store() could have made; else NULL (a page, or none). */
static const char *vary_list(const char *val, apr_size_t len,
                             pa_cache_vary_t *v)
{
    if (len <= sizeof(*v) + 1) {
        return NULL;
    }
    memcpy(v, val, sizeof(*v));
    return v->magic == PA_CACHE_VARY_MAGIC
           && sizeof(*v) + v->names_len == len && val[len - 1] == '\0'
           ? val + sizeof(*v) : NULL;
}

/* The key of r's variant of the page at page, whose list is v (names):
 * the page's key, then an md5 of the list's nonce and of r's value of each
 * name, or that it has none; of a length that does not grow with them. */
static const char *vary_key(request_rec *r, const char *page,
                            const pa_cache_vary_t *v, const char *names)
{
    char *list = apr_pstrdup(r->pool, names), *tok, *state;
    const char *which = apr_psprintf(r->pool, "%" APR_UINT64_T_HEX_FMT,
                                     v->nonce);

    for (tok = apr_strtok(list, ",", &state); tok;
         tok = apr_strtok(NULL, ",", &state)) {
        const char *val = apr_table_get(r->headers_in, tok);

        if (val && !strcmp(tok, PA_CACHE_AE)) {
            val = ae_codings(r, val);
        }
        which = apr_pstrcat(r->pool, which, key_part(r->pool, tok),
                            val ? key_part(r->pool, val) : " -", NULL);
    }
    return apr_pstrcat(r->pool, page, " vary ",
                       ap_md5(r->pool, (const unsigned char *)which), NULL);
}

/* How long the app says this response may be shared; 0 = not at all. */
static apr_interval_time_t response_ttl(request_rec *r, apr_table_t *h)
{
    const char *cc = apr_table_get(h, "Cache-Control");
    const char *names = vary_names(r->pool, apr_table_get(h, "Vary"), 1);
    const char *expires;
    apr_int64_t sec = cc_seconds(cc, "s-maxage=");

    /* An encoded body suits only the clients that accept its coding: it is
     * stored only as a variant told apart by Accept-Encoding. */
    if (!status_storable(r->status)
        || apr_table_get(h, "Set-Cookie") || apr_table_get(h, "Set-Cookie2")
        || cc_has(cc, "no-store") || cc_has(cc, "private")
        || cc_has(cc, "no-cache") || !names
        || (reply_encoded(h) && !names_have(names, PA_CACHE_AE))) {
        return 0;
    }
    if (sec < 0) {
        sec = cc_seconds(cc, "max-age=");
    }
    if (sec >= 0) {
        /* A huge one is 2^31 s (RFC 9111 1.2.2), not an overflow. */
        if (sec > PA_CACHE_SECS_MAX) {
            sec = PA_CACHE_SECS_MAX;
        }
        return sec > 0 ? apr_time_from_sec(sec) : 0;
    }
    if ((expires = apr_table_get(h, "Expires"))) {
        apr_time_t when = apr_date_parse_http(expires);
        return when > r->request_time ? when - r->request_time : 0;
    }
    return 0;
}

/* How long past its lifetime the app lets a stale copy be served (RFC
 * 5861): while one request fetches a fresh one (name
 * "stale-while-revalidate="), or instead of an error ("stale-if-error=");
 * where its Cache-Control does not say, the admin's default (seconds);
 * 0 when a stale copy must not be used unchecked (must-revalidate,
 * proxy-revalidate, or s-maxage, which implies it: RFC 9111 5.2.2). */
static apr_interval_time_t response_stale(apr_table_t *h, const char *name,
                                          int dflt)
{
    const char *cc = apr_table_get(h, "Cache-Control");
    apr_int64_t sec = cc_seconds(cc, name);

    if (sec < 0) {
        sec = dflt;
    }
    if (sec <= 0 || cc_has(cc, "must-revalidate")
        || cc_has(cc, "proxy-revalidate") || cc_has(cc, "s-maxage=")) {
        return 0;
    }
    return apr_time_from_sec(sec < PA_CACHE_SECS_MAX ? sec : PA_CACHE_SECS_MAX);
}

typedef struct { char *buf; apr_size_t len; } pa_hdr_buf_t;

static int header_size(void *baton, const char *key, const char *val)
{
    *(apr_size_t *)baton += strlen(key) + strlen(val) + 2;
    return 1;
}

static int header_copy(void *baton, const char *key, const char *val)
{
    pa_hdr_buf_t *b = baton;
    apr_size_t kl = strlen(key) + 1, vl = strlen(val) + 1;

    memcpy(b->buf + b->len, key, kl);
    memcpy(b->buf + b->len + kl, val, vl);
    b->len += kl + vl;
    return 1;
}

/* The key of a note of this kind ("!dropped", "!refresh", "!fill",
 * "!pass") beside the page at key: no page's (app names start page keys),
 * whatever key's length. */
static const char *note_key(apr_pool_t *p, const char *kind, const char *key)
{
    return apr_pstrcat(p, kind, " ", ap_md5(p, (const unsigned char *)key),
                       NULL);
}

/* Whether name (a page's key: kind "!dropped", after an unsafe request
 * to it succeeded; or a tag: "!tagdrop", an app's invalidate header) was
 * dropped since the request r that made a copy of the page arrived: that
 * copy may be the old page. */
static int dropped_since(apr_shm_cache_t *zone, request_rec *r,
                         const char *kind, const char *name)
{
    void *val;
    apr_size_t len;
    apr_time_t at;

    if (apr_shm_cache_peek(zone, note_key(r->pool, kind, name), &val,
                           &len, NULL, r->pool) != APR_SUCCESS
        || len != sizeof(at)) {
        return 0;
    }
    memcpy(&at, val, sizeof(at));
    return at >= r->request_time;
}

/* The same for the page at key of app or any of its tags, or for all of
 * the app's pages or the whole zone (pa_cache_drop()). */
static int page_dropped(apr_shm_cache_t *zone, request_rec *r,
                        const pa_app_t *app, const char *key,
                        const char *const *tags, int ntags)
{
    int i;

    for (i = 0; i < ntags; i++) {
        if (dropped_since(zone, r, "!tagdrop", tags[i])) {
            return 1;
        }
    }
    return dropped_since(zone, r, "!dropped", key)
           || dropped_since(zone, r, "!cleared", app->name)
           || dropped_since(zone, r, "!cleared", "");
}

/* The names of the list of variants at the page's key page, its header in
 * v; NULL if it holds none. */
static const char *page_list(request_rec *r, apr_shm_cache_t *zone,
                             const char *page, pa_cache_vary_t *v)
{
    void *val;
    apr_size_t len;

    return apr_shm_cache_peek(zone, page, &val, &len, NULL, r->pool)
           == APR_SUCCESS ? vary_list(val, len, v) : NULL;
}

/* The names r's answer (headers h) varies on, as store() keeps it: with
 * Accept-Encoding for an encoded body; for an identity one too when the
 * page's list has it already (an app that encodes for some clients, not
 * for others): the identity copy is then one more variant, instead of a
 * page that takes the list's place at each miss. */
static const char *store_names(request_rec *r, pa_cache_save_t *ctx,
                               apr_table_t *h)
{
    const char *vary = apr_table_get(h, "Vary");
    const char *names = vary_names(r->pool, vary, reply_encoded(h)), *all;
    pa_cache_vary_t v;

    if (!reply_encoded(h) && (all = vary_names(r->pool, vary, 1))
        && names_have(all, PA_CACHE_AE)) {
        const char *had = page_list(r, ctx->app->cache->handle, ctx->key, &v);

        if (had && !strcmp(had, all)) {
            return all;
        }
    }
    return names;
}

/* Where store() puts r's answer to the page at ctx->key, which varies on
 * names (not ""): in *key, its variant's key, under the page's list of
 * names, kept if the page has that list (for at least lasts from now),
 * else made anew. */
static apr_status_t vary_store_key(request_rec *r, pa_cache_save_t *ctx,
                                   const char *names,
                                   apr_interval_time_t lasts,
                                   const char **key)
{
    apr_shm_cache_t *zone = ctx->app->cache->handle;
    apr_size_t nlen = strlen(names) + 1;
    apr_time_t until = apr_time_now() + lasts;
    pa_cache_vary_t v;
    const char *had = page_list(r, zone, ctx->key, &v);
    char *list;

    if (!had || strcmp(had, names)) {
        v.magic = PA_CACHE_VARY_MAGIC;
        v.names_len = (apr_uint32_t)nlen;
        ap_random_insecure_bytes(&v.nonce, sizeof(v.nonce));
        v.until = 0;
    }
    *key = vary_key(r, ctx->key, &v, names);
    if (strlen(*key) > APR_SHM_CACHE_MAX_KEY) {
        return APR_SHM_CACHE_EKEYLEN;
    }
    if (v.until >= until) {
        return APR_SUCCESS;
    }
    v.until = until;
    list = apr_palloc(r->pool, sizeof(v) + nlen);
    memcpy(list, &v, sizeof(v));
    memcpy(list + sizeof(v), names, nlen);
    return apr_shm_cache_set(zone, ctx->key, list, sizeof(v) + nlen, lasts);
}

/* What a cache does not keep of a reply (RFC 9111 3.1): the fields that
 * concern one connection, those its Connection field names, and a proxy's
 * authentication fields, meant for the proxy in front of the app. */
static void drop_hop_by_hop(apr_pool_t *p, apr_table_t *h)
{
    static const char *const hop[] = {
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
        "Upgrade", "Proxy-Authenticate", "Proxy-Authentication-Info"
    };
    const char *named = apr_table_get(h, "Connection");
    apr_size_t i;

    if (named) {
        char *list = apr_pstrdup(p, named), *last, *name;

        for (name = apr_strtok(list, ", \t", &last); name;
             name = apr_strtok(NULL, ", \t", &last)) {
            apr_table_unset(h, name);
        }
    }
    for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++) {
        apr_table_unset(h, hop[i]);
    }
}

static void store(request_rec *r, pa_cache_save_t *ctx)
{
    apr_shm_cache_t *zone = ctx->app->cache->handle;
    pa_cache_entry_t e = { PA_CACHE_MAGIC, r->status, r->request_time,
                           ctx->ttl, 0, 0, 0, 0 };
    apr_table_t *h = ctx->headers;
    pa_hdr_buf_t hb;
    apr_size_t hlen = 0;
    char *val;
    const char *tags[APR_SHM_CACHE_MAX_TAGS];
    const char *age = apr_table_get(h, "Age");
    const char *names = store_names(r, ctx, h);
    const char *key = ctx->key;
    apr_int64_t had = age ? apr_atoi64(age) : 0;
    apr_interval_time_t left, lasts;
    int ntags = 0;
    apr_status_t rv;

    /* Its age counts from the request that asked for it, plus the Age the
     * app gave it (RFC 9111 4.2.3), not from now: a slow reply has aged
     * meanwhile. It leaves the zone once stale (past its stale windows),
     * and one stale already is not stored (a TTL of 0 would keep it for
     * ever). */
    left = 0;
    had = had > 0 ? (had < PA_CACHE_SECS_MAX ? had : PA_CACHE_SECS_MAX) : 0;
    if (had < apr_time_sec(ctx->ttl)) {
        e.stored = r->request_time - apr_time_from_sec(had);
        left = ctx->ttl - (apr_time_now() - e.stored);
    }
    if (left <= 0) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00606)
                      "app %s: response not cached: stale once it ended",
                      ctx->app->name);
        return;
    }
    e.stale = response_stale(h, "stale-while-revalidate=",
                             ctx->app->stale_while_revalidate);
    e.if_error = response_stale(h, "stale-if-error=",
                                ctx->app->stale_if_error);
    lasts = left + (e.stale > e.if_error ? e.stale : e.if_error);
    apr_table_unset(h, "Age");      /* a hit says its own */
    /* The framing is the answering request's own. */
    apr_table_unset(h, "Content-Length");
    apr_table_unset(h, "Transfer-Encoding");
    drop_hop_by_hop(r->pool, h);
    /* A reason phrase of the app's own goes with it: a hit is the same
     * answer as the miss. */
    if (r->status_line
        && strcmp(r->status_line, ap_get_status_line(r->status))) {
        apr_table_setn(h, PA_CACHE_STATUS_LINE, r->status_line);
    }
    apr_table_do(header_size, &hlen, h, NULL);
    val = apr_palloc(r->pool, sizeof(e) + hlen + ctx->len);
    hb.buf = val + sizeof(e);
    hb.len = 0;
    apr_table_do(header_copy, &hb, h, NULL);
    e.headers_len = (apr_uint32_t)hb.len;
    e.body_len = (apr_uint32_t)ctx->len;
    memcpy(val, &e, sizeof(e));
    if (ctx->len) {
        memcpy(val + sizeof(e) + hb.len, ctx->body, ctx->len);
    }

    if (ctx->tags) {
        char *list = apr_pstrdup(r->pool, ctx->tags), *state, *tok;

        for (tok = apr_strtok(list, ", ", &state); tok;
             tok = apr_strtok(NULL, ", ", &state)) {
            int i;

            /* A tag named twice is one tag (the library refuses a list
             * that repeats one, and the page would go uncached). */
            for (i = 0; i < ntags && strcmp(tags[i], tok); i++) {
            }
            if (i < ntags) {
                continue;
            }
            if (ntags == APR_SHM_CACHE_MAX_TAGS) {
                /* Invalidating a tag left out would miss this page. */
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00604)
                              "app %s: response not cached: more than %d "
                              "tags", ctx->app->name, APR_SHM_CACHE_MAX_TAGS);
                return;
            }
            tags[ntags++] = tok;
        }
    }
    if (page_dropped(zone, r, ctx->app, ctx->key, tags, ntags)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00609)
                      "app %s: response not cached: the page (or one of "
                      "its tags) was dropped while it was made",
                      ctx->app->name);
        return;
    }
    rv = *names ? vary_store_key(r, ctx, names, lasts, &key) : APR_SUCCESS;
    if (rv == APR_SUCCESS) {
        rv = apr_shm_cache_set_tagged(zone, key, val,
                                      sizeof(e) + hb.len + ctx->len,
                                      lasts, tags, ntags);
    }
    if (rv == APR_SUCCESS
        && page_dropped(zone, r, ctx->app, ctx->key, tags, ntags)) {
        /* Dropped meanwhile; a list of variants set since then may hold
         * the nonce of the variants stored before. */
        apr_shm_cache_delete(zone, key);
        if (*names) {
            apr_shm_cache_delete(zone, ctx->key);
        }
    }
    else if (rv == APR_SUCCESS) {
        ctx->keep = 1;
    }
    else {
        char err[128];
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00602)
                      "app %s: response not cached: %s", ctx->app->name,
                      apr_shm_cache_strerror(rv, err, sizeof(err)));
    }
}

/* A GET in flight may still bring the old page of what is dropped: a note
 * ("dropped at T", in the zone for as long as a request of its apps can
 * take) tells it not to store it (dropped_since()). The note goes first:
 * a GET that stores between it and the drop has its page dropped, one
 * that stores after finds the note. */
static apr_status_t drop_note(request_rec *r, const pa_cache_zone_t *z,
                              const char *kind, const char *name)
{
    apr_time_t now = apr_time_now();

    return apr_shm_cache_set(z->handle, note_key(r->pool, kind, name), &now,
                             sizeof(now), apr_time_from_sec(z->request_span
                                                  + PA_CACHE_DROP_SLACK));
}

/* RFC 9111 4.4: the page at key may have changed (drop_note()). Either
 * step fails only when another process holds the zone's lock too long:
 * the old page is then served until its max-age, which the admin must
 * hear of. */
static void drop_page(request_rec *r, const pa_app_t *app, const char *key)
{
    apr_shm_cache_t *zone = app->cache->handle;
    apr_status_t rv;

    /* No page is stored under a key the zone refuses (a long URL), nor can
     * a GET in flight store one: nothing to drop, nothing to warn of. */
    if (strlen(key) > APR_SHM_CACHE_MAX_KEY) {
        return;
    }
    rv = drop_note(r, app->cache, "!dropped", key);
    if (rv == APR_SUCCESS) {
        rv = apr_shm_cache_delete(zone, key);
    }
    if (rv != APR_SUCCESS && rv != APR_SHM_CACHE_NOTFOUND) {
        char err[128];
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00608)
                      "app %s: stored page not dropped from cache zone %s "
                      "after %s: %s", app->name, app->cache->name, r->method,
                      apr_shm_cache_strerror(rv, err, sizeof(err)));
    }
}

/* mod_cache's way for an admin to keep a section's answers out of a cache
 * (SetEnvIf ... no-cache), which the app's headers cannot say when the
 * app is not the admin's: stored never, served as before. Also set for a
 * request this one came from (SetEnvIf Request_URI ^/account, then a
 * front controller's rewrite to /index.php). */
static int admin_no_store(const request_rec *r)
{
    for (; r; r = origin(r)) {
        if (r->no_cache || apr_table_get(r->subprocess_env, "no-cache")) {
            return 1;
        }
    }
    return 0;
}

static void notes_done(request_rec *r, pa_cache_save_t *ctx);

static apr_status_t save_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    pa_cache_save_t *ctx = f->ctx;
    apr_bucket *b;

    if (!ctx->decided) {
        ctx->decided = 1;
        ctx->headers = reply_headers(r);
        ctx->tags = apr_table_get(r->notes, PA_CACHE_TAGS_NOTE);
        /* RFC 9111 4.4: a non-error answer to an unsafe request means the
         * page may have changed; a 303 to the page (POST, redirect, GET)
         * included. */
        if (ctx->invalidate && r->status < 400) {
            drop_page(r, ctx->app, ctx->invalidate);
        }
        /* An SCGI or CGI reply ends where its worker closes the
         * connection, as one killed mid-reply does too: only one that
         * gives its Content-Length (dispatch.c breaks off one that falls
         * short) is known to be whole. */
        ctx->ttl = r->header_only || !ctx->key || ctx->served
                   || admin_no_store(r)
                   || (ctx->app->protocol != PA_PROTO_FASTCGI
                       && !apr_table_get(ctx->headers, "Content-Length"))
                   ? 0 : response_ttl(r, ctx->headers);
        if (ctx->ttl) {
            apr_table_setn(r->headers_out, PA_CACHE_STATUS_HEADER, "MISS");
        }
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb) && ctx->ttl;
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;

        if (APR_BUCKET_IS_EOS(b)) {
            /* Not a reply that was cut off, or whose client left (the rest
             * of it was dropped): only a whole one. */
            if (!f->c->aborted) {
                store(r, ctx);
            }
            ctx->ttl = 0;
            break;
        }
        if (AP_BUCKET_IS_ERROR(b)) {
            ctx->ttl = 0;       /* the reply broke: pass it on, keep nothing */
            break;
        }
        if (APR_BUCKET_IS_METADATA(b)) {
            continue;
        }
        if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS
            || ctx->len + n > PA_CACHE_MAX_BODY) {
            ctx->ttl = 0;       /* give up on this one, pass it through */
            break;
        }
        if (ctx->len + n > ctx->cap) {
            char *grown;
            ctx->cap = (ctx->len + n) * 2;
            grown = apr_palloc(r->pool, ctx->cap);
            if (ctx->len) {
                memcpy(grown, ctx->body, ctx->len);
            }
            ctx->body = grown;
        }
        memcpy(ctx->body + ctx->len, data, n);
        ctx->len += n;
    }
    if (!ctx->ttl) {
        /* Stored, or known not to be: before the client has the end. */
        notes_done(r, ctx);
        ap_remove_output_filter(f);
    }
    return ap_pass_brigade(f->next, bb);
}

/* Whether a stored header may go out as it is: one store() would have kept
 * (an entry may have been written by anything that can attach the zone,
 * such as an app given it with cache=), well formed. */
static int stored_header_ok(const char *name, const char *value)
{
    static const char *const never[] = {
        "Set-Cookie", "Set-Cookie2", "Content-Length", "Transfer-Encoding",
        "Connection", "Keep-Alive", PA_CACHE_STATUS_HEADER
    };
    apr_size_t i;

    for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        if (!strcasecmp(name, never[i])) {
            return 0;
        }
    }
    return *name && !*ap_scan_http_token(name)
           && !*ap_scan_http_field_content(value);
}

/* Whether httpd's reading of an app's header block puts this header in
 * headers_out (the few it handles itself) rather than err_headers_out: a
 * hit puts each stored one where the miss had it, so that mod_headers'
 * "Header always", with which an admin edits an app's headers, acts on it
 * too. */
static int stored_in_headers_out(const char *name)
{
    return !strcasecmp(name, "ETag") || !strcasecmp(name, "Last-Modified")
           || !strcasecmp(name, "Location")
           || !strcasecmp(name, "Content-Range");
}

/* What the client's Cache-Control asks of a stored answer, in seconds
 * (-1: nothing). */
typedef struct pa_cache_ask_t {
    apr_int64_t max_age;            /* at most this old (0: none from the zone) */
    apr_int64_t min_fresh;          /* still fresh for at least this long */
    int only_cached;                /* only-if-cached: never the app */
} pa_cache_ask_t;

/* The request that refreshed a stale entry is over. If it stored no fresh
 * copy (the app's answer may no longer be shared, or failed, or its client
 * left) nor answered with the stale one for an error, the stale one goes
 * too: the next request asks the app. */
static apr_status_t refresh_end(void *data)
{
    pa_cache_save_t *ctx = data;
    apr_shm_cache_t *zone = ctx->app->cache->handle;

    if (!ctx->keep) {
        apr_shm_cache_delete(zone, ctx->stale_key);
    }
    apr_shm_cache_delete(zone, ctx->refresh);
    return APR_SUCCESS;
}

/* Whether r asks the app for the page in a way whose answer is stored: an
 * unconditional GET that may store it (a conditional one may get a 304,
 * which stores nothing). */
static int may_fetch(const request_rec *r, const pa_cache_save_t *ctx)
{
    return ctx->key && !r->header_only
           && !apr_table_get(r->headers_in, "If-None-Match")
           && !apr_table_get(r->headers_in, "If-Modified-Since")
           && !apr_table_get(r->headers_in, "If-Match")
           && !apr_table_get(r->headers_in, "If-Unmodified-Since")
           && !apr_table_get(r->headers_in, "If-Range");
}

/* Whether a stale entry e, still within its stale-while-revalidate, is
 * served (RFC 5861): only while another request asks the app for a fresh
 * one. The first GET that finds it stale and may store the answer takes
 * the refresh (a note in the zone for as long as the entry may be served,
 * removed when the request ends) and is a miss; the others get the stale
 * copy meanwhile. A HEAD, only-if-cached or no-store request never
 * refreshes (ctx->key NULL), nor does a conditional one: none would store
 * the answer (a 304 from the app), and the stale copy would go with it. */
static int stale_usable(request_rec *r, pa_cache_save_t *ctx, const char *key,
                        const pa_cache_entry_t *e)
{
    apr_shm_cache_t *zone = ctx->app->cache->handle;
    apr_interval_time_t left = e->stored + e->lifetime + e->stale
                               - apr_time_now();
    const char *note;
    void *val;
    apr_size_t len;
    apr_status_t rv;

    if (left <= 0) {
        return 0;
    }
    note = note_key(r->pool, "!refresh", key);
    if (!may_fetch(r, ctx)) {
        return apr_shm_cache_peek(zone, note, &val, &len, NULL, r->pool)
               == APR_SUCCESS;
    }
    rv = apr_shm_cache_add(zone, note, "1", 1, left);
    if (rv == APR_SUCCESS) {
        ctx->refresh = note;
        ctx->stale_key = key;
        apr_pool_cleanup_register(r->pool, ctx, refresh_end,
                                  apr_pool_cleanup_null);
    }
    return rv == APR_SHM_CACHE_EEXIST;
}

/* The entry in val (len bytes) if it is one store() could have made. */
static int entry_ok(const char *val, apr_size_t len, pa_cache_entry_t *e)
{
    if (len < sizeof(*e)) {
        return 0;
    }
    memcpy(e, val, sizeof(*e));
    return e->magic == PA_CACHE_MAGIC && status_storable(e->status)
           && (apr_size_t)e->headers_len + e->body_len + sizeof(*e) == len;
}

/* A request whose header block came slowly may have begun before the
 * entry's own request: an age is never negative. */
static apr_time_t entry_age(const request_rec *r, const pa_cache_entry_t *e)
{
    return r->request_time > e->stored ? apr_time_sec(r->request_time
                                                      - e->stored) : 0;
}

/* Answer with the entry in val, checked by entry_ok(), as served says:
 * its pairs are checked here, and one that is not well formed is
 * DECLINED before anything of r or ctx changed. */
static int emit(request_rec *r, pa_cache_save_t *ctx, const char *val,
                pa_cache_served_e served)
{
    pa_cache_entry_t e;
    const char *h, *end;
    apr_table_t *out, *err_out;
    const char *type = NULL, *line = NULL, *names;
    apr_bucket_brigade *bb;
    int rc;

    memcpy(&e, val, sizeof(e));
    out = apr_table_make(r->pool, 4);
    err_out = apr_table_make(r->pool, 8);
    h = val + sizeof(e);
    end = h + e.headers_len;
    while (h < end) {
        const char *hz = memchr(h, '\0', end - h), *v, *vz;

        if (!hz || !(vz = memchr(v = hz + 1, '\0', end - hz - 1))) {
            return DECLINED;            /* not NUL-terminated pairs */
        }
        if (!strcasecmp(h, "Content-Type")
            && !*ap_scan_http_field_content(v)) {
            type = v;
        }
        else if (!strcmp(h, PA_CACHE_STATUS_LINE) && !line
                 && apr_isdigit(v[0]) && atoi(v) == e.status
                 && !*ap_scan_http_field_content(v)) {
            line = v;
        }
        else if (stored_header_ok(h, v)) {
            apr_table_addn(stored_in_headers_out(h) ? out : err_out, h, v);
        }
        else {
            return DECLINED;
        }
        h = vz + 1;
    }
    /* An encoded body only as a variant told apart by Accept-Encoding, as
     * store() keeps one. */
    if (reply_encoded(err_out)
        && (!(names = vary_names(r->pool, apr_table_get(err_out, "Vary"), 1))
            || !names_have(names, PA_CACHE_AE))) {
        return DECLINED;
    }
    ctx->served = served;
    if (type) {
        ap_set_content_type(r, apr_pstrdup(r->pool, type));
    }
    r->headers_out = apr_table_overlay(r->pool, r->headers_out, out);
    r->err_headers_out = apr_table_overlay(r->pool, r->err_headers_out,
                                           err_out);
    r->status = e.status;
    apr_table_setn(r->headers_out, "Age",
                   apr_psprintf(r->pool, "%" APR_TIME_T_FMT,
                                entry_age(r, &e)));
    apr_table_setn(r->headers_out, PA_CACHE_STATUS_HEADER,
                   served == PA_CACHE_HIT ? "HIT" : "STALE");
    /* Conditions are for a 2xx alone (RFC 9110 13.2.1): a stored 404 stays
     * a 404, whatever the client's If-None-Match. */
    r->status_line = NULL;          /* (an app's error had its own) */
    if (ap_is_HTTP_SUCCESS(e.status) && (rc = ap_meets_conditions(r)) != OK) {
        return rc;
    }
    if (line) {
        r->status_line = apr_pstrdup(r->pool, line);    /* not a 304's */
    }
    ap_set_content_length(r, e.body_len);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    /* A HEAD's too: filters such as mod_deflate set the headers from it,
     * and httpd sends none of it. */
    if (e.body_len) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(end, e.body_len,
                                r->pool, r->connection->bucket_alloc));
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

/* Answer from a stored entry; DECLINED (a miss) if it is not one store()
 * could have made, is not what the client's directives allow, or is stale
 * and not to be served so (stale_usable()). A stale one the app lets
 * stand in for an error is kept for pa_cache_stale_on_error(). */
static int serve(request_rec *r, pa_cache_save_t *ctx, const char *key,
                 const char *val, apr_size_t len, const pa_cache_ask_t *ask)
{
    pa_cache_entry_t e;
    apr_time_t age;
    pa_cache_served_e served = PA_CACHE_HIT;

    if (!entry_ok(val, len, &e)) {
        return DECLINED;
    }
    age = entry_age(r, &e);
    if ((ask->max_age >= 0 && age >= ask->max_age)
        || (ask->min_fresh >= 0
            && apr_time_sec(e.lifetime) - age < ask->min_fresh)) {
        return DECLINED;
    }
    if (r->request_time - e.stored >= e.lifetime) {
        if (r->request_time - e.stored < e.lifetime + e.if_error) {
            ctx->fallback = val;
            ctx->fallback_len = len;
        }
        if (!stale_usable(r, ctx, key, &e)) {
            return DECLINED;
        }
        served = PA_CACHE_STALE;
    }
    return emit(r, ctx, val, served);
}

/* The scoreboard word (pa_sb_fill_wait()) of the page whose fetch note is
 * note: the first hex digit of the md5 in it. */
static unsigned fill_word(const char *note)
{
    const char *sum = strchr(note, ' ');
    int c = sum ? apr_tolower(sum[1]) : '0';

    return apr_isdigit(c) ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* The request that fetched a page for cache-lock='s waiters is over. If
 * it stored nothing (the app's answer may not be shared, or it failed), a
 * note says so for PA_CACHE_PASS_TIME: the page's misses meanwhile ask the
 * app at once, instead of each waiting for one fetch that stores nothing
 * (with the page as it was: served stale for an error, it was kept). */
static apr_status_t fill_end(void *data)
{
    pa_cache_save_t *ctx = data;
    apr_shm_cache_t *zone = ctx->app->cache->handle;

    if (!ctx->keep) {
        apr_shm_cache_set(zone, ctx->pass, "1", 1, PA_CACHE_PASS_TIME);
    }
    apr_shm_cache_delete(zone, ctx->fill);
    pa_sb_fill_ended(pa_scoreboard, ctx->app->index, fill_word(ctx->fill));
    return APR_SUCCESS;
}

/* The notes the request holds (the refresh of a stale copy, the fetch
 * cache-lock='s waiters wait for) end once its answer is stored or known
 * not to be, before its client has the end of it: a client that asks again
 * at once, and the waiters, find what it left (the fresh copy, the stale
 * one kept for an error, or neither), and a slow client holds nobody up.
 * Its pool's cleanup ends them otherwise (a reply cut off, say). */
static void notes_done(request_rec *r, pa_cache_save_t *ctx)
{
    if (ctx->refresh) {
        apr_pool_cleanup_run(r->pool, ctx, refresh_end);
        ctx->refresh = NULL;
    }
    if (ctx->fill) {
        apr_pool_cleanup_run(r->pool, ctx, fill_end);
        ctx->fill = NULL;
    }
}

/* The pid in a fetch note (its value), if that process is gone: an httpd
 * child killed in the middle of a fetch (a crash elsewhere, the OOM
 * killer) never ends it, and its note would hold the page's misses for
 * cache-lock=N s. Else 0. */
static pid_t fill_holder_gone(const void *val, apr_size_t len)
{
    pid_t pid;

    if (len != sizeof(pid)) {
        return 0;
    }
    memcpy(&pid, val, sizeof(pid));
    return pa_sb_pid_gone((long)pid) ? pid : 0;
}

/* What a miss does next (cache-lock=). */
typedef enum {
    PA_FILL_ASK_APP = 0,            /* fetch the page from the app */
    PA_FILL_LOOK_AGAIN,             /* another's fetch has ended (or its
                                     * process is gone) */
    PA_FILL_CLIENT_GONE             /* the client left while it waited */
} pa_fill_e;

/* cache-lock=N, after a miss: whether to look in the zone again, as
 * another request that fetched the page from the app has ended, or to ask
 * the app. The first miss whose answer would be stored (may_fetch())
 * takes the fetch: a note in the zone (with its pid), removed when its
 * request ends, or N seconds on (a fetch that takes longer is no longer
 * waited for: the next miss fetches the page too, and the others wait for
 * that one), or taken over by the next look when its process is gone;
 * misses meanwhile wait for it, all their waits
 * together N seconds at most (*until). None waits for a page whose
 * last fetch stored nothing (its pass note), nor does a request that holds
 * the refresh of a stale copy (it fetches the page already). A waiter
 * asks gone(baton) each time it looks at the note. */
static pa_fill_e fill_pending(request_rec *r, pa_cache_save_t *ctx,
                              const char *key, apr_time_t *until,
                              int (*gone)(void *baton), void *baton)
{
    const pa_app_t *app = ctx->app;
    apr_shm_cache_t *zone = app->cache->handle;
    const char *fill, *pass;
    void *val;
    apr_size_t len;
    apr_status_t rv;

    /* A key the zone refuses is never stored: nothing to wait for. */
    if (!app->cache_lock || ctx->refresh || !pa_scoreboard
        || strlen(key) > APR_SHM_CACHE_MAX_KEY) {
        return PA_FILL_ASK_APP;
    }
    pass = note_key(r->pool, "!pass", key);
    if (apr_shm_cache_peek(zone, pass, &val, &len, NULL, r->pool)
        == APR_SUCCESS) {
        return PA_FILL_ASK_APP;
    }
    fill = note_key(r->pool, "!fill", key);
    if (may_fetch(r, ctx)) {
        pid_t self = getpid(), dead = 0;

        rv = apr_shm_cache_add(zone, fill, &self, sizeof(self),
                               apr_time_from_sec(app->cache_lock));
        if (rv == APR_SHM_CACHE_EEXIST
            && apr_shm_cache_peek(zone, fill, &val, &len, NULL, r->pool)
               == APR_SUCCESS
            && (dead = fill_holder_gone(val, len))) {
            /* Two that find it so may both fetch the page: no harm. */
            rv = apr_shm_cache_set(zone, fill, &self, sizeof(self),
                                   apr_time_from_sec(app->cache_lock));
        }
        if (rv == APR_SUCCESS) {
            ctx->fill = fill;
            ctx->pass = pass;
            apr_pool_cleanup_register(r->pool, ctx, fill_end,
                                      apr_pool_cleanup_null);
            if (dead) {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00617)
                              "app %s: the process that was fetching the "
                              "page (pid %" APR_PID_T_FMT ") is gone: "
                              "fetches it itself", app->name, dead);
            }
            else if (*until) {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00614)
                              "app %s: the fetch of the page it waited for "
                              "ended without storing it, or outlasted "
                              "cache-lock=%d s: fetches it itself",
                              app->name, app->cache_lock);
            }
        }
        if (rv != APR_SHM_CACHE_EEXIST) {
            return PA_FILL_ASK_APP;     /* it fetches the page (or the zone
                                         * failed) */
        }
    }
    else if (apr_shm_cache_peek(zone, fill, &val, &len, NULL, r->pool)
             != APR_SUCCESS || fill_holder_gone(val, len)) {
        return PA_FILL_ASK_APP;         /* nobody fetches it */
    }
    if (!*until) {
        *until = pa_now() + apr_time_from_sec(app->cache_lock);
        apr_atomic_inc64(&pa_sb_app(pa_scoreboard, app->index)
                          ->c.cache_lock_waits);
    }
    for (;;) {
        /* Read before the note is: a fetch that ends in between has
         * counted, and the wait returns at once. */
        apr_uint32_t seen = pa_sb_fills(pa_scoreboard, app->index,
                                        fill_word(fill));
        apr_interval_time_t left;

        if (apr_shm_cache_peek(zone, fill, &val, &len, NULL, r->pool)
            != APR_SUCCESS || fill_holder_gone(val, len)) {
            return PA_FILL_LOOK_AGAIN;  /* (the next call takes the fetch
                                         * of a gone process over) */
        }
        if (gone && gone(baton)) {
            return PA_FILL_CLIENT_GONE;
        }
        left = *until - pa_now();
        if (left <= 0) {
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00613)
                          "app %s: waited cache-lock=%d s for another "
                          "request to fetch the page: asks the app itself",
                          app->name, app->cache_lock);
            return PA_FILL_ASK_APP;
        }
        pa_sb_fill_wait(pa_scoreboard, app->index, fill_word(fill), seen,
                        left < PA_CACHE_FILL_LOOK ? left : PA_CACHE_FILL_LOOK);
    }
}

/* Look the page at page up for r, and r's variant of it if its answer
 * varies: the entry's key in *key. A variant takes two lookups, both
 * counted in the zone's hits and misses. */
static apr_status_t find_entry(request_rec *r, const pa_cache_save_t *ctx,
                               const char *page, const char **key, void **val,
                               apr_size_t *len)
{
    apr_shm_cache_t *zone = ctx->app->cache->handle;
    apr_status_t rv = apr_shm_cache_get(zone, page, val, len, NULL, r->pool);
    const char *names;
    pa_cache_vary_t v;

    *key = page;
    if (rv == APR_SUCCESS && (names = vary_list(*val, *len, &v))) {
        *key = vary_key(r, page, &v, names);
        rv = apr_shm_cache_get(zone, *key, val, len, NULL, r->pool);
    }
    return rv;
}

/* What the client's request allows (RFC 9111 5.2.1, 5.4, as mod_cache
 * reads them), into ask; the return value whether its answer may be
 * stored. max-stale is not taken: a stale entry is served only as its
 * stale-while-revalidate or stale-if-error allows. */
static int request_directives(request_rec *r, pa_cache_ask_t *ask)
{
    const char *cc = apr_table_get(r->headers_in, "Cache-Control");

    ask->max_age = cc_seconds(cc, "max-age=");
    if (cc_has(cc, "no-cache")
        || (!cc && cc_has(apr_table_get(r->headers_in, "Pragma"),
                          "no-cache"))) {
        ask->max_age = 0;
    }
    ask->min_fresh = cc_seconds(cc, "min-fresh=");
    ask->only_cached = cc_has(cc, "only-if-cached");
    return !cc_has(cc, "no-store");
}

int pa_cache_handle(request_rec *r, pa_app_t *app, pa_cache_save_t **lookup,
                    int (*gone)(void *baton), void *baton)
{
    pa_cache_save_t *ctx;
    const char *key;
    pa_cache_ask_t ask;
    int storable;
    void *val;
    apr_size_t len;

    if (!app->cache || !app->cache->handle) {
        return DECLINED;
    }
    ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    ctx->app = app;
    *lookup = ctx;
    if (!request_cacheable(r)) {
        /* Not stored, but the filter still takes the tags header off, and
         * drops the entry of an unsafe request's URI, whoever sent it. */
        if (unsafe_method(r)) {
            ctx->invalidate = cache_key(r, app);
        }
        ap_add_output_filter(PA_CACHE_FILTER, ctx, r, r->connection);
        return DECLINED;
    }
    key = cache_key(r, app);
    storable = request_directives(r, &ask);
    ctx->key = storable && !ask.only_cached ? key : NULL;
    if (ask.max_age != 0) {
        apr_time_t until = 0;
        pa_fill_e next = PA_FILL_ASK_APP;
        const char *entry;
        int rc;

        do {
            rc = find_entry(r, ctx, key, &entry, &val, &len) == APR_SUCCESS
                 ? serve(r, ctx, entry, val, len, &ask) : DECLINED;
        } while (rc == DECLINED && !ask.only_cached
                 && (next = fill_pending(r, ctx, entry, &until, gone, baton))
                    == PA_FILL_LOOK_AGAIN);
        if (next == PA_FILL_CLIENT_GONE) {
            /* Its wait began cache-lock seconds before until. */
            apr_time_t began = until - apr_time_from_sec(app->cache_lock);

            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00616)
                          "app %s: client went away while its request waited "
                          "%" APR_TIME_T_FMT " ms for another request's "
                          "fetch of the page (cache-lock); not sent",
                          app->name, apr_time_as_msec(pa_now() - began));
            r->connection->aborted = 1;
            return OK;
        }
        if (rc != DECLINED) {
            if (ctx->served == PA_CACHE_STALE) {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00610)
                              "app %s: served stale from cache zone %s "
                              "while another request refreshes it",
                              app->name, app->cache->name);
            }
            else {
                ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00603)
                              "app %s: served from cache zone %s%s",
                              app->name, app->cache->name,
                              until ? ", stored by another request it "
                                      "waited for (cache-lock)" : "");
            }
            return rc;
        }
    }
    if (ask.only_cached) {
        /* The client takes a stored answer or none (RFC 9111 5.2.1.7). */
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00607)
                      "app %s: only-if-cached and nothing fit in cache zone "
                      "%s: 504", app->name, app->cache->name);
        return HTTP_GATEWAY_TIME_OUT;
    }
    ap_add_output_filter(PA_CACHE_FILTER, ctx, r, r->connection);
    return DECLINED;
}

int pa_cache_has_fallback(const pa_cache_save_t *lookup)
{
    return lookup && lookup->fallback;
}

int pa_cache_can_stand_in(pa_cache_save_t *lookup)
{
    pa_cache_entry_t e;

    /* Once found fit, for good: the app's own error reply may have been
     * dropped for it, and its window may close before that reply's end. */
    if (lookup && !lookup->stands_in && lookup->fallback
        && entry_ok(lookup->fallback, lookup->fallback_len, &e)
        && apr_time_now() - e.stored < e.lifetime + e.if_error) {
        lookup->stands_in = 1;
    }
    return lookup && lookup->stands_in;
}

int pa_cache_stale_on_error(request_rec *r, pa_cache_save_t *lookup,
                            int status)
{
    const char *retry;
    int rc;

    if (!pa_cache_can_stand_in(lookup)) {
        if (lookup) {
            notes_done(r, lookup);      /* the error goes out, unstored */
        }
        return DECLINED;
    }
    /* The error's Retry-After (a 503's) and type are not the page's. */
    retry = apr_table_get(r->err_headers_out, "Retry-After");
    apr_table_unset(r->err_headers_out, "Retry-After");
    r->content_type = NULL;
    /* Not stored again (the cache's filter lets a stale hit pass, and ends
     * the request's notes as it does), nor dropped with a refresh this
     * request took: kept. */
    lookup->keep = 1;
    rc = emit(r, lookup, lookup->fallback, PA_CACHE_STALE_IF_ERROR);
    if (rc == DECLINED) {
        lookup->keep = 0;
        notes_done(r, lookup);
        if (retry) {
            apr_table_setn(r->err_headers_out, "Retry-After", retry);
        }
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, PALOGNO(00611)
                  "app %s: answered with a stale copy from cache zone %s "
                  "instead of a %d (stale-if-error)",
                  lookup->app->name, lookup->app->cache->name, status);
    return rc;
}

pa_cache_served_e pa_cache_served(const pa_cache_save_t *lookup)
{
    return lookup ? lookup->served : PA_CACHE_NONE;
}

/* The app's header name (all its fields, both tables), taken off the
 * answer; NULL if it sent none. */
static char *take_header(request_rec *r, const char *name)
{
    const char *out = apr_table_getm(r->pool, r->headers_out, name);
    const char *err = apr_table_getm(r->pool, r->err_headers_out, name);

    apr_table_unset(r->headers_out, name);
    apr_table_unset(r->err_headers_out, name);
    return out && err ? apr_pstrcat(r->pool, out, ", ", err, NULL)
                      : apr_pstrdup(r->pool, out ? out : err);
}

/* pa_cache_drop() of an app's pages: a walk over the zone. */
typedef struct pa_drop_walk_t {
    apr_shm_cache_t *zone;
    const char *prefix;             /* the app's keys: its name, a blank */
    apr_size_t prefix_len;
    apr_size_t removed;
} pa_drop_walk_t;

/* A page (or a page's list of variants) of the walk's app: what store()
 * makes under its keys; another entry (one of the app's own, set with the
 * C API) stays whatever its key. */
static apr_status_t drop_app_entry(void *baton, const char *key,
                                   const void *val, apr_size_t len,
                                   apr_uint64_t version, apr_time_t expires)
{
    pa_drop_walk_t *w = baton;
    pa_cache_entry_t e;
    pa_cache_vary_t v;

    (void)version;
    (void)expires;
    if (!strncmp(key, w->prefix, w->prefix_len)
        && (entry_ok(val, len, &e) || vary_list(val, len, &v))
        && apr_shm_cache_delete(w->zone, key) == APR_SUCCESS) {
        w->removed++;
    }
    return APR_SUCCESS;
}

apr_status_t pa_cache_drop(request_rec *r, const pa_cache_zone_t *z,
                           const pa_app_t *app, const char *tag,
                           apr_size_t *removed)
{
    apr_shm_cache_stats_t st;
    apr_status_t rv;

    *removed = 0;
    if (app) {
        /* The note first, as for a page (drop_note()). */
        pa_drop_walk_t w = { z->handle, apr_pstrcat(r->pool, app->name, " ",
                                                    NULL), 0, 0 };
        apr_pool_t *scratch;

        w.prefix_len = strlen(w.prefix);
        if ((rv = drop_note(r, z, "!cleared", app->name)) != APR_SUCCESS) {
            return rv;
        }
        apr_pool_create(&scratch, r->pool);
        rv = apr_shm_cache_iterate(z->handle, drop_app_entry, &w, scratch);
        apr_pool_destroy(scratch);
        *removed = w.removed;
        return rv;
    }
    if (tag) {
        /* No note for a tag no page can carry. */
        if (strlen(tag) > APR_SHM_CACHE_MAX_TAG) {
            return APR_SHM_CACHE_EBADTAG;
        }
        rv = drop_note(r, z, "!tagdrop", tag);
        return rv == APR_SUCCESS
               ? apr_shm_cache_invalidate_tag(z->handle, tag, removed) : rv;
    }
    /* The clear takes every note with it: its own comes after. */
    if (apr_shm_cache_stats(z->handle, &st) == APR_SUCCESS) {
        *removed = st.entries;
    }
    rv = apr_shm_cache_clear(z->handle);
    return rv == APR_SUCCESS ? drop_note(r, z, "!cleared", "") : rv;
}

/* Drops every stored page that carries tag, with a note for the GETs in
 * flight (drop_note()). */
static void drop_tag(request_rec *r, const pa_app_t *app, const char *tag)
{
    apr_size_t removed;
    apr_status_t rv = pa_cache_drop(r, app->cache, NULL, tag, &removed);
    char err[128];

    if (rv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, PALOGNO(00618)
                      "app %s: dropped tag '%s' from cache zone %s (%"
                      APR_SIZE_T_FMT " pages)", app->name, tag,
                      app->cache->name, removed);
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, PALOGNO(00619)
                  "app %s: " PA_CACHE_INVALIDATE_HEADER ": tag '%.80s' not "
                  "dropped from cache zone %s: %s", app->name, tag,
                  app->cache->name,
                  apr_shm_cache_strerror(rv, err, sizeof(err)));
}

void pa_cache_take_headers(request_rec *r, pa_app_t *app)
{
    char *tags, *state, *tag;

    if (!app->cache) {
        return;
    }
    if ((tags = take_header(r, PA_CACHE_TAGS_HEADER)) != NULL) {
        apr_table_setn(r->notes, PA_CACHE_TAGS_NOTE, tags);
    }
    if ((tags = take_header(r, PA_CACHE_INVALIDATE_HEADER)) == NULL
        || !app->cache->handle) {
        return;
    }
    for (tag = apr_strtok(tags, ", ", &state); tag;
         tag = apr_strtok(NULL, ", ", &state)) {
        drop_tag(r, app, tag);
    }
}

void pa_cache_unfiltered(request_rec *r, pa_app_t *app, int status)
{
    /* RFC 9111 4.4, as in save_filter(). */
    if (app->cache && app->cache->handle && unsafe_method(r)
        && status < 400) {
        drop_page(r, app, cache_key(r, app));
    }
}

void pa_cache_register_filter(void)
{
    /* Ahead of the resource filters (INCLUDES, SUBSTITUTE, SED...; not of
     * INFLATE, one step earlier too) and the content-set ones such as
     * mod_deflate, so the copy is the app's own bytes: a hit goes through
     * those filters again, as a miss did, and what they make per request
     * (SSI's REMOTE_ADDR) is never stored. */
    ap_register_output_filter(PA_CACHE_FILTER, save_filter, NULL,
                              AP_FTYPE_RESOURCE - 1);
}
