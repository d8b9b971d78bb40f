/* The shared-memory scoreboard: per app, per worker slot, state that the
 * httpd children (dispatch, status) and the process manager share.
 *
 * One anonymous apr_shm segment per httpd generation, created by the httpd
 * parent in post_config before the manager and the children are forked, so
 * everybody inherits the same mapping and nothing is left on disk after a
 * crash. Exec'd application workers never see it.
 *
 * Locking: one robust, process-shared pthread mutex per app (lock striping
 * by app). Slot *state transitions* and the wait queue are changed under it;
 * counters are updated with atomics. A holder killed mid-operation is
 * recovered on the next acquire (EOWNERDEAD): the slot states are the truth
 * and the queue is rebuilt from the waiter records.
 *
 * Ownership of a slot: IDLE and STARTING/STOPPING/EMPTY slots belong to the
 * manager; a BUSY slot belongs to the request that claimed it, and only its
 * pa_sb_release() moves it out of BUSY. The manager may set retire on a BUSY
 * slot, kill its worker (request-timeout) and, once the worker is reaped,
 * set pid to 0; the release then frees the slot. A worker that died by
 * itself under a claim is replaced in place (same seq, new pid), so that a
 * connection waiting in the slot's backlog is served. The one exception is a
 * BUSY slot whose claimant process died: the manager takes it back.
 *
 * Everything in the segment is writable by the httpd children, so the
 * manager never signals a pid read from it: it keeps its own table.
 */
#ifndef PA_SCOREBOARD_H
#define PA_SCOREBOARD_H

#include "mod_prefork_app.h"
#include "proc.h"
#include "apr_shm.h"
#include <pthread.h>
#include <sys/stat.h>

#define PA_SB_MAGIC     0x50415342u     /* "PASB" */
#define PA_URI_MAX      128             /* current request URI, truncated */
#define PA_SOCKDIR_MAX  200
#define PA_SOCKDIR_OTHERS 9     /* other names for a socket directory */
#define PA_STATS_SECONDS 60             /* window for req/s and p50/p99 */
#define PA_STATS_BUCKETS 32             /* log2(microseconds) histogram */
#define PA_STATS_CLEARING 0xffffffffu   /* a bucket's second while the first
                                         * request of a new second clears it
                                         * (later than any second: skipped) */
#define PA_LATENCY_BOUNDS 12            /* pa_sb_latency_bounds[] */
#define PA_SB_FILL_WORDS 16             /* cache-lock's futex words per app */

typedef enum {
    PA_SLOT_EMPTY = 0,      /* no process */
    PA_SLOT_STARTING,       /* forked, not yet handed out */
    PA_SLOT_IDLE,           /* waiting for a request */
    PA_SLOT_BUSY,           /* claimed by an httpd child */
    PA_SLOT_STOPPING        /* told to exit (recycle, scale down, stop) */
} pa_slot_state_e;

/* Why the previous occupant of a slot left (pa_slot_t.retire while alive).
 * pa_sb_retire_name() names them in this order. */
typedef enum {
    PA_RETIRE_NONE = 0,
    PA_RETIRE_MAX_REQUESTS,
    PA_RETIRE_LIFETIME,
    PA_RETIRE_RELOAD,       /* touch-reload: the app's file was touched */
    PA_RETIRE_MEMORY,       /* max-memory: its resident memory grew past it */
    PA_RETIRE_ROOM,         /* PreforkAppMaxProcesses: room for another app */
    PA_RETIRE_IDLE,         /* surplus idle worker of a dynamic pool */
    PA_RETIRE_BROKEN,       /* dispatch saw garbage / an abort: stream state unknown */
    PA_RETIRE_TIMEOUT,      /* request-timeout */
    PA_RETIRE_SHUTDOWN,     /* generation stopping */
    PA_RETIRE_CLOSED,       /* its kept connection was found closed: the
                             * manager looks whether it is still running */
    PA_RETIRE_ABANDONED,    /* its request was given up midway (the client
                             * left, the httpd child died): stream state
                             * unknown, but not the worker's doing */
    PA_RETIRE_SOCKDIR,      /* its socket was removed with the socket
                             * directory: nobody can reach it any more */
    PA_RETIRE_SURPLUS,      /* one more than a static pool's size (its
                             * replacement came before it was back) */
    PA_RETIRE_EARLY         /* it answered before it had all of its request:
                             * its kept connection stops inside that one
                             * (its request is over: it leaves in its own
                             * time, die-timeout) */
} pa_retire_e;

