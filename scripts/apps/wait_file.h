/* wait_file.h: the test apps' (echo, bad) wait=FILE. */
#ifndef PA_APPS_WAIT_FILE_H
#define PA_APPS_WAIT_FILE_H

#include <unistd.h>

/* Returns once file exists. Bounded (60 s), so that a failed test cannot
 * leave a worker stuck. */
static void wait_for_file(const char *file)
{
    int waited = 0;

    while (access(file, F_OK) != 0 && waited++ < 6000) {
        usleep(10000);
    }
}

#endif
