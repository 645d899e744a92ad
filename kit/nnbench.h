/* Shared body of the neural-network benchmarks (nn_dense_epoch,
 * cnn_final_epoch, cnn_final_infer): timing part of an epoch through the
 * progress callback, the PyTorch / scikit-learn peer (bench/peers/
 * torch_peer.py), the sgemm peak of this machine, and per-layer GFLOP/s of
 * the GEMMs inside real training steps.
 *
 * Per-layer GEMM figures: this program defines cblas_sgemm itself. The
 * library (libfmnist.so) calls cblas_sgemm through the PLT, and the
 * executable's definition comes first in the global lookup scope, so every
 * library sgemm lands here, is timed, and goes on to OpenBLAS's
 * (dlsym(RTLD_NEXT)). OpenBLAS's own internal calls are not affected. The
 * overhead is two clock reads per sgemm. Header-only (static functions),
 * included by exactly one .c per program. The networks are the report's
 * presets (fmnist_model_create_preset), and the PyTorch peer builds
 * the same spec (bench/peers/torch_net.py). */
#ifndef FMNIST_BENCH_NNBENCH_H
#define FMNIST_BENCH_NNBENCH_H

#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "report.h" /* examples/: the report's networks, their one home */

/* ---- sgemm interposition ---- */

typedef void (*nb_sgemm_fn)(OPENBLAS_CONST enum CBLAS_ORDER, OPENBLAS_CONST enum CBLAS_TRANSPOSE,
                            OPENBLAS_CONST enum CBLAS_TRANSPOSE, OPENBLAS_CONST blasint,
                            OPENBLAS_CONST blasint, OPENBLAS_CONST blasint, OPENBLAS_CONST float,
                            OPENBLAS_CONST float *, OPENBLAS_CONST blasint,
                            OPENBLAS_CONST float *, OPENBLAS_CONST blasint, OPENBLAS_CONST float,
                            float *, OPENBLAS_CONST blasint);

typedef struct nb_rec {
  int ta, tb;
  long m, n, k;
  size_t calls;
  double secs;
} nb_rec;

enum { NB_MAX_REC = 256 };
static nb_rec nb_recs[NB_MAX_REC];
static size_t nb_n_recs;
static int nb_recording;
static pthread_mutex_t nb_lock = PTHREAD_MUTEX_INITIALIZER;

static inline nb_sgemm_fn nb_real(void) {
  static nb_sgemm_fn fn;
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
  nb_sgemm_fn real = nb_real();
  if (!nb_recording) {
    real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  double t0 = ex_now();
  real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  double dt = ex_now() - t0;
  int at = ta != CblasNoTrans, bt = tb != CblasNoTrans;
  pthread_mutex_lock(&nb_lock);
  size_t i = 0;
  while (i < nb_n_recs && !(nb_recs[i].ta == at && nb_recs[i].tb == bt && nb_recs[i].m == m &&
                            nb_recs[i].n == n && nb_recs[i].k == k))
    i++;
  if (i < NB_MAX_REC) {
    if (i == nb_n_recs) nb_recs[nb_n_recs++] = (nb_rec){at, bt, m, n, k, 0, 0};
    nb_recs[i].calls++;
    nb_recs[i].secs += dt;
  }
  pthread_mutex_unlock(&nb_lock);
}

static inline void nb_record(int on) {
  if (on) nb_n_recs = 0;
  nb_recording = on;
}

/* GFLOP/s of the best of three n x n x n sgemms on `threads` threads. */
static inline double nb_sgemm_peak(size_t threads, size_t n) {
  float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b),
        *c = malloc(n * n * sizeof *c);
  if (!a || !b || !c) exit(1);
  for (size_t i = 0; i < n * n; i++) {
    a[i] = (float)(i % 7) * 0.25f;
    b[i] = (float)(i % 5) * 0.5f;
  }
  openblas_set_num_threads((int)threads);
  double best = INFINITY;
  for (int r = 0; r < 4; r++) { /* the first is a warm-up */
    double t0 = ex_now();
    nb_real()(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)n, (blasint)n, (blasint)n, 1.0f,
              a, (blasint)n, b, (blasint)n, 0.0f, c, (blasint)n);
    double dt = ex_now() - t0;
    if (r && dt < best) best = dt;
  }
  free(a);
  free(b);
  free(c);
  return 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
}

/* Measures and prints the sgemm peak on one thread and on `threads`;
 * returns the one-thread figure, which the per-layer tables compare with
 * (every part of a split product runs on one thread). */
static inline double nb_peaks(size_t threads, size_t n) {
  double peak1 = nb_sgemm_peak(1, n), peak = nb_sgemm_peak(threads, n);
  printf("sgemm peak of this machine (%zu x %zu x %zu, OpenBLAS's %s kernels): %.1f GFLOP/s on 1 "
         "thread, %.1f on %zu\n",
         n, n, n, bu_blas_core(), peak1, peak, threads);
  return peak1;
}

/* Layers with GEMMs: outputs, inputs (C*k*k for conv), columns per sample
 * (H_out*W_out for conv, 1 for dense). */