typedef struct pa_slot_t {
    volatile pid_t pid;             /* 0 when EMPTY */
    volatile apr_uint32_t state;    /* pa_slot_state_e */
    volatile apr_uint32_t retire;   /* pa_retire_e: retire at the next release */
    volatile apr_uint32_t seq;      /* bumped for every new occupant */
    apr_time_t started_at;          /* occupant's spawn time */
    volatile apr_uint64_t requests; /* served by the current occupant */
    apr_uint32_t answered;          /* ... of which it answered (released OK) */
    volatile apr_time_t req_start;  /* start of the current request, 0 = none */
    volatile apr_time_t last_used;  /* end of its last request */
    volatile pid_t client_pid;      /* httpd child serving the current request, 0 = none */
    apr_uint32_t unread;            /* bytes of the last reply left unread on the
                                     * kept connection (see dispatch.c) */
    apr_uint32_t left;              /* pa_left_e: what the last request may
                                     * have left of itself in that connection */
    volatile apr_uint32_t conn_gen; /* bumped for every new kept connection
                                     * the manager opens to it (conn.c) */
    apr_uint32_t renewed;           /* the last request went on a kept
                                     * connection renewed for it: the next
                                     * is the second on it (dispatch.c) */
    int last_exit_status;           /* wait status of the previous occupant, -1 = none */
    volatile apr_uint32_t child_failed; /* the pid of the last occupant that
                                     * failed before its exec
                                     * (pa_child_fail()): a CGI launcher's
                                     * 127 is not its program's, and a
                                     * worker's never read a request */
    volatile apr_uint32_t replay;   /* its current request is one that a
                                     * worker went away under before
                                     * answering (pa_claim_t's replay) */
    volatile pid_t kept_lost;       /* the occupant whose kept connection,
                                     * sent by the manager, its claimant
                                     * could not take in (out of
                                     * descriptors): 0 = none */
    char uri[PA_URI_MAX];           /* current request (method + URI), NUL-terminated */
    volatile apr_uint32_t doing_seq; /* odd while the two below change */
    apr_time_t doing_for;           /* req_start of the request doing is
                                     * about, 0 = none */
    char doing[PA_DOING_MAX];       /* what its worker was last seen doing
                                     * (pa_proc_doing()), by the manager */
} pa_slot_t;

/* A request waiting for a free worker. state is a futex word. */
/* REFUSED: no worker can come (crash-loop backoff with none up); the
 * waiter gives up at once rather than at queue-timeout. */
typedef enum {
    PA_WAIT_FREE = 0, PA_WAIT_WAITING, PA_WAIT_GRANTED, PA_WAIT_REFUSED
} pa_wait_state_e;
/* A waiter may leave its whole request (at most PA_SB_REQ_MAX bytes, in
 * the app's request buffers, one per record) for the request that releases
 * a worker to send on the worker's connection as it hands it over: the
 * worker starts on it while the waiter wakes up. The first records of an app
 * have one (FastCGI with kept connections only): 4 per worker of its
 * largest pool, at least PA_SB_REQ_RECORDS_MIN, at most _MAX. */
#define PA_SB_REQ_MAX 4096
#define PA_SB_REQ_RECORDS_MIN 16
#define PA_SB_REQ_RECORDS_MAX 256
typedef struct pa_waiter_t {
    volatile apr_uint32_t state;
    volatile apr_int32_t slot;      /* granted slot */
    apr_uint32_t seq;               /* ... its occupant's seq then */
    volatile pid_t pid;             /* the waiting httpd child */
    volatile apr_uint32_t ticket;   /* FIFO order */
    apr_uint32_t req_len;           /* its request's bytes in its buffer (0:
                                     * none left to send for it) */
    apr_uint32_t req_sent;          /* of which the releaser sent: set with
                                     * the grant */
    apr_uint32_t req_id;            /* ... carrying this FastCGI request id */
    pid_t req_pid;                  /* ... to this occupant, */
    apr_uint32_t req_unread;        /* ... which left these bytes unread */
    apr_uint64_t req_nth;           /* ... as its nth request */
    apr_uint32_t replay;            /* pa_claim_t's, for the slot it gets */
} pa_waiter_t;

