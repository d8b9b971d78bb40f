/* conn: connections to workers, and the kept ones shared by every httpd
 * child (keep-conn=on, the default).
 *
 * A libfcgi app that is not asked to keep its connection shuts it down after
 * every reply and waits for httpd to close its end before it accepts the
 * next one: two more wake-ups per request on top of connect + accept. With
 * FCGI_KEEP_CONN it simply reads the next request from the same connection.
 * But a worker then reads only that connection, so it has to be the *same*
 * socket in every httpd child, or one child's kept connection would lock out
 * all the others. Hence: the manager connects to each worker it spawns and
 * keeps that connection; an httpd child that claims the worker fetches a
 * duplicate once (SCM_RIGHTS over the manager's datagram socket
 * "<sockdir>/conn.sock") and keeps it until the worker changes, or has
 * left (closed before the child takes another, at most once a second). The claim
 * makes the use exclusive, so one socket serves requests from every child in
 * turn; a request that ends in an unknown stream state has its worker
 * recycled (as before), never its connection reused.
 *
 * To stop an idle worker the manager shuts the shared connection down: the
 * app reads EOF, goes back to accept() and sees its SIGTERM there.
 */
#ifndef PA_CONN_H
#define PA_CONN_H

#include "scoreboard.h"

#define PA_CONN_SERVICE "conn.sock"

/* How long a recv() without MSG_DONTWAIT blocks on a kept connection (its
 * SO_RCVTIMEO); every other call on one passes MSG_DONTWAIT. */
#define PA_CONN_RECV_WAIT_MS 50

/* ---- both sides ---------------------------------------------------------- */

/* A new connection to a worker's listen socket (non-blocking, close-on-exec):
 * the fd, or -1 with errno set. */
int pa_conn_open(const char *sock_path);

/* Whether the other end of connection fd has closed it (or shut it down),
 * seen now, without waiting. */
int pa_conn_closed(int fd);

/* ---- manager side ---------------------------------------------------------- */

/* Where the manager finds the kept connection of (app, slot): the current
 * occupant's pid (0 = none) in *pid, which comes in as the occupant the
 * asker claimed, and its connection (-1 = none). Indexes come
 * from the asker, whose pid the kernel vouches for: the callee checks them
 * against its own counts, and hands a connection only to the process that
 * holds the claim on that worker (anything else running as User may write
 * to the service socket). seq and nth name the claim the asker held when
 * it asked: an ask it gave up on (a stalled manager) names an older one.
 * renew: the asker found the connection closed by the worker over what an
 * earlier request left in it (pa_conn_renew()): if it is, a new one (or
 * none, *pid 0, if the worker has left). *gen: the slot's conn_gen, bumped
 * for every new connection, which the asker keeps with it. */
typedef int (*pa_conn_lookup_fn)(void *baton, apr_uint32_t app,
                                 apr_uint32_t slot, apr_uint32_t seq,
                                 apr_uint64_t nth, pid_t asker, int renew,
                                 pid_t *pid, apr_uint32_t *gen);

/* A new kept connection to a worker (pa_conn_open()): made blocking with
 * receives bounded by PA_CONN_RECV_WAIT_MS, so that the first wait for a
 * reply can be one recv() rather than poll() + recv(). The fd, or -1. */
int pa_conn_open_kept(const char *sock_path);

/* Bind fd (AF_UNIX) to path in the socket directory: mode 0600, owned by
 * User, without a moment at another mode. Returns 0 or -1 with errno. */
int pa_conn_bind(int fd, const char *path);
/* Create the manager's datagram socket in sockdir (0600, owned by httpd's
 * User when run as root). Returns the fd or -1 (logged). */
int pa_conn_service_open(const char *sockdir, apr_pool_t *p, server_rec *s);
/* Answer the pending requests on the service socket, at most
 * PA_CONN_ASKS_A_TURN (the poll that called finds the rest); never blocks. */
#define PA_CONN_ASKS_A_TURN 64
void pa_conn_serve(int fd, pa_conn_lookup_fn lookup, void *baton);

/* ---- request side (httpd children) --------------------------------------- */

/* child_init: the table of this child's kept connections, in pchild. */
void pa_conn_child_init(apr_pool_t *pchild, pa_sb_t *sb);

/* pa_conn_get(): the worker is fine, but its kept connection could not be
 * had from the manager (it did not answer in time, or this child is out of
 * descriptors). A fresh connection would wait behind the kept one. */
#define PA_CONN_UNAVAILABLE (-2)

/* A connection to the worker held by claim. With keep (the app's
 * keep-conn, unless the manager found that the app closes them), the
 * shared kept connection, fetched from the manager the
 * first time this child uses this occupant (*kept = 1); otherwise, or when
 * the manager has none, a fresh one (*kept = 0). Returns the fd, -1 when
 * the worker cannot be reached, or PA_CONN_UNAVAILABLE (both logged; the
 * worker cannot have seen the request). */
int pa_conn_get(request_rec *r, const pa_app_t *app, const pa_claim_t *claim,
                int keep, apr_time_t deadline, int *kept);
/* A kept connection from pa_conn_get() read to its reply's end stays in
 * this child's table for the next request on the worker (before the claim
 * is released): 1; or 0 if it was taken out of the table since (a new
 * manager gave the slot out again while this request used it): then it is
 * closed, and the caller must not use it again. */
int pa_conn_done(const pa_app_t *app, const pa_claim_t *claim, int fd);
/* Close a kept connection whose stream is in an unknown state (before the
 * claim is released). */
void pa_conn_drop(const pa_app_t *app, const pa_claim_t *claim, int fd);
/* The worker closed kept connection fd (from pa_conn_get()) over what an
 * earlier request left unread in it, and went back to accept(): fd is
 * dropped and the manager asked for a new one, which it opens once its own
 * is found closed too, unless the worker has left (the other children,
 * seeing the slot's conn_gen change, fetch that one). As pa_conn_get(). */
int pa_conn_renew(request_rec *r, const pa_app_t *app,
                  const pa_claim_t *claim, int fd, int keep,
                  apr_time_t deadline, int *kept);

#endif
