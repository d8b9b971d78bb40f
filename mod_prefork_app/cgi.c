/* cgi: the launcher a protocol=cgi worker runs until it becomes the CGI
 * program; see cgi.h. Runs in a freshly forked process about to exec: plain
 * libc, malloc, no pools and no logging but its stderr (pa_cgi_key_init()
 * alone runs in httpd's parent). */
#include "cgi.h"
#include "manager.h"
#include "worker.h"

#include "unixd.h"
#include "httpd.h"
#include "apr_general.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Larger than any header block httpd can build: 100 header lines of up to
 * 64 KB (LimitRequestFieldSize raised), twice after an internal redirect
 * (REDIRECT_*); a longer netstring is not ours. */
#define PA_CGI_HEADER_MAX (16 * 1024 * 1024)
/* httpd sends the header as it connects, in one go: a connection that has
 * not sent all of it within this long (seconds) is not httpd's, and the
 * launcher takes the next (one trickling it would hold the launcher). */
#define PA_CGI_HEADER_WAIT 10

#define PA_CGI_KEY_BYTES 16
#define PA_CGI_KEY_USERDATA "mod_prefork_app cgi key"

static char pa_cgi_key_hex[2 * PA_CGI_KEY_BYTES + 1];

apr_status_t pa_cgi_key_init(apr_pool_t *process_pool)
{
    void *kept = NULL;

    apr_pool_userdata_get(&kept, PA_CGI_KEY_USERDATA, process_pool);
    if (!kept) {
        unsigned char raw[PA_CGI_KEY_BYTES];
        char *hex = apr_palloc(process_pool, sizeof(pa_cgi_key_hex));
        apr_status_t rv = apr_generate_random_bytes(raw, sizeof(raw));

        if (rv != APR_SUCCESS) {
            return rv;
        }
        ap_bin2hex(raw, sizeof(raw), hex);
        apr_pool_userdata_set(hex, PA_CGI_KEY_USERDATA, apr_pool_cleanup_null,
                              process_pool);
        kept = hex;
    }
    memcpy(pa_cgi_key_hex, kept, sizeof(pa_cgi_key_hex));
    return APR_SUCCESS;
}

const char *pa_cgi_key(void)
{
    return pa_cgi_key_hex;
}

/* Whether the request's variables carry the key, once and right (compared
 * in constant time: a sender may try again and again). */
static int pa_cgi_keyed(const char *hdr, size_t len)
{
    int found = 0;
    size_t i;

    for (i = 0; i + 1 < len; ) {
        const char *name = hdr + i, *value = name + strlen(name) + 1;

        i += strlen(name) + strlen(value) + 2;
        if (!strcmp(name, PA_CGI_KEY_VAR)) {
            unsigned char diff = 0;
            size_t k;

            /* The length is no secret; the bytes are all compared. */
            if (strlen(value) != sizeof(pa_cgi_key_hex) - 1) {
                return 0;
            }
            for (k = 0; k < sizeof(pa_cgi_key_hex) - 1; k++) {
                diff |= (unsigned char)(value[k] ^ pa_cgi_key_hex[k]);
            }
            if (diff || found++) {
                return 0;
            }
        }
    }
    return found == 1;
}

/* Exactly len bytes by the deadline (pa_now() in ms): the body that
 * follows must stay in the socket for the program, so nothing is read
 * ahead. */