typedef struct pa_app_counters_t {
    volatile apr_uint64_t accepted;         /* requests handed to a worker */
    volatile apr_uint64_t spawned;
    volatile apr_uint64_t exited;           /* every occupant that went away */
    volatile apr_uint64_t crashed;          /* died by signal, non-zero exit, or within start-delay */
    volatile apr_uint64_t recycled_requests;
    volatile apr_uint64_t recycled_lifetime;
    volatile apr_uint64_t recycled_idle;
    volatile apr_uint64_t recycled_reload;  /* touch-reload */
    volatile apr_uint64_t recycled_memory;  /* max-memory */
    volatile apr_uint64_t killed_timeout;
    volatile apr_uint64_t killed_client_gone; /* its client hung up (safe method) */
    volatile apr_uint64_t max_reached;      /* times the pool hit max processes with demand */
    volatile apr_uint64_t status_502;
    volatile apr_uint64_t status_503;
    volatile apr_uint64_t status_504;
    volatile apr_uint64_t retries;
    volatile apr_uint64_t abandoned;        /* client left while queued: not sent */
    volatile apr_uint64_t slow;             /* took slowlog seconds or more */
    volatile apr_uint64_t held;             /* replies partly held for a slow
                                             * client (reply-buffer) */
    volatile apr_uint64_t spooled;          /* of which some in a temporary
                                             * file (reply-spool) */
    volatile apr_uint64_t sent_at_handoff;  /* requests sent to their worker
                                             * by the request that released
                                             * it (PA_SB_REQ_MAX) */
    volatile apr_uint64_t renewed;          /* kept connections renewed
                                             * (dispatch.c, kept_check()) */
    volatile apr_uint64_t cache_hits;       /* answered from the cache zone */
    volatile apr_uint64_t cache_stale;      /* ... stale, while refreshed */
    volatile apr_uint64_t cache_stale_if_error; /* ... stale, for a failure */
    volatile apr_uint64_t cache_lock_waits; /* misses that waited for another
                                             * request's fetch (cache-lock=) */
    volatile apr_uint64_t auth_granted;     /* asked as an authorizer (any
                                             * of auth.c's three): 200s */
    volatile apr_uint64_t auth_refused;     /* ... and other answers */
    volatile apr_uint64_t duration_us;      /* the recorded requests' time */
    volatile apr_uint64_t within[PA_LATENCY_BOUNDS + 1]; /* of those, how
                                             * many took longer than the
                                             * bound before and at most
                                             * pa_sb_latency_bounds[i]; the
                                             * last: longer than all */
    volatile apr_uint32_t queue_max;        /* longest queue seen */
    volatile apr_uint32_t busy_max;         /* most workers busy at once, as
                                             * the manager saw at its turns */
} pa_app_counters_t;

/* The upper bounds of the request time histogram since start
 * (pa_app_counters_t.within), in microseconds, ascending: Prometheus'
 * default buckets and 30 s. */
extern const apr_interval_time_t pa_sb_latency_bounds[PA_LATENCY_BOUNDS];

/* One second of request timings (ring of PA_STATS_SECONDS). */
typedef struct pa_stats_second_t {
    volatile apr_uint32_t second;           /* apr_time_sec() this bucket belongs
                                             * to, or PA_STATS_CLEARING */
    volatile apr_uint32_t count;
    volatile apr_uint32_t hist[PA_STATS_BUCKETS];
} pa_stats_second_t;

/* One kind of log line that can come at request rate: logged at its level
 * at most once per PA_LOUD_EVERY_SEC, at info in between (counted). Shared
 * memory or not: updated with atomics, by any number of processes. */
#define PA_LOUD_EVERY_SEC 10
typedef struct pa_loud_t {
    volatile apr_uint32_t logged;   /* second of the last line at its level, 0 = none */
    volatile apr_uint32_t quiet;    /* lines at info since */
} pa_loud_t;

/* Lines of one kind logged at most so many a second, the rest counted:
 * shared as pa_loud_t is. */
#define PA_STDERR_LINES 100             /* FCGI_STDERR lines logged a second, per app */

typedef struct pa_quota_t {
    volatile apr_uint32_t second;   /* the second being counted */
    volatile apr_uint32_t used;     /* lines logged in it */
    volatile apr_uint32_t dropped;  /* lines not logged, not yet said */
} pa_quota_t;

