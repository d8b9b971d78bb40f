/* mod_cache_bench: get/set throughput of apr_shm_cache and of httpd's
 * mod_socache_shmcb, driven through the same loop.  Built and run by
 * scripts/bench/cache; not part of the product.
 *
 * The benchmark runs in the test_config hook, so `httpd -t -f CONF` is
 * enough: no port is bound and no request is served.  Settings come from
 * the environment:
 *   BENCH_SIZES    entry counts, e.g. "1000 100000 1000000"
 *   BENCH_SECONDS  length of each measurement (default 0.5)
 *   BENCH_REPEAT   runs per measurement, the best is kept (default 3)
 *   BENCH_DIR      a private directory for named segments
 *
 * One process is timed in CPU seconds (other load on a shared box then
 * barely matters); two processes in wall-clock seconds, as contention
 * includes time spent asleep on a lock.
 *
 * Each measurement preloads N keys, then every process runs random gets
 * (or sets overwriting existing keys) for a fixed time, over all N keys
 * (cost includes cache and TLB misses, which grow with N on any hash
 * table) and over 1000 hot keys, every N/1000th one, with all N entries
 * resident (the algorithmic cost of a lookup in a cache of N entries).
 * shmcb is not safe across processes on its own (AP_SOCACHE_FLAG_NOTMPSAFE),
 * so it is driven the way mod_ssl drives it: one apr_global_mutex
 * (APR_LOCK_DEFAULT) around every call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpd.h"
#include "http_config.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"
#include "apr_shm_cache.h"

#define VAL_LEN     32
#define KEY_LEN     16
#define MAX_PROCS   2
#define HOT_KEYS    1000
#define OUR_ZONE    (192u * 1024 * 1024)
#define SHMCB_ZONE  (63u * 1024 * 1024)   /* shmcb refuses >= 64 MB */

typedef struct driver_t driver_t;
struct driver_t {
    const char *name;
    int (*set)(driver_t *d, const char *key, const char *val);
    int (*get)(driver_t *d, const char *key, char *buf);
    apr_pool_t *scratch;
    /* apr_shm_cache */
    apr_shm_cache_t *cache;
    /* shmcb */
    const ap_socache_provider_t *prov;
    ap_socache_instance_t *inst;
    apr_global_mutex_t *mutex;
    server_rec *s;
};

typedef struct {
    double ops;
    double hits;
    double seconds;             /* wall clock */
    double cpu;                 /* CPU time of the process */
} result_t;

static const char value[VAL_LEN + 1] = "0123456789abcdef0123456789ABCDEF";

static int our_set(driver_t *d, const char *key, const char *val)
{
    return apr_shm_cache_set(d->cache, key, val, VAL_LEN, 0) == APR_SUCCESS;
}

static int our_get(driver_t *d, const char *key, char *buf)
{
    void *v;
    apr_size_t len;

    return apr_shm_cache_get(d->cache, key, &v, &len, NULL, d->scratch)
           == APR_SUCCESS && len == VAL_LEN;
}

static int shmcb_set(driver_t *d, const char *key, const char *val)
{
    apr_status_t rv;

    apr_global_mutex_lock(d->mutex);
    rv = d->prov->store(d->inst, d->s, (const unsigned char *)key, KEY_LEN,
                        apr_time_now() + apr_time_from_sec(3600),
                        (unsigned char *)val, VAL_LEN, d->scratch);
    apr_global_mutex_unlock(d->mutex);
    return rv == APR_SUCCESS;
}

static int shmcb_get(driver_t *d, const char *key, char *buf)
{
    unsigned int len = 256;
    apr_status_t rv;

    apr_global_mutex_lock(d->mutex);
    rv = d->prov->retrieve(d->inst, d->s, (const unsigned char *)key,
                           KEY_LEN, (unsigned char *)buf, &len, d->scratch);
    apr_global_mutex_unlock(d->mutex);
    return rv == APR_SUCCESS && len == VAL_LEN;
}

