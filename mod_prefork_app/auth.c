/* auth: apps that decide who gets in, asked in the FastCGI Authorizer role
 * (dispatch.c asks them: pa_ask_app()), at three places of httpd's request
 * processing:
 *   PreforkAppAuthorizer NAME      the access check: a refusal is the
 *                                  client's response (FastCGI 6.3);
 *   AuthBasicProvider prefork-app  an authn provider: the app named by
 *                                  PreforkAppAuthenticator checks the user
 *                                  and password (mod_fcgid's
 *                                  FcgidAuthenticator);
 *   Require prefork-app NAME       an authz provider: the app decides,
 *                                  within RequireAny/RequireAll as any
 *                                  other Require (FcgidAuthorizer).
 * Each sets mod_fcgid's FCGI_APACHE_ROLE for the app to tell them apart. */
#include "mod_prefork_app.h"

#include "http_core.h"
#include "http_request.h"
#include "mod_auth.h"
#include "apr_strings.h"
#include "apr_md5.h"
#include "apr_optional.h"

APLOG_USE_MODULE(prefork_app);

#define PA_AUTH_PROVIDER    "prefork-app"
#define PA_SALT_LEN         8

/* mod_authn_socache's, when it is loaded. */
static APR_OPTIONAL_FN_TYPE(ap_authn_cache_store) *cache_store;

static const pa_dir_conf_t *dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &prefork_app_module);
}

/* The variables an app asked as apache_role gets over r's own. */
static apr_table_t *role_vars(request_rec *r, const char *apache_role)
{
    apr_table_t *vars = apr_table_make(r->pool, 3);

    apr_table_setn(vars, "FCGI_APACHE_ROLE", apache_role);
    if (r->user) {
        apr_table_setn(vars, "REMOTE_USER", r->user);
    }
    return vars;
}

int pa_authorize(request_rec *r)
{
    const pa_dir_conf_t *d = dir_conf(r);
    pa_answer_e answer;
    int rc;

    if (!d->authorizer || !*d->authorizer) {
        return DECLINED;
    }
    /* A subrequest's refusal is for its main request to act on; with
     * Satisfy Any, a login may still let the request through after it. */
    rc = pa_ask_app(r, d->authorizer,
                    !r->main && ap_satisfies(r) != SATISFY_ANY,
                    role_vars(r, "ACCESS_CHECKER"), &answer);
    if (answer == PA_ANSWER_GRANTED) {
        return OK;
    }
    /* OK: its answer went to the client, whole or cut. */
    return rc == OK ? DONE : rc;
}

/* With mod_authn_socache (AuthnCacheProvideFor prefork-app), the user and
 * a salted hash of the password the app accepted: until AuthnCacheTimeout,
 * its "socache" provider lets the user in without asking the app. */
static void remember(request_rec *r, const char *user, const char *password)
{
    static const char salt_chars[] =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char rnd[PA_SALT_LEN];
    char salt[PA_SALT_LEN + 1], hash[120];
    int i;

    if (!cache_store
        || apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        return;
    }
    for (i = 0; i < PA_SALT_LEN; i++) {
        salt[i] = salt_chars[rnd[i] % (sizeof(salt_chars) - 1)];
    }
    salt[PA_SALT_LEN] = '\0';
    if (apr_md5_encode(password, salt, hash, sizeof(hash)) == APR_SUCCESS) {
        cache_store(r, PA_AUTH_PROVIDER, user, NULL, hash);
    }
}

static authn_status check_password(request_rec *r, const char *user,
                                   const char *password)
{
    const pa_dir_conf_t *d = dir_conf(r);
    apr_table_t *vars;
    pa_answer_e answer;
    int rc;

    if (!d->authenticator || !*d->authenticator) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00335)
                      "AuthBasicProvider " PA_AUTH_PROVIDER ": no "
                      "PreforkAppAuthenticator here names the app to ask");
        return AUTH_GENERAL_ERROR;
    }
    vars = role_vars(r, "AUTHENTICATOR");
    apr_table_setn(vars, "REMOTE_USER", user);
    apr_table_setn(vars, "REMOTE_PASSWD", password);
    rc = pa_ask_app(r, d->authenticator, 0, vars, &answer);
    switch (answer) {
    case PA_ANSWER_GRANTED:
        remember(r, user, password);
        return AUTH_GRANTED;
    case PA_ANSWER_REFUSED:
        /* A 404 lets the next AuthBasicProvider try the user. */
        return rc == HTTP_NOT_FOUND ? AUTH_USER_NOT_FOUND : AUTH_DENIED;
    default:
        return AUTH_GENERAL_ERROR;
    }
}

static const authn_provider authn_app = { check_password, NULL };

static authz_status check_authorization(request_rec *r,
                                        const char *require_line,
                                        const void *parsed)
{
    const char *name = parsed;
    pa_answer_e answer;

    (void)require_line;
    pa_ask_app(r, name, 0, role_vars(r, "AUTHORIZER"), &answer);
    switch (answer) {
    case PA_ANSWER_GRANTED:
        return AUTHZ_GRANTED;
    case PA_ANSWER_REFUSED:
        /* Where a login is configured, a refused stranger is asked for
         * one (as Require valid-user does). */
        return !r->user && ap_auth_type(r) ? AUTHZ_DENIED_NO_USER
                                           : AUTHZ_DENIED;
    default:
        return AUTHZ_GENERAL_ERROR;
    }
}

/* "Require prefork-app NAME": one name (configtest checks that it is a
 * FastCGI app, PA00001/PA00026). */
static const char *parse_require(cmd_parms *cmd, const char *line,
                                 const void **parsed)
{
    const char *name = ap_getword_conf(cmd->pool, &line);

    if (!*name || *ap_getword_conf(cmd->temp_pool, &line)) {
        return "Require " PA_AUTH_PROVIDER " takes one app name";
    }
    *parsed = name;
    return NULL;
}

static const authz_provider authz_app = { check_authorization,
                                          parse_require };

static void retrieve_cache_store(void)
{
    cache_store = APR_RETRIEVE_OPTIONAL_FN(ap_authn_cache_store);
}

void pa_auth_register(apr_pool_t *p)
{
    /* optional_fn_retrieve: MIDDLE; mod_authn_socache registers its
     * function when it registers its hooks. */
    ap_hook_optional_fn_retrieve(retrieve_cache_store, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    /* Per section: a subrequest or internal redirect under the same
     * configuration is not asked again. */
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP, PA_AUTH_PROVIDER,
                              AUTHN_PROVIDER_VERSION, &authn_app,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, PA_AUTH_PROVIDER,
                              AUTHZ_PROVIDER_VERSION, &authz_app,
                              AP_AUTH_INTERNAL_PER_CONF);
}
