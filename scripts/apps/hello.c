/* hello: the bundled sample FastCGI app (libfcgi). Its listen socket is fd 0,
 * as for any FastCGI app spawned by a process manager. With HELLO_MAX_AGE=N
 * in its environment its answers may be shared for N seconds
 * (Cache-Control: max-age=N): a page for the response cache. */
#include <fcgi_stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    unsigned long served = 0;
    const char *max_age = getenv("HELLO_MAX_AGE");
    long shared = max_age ? strtol(max_age, NULL, 10) : 0;

    while (FCGI_Accept() >= 0) {
        const char *uri = getenv("REQUEST_URI");

        served++;
        if (shared > 0) {
            printf("Cache-Control: max-age=%ld\r\n", shared);
        }
        printf("Content-Type: text/plain\r\n\r\n"
               "Hello from mod_prefork_app!\n"
               "worker pid %ld, request %lu of this worker, uri %s\n",
               (long)getpid(), served, uri ? uri : "?");
    }
    return 0;
}