typedef struct pa_sb_app_t {
    pthread_mutex_t lock;
    apr_uint32_t index;
    apr_uint32_t nslots;            /* max_procs + recycle headroom */
    apr_uint32_t nwaiters;          /* waiter records: the MPM's most concurrent requests */
    apr_uint32_t waiters_hw;        /* records [0, waiters_hw) may be in use */
    apr_uint32_t max_requests;      /* copy of the app's max-requests (claim checks it) */
    apr_uint32_t max_requests_hi;   /* ... and the top of its range */
    apr_uint32_t stretch;           /* max-requests may wait out a backoff (not exits_itself) */
    apr_uint32_t dynamic;           /* min_procs < max_procs: waiters poke the manager */
    apr_uint32_t max_procs;         /* ... while fewer workers than this are up */
    apr_uint32_t queue_limit;       /* copy of queue-limit, 0 = none */
    volatile apr_uint32_t queue_len;
    volatile apr_uint32_t arriving;         /* requests of this generation's
                                             * children not yet at their
                                             * claim (reading a body): a
                                             * retired manager waits for
                                             * them */
    volatile apr_uint32_t next_ticket;
    volatile apr_uint32_t backoff_level;    /* crash-loop backoff, 0 = none */
    volatile apr_uint32_t keep_off;         /* the app closes kept connections:
                                             * one per request from now on */
    volatile apr_uint32_t keep_proven;      /* a kept connection carried a
                                             * second request: the app keeps
                                             * them (see dispatch.c) */
    volatile apr_uint32_t fixed_ids;        /* the app answers every request
                                             * with one request id, whatever
                                             * it is sent: 1 is sent */
    volatile apr_uint32_t self_exits;       /* a worker left by itself
                                             * (PA00134): only requests that
                                             * can be replayed are sent at a
                                             * hand-off */
    volatile apr_uint32_t handoff_slot;     /* slot + 1 a lock holder is handing
                                             * to waiter handoff_waiter - 1,
                                             * 0 = none: one killed at it
                                             * leaves them to the repair */
    volatile apr_uint32_t handoff_waiter;
    volatile apr_uint32_t fills[PA_SB_FILL_WORDS]; /* futex words: count the
                                             * ends of the app's cache-lock
                                             * fills, a word per sixteenth
                                             * of its pages */
    volatile apr_time_t backoff_until;
    volatile apr_time_t answered_at;        /* a worker last answered a request */
    pa_loud_t refused_log;          /* PA00304: requests sent away with 503 */
    pa_loud_t overloaded_log;       /* PA00403: FCGI_OVERLOADED from the app */
    pa_loud_t full_log;             /* PA00340, in a line's first
                                     * new-programs= pool's record */
    pa_quota_t stderr_log;          /* PA00310: FCGI_STDERR lines, at most
                                     * PA_STDERR_LINES a second */
    volatile apr_uint32_t taken;    /* a new-programs= pool (pa_app_t.spare)
                                     * serves the program below from now
                                     * until the next restart: set once, by
                                     * an httpd child (scripts.c) */
    volatile apr_uint32_t refused;  /* ... which the manager found its
                                     * workers may not run */
    char program[PA_PROGRAM_MAX];   /* ... its path, matching the line's
                                     * pattern */
    char program_name[PA_NAME_MAX + 1]; /* ... and its pool's name */
    apr_uint64_t program_dev;       /* ... and its file's device and inode: */
    apr_uint64_t program_ino;       /*   its other names (links) share it */
    pa_app_counters_t c;
    pa_stats_second_t stats[PA_STATS_SECONDS];
    apr_size_t slots_off;           /* from the start of the segment */
    apr_size_t waiters_off;
} pa_sb_app_t;

typedef struct pa_sb_header_t {
    apr_uint32_t magic;
    apr_uint32_t napps;
    apr_uint32_t generation;                /* httpd config generation */
    volatile pid_t manager_pid;
    volatile apr_uint32_t retiring;         /* old generation draining after a restart */
    volatile apr_uint32_t retired;          /* its manager retired (a restart):
                                             * nobody takes its place */
    volatile apr_uint32_t stopped;          /* its manager has exited for good */
    volatile apr_uint32_t no_sockdir;       /* the socket directory cannot be
                                             * made: no worker can start */
    volatile apr_uint32_t carried;          /* a restart took its counters
                                             * on to the next generation:
                                             * its own are stale now */
    apr_time_t created;
    apr_size_t app_off[1];                  /* napps offsets, really */
} pa_sb_header_t;

/* Where one app's parts of the segment are and how big they are, computed
 * by the parent before anything else maps the segment: the manager (often
 * root) never follows an offset or a size that an httpd child could have
 * overwritten. */
typedef struct pa_sb_layout_t {
    pa_sb_app_t *app;
    pa_slot_t *slots;
    struct pa_waiter_t *waiters;
    char *reqs;                     /* waiter i's request: reqs + i * PA_SB_REQ_MAX */
    apr_uint32_t nreqs;             /* ... for i < nreqs */
    apr_uint32_t nslots;
    apr_uint32_t nwaiters;
} pa_sb_layout_t;

