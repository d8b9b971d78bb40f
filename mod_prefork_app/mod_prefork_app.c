/* mod_prefork_app: a prefork process manager for FastCGI applications.
 * This file: the hooks and the module record, and pa_log_text() and
 * pa_log_fit(), which both the manager and the request path use. */
#include "mod_prefork_app.h"
#include "cgi.h"
#include "scoreboard.h"
#include "manager.h"
#include "cache.h"
#include "conn.h"
#include "alias.h"
#include "status.h"

#include "http_core.h"
#include "http_request.h"
#include "mod_auth.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "mod_status.h"

char *pa_log_text(char *out, const char *line, apr_size_t len)
{
    char *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        if (line[i] == '\0') {
            memcpy(o, "\\x00", 4);
            o += 4;
        }
        else {
            *o++ = line[i];
        }
    }
    *o = '\0';
    return out;
}

apr_size_t pa_log_fit(const char *line, apr_size_t len, apr_size_t room)
{
    apr_size_t i, used = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = line[i];
        apr_size_t w = c == '\0' ? 5     /* pa_log_text's \x00, doubled */
                       : c == '\\' || c == '\b' || c == '\t' || c == '\n'
                         || c == '\v' || c == '\r' ? 2
                       : c < 0x20 || c > 0x7e ? 4 : 1;

        if (used + w > room) {
            break;
        }
        used += w;
    }
    return i;
}

/* Runs once the configuration files are read, before httpd builds its
 * configuration from them: nothing from an earlier generation may survive
 * into this one's, and an unguarded status page is made local-only. The
 * draining managers of earlier generations are this one's from the start:
 * if anything of it fails from here on (a bad directive, a check, another
 * module's post_config), httpd stops them before it exits. (A file httpd
 * cannot parse fails before any module runs: they stop when httpd has
 * exited, by PR_SET_PDEATHSIG, without httpd waiting for them.) */
static int pa_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    pa_scoreboard = NULL;
    pa_cache_pre_config(pconf);
    pa_manager_adopt_retired(pconf);
    pa_config_guard_status(pconf, ptemp);
    return OK;
}

/* Runs at -t too, so every cross-directive error fails configtest. */
static int pa_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    return pa_config_check(pconf, ptemp, s);
}

static int pa_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                          apr_pool_t *ptemp, server_rec *s)
{
    pa_server_conf_t *conf = pa_get_conf(s);
    apr_status_t rv;

    /* httpd runs post_config twice at startup; the first pass is a dry run
     * that must not fork anything (mod_cgid skips it too). */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    /* Zones first: their names go into the workers' environment. */
    if (pa_cache_create_zones(conf, pconf, ptemp, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    pa_sb_forget_removed(conf, s);
    if (conf->apps->nelts == 0) {
        return OK;
    }

    rv = pa_sb_create(&pa_scoreboard, conf, pconf, s);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00901)
                     "cannot set up the scoreboard (its shared memory "
                     "or the socket directory)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = pa_cgi_key_init(s->process->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00904)
                     "cannot make the key of protocol=cgi requests "
                     "(random bytes)");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = pa_manager_start(pa_scoreboard, pconf, s);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, PALOGNO(00902)
                     "cannot start the process manager");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, PALOGNO(00903)
                 "hook order: pre_config, check_config, post_config "
                 "(after mod_unixd), child_init, handler (first), access "
                 "check (last), optional_fn_retrieve");
    return OK;
}

/* Each httpd child inherits the scoreboard mapping from the parent; it
 * notes who it is for its claims and starts with no kept connections. */
static void pa_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (pa_scoreboard) {
        pa_sb_child_init(pa_scoreboard);
        pa_conn_child_init(pchild, pa_scoreboard);
        pa_dispatch_child_init(pchild, s);
    }
}

static int pa_handler(request_rec *r)
{
    const char *orphan;

    if (!r->handler) {
        return DECLINED;
    }
    /* Either case, as configtest checks them: SetHandler lowercases its
     * name, mod_rewrite's [H=] does not. */
    if (!strncasecmp(r->handler, PA_HANDLER_PREFIX,
                     sizeof(PA_HANDLER_PREFIX) - 1)) {
        return pa_app_handler(r);
    }
    if (!strcasecmp(r->handler, PA_STATUS_HANDLER)) {
        return pa_status_handler(r);
    }
    if ((orphan = pa_handler_orphan(r->handler))) {
        /* An .htaccess line from before a move (configtest refuses one in
         * the configuration files). */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00346)
                      "handler %s is %s's, which is not loaded: not sending "
                      "%s as it is (its source); use prefork-app:NAME",
                      r->handler, orphan, r->filename ? r->filename : r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (pa_handler_lookalike(r->handler)) {
        /* Configtest refuses it in the configuration files; in .htaccess
         * it comes to light here. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00302)
                      "handler %s is not one of mod_prefork_app's "
                      "(prefork-app:NAME, prefork-app-status): not serving "
                      "%s as it is", r->handler,
                      r->filename ? r->filename : r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return DECLINED;
}

static void pa_register_hooks(apr_pool_t *p)
{
    /* post_config after mod_unixd, as mod_cgid's daemon is started: the
     * socket directory needs the User/Group ids. httpd 2.4's mod_unixd sets
     * them while the configuration is read and has no post_config (t/02
     * says so): this keeps the order should it gain one. */
    static const char *const post_after[] = { "mod_unixd.c", NULL };

    /* pre_config: REALLY_FIRST so the generation's state is reset before any
     * other module's pre_config can look at it. */
    ap_hook_pre_config(pa_pre_config, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* check_config: MIDDLE; it needs only our own directives, fully read. */
    ap_hook_check_config(pa_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* post_config: LAST among the normal ones, after mod_unixd: we fork the
     * manager, which must see every other module's finished configuration. */
    ap_hook_post_config(pa_post_config, post_after, NULL, APR_HOOK_LAST);
    /* child_init: MIDDLE; it depends on no other module's child state. */
    ap_hook_child_init(pa_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* monitor: MIDDLE; a dead manager's replacement, when its fork failed,
     * is tried again here, in the parent. */
    ap_hook_monitor(pa_manager_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    /* handler: FIRST; we only answer our own handler names and decline fast,
     * so other handlers lose nothing. */
    ap_hook_handler(pa_handler, NULL, NULL, APR_HOOK_FIRST);
    /* access check: LAST, after the host and address checks that cost no
     * round trip to an app; per section, so that a subrequest or internal
     * redirect under the same configuration is not asked again. */
    ap_hook_check_access(pa_authorize, NULL, NULL, APR_HOOK_LAST,
                         AP_AUTH_INTERNAL_PER_CONF);
    pa_auth_register(p);
    /* fixups: REALLY_FIRST, before mod_rewrite's (FIRST) runs the rules of
     * an .htaccess: what the status page's top-level placement gave. */
    ap_hook_fixups(pa_status_fixups, NULL, NULL, APR_HOOK_REALLY_FIRST);
    /* mod_status's page: a section of ours, if mod_status is loaded. */
    APR_OPTIONAL_HOOK(ap, status_hook, pa_status_mod_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
    pa_alias_register_hooks();
    pa_cache_register_filter();
}

AP_DECLARE_MODULE(prefork_app) = {
    STANDARD20_MODULE_STUFF,
    pa_create_dir_config,       /* per-directory config creator */
    pa_merge_dir_config,        /* dir config merger */
    pa_create_server_config,    /* server config creator */
    NULL,                       /* server config merger: apps are global */
    pa_cmds,                    /* command table */
    pa_register_hooks
};
