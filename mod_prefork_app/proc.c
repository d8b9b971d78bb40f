/* proc: what /proc says about a process (Linux). */
#include "proc.h"

#include "apr_strings.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads a small /proc file whole into buf (NUL-terminated); its length,
 * or -1. */
static ssize_t pa_proc_read(const char *path, char *buf, apr_size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        return -1;
    }
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) {
        return -1;
    }
    buf[n] = '\0';
    return n;
}

const char *pa_proc_stat(pid_t pid, char *buf, apr_size_t size)
{
    char path[64];
    const char *paren;

    apr_snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if (pa_proc_read(path, buf, size) <= 0) {
        return NULL;
    }
    paren = strrchr(buf, ')');
    return paren ? paren + 1 : NULL;
}

/* Where titles go: from the start of the command line's strings, room
 * bytes (its own, or with the environment's once pa_title_room() has
 * moved them). */
static char *title_at;
static apr_size_t title_room;

/* Fields 48 to 51 of our stat: where the kernel put the command line's
 * strings and, right after them as a rule, the environment's. */
static int title_area(unsigned long area[4])
{
    char buf[1024];
    const char *p = pa_proc_stat(getpid(), buf, sizeof(buf));
    int field;

    if (!p) {
        return 0;
    }
    /* Count the fields after field 2 (comm). */
    for (field = 2; *p && field < 51; p++) {
        if (*p == ' ' && ++field >= 48) {
            area[field - 48] = strtoul(p + 1, NULL, 10);
        }
    }
    return field == 51 && area[0] && area[1] > area[0];
}

/* Finds the title's room: the command line's strings; with p, also the
 * environment's after them, their strings first copied into p. */
static void title_place(apr_pool_t *p)
{
    extern char **environ;
    unsigned long area[4];
    char **env;
    apr_size_t n, i;

    if (!title_area(area)) {
        return;
    }
    /* Only where our own strings are: under valgrind (or another loader
     * that builds the program's stack itself) the kernel's area is the
     * loader's, and writing there broke its exec()s. */
    for (n = 0; environ && environ[n]
                && (environ[n] < (char *)area[2]
                    || environ[n] >= (char *)area[3]); n++) {
    }
    if (environ && environ[0] ? !environ[n] : area[3] != area[2]) {
        return;
    }
    title_at = (char *)area[0];
    title_room = area[1] - area[0];
    if (!p || area[2] != area[1] || area[3] <= area[2]) {
        return;                         /* not where the kernel reads on */
    }
    for (n = 0; environ && environ[n]; n++) {
        continue;
    }
    env = apr_palloc(p, (n + 1) * sizeof(*env));
    for (i = 0; i < n; i++) {
        env[i] = apr_pstrdup(p, environ[i]);
    }
    env[n] = NULL;
    environ = env;
    /* A title past the command line's last byte (its NUL overwritten):
     * the kernel shows it up to its NUL (Linux's setproctitle rule). */
    title_room = area[3] - area[0];
}

void pa_title_room(apr_pool_t *p)
{
    if (!title_at) {
        title_place(p);
    }
}

void pa_set_title(const char *title, const char *comm)
{
    prctl(PR_SET_NAME, comm);
    if (!title_at) {
        title_place(NULL);
    }
    if (title_at) {
        memset(title_at, 0, title_room);
        apr_cpystrn(title_at, title, title_room);
    }
}

long pa_proc_id(pid_t pid, pa_proc_id_e which)
{
    char buf[512];
    const char *f = pa_proc_stat(pid, buf, sizeof(buf));
    long id[3];

    /* Fields 4 to 6: ppid, pgrp, session. */
    return f && sscanf(f, " %*c %ld %ld %ld", &id[0], &id[1], &id[2]) == 3
           ? id[which] : -1;
}

apr_int64_t pa_proc_rss(pid_t pid)
{
    char path[64], buf[128];
    unsigned long pages;

    apr_snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
    /* size resident shared text lib data dt, in pages */
    if (pa_proc_read(path, buf, sizeof(buf)) <= 0
        || sscanf(buf, "%*u %lu", &pages) != 1) {
        return -1;
    }
    return (apr_int64_t)pages * sysconf(_SC_PAGESIZE);
}