static double clock_sec(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_sec(void)
{
    return clock_sec(CLOCK_MONOTONIC);
}

/* Key i, formatted on the fly so that no key table competes with the
 * caches for CPU caches and TLB.  The first byte takes 255 values: shmcb
 * picks its subcache by it. */
static void make_key(char *key, apr_uint32_t i)
{
    static const char hex[] = "0123456789abcdef";
    apr_uint32_t h = i * 2654435761u;
    int j;

    key[0] = (char)(1 + (h >> 24) % 255);
    for (j = 0; j < 8; j++) {
        key[1 + j] = hex[(i >> (28 - 4 * j)) & 15];
    }
    for (j = 0; j < 7; j++) {
        key[9 + j] = hex[(h >> (24 - 4 * j)) & 15];
    }
    key[KEY_LEN] = '\0';
}

static void run_loop(driver_t *d, unsigned n, unsigned stride, int is_set,
                     double seconds, apr_uint64_t seed, result_t *out)
{
    char buf[256], key[KEY_LEN + 1];
    double t0 = now_sec(), c0 = clock_sec(CLOCK_PROCESS_CPUTIME_ID), t;
    apr_uint64_t x = seed | 1, ops = 0, hits = 0;
    int i;

    do {
        for (i = 0; i < 256; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            make_key(key, (apr_uint32_t)(x % n) * stride);
            hits += is_set ? d->set(d, key, value) : d->get(d, key, buf);
        }
        ops += 256;
        apr_pool_clear(d->scratch);
        t = now_sec();
    } while (t - t0 < seconds);
    out->ops = (double)ops;
    out->hits = (double)hits;
    out->seconds = t - t0;
    out->cpu = clock_sec(CLOCK_PROCESS_CPUTIME_ID) - c0;
}

/* Worker processes live as long as one (driver, size) pair, so that
 * their page tables are warm after the first round, as in a long-lived
 * httpd child. */
typedef struct {
    unsigned n;
    unsigned stride;
    int is_set;
    int round;
    double seconds;
} job_t;

typedef struct {
    pid_t pid;
    int jobs;
    int results;
} worker_t;

static worker_t workers[MAX_PROCS];

static void workers_start(driver_t *d)
{
    int i;

    for (i = 0; i < MAX_PROCS; i++) {
        int jp[2], rp[2];
        if (pipe(jp) || pipe(rp) || (workers[i].pid = fork()) < 0) {
            perror("cache_bench: workers");
            exit(1);
        }
        if (workers[i].pid == 0) {
            job_t job;
            result_t r;
            int k;
            for (k = 0; k < i; k++) {     /* or they never see EOF */
                close(workers[k].jobs);
                close(workers[k].results);
            }
            close(jp[1]);
            close(rp[0]);
            while (read(jp[0], &job, sizeof(job)) == sizeof(job)) {
                run_loop(d, job.n, job.stride, job.is_set, job.seconds,
                         88172645463325252ULL * (i + 3) + job.round, &r);
                if (write(rp[1], &r, sizeof(r)) != sizeof(r)) {
                    break;
                }
            }
            _exit(0);
        }
        close(jp[0]);
        close(rp[1]);
        workers[i].jobs = jp[1];
        workers[i].results = rp[0];
    }
}

static void workers_stop(void)
{
    int i;

    for (i = 0; i < MAX_PROCS; i++) {
        close(workers[i].jobs);
        close(workers[i].results);
        waitpid(workers[i].pid, NULL, 0);
    }
}

static void measure_once(driver_t *d, unsigned n, unsigned stride,
                         int is_set, int procs,
                         double seconds, int round, result_t *res)
{
    job_t job = { n, stride, is_set, round, seconds };
    int i;

    if (procs == 1) {
        run_loop(d, n, stride, is_set, seconds, 88172645463325252ULL + round,
                 res);
        res->seconds = res->cpu;   /* immune to other load on the box */
        return;
    }
    memset(res, 0, sizeof(*res));
    for (i = 0; i < procs; i++) {
        if (write(workers[i].jobs, &job, sizeof(job)) != sizeof(job)) {
            exit(1);
        }
    }
    for (i = 0; i < procs; i++) {
        result_t r;
        if (read(workers[i].results, &r, sizeof(r)) != sizeof(r)) {
            exit(1);
        }
        res->ops += r.ops;
        res->hits += r.hits;
        res->seconds = r.seconds > res->seconds ? r.seconds : res->seconds;
    }
}

/* Best of BENCH_REPEAT runs: other load on the machine only slows a run. */
static void measure(driver_t *d, unsigned n, unsigned stride, int is_set,
                    int procs, double seconds, int repeat, result_t *best)
{
    int round;

    memset(best, 0, sizeof(*best));
    for (round = 0; round < repeat; round++) {
        result_t r;
        measure_once(d, n, stride, is_set, procs, seconds, round, &r);
        if (!best->seconds || r.ops / r.seconds > best->ops / best->seconds) {
            *best = r;
        }
    }
}

static int setup_ours(driver_t *d, apr_pool_t *p)
{
    char err[256];
    apr_status_t rv = apr_shm_cache_create(&d->cache, OUR_ZONE, NULL, p);

    if (rv != APR_SUCCESS) {
        fprintf(stderr, "apr_shm_cache_create: %s\n",
                apr_shm_cache_strerror(rv, err, sizeof(err)));
        return 0;
    }
    d->name = "apr_shm_cache";
    d->set = our_set;
    d->get = our_get;
    return 1;
}

static int setup_shmcb(driver_t *d, apr_pool_t *p, const char *dir)
{
    struct ap_socache_hints hints = { KEY_LEN, VAL_LEN, 0 };
    const char *err, *arg;

    d->prov = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, "shmcb",
                                 AP_SOCACHE_PROVIDER_VERSION);
    if (!d->prov) {
        fprintf(stderr, "mod_socache_shmcb is not loaded\n");
        return 0;
    }
    arg = apr_psprintf(p, "%s/shmcb(%u)", dir, SHMCB_ZONE);
    if ((err = d->prov->create(&d->inst, arg, p, p)) != NULL) {
        fprintf(stderr, "shmcb create: %s\n", err);
        return 0;
    }
    if (d->prov->init(d->inst, "bench", &hints, d->s, p) != APR_SUCCESS
        || apr_global_mutex_create(&d->mutex, NULL, APR_LOCK_DEFAULT, p)
           != APR_SUCCESS) {
        fprintf(stderr, "shmcb init or mutex failed\n");
        return 0;
    }
    d->name = "shmcb";
    d->set = shmcb_set;
    d->get = shmcb_get;
    return 1;
}

