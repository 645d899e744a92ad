/* The sgemm products inside a net's steps, per layer (see gemm.h). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "kit/gemm.h"

#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/bench.h"
#include "kit/check.h"
#include "kit/clock.h"

/* ---- sgemm interposition ---- */

typedef void (*sgemm_fn)(OPENBLAS_CONST enum CBLAS_ORDER, OPENBLAS_CONST enum CBLAS_TRANSPOSE,
                         OPENBLAS_CONST enum CBLAS_TRANSPOSE, OPENBLAS_CONST blasint,
                         OPENBLAS_CONST blasint, OPENBLAS_CONST blasint, OPENBLAS_CONST float,
                         OPENBLAS_CONST float *, OPENBLAS_CONST blasint, OPENBLAS_CONST float *,
                         OPENBLAS_CONST blasint, OPENBLAS_CONST float, float *,
                         OPENBLAS_CONST blasint);

/* One shape of product seen: transposes, sizes, calls and their seconds. */
typedef struct rec {
  int ta, tb;
  long m, n, k;
  size_t calls;
  double secs;
} rec;

enum { MAX_REC = 256 };
static rec recs[MAX_REC];
static size_t n_recs;
static int recording;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static sgemm_fn real_sgemm(void) {
  static sgemm_fn fn;
  if (!fn) {
    void *p = dlsym(RTLD_NEXT, "cblas_sgemm");
    if (!p) {
      fprintf(stderr, "error: cannot find OpenBLAS's cblas_sgemm\n");
      exit(1);
    }
    memcpy(&fn, &p, sizeof fn); /* object to function pointer, as POSIX allows */
  }
  return fn;
}