/* The system calls a worker is found waiting in, and which argument is a
 * descriptor: 0 (the first; fcntl()'s is a POSIX lock wait, SQLite's),
 * PA_NO_FD, PA_POLL_FDS (a struct pollfd array and its length: database
 * clients, libcurl and resolvers wait in poll()), PA_EPOLL_FDS (an epoll
 * instance: what it watches) or PA_SELECT_FDS (a count and fd_set
 * bitmaps). Those missing on some architectures (aarch64 has only ppoll,
 * pselect6, epoll_pwait) under #ifdef. */
#define PA_NO_FD -1
#define PA_POLL_FDS -2
#define PA_EPOLL_FDS -3
#define PA_SELECT_FDS -4
#define PA_SC(name, fd) { SYS_##name, #name, fd }
static const struct {
    long nr;
    const char *name;
    int fd_arg;
} pa_syscalls[] = {
    PA_SC(read, 0), PA_SC(readv, 0), PA_SC(pread64, 0), PA_SC(recvfrom, 0),
    PA_SC(recvmsg, 0), PA_SC(write, 0), PA_SC(writev, 0), PA_SC(pwrite64, 0),
    PA_SC(sendto, 0), PA_SC(sendmsg, 0), PA_SC(sendfile, 0),
    PA_SC(splice, 0), PA_SC(connect, 0), PA_SC(accept, 0), PA_SC(accept4, 0),
    PA_SC(fsync, 0), PA_SC(fdatasync, 0), PA_SC(flock, 0), PA_SC(fcntl, 0),
    PA_SC(ppoll, PA_POLL_FDS), PA_SC(epoll_pwait, PA_EPOLL_FDS),
    PA_SC(pselect6, PA_SELECT_FDS), PA_SC(futex, PA_NO_FD),
    PA_SC(nanosleep, PA_NO_FD), PA_SC(clock_nanosleep, PA_NO_FD),
    PA_SC(wait4, PA_NO_FD), PA_SC(waitid, PA_NO_FD),
    PA_SC(rt_sigsuspend, PA_NO_FD), PA_SC(rt_sigtimedwait, PA_NO_FD),
    PA_SC(semop, PA_NO_FD), PA_SC(semtimedop, PA_NO_FD),
    PA_SC(msgrcv, PA_NO_FD), PA_SC(io_getevents, PA_NO_FD),
#ifdef SYS_poll
    PA_SC(poll, PA_POLL_FDS),
#endif
#ifdef SYS_select
    PA_SC(select, PA_SELECT_FDS),
#endif
#ifdef SYS_epoll_wait
    PA_SC(epoll_wait, PA_EPOLL_FDS),
#endif
#ifdef SYS_pause
    PA_SC(pause, PA_NO_FD),
#endif
};
#undef PA_SC

/* "0100007F:1F90" or 32 hex digits and a port, as the kernel prints an
 * address (its 32-bit words in memory order): "127.0.0.1:8080",
 * "[::1]:8080". */
static int pa_proc_addr(const char *hex, char *out, apr_size_t size)
{
    const char *colon = strchr(hex, ':');
    unsigned char addr[16];
    char text[INET6_ADDRSTRLEN], word[9];
    int i, words = colon ? (int)(colon - hex) / 8 : 0;

    if ((words != 1 && words != 4) || colon - hex != words * 8) {
        return 0;
    }
    for (i = 0; i < words; i++) {
        apr_uint32_t w;

        memcpy(word, hex + 8 * i, 8);
        word[8] = '\0';
        w = (apr_uint32_t)strtoul(word, NULL, 16);
        memcpy(addr + 4 * i, &w, 4);
    }
    if (!inet_ntop(words == 1 ? AF_INET : AF_INET6, addr, text,
                   sizeof(text))) {
        return 0;
    }
    apr_snprintf(out, size, words == 1 ? "%s:%lu" : "[%s]:%lu", text,
                 strtoul(colon + 1, NULL, 16));
    return 1;
}

/* The socket inode in one of the process's internet tables ("tcp",
 * "tcp6", "udp", "udp6"). */
