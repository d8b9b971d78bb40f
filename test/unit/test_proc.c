/* Unit tests of mod_prefork_app/proc.c: what a process is doing, read from
 * /proc, as the manager's slow-request lines say it. Each case forks a
 * child that blocks somewhere real (a TCP read, a pipe, a lock, a sleep)
 * and looks at it; the test is its parent, so it may read the child's
 * /proc/PID/syscall (ptrace rules) as the manager does its workers'. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "apr_general.h"

static pid_t kid;

static int teardown(void **state)
{
    (void)state;
    if (kid > 0) {
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        kid = 0;
    }
    return 0;
}

/* Polls what the child does until it starts with prefix (it may not have
 * reached its system call yet); the last text seen. */
static const char *doing_until(const char *prefix, char *buf)
{
    int tries = 500;
    const char *d = NULL;

    while (tries-- > 0) {
        d = pa_proc_doing(kid, buf, NULL);
        if (d && !strncmp(d, prefix, strlen(prefix))) {
            break;
        }
        usleep(10000);
    }
    return d ? d : "(unreadable)";
}

/* Without the right to read the child's system call (a container that
 * forbids tracing), only the state is known: those cases skip. */
static void need_syscall(void)
{
    char path[64];
    int fd;

    snprintf(path, sizeof(path), "/proc/%ld/syscall", (long)kid);
    fd = open(path, O_RDONLY);
    if (fd < 0) {
        skip();
    }
    close(fd);
}

static pid_t fork_reader(int fd)
{
    char c;
    pid_t pid = fork();

    if (pid == 0) {
        while (read(fd, &c, 1) != 0) {
            continue;
        }
        _exit(0);
    }
    return pid;
}

/* A client connected to a listener on loopback of family (AF_INET,
 * AF_INET6; skipped where there is none): *cfd, the accepted end *afd,
 * the listener *lfd; tcp gets "TCP a -> b" of the client, addr being
 * how the family's loopback address reads. */