void cblas_sgemm(OPENBLAS_CONST enum CBLAS_ORDER o, OPENBLAS_CONST enum CBLAS_TRANSPOSE ta,
                 OPENBLAS_CONST enum CBLAS_TRANSPOSE tb, OPENBLAS_CONST blasint m,
                 OPENBLAS_CONST blasint n, OPENBLAS_CONST blasint k, OPENBLAS_CONST float alpha,
                 OPENBLAS_CONST float *a, OPENBLAS_CONST blasint lda, OPENBLAS_CONST float *b,
                 OPENBLAS_CONST blasint ldb, OPENBLAS_CONST float beta, float *c,
                 OPENBLAS_CONST blasint ldc) {
  sgemm_fn real = real_sgemm();
  if (!recording) {
    real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  double t0 = kit_now();
  real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  double dt = kit_now() - t0;
  int at = ta != CblasNoTrans, bt = tb != CblasNoTrans;
  pthread_mutex_lock(&lock);
  size_t i = 0;
  while (i < n_recs && !(recs[i].ta == at && recs[i].tb == bt && recs[i].m == m &&
                         recs[i].n == n && recs[i].k == k))
    i++;
  if (i < MAX_REC) {
    if (i == n_recs) recs[n_recs++] = (rec){at, bt, m, n, k, 0, 0};
    recs[i].calls++;
    recs[i].secs += dt;
  }
  pthread_mutex_unlock(&lock);
}

void kit_gemm_record(int on) {
  if (on) n_recs = 0;
  recording = on;
}

/* GFLOP/s of the best of three n x n x n sgemms on `threads` threads. */
static double sgemm_peak(size_t threads, size_t n) {
  float *a = kit_alloc(n * n, sizeof *a), *b = kit_alloc(n * n, sizeof *b),
        *c = kit_alloc(n * n, sizeof *c);
  for (size_t i = 0; i < n * n; i++) {
    a[i] = (float)(i % 7) * 0.25f;
    b[i] = (float)(i % 5) * 0.5f;
  }
  openblas_set_num_threads((int)threads);
  double best = INFINITY;
  for (int r = 0; r < 4; r++) { /* the first is a warm-up */
    double t0 = kit_now();
    real_sgemm()(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)n, (blasint)n,
                 1.0f, a, (blasint)n, b, (blasint)n, 0.0f, c, (blasint)n);
    double dt = kit_now() - t0;
    if (r && dt < best) best = dt;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
}

double kit_sgemm_peaks(size_t threads, size_t n) {
  double peak1 = sgemm_peak(1, n), peak = sgemm_peak(threads, n);
  printf("sgemm peak of this machine (%zu x %zu x %zu, OpenBLAS's %s kernels): %.1f GFLOP/s on 1 "
         "thread, %.1f on %zu\n",
         n, n, n, kit_blas_core(), peak1, peak, threads);
  return peak1;
}

/* ---- the layers, from the library's inspection ---- */

size_t kit_gemm_layers(const fmnist_model *m, kit_gemm_layer *out, size_t cap) {
  size_t n, found = 0, convs = 0, denses = 0;
  size_t channels = 1; /* of a layer's input: the image's one, then the last output's */
  kit_check(fmnist_net_layer_count(m, &n));
  for (size_t i = 0; i < n; i++) {
    const char *kind;
    size_t shape[3], params;
    kit_check(fmnist_net_layer(m, i, &kind, shape, &params, NULL));
    int conv = !strcmp(kind, "conv"), dense = !strcmp(kind, "dense");
    if ((conv || dense) && found < cap) {
      kit_gemm_layer *l = &out[found++];
      l->out = (long)shape[0];
      l->in = (long)(params / shape[0]) - 1; /* each output: its weights and a bias */
      l->cols = (long)(shape[1] * shape[2]);
      /* a conv's inputs are C*k*k: k from C, the channels coming in */
      long k = 1;
      while (conv && (k + 1) * (k + 1) * (long)channels <= l->in) k++;
      l->wino = conv && k == 3;
      if (conv)
        snprintf(l->name, sizeof l->name, "conv%zu %ld@%ldx%ld", ++convs, l->out, k, k);
      else
        snprintf(l->name, sizeof l->name, "dense%zu %ld", ++denses, l->out);
    }
    channels = shape[0];
  }
  return found;
}

/* ---- naming the recorded products ---- */

/* Which layer and product a recorded sgemm is (the conv layers' sgemm
 * shapes are in src/nn/layer_conv.c, the dense layers' in src/nn/layer_dense.c):
 * forward NN  M=out N=cols K=in; dW NT  M=out N=in K=cols;
 * dX TN  M=in N=cols K=out; the Winograd path (src/kernels/winograd.c), 36
 * products per layer, pass and group of tiles, never cut, their columns a
 * group's tiles x images: "wino" (forward) NN  M=out N=columns K=in/9,
 * "wino dW" NT  M=out N=in/9 K=columns, "wino dX" TN  M=in/9 N=columns
 * K=out.
 * The library cuts each product into parts
 * along its larger side of M and N, one per thread, so M or N may be a
 * part of the layer's. Ties (conv4 and dense1 have the same out and in) go
 * to the layer with more columns per sample that divides the count. */
static int is_part(long whole, long part) { return part > 0 && part <= whole; }

static int classify(const rec *r, const kit_gemm_layer *ls, size_t n_ls, int *op) {
  int best = -1;
  for (size_t i = 0; i < n_ls; i++) {
    const kit_gemm_layer *l = &ls[i];
    int fits, o;
    if (!r->ta && !r->tb && l->wino && r->k * 9 == l->in && r->m == l->out) /* Winograd */
      o = 3, fits = 1;
    else if (!r->ta && r->tb && l->wino && r->n * 9 == l->in && r->m == l->out)
      o = 4, fits = 1;
    else if (r->ta && !r->tb && l->wino && r->m * 9 == l->in && r->k == l->out)
      o = 5, fits = 1;
    else if (!r->ta && !r->tb) /* forward */
      o = 0, fits = r->k == l->in && is_part(l->out, r->m) && r->n % l->cols == 0;
    else if (!r->ta && r->tb) /* dW */
      o = 1, fits = r->k % l->cols == 0 && ((r->m == l->out && is_part(l->in, r->n)) ||
                                            (r->n == l->in && is_part(l->out, r->m)));
    else if (r->ta && !r->tb) /* dX */
      o = 2, fits = r->k == l->out && is_part(l->in, r->m) && r->n % l->cols == 0;
    else
      return -1;
    if (fits && (best < 0 || l->cols > ls[best].cols)) best = (int)i, *op = o;
  }
  return best;
}

double kit_gemm_report(const kit_gemm_layer *ls, size_t n_ls, size_t steps, double peak1,
                       double step_s, const char *what) {
  static const char *const ops[6] = {"forward", "dW", "dX", "wino", "wino dW", "wino dX"};
  double total = 0;
  printf("\nsgemm inside %zu real %s (library calls intercepted; each product cut into parts,\n"
         "one per thread), one thread's sgemm peak %.1f GFLOP/s\n", steps, what, peak1);
  printf("%-15s %-8s %6s %6s %5s %7s %13s %11s %7s\n", "layer", "product", "out", "in", "cols",
         "parts", "thread-ms/st", "GFLOP/s/th", "%peak");
  for (size_t l = 0; l <= n_ls; l++)
    for (int o = 0; o < 6; o++) {
      double flop = 0, secs = 0;
      size_t calls = 0;
      for (size_t i = 0; i < n_recs; i++) {
        const rec *r = &recs[i];
        int op = 0, which = classify(r, ls, n_ls, &op);
        if (which < 0) which = (int)n_ls, op = 0;
        if ((size_t)which != l || op != o) continue;
        flop += 2.0 * (double)r->m * (double)r->n * (double)r->k * (double)r->calls;
        secs += r->secs;
        calls += r->calls;
      }
      if (!calls) continue;
      double gf = flop / secs * 1e-9;
      total += secs;
      if (l < n_ls)
        printf("%-15s %-8s %6ld %6ld %5ld %7zu %13.3f %11.1f %6.1f%%\n", ls[l].name, ops[o],
               ls[l].out, ls[l].in, ls[l].cols, calls, 1e3 * secs / (double)steps, gf,
               100 * gf / peak1);
      else
        printf("%-15s %-8s %6s %6s %5s %7zu %13.3f %11.1f %6.1f%%\n", "?", "?", "", "", "", calls,
               1e3 * secs / (double)steps, gf, 100 * gf / peak1);
    }
  printf("per step: %.3f ms wall; sgemm %.3f thread-ms (all threads together)\n", 1e3 * step_s,
         1e3 * total / (double)steps);
  return total;
}
