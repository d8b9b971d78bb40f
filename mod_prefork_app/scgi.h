/* SCGI client protocol (the web-server side of SCGI 1, python.ca/scgi):
 * the request header netstring.
 *
 * An SCGI request is the netstring "LEN:" NAME NUL VALUE NUL ... "," with
 * CONTENT_LENGTH first and SCGI=1 among the variables, followed by exactly
 * CONTENT_LENGTH bytes of body. The reply is a CGI response read to EOF, one
 * request per connection: its header block is scanned like FastCGI's STDOUT
 * (pa_fcgi_head_scan in fcgi.h). Pure code on APR only, like fcgi.c.
 */
#ifndef PA_SCGI_H
#define PA_SCGI_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"

/* Build the header netstring for env (entries with a NULL key, and the
 * CONTENT_LENGTH and SCGI entries of env, are left out: this puts its own
 * CONTENT_LENGTH first and SCGI=1 second). Returns the buffer; its length
 * is in *len. A negative content_length, for protocol=cgi's launcher only
 * (an SCGI app needs a number), sends an empty CONTENT_LENGTH: a request
 * without a body, whose program gets no CONTENT_LENGTH (RFC 3875 4.1.2). */
char *pa_scgi_build_header(apr_pool_t *p, const apr_table_t *env,
                           apr_off_t content_length, apr_size_t *len);

#endif
