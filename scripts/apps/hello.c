/* hello: the bundled sample FastCGI app (libfcgi). Its listen socket is fd 0,
 * as for any FastCGI app spawned by a process manager. */
#include <fcgi_stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    unsigned long served = 0;

    while (FCGI_Accept() >= 0) {
        const char *uri = getenv("REQUEST_URI");

        served++;
        printf("Content-Type: text/plain\r\n\r\n"
               "Hello from mod_prefork_app!\n"
               "worker pid %ld, request %lu of this worker, uri %s\n",
               (long)getpid(), served, uri ? uri : "?");
    }
    return 0;
}
