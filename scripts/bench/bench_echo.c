/* bench_echo: the other end of bench_hello's BenchHelloRoundTrip, for
 * scripts/bench/dispatch (BENCH_FLOOR=1). Listens on the unix socket
 * argv[1] and serves each connection in a process of its own, which
 * answers every message it reads with a reply of about a hello's size.
 * Built by the benchmark with cc; never installed. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define REPLY_LEN 160

static void serve(int c)
{
    char buf[4096], reply[REPLY_LEN];

    memset(reply, 'y', sizeof(reply));
    while (read(c, buf, sizeof(buf)) > 0) {
        if (write(c, reply, sizeof(reply)) != (ssize_t)sizeof(reply)) {
            break;
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    int l, c;

    if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: bench_echo SOCKET\n");
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || listen(l, 64) != 0) {
        perror("bench_echo");
        return 1;
    }
    /* httpd's children run as another user when it is started as root. */
    chmod(argv[1], 0666);
    signal(SIGCHLD, SIG_IGN);
    for (;;) {
        c = accept(l, NULL, NULL);
        if (c < 0) {
            continue;
        }
        if (fork() == 0) {
            close(l);
            serve(c);
        }
        close(c);
    }
}
