/* sendfile: replies whose body is a file the app names (x-sendfile=). See
 * sendfile.h. */
#include "sendfile.h"

#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "apr_buckets.h"
#include "apr_strings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

APLOG_USE_MODULE(prefork_app);

const char *pa_sendfile_take(request_rec *r, const pa_app_t *app)
{
    const char *path;

    if (!app->sendfile_dirs) {
        return NULL;
    }
    path = apr_table_get(r->headers_out, PA_SENDFILE_HEADER);
    if (!path) {
        path = apr_table_get(r->err_headers_out, PA_SENDFILE_HEADER);
    }
    apr_table_unset(r->headers_out, PA_SENDFILE_HEADER);
    apr_table_unset(r->err_headers_out, PA_SENDFILE_HEADER);
    return path;
}

/* Whether real (a canonical path) is below one of the app's directories
 * (canonical too). */
static int allowed(const pa_app_t *app, const char *real)
{
    int i;

    for (i = 0; i < app->sendfile_dirs->nelts; i++) {
        const char *dir = APR_ARRAY_IDX(app->sendfile_dirs, i, const char *);
        apr_size_t n = strlen(dir);

        if (!strncmp(real, dir, n) && (dir[n - 1] == '/' || real[n] == '/')) {
            return 1;
        }
    }
    return 0;
}

/* Opens path for r, if it is a regular file below the app's directories:
 * what the opened descriptor is, not what the name was a moment before (a
 * link swapped in between). Else NULL, and why, and the status. */
static apr_file_t *open_allowed(request_rec *r, const pa_app_t *app,
                                const char *path, const char **why,
                                int *status)
{
    char real[PATH_MAX], link[32], err[120];
    apr_file_t *f = NULL;
    apr_status_t rv;
    struct stat st;
    ssize_t n;
    int fd;

    *status = HTTP_BAD_GATEWAY;
    if (path[0] != '/') {
        *why = "not an absolute path";
        return NULL;
    }
    /* What is outside is never opened (a device's open may do things). */
    if (!realpath(path, real)) {
        *status = errno == EACCES ? HTTP_FORBIDDEN
                  : errno == ENOENT || errno == ENOTDIR ? HTTP_NOT_FOUND
                  : HTTP_BAD_GATEWAY;
        *why = apr_pstrdup(r->pool, apr_strerror(APR_FROM_OS_ERROR(errno),
                                                 err, sizeof(err)));
        return NULL;
    }
    if (!allowed(app, real)) {
        *why = "not in a directory of x-sendfile=";
        return NULL;
    }
    /* (O_NONBLOCK: a FIFO swapped in would hold the open.) */
    fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *status = errno == EACCES ? HTTP_FORBIDDEN : HTTP_NOT_FOUND;
        *why = apr_pstrdup(r->pool, apr_strerror(APR_FROM_OS_ERROR(errno),
                                                 err, sizeof(err)));
        return NULL;
    }
    apr_snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, real, sizeof(real) - 1);
    if (n > 0) {
        real[n] = '\0';
    }
    if (n <= 0 || !allowed(app, real)) {
        *why = "not in a directory of x-sendfile= once opened";
    }
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "not a regular file";
    }
    /* The same file again, as a file APR closes: also once the core has
     * set it aside for a client slow to take it (apr_os_file_put()'s
     * would be left open then, one descriptor per big download). */
    else if ((rv = apr_file_open(&f, link, APR_FOPEN_READ
                                           | APR_FOPEN_SENDFILE_ENABLED,
                                 APR_OS_DEFAULT, r->pool)) != APR_SUCCESS) {
        *why = apr_pstrdup(r->pool, apr_strerror(rv, err, sizeof(err)));
    }
    close(fd);
    return f;
}

int pa_sendfile_serve(request_rec *r, const pa_app_t *app, const char *path)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_bucket_brigade *bb;
    apr_finfo_t fi;
    apr_file_t *f;
    const char *why = NULL;
    int status;

    /* What an app sends this way is mostly a download it let one user
     * have: kept out of mod_cache's and our cache as an admin's SetEnvIf
     * would (r->no_cache would also have httpd add "Expires: now" against
     * the app's own Cache-Control). */
    apr_table_setn(r->subprocess_env, "no-cache", "1");
    f = open_allowed(r, app, path, &why, &status);
    if (f && apr_file_info_get(&fi, APR_FINFO_NORM, f) != APR_SUCCESS) {
        why = "cannot be read";
    }
    if (why) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, PALOGNO(00355)
                      "%s: X-Sendfile '%s' not sent (%d): %s", app->name,
                      ap_escape_logitem(r->pool, path), status, why);
        return status;
    }
    /* The app's own body (and its length) is dropped. */
    apr_table_unset(r->headers_out, "Content-Length");
    ap_set_content_length(r, fi.size);
    if (!apr_table_get(r->headers_out, "Last-Modified")) {
        ap_update_mtime(r, fi.mtime);
        ap_set_last_modified(r);
    }
    if (!apr_table_get(r->headers_out, "ETag")) {
        etag_rec er;

        memset(&er, 0, sizeof(er));
        er.request_time = r->request_time;
        er.finfo = &fi;
        er.pathname = path;
        er.fd = f;
        apr_table_setn(r->headers_out, "ETag", ap_make_etag_ex(r, &er));
    }
    bb = apr_brigade_create(r->pool, ba);
    if (r->status == HTTP_OK) {
        int rc = ap_meets_conditions(r);

        if (rc == HTTP_NOT_MODIFIED) {
            r->status = rc;
        }
        else if (rc != OK) {
            return rc;
        }
    }
    if (r->status != HTTP_NOT_MODIFIED && fi.size > 0) {
        apr_brigade_insert_file(bb, f, 0, fi.size, r->pool);
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    /* Else the client is gone, or a filter answered instead (a 416): the
     * reply is over either way. */
    (void)ap_pass_brigade(r->output_filters, bb);
    return OK;
}