static int pa_cgi_read(int fd, char *buf, size_t len, long deadline)
{
    while (len) {
        struct pollfd p;
        long left = deadline - (long)apr_time_as_msec(pa_now());
        ssize_t n;

        p.fd = fd;
        p.events = POLLIN;
        if (left <= 0 || poll(&p, 1, (int)left) == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        n = read(fd, buf, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n == 0) {
                errno = ECONNRESET;         /* httpd left before the end */
            }
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The netstring "LEN:" NAME NUL VALUE NUL ... ","; returns the pairs'
 * bytes (NUL-terminated after them) and their length, or NULL with errno
 * set (EPROTO: not a netstring of ours). */
static char *pa_cgi_header(int fd, size_t *len)
{
    size_t n = 0, digits = 0, i, nuls = 0;
    long deadline = (long)apr_time_as_msec(pa_now()) + PA_CGI_HEADER_WAIT * 1000L;
    char c, *buf;

    for (;;) {
        if (pa_cgi_read(fd, &c, 1, deadline) != 0) {
            return NULL;
        }
        if (c == ':' && digits) {
            break;
        }
        if (c < '0' || c > '9' || ++digits > 8) {
            errno = EPROTO;
            return NULL;
        }
        n = n * 10 + (size_t)(c - '0');
    }
    if (n > PA_CGI_HEADER_MAX) {
        errno = EPROTO;
        return NULL;
    }
    if (!(buf = malloc(n + 1))) {
        return NULL;
    }
    if (pa_cgi_read(fd, buf, n + 1, deadline) != 0) {
        free(buf);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        nuls += buf[i] == '\0';
    }
    /* Names and values in pairs, each ended. */
    if (buf[n] != ',' || (n && buf[n - 1] != '\0') || nuls % 2) {
        free(buf);
        errno = EPROTO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* One line to the manager (which logs it) about a connection dropped. */
static void pa_cgi_dropped(const pa_app_t *app, const char *what)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "cgi launcher of %s: dropped a "
                     "connection that %s (%s); waiting for the next\n",
                     app->name, what, strerror(errno));

    if (n > 0 && write(2, buf, n < (int)sizeof(buf) ? (size_t)n
                                                     : sizeof(buf) - 1) < 0) {
        return;                         /* nobody to tell */
    }
}

/* The next request httpd sends: its connection, with its header read.
 * Anything else that reaches the socket (any process running as User can),
 * a request without httpd's key too, is dropped, not taken for a failure
 * to start: one bad connection would otherwise put the app in crash-loop
 * backoff, a silent one stop it. */
static int pa_cgi_next(const pa_app_t *app, char **hdr, size_t *len)
{
    struct timeval none = { 0, 0 };

    for (;;) {
        struct pollfd p;
        int fd;

        do {
            fd = accept(0, NULL, NULL);
        } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
        if (fd < 0) {
            pa_child_fail("accept a request for", app->name);
        }
        if (!(*hdr = pa_cgi_header(fd, len))) {
            pa_cgi_dropped(app, "sent no request header of httpd's");
            close(fd);
            continue;
        }
        if (!pa_cgi_keyed(*hdr, *len)) {
            errno = EACCES;
            pa_cgi_dropped(app, "sent a request without httpd's key");
            free(*hdr);
            close(fd);
            continue;
        }
        /* Closed, not just ended its body: httpd gave up on the request
         * while it waited here (queue-timeout); nobody reads the reply. */
        p.fd = fd;
        p.events = POLLIN;
        if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) {
            errno = ECONNRESET;
            pa_cgi_dropped(app, "httpd closed before it was served");
            free(*hdr);
            close(fd);
            continue;
        }
        /* The program's reads of its body block as they would on a pipe. */
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof(none));
        return fd;
    }
}

/* A variable's name as mod_cgi and mod_cgid give it to a program (httpd's
 * ap_create_environment()): a leading digit and anything not a letter or
 * digit become '_'. SetEnv and SetEnvIf names such as no-gzip or
 * force-response-1.0 would otherwise reach the program under names a shell
 * drops, or a script written for mod_cgi does not look for. */
static void pa_cgi_env_name(char *name, size_t nl)
{
    size_t i;

    for (i = 0; i < nl; i++) {
        unsigned char c = (unsigned char)name[i];

        if ((i == 0 && c >= '0' && c <= '9')
            || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                 || (c >= '0' && c <= '9'))) {
            name[i] = '_';
        }
    }
}

static int pa_cgi_has(const char **envp, const char *name, size_t nl)
{
    for (; *envp; envp++) {
        if (!strncmp(*envp, name, nl) && (*envp)[nl] == '=') {
            return 1;
        }
    }
    return 0;
}

/* Whether a variable may reach a program that runs with other rights than
 * httpd's (user=, group=): any process running as User can reach the launcher's
 * socket, and must not set LD_PRELOAD, BASH_ENV, PERL5OPT and the like for
 * it. As suexec: CGI/1.1's variables and httpd's, HTTP_*, SSL_* and
 * REDIRECT_* (the names httpd makes of the client's headers and of an
 * earlier request's variables). */
