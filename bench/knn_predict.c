/* knn_predict: time to predict the official test set (10k images) with
 * KNN, libfmnist against scikit-learn's KNeighborsClassifier (brute force,
 * the same Euclidean distances), same split, k, weights and threads. */
#include <stdio.h>

#include "kit/bench.h"
#include "kit/check.h"
#include "kit/peer.h"

typedef struct knn_opts {
  size_t k;
  const char *weights, *algorithm;
} knn_opts;

static fmnist_model *make(const kit_common *c, void *user) {
  const knn_opts *o = user;
  fmnist_model *m;
  kit_check(fmnist_model_create("knn", &m));
  kit_set(m, "threads", "%zu", c->threads);
  kit_set(m, "k", "%zu", o->k);
  kit_check(fmnist_model_set(m, "weights", o->weights));
  kit_check(fmnist_model_set(m, "algorithm", o->algorithm));
  return m;
}

int main(int argc, char **argv) {
  kit_common c;
  knn_opts o = {5, "uniform", "pruned"};
  const kit_flag extra[] = {
      {"k", KIT_SIZE, &o.k, "neighbours"},
      {"weights", KIT_STRING, &o.weights, "uniform|distance"},
      {"algorithm", KIT_STRING, &o.algorithm, "pruned|brute (ours; the peer is brute force)"},
  };
  kit_bench_parse(argc, argv, "KNN prediction, libfmnist vs scikit-learn", "runs=3", extra,
                  KIT_LEN(extra), &c);
  kit_data d;
  kit_bench_data(&c, &d, NULL);
  kit_side ours, peer;
  fmnist_model_free(kit_time_ours(&c, &d, make, &o, &ours));
  char config[256];
  snprintf(config, sizeof config,
           "train %zu, test %zu, k %zu, %s, ours %s, %zu threads, median of %zu",
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.test), o.k, o.weights,
           o.algorithm, c.threads, c.runs);
  int peer_ok = c.peer && kit_peer(&c, &d, &peer, "knn --k %zu --weights %s", o.k, o.weights);
  kit_bench_report("knn_predict", "predict", config, &ours, peer_ok ? &peer : NULL);
  kit_data_free(&d);
  return 0;
}
