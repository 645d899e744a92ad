/* Check suite for the worker pool and the thread-split sgemm (internal API:
 * src/threads.h, src/gemm.h). */
#include <cblas.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/threads.h"
#include "kernels/gemm.h"
#include "testutil.h"

enum { MAX_TASKS = 1000 };

typedef struct counts {
  atomic_int hits[MAX_TASKS];
  size_t nested_threads; /* > 0: every task runs a parallel loop itself */
} counts;

static void count_task(void *ctx, size_t t) {
  counts *c = ctx;
  atomic_fetch_add(&c->hits[t], 1);
}

static void nested_task(void *ctx, size_t t) {
  counts *c = ctx;
  counts inner;
  memset(&inner, 0, sizeof inner);
  fmnist__parallel_for(c->nested_threads, 7, count_task, &inner);
  int all = 1;
  for (int i = 0; i < 7; i++) all &= atomic_load(&inner.hits[i]) == 1;
  if (all) atomic_fetch_add(&c->hits[t], 1);
}

/* Every task runs exactly once, for any thread count and task count, over
 * many loops in a row (the pool is reused) and with loops inside tasks
 * (the pool is taken: per-call threads). */
START_TEST(test_each_task_once) {
  static const size_t tasks[] = {0, 1, 2, 3, 17, 100, MAX_TASKS};
  for (size_t threads = 1; threads <= 4; threads++)
    for (size_t k = 0; k < sizeof tasks / sizeof tasks[0]; k++)
      for (int rep = 0; rep < 20; rep++) {
        counts *c = calloc(1, sizeof *c);
        fmnist__parallel_for(threads, tasks[k], count_task, c);
        for (size_t t = 0; t < MAX_TASKS; t++)
          ck_assert_int_eq(atomic_load(&c->hits[t]), t < tasks[k]);
        free(c);
      }
  counts *c = calloc(1, sizeof *c);
  c->nested_threads = 2;
  fmnist__parallel_for(2, 40, nested_task, c);
  for (size_t t = 0; t < 40; t++) ck_assert_int_eq(atomic_load(&c->hits[t]), 1);
  free(c);
}
END_TEST

static void mark_range(void *ctx, size_t lo, size_t hi) {
  counts *c = ctx;
  for (size_t i = lo; i < hi; i++) atomic_fetch_add(&c->hits[i], 1);
}

/* Ranges cover [0, n) exactly once whatever the grain. */
START_TEST(test_ranges_cover) {
  static const size_t ns[] = {0, 1, 5, 64, 999, MAX_TASKS}, grains[] = {0, 1, 3, 64, 5000};
  for (size_t threads = 1; threads <= 3; threads++)
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
      for (size_t g = 0; g < sizeof grains / sizeof grains[0]; g++) {
        counts *c = calloc(1, sizeof *c);
        fmnist__parallel_range(threads, ns[a], grains[g], mark_range, c);
        for (size_t i = 0; i < MAX_TASKS; i++) ck_assert_int_eq(atomic_load(&c->hits[i]), i < ns[a]);
        free(c);
      }
}
END_TEST

/* OpenBLAS's thread count is restored after a parallel loop. */
START_TEST(test_blas_threads_restored) {
  fmnist__blas_threads(2);
  counts *c = calloc(1, sizeof *c);
  fmnist__parallel_for(2, 10, count_task, c);
  ck_assert_int_eq(openblas_get_num_threads(), 2);
  fmnist__blas_threads(1);
  fmnist__parallel_for(3, 10, count_task, c);
  ck_assert_int_eq(openblas_get_num_threads(), 1);
  free(c);
}
END_TEST

/* Shapes (m, n, k): split along N (n > m), along M, too small to split. */
static const size_t shapes[][3] = {{32, 3000, 9}, {300, 40, 64}, {64, 6272, 288},
                                   {1152, 288, 128}, {5, 7, 3}, {128, 32, 784}};

/* Every part is a single-threaded sgemm over the whole K: the split
 * product is the plain one up to the rounding of OpenBLAS's kernel edges
 * (measured: at most 2e-6 on these shapes), whatever the transposes and
 * strides, and nothing outside C's columns is written. */
START_TEST(test_split_sgemm_matches) {
  const size_t *s = shapes[_i / 4];
  const int ta = _i % 2, tb = _i / 2 % 2;
  const size_t m = s[0], n = s[1], k = s[2];
  /* Leading dimensions wider than the matrices. */
  size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
  size_t rows_a = ta ? k : m, rows_b = tb ? n : k;
  float *a = malloc(rows_a * lda * sizeof *a), *b = malloc(rows_b * ldb * sizeof *b);
  float *want = malloc(m * ldc * sizeof *want), *got = malloc(m * ldc * sizeof *got);
  uint32_t x = 12345;
  for (size_t i = 0; i < rows_a * lda; i++) a[i] = (float)((x = x * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
  for (size_t i = 0; i < rows_b * ldb; i++) b[i] = (float)((x = x * 1664525u + 1013904223u) >> 8) / 16777216.0f - 0.5f;
  for (size_t i = 0; i < m * ldc; i++) want[i] = got[i] = -7.0f; /* padding must survive */
  fmnist__blas_threads(1);
  fmnist__sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.0f, want, ldc);
  for (size_t threads = 2; threads <= 3; threads++) {
    fmnist__sgemm_threads(threads, ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.0f, got, ldc);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < ldc; j++) {
        float w = want[i * ldc + j], g = got[i * ldc + j];
        if (j >= n)
          ck_assert_msg(g == -7.0f, "padding of row %zu overwritten", i);
        else
          ck_assert_msg(fabsf(w - g) <= 1e-6f * (float)k, "%zux%zux%zu ta %d tb %d threads %zu: "
                        "(%zu, %zu) %g, unsplit %g", m, n, k, ta, tb, threads, i, j, g, w);
      }
  }
  free(a);
  free(b);
  free(want);
  free(got);
}
END_TEST

static Suite *threads_suite(void) {
  Suite *s = suite_create("threads");
  TCase *tc = tcase_create("threads");
  tcase_add_test(tc, test_each_task_once);
  tcase_add_test(tc, test_ranges_cover);
  tcase_add_test(tc, test_blas_threads_restored);
  tcase_add_loop_test(tc, test_split_sgemm_matches, 0, 4 * (int)(sizeof shapes / sizeof shapes[0]));
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(threads_suite)
