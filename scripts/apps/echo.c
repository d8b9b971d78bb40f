/* echo: a libfcgi test app that shows what it was given and answers as told.
 * Its listen socket is fd 0. With --scgi it speaks SCGI instead (its own
 * small server: one request per connection, stderr lines on fd 2). With
 * --cgi, or GATEWAY_INTERFACE in its environment, it is a CGI program: one
 * request from its environment and stdin (read to EOF), answered on stdout.
 * Query parameters (combine freely; asked in the FastCGI Authorizer role, it
 * takes them from the request header X-Authorizer instead, so that the
 * authorizer and the app behind it can be told apart):
 *   status=N         send "Status: N"
 *   userless=N       without REMOTE_USER, send "Status: N" (an Authorizer
 *                    that wants a logged-in user)
 *   failif=FILE      while FILE exists, send "Status: 500 App Broke" and
 *                    "X-App-Error: yes" (an app failing for a while)
 *   redirect=URL     send "Location: URL" (a local redirect when it starts with /)
 *   postredirect=URL the same, to a POST only
 *   header=Name:val  an extra response header (header2=, header3= for more)
 *   show=A,B         a header "Variable-SEEN_A: value of variable A" (or
 *                    "(unset)") for each: what an Authorizer was given
 *                    shows in the variables of the app behind it
 *   etag=X           send ETag: "X" (for conditional requests)
 *   cl=1             send Content-Length
 *   bytes=N          the body is N bytes of a fixed pattern instead of the dump
 *   echo=body        the body is the request body, as received
 *   grow=M           allocate and touch M MiB that are never freed (a leak)
 *   sleep=S          sleep S seconds (fractions allowed) before answering
 *   wait=FILE        answer once FILE exists (at most 60 s)
 *   connect=PORT     connect to 127.0.0.1:PORT and read from it until it
 *                    closes, before answering (an app waiting for its
 *                    database)
 *   waitget=FILE     the same, to a GET only
 *   started=FILE     create FILE once the request is read (a test then
 *                    knows that the app has it)
 *   slowstream=FILE  send "first\n", flush, wait until FILE exists, send "second\n"
 *   drip=N           the body is N lines of 100 bytes, each flushed, 5 ms
 *                    apart (a reply streamed with no pause of 20 ms)
 *   dripdone=FILE    with drip=N: create FILE once the last line is sent
 *   tiny=N           the body is N bytes of "x", each flushed on its own (in
 *                    FastCGI a record of one byte each: an app that flushes
 *                    every small write); with piece=B, N pieces of B bytes
 *                    (at most 1000); with gap=US, US microseconds apart
 *   after=FILE       with bytes=N: send the N bytes, flush, end the reply
 *                    only once FILE exists (at most 60 s)
 *   die=FILE         exit without answering if FILE does not exist (creating it):
 *                    so only the first attempt dies; die=always always dies
 *                    (after grow=, sleep= and wait=: at a moment a test
 *                    chooses)
 *   stderr=a|b       write lines "a" and "b" to FCGI_STDERR
 *   rawerr=N         write N lines of 100 bytes to the process's own stderr
 *                    (fd 2: the manager logs them), as a PHP notice goes;
 *                    with raw8=1, lines of 1000 bytes of 0xE9 (Latin-1
 *                    text, which httpd logs as \xe9 each)
 *   nohead=1         answer nothing at all
 *   bigheader=N      an extra header "X-Big: " with N bytes of value
 *   cut=1            promise Content-Length: 1000, send 10 bytes and exit
 *   nobody=1         headers only (as for HEAD), whatever else was asked
 *   readmax=N        read at most N bytes of the body and answer, leaving the
 *                    rest unread (as an app that refuses an upload does)
 *   headfirst=S      FastCGI: send the header block (Content-Type, failif=,
 *                    header=
 *                    and the like) before reading the body, flush, sleep S
 *                    seconds, then read the body and answer as whoami=1
 *   headwait=FILE    the same as headfirst=, waiting until FILE exists (at
 *                    most 60 s) instead of a pause
 *   progress=S       with headfirst=: while the body is read, a line
 *                    "got N" (bytes read so far) after each read, flushed,
 *                    then a pause of S seconds (a slow reader)
 *   pwd=1            the body is its working directory
 *   whoami=1         the body is "pid=P served=N conn=I" (N: requests this process
 *                    served, I: the inode of the connection it came on)
 *   exit=N           CGI only: exit with status N once the reply is written
 * The default body: "method=...", every variable sorted, then the request
 * body's length and FNV-1a hash. With --crash (FastCGI) it exits with status
 * 3 half a second into every request: a build that starts but does not
 * work. With --linger it ignores SIGTERM and, told to go, hangs instead of
 * leaving (a worker stuck in its shutdown: SIGKILLed at die-timeout).
 */