/* Process-local handle, inherited by fork. */
typedef struct pa_sb_t {
    apr_shm_t *shm;
    pa_sb_header_t *hdr;
    pa_server_conf_t *conf;
    int napps;
    pa_sb_layout_t *layout;         /* napps entries */
    int wake_fd;                    /* eventfd: pa_sb_wake_manager() writes, the manager polls */
    int alive_rd;                   /* generation pipe: EOF once the parent and every httpd */
    int alive_wr;                   /*   child of this generation are gone (the manager keeps only rd) */
    pid_t self;                     /* this httpd child, set by pa_sb_child_init(); 0 elsewhere */
    int hold_fd;                    /* pa_sb_hold() of the socket directory */
    const char *sockdir;            /* private directory of worker sockets: here,
                                     * not in the segment, whose every byte the
                                     * children may write, as root acts on it */
} pa_sb_t;

/* What a request released clean on a kept connection may have left there
 * of itself, for the worker to read as it goes for its next request (see
 * dispatch.c, kept_open()). */
typedef enum {
    PA_LEFT_NONE = 0,
    PA_LEFT_END,                    /* its body's empty STDIN record, sent
                                     * alone, was unread at the reply's end */
    PA_LEFT_MAYBE                   /* none, but the worker may have read the
                                     * rest of the body only after its reply */
} pa_left_e;

/* A claimed worker, held by one request in one httpd child. */
typedef struct pa_claim_t {
    pa_sb_app_t *app;
    pa_slot_t *slot;
    int slot_index;
    apr_uint32_t seq;               /* occupant we claimed */
    pid_t pid;                      /* its pid */
    apr_time_t start;
    apr_uint32_t unread;            /* claim: the slot's unread bytes; release
                                     * (PA_RELEASE_OK): what this request left */
    apr_uint32_t left;              /* claim: the slot's left; release
                                     * (PA_RELEASE_OK): this request's */
    apr_uint32_t conn_gen;          /* claim: the slot's conn_gen */
    apr_uint32_t renewed;           /* claim: the slot's renewed; release
                                     * (PA_RELEASE_OK): this request's */
    apr_uint64_t nth;               /* this request's count on the occupant,
                                     * 1 for its first */
    int unsent;                     /* release: the worker was sent nothing,
                                     * so it proved nothing (see answered) */
    int kept;                       /* release: on the worker's kept
                                     * connection */
    apr_uint32_t sent;              /* claim: bytes of the caller's request
                                     * that its releaser sent (0: none) */
    apr_uint32_t sent_id;           /* ... with this FastCGI request id */
    int replay;                     /* claim, set by the caller: the request
                                     * is replayed after a worker went away
                                     * under it (pa_slot_t's replay) */
} pa_claim_t;

typedef enum {
    PA_RELEASE_OK = 0,              /* worker is fine, back to idle */
    PA_RELEASE_BROKEN,              /* stream state unknown: kill and replace it */
    PA_RELEASE_TIMEOUT,             /* gave up after request-timeout: kill and
                                     * replace it, counted as killed_timeout */
    PA_RELEASE_CLOSED,              /* its kept connection was closed before a
                                     * reply: dead, or an app that does not
                                     * keep connections (the manager tells) */
    PA_RELEASE_EARLY,               /* it answered before it had all of its
                                     * request: replace it, asked to leave
                                     * (status: answered-early) */
    PA_RELEASE_ABANDONED            /* the client left mid-reply: kill and
                                     * replace it (status: abandoned, not
                                     * broken) */
} pa_release_e;

/* ---- both sides ---------------------------------------------------------- */

/* Parent, post_config: size and create the segment for conf, make sockdir
 * (0700, owned by httpd's User), the wake eventfd and the generation pipe;
 * register cleanups on pconf. Logs its own errors. */
apr_status_t pa_sb_create(pa_sb_t **sb, pa_server_conf_t *conf,
                          apr_pool_t *pconf, server_rec *s);
pa_sb_app_t *pa_sb_app(pa_sb_t *sb, int app_index);
pa_slot_t *pa_sb_slot(pa_sb_t *sb, pa_sb_app_t *a, int slot_index);
/* The app's worker slots: max_procs, and headroom for replacements. */
apr_uint32_t pa_sb_nslots(const pa_app_t *app);
/* The layout entry of an app (its trusted slot and waiter counts). */
pa_sb_layout_t *pa_sb_layout(pa_sb_t *sb, pa_sb_app_t *a);
/* Slot slot_index's own limit for a setting given as LO-HI (max-requests=,
 * lifetime=): slot 0 has LO, slot 1 the middle of the range, then the
 * quarters, the eighths... (the index's bits reversed), so that the first
 * few slots, those a pool uses most, are spread over all of it. LO when
 * hi <= lo. */
