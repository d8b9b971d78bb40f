/* cgi: the launcher a protocol=cgi worker runs until it becomes the CGI
 * program; see cgi.h. Runs in a freshly forked process about to exec: plain
 * libc, malloc, no pools and no logging but its stderr. */
#include "cgi.h"
#include "manager.h"
#include "worker.h"

#include "unixd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Larger than any header block httpd can build: 100 header lines of up to
 * 64 KB (LimitRequestFieldSize raised), twice after an internal redirect
 * (REDIRECT_*); a longer netstring is not ours. */
#define PA_CGI_HEADER_MAX (16 * 1024 * 1024)

/* Exactly len bytes: the body that follows must stay in the socket for the
 * program, so nothing is read ahead. */
static int pa_cgi_read(int fd, char *buf, size_t len)
{
    while (len) {
        ssize_t n = read(fd, buf, len);

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
    size_t n = 0, digits = 0;
    char c, *buf;

    for (;;) {
        if (pa_cgi_read(fd, &c, 1) != 0) {
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
    if (!(buf = malloc(n + 1)) || pa_cgi_read(fd, buf, n + 1) != 0) {
        return NULL;
    }
    if (buf[n] != ',' || (n && buf[n - 1] != '\0')) {
        errno = EPROTO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
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

/* Whether a variable may reach a program that runs as another user than
 * httpd's (user=): any process running as User can reach the launcher's
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

void pa_cgi_serve(const pa_app_t *app, const char **envp)
{
    int other_user = getuid() != ap_unixd_config.user_id;
    size_t len, i, nenv, npairs = 0;
    char **env, *hdr;
    int fd, k = 0;
    char title[128];

    snprintf(title, sizeof(title), "httpd (mod_prefork_app cgi launcher: %s)",
             app->name);
    pa_set_title(title, "pa-cgi");
    do {
        fd = accept(0, NULL, NULL);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        pa_child_fail("accept a request for", app->name);
    }
    hdr = pa_cgi_header(fd, &len);
    if (!hdr) {
        pa_child_fail("read the request header from httpd for", app->name);
    }
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
        const char *name = hdr + i, *value = name + strlen(name) + 1;
        size_t nl = strlen(name), vl;

        if (value >= hdr + len) {
            errno = EPROTO;
            pa_child_fail("read the request header from httpd for", app->name);
        }
        vl = strlen(value);
        i += nl + vl + 2;
        /* SCGI=1 is the wire's, not the program's, and so is an empty
         * CONTENT_LENGTH (no body); the app's own environment
         * (PreforkAppEnv, PATH) wins over httpd's variables. */
        if (!nl || !strcmp(name, "SCGI") || pa_cgi_has(envp, name, nl)
            || (!vl && !strcmp(name, "CONTENT_LENGTH"))
            || (other_user && !pa_cgi_var_safe(name))) {
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
    pa_child_fail("execute", app->argv[0]);
}
