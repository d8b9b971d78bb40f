/* PreforkAppAlias: a URL space that is an app's, with no files behind it
 * (as mod_proxy's ProxyPass, mod_wsgi's WSGIScriptAlias). A request under
 * URL-PATH is mapped at translate_name, after mod_rewrite and mod_alias
 * (an Alias or Redirect under URL-PATH goes first): its handler is
 * the app's, SCRIPT_NAME the URL-PATH and PATH_INFO the rest, and httpd's
 * directory walk (a stat and an .htaccess open per path segment), the
 * <Directory> and <Files> sections and mod_mime are skipped; its
 * <Location> sections apply. */
#ifndef PA_ALIAS_H
#define PA_ALIAS_H

#include "mod_prefork_app.h"

/* The length of the URL path without its trailing '/'s ("/" is 0): the
 * prefix pa_path_covers() takes. */
static APR_INLINE apr_size_t pa_path_len(const char *path)
{
    apr_size_t len = strlen(path);

    while (len && path[len - 1] == '/') {
        len--;
    }
    return len;
}

/* Whether the URL path prefix (its first len bytes, no trailing '/')
 * covers path: path is it, or it followed by '/'. The request's mapping
 * and the configuration's warnings (PA00032, PA00033) share it. */
static APR_INLINE int pa_path_covers(const char *prefix, apr_size_t len,
                                     const char *path)
{
    return !strncmp(prefix, path, len)
           && (path[len] == '\0' || path[len] == '/');
}

/* Registers the translate_name, map_to_storage and type_checker hooks. */
void pa_alias_register_hooks(void);

/* The SCRIPT_NAME of a request mapped by PreforkAppAlias (its URL-PATH as
 * the request's path spells it, "" for "/"), or NULL. */
const char *pa_alias_script_name(const request_rec *r);

#endif
