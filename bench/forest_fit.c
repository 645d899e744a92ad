/* forest_fit: random forest fit time (and predict, accuracy, memory) of
 * libfmnist against scikit-learn's RandomForestClassifier, same split,
 * same options, same thread count. */
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"

int main(int argc, char **argv) {
  bu_common c;
  size_t n_trees = 100, max_depth = 80;
  const char *criterion = "gini";
  const bu_flag extra[] = {
      {"n-trees", BU_SIZE, &n_trees, "trees"},
      {"max-depth", BU_SIZE, &max_depth, "deepest level (0 = none)"},
      {"criterion", BU_STRING, &criterion, "gini|entropy"},
  };
  bu_parse(argc, argv, "random forest fit, libfmnist vs scikit-learn", 1, &c, extra,
           sizeof extra / sizeof extra[0]);
  bu_data d;
  bu_load(&c, &d);
  size_t n = fmnist_dataset_count(d.test);
  uint8_t *pred = malloc(n);
  double *fit = malloc(c.runs * sizeof *fit), *predict = malloc(c.runs * sizeof *predict);
  double *fit_cpu = malloc(c.runs * sizeof *fit_cpu);
  double *predict_cpu = malloc(c.runs * sizeof *predict_cpu);
  bu_side ours = {0, 0, 0, 0, 0, ""};
  for (size_t r = 0; r < c.runs; r++) {
    fmnist_model *m;
    bu_check(fmnist_model_create("forest", &m));
    bu_set(m, "threads", "%zu", c.threads);
    bu_set(m, "seed", "%llu", (unsigned long long)c.seed);
    bu_set(m, "n_trees", "%zu", n_trees);
    if (max_depth) bu_set(m, "max_depth", "%zu", max_depth);
    else bu_check(fmnist_model_set(m, "max_depth", "none"));
    bu_check(fmnist_model_set(m, "criterion", criterion));
    double t0 = bu_now(), c0 = bu_cpu_s();
    bu_check(fmnist_model_fit(m, d.train, NULL));
    fit[r] = bu_now() - t0;
    fit_cpu[r] = bu_cpu_s() - c0;
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
           "train %zu, test %zu, n_trees %zu, max_depth %zu, %s, %zu threads, median of %zu",
           fmnist_dataset_count(d.train), n, n_trees, max_depth, criterion, c.threads, c.runs);
  bu_side peer, *pp = NULL;
  if (c.peer) {
    const char *dir = bu_write_split(&d);
    char args[1024];
    snprintf(args, sizeof args,
             "forest --dir %s --threads %zu --seed %llu --n-trees %zu --max-depth %zu "
             "--criterion %s",
             dir, c.threads, (unsigned long long)c.seed, n_trees, max_depth, criterion);
    if (bu_run_peer(&c, args, &peer)) pp = &peer;
    bu_remove_split(dir);
  }
  bu_report("forest_fit", "fit", config, &ours, pp);
  free(pred);
  free(fit);
  free(predict);
  free(fit_cpu);
  free(predict_cpu);
  bu_data_free(&d);
  return 0;
}
