/* forest_fit: random forest fit time (and predict, accuracy, memory) of
 * libfmnist against scikit-learn's RandomForestClassifier, same split,
 * same options, same thread count. */
#include <stdio.h>

#include "kit/bench.h"
#include "kit/check.h"
#include "kit/peer.h"

typedef struct forest_opts {
  size_t n_trees, max_depth;
  const char *criterion;
} forest_opts;

static fmnist_model *make(const kit_common *c, void *user) {
  const forest_opts *o = user;
  fmnist_model *m;
  kit_check(fmnist_model_create("forest", &m));
  kit_set(m, "threads", "%zu", c->threads);
  kit_set(m, "seed", "%llu", (unsigned long long)c->seed);
  kit_set(m, "n_trees", "%zu", o->n_trees);
  if (o->max_depth) kit_set(m, "max_depth", "%zu", o->max_depth);
  else kit_check(fmnist_model_set(m, "max_depth", "none"));
  kit_check(fmnist_model_set(m, "criterion", o->criterion));
  return m;
}

int main(int argc, char **argv) {
  kit_common c;
  forest_opts o = {100, 80, "gini"};
  const kit_flag extra[] = {
      {"n-trees", KIT_SIZE, &o.n_trees, "trees"},
      {"max-depth", KIT_SIZE, &o.max_depth, "deepest level (0 = none)"},
      {"criterion", KIT_STRING, &o.criterion, "gini|entropy"},
  };
  kit_bench_parse(argc, argv, "random forest fit, libfmnist vs scikit-learn", NULL, extra,
                  KIT_LEN(extra), &c);
  kit_data d;
  kit_bench_data(&c, &d, NULL);
  kit_side ours, peer;
  fmnist_model_free(kit_time_ours(&c, &d, make, &o, &ours));
  char config[256];
  snprintf(config, sizeof config,
           "train %zu, test %zu, n_trees %zu, max_depth %zu, %s, %zu threads, median of %zu",
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.test), o.n_trees, o.max_depth,
           o.criterion, c.threads, c.runs);
  int peer_ok = c.peer && kit_peer(&c, &d, &peer,
                                   "forest --n-trees %zu --max-depth %zu --criterion %s",
                                   o.n_trees, o.max_depth, o.criterion);
  kit_bench_report("forest_fit", "fit", config, &ours, peer_ok ? &peer : NULL);
  kit_data_free(&d);
  return 0;
}