static int pa_proc_inet(pid_t pid, const char *table, unsigned long inode,
                        char *out, apr_size_t size)
{
    int tcp = table[0] == 't';
    char path[64], line[512];
    int found = 0;
    FILE *f;

    apr_snprintf(path, sizeof(path), "/proc/%ld/net/%s", (long)pid, table);
    if (!(f = fopen(path, "re"))) {
        return 0;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        char local[64], remote[64], l[80], r[80];
        unsigned int st;
        unsigned long ino;

        /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
        if (sscanf(line, " %*s %63s %63s %x %*s %*s %*s %*s %*s %lu", local,
                   remote, &st, &ino) != 4 || ino != inode
            || !pa_proc_addr(local, l, sizeof(l))
            || !pa_proc_addr(remote, r, sizeof(r))) {
            continue;
        }
        if (tcp && st == 0x0A) {
            apr_snprintf(out, size, "TCP, listening on %s", l);
        }
        else {
            apr_snprintf(out, size, "%s %s -> %s", tcp ? "TCP" : "UDP", l, r);
        }
        found = 1;
    }
    fclose(f);
    return found;
}

/* A unix socket: its path when it has one (bound, or accepted from a
 * socket that is); "httpd's connection" for one accepted on the worker's
 * own socket (memo->own_path): it waits for a request's body, or for
 * httpd to take its reply. */
static int pa_proc_unix(pid_t pid, unsigned long inode, char *out,
                        apr_size_t size, const pa_proc_memo_t *memo)
{
    char path[64], line[512], name[256];
    int found = 0;
    FILE *f;

    apr_snprintf(path, sizeof(path), "/proc/%ld/net/unix", (long)pid);
    if (!(f = fopen(path, "re"))) {
        return 0;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long ino;
        int n;

        unsigned long flags;

        /* Num RefCount Protocol Flags Type St Inode Path */
        n = sscanf(line, "%*s %*s %*s %lx %*s %*s %lu %255s", &flags, &ino,
                   name);
        if (n < 2 || ino != inode) {
            continue;
        }
        found = 1;
        if (n == 3 && memo && memo->own_path
            && !strcmp(name, memo->own_path)) {
            /* __SO_ACCEPTCON: the listening one itself */
            apr_cpystrn(out, flags & 0x10000 ? "its own socket, listening"
                                             : "httpd's connection", size);
        }
        else {
            apr_snprintf(out, size, n == 3 ? "unix socket %s" : "a unix socket",
                         name);
        }
    }
    fclose(f);
    return found;
}

/* len bytes of the process's memory at addr (which needs the right to
 * trace it); whether they could be read. */
static int pa_proc_mem(pid_t pid, unsigned long addr, void *buf,
                       apr_size_t len)
{
    char path[64];
    int mem, ok;

    apr_snprintf(path, sizeof(path), "/proc/%ld/mem", (long)pid);
    if ((mem = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return 0;
    }
    ok = pread(mem, buf, len, (off_t)addr) == (ssize_t)len;
    close(mem);
    return ok;
}

/* The descriptors of a poll(): its first one watched into *fd (negative
 * ones are not); how many it watches (of its first 16), 0 if its array
 * cannot be read. */
static int pa_proc_poll_fds(pid_t pid, unsigned long addr,
                            unsigned long nfds, long *fd)
{
    struct pollfd pfd[16];
    unsigned long k, n = nfds < 16 ? nfds : 16;
    int watched = 0;

    if (!n || !pa_proc_mem(pid, addr, pfd, n * sizeof(pfd[0]))) {
        return 0;
    }
    for (k = 0; k < n; k++) {
        if (pfd[k].fd >= 0 && !watched++) {
            *fd = pfd[k].fd;
        }
    }
    return watched;
}

/* The descriptors of a select(): those of its read set (else its write
 * set), the first into *fd; how many. */
static int pa_proc_select_fds(pid_t pid, unsigned long nfds,
                              unsigned long rd, unsigned long wr, long *fd)
{
    unsigned char set[FD_SETSIZE / 8];
    unsigned long k, n = nfds < FD_SETSIZE ? nfds : FD_SETSIZE;
    int watched = 0;

    if (!n || !pa_proc_mem(pid, rd ? rd : wr, set, (n + 7) / 8)) {
        return 0;
    }
    for (k = 0; k < n; k++) {
        if ((set[k / 8] >> (k % 8) & 1) && !watched++) {
            *fd = (long)k;
        }
    }
    return watched;
}

/* The descriptors an epoll instance watches (its fdinfo's "tfd:" lines):
 * the first into *fd; how many. */
static int pa_proc_epoll_fds(pid_t pid, long epfd, long *fd)
{
    char path[64], line[256];
    int watched = 0;
    FILE *f;

    apr_snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%ld", (long)pid, epfd);
    if (!(f = fopen(path, "re"))) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        long tfd;

        if (sscanf(line, "tfd: %ld", &tfd) == 1 && !watched++) {
            *fd = tfd;
        }
    }
    fclose(f);
    return watched;
}

