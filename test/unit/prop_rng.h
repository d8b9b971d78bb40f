/* A small seeded generator for the property tests (splitmix64): the same
 * seed gives the same cases on every machine, so a failure reruns as it
 * was. Not rand(): its sequence differs between C libraries. */
#ifndef PROP_RNG_H
#define PROP_RNG_H

#include "apr.h"

typedef struct {
    apr_uint64_t s;
} prop_rng_t;

static APR_INLINE apr_uint64_t prop_next(prop_rng_t *r)
{
    apr_uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* 0 .. n - 1 (0 when n is 0). */
static APR_INLINE apr_size_t prop_below(prop_rng_t *r, apr_size_t n)
{
    return n ? (apr_size_t)(prop_next(r) % n) : 0;
}

/* True one time in n. */
static APR_INLINE int prop_one_in(prop_rng_t *r, apr_size_t n)
{
    return prop_below(r, n) == 0;
}

#endif
