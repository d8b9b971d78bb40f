/* cgi: protocol=cgi workers. A CGI program needs its request's variables
 * before it starts, so the manager cannot exec it ahead of time. What it
 * preforks instead is a launcher: the forked worker process waits on the
 * slot's listen socket (fd 0), accepts one connection, reads the request's
 * variables as an SCGI header netstring (scgi.h; dispatch sends it as for
 * protocol=scgi), puts the connection on the program's stdin and stdout and
 * execs it. The program reads the body from stdin (EOF after CONTENT_LENGTH
 * bytes: httpd shuts its side down) and writes a CGI response to stdout;
 * its stderr goes to the manager, which logs it. One request per process:
 * the claim marks the worker's last request, so the manager starts the next
 * launcher while the program runs.
 */
#ifndef PA_CGI_H
#define PA_CGI_H

#include "mod_prefork_app.h"

/* The variable by which a launcher knows httpd's requests: any process
 * running as User can reach its socket, and must not choose a program's
 * variables (REMOTE_USER, SCRIPT_FILENAME) when it runs as user=. Its
 * value is a key made once per httpd parent (kept across restarts), which
 * httpd's children and the launchers have from their parent's memory. */
#define PA_CGI_KEY_VAR "PREFORK_APP_CGI_KEY"

/* Makes the key, or takes the one an earlier generation made (in
 * process_pool, which outlives restarts); in post_config, before the
 * manager and the children fork. */
apr_status_t pa_cgi_key_init(apr_pool_t *process_pool);

/* The key (NUL-terminated hex), for the requests to protocol=cgi apps. */
const char *pa_cgi_key(void);

/* In the forked worker, set up as for an exec (fd 0 the listen socket, fd 2
 * the manager's pipe, identity and directory switched): serve one request
 * by becoming app's program. envp: the app's own environment (PreforkAppEnv,
 * PATH), to which the request's variables are added; other_rights: the
 * program runs with other rights than httpd's User and Group, so only
 * CGI's variables are taken. Never returns. */
void pa_cgi_serve(const pa_app_t *app, const char **envp, int other_rights);

#endif
