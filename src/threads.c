/* Thread counts and parallel-for on pthreads (no OpenMP: one runtime fewer
 * to link, and ThreadSanitizer understands pthreads). */
#include "threads.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

FMNIST_API size_t fmnist_cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (size_t)n : 1;
}

size_t fmnist__threads_resolve(size_t requested) {
  return requested ? requested : fmnist_cpu_count();
}

void fmnist__blas_threads(size_t n) {
  if (n > 1024) n = 1024;
  openblas_set_num_threads((int)(n ? n : 1));
}

typedef struct loop {
  fmnist__task_fn fn;
  void *ctx;
  size_t n_tasks;
  atomic_size_t next;
} loop;

static void *worker(void *arg) {
  loop *l = arg;
  for (;;) {
    size_t t = atomic_fetch_add(&l->next, 1);
    if (t >= l->n_tasks) break;
    l->fn(l->ctx, t);
  }
  return NULL;
}

void fmnist__parallel_for(size_t threads, size_t n_tasks, fmnist__task_fn fn,
                          void *ctx) {
  enum { MAX_THREADS = 256 };
  pthread_t tid[MAX_THREADS];
  loop l = {fn, ctx, n_tasks, 0};
  size_t started = 0;
  int blas_before = openblas_get_num_threads();
  if (threads > n_tasks) threads = n_tasks;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads > 1) fmnist__blas_threads(1);
  for (size_t i = 1; i < threads; i++) {
    if (pthread_create(&tid[started], NULL, worker, &l) != 0) break;
    started++;
  }
  worker(&l);
  for (size_t i = 0; i < started; i++) pthread_join(tid[i], NULL);
  if (threads > 1) openblas_set_num_threads(blas_before);
}