static int pa_cgi_var_safe(const char *name)
{
    static const char *const prefixes[] = { "HTTP_", "SSL_", "REDIRECT_" };
    static const char *const names[] = {
        "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE",
        "CONTEXT_DOCUMENT_ROOT", "CONTEXT_PREFIX", "DOCUMENT_ROOT",
        "GATEWAY_INTERFACE", "HTTPS", "PATH_INFO", "PATH_TRANSLATED",
        "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT",
        "REMOTE_PORT", "REMOTE_USER", "REQUEST_METHOD", "REQUEST_SCHEME",
        "REQUEST_URI", "SCRIPT_FILENAME", "SCRIPT_NAME", "SCRIPT_URI",
        "SCRIPT_URL", "SERVER_ADDR", "SERVER_ADMIN", "SERVER_NAME",
        "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SIGNATURE",
        "SERVER_SOFTWARE", "TZ", "UNIQUE_ID"
    };
    size_t i;

    /* httpd never sends it (httpoxy: dispatch takes a client's Proxy:
     * header out): one that comes would point the program's own HTTP
     * requests at a proxy of the sender's. */
    if (!strcmp(name, "HTTP_PROXY")) {
        return 0;
    }
    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) {
            return 1;
        }
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!strcmp(name, names[i])) {
            return 1;
        }
    }
    return 0;
}

void pa_cgi_serve(const pa_app_t *app, const char **envp, int other_rights)
{
    size_t len, i, nenv, npairs = 0;
    char **env, *hdr;
    int fd, k = 0;
    char title[128];

    snprintf(title, sizeof(title), "httpd (mod_prefork_app cgi launcher: %s)",
             app->name);
    pa_set_title(title, "pa-cgi");
    fd = pa_cgi_next(app, &hdr, &len);
    for (i = 0; i < len; i++) {
        npairs += hdr[i] == '\0';
    }
    for (nenv = 0; envp[nenv]; nenv++) {
        continue;
    }
    env = malloc((nenv + npairs / 2 + 1) * sizeof(char *));
    if (!env) {
        pa_child_fail("allocate the environment for", app->name);
    }
    for (i = 0; i < nenv; i++) {
        env[k++] = (char *)envp[i];
    }
    for (i = 0; i + 1 < len; ) {
        /* pa_cgi_header() saw that each name has its value. */
        char *name = hdr + i;
        const char *value = name + strlen(name) + 1;
        size_t nl = strlen(name), vl = strlen(value);

        i += nl + vl + 2;
        /* Looked at by the name the program gets. */
        pa_cgi_env_name(name, nl);
        /* SCGI=1 is the wire's, not the program's, and so is an empty
         * CONTENT_LENGTH (no body); the app's own environment
         * (PreforkAppEnv, PATH) wins over httpd's variables. */
        if (!nl || !strcmp(name, "SCGI") || !strcmp(name, PA_CGI_KEY_VAR)
            || pa_cgi_has(envp, name, nl)
            || (!vl && !strcmp(name, "CONTENT_LENGTH"))
            || (other_rights && !pa_cgi_var_safe(name))) {
            continue;
        }
        env[k] = malloc(nl + vl + 2);
        if (!env[k]) {
            pa_child_fail("allocate the environment for", app->name);
        }
        memcpy(env[k], name, nl);
        env[k][nl] = '=';
        memcpy(env[k] + nl + 1, value, vl + 1);
        k++;
    }
    env[k] = NULL;
    if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0) {
        pa_child_fail("connect stdin and stdout for", app->name);
    }
    if (fd > 2) {
        close(fd);
    }
    execve(app->argv[0], (char *const *)app->argv, env);
    if (errno == E2BIG) {
        /* This request's variables are too long for exec() (one over
         * 128 KiB: a header under a raised LimitRequestFieldSize): the
         * request fails alone, as under mod_cgid. Marking the slot would
         * let any client put the app in crash-loop backoff. */
        pa_child_fail_request("execute", app->argv[0], " for this request, "
                              "its variables are too long for exec()");
    }
    pa_child_fail_exec(app->argv[0]);
}