static void print_table(int hot, const unsigned *ns, unsigned nsizes,
                        result_t res[][2][2][2])
{
    const char *names[2] = { "apr_shm_cache", "shmcb" };
    unsigned si;
    int op, pr, di;

    printf(hot ? "\nkeys drawn from %d hot ones spread over all entries "
                 "(algorithmic cost, CPU caches warm):\n"
               : "\nkeys drawn uniformly from all entries (includes DRAM/TLB "
                 "misses):\n", HOT_KEYS);
    printf("(1 proc: ops per CPU second; 2 procs: ops per wall-clock second)\n");
    printf("%-9s %-5s %-3s %16s %7s %14s %7s %7s\n", "entries", "procs",
           "op", "apr_shm_cache/s", "hit%", "shmcb/s", "hit%", "ratio");
    for (si = 0; si < nsizes; si++) {
        for (op = 0; op < 2; op++) {
            for (pr = 0; pr < 2; pr++) {
                result_t *a = &res[si][op][pr][0], *b = &res[si][op][pr][1];
                double ra = a->ops / a->seconds, rb = b->ops / b->seconds;
                printf("%-9u %-5d %-3s %16.0f %6.1f%% %14.0f %6.1f%% %6.2fx\n",
                       ns[si], pr + 1, op ? "set" : "get", ra,
                       100.0 * a->hits / a->ops, rb, 100.0 * b->hits / b->ops,
                       ra / rb);
            }
        }
    }
    printf("flatness, ops/s at %u entries / at %u (1.00 = flat):\n", ns[0],
           ns[nsizes - 1]);
    for (op = 0; op < 2; op++) {
        for (pr = 0; pr < 2; pr++) {
            printf("  %s %d proc:", op ? "set" : "get", pr + 1);
            for (di = 0; di < 2; di++) {
                result_t *lo = &res[0][op][pr][di];
                result_t *hi = &res[nsizes - 1][op][pr][di];
                printf("  %s %.2fx", names[di],
                       (lo->ops / lo->seconds) / (hi->ops / hi->seconds));
            }
            printf("\n");
        }
    }
}