/* What descriptor fd of the process is: "TCP a -> b", a path, "a pipe". */
static void pa_proc_fd(pid_t pid, long fd, char *out, apr_size_t size,
                       pa_proc_memo_t *memo)
{
    char path[64], link[PA_DOING_MAX];
    unsigned long inode;
    ssize_t n;

    apr_snprintf(path, sizeof(path), "/proc/%ld/fd/%ld", (long)pid, fd);
    n = readlink(path, link, sizeof(link) - 1);
    if (n <= 0) {
        apr_cpystrn(out, "closed?", size);
        return;
    }
    link[n] = '\0';
    if (sscanf(link, "socket:[%lu]", &inode) == 1) {
        if (memo && memo->inode == inode) {
            apr_cpystrn(out, memo->text, size);
            return;
        }
        if (!pa_proc_inet(pid, "tcp", inode, out, size)
            && !pa_proc_inet(pid, "tcp6", inode, out, size)
            && !pa_proc_inet(pid, "udp", inode, out, size)
            && !pa_proc_inet(pid, "udp6", inode, out, size)
            && !pa_proc_unix(pid, inode, out, size, memo)) {
            /* Not in a table yet (not bound): looked for again next time */
            apr_cpystrn(out, "a socket", size);
        }
        else if (memo) {
            memo->inode = inode;
            apr_cpystrn(memo->text, out, sizeof(memo->text));
        }
    }
    else if (!strncmp(link, "pipe:", 5)) {
        apr_cpystrn(out, "a pipe", size);
    }
    else {
        apr_cpystrn(out, link, size);
    }
}

/* The system call process pid is blocked in (its number, its first
 * argument), from its syscall file: 0 when it is in none, or that cannot
 * be read (no right to trace it). */
static int pa_proc_syscall(pid_t pid, long *nr, unsigned long *arg0)
{
    char path[64], sc[256];

    apr_snprintf(path, sizeof(path), "/proc/%ld/syscall", (long)pid);
    return pa_proc_read(path, sc, sizeof(sc)) > 0
           && sscanf(sc, "%ld %lx", nr, arg0) == 2 && *nr >= 0;
}

/* The inode of the pipe that descriptor fd of process pid is, or 0. */
static unsigned long pa_proc_pipe(pid_t pid, long fd)
{
    char path[64], link[64];
    unsigned long inode = 0;
    ssize_t n;

    apr_snprintf(path, sizeof(path), "/proc/%ld/fd/%ld", (long)pid, fd);
    n = readlink(path, link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = '\0';
        sscanf(link, "pipe:[%lu]", &inode);
    }
    return inode;
}

/* Whether process pid has the pipe of that inode as its standard input,
 * output or error: where a child's end of the pipe its parent reads is
 * (fcgiwrap's CGI child, popen(), a shell's command). Only those: a look
 * through every descriptor of every child would cost the manager dear. */
static int pa_proc_has_pipe(pid_t pid, unsigned long inode)
{
    long fd;

    for (fd = 0; fd <= 2; fd++) {
        if (pa_proc_pipe(pid, fd) == inode) {
            return 1;
        }
    }
    return 0;
}

/* What a process waits for that a child of its own may be: a child's end
 * (wait4(), waitid()), or a pipe's other end. */
typedef struct pa_proc_for_t {
    enum { PA_FOR_NONE, PA_FOR_CHILD, PA_FOR_PIPE } what;
    long pid;                   /* PA_FOR_CHILD: that one, or -1: any */
    unsigned long pipe;         /* PA_FOR_PIPE: the pipe's inode */
} pa_proc_for_t;

/* What process pid is doing into buf (pa_proc_doing()), and in *wait
 * what it waits for. */
