/* libFuzzer targets for the FastCGI reply parser and the CGI header
 * scanner, with the checks of the property tests (fcgi_prop.c): a crash
 * is a read past a buffer (ASan) or a property that failed. Not run by
 * make check; by hand, in the build directory:
 *
 *   make fuzz
 *   mkdir -p cp ch
 *   test/unit/fuzz_fcgi_parse -max_total_time=600 -max_len=4096 cp
 *   test/unit/fuzz_fcgi_head -max_total_time=600 -max_len=70000 ch
 *
 * The parse target's first two bytes are the request id, the third one
 * one_ok (bit 0) and the seed of the cuts; the head target's first byte is
 * the seed. The rest is the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fcgi_prop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *e;

#ifdef FUZZ_HEAD
    if (size < 1) {
        return 0;
    }
    e = fcgi_prop_head(data + 1, size - 1, data[0], NULL);
#else
    apr_uint16_t id;

    if (size < 3) {
        return 0;
    }
    /* 0 is no request's id */
    id = (apr_uint16_t)((data[0] << 8) | data[1]);
    e = fcgi_prop_parse(data + 3, size - 3, id ? id : 1, data[2] & 1,
                        data[2] >> 1, NULL);
#endif
    if (e) {
        fprintf(stderr, "property failed: %s\n", e);
        abort();
    }
    return 0;
}