static void bench_test_config(apr_pool_t *pconf, server_rec *s)
{
    const char *sizes = getenv("BENCH_SIZES"), *secs = getenv("BENCH_SECONDS");
    const char *dir = getenv("BENCH_DIR");
    const char *reps = getenv("BENCH_REPEAT");
    double seconds = secs ? atof(secs) : 0.5;
    int repeat = reps && atoi(reps) > 0 ? atoi(reps) : 3;
    unsigned ns[8], nsizes = 0, si;
    driver_t drv[2];
    result_t res[2][8][2][2][2];  /* hot?, size, set?, procs-1, driver */
    char key[KEY_LEN + 1], *last;
    const char *tok;
    int di, op, pr, hot;

    if (!dir) {
        return;         /* loaded without the bench script: do nothing */
    }
    for (tok = apr_strtok(apr_pstrdup(pconf, sizes ? sizes
                                      : "1000 100000 1000000"), " ", &last);
         tok && nsizes < 8; tok = apr_strtok(NULL, " ", &last)) {
        ns[nsizes] = (unsigned)atoi(tok);
        nsizes++;
    }
    memset(drv, 0, sizeof(drv));
    for (di = 0; di < 2; di++) {
        drv[di].s = s;
        apr_pool_create(&drv[di].scratch, pconf);
    }
    if (!setup_ours(&drv[0], pconf) || !setup_shmcb(&drv[1], pconf, dir)) {
        exit(1);
    }
    for (si = 0; si < nsizes; si++) {
        for (di = 0; di < 2; di++) {
            unsigned i;
            double t0 = now_sec();
            for (i = 0; i < ns[si]; i++) {
                make_key(key, i);
                drv[di].set(&drv[di], key, value);
            }
            fprintf(stderr, "  preloaded %u keys into %s in %.1fs\n", ns[si],
                    drv[di].name, now_sec() - t0);
            workers_start(&drv[di]);
            for (hot = 0; hot < 2; hot++) {
                for (op = 0; op < 2; op++) {
                    for (pr = 0; pr < 2; pr++) {
                        int few = hot && ns[si] > HOT_KEYS;
                        measure(&drv[di], few ? HOT_KEYS : ns[si],
                                few ? ns[si] / HOT_KEYS : 1, op, pr + 1,
                                seconds, repeat, &res[hot][si][op][pr][di]);
                    }
                }
            }
            workers_stop();
        }
        apr_shm_cache_clear(drv[0].cache);
        /* shmcb has no clear: a fresh instance for the next size */
        drv[1].prov->destroy(drv[1].inst, s);
        if (!setup_shmcb(&drv[1], pconf, dir)) {
            exit(1);
        }
    }

    for (hot = 0; hot < 2; hot++) {
        print_table(hot, ns, nsizes, res[hot]);
    }
    fflush(stdout);
}

static void bench_register_hooks(apr_pool_t *p)
{
    ap_hook_test_config(bench_test_config, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(cache_bench) = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL, NULL,
    bench_register_hooks
};