int pa_sb_spread(int lo, int hi, int slot_index);
/* The manager, its only writer: slot's worker, serving the request that
 * started at start, was seen doing this (pa_proc_doing()). */
void pa_sb_set_doing(pa_slot_t *slot, apr_time_t start, const char *doing);
/* Anyone: what the worker was last seen doing for the request that
 * started at start, copied into out (PA_DOING_MAX); NULL if it was not
 * looked at for that request, or is being looked at again right now. */
const char *pa_sb_get_doing(const pa_slot_t *slot, apr_time_t start,
                            char *out);
/* ", DOING" (what pa_sb_get_doing() gives) in buf of size, for the end of
 * a log line about that request; "" if the worker was not looked at. */
#define PA_DOING_SUFFIX_MAX (PA_DOING_MAX + 2)
const char *pa_sb_doing_suffix(const pa_slot_t *slot, apr_time_t start,
                               char *buf, apr_size_t size);
/* "<sockdir>/<app>.<slot>.sock" */
const char *pa_sb_socket_path(apr_pool_t *p, pa_sb_t *sb, const pa_app_t *app, int slot_index);
/* Lock an app's mutex; recovers from a dead owner (EOWNERDEAD). */
void pa_sb_lock(pa_sb_t *sb, pa_sb_app_t *a);
void pa_sb_unlock(pa_sb_t *sb, pa_sb_app_t *a);
/* Poke the manager (new waiter, broken worker, ...). Cheap, never blocks. */
void pa_sb_wake_manager(pa_sb_t *sb);
/* kill(pid, 0) says the process exists (EPERM counts as alive). */
int pa_sb_pid_alive(pid_t pid);
/* Whether pid, read from the name of something an httpd left behind (a
 * socket directory, a cache zone), is of one that is gone: neither this
 * process nor any live one. */
int pa_sb_pid_gone(long pid);

/* Now on the monotonic clock, in microseconds: every interval and
 * deadline of the module (timeouts, ages, ticks, rate limits; the
 * scoreboard's times), which a step of the wall clock (NTP, date -s) must
 * neither stretch nor cut. One clock for all processes of the host. */
apr_time_t pa_now(void);

/* The level to log a line of kind l at: level, or APLOG_INFO if one went
 * out at its level less than PA_LOUD_EVERY_SEC ago. A line at level gets in
 * tail (size bytes, else "") how many went at info since, as "what". */
int pa_loud(pa_loud_t *l, int level, apr_time_t now, const char *what,
            char *tail, apr_size_t size);
/* Whether one more line of kind qt may be logged in now's second (at most
 * max a second). *dropped: 0, or, for the first line of a second, how many
 * were not logged before it (to be said once). */
int pa_quota_take(pa_quota_t *qt, apr_uint32_t max, apr_time_t now,
                  apr_uint32_t *dropped);
/* The lines not logged in seconds that are over, and not said yet (no line
 * came after them to say it): taken to be said now, else 0. now = 0: all
 * not said yet, whatever second (the last words of their sayer). */
apr_uint32_t pa_quota_flush(pa_quota_t *qt, apr_time_t now);

/* Whether the app is in a crash-loop backoff. Recycling (lifetime,
 * touch-reload, max-memory; max-requests if a->stretch) waits then: a
 * retiree would not be replaced, and serving on beats answering 503. */
int pa_sb_backing_off(const pa_sb_app_t *a, apr_time_t now);
/* Whether a worker leaves for this reason only to be renewed (lifetime,
 * touch-reload, max-memory; max-requests if a->stretch): it can wait for
 * its replacement, and serve on if none can start. */
int pa_sb_renewal(const pa_sb_app_t *a, apr_uint32_t retire);
/* Whether such recycling waits out a backoff now (pa_sb_backing_off()). */
int pa_sb_stretched(const pa_sb_app_t *a, apr_uint32_t retire, apr_time_t now);
/* Why a worker marked to leave will (pa_retire_e), as the status page
 * names it: "max-requests", "max-memory", ...; NULL for PA_RETIRE_NONE. */
const char *pa_sb_retire_name(apr_uint32_t retire);

/* ---- request side (httpd children) ---------------------------------------- */