static void tcp_pair(int family, const char *addr, int *lfd, int *cfd,
                     int *afd, char *tcp, size_t size)
{
    struct sockaddr_storage sa, peer;
    socklen_t len = sizeof(sa);

    memset(&sa, 0, sizeof(sa));
    sa.ss_family = family;
    if (family == AF_INET) {
        ((struct sockaddr_in *)&sa)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    else {
        ((struct sockaddr_in6 *)&sa)->sin6_addr = in6addr_loopback;
    }
    *lfd = socket(family, SOCK_STREAM, 0);
    if (*lfd < 0 || bind(*lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        skip();                 /* no IPv6 here */
    }
    assert_int_equal(listen(*lfd, 1), 0);
    assert_int_equal(getsockname(*lfd, (struct sockaddr *)&sa, &len), 0);
    *cfd = socket(family, SOCK_STREAM, 0);
    assert_int_equal(connect(*cfd, (struct sockaddr *)&sa, len), 0);
    *afd = accept(*lfd, NULL, NULL);
    assert_true(*afd >= 0);
    len = sizeof(peer);
    assert_int_equal(getsockname(*cfd, (struct sockaddr *)&peer, &len), 0);
    /* The port sits at the same place in both families' addresses. */
    snprintf(tcp, size, "TCP %s:%u -> %s:%u",
             addr, ntohs(((struct sockaddr_in *)&peer)->sin_port),
             addr, ntohs(((struct sockaddr_in *)&sa)->sin_port));
}

/* A unix socket bound at a path of its own (named after tag and our pid,
 * in sa) and listening. */
static int unix_listener(struct sockaddr_un *sa, const char *tag)
{
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof(sa->sun_path), "/tmp/pa-proc-%s.%ld.sock", tag,
             (long)getpid());
    unlink(sa->sun_path);
    assert_int_equal(bind(lfd, (struct sockaddr *)sa, sizeof(*sa)), 0);
    assert_int_equal(listen(lfd, 1), 0);
    return lfd;
}

/* A reader of a TCP connection of family: what it is said to do. */
static void check_tcp_reader(int family, const char *addr)
{
    char buf[PA_DOING_MAX], want[PA_DOING_MAX], tcp[128];
    int lfd, cfd, afd;

    tcp_pair(family, addr, &lfd, &cfd, &afd, tcp, sizeof(tcp));
    kid = fork_reader(cfd);
    need_syscall();
    snprintf(want, sizeof(want), "waiting in read() on fd %d (%s)", cfd, tcp);
    assert_string_equal(doing_until("waiting in read()", buf), want);
    close(afd);
    close(cfd);
    close(lfd);
}

/* A memo: the socket tables are not read again for the same socket. */
static void test_memo(void **state)
{
    pa_proc_memo_t memo = { NULL, 0, "" };
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int sv[2];

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    kid = fork_reader(sv[0]);
    need_syscall();
    doing_until("waiting in read()", buf);
    snprintf(want, sizeof(want), "waiting in read() on fd %d (a unix socket)", sv[0]);
    assert_string_equal(pa_proc_doing(kid, buf, &memo), want);
    assert_true(memo.inode != 0);
    assert_string_equal(memo.text, "a unix socket");
    strcpy(memo.text, "remembered");
    snprintf(want, sizeof(want), "waiting in read() on fd %d (remembered)", sv[0]);
    assert_string_equal(pa_proc_doing(kid, buf, &memo), want);
    close(sv[0]);
    close(sv[1]);
}

/* A socket in no table yet (an unbound UDP one) is "a socket", and not
 * remembered: once bound, the next look finds it. */
static void test_memo_unbound(void **state)
{
    pa_proc_memo_t memo = { NULL, 0, "" };
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    (void)state;
    kid = fork_reader(fd);
    need_syscall();
    doing_until("waiting in read()", buf);
    snprintf(want, sizeof(want), "waiting in read() on fd %d (a socket)", fd);
    assert_string_equal(pa_proc_doing(kid, buf, &memo), want);
    assert_int_equal(memo.inode, 0);
    close(fd);
}

static void test_tcp_read(void **state)
{
    (void)state;
    check_tcp_reader(AF_INET, "127.0.0.1");
}

static void test_tcp6_read(void **state)
{
    (void)state;
    check_tcp_reader(AF_INET6, "[::1]");
}

/* poll(): the descriptor comes from the array in the process's memory
 * (where database clients wait: libpq, libmysqlclient, libcurl). */
static void test_poll(void **state)
{
    char buf[PA_DOING_MAX], want[PA_DOING_MAX], tcp[96];
    const char *d;
    int lfd, cfd, afd, p[2];

    (void)state;
    tcp_pair(AF_INET, "127.0.0.1", &lfd, &cfd, &afd, tcp, sizeof(tcp));
    assert_int_equal(pipe(p), 0);
    kid = fork();
    if (kid == 0) {
        struct pollfd pfd[3] = { { -1, POLLIN, 0 }, { cfd, POLLIN, 0 }, { p[0], POLLIN, 0 } };

        poll(pfd, 3, -1);
        _exit(0);
    }
    need_syscall();
    d = doing_until("waiting in ", buf);
    /* poll(), or ppoll() where the C library makes one of the other */
    snprintf(want, sizeof(want), "poll() on fd %d (%s) and 1 more", cfd, tcp);
    assert_true(strstr(d, want) && (!strncmp(d, "waiting in poll()", 17)
                                    || !strncmp(d, "waiting in ppoll()", 18)));
    close(p[0]);
    close(p[1]);
    close(afd);
    close(cfd);
    close(lfd);
}

/* select(): the descriptors of its read set, from the process's memory
 * (Perl's IO::Select, PHP's stream_select()). */
static void test_select(void **state)
{
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    const char *d;
    int p[2], q[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    kid = fork();
    if (kid == 0) {
        fd_set rd;

        FD_ZERO(&rd);
        FD_SET(p[0], &rd);
        FD_SET(q[0], &rd);
        select((p[0] > q[0] ? p[0] : q[0]) + 1, &rd, NULL, NULL, NULL);
        _exit(0);
    }
    need_syscall();
    d = doing_until("waiting in ", buf);
    snprintf(want, sizeof(want), "() on fd %d (a pipe) and 1 more", p[0] < q[0] ? p[0] : q[0]);
    assert_true(strstr(d, want) && (!strncmp(d, "waiting in select()", 19)
                                    || !strncmp(d, "waiting in pselect6()", 21)));
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

/* epoll_wait(): what the epoll instance watches, from its fdinfo. */
static void test_epoll(void **state)
{
    struct epoll_event ev;
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    const char *d;
    int ep = epoll_create1(0), p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
    kid = fork();
    if (kid == 0) {
        epoll_wait(ep, &ev, 1, -1);
        _exit(0);
    }
    need_syscall();
    d = doing_until("waiting in ", buf);
    snprintf(want, sizeof(want), "() on fd %d (a pipe)", p[0]);
    assert_true(strstr(d, want) && (!strncmp(d, "waiting in epoll_wait()", 23)
                                    || !strncmp(d, "waiting in epoll_pwait()", 24)));
    close(p[0]);
    close(p[1]);
    close(ep);
}

/* A UDP socket (a resolver's query): its two ends. */
static void test_udp(void **state)
{
    struct sockaddr_in a, b;
    socklen_t len = sizeof(a);
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int sa = socket(AF_INET, SOCK_DGRAM, 0), sb = socket(AF_INET, SOCK_DGRAM, 0);

    (void)state;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b = a;
    assert_int_equal(bind(sa, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(bind(sb, (struct sockaddr *)&b, sizeof(b)), 0);
    assert_int_equal(getsockname(sb, (struct sockaddr *)&b, &len), 0);
    assert_int_equal(connect(sa, (struct sockaddr *)&b, sizeof(b)), 0);
    len = sizeof(a);
    assert_int_equal(getsockname(sa, (struct sockaddr *)&a, &len), 0);
    kid = fork_reader(sa);
    need_syscall();
    snprintf(want, sizeof(want), "waiting in read() on fd %d (UDP 127.0.0.1:%u -> 127.0.0.1:%u)",
             sa, ntohs(a.sin_port), ntohs(b.sin_port));
    assert_string_equal(doing_until("waiting in read()", buf), want);
    close(sa);
    close(sb);
}

static void test_pipe_read(void **state)
{
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    kid = fork_reader(p[0]);
    need_syscall();
    snprintf(want, sizeof(want), "waiting in read() on fd %d (a pipe)", p[0]);
    assert_string_equal(doing_until("waiting in read()", buf), want);
    close(p[0]);
    close(p[1]);
}

static void test_unix_read(void **state)
{
    struct sockaddr_un sa;
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int lfd = unix_listener(&sa, "test"), cfd, afd;

    (void)state;
    cfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    afd = accept(lfd, NULL, NULL);
    /* The accepted end shows the listener's path; the connecting one has
     * none. */
    kid = fork_reader(afd);
    need_syscall();
    snprintf(want, sizeof(want), "waiting in read() on fd %d (unix socket %s)", afd, sa.sun_path);
    assert_string_equal(doing_until("waiting in read()", buf), want);
    teardown(state);
    kid = fork_reader(cfd);
    snprintf(want, sizeof(want), "waiting in read() on fd %d (a unix socket)", cfd);
    assert_string_equal(doing_until("waiting in read()", buf), want);
    unlink(sa.sun_path);
    close(afd);
    close(cfd);
    close(lfd);
}

/* The worker's own socket (the memo's own_path): a connection accepted
 * on it is httpd's; the listening one is said to be. */
static void test_own_socket(void **state)
{
    struct sockaddr_un sa;
    pa_proc_memo_t memo = { NULL, 0, "" };
    char buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int lfd = unix_listener(&sa, "own"), cfd, afd;

    (void)state;
    memo.own_path = sa.sun_path;
    kid = fork();
    if (kid == 0) {
        accept(lfd, NULL, NULL);
        _exit(0);
    }
    need_syscall();
    doing_until("waiting in accept", buf);
    snprintf(want, sizeof(want), "on fd %d (its own socket, listening)", lfd);
    assert_non_null(strstr(pa_proc_doing(kid, buf, &memo), want));
    teardown(state);
    cfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    afd = accept(lfd, NULL, NULL);
    kid = fork_reader(afd);
    doing_until("waiting in read()", buf);
    memo.inode = 0;
    snprintf(want, sizeof(want), "waiting in read() on fd %d (httpd's connection)", afd);
    assert_string_equal(pa_proc_doing(kid, buf, &memo), want);
    unlink(sa.sun_path);
    close(afd);
    close(cfd);
    close(lfd);
}

static void test_flock(void **state)
{
    char path[] = "/tmp/pa-proc-lock.XXXXXX", buf[PA_DOING_MAX], want[PA_DOING_MAX];
    int fd = mkstemp(path), fd2;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    fd2 = open(path, O_RDONLY);     /* its own open file: flock() waits */
    kid = fork();
    if (kid == 0) {
        flock(fd2, LOCK_EX);
        _exit(0);
    }
    need_syscall();
    snprintf(want, sizeof(want), "waiting in flock() on fd %d (%s)", fd2, path);
    assert_string_equal(doing_until("waiting in flock()", buf), want);
    unlink(path);
    close(fd);
    close(fd2);
}

static void test_sleep_no_fd(void **state)
{
    char buf[PA_DOING_MAX];
    const char *d;

    (void)state;
    kid = fork();
    if (kid == 0) {
        sleep(60);
        _exit(0);
    }
    need_syscall();
    d = doing_until("waiting in ", buf);
    assert_true(!strcmp(d, "waiting in clock_nanosleep()") || !strcmp(d, "waiting in nanosleep()"));
}

static void test_running_and_stopped(void **state)
{
    char buf[PA_DOING_MAX];

    (void)state;
    kid = fork();
    if (kid == 0) {
        for (;;) {
            continue;
        }
    }
    assert_string_equal(doing_until("running", buf), "running on a CPU");
    kill(kid, SIGSTOP);
    assert_string_equal(doing_until("stopped", buf), "stopped (SIGSTOP, or a debugger)");
}

/* A process that sleeps (until its parent dies), after telling its pid on
 * fd tell. */
static void sleeper(int tell)
{
    pid_t me = getpid();

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    assert_int_equal(write(tell, &me, sizeof(me)), sizeof(me));
    sleep(60);
    _exit(0);
}

static pid_t told(int fd)
{
    pid_t pid = 0;

    assert_int_equal(read(fd, &pid, sizeof(pid)), sizeof(pid));
    return pid;
}

static void assert_forked_sleeps(pid_t pid, char *buf)
{
    char want[PA_DOING_MAX];
    const char *d;

    snprintf(want, sizeof(want), "a process it forked (pid %ld) waiting in ", (long)pid);
    d = doing_until(want, buf);
    assert_true(!strncmp(d, want, strlen(want)));
    assert_non_null(strstr(d, "nanosleep()"));
}

/* Waiting for a child (wait4(), or reading its pipe: fcgiwrap, a page's
 * system()), a worker is described by that child. */
static void test_forked_wait(void **state)
{
    char buf[PA_DOING_MAX];
    int tell[2];

    (void)state;
    assert_int_equal(pipe(tell), 0);
    kid = fork();
    if (kid == 0) {
        pid_t gc = fork();

        if (gc == 0) {
            sleeper(tell[1]);
        }
        waitpid(gc, NULL, 0);
        _exit(0);
    }
    need_syscall();
    assert_forked_sleeps(told(tell[0]), buf);
    close(tell[0]);
    close(tell[1]);
}

static void test_forked_pipe(void **state)
{
    char buf[PA_DOING_MAX], c;
    int tell[2], out[2];

    (void)state;
    assert_int_equal(pipe(tell), 0);
    assert_int_equal(pipe(out), 0);
    kid = fork();
    if (kid == 0) {
        if (fork() == 0) {
            dup2(out[1], 1);    /* its output: where a parent reads it */
            sleeper(tell[1]);
        }
        close(out[1]);
        while (read(out[0], &c, 1) > 0) {
            continue;
        }
        _exit(0);
    }
    close(out[0]);
    need_syscall();
    assert_forked_sleeps(told(tell[0]), buf);
    close(out[1]);
    close(tell[0]);
    close(tell[1]);
}

/* Not a worker that waits for something else (here a socket) while a
 * child of its own sleeps. */
static void test_forked_other_wait(void **state)
{
    char buf[PA_DOING_MAX], want[PA_DOING_MAX], c;
    int tell[2], sv[2];

    (void)state;
    assert_int_equal(pipe(tell), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    kid = fork();
    if (kid == 0) {
        if (fork() == 0) {
            sleeper(tell[1]);
        }
        while (read(sv[0], &c, 1) > 0) {
            continue;
        }
        _exit(0);
    }
    need_syscall();
    told(tell[0]);
    snprintf(want, sizeof(want), "waiting in read() on fd %d (a unix socket)", sv[0]);
    assert_string_equal(doing_until("waiting in read()", buf), want);
    close(sv[0]);
    close(sv[1]);
    close(tell[0]);
    close(tell[1]);
}

/* FCGI::ProcManager: children idle in accept() on fd 0 are passed over
 * for the one at work, itself a wrapper waiting for its own child; also
 * past the first kilobyte of the children list (130 of them, as
 * PHP_FCGI_CHILDREN may have). */
static void test_forked_accepting(void **state)
{
    char buf[PA_DOING_MAX];
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int tell[2], ls;

    (void)state;
    assert_int_equal(pipe(tell), 0);
    ls = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ls, (struct sockaddr *)&a, alen), 0);
    assert_int_equal(listen(ls, 4), 0);
    kid = fork();
    if (kid == 0) {
        pid_t w;

        int i;

        dup2(ls, 0);
        for (i = 0; i < 130; i++) {
            if (fork() == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                accept(0, NULL, NULL);
                _exit(0);
            }
        }
        if ((w = fork()) == 0) {
            pid_t gc;

            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if ((gc = fork()) == 0) {
                sleeper(tell[1]);
            }
            waitpid(gc, NULL, 0);
            _exit(0);
        }
        for (;;) {
            wait(NULL);
        }
    }
    close(ls);
    need_syscall();
    assert_forked_sleeps(told(tell[0]), buf);
    close(tell[0]);
    close(tell[1]);
}

/* A worker with a helper of its own (a coprocess idle in read() on a
 * pipe) that waits for another child it started (system()): that one. */
static void test_forked_helper(void **state)
{
    char buf[PA_DOING_MAX], c;
    int tell[2], idle[2];

    (void)state;
    assert_int_equal(pipe(tell), 0);
    assert_int_equal(pipe(idle), 0);
    kid = fork();
    if (kid == 0) {
        pid_t s;

        if (fork() == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            while (read(idle[0], &c, 1) > 0) {
                continue;
            }
            _exit(0);
        }
        if ((s = fork()) == 0) {
            sleeper(tell[1]);
        }
        waitpid(s, NULL, 0);
        _exit(0);
    }
    need_syscall();
    assert_forked_sleeps(told(tell[0]), buf);
    close(tell[0]);
    close(tell[1]);
    close(idle[0]);
    close(idle[1]);
}

/* Nor the helper for a pipe that no child holds (a self-pipe). */
static void test_forked_self_pipe(void **state)
{
    char buf[PA_DOING_MAX], c;
    const char *d;
    int tell[2], self[2];

    (void)state;
    assert_int_equal(pipe(tell), 0);
    kid = fork();
    if (kid == 0) {
        if (fork() == 0) {
            sleeper(tell[1]);
        }
        assert_int_equal(pipe(self), 0);
        while (read(self[0], &c, 1) > 0) {
            continue;
        }
        _exit(0);
    }
    need_syscall();
    told(tell[0]);
    d = doing_until("waiting in read() on fd ", buf);
    assert_true(!strncmp(d, "waiting in read() on fd ", 24));
    assert_non_null(strstr(d, "(a pipe)"));
    assert_null(strstr(d, "forked"));
    close(tell[0]);
    close(tell[1]);
}

static void test_gone(void **state)
{
    char buf[PA_DOING_MAX];
    pid_t pid = fork();

    (void)state;
    if (pid == 0) {
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    assert_null(pa_proc_doing(pid, buf, NULL));
}

static void test_stat_and_rss(void **state)
{
    char buf[512];
    const char *f = pa_proc_stat(getpid(), buf, sizeof(buf));

    (void)state;
    assert_non_null(f);
    assert_int_equal(f[0], ' ');
    assert_int_equal(pa_proc_id(getpid(), PA_PROC_PPID), (long)getppid());
    assert_int_equal(pa_proc_id(getpid(), PA_PROC_SESSION), (long)getsid(0));
    assert_true(pa_proc_rss(getpid()) > 0);
    assert_int_equal(pa_proc_rss(-1), -1);
}

/* test_title: this program run again as "x", the title in its
 * environment: it sets it and prints what ps would show (its command line
 * up to the first NUL, and its comm), and the title as getenv() still
 * finds it. */
#define TITLE_ENV "PA_TEST_TITLE"

static int titled(const char *title)
{
    apr_pool_t *p;
    char line[4096] = "", comm[64] = "";
    FILE *f;

    apr_initialize();
    apr_pool_create(&p, NULL);
    pa_title_room(p);
    pa_set_title(title, "pa-test");
    if ((f = fopen("/proc/self/cmdline", "r"))) {
        line[fread(line, 1, sizeof(line) - 1, f)] = '\0';
        fclose(f);
    }
    if ((f = fopen("/proc/self/comm", "r"))) {
        if (fgets(comm, sizeof(comm), f)) {
            comm[strcspn(comm, "\n")] = '\0';
        }
        fclose(f);
    }
    printf("%s|%s|%s", line, comm, getenv(TITLE_ENV));
    return 0;
}

/* httpd's command line may be short ("/usr/sbin/apache2 -k start"): a
 * title longer than it takes the environment's room after it. */
static void test_title(void **state)
{
    extern char **environ;
    const char *title = "httpd (mod_prefork_app cgi launcher: an_app_with_a_long_name)";
    char env0[256], got[1024];
    char *argv[] = { "x", NULL };
    char *envp[256];
    int fds[2], k = 0;
    ssize_t n, len = 0;

    (void)state;
    snprintf(env0, sizeof(env0), "%s=%s", TITLE_ENV, title);
    /* The title's variable and ours (LD_LIBRARY_PATH may find APR). */
    envp[k++] = env0;
    for (n = 0; environ[n] && k < 255; n++) {
        envp[k++] = environ[n];
    }
    envp[k] = NULL;
    assert_int_equal(pipe(fds), 0);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        dup2(fds[1], 1);
        execve("/proc/self/exe", argv, envp);
        _exit(127);
    }
    close(fds[1]);
    while ((n = read(fds[0], got + len, sizeof(got) - 1 - len)) > 0) {
        len += n;
    }
    close(fds[0]);
    got[len] = '\0';
    waitpid(kid, NULL, 0);
    kid = 0;
    snprintf(env0, sizeof(env0), "%s|pa-test|%s", title, title);
    assert_string_equal(got, env0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_title, teardown),
        cmocka_unit_test_teardown(test_tcp_read, teardown),
        cmocka_unit_test_teardown(test_tcp6_read, teardown),
        cmocka_unit_test_teardown(test_pipe_read, teardown),
        cmocka_unit_test_teardown(test_unix_read, teardown),
        cmocka_unit_test_teardown(test_memo, teardown),
        cmocka_unit_test_teardown(test_memo_unbound, teardown),
        cmocka_unit_test_teardown(test_poll, teardown),
        cmocka_unit_test_teardown(test_epoll, teardown),
        cmocka_unit_test_teardown(test_select, teardown),
        cmocka_unit_test_teardown(test_udp, teardown),
        cmocka_unit_test_teardown(test_own_socket, teardown),
        cmocka_unit_test_teardown(test_flock, teardown),
        cmocka_unit_test_teardown(test_sleep_no_fd, teardown),
        cmocka_unit_test_teardown(test_running_and_stopped, teardown),
        cmocka_unit_test_teardown(test_forked_wait, teardown),
        cmocka_unit_test_teardown(test_forked_pipe, teardown),
        cmocka_unit_test_teardown(test_forked_other_wait, teardown),
        cmocka_unit_test_teardown(test_forked_accepting, teardown),
        cmocka_unit_test_teardown(test_forked_helper, teardown),
        cmocka_unit_test_teardown(test_forked_self_pipe, teardown),
        cmocka_unit_test_teardown(test_gone, teardown),
        cmocka_unit_test(test_stat_and_rss),
    };

    if (getenv(TITLE_ENV)) {
        /* A copy: the environment's strings become the title's room. */
        static char title[512];

        snprintf(title, sizeof(title), "%s", getenv(TITLE_ENV));
        return titled(title);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
