/* bench_hello: the in-process limit for scripts/bench/dispatch. A handler
 * ("SetHandler bench-hello") that answers what scripts/apps/hello answers,
 * without leaving the httpd process. Built there with apxs -c; never
 * installed. */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "ap_config.h"

#include <unistd.h>

static unsigned long served;

static int bench_hello_handler(request_rec *r)
{
    if (!r->handler || strcmp(r->handler, "bench-hello")) {
        return DECLINED;
    }
    served++;
    ap_set_content_type(r, "text/plain");
    ap_rprintf(r, "Hello from mod_prefork_app!\n"
               "worker pid %ld, request %lu of this worker, uri %s\n",
               (long)getpid(), served, r->unparsed_uri);
    return OK;
}

static void bench_hello_hooks(apr_pool_t *p)
{
    ap_hook_handler(bench_hello_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

module AP_MODULE_DECLARE_DATA bench_hello_module = {
    STANDARD20_MODULE_STUFF,
    NULL, NULL, NULL, NULL, NULL,
    bench_hello_hooks
};
