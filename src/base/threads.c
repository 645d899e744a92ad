/* Thread counts and parallel-for on pthreads (no OpenMP: one runtime fewer
 * to link, and ThreadSanitizer understands pthreads). */
#include "base/threads.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
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
  if (n == 0) n = 1;
  /* Only on a change: the layers' loops call this twice each. */
  if ((size_t)openblas_get_num_threads() != n) openblas_set_num_threads((int)n);
}

static pthread_mutex_t blas_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t blas_depth; /* public calls inside enter/leave */
static int blas_host;     /* the host's count, saved by the first */

void fmnist__blas_enter(void) {
  pthread_mutex_lock(&blas_mu);
  if (blas_depth++ == 0) blas_host = openblas_get_num_threads();
  pthread_mutex_unlock(&blas_mu);
}

void fmnist__blas_leave(void) {
  pthread_mutex_lock(&blas_mu);
  if (--blas_depth == 0) fmnist__blas_threads(blas_host > 0 ? (size_t)blas_host : 1);
  pthread_mutex_unlock(&blas_mu);
}

typedef struct loop {
  fmnist__task_fn fn;
  void *ctx;
  size_t n_tasks;
  atomic_size_t next;
} loop;

static void run_loop(loop *l) {
  for (;;) {
    size_t t = atomic_fetch_add(&l->next, 1);
    if (t >= l->n_tasks) break;
    l->fn(l->ctx, t);
  }
}

static void *spawned(void *arg) {
  run_loop(arg);
  return NULL;
}

/* Per-call threads: the fallback when the pool is taken (concurrent or
 * nested loops) or cannot grow. */
static void spawn_loop(loop *l, size_t threads) {
  enum { MAX_SPAWN = 256 };
  pthread_t tid[MAX_SPAWN];
  size_t started = 0;
  if (threads > MAX_SPAWN) threads = MAX_SPAWN;
  for (size_t i = 1; i < threads; i++) {
    if (pthread_create(&tid[started], NULL, spawned, l) != 0) break;
    started++;
  }
  run_loop(l);
  for (size_t i = 0; i < started; i++) pthread_join(tid[i], NULL);
}

/* The persistent pool: between loops, workers first spin for a short
 * while (a training step issues its loops microseconds apart) and then
 * park on `wake`, so a loop costs no thread creation and, mostly, no
 * sleep and wake-up either. One loop at a time (`owner`, taken with
 * trylock); a second concurrent caller uses spawn_loop. The pool is
 * process-wide because the interface carries no handle; it holds no
 * results, only threads, so results depend on the tasks alone. Workers
 * are joined when the library unloads. */
enum { POOL_MAX = 255 };
/* Polls of the generation before parking (~50 us). */
#define SPIN_POLLS 20000
static pthread_mutex_t owner = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static pthread_t workers[POOL_MAX];
static size_t n_workers, want;
static atomic_size_t active;
static atomic_ulong generation;
static unsigned long start_gen[POOL_MAX];
static atomic_int quitting;
static loop *job;

static void cpu_relax(void) {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#endif
}

/* Spins until *v differs from `old` or the polls run out; 1 if it did. */
static int spin_while_ulong(atomic_ulong *v, unsigned long old) {
  for (int i = 0; i < SPIN_POLLS; i++) {
    if (atomic_load_explicit(v, memory_order_acquire) != old || atomic_load(&quitting)) return 1;
    cpu_relax();
  }
  return 0;
}

static void *pool_worker(void *arg) {
  const size_t me = (size_t)(uintptr_t)arg;
  pthread_mutex_lock(&mu);
  unsigned long seen = start_gen[me]; /* the generation when it was created */
  pthread_mutex_unlock(&mu);
  for (;;) {
    if (!spin_while_ulong(&generation, seen)) {
      pthread_mutex_lock(&mu);
      while (atomic_load(&generation) == seen && !atomic_load(&quitting))
        pthread_cond_wait(&wake, &mu);
      pthread_mutex_unlock(&mu);
    }
    if (atomic_load(&quitting)) break;
    seen = atomic_load(&generation);
    /* job and want were written before generation moved (seq_cst). */
    if (me >= want) continue;
    run_loop(job);
    if (atomic_fetch_sub(&active, 1) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_signal(&done);
      pthread_mutex_unlock(&mu);
    }
  }
  return NULL;
}

#if defined(__GNUC__)
__attribute__((destructor)) static void pool_stop(void) {
  pthread_mutex_lock(&mu);
  atomic_store(&quitting, 1);
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&mu);
  for (size_t i = 0; i < n_workers; i++) pthread_join(workers[i], NULL);
  n_workers = 0;
}
#endif

void fmnist__parallel_for(size_t threads, size_t n_tasks, fmnist__task_fn fn,
                          void *ctx) {
  loop l = {fn, ctx, n_tasks, 0};
  if (threads > n_tasks) threads = n_tasks;
  if (threads <= 1) {
    run_loop(&l);
    return;
  }
  int blas_before = openblas_get_num_threads();
  fmnist__blas_threads(1);
  if (pthread_mutex_trylock(&owner) != 0) {
    spawn_loop(&l, threads);
  } else {
    size_t helpers = threads - 1 < POOL_MAX ? threads - 1 : POOL_MAX;
    pthread_mutex_lock(&mu);
    while (n_workers < helpers &&
           ((void)(start_gen[n_workers] = atomic_load(&generation)), 1) &&
           pthread_create(&workers[n_workers], NULL, pool_worker,
                          (void *)(uintptr_t)n_workers) == 0)
      n_workers++;
    if (helpers > n_workers) helpers = n_workers;
    job = &l;
    want = helpers;
    atomic_store(&active, helpers);
    atomic_fetch_add(&generation, 1);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mu);
    run_loop(&l);
    /* The helpers finish within microseconds of the caller: spin first. */
    for (int i = 0; i < SPIN_POLLS && atomic_load_explicit(&active, memory_order_acquire); i++)
      cpu_relax();
    pthread_mutex_lock(&mu);
    while (atomic_load(&active)) pthread_cond_wait(&done, &mu);
    pthread_mutex_unlock(&mu);
    pthread_mutex_unlock(&owner);
  }
  fmnist__blas_threads((size_t)blas_before);
}

typedef struct range {
  fmnist__range_fn fn;
  void *ctx;
  size_t n, chunk;
} range;

static void range_task(void *ctx, size_t t) {
  const range *r = ctx;
  size_t lo = t * r->chunk, hi = lo + r->chunk < r->n ? lo + r->chunk : r->n;
  r->fn(r->ctx, lo, hi);
}

void fmnist__parallel_range(size_t threads, size_t n, size_t grain, fmnist__range_fn fn,
                            void *ctx) {
  if (grain == 0) grain = 1;
  if (threads <= 1 || n <= grain) {
    if (n) fn(ctx, 0, n);
    return;
  }
  size_t tasks = (n + grain - 1) / grain;
  if (tasks > 4 * threads) tasks = 4 * threads;
  range r = {fn, ctx, n, (n + tasks - 1) / tasks};
  fmnist__parallel_for(threads, (n + r.chunk - 1) / r.chunk, range_task, &r);
}
