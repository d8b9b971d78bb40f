/* bench_hello: the in-process limit for scripts/bench/dispatch. A handler
 * ("SetHandler bench-hello") that answers what scripts/apps/hello answers,
 * without leaving the httpd process. Built there with apxs -c; never
 * installed.
 *
 * "BenchHelloRoundTrip PATH" makes each request first take one round trip
 * over a unix socket to PATH (scripts/bench/bench_echo: a process per
 * connection that answers each message): the least any handler that sends
 * its requests to another process pays, with no protocol, no pool and no
 * queue (BENCH_FLOOR=1).
 *
 * "BenchHelloAlias URL-PATH" maps the URLs under URL-PATH to the handler
 * at translate_name and skips httpd's directory walk, as PreforkAppAlias
 * does: the in-process limit for mod_prefork_app mapped that way.
 *
 * A query with bytes=N (BENCH_BODY=reply and upload) makes it read the
 * request body whole and drop it, then answer N bytes of scripts/apps/echo's
 * pattern (its bytes=N), passed at once from a buffer made once per child,
 * at most BENCH_MAX_BYTES: what httpd alone pays to move a large body. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "ap_config.h"
#include "apr_strings.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define BENCH_REQUEST_LEN 400   /* about what a FastCGI request of it is */
#define BENCH_MAX_BYTES   (16 * 1024 * 1024)

static unsigned long served;
static const char *echo_path;
static const char *alias_path;
static apr_size_t alias_len;
static char *pattern;       /* BENCH_MAX_BYTES of echo's bytes=N */
/* One connection per httpd thread, kept for its life: its own echo
 * process, so that nothing waits for a free one. */
static __thread int echo_fd = -1;

static int round_trip(request_rec *r)
{
    char buf[BENCH_REQUEST_LEN];

    if (echo_fd < 0) {
        struct sockaddr_un sa;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        apr_cpystrn(sa.sun_path, echo_path, sizeof(sa.sun_path));
        echo_fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (echo_fd < 0
            || connect(echo_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, errno, r,
                          "bench_hello: cannot connect to %s", echo_path);
            if (echo_fd >= 0) {
                close(echo_fd);
                echo_fd = -1;
            }
            return HTTP_BAD_GATEWAY;
        }
    }
    memset(buf, 'x', sizeof(buf));
    if (send(echo_fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)
        || recv(echo_fd, buf, sizeof(buf), 0) <= 0) {
        close(echo_fd);
        echo_fd = -1;
        return HTTP_BAD_GATEWAY;
    }
    return OK;
}

/* bytes=N: the body read and dropped, N bytes answered in one brigade. */
static int bytes_reply(request_rec *r, apr_size_t n)
{
    apr_bucket_brigade *bb;
    int rc;

    if ((rc = ap_discard_request_body(r)) != OK) {
        return rc;
    }
    if (n > BENCH_MAX_BYTES) {
        n = BENCH_MAX_BYTES;
    }
    ap_set_content_type(r, "application/octet-stream");
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    if (n) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(pattern, n,
                                    bb->bucket_alloc));
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(bb->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
           ? OK : AP_FILTER_ERROR;
}

static int bench_hello_handler(request_rec *r)
{
    const char *bytes;
    int rc;

    if (!r->handler || strcmp(r->handler, "bench-hello")) {
        return DECLINED;
    }
    if (echo_path && (rc = round_trip(r)) != OK) {
        return rc;
    }
    if (r->args && (bytes = strstr(r->args, "bytes=")) != NULL
        && (bytes == r->args || bytes[-1] == '&')) {
        return bytes_reply(r, (apr_size_t)apr_atoi64(bytes + 6));
    }
    served++;
    ap_set_content_type(r, "text/plain");
    ap_rprintf(r, "Hello from mod_prefork_app!\n"
               "worker pid %ld, request %lu of this worker, uri %s\n",
               (long)getpid(), served, r->unparsed_uri);
    return OK;
}

static int alias_translate(request_rec *r)
{
    if (!alias_path || strncmp(r->uri, alias_path, alias_len)
        || (r->uri[alias_len] && r->uri[alias_len] != '/')) {
        return DECLINED;
    }
    r->filename = apr_pstrdup(r->pool, "bench-hello");
    r->handler = "bench-hello";
    apr_table_setn(r->notes, "bench-hello-alias", "1");
    return OK;
}

static int alias_map_to_storage(request_rec *r)
{
    return apr_table_get(r->notes, "bench-hello-alias") ? OK : DECLINED;
}

static const char *set_alias(cmd_parms *cmd, void *dummy, const char *path)
{
    alias_path = path;
    alias_len = strlen(path);
    return NULL;
}

static const char *set_round_trip(cmd_parms *cmd, void *dummy,
                                  const char *path)
{
    echo_path = path;
    return NULL;
}

static const command_rec bench_hello_cmds[] = {
    AP_INIT_TAKE1("BenchHelloRoundTrip", set_round_trip, NULL, RSRC_CONF,
                  "a unix socket to take one round trip to per request"),
    AP_INIT_TAKE1("BenchHelloAlias", set_alias, NULL, RSRC_CONF,
                  "a URL path mapped to the handler with no directory walk"),
    {NULL}
};

static void make_pattern(apr_pool_t *p, server_rec *s)
{
    static const char line[] = "0123456789abcdefghijklmnopqrstuvwxyz\n";
    apr_size_t i;

    pattern = apr_palloc(p, BENCH_MAX_BYTES);
    for (i = 0; i < BENCH_MAX_BYTES; i++) {
        pattern[i] = line[i % (sizeof(line) - 1)];
    }
}

static void bench_hello_hooks(apr_pool_t *p)
{
    ap_hook_child_init(make_pattern, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(bench_hello_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(alias_translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(alias_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
}

module AP_MODULE_DECLARE_DATA bench_hello_module = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL,
    bench_hello_cmds,
    bench_hello_hooks
};
