/* The one door through which the library allocates memory.
 *
 * Test builds (FMNIST_ALLOC_TESTING) can make the Nth allocation fail, so a
 * test can walk every failure point of an operation and check that each
 * returns FMNIST_E_NOMEM and leaks nothing. */
#ifndef FMNIST_SRC_BASE_ALLOC_H
#define FMNIST_SRC_BASE_ALLOC_H

#include <stddef.h>

/* Blocks start on a cache line: the nets' buffers are split between
 * threads by runs of 16 floats (16 images of a pixel), and a run that
 * straddled two lines would share one with another thread's run (malloc
 * aligns to 16 bytes only). */
#define FMNIST__ALLOC_ALIGN 64

/* malloc(size), aligned to FMNIST__ALLOC_ALIGN; NULL on failure (size 0
 * gives a unique pointer). */
void *fmnist__alloc(size_t size);
/* Zeroed count*size bytes, aligned the same; NULL on failure or if
 * count*size overflows. */
void *fmnist__calloc(size_t count, size_t size);
/* Resizes p (the result aligned as malloc's only); on failure returns NULL
 * and p is untouched. */
void *fmnist__realloc(void *p, size_t size);
void fmnist__free(void *p);
/* a*b into *out; 0 if it overflows size_t, else 1. */
int fmnist__mul_ok(size_t a, size_t b, size_t *out);

#ifdef FMNIST_ALLOC_TESTING
/* Makes the n-th allocation from now fail (1 = the next), 0 = never.
 * Returns the number of allocations made since the last call. */
size_t fmnist__alloc_fail_at(size_t n);
#endif

#endif