static const char *pa_proc_look(pid_t pid, char *buf, pa_proc_memo_t *memo,
                                pa_proc_for_t *wait)
{
    char stat[512], path[64], sc[256], fdtext[PA_DOING_MAX / 2], more[32];
    const char *f = pa_proc_stat(pid, stat, sizeof(stat)), *verb;
    unsigned long arg[6];
    apr_size_t i;
    long nr, fd = -1;
    int nfds;
    char state;

    wait->what = PA_FOR_NONE;
    if (!f || sscanf(f, " %c", &state) != 1) {
        return NULL;
    }
    switch (state) {
    case 'S':
        verb = "waiting";
        break;
    case 'D':
        verb = "in disk wait";
        break;
    case 'R':
        apr_cpystrn(buf, "running on a CPU", PA_DOING_MAX);
        return buf;
    case 'T':
    case 't':
        apr_cpystrn(buf, "stopped (SIGSTOP, or a debugger)", PA_DOING_MAX);
        return buf;
    default:
        apr_snprintf(buf, PA_DOING_MAX, "in state %c", state);
        return buf;
    }
    apr_cpystrn(buf, verb, PA_DOING_MAX);
    /* "NR ARG1 ... ARG6 SP PC" while in a system call, "-1 SP PC" when
     * blocked outside one, "running" when it ran meanwhile; unreadable
     * without the right to trace the process. */
    apr_snprintf(path, sizeof(path), "/proc/%ld/syscall", (long)pid);
    if (pa_proc_read(path, sc, sizeof(sc)) <= 0
        || sscanf(sc, "%ld", &nr) != 1) {
        return buf;
    }
    if (nr < 0) {
        apr_snprintf(buf, PA_DOING_MAX, "%s outside any system call (a "
                     "page fault?)", verb);
        return buf;
    }
    if (sscanf(sc, "%*s %lx %lx %lx %lx %lx %lx", &arg[0], &arg[1],
               &arg[2], &arg[3], &arg[4], &arg[5]) != 6) {
        return buf;
    }
    for (i = 0; i < sizeof(pa_syscalls) / sizeof(pa_syscalls[0]); i++) {
        if (pa_syscalls[i].nr == nr) {
            break;
        }
    }
    if (i == sizeof(pa_syscalls) / sizeof(pa_syscalls[0])) {
        apr_snprintf(buf, PA_DOING_MAX, "%s in system call %ld", verb, nr);
        return buf;
    }
    switch (pa_syscalls[i].fd_arg) {
    case PA_POLL_FDS:
        nfds = pa_proc_poll_fds(pid, arg[0], arg[1], &fd);
        break;
    case PA_EPOLL_FDS:
        nfds = pa_proc_epoll_fds(pid, (long)(int)arg[0], &fd);
        break;
    case PA_SELECT_FDS:
        nfds = pa_proc_select_fds(pid, arg[0], arg[1], arg[2], &fd);
        break;
    case PA_NO_FD:
        nfds = 0;
        break;
    default:
        fd = (long)(int)arg[pa_syscalls[i].fd_arg];
        nfds = 1;
    }
    if (nfds <= 0) {
        if (nr == SYS_wait4 || nr == SYS_waitid) {
            /* wait4(pid, ...): -1 any; waitid(P_PID, pid, ...) */
            long one = nr == SYS_wait4 ? (long)(int)arg[0]
                       : arg[0] == P_PID ? (long)(int)arg[1] : -1;

            wait->what = PA_FOR_CHILD;
            wait->pid = one > 0 ? one : -1;
        }
        apr_snprintf(buf, PA_DOING_MAX, "%s in %s()", verb,
                     pa_syscalls[i].name);
        return buf;
    }
    pa_proc_fd(pid, fd, fdtext, sizeof(fdtext), memo);
    if (!strcmp(fdtext, "a pipe") && (wait->pipe = pa_proc_pipe(pid, fd))) {
        wait->what = PA_FOR_PIPE;
    }
    more[0] = '\0';
    if (nfds > 1) {
        apr_snprintf(more, sizeof(more), " and %d more", nfds - 1);
    }
    apr_snprintf(buf, PA_DOING_MAX, "%s in %s() on fd %ld (%s)%s", verb,
                 pa_syscalls[i].name, fd, fdtext, more);
    return buf;
}

/* What a change of file system ids costs a process, given back after it:
 * the kernel clears its parent-death signal (the manager's SIGTERM when
 * httpd's parent dies) and makes it as dumpable as suid_dumpable says. */
typedef struct {
    int changed;
    int deathsig;
    int dumpable;
    pid_t parent;
} pa_proc_ids_t;

/* Root reads what needs the right to trace process pid (its syscall, fd
 * and mem files) with the process's uid and gid as its file system ids:
 * where root lacks CAP_SYS_PTRACE (a container's default), being the same
 * user is that right (a worker's real, effective and saved ids are all its
 * user's). pa_proc_as_self() after. */