/* child_init: note this child's pid once, so claims do not ask the kernel
 * on every request. */
void pa_sb_child_init(pa_sb_t *sb);

/* A request waits out the first step of a crash-loop backoff (start-delay)
 * if it ends within this (and its queue-timeout): a page that crashed a few
 * fresh workers of a quiet site costs the app's other pages a wait, not a
 * 503. Past the first step it is a crash loop: 503 at once. */
#define PA_BACKOFF_WAIT apr_time_from_sec(2)
/* Whether the app's backoff lasts beyond what a request waits for it. */
int pa_sb_backoff_outlasts(const pa_sb_app_t *a, apr_time_t now,
                           apr_interval_time_t queue_timeout);
/* Why pa_sb_claim() returned APR_EAGAIN, as far as the state now tells
 * (for the log line). */
const char *pa_sb_refusal(pa_sb_t *sb, int app_index);
/* Claim an idle worker of app_index for this request, or wait FIFO until one
 * is released or queue_timeout passes. Returns APR_SUCCESS, APR_TIMEUP (queue
 * timeout: 503) or APR_EAGAIN (wait queue full, the app is crash-looping
 * with no worker up and its backoff outlasts the wait, which also sends away
 * requests already waiting, or the generation's manager is gone: 503 at
 * once). While it waits, it looks every PA_SB_GONE_CHECK whether the
 * generation's manager is gone for good (the header's stopped, or a retired
 * manager's pid gone: APR_EAGAIN)
 * and asks gone(baton) (if not NULL) whether the request still wants a
 * worker; once it says no, the request leaves the queue: APR_ECONNABORTED.
 * req (req_len bytes, or NULL): the whole request, for the releaser that
 * hands the worker over to send (pa_sb_forward_fn); claim->sent says how
 * much of it went (the caller sends the rest), claim->sent_id with what id.
 * Longer than PA_SB_REQ_MAX: not left. */
#define PA_SB_GONE_CHECK apr_time_from_msec(500)
apr_status_t pa_sb_claim(pa_sb_t *sb, int app_index, const char *what,
                         apr_interval_time_t queue_timeout, pa_claim_t *claim,
                         int (*gone)(void *baton), void *baton,
                         const char *req, apr_size_t req_len);
/* Sends a waiter's request (req, len bytes; its request id may be set in
 * place) on the connection of the worker being handed to it, which serves
 * it as its nth request; under the app lock, so it must not block. Returns
 * the bytes sent (0: none, the waiter sends it) and their request id. */
typedef apr_size_t (*pa_sb_forward_fn)(void *baton, char *req,
                                       apr_size_t len, apr_uint64_t nth,
                                       apr_uint32_t *id);
/* Give the worker back; hands it straight to the first waiter if any, with
 * (how PA_RELEASE_OK and forward not NULL) its request sent by
 * forward(forward_baton, ...). */
void pa_sb_release(pa_sb_t *sb, pa_claim_t *claim, pa_release_e how,
                   pa_sb_forward_fn forward, void *forward_baton);
/* Account one finished request in the stats ring and the histogram since
 * start: its duration, and the error status the module answered with (502,
 * 503 and 504 are counted; 0 or any other: none). */
void pa_sb_record(pa_sb_t *sb, int app_index, int http_status,
                  apr_interval_time_t duration);
/* A copy of one bucket of the ring, for a reader at second now_sec: 1 if it
 * belongs to the last PA_STATS_SECONDS (count and hist then hold its
 * numbers), 0 if it is older, being cleared, or was cleared while it was
 * copied. */
int pa_sb_stats_second(const pa_stats_second_t *st, apr_uint32_t now_sec,
                       apr_uint32_t *count, apr_uint32_t hist[PA_STATS_BUCKETS]);

/* cache-lock=: the app's count of ended fills (a request that fetched a
 * page for the zone while others waited for it) in word (below
 * PA_SB_FILL_WORDS: the pages' share the caller picks, the same for a
 * page's waiters and its fetch), read before a waiter looks for the
 * fill's note; pa_sb_fill_wait() sleeps until the count is no longer seen
 * or at most most has passed; pa_sb_fill_ended() counts one and wakes the
 * waiters on that word alone: a fetch's end does not wake those of every
 * other page of the app (a zone emptied under load misses many at once). */
apr_uint32_t pa_sb_fills(pa_sb_t *sb, int app_index, unsigned word);
void pa_sb_fill_wait(pa_sb_t *sb, int app_index, unsigned word,
                     apr_uint32_t seen, apr_interval_time_t most);
