/* logreg_fit: multinomial logistic regression fit with SAG, libfmnist
 * against scikit-learn's LogisticRegression(solver="sag"), same split, C,
 * max_iter and tol. scikit-learn's sag takes ~0.9 s an epoch here, so the
 * default is 100 epochs; the report's 1000 is --max-iter 1000 (~15 min for
 * the peer). */
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"

int main(int argc, char **argv) {
  bu_common c;
  size_t max_iter = 100;
  double C = 1.0, tol = 0.0001;
  const bu_flag extra[] = {
      {"max-iter", BU_SIZE, &max_iter, "epochs at most"},
      {"C", BU_DOUBLE, &C, "inverse L2 penalty"},
      {"tol", BU_DOUBLE, &tol, "stopping tolerance on max|dW| / max|W|"},
  };
  bu_parse(argc, argv, "logistic regression (SAG) fit, libfmnist vs scikit-learn", 1, &c, extra,
           sizeof extra / sizeof extra[0]);
  bu_data d;
  bu_load(&c, &d);
  size_t n = fmnist_dataset_count(d.test), epochs = 0;
  uint8_t *pred = malloc(n);
  double *fit = malloc(c.runs * sizeof *fit), *predict = malloc(c.runs * sizeof *predict);
  double *fit_cpu = malloc(c.runs * sizeof *fit_cpu);
  double *predict_cpu = malloc(c.runs * sizeof *predict_cpu);
  bu_side ours = {0, 0, 0, 0, 0, ""};
  for (size_t r = 0; r < c.runs; r++) {
    fmnist_model *m;
    bu_check(fmnist_model_create("logreg", &m));
    bu_set(m, "threads", "%zu", c.threads);
    bu_set(m, "seed", "%llu", (unsigned long long)c.seed);
    bu_set(m, "max_iter", "%zu", max_iter);
    bu_set(m, "C", "%.17g", C);
    bu_set(m, "tol", "%.17g", tol);
    double t0 = bu_now(), c0 = bu_cpu_s();
    bu_check(fmnist_model_fit(m, d.train, NULL));
    fit[r] = bu_now() - t0;
    fit_cpu[r] = bu_cpu_s() - c0;
    epochs = fmnist_model_epochs(m);
    t0 = bu_now();
    c0 = bu_cpu_s();
    bu_check(fmnist_model_predict(m, fmnist_dataset_images(d.test), n, pred));
    predict[r] = bu_now() - t0;
    predict_cpu[r] = bu_cpu_s() - c0;
    fmnist_model_free(m);
  }
  bu_score(d.test, pred, &ours.accuracy, &ours.macro_f1);
  ours.fit_s = bu_median(fit, c.runs);
  ours.predict_s = bu_median(predict, c.runs);
  snprintf(ours.extra, sizeof ours.extra, " ours_fit_cpu_s=%.3f ours_predict_cpu_s=%.3f",
           bu_median(fit_cpu, c.runs), bu_median(predict_cpu, c.runs));
  ours.rss_mb = bu_peak_rss_mb();
  char config[256];
  snprintf(config, sizeof config,
           "train %zu, test %zu, sag, C %g, max_iter %zu, tol %g, our epochs %zu, %zu threads",
           fmnist_dataset_count(d.train), n, C, max_iter, tol, epochs, c.threads);
  bu_side peer, *pp = NULL;
  if (c.peer) {
    const char *dir = bu_write_split(&d);
    char args[1024];
    snprintf(args, sizeof args, "logreg --dir %s --threads %zu --seed %llu --C %.17g "
             "--max-iter %zu --tol %.17g", dir, c.threads, (unsigned long long)c.seed, C,
             max_iter, tol);
    if (bu_run_peer(&c, args, &peer)) pp = &peer;
    bu_remove_split(dir);
  }
  bu_report("logreg_fit", "fit", config, &ours, pp);
  printf("our epochs: %zu\n", epochs);
  free(pred);
  free(fit);
  free(predict);
  free(fit_cpu);
  free(predict_cpu);
  bu_data_free(&d);
  return 0;
}
