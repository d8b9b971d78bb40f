/* x-sendfile=DIR,...: an app answers with "X-Sendfile: PATH" and an empty
 * body, and httpd sends the file (mod_xsendfile's and lighttpd's header):
 * a large download does not hold a worker while the client takes it, and
 * httpd's own conditional and Range handling apply. Only files under the
 * directories the key names, checked on the descriptor httpd opened. */
#ifndef PA_SENDFILE_H
#define PA_SENDFILE_H

#include "mod_prefork_app.h"

/* The header an app sends, and the CGI variable (a request header's, as a
 * proxy in front of Rack or Symfony sets it) that tells the app it may. */
#define PA_SENDFILE_HEADER "X-Sendfile"
#define PA_SENDFILE_TYPE_VAR "HTTP_X_SENDFILE_TYPE"

/* Header scan of an app's reply: for an app with x-sendfile=, take the
 * header off the reply and return its path (NULL: none, or the app has no
 * x-sendfile=, whose header is its own and passes). */
const char *pa_sendfile_take(request_rec *r, const pa_app_t *app);

/* Handler, once the worker is released: answer with the file at path (the
 * app's status and headers, its own body dropped): OK, or the status of a
 * path that is not sent (404, 403, or 502 for one outside the app's
 * directories, not absolute or not a regular file; logged, PA00355). The
 * response is never stored by the response cache. */
int pa_sendfile_serve(request_rec *r, const pa_app_t *app, const char *path);

#endif