typedef struct nb_layer {
  const char *name;
  long out, in, cols;
  long tiles; /* 2x2 output tiles per image on the Winograd path; 0: none */
} nb_layer;

/* The GEMM shapes of the report's two networks, for naming the recorded
 * products: the one place a benchmark restates an architecture, until the
 * library can describe a net's layers itself. */
static const nb_layer nb_cnn_final_layers[] = {
    {"conv1 32@3x3", 32, 9, 784, 0},     {"conv2 64@3x3", 64, 288, 196, 49},
    {"conv3 128@3x3", 128, 576, 49, 16}, {"conv4 128@3x3", 128, 1152, 9, 4},
    {"dense1 128", 128, 1152, 1, 0},     {"dense2 10", 10, 128, 1, 0}};
static const nb_layer nb_nn_dense_layers[] = {{"dense1 128", 128, 784, 1, 0},
                                              {"dense2 10", 10, 128, 1, 0}};

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
static inline int nb_part(long whole, long part) { return part > 0 && part <= whole; }

static inline int nb_classify(const nb_rec *r, const nb_layer *ls, size_t n_ls, int *op) {
  int best = -1;
  for (size_t i = 0; i < n_ls; i++) {
    const nb_layer *l = &ls[i];
    int fits, o;
    if (!r->ta && !r->tb && l->tiles && r->k * 9 == l->in && r->m == l->out) /* Winograd */
      o = 3, fits = 1;
    else if (!r->ta && r->tb && l->tiles && r->n * 9 == l->in && r->m == l->out)
      o = 4, fits = 1;
    else if (r->ta && !r->tb && l->tiles && r->m * 9 == l->in && r->k == l->out)
      o = 5, fits = 1;
    else if (!r->ta && !r->tb) /* forward */
      o = 0, fits = r->k == l->in && nb_part(l->out, r->m) && r->n % l->cols == 0;
    else if (!r->ta && r->tb) /* dW */
      o = 1, fits = r->k % l->cols == 0 && ((r->m == l->out && nb_part(l->in, r->n)) ||
                                            (r->n == l->in && nb_part(l->out, r->m)));
    else if (r->ta && !r->tb) /* dX */
      o = 2, fits = r->k == l->out && nb_part(l->in, r->m) && r->n % l->cols == 0;
    else
      return -1;
    if (fits && (best < 0 || l->cols > ls[best].cols)) best = (int)i, *op = o;
  }
  return best;
}

/* Per layer and product: thread-time per step, GFLOP/s per thread against
 * one thread's sgemm peak (every part runs on one thread). */
