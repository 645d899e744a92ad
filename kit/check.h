/* Checked calls: a failed library call or allocation ends the program
 * with a message in words. */
#ifndef FMNIST_KIT_CHECK_H
#define FMNIST_KIT_CHECK_H

#include <stddef.h>

#include <fmnist.h>

/* Prints "error: <fmnist_last_error()>" and exits 1 unless s is FMNIST_OK
 * (under --mpi: unless every rank's s is; rank 0 prints). */
void kit_check(fmnist_status s);
/* malloc of n items of size bytes (at least one byte); prints "error: out
 * of memory" and exits 1 if it fails or n * size overflows. */
void *kit_alloc(size_t n, size_t size);
/* fmnist_model_set(m, key, printf(fmt, ...)), through kit_check. */
void kit_set(fmnist_model *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
