/* knn_predict: time to predict the official test set (10k images) with
 * KNN, libfmnist against scikit-learn's KNeighborsClassifier (brute force,
 * the same Euclidean distances), same split, k, weights and threads. */
#include <stdio.h>
#include <stdlib.h>

#include "benchutil.h"

int main(int argc, char **argv) {
  bu_common c;
  size_t k = 5;
  const char *weights = "uniform", *algorithm = "pruned";
  const bu_flag extra[] = {
      {"k", BU_SIZE, &k, "neighbours"},
      {"weights", BU_STRING, &weights, "uniform|distance"},
      {"algorithm", BU_STRING, &algorithm, "pruned|brute (ours; the peer is brute force)"},
  };
  bu_parse(argc, argv, "KNN prediction, libfmnist vs scikit-learn", 3, &c, extra,
           sizeof extra / sizeof extra[0]);
  bu_data d;
  bu_load(&c, &d);
  size_t n = fmnist_dataset_count(d.test);
  uint8_t *pred = malloc(n);
  double *times = malloc(c.runs * sizeof *times), *cpu = malloc(c.runs * sizeof *cpu);
  fmnist_model *m;
  bu_check(fmnist_model_create("knn", &m));
  bu_set(m, "threads", "%zu", c.threads);
  bu_set(m, "k", "%zu", k);
  bu_check(fmnist_model_set(m, "weights", weights));
  bu_check(fmnist_model_set(m, "algorithm", algorithm));
  bu_side ours = {0, 0, 0, 0, 0, ""};
  double t0 = bu_now(), c0;
  bu_check(fmnist_model_fit(m, d.train, NULL));
  ours.fit_s = bu_now() - t0;
  for (size_t r = 0; r < c.runs; r++) {
    t0 = bu_now();
    c0 = bu_cpu_s();
    bu_check(fmnist_model_predict(m, fmnist_dataset_images(d.test), n, pred));
    times[r] = bu_now() - t0;
    cpu[r] = bu_cpu_s() - c0;
  }
  bu_score(d.test, pred, &ours.accuracy, &ours.macro_f1);
  ours.predict_s = bu_median(times, c.runs);
  snprintf(ours.extra, sizeof ours.extra, " ours_predict_cpu_s=%.3f", bu_median(cpu, c.runs));
  ours.rss_mb = bu_peak_rss_mb();
  fmnist_model_free(m);
  char config[256];
  snprintf(config, sizeof config, "train %zu, test %zu, k %zu, %s, ours %s, %zu threads, median of %zu",
           fmnist_dataset_count(d.train), n, k, weights, algorithm, c.threads, c.runs);
  bu_side peer, *pp = NULL;
  if (c.peer) {
    const char *dir = bu_write_split(&d);
    char args[1024];
    snprintf(args, sizeof args, "knn --dir %s --threads %zu --k %zu --weights %s", dir,
             c.threads, k, weights);
    if (bu_run_peer(&c, args, &peer)) pp = &peer;
    bu_remove_split(dir);
  }
  bu_report("knn_predict", "predict", config, &ours, pp);
  free(pred);
  free(times);
  free(cpu);
  bu_data_free(&d);
  return 0;
}
