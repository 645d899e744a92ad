/* knn_predict: time to predict the official test set (10k images) with
 * KNN, libfmnist against scikit-learn's KNeighborsClassifier (brute force,
 * the same Euclidean distances), same split, k, weights and threads. */
#include <stdio.h>

#include "benchutil.h"

typedef struct knn_opts {
  size_t k;
  const char *weights, *algorithm;
} knn_opts;

static fmnist_model *make(const bu_common *c, void *user) {
  const knn_opts *o = user;
  fmnist_model *m;
  bu_check(fmnist_model_create("knn", &m));
  bu_set(m, "threads", "%zu", c->threads);
  bu_set(m, "k", "%zu", o->k);
  bu_check(fmnist_model_set(m, "weights", o->weights));
  bu_check(fmnist_model_set(m, "algorithm", o->algorithm));
  return m;
}

int main(int argc, char **argv) {
  bu_common c;
  knn_opts o = {5, "uniform", "pruned"};
  const bu_flag extra[] = {
      {"k", BU_SIZE, &o.k, "neighbours"},
      {"weights", BU_STRING, &o.weights, "uniform|distance"},
      {"algorithm", BU_STRING, &o.algorithm, "pruned|brute (ours; the peer is brute force)"},
  };
  bu_parse(argc, argv, "KNN prediction, libfmnist vs scikit-learn", 3,
           "bench/peers/sklearn_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  bu_data d;
  bu_load(&c, &d);
  bu_side ours, peer;
  fmnist_model_free(bu_time_ours(&c, &d, make, &o, &ours));
  char config[256];
  snprintf(config, sizeof config, "train %zu, test %zu, k %zu, %s, ours %s, %zu threads, median of %zu",
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.test), o.k, o.weights,
           o.algorithm, c.threads, c.runs);
  int peer_ok = c.peer && bu_peer(&c, &d, &peer, "knn --k %zu --weights %s", o.k, o.weights);
  bu_report("knn_predict", "predict", config, &ours, peer_ok ? &peer : NULL);
  bu_data_free(&d);
  return 0;
}
