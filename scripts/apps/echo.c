/* echo: a libfcgi test app that shows what it was given and answers as told.
 * Its listen socket is fd 0. Query parameters (combine freely):
 *   status=N         send "Status: N"
 *   redirect=URL     send "Location: URL" (a local redirect when it starts with /)
 *   header=Name:val  an extra response header (one)
 *   etag=X           send ETag: "X" (for conditional requests)
 *   cl=1             send Content-Length
 *   bytes=N          the body is N bytes of a fixed pattern instead of the dump
 *   echo=body        the body is the request body, as received
 *   sleep=S          sleep S seconds (fractions allowed) before answering
 *   wait=FILE        answer once FILE exists (at most 60 s)
 *   slowstream=FILE  send "first\n", flush, wait until FILE exists, send "second\n"
 *   die=FILE         exit without answering if FILE does not exist (creating it):
 *                    so only the first attempt dies; die=always always dies
 *   stderr=a|b       write lines "a" and "b" to FCGI_STDERR
 *   nohead=1         answer nothing at all
 *   whoami=1         the body is "pid=P served=N conn=I" (N: requests this process
 *                    served, I: the inode of the connection it came on)
 * The default body: "method=...", every variable sorted, then the request
 * body's length and FNV-1a hash.
 */
#include <fcgiapp.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (64 * 1024 * 1024)

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

/* Bounded, so that a failed test cannot leave a worker stuck. */
static void wait_for_file(const char *file)
{
    int waited = 0;

    while (access(file, F_OK) != 0 && waited++ < 6000) {
        sleep_seconds(0.01);
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_body(FCGX_Stream *in, size_t *len)
{
    size_t cap = 65536;
    char *buf = malloc(cap);
    int n;

    *len = 0;
    while (buf && (n = FCGX_GetStr(buf + *len, (int)(cap - *len), in)) > 0) {
        *len += (size_t)n;
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

static void respond(FCGX_Request *rq)
{
    const char *qs = FCGX_GetParam("QUERY_STRING", rq->envp);
    const char *v;
    char *body, *copy;
    char **vars;
    size_t body_len, n, i;
    long bytes = -1;
    int echo_body;

    if (!qs) {
        qs = "";
    }
    body = read_body(rq->in, &body_len);

    if ((v = param(qs, "die")) != NULL) {
        if (!strcmp(v, "always")) {
            _exit(3);
        }
        if (access(v, F_OK) != 0) {
            close(open(v, O_WRONLY | O_CREAT, 0644));
            _exit(3);
        }
    }
    if ((v = param(qs, "sleep")) != NULL) {
        sleep_seconds(atof(v));
    }
    if ((v = param(qs, "wait")) != NULL) {
        wait_for_file(v);
    }
    if ((v = param(qs, "stderr")) != NULL) {
        copy = strdup(v);
        for (i = 0; copy[i]; i++) {
            if (copy[i] == '|') {
                copy[i] = '\n';
            }
        }
        FCGX_FPrintF(rq->err, "%s\n", copy);
        free(copy);
    }
    if (param(qs, "nohead")) {
        free(body);
        return;
    }

    echo_body = (v = param(qs, "echo")) != NULL && !strcmp(v, "body");
    if ((v = param(qs, "bytes")) != NULL) {
        bytes = atol(v);
    }
    FCGX_PutS(echo_body || bytes >= 0 ? "Content-Type: application/octet-stream\r\n"
                                      : "Content-Type: text/plain; charset=utf-8\r\n",
              rq->out);
    if ((v = param(qs, "status")) != NULL) {
        FCGX_FPrintF(rq->out, "Status: %s\r\n", v);
    }
    if ((v = param(qs, "redirect")) != NULL) {
        FCGX_FPrintF(rq->out, "Location: %s\r\n", v);
    }
    if ((v = param(qs, "header")) != NULL) {
        FCGX_FPrintF(rq->out, "%s\r\n", v);
    }
    if ((v = param(qs, "etag")) != NULL) {
        FCGX_FPrintF(rq->out, "ETag: \"%s\"\r\n", v);
    }
    if (param(qs, "cl")) {
        FCGX_FPrintF(rq->out, "Content-Length: %ld\r\n",
                     echo_body ? (long)body_len : bytes >= 0 ? bytes : 0L);
    }
    FCGX_PutS("\r\n", rq->out);

    if ((v = param(qs, "slowstream")) != NULL) {
        char *file = strdup(v);

        FCGX_PutS("first\n", rq->out);
        FCGX_FFlush(rq->out);
        wait_for_file(file);
        FCGX_PutS("second\n", rq->out);
        free(file);
    }
    else if (param(qs, "whoami")) {
        struct stat st;

        FCGX_FPrintF(rq->out, "pid=%ld served=%lu conn=%lu\n", (long)getpid(),
                     served, fstat(rq->ipcFd, &st) == 0
                             ? (unsigned long)st.st_ino : 0UL);
    }
    else if (echo_body) {
        FCGX_PutStr(body, (int)body_len, rq->out);
    }
    else if (bytes >= 0) {
        static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
        long left = bytes;

        while (left > 0) {
            int k = left < (long)sizeof(pattern) - 1 ? (int)left
                                                      : (int)sizeof(pattern) - 1;

            FCGX_PutStr(pattern, k, rq->out);
            left -= k;
        }
    }
    else {
        for (n = 0; rq->envp[n]; n++) {
            continue;
        }
        vars = malloc(sizeof(*vars) * (n + 1));
        memcpy(vars, rq->envp, sizeof(*vars) * n);
        qsort(vars, n, sizeof(*vars), by_string);
        FCGX_FPrintF(rq->out, "method=%s\n",
                     FCGX_GetParam("REQUEST_METHOD", rq->envp));
        for (i = 0; i < n; i++) {
            FCGX_FPrintF(rq->out, "%s\n", vars[i]);
        }
        FCGX_FPrintF(rq->out, "body_length=%lu\nbody_fnv=%08lx\n",
                     (unsigned long)body_len, fnv1a(body, body_len));
        free(vars);
    }
    free(body);
}

int main(void)
{
    FCGX_Request rq;

    FCGX_Init();
    FCGX_InitRequest(&rq, 0, 0);
    while (FCGX_Accept_r(&rq) >= 0) {
        served++;
        respond(&rq);
        FCGX_Finish_r(&rq);
    }
    return 0;
}