void pa_sb_fill_ended(pa_sb_t *sb, int app_index, unsigned word);

/* ---- manager side ----------------------------------------------------------- */

/* Mark a slot IDLE (its occupant can take a request) or hand it straight to
 * the oldest live waiter, returned (NULL if none) to be woken with
 * pa_sb_wake_waiter() once the caller, who holds the app lock, released it. */
struct pa_waiter_t *pa_sb_slot_ready_locked(pa_sb_t *sb, pa_sb_app_t *a,
                                            int slot_index);
void pa_sb_wake_waiter(struct pa_waiter_t *w);
/* Count the requests waiting and return it; with check_alive, first free
 * the records of waiters whose process died (a kill(0) each: not on every
 * pass of a busy manager, since the lock is held). Caller holds the app
 * lock. */
apr_uint32_t pa_sb_sweep_waiters_locked(pa_sb_t *sb, pa_sb_app_t *a,
                                        int check_alive);
/* Send every waiting request away (pa_sb_claim() returns APR_EAGAIN): the
 * app has no worker and none will start before its backoff ends. Caller
 * holds the app lock. */
void pa_sb_refuse_waiters_locked(pa_sb_t *sb, pa_sb_app_t *a);

/* Where socket directories are made: PreforkAppSocketDir, or
 * DefaultRuntimeDir; no trailing slash. */
char *pa_sb_sockdir_base(apr_pool_t *p, const pa_server_conf_t *conf);
/* The socket directory in base of httpd parent pid for a generation;
 * other (1 to PA_SOCKDIR_OTHERS) gives the other names used when that one
 * is held by a live httpd with the same pid in another pid namespace. */
const char *pa_sb_sockdir_name(apr_pool_t *p, const char *base, long pid,
                               unsigned int generation, unsigned int other);
/* Whether the socket paths in dir (for every app of conf) fit a unix socket
 * address. */
int pa_sb_sockdir_fits(const pa_server_conf_t *conf, const char *dir);
/* Parent, post_config: the counters carried over restarts (by app name)
 * of apps this configuration no longer has are zeroed, so that one that
 * comes back later starts from zero. Its entry stays: one per name ever
 * configured, not one per restart. */
void pa_sb_forget_removed(pa_server_conf_t *conf, server_rec *s);
/* Remove a socket directory and whatever is in it. */
void pa_sb_remove_sockdir(const char *dir);
/* What lives in httpd's parent across restarts (the cache zones' table,
 * the retired managers, the counters) is read after a restart by the
 * module as loaded anew: perhaps another build (make install, then a
 * graceful restart). Its key names its layout, PA_RETAINED_LAYOUT (raised
 * with any change to those structures), and its size: a build never reads
 * or writes another's, it starts afresh (counters at 0, zones made anew,
 * the other build's retired managers left to stop by themselves, as they
 * do once their generation is done). The key for name into buf. */
#define PA_RETAINED_LAYOUT 2
const char *pa_retained_key(char *buf, apr_size_t len, const char *name,
                            apr_size_t size);
#define PA_RETAINED_KEY_MAX 96

/* A shared flock() on path, held while the descriptor returned (-1 if
 * none) is open in this process or one it forked (close-on-exec: not in
 * the programs they run): what path names is in use. Pids say nothing of
 * a process in another pid namespace (two containers with one runtime
 * directory), or of the one before ours with the same pid (a container's
 * httpd has the same pid at every start); a lock does. */
int pa_sb_hold(const char *path);
/* Whether a process holds path (pa_sb_hold()). */
int pa_sb_held(const char *path);

/* Create the socket directory dir. httpd's User
 * may enter it to connect, but when httpd starts as root it belongs to root
 * (0710, group User's Group): no process running as User, an app's worker
 * included, can swap a socket in it for a symlink or an impostor. An ACL
 * it would inherit is dropped: its mode alone says who may enter. Returns 0
 * or an errno (EEXIST if it is there). */
int pa_sb_sockdir_create(const char *dir);
/* Whether dir (lstat()ed into st) is a directory this process's user made
 * (or root): not a link, its own. One of that name that someone else made
 * first, in a base shared with other users (a sticky /tmp), is theirs:
 * they could swap the sockets in it for their own listeners. (Its mode is
 * its owner's business: an admin may have changed it.) */
int pa_sb_sockdir_made(const char *dir, struct stat *st);
/* Drain the wake eventfd (manager, after poll() said it is readable). */
void pa_sb_wake_drain(pa_sb_t *sb);

#endif
