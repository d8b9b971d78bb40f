/* proc: what /proc says about a process (Linux): the fields of its stat
 * file, and what a worker is doing when a request takes long on it. No
 * httpd here: the unit tests link it alone. */
#ifndef PA_PROC_H
#define PA_PROC_H

#include "apr.h"
#include "apr_pools.h"

#include <sys/types.h>

/* The fields of /proc/<pid>/stat after the command name (" S ppid ...",
 * read into buf), or NULL if it cannot be read. The name may hold blanks
 * and ')': it ends at the last ')'. */
const char *pa_proc_stat(pid_t pid, char *buf, apr_size_t size);
/* An id of process pid from /proc/<pid>/stat, -1 if it cannot be read. */
typedef enum { PA_PROC_PPID, PA_PROC_PGRP, PA_PROC_SESSION } pa_proc_id_e;
long pa_proc_id(pid_t pid, pa_proc_id_e which);

/* Resident memory of process pid in bytes (/proc/<pid>/statm, readable by
 * any user), or -1 if it cannot be read. */
apr_int64_t pa_proc_rss(pid_t pid);

/* ps shows a process of ours by what it does: title replaces the command
 * line (as far as it fits), comm the short name (15 bytes). */
void pa_set_title(const char *title, const char *comm);
/* Once in a process forked from httpd, before its first title: its
 * environment strings are copied into p, so that titles may take their
 * room after the command line's (httpd's command line may be as short as
 * "/usr/sbin/apache2 -k start"). Inherited by its children. */
void pa_title_room(apr_pool_t *p);

#define PA_DOING_MAX 192
#define PA_DOING_DEPTH 3    /* forked processes pa_proc_doing() goes down */
#define PA_DOING_CHILDREN 200   /* ... and the children it looks through */
/* What a worker's last look found its descriptor to be: the socket tables
 * are read again only for another socket. */
typedef struct pa_proc_memo_t {
    const char *own_path;       /* the worker's socket, NULL = none: a
                                 * connection on it is httpd's */
    unsigned long inode;        /* 0 = none */
    char text[PA_DOING_MAX / 2];
} pa_proc_memo_t;
/* What process pid is doing, in a few words, into buf (PA_DOING_MAX
 * bytes): "running on a CPU", or "waiting in read() on fd 7 (TCP
 * 10.0.0.4:51612 -> 10.0.0.5:5432)", "waiting in clock_nanosleep()", "in
 * disk wait in fsync() on fd 5 (/srv/db/data)"... From its stat, syscall
 * (which needs the right to trace it: the same user, or CAP_SYS_PTRACE;
 * root reads it as the process's user) and fd files and its network
 * namespace's socket tables. Returns buf, or NULL when
 * not even its state can be read. For a slow request's log line and the
 * status page: what the app waits for (a database, a lock, another
 * service). A process that waits for a child it forked (in wait4(), or on
 * a pipe) is described by that child instead, when it is at work: "a
 * process it forked (pid 812) waiting in read() ...". memo: NULL, or what
 * the last look at that process found. */
const char *pa_proc_doing(pid_t pid, char *buf, pa_proc_memo_t *memo);

/* Whether process pid is waiting in accept() on descriptor fd (from its
 * syscall file: needs the right to trace it, as pa_proc_doing()); 0 when
 * it cannot be told. */
int pa_proc_in_accept(pid_t pid, int fd);

#endif /* PA_PROC_H */
