/* The net benchmarks' course (see netbench.h). */
#include "kit/netbench.h"

#include <stdio.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/report.h"
#include "kit/table.h"

void kit_netbench_start(const kit_common *c, const char *row, size_t peak_n, kit_netbench *r) {
  r->spec = kit_report_layers(row);
  kit_loadavg(r->load0, sizeof r->load0);
  kit_bench_data(c, &r->d, r->spec);
  fmnist_model *m;
  kit_check(fmnist_model_create("net", &m));
  kit_check(fmnist_model_set(m, "layers", r->spec));
  r->n_layers = kit_gemm_layers(m, r->layers, sizeof r->layers / sizeof r->layers[0]);
  fmnist_model_free(m);
  r->peak1 = kit_sgemm_peaks(c->threads, peak_n);
}

typedef struct window {
  size_t warmup, timed; /* batches */
  size_t n_batches;     /* of the epoch, from the callback */
  double t0, t1;
} window;

/* Starts the clock and the sgemm record after `warmup` batches, stops them
 * `timed` batches later and cancels the fit. */
static int window_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  window *w = user;
  if (stage != FMNIST_STAGE_BATCH) return 0;
  w->n_batches = total;
  if (done == w->warmup) {
    kit_gemm_record(1);
    w->t0 = kit_now();
  }
  if (done == w->warmup + w->timed || done == total) {
    w->t1 = kit_now();
    kit_gemm_record(0);
    w->timed = done - w->warmup;
    return 1;
  }
  return 0;
}

/* Trains r->spec on its train set for warmup + timed batches (timed 0: the
 * rest of the epoch); returns seconds per batch of the timed ones. */
static double time_batches(const kit_common *c, const kit_netbench *r, const kit_epoch_flags *f,
                           window *w) {
  const size_t batch = f->net.batch;
  fmnist_model *m = kit_net_create(r->spec, c, &f->net);
  size_t n_batches = (fmnist_dataset_count(r->d.train) + batch - 1) / batch;
  if (w->warmup >= n_batches) w->warmup = n_batches / 10;
  if (!w->timed || w->warmup + w->timed > n_batches) w->timed = n_batches - w->warmup;
  kit_check(fmnist_model_set_progress(m, window_progress, w));
  if (w->warmup == 0) { /* no batch reports done == 0: start now */
    kit_gemm_record(1);
    w->t0 = kit_now();
  }
  fmnist_status s = fmnist_model_fit(m, r->d.train, NULL);
  if (s != FMNIST_E_CANCELLED) kit_check(s);
  fmnist_model_free(m);
  return (w->t1 - w->t0) / (double)w->timed;
}

double kit_netbench_epoch(const kit_common *c, const kit_netbench *r, const kit_epoch_flags *f,
                          size_t *n_batches, size_t *timed) {
  double runs[KIT_MAX_RUNS];
  for (size_t i = 0; i < c->runs; i++) {
    window w = {f->warmup, f->batches, 0, 0, 0};
    runs[i] = time_batches(c, r, f, &w);
    *n_batches = w.n_batches;
    *timed = w.timed;
    if (i == 0)
      kit_gemm_report(r->layers, r->n_layers, w.timed, r->peak1, runs[i], "training steps");
  }
  return kit_median(runs, c->runs);
}

void kit_netbench_row(const char *side, double value, double rss, double acc, double ratio) {
  static const char *const fmt[] = {" %11.3f", " %11.1f", " %11.4f", " %11.2f"};
  const double v[] = {value, rss, acc, ratio};
  kit_print_row(side, 14, v, fmt, 4, 11);
}