#include <fcgiapp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "wait_file.h"

#define MAX_BODY (64 * 1024 * 1024)

static void *volatile leaked;       /* grow= */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The decoded value of key in the query string, or NULL (static storage). */
/* connect=PORT: reads from 127.0.0.1:PORT until it closes. */
static void wait_for_peer(int port)
{
    struct sockaddr_in sa;
    char buf[512];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
        while (read(fd, buf, sizeof(buf)) > 0) {
            continue;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
}

static const char *param(const char *qs, const char *key)
{
    static char out[4096];
    size_t klen = strlen(key);
    const char *p = qs;

    while (p && *p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);

        if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            const char *s = p + klen + 1, *e = p + len;
            char *o = out;

            while (s < e && o < out + sizeof(out) - 1) {
                if (*s == '%' && e - s >= 3 && hexval(s[1]) >= 0
                    && hexval(s[2]) >= 0) {
                    *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
                    s += 3;
                }
                else {
                    *o++ = *s == '+' ? ' ' : *s;
                    s++;
                }
            }
            *o = '\0';
            return out;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

static void sleep_seconds(double s)
{
    struct timespec ts;

    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0) {
        continue;
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One request, whichever protocol brought it. */
typedef struct conv_t {
    char **envp;                /* NAME=VALUE, NULL-terminated */
    char *body;
    size_t body_len;
    int fd;                     /* the connection */
    FCGX_Request *fcgi;         /* NULL under SCGI */
    FILE *out;                  /* SCGI: the connection, buffered */
    int head_sent;              /* headfirst=: the header block went already */
} conv_t;

static void put(conv_t *c, const char *s, size_t n)
{
    if (c->fcgi) {
        FCGX_PutStr(s, (int)n, c->fcgi->out);
    }
    else {
        fwrite(s, 1, n, c->out);
    }
}

static void say(conv_t *c, const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    put(c, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void flush(conv_t *c)
{
    if (c->fcgi) {
        FCGX_FFlush(c->fcgi->out);
    }
    else {
        fflush(c->out);
    }
}

/* FastCGI: FCGI_STDERR; SCGI: the process's stderr (the server's log). */
static void complain(conv_t *c, const char *s)
{
    if (c->fcgi) {
        FCGX_PutS(s, c->fcgi->err);
    }
    else {
        fputs(s, stderr);
        fflush(stderr);
    }
}

static const char *getparam(conv_t *c, const char *name)
{
    size_t n = strlen(name);
    int i;

    for (i = 0; c->envp[i]; i++) {
        if (!strncmp(c->envp[i], name, n) && c->envp[i][n] == '=') {
            return c->envp[i] + n + 1;
        }
    }
    return NULL;
}

/* progress: the reply goes on while the body comes in (progress=S: the
 * pause after each read, or < 0 for none of that). */
static char *fcgi_body(conv_t *c, FCGX_Stream *in, size_t max, size_t *len,
                       double progress)
{
    size_t cap = 65536;
    char *buf = malloc(cap);
    int n;

    *len = 0;
    while (buf && *len < max
           && (n = FCGX_GetStr(buf + *len, (int)((cap < max ? cap : max) - *len),
                               in)) > 0) {
        *len += (size_t)n;
        if (progress >= 0) {
            say(c, "got %zu\n", *len);
            flush(c);
            sleep_seconds(progress);
        }
        if (*len == cap) {
            if (cap >= MAX_BODY) {
                break;
            }
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    return buf;
}

static unsigned long fnv1a(const char *p, size_t len)
{
    unsigned long h = 2166136261UL;
    size_t i;

    for (i = 0; i < len; i++) {
        h = ((h ^ (unsigned char)p[i]) * 16777619UL) & 0xffffffffUL;
    }
    return h;
}

static unsigned long served;

/* Where this request's instructions are: the query string, or for an
 * Authorizer (libfcgi names the role in FCGI_ROLE) the X-Authorizer
 * request header. */
static const char *instructions(conv_t *c)
{
    const char *role = getparam(c, "FCGI_ROLE");

    if (role && !strcmp(role, "AUTHORIZER")) {
        return getparam(c, "HTTP_X_AUTHORIZER");
    }
    return getparam(c, "QUERY_STRING");
}

/* header=, header2=, header3=: lines of the header block as given. */
static void extra_headers(conv_t *c, const char *qs)
{
    static const char *const names[] = { "header", "header2", "header3" };
    const char *v;
    size_t i;

    if ((v = param(qs, "failif")) != NULL && access(v, F_OK) == 0) {
        say(c, "Status: 500 App Broke\r\nX-App-Error: yes\r\n");
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((v = param(qs, names[i])) != NULL) {
            say(c, "%s\r\n", v);
        }
    }
    if ((v = param(qs, "show")) != NULL) {
        char *list = strdup(v), *name, *state;

        for (name = strtok_r(list, ",", &state); name;
             name = strtok_r(NULL, ",", &state)) {
            const char *val = getparam(c, name);

            say(c, "Variable-SEEN_%s: %s\r\n", name, val ? val : "(unset)");
        }
        free(list);
    }
}

/* headfirst=S (headwait=FILE): the header block before the body is read,
 * then a pause of S seconds (until FILE exists). */
static void head_first(conv_t *c, double seconds, const char *file)
{
    say(c, "Content-Type: text/plain; charset=utf-8\r\n");
    extra_headers(c, instructions(c));
    say(c, "\r\n");
    flush(c);
    if (file) {
        wait_for_file(file);
    }
    else {
        sleep_seconds(seconds);
    }
    c->head_sent = 1;
}

static void respond(conv_t *c)
{
    const char *qs = instructions(c);
    const char *v, *m;
    char *body = c->body, *copy;
    char **vars;
    size_t body_len = c->body_len, n, i;
    long bytes = -1;
    int echo_body = 0;

    if (!qs) {
        qs = "";
    }

    if ((v = param(qs, "started")) != NULL) {
        close(open(v, O_WRONLY | O_CREAT, 0644));
    }
    if ((v = param(qs, "grow")) != NULL) {
        size_t len = (size_t)atol(v) << 20;
        char *leak = len ? malloc(len) : NULL;

        if (leak) {
            memset(leak, 1, len);
            leaked = leak;          /* reachable: not optimised away */
        }
    }
    if ((v = param(qs, "sleep")) != NULL) {
        sleep_seconds(atof(v));
    }
    if ((v = param(qs, "wait")) != NULL) {
        wait_for_file(v);
    }
    if ((v = param(qs, "die")) != NULL) {
        if (!strcmp(v, "always")) {
            _exit(3);
        }
        if (access(v, F_OK) != 0) {
            close(open(v, O_WRONLY | O_CREAT, 0644));
            _exit(3);
        }
    }
    if ((v = param(qs, "connect")) != NULL) {
        wait_for_peer(atoi(v));
    }
    if ((v = param(qs, "waitget")) != NULL
        && (m = getparam(c, "REQUEST_METHOD")) && !strcmp(m, "GET")) {
        wait_for_file(v);
    }
    if ((v = param(qs, "rawerr")) != NULL) {
        unsigned long lines = strtoul(v, NULL, 10);    /* before param()
                                                         * reuses v */
        int raw8 = param(qs, "raw8") != NULL;
        char latin1[1001];

        memset(latin1, 0xe9, 1000);
        latin1[1000] = '\0';
        for (i = 0; i < lines; i++) {
            fprintf(stderr, "rawerr line %06d %s\n", (int)i, raw8 ? latin1
                    : "........................................"
                      "........................................");
        }
        fflush(stderr);
    }
    if ((v = param(qs, "stderr")) != NULL) {
        copy = strdup(v);
        for (i = 0; copy[i]; i++) {
            if (copy[i] == '|') {
                copy[i] = '\n';
            }
        }
        complain(c, copy);
        complain(c, "\n");
        free(copy);
    }
    if (param(qs, "nohead")) {
        return;
    }
    if (c->head_sent) {
        goto body;
    }

    echo_body = (v = param(qs, "echo")) != NULL && !strcmp(v, "body");
    if ((v = param(qs, "bytes")) != NULL) {
        bytes = atol(v);
    }
    say(c, "%s", echo_body || bytes >= 0
                 ? "Content-Type: application/octet-stream\r\n"
                 : "Content-Type: text/plain; charset=utf-8\r\n");
    if ((v = param(qs, "status")) != NULL) {
        say(c, "Status: %s\r\n", v);
    }
    if ((v = param(qs, "userless")) != NULL && !getparam(c, "REMOTE_USER")) {
        say(c, "Status: %s\r\n", v);
    }
    if ((v = param(qs, "redirect")) != NULL
        || ((v = param(qs, "postredirect")) != NULL
            && (m = getparam(c, "REQUEST_METHOD")) && !strcmp(m, "POST"))) {
        say(c, "Location: %s\r\n", v);
    }
    extra_headers(c, qs);
    if ((v = param(qs, "etag")) != NULL) {
        say(c, "ETag: \"%s\"\r\n", v);
    }
    if ((v = param(qs, "bigheader")) != NULL) {
        long k = atol(v);

        say(c, "X-Big: ");
        while (k-- > 0) {
            put(c, "b", 1);
        }
        say(c, "\r\n");
    }
    if (param(qs, "cut")) {
        say(c, "Content-Length: 1000\r\n\r\n0123456789");
        flush(c);
        _exit(3);
    }
    if (param(qs, "cl")) {
        say(c, "Content-Length: %ld\r\n",
            echo_body ? (long)body_len : bytes >= 0 ? bytes : 0L);
    }
    say(c, "\r\n");

    if (param(qs, "nobody")) {
        return;
    }
body:
    if ((v = param(qs, "drip")) != NULL) {
        static const char line[] = "drip: 0123456789abcdefghijklmnopqrstuvwxyz"
                                   "0123456789abcdefghijklmnopqrstuvwxyz"
                                   "0123456789abcdefghijk\n";
        struct timespec gap = { 0, 5 * 1000 * 1000 };
        long k = atol(v);

        while (k-- > 0) {
            put(c, line, sizeof(line) - 1);
            flush(c);
            nanosleep(&gap, NULL);
        }
        if ((v = param(qs, "dripdone")) != NULL) {
            close(open(v, O_WRONLY | O_CREAT, 0644));
        }
    }
    else if ((v = param(qs, "tiny")) != NULL) {
        static char xs[1000];
        long k = atol(v);
        long piece = (v = param(qs, "piece")) != NULL ? atol(v) : 1;
        long gap = (v = param(qs, "gap")) != NULL ? atol(v) : 0;
        struct timespec ts = { 0, gap * 1000 };

        memset(xs, 'x', sizeof(xs));
        piece = piece < 1 ? 1 : piece > 1000 ? 1000 : piece;
        while (k-- > 0) {
            put(c, xs, (size_t)piece);
            flush(c);
            if (gap > 0) {
                nanosleep(&ts, NULL);
            }
        }
    }
    else if ((v = param(qs, "slowstream")) != NULL) {
        char *file = strdup(v);

        say(c, "first\n");
        flush(c);
        wait_for_file(file);
        say(c, "second\n");
        free(file);
    }
    else if (param(qs, "pwd")) {
        char dir[4096];

        say(c, "%s\n", getcwd(dir, sizeof(dir)) ? dir : "?");
    }
    else if (param(qs, "whoami") || c->head_sent) {
        struct stat st;

        say(c, "pid=%ld served=%lu conn=%lu\n", (long)getpid(), served,
            fstat(c->fd, &st) == 0 ? (unsigned long)st.st_ino : 0UL);
    }
    else if (echo_body) {
        put(c, body, body_len);
    }
    else if (bytes >= 0) {
        static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
        long left = bytes;

        while (left > 0) {
            int k = left < (long)sizeof(pattern) - 1 ? (int)left
                                                      : (int)sizeof(pattern) - 1;

            put(c, pattern, (size_t)k);
            left -= k;
        }
        if ((v = param(qs, "after")) != NULL) {
            char *file = strdup(v);

            flush(c);
            wait_for_file(file);
            free(file);
        }
    }
    else {
        for (n = 0; c->envp[n]; n++) {
            continue;
        }
        vars = malloc(sizeof(*vars) * (n + 1));
        memcpy(vars, c->envp, sizeof(*vars) * n);
        qsort(vars, n, sizeof(*vars), by_string);
        v = getparam(c, "REQUEST_METHOD");
        say(c, "method=%s\n", v ? v : "(null)");
        for (i = 0; i < n; i++) {
            put(c, vars[i], strlen(vars[i]));
            put(c, "\n", 1);
        }
        say(c, "body_length=%lu\nbody_fnv=%08lx\n",
            (unsigned long)body_len, fnv1a(body, body_len));
        free(vars);
    }
}

/* ---- SCGI ------------------------------------------------------------------ */

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

/* Exactly len bytes from fd, or -1. */
static int read_full(int fd, char *buf, size_t len)
{
    while (len) {
        ssize_t n = read(fd, buf, len);

        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read the header netstring and the body from fd into c; 0 on success. */
static int scgi_read(int fd, conv_t *c, char **hbuf)
{
    size_t hlen = 0, i, n = 0, pairs;
    const char *cl;
    char ch;

    for (;;) {
        if (read_full(fd, &ch, 1) != 0) {
            return -1;
        }
        if (ch == ':') {
            break;
        }
        if (ch < '0' || ch > '9' || hlen > 10000000) {
            return -1;
        }
        hlen = hlen * 10 + (size_t)(ch - '0');
    }
    *hbuf = malloc(hlen + 1);
    if (!*hbuf || read_full(fd, *hbuf, hlen + 1) != 0 || (*hbuf)[hlen] != ',') {
        return -1;
    }
    (*hbuf)[hlen] = '\0';               /* a stray last pair stops here */
    for (i = 0; i < hlen; i++) {
        n += (*hbuf)[i] == '\0';
    }
    c->envp = calloc(n / 2 + 1, sizeof(char *));
    for (i = 0, pairs = n / 2, n = 0; i < hlen && n < pairs; n++) {
        char *name = *hbuf + i, *value = name + strlen(name) + 1;
        size_t nl = strlen(name), vl = strlen(value);

        c->envp[n] = malloc(nl + vl + 2);
        sprintf(c->envp[n], "%s=%s", name, value);
        i += nl + vl + 2;
    }
    cl = getparam(c, "CONTENT_LENGTH");
    c->body_len = cl ? (size_t)strtoul(cl, NULL, 10) : 0;
    if (c->body_len > MAX_BODY) {
        return -1;
    }
    c->body = malloc(c->body_len + 1);
    return c->body ? read_full(fd, c->body, c->body_len) : -1;
}

static int cgi_main(void)
{
    extern char **environ;
    conv_t c;
    size_t cap = 65536, max = MAX_BODY;
    const char *v;
    ssize_t n;

    memset(&c, 0, sizeof(c));
    c.envp = environ;
    c.fd = 1;
    c.out = stdout;
    c.body = malloc(cap);
    if ((v = param(getenv("QUERY_STRING"), "readmax")) != NULL) {
        max = (size_t)atol(v);
    }
    /* To EOF, not CONTENT_LENGTH: the server must end stdin after the body. */
    while (c.body && c.body_len < max
           && (n = read(0, c.body + c.body_len,
                        (cap < max ? cap : max) - c.body_len)) > 0) {
        c.body_len += (size_t)n;
        if (c.body_len == cap) {
            if (cap >= MAX_BODY) {
                break;
            }
            cap *= 2;
            c.body = realloc(c.body, cap);
        }
    }
    served = 1;
    respond(&c);
    fflush(stdout);
    free(c.body);
    v = param(getenv("QUERY_STRING"), "exit");
    return v ? atoi(v) : 0;
}

static int scgi_main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;            /* no SA_RESTART: accept() returns */
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stopping) {
        conv_t c;
        char *hbuf = NULL;
        int fd = accept(0, NULL, NULL);

        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 1;
        }
        memset(&c, 0, sizeof(c));
        c.fd = fd;
        served++;
        if (scgi_read(fd, &c, &hbuf) == 0) {
            c.out = fdopen(fd, "w");
            respond(&c);
            fclose(c.out);              /* closes fd: the end of the reply */
        }
        else {
            close(fd);
        }
        for (size_t i = 0; c.envp && c.envp[i]; i++) {
            free(c.envp[i]);
        }
        free(c.envp);
        free(c.body);
        free(hbuf);
    }
    return 0;
}

int main(int argc, char **argv)
{
    FCGX_Request rq;
    int crash = argc > 1 && !strcmp(argv[1], "--crash");
    int linger = argc > 1 && !strcmp(argv[1], "--linger");

    if (argc > 1 && !strcmp(argv[1], "--scgi")) {
        return scgi_main();
    }
    /* Run by a CGI server as is (mod_cgid): GATEWAY_INTERFACE says so. */
    if ((argc > 1 && !strcmp(argv[1], "--cgi")) || getenv("GATEWAY_INTERFACE")) {
        return cgi_main();
    }
    if (linger) {
        signal(SIGTERM, SIG_IGN);
    }
    FCGX_Init();
    FCGX_InitRequest(&rq, 0, 0);
    while (FCGX_Accept_r(&rq) >= 0) {
        conv_t c;
        const char *v, *progress;

        if (crash) {
            usleep(500000);
            _exit(3);
        }

        memset(&c, 0, sizeof(c));
        c.fcgi = &rq;
        c.envp = rq.envp;
        c.fd = rq.ipcFd;
        served++;
        if ((v = param(getparam(&c, "QUERY_STRING"), "headfirst")) != NULL) {
            head_first(&c, atof(v), NULL);
        }
        else if ((v = param(getparam(&c, "QUERY_STRING"), "headwait")) != NULL) {
            char *file = strdup(v);     /* param()'s buffer is reused */

            head_first(&c, 0, file);
            free(file);
        }
        progress = c.head_sent
                   ? param(getparam(&c, "QUERY_STRING"), "progress") : NULL;
        v = param(getparam(&c, "QUERY_STRING"), "readmax");
        c.body = fcgi_body(&c, rq.in, v ? (size_t)atol(v) : MAX_BODY, &c.body_len,
                           progress ? atof(progress) : -1);
        respond(&c);
        free(c.body);
        FCGX_Finish_r(&rq);
    }
    while (linger) {
        pause();
    }
    return 0;
}
