/* PreforkAppAlias at request time (alias.h); the directive and its checks
 * are config.c's. */
#include "alias.h"

#include "http_core.h"
#include "http_main.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

/* r->notes: the request was mapped here; the value is its SCRIPT_NAME. */
#define PA_NOTE_ALIAS "prefork-app-alias"

/* The first of aliases that covers uri. */
static const pa_alias_t *alias_find(const apr_array_header_t *aliases,
                                    const char *uri)
{
    int i;

    for (i = 0; i < aliases->nelts; i++) {
        const pa_alias_t *a = APR_ARRAY_IDX(aliases, i, const pa_alias_t *);

        if (pa_path_covers(a->path, a->len, uri)) {
            return a;
        }
    }
    return NULL;
}

/* A virtual host's own lines first, then the main server's, which apply
 * to every host (as mod_alias merges its Alias lines). */
static int alias_translate(request_rec *r)
{
    const pa_server_conf_t *conf = ap_get_module_config(
        r->server->module_config, &prefork_app_module);
    const pa_server_conf_t *main_conf = ap_get_module_config(
        ap_server_conf->module_config, &prefork_app_module);
    const pa_alias_t *a;

    if (r->proxyreq || r->uri[0] != '/') {
        return DECLINED;
    }
    a = alias_find(conf->aliases, r->uri);
    /* (A host with none of the module's directives has the main server's
     * configuration itself.) */
    if (!a && conf != main_conf) {
        a = alias_find(main_conf->aliases, r->uri);
    }
    if (!a) {
        return DECLINED;
    }
    /* SCRIPT_FILENAME: the program the app runs (mod_proxy_fcgi sends
     * "proxy:fcgi://..."); no file stands behind the URL. */
    r->filename = apr_pstrdup(r->pool, a->app->argv[0]);
    r->handler = a->handler;
    r->path_info = apr_pstrdup(r->pool, r->uri + a->len);
    /* The rest of the path is the app's: AcceptPathInfo has no say. */
    r->used_path_info = AP_REQ_ACCEPT_PATH_INFO;
    apr_table_setn(r->notes, PA_NOTE_ALIAS,
                   apr_pstrmemdup(r->pool, r->uri, a->len));
    return OK;
}

/* No directory walk and no file walk: nothing on disk is the request's.
 * A TRACE goes on to httpd's own answer (TraceEnable). */
static int alias_map_to_storage(request_rec *r)
{
    if (r->method_number == M_TRACE || !pa_alias_script_name(r)) {
        return DECLINED;
    }
    return OK;
}

/* mod_mime would read r->filename's extensions (the program's) and could
 * give the request another handler (AddHandler cgi-script .cgi): the
 * content type is the app's to say. */
static int alias_type_checker(request_rec *r)
{
    return pa_alias_script_name(r) ? OK : DECLINED;
}

const char *pa_alias_script_name(const request_rec *r)
{
    return apr_table_get(r->notes, PA_NOTE_ALIAS);
}

void pa_alias_register_hooks(void)
{
    /* translate_name: after mod_rewrite, whose server-level rules ([PT])
     * may lead a URL into or out of an alias, and mod_alias, as mod_wsgi's
     * WSGIScriptAlias: an Alias for an app's static files under its path
     * serves them, and a Redirect there redirects; before mod_userdir and
     * mod_vhost_alias, which would map every URL to a file, and the
     * core's DocumentRoot (REALLY_LAST). */
    static const char *const trans_after[] = { "mod_rewrite.c",
                                               "mod_alias.c", NULL };
    static const char *const trans_before[] = { "mod_userdir.c",
                                                "mod_vhost_alias.c", NULL };

    ap_hook_translate_name(alias_translate, trans_after, trans_before,
                           APR_HOOK_MIDDLE);
    /* map_to_storage: FIRST, before httpd's TRACE answer (MIDDLE), which
     * then runs for a TRACE, and the core's walk (REALLY_LAST). */
    ap_hook_map_to_storage(alias_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    /* type_checker: FIRST, before mod_mime (MIDDLE). */
    ap_hook_type_checker(alias_type_checker, NULL, NULL, APR_HOOK_FIRST);
}
