/* Thread count resolution and a small parallel-for over pthreads.
 *
 * One level of parallelism per phase: either the library's own loop runs on
 * n threads with OpenBLAS at 1, or one big sgemm runs with OpenBLAS at n. */
#ifndef FMNIST_SRC_BASE_THREADS_H
#define FMNIST_SRC_BASE_THREADS_H

#include <stddef.h>

#include "fmnist/base.h"

/* 0 means all cores; otherwise the request itself. */
size_t fmnist__threads_resolve(size_t requested);

/* Sets OpenBLAS's (process-wide) thread count. */
void fmnist__blas_threads(size_t n);
/* OpenBLAS's thread count belongs to the host program: a public call that
 * may change it is bracketed by fmnist__blas_enter() and
 * fmnist__blas_leave(). The first call to enter (of any thread) saves the
 * host's count, the last to leave restores it; in between, concurrent
 * calls set what they need without one call's restore pulling the count
 * from under another's sgemms. */
void fmnist__blas_enter(void);
void fmnist__blas_leave(void);
/* (fmnist__parallel_for below sets OpenBLAS to one thread for its loop and
 * back to what it found: the library's own value, inside enter/leave.
 * Handles used at once from several threads share the setting.) */

typedef void (*fmnist__task_fn)(void *ctx, size_t task);

/* Runs fn(ctx, t) for every t in 0..n_tasks-1 on up to `threads` threads
 * (the caller's included), handing tasks out in order as threads free up.
 * Tasks must write disjoint outputs, so the result does not depend on which
 * thread ran which task. Helpers come from a persistent pool parked on a
 * condition variable (no thread creation per call); a call made while the
 * pool runs another loop (another handle, or a task's own loop) starts its
 * own threads instead. Falls back to the calling thread alone if no thread
 * can be started. Sets OpenBLAS to 1 thread for the duration (no nested
 * parallelism) and restores its previous setting afterwards. */
void fmnist__parallel_for(size_t threads, size_t n_tasks, fmnist__task_fn fn,
                          void *ctx);

/* Elements below which an elementwise loop stays on the calling thread
 * (waking a helper costs a few microseconds). */
#define FMNIST__PAR_GRAIN 16384

typedef void (*fmnist__range_fn)(void *ctx, size_t lo, size_t hi);

/* fn(ctx, lo, hi) over disjoint consecutive ranges covering [0, n), on up
 * to `threads` threads through fmnist__parallel_for; ranges are at least
 * `grain` long (one call on the caller's thread if n <= grain or threads
 * <= 1). For elementwise work whose result per index does not depend on
 * the split: range bounds vary with `threads`. */
void fmnist__parallel_range(size_t threads, size_t n, size_t grain, fmnist__range_fn fn,
                            void *ctx);

#endif