static inline double nb_report_gemms(const nb_layer *ls, size_t n_ls, size_t steps, double peak1,
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
      for (size_t i = 0; i < nb_n_recs; i++) {
        const nb_rec *r = &nb_recs[i];
        int op = 0, which = nb_classify(r, ls, n_ls, &op);
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

/* ---- our side ---- */

/* Flags of the epoch benchmarks. */
typedef struct nb_epoch_flags {
  size_t batches, warmup, peer_batches, batch, peak_n;
  const char *conv_algorithm, *augment; /* net options of ours; NULL: the default */
} nb_epoch_flags;

/* f: the epoch flags' net options, or NULL for the library's defaults. */
static inline fmnist_model *nb_model(const char *spec, const bu_common *c, size_t batch,
                                     size_t epochs, const nb_epoch_flags *f) {
  fmnist_model *m;
  char num[64];
  bu_check(fmnist_model_create("net", &m));
  bu_check(fmnist_model_set(m, "layers", spec));
  snprintf(num, sizeof num, "%llu", (unsigned long long)c->seed);
  bu_check(fmnist_model_set(m, "seed", num));
  snprintf(num, sizeof num, "%zu", c->threads);
  bu_check(fmnist_model_set(m, "threads", num));
  snprintf(num, sizeof num, "%zu", epochs);
  bu_check(fmnist_model_set(m, "epochs", num));
  snprintf(num, sizeof num, "%zu", batch);
  bu_check(fmnist_model_set(m, "batch", num));
  bu_check(fmnist_model_set(m, "lr", "0.001"));
  if (f && f->conv_algorithm) bu_check(fmnist_model_set(m, "conv_algorithm", f->conv_algorithm));
  if (f && f->augment) bu_check(fmnist_model_set(m, "augment", f->augment));
  return m;
}

typedef struct nb_window {
  size_t warmup, timed; /* batches */
  size_t n_batches;     /* of the epoch, from the callback */
  double t0, t1;
} nb_window;

/* Starts the clock and the sgemm record after `warmup` batches, stops them
 * `timed` batches later and cancels the fit. */
static inline int nb_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  nb_window *w = user;
  if (stage != FMNIST_STAGE_BATCH) return 0;
  w->n_batches = total;
  if (done == w->warmup) {
    nb_record(1);
    w->t0 = ex_now();
  }
  if (done == w->warmup + w->timed || done == total) {
    w->t1 = ex_now();
    nb_record(0);
    w->timed = done - w->warmup;
    return 1;
  }
  return 0;
}

/* Trains `spec` on train for warmup + timed batches (timed 0: the rest of
 * the epoch); returns seconds per batch of the timed ones. */
static inline double nb_time_batches(const char *spec, const bu_common *c,
                                     const fmnist_dataset *train, const nb_epoch_flags *f,
                                     nb_window *w) {
  const size_t batch = f->batch;
  fmnist_model *m = nb_model(spec, c, batch, 1, f);
  size_t n_batches = (fmnist_dataset_count(train) + batch - 1) / batch;
  if (w->warmup >= n_batches) w->warmup = n_batches / 10;
  if (!w->timed || w->warmup + w->timed > n_batches) w->timed = n_batches - w->warmup;
  bu_check(fmnist_model_set_progress(m, nb_progress, w));
  if (w->warmup == 0) { /* no batch reports done == 0: start now */
    nb_record(1);
    w->t0 = ex_now();
  }
  fmnist_status s = fmnist_model_fit(m, train, NULL);
  if (s != FMNIST_E_CANCELLED) bu_check(s);
  fmnist_model_free(m);
  return (w->t1 - w->t0) / (double)w->timed;
}

/* ---- report ---- */

static inline void nb_cell(double v, const char *fmt) {
  if (isnan(v)) printf(" %11s", "n/a");
  else printf(fmt, v);
}

/* One table row: the timed figure (seconds, or images/s with per_s), RSS,
 * test accuracy, ratio against ours. */
static inline void nb_row(const char *side, double value, double rss, double acc, double ratio) {
  printf("%-14s", side);
  nb_cell(value, " %11.3f");
  nb_cell(rss, " %11.1f");
  nb_cell(acc, " %11.4f");
  nb_cell(ratio, " %11.2f");
  printf("\n");
}

/* The RESULT line: ours_s/peer_s are seconds (of an epoch, or of the
 * inference of the test set); ratio = peer time / our time. */
static inline void nb_result(const char *name, double ours_s, double peer_s, const char *extra) {
  printf("RESULT bench=%s ours_s=%.4f peer_s=%.4f ratio=%.3f blas_core=%s%s\n", name, ours_s,
         peer_s, peer_s / ours_s, bu_blas_core(), extra ? extra : "");
  fflush(stdout);
}

static inline void nb_loadavg(char *out, size_t size) {
  FILE *f = fopen("/proc/loadavg", "r");
  out[0] = '\0';
  if (f) {
    if (!fgets(out, (int)size, f)) out[0] = '\0';
    fclose(f);
  }
  out[strcspn(out, "\n")] = '\0';
}

/* ---- the programs' common course ---- */

/* What every net benchmark sets up: the report's network `row`, the load
 * average before, the data (and, with --split-dir, the spec beside it),
 * and this machine's sgemm peaks (*peak1: one thread's). */
typedef struct nb_run {
  const char *spec;
  char load0[128];
  bu_data d;
  double peak1;
} nb_run;

static inline void nb_start(const bu_common *c, const char *row, size_t peak_n, nb_run *r) {
  r->spec = ex_report_layers(row);
  nb_loadavg(r->load0, sizeof r->load0);
  bu_load(c, &r->d);
  bu_write_layers(c, r->spec);
  r->peak1 = nb_peaks(c->threads, peak_n);
}

/* The flags of nb_epoch_flags, for bu_parse. */
#define NB_EPOCH_FLAGS(f)                                                                        \
  {"batches", BU_SIZE, &(f).batches, "timed batches of ours (0: the rest of the epoch)"},        \
      {"warmup", BU_SIZE, &(f).warmup, "untimed batches before them (both sides)"},              \
      {"peer-batches", BU_SIZE, &(f).peer_batches, "timed batches of PyTorch (0: whole epoch)"}, \
      {"batch", BU_SIZE, &(f).batch, "mini-batch size"},                                         \
      {"peak-n", BU_SIZE, &(f).peak_n, "size of the square sgemm measuring the peak"},           \
      {"conv-algorithm", BU_STRING, &(f).conv_algorithm, "ours: auto|im2col (none: auto)"},      \
      {"augment", BU_STRING, &(f).augment, "ours: transform spec of every batch (none)"}

/* Our epoch: c->runs windows of training batches, the sgemm
 * table of the first; returns seconds per batch (the median) and sets
 * *n_batches (of the epoch) and *timed (batches per window). */
static inline double nb_time_epoch(const bu_common *c, const nb_run *r, const nb_epoch_flags *f,
                                   const nb_layer *ls, size_t n_ls, size_t *n_batches,
                                   size_t *timed) {
  double runs[BU_MAX_RUNS];
  for (size_t i = 0; i < c->runs; i++) {
    nb_window w = {f->warmup, f->batches, 0, 0, 0};
    runs[i] = nb_time_batches(r->spec, c, r->d.train, f, &w);
    *n_batches = w.n_batches;
    *timed = w.timed;
    if (i == 0) nb_report_gemms(ls, n_ls, w.timed, r->peak1, runs[i], "training steps");
  }
  return bu_median(runs, c->runs);
}

#endif