static void pa_proc_as_owner(pid_t pid, pa_proc_ids_t *ids)
{
    char path[64];
    struct stat st;

    ids->changed = 0;
    apr_snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
    if (geteuid() != 0 || stat(path, &st) != 0 || st.st_uid == 0) {
        return;
    }
    ids->deathsig = 0;
    prctl(PR_GET_PDEATHSIG, &ids->deathsig);
    ids->dumpable = prctl(PR_GET_DUMPABLE);
    ids->parent = getppid();
    setfsgid(st.st_gid);
    setfsuid(st.st_uid);
    ids->changed = 1;
}

static void pa_proc_as_self(const pa_proc_ids_t *ids)
{
    if (!ids->changed) {
        return;
    }
    setfsuid(geteuid());
    setfsgid(getegid());
    if (ids->dumpable >= 0) {
        prctl(PR_SET_DUMPABLE, ids->dumpable);
    }
    if (ids->deathsig) {
        prctl(PR_SET_PDEATHSIG, ids->deathsig);
        /* The parent died while it was cleared: its signal was lost. */
        if (getppid() != ids->parent) {
            raise(ids->deathsig);
        }
    }
}

int pa_proc_in_accept(pid_t pid, int fd)
{
    long nr;
    unsigned long arg0;
    pa_proc_ids_t ids;
    int in;

    pa_proc_as_owner(pid, &ids);
    in = pa_proc_syscall(pid, &nr, &arg0)
         && (nr == SYS_accept || nr == SYS_accept4)
         && (long)(int)arg0 == fd;
    pa_proc_as_self(&ids);
    return in;
}

/* The child of process pid (its main thread's) that what it waits for
 * is: the one it waits to end; the one at the pipe's other end; for a
 * wait for any child (FCGI::ProcManager's wait()), the first at work:
 * running, or blocked in anything but accept() on descriptor 0 (the
 * listen socket a FastCGI app's children all accept on). Among its first
 * PA_DOING_CHILDREN; 0 if none. */
static pid_t pa_proc_child_for(pid_t pid, const pa_proc_for_t *wait)
{
    char path[64], stat[512];
    long child, nr;
    unsigned long arg0;
    pid_t found = 0;
    int looked = 0;
    FILE *f;

    apr_snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
                 (long)pid, (long)pid);
    if (!(f = fopen(path, "re"))) {
        return 0;
    }
    while (!found && looked++ < PA_DOING_CHILDREN
           && fscanf(f, "%ld", &child) == 1) {
        const char *st;
        char state;

        if (wait->what == PA_FOR_PIPE) {
            found = pa_proc_has_pipe((pid_t)child, wait->pipe) ? child : 0;
        }
        else if (wait->pid > 0) {
            found = child == wait->pid ? child : 0;
        }
        else if ((st = pa_proc_stat((pid_t)child, stat, sizeof(stat)))
                 && sscanf(st, " %c", &state) == 1
                 && (state == 'R' || state == 'D'
                     || (pa_proc_syscall((pid_t)child, &nr, &arg0)
                         && !((nr == SYS_accept || nr == SYS_accept4)
                              && arg0 == 0)))) {
            found = (pid_t)child;
        }
    }
    fclose(f);
    return found;
}

const char *pa_proc_doing(pid_t pid, char *buf, pa_proc_memo_t *memo)
{
    char inner[PA_DOING_MAX];
    int depth;
    pa_proc_ids_t ids;
    pa_proc_for_t wait;
    pid_t child;

    pa_proc_as_owner(pid, &ids);
    if (!pa_proc_look(pid, buf, memo, &wait)) {
        pa_proc_as_self(&ids);
        return NULL;
    }
    /* A worker that forks what serves its request (fcgiwrap's CGI child,
     * a php-cgi page's system(), FCGI::ProcManager's children) only waits
     * for it: what that one does is the news. A wrapper script or two
     * deep. */
    for (depth = 0; wait.what != PA_FOR_NONE && depth < PA_DOING_DEPTH
                    && (child = pa_proc_child_for(pid, &wait)); depth++) {
        if (!pa_proc_look(child, inner, NULL, &wait)) {
            break;
        }
        apr_snprintf(buf, PA_DOING_MAX, "a process it forked (pid %ld) %s",
                     (long)child, inner);
        pid = child;
    }
    pa_proc_as_self(&ids);
    return buf;
}
