/* logreg_fit: multinomial logistic regression fit with SAG, libfmnist
 * against scikit-learn's LogisticRegression(solver="sag"), same split, C,
 * max_iter and tol. scikit-learn's sag takes ~0.9 s an epoch here, so the
 * default is 100 epochs; the report's 1000 is --max-iter 1000 (~15 min for
 * the peer). */
#include <stdio.h>

#include "kit/bench.h"
#include "kit/check.h"
#include "kit/peer.h"

typedef struct logreg_opts {
  size_t max_iter;
  double C, tol;
} logreg_opts;

static fmnist_model *make(const kit_common *c, void *user) {
  const logreg_opts *o = user;
  fmnist_model *m;
  kit_check(fmnist_model_create("logreg", &m));
  kit_set(m, "threads", "%zu", c->threads);
  kit_set(m, "seed", "%llu", (unsigned long long)c->seed);
  kit_set(m, "max_iter", "%zu", o->max_iter);
  kit_set(m, "C", "%.17g", o->C);
  kit_set(m, "tol", "%.17g", o->tol);
  return m;
}

int main(int argc, char **argv) {
  kit_common c;
  logreg_opts o = {100, 1.0, 0.0001};
  const kit_flag extra[] = {
      {"max-iter", KIT_SIZE, &o.max_iter, "epochs at most"},
      {"C", KIT_DOUBLE, &o.C, "inverse L2 penalty"},
      {"tol", KIT_DOUBLE, &o.tol, "stopping tolerance on max|dW| / max|W|"},
  };
  kit_bench_parse(argc, argv, "logistic regression (SAG) fit, libfmnist vs scikit-learn",
                  NULL, extra, KIT_LEN(extra), &c);
  kit_data d;
  kit_bench_data(&c, &d, NULL);
  kit_side ours, peer;
  fmnist_model *m = kit_time_ours(&c, &d, make, &o, &ours);
  size_t epochs = fmnist_model_epochs(m);
  fmnist_model_free(m);
  char config[256];
  snprintf(config, sizeof config,
           "train %zu, test %zu, sag, C %g, max_iter %zu, tol %g, our epochs %zu, %zu threads",
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.test), o.C, o.max_iter, o.tol,
           epochs, c.threads);
  int peer_ok = c.peer && kit_peer(&c, &d, &peer, "logreg --C %.17g --max-iter %zu --tol %.17g",
                                   o.C, o.max_iter, o.tol);
  kit_bench_report("logreg_fit", "fit", config, &ours, peer_ok ? &peer : NULL);
  printf("our epochs: %zu\n", epochs);
  kit_data_free(&d);
  return 0;
}
