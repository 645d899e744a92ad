/* The benchmarks' course (see bench.h). */
#include "kit/bench.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/peer.h"
#include "kit/table.h"

void kit_bench_parse(int argc, char **argv, const char *purpose, const char *defaults,
                     const kit_flag *flags, size_t n_flags, kit_common *c) {
  const kit_program p = {.kind = KIT_BENCH, .purpose = purpose, .defaults = defaults,
                         .flags = flags, .n_flags = n_flags};
  kit_parse(argc, argv, &p, c);
  if (c->runs == 0) c->runs = 1;
  if (c->runs > KIT_MAX_RUNS) c->runs = KIT_MAX_RUNS;
}

void kit_bench_data(const kit_common *c, kit_data *d, const char *layers) {
  kit_load_protocol(c, d);
  if (c->split_dir) kit_split_keep(c->split_dir, d, layers);
}

const char *kit_blas_core(void) { return openblas_get_corename(); }

void kit_score(const fmnist_dataset *ds, const uint8_t *pred, double *accuracy,
               double *macro_f1) {
  fmnist_metrics *m;
  kit_check(fmnist_metrics_compute(fmnist_dataset_labels(ds), pred, NULL,
                                   fmnist_dataset_count(ds), &m));
  *accuracy = fmnist_metrics_accuracy(m);
  *macro_f1 = fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
  fmnist_metrics_free(m);
}

kit_side kit_side_none(void) { return (kit_side){NAN, NAN, NAN, NAN, NAN, ""}; }

fmnist_model *kit_time_ours(const kit_common *c, const kit_data *d, kit_make_fn make,
                            void *user, kit_side *ours) {
  const size_t n = fmnist_dataset_count(d->test);
  double *t = kit_alloc(4 * c->runs, sizeof *t);
  uint8_t *pred = kit_alloc(n, 1);
  double *fit = t, *fit_cpu = t + c->runs, *predict = t + 2 * c->runs,
         *predict_cpu = t + 3 * c->runs;
  fmnist_model *m = NULL;
  for (size_t r = 0; r < c->runs; r++) {
    fmnist_model_free(m);
    m = make(c, user);
    double t0 = kit_now(), c0 = kit_cpu_s();
    kit_check(fmnist_model_fit(m, d->train, NULL));
    fit[r] = kit_now() - t0;
    fit_cpu[r] = kit_cpu_s() - c0;
  }
  for (size_t r = 0; r < c->runs; r++) {
    double t0 = kit_now(), c0 = kit_cpu_s();
    kit_check(fmnist_model_predict(m, fmnist_dataset_images(d->test), n, pred));
    predict[r] = kit_now() - t0;
    predict_cpu[r] = kit_cpu_s() - c0;
  }
  *ours = (kit_side){kit_median(fit, c->runs), kit_median(predict, c->runs), 0, 0,
                     kit_peak_rss_mb(), ""};
  kit_score(d->test, pred, &ours->accuracy, &ours->macro_f1);
  snprintf(ours->extra, sizeof ours->extra, " ours_fit_cpu_s=%.3f ours_predict_cpu_s=%.3f",
           kit_median(fit_cpu, c->runs), kit_median(predict_cpu, c->runs));
  free(t);
  free(pred);
  return m;
}

static void side_row(const char *side, const kit_side *s, double ratio) {
  static const char *const fmt[] = {" %10.3f", " %10.3f", " %10.4f", " %10.4f", " %10.1f",
                                    " %10.2f"};
  const double v[] = {s->fit_s, s->predict_s, s->accuracy, s->macro_f1, s->rss_mb, ratio};
  kit_print_row(side, 12, v, fmt, 6, 10);
}

void kit_bench_report(const char *name, const char *timed, const char *config,
                      const kit_side *ours, const kit_side *peer) {
  int fit = strcmp(timed, "fit") == 0;
  double o = fit ? ours->fit_s : ours->predict_s;
  double p = peer ? (fit ? peer->fit_s : peer->predict_s) : NAN;
  printf("\n%s (%s)\n", name, config);
  printf("%-12s %10s %10s %10s %10s %10s %10s\n", "side", "fit_s", "predict_s", "test_acc",
         "macro_f1", "peak_rss_mb", "ratio");
  side_row("libfmnist", ours, 1.0);
  if (peer) side_row("scikit-learn", peer, p / o);
  printf("ratio = scikit-learn %s seconds / libfmnist %s seconds\n", timed, timed);
  char pairs[128], extra[300];
  snprintf(pairs, sizeof pairs, " ours_acc=%.4f peer_acc=%.4f", ours->accuracy,
           peer ? peer->accuracy : NAN);
  snprintf(extra, sizeof extra, "%s%s", ours->extra, peer ? peer->extra : "");
  kit_bench_result(name, o, p, pairs, extra);
}

void kit_bench_result(const char *name, double ours_s, double peer_s, const char *pairs,
                      const char *extra) {
  printf("RESULT bench=%s ours_s=%.4f peer_s=%.4f ratio=%.3f%s blas_core=%s%s\n", name, ours_s,
         peer_s, peer_s / ours_s, pairs, kit_blas_core(), extra);
  fflush(stdout);
}
