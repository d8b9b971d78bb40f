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
 * does: the in-process limit for mod_prefork_app mapped that way. */
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

static unsigned long served;
static const char *echo_path;
static const char *alias_path;
static apr_size_t alias_len;
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

static int bench_hello_handler(request_rec *r)
{
    int rc;

    if (!r->handler || strcmp(r->handler, "bench-hello")) {
        return DECLINED;
    }
    if (echo_path && (rc = round_trip(r)) != OK) {
        return rc;
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

static void bench_hello_hooks(apr_pool_t *p)
{
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
