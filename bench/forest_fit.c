/* forest_fit: random forest fit time (and predict, accuracy, memory) of
 * libfmnist against scikit-learn's RandomForestClassifier, same split,
 * same options, same thread count. */
#include <stdio.h>

#include "benchutil.h"

typedef struct forest_opts {
  size_t n_trees, max_depth;
  const char *criterion;
} forest_opts;

static fmnist_model *make(const bu_common *c, void *user) {
  const forest_opts *o = user;
  fmnist_model *m;
  bu_check(fmnist_model_create("forest", &m));
  bu_set(m, "threads", "%zu", c->threads);
  bu_set(m, "seed", "%llu", (unsigned long long)c->seed);
  bu_set(m, "n_trees", "%zu", o->n_trees);
  if (o->max_depth) bu_set(m, "max_depth", "%zu", o->max_depth);
  else bu_check(fmnist_model_set(m, "max_depth", "none"));
  bu_check(fmnist_model_set(m, "criterion", o->criterion));
  return m;
}

int main(int argc, char **argv) {
  bu_common c;
  forest_opts o = {100, 80, "gini"};
  const bu_flag extra[] = {
      {"n-trees", BU_SIZE, &o.n_trees, "trees"},
      {"max-depth", BU_SIZE, &o.max_depth, "deepest level (0 = none)"},
      {"criterion", BU_STRING, &o.criterion, "gini|entropy"},
  };
  bu_parse(argc, argv, "random forest fit, libfmnist vs scikit-learn", 1,
           "bench/peers/sklearn_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  bu_data d;
  bu_load(&c, &d);
  bu_side ours, peer;
  fmnist_model_free(bu_time_ours(&c, &d, make, &o, &ours));
  char config[256];
  snprintf(config, sizeof config,
           "train %zu, test %zu, n_trees %zu, max_depth %zu, %s, %zu threads, median of %zu",
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.test), o.n_trees, o.max_depth,
           o.criterion, c.threads, c.runs);
  int peer_ok = c.peer && bu_peer(&c, &d, &peer, "forest --n-trees %zu --max-depth %zu --criterion %s",
                                  o.n_trees, o.max_depth, o.criterion);
  bu_report("forest_fit", "fit", config, &ours, peer_ok ? &peer : NULL);
  bu_data_free(&d);
  return 0;
}
