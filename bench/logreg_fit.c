/* logreg_fit: multinomial logistic regression fit with SAG, libfmnist
 * against scikit-learn's LogisticRegression(solver="sag"), same split, C,
 * max_iter and tol. scikit-learn's sag takes ~0.9 s an epoch here, so the
 * default is 100 epochs; the report's 1000 is --max-iter 1000 (~15 min for
 * the peer). */
#include <stdio.h>

#include "benchutil.h"

typedef struct logreg_opts {
  size_t max_iter;
  double C, tol;
} logreg_opts;

static fmnist_model *make(const bu_common *c, void *user) {
  const logreg_opts *o = user;
  fmnist_model *m;
  bu_check(fmnist_model_create("logreg", &m));
  bu_set(m, "threads", "%zu", c->threads);
  bu_set(m, "seed", "%llu", (unsigned long long)c->seed);
  bu_set(m, "max_iter", "%zu", o->max_iter);
  bu_set(m, "C", "%.17g", o->C);
  bu_set(m, "tol", "%.17g", o->tol);
  return m;
}

int main(int argc, char **argv) {
  bu_common c;
  logreg_opts o = {100, 1.0, 0.0001};
  const bu_flag extra[] = {
      {"max-iter", BU_SIZE, &o.max_iter, "epochs at most"},
      {"C", BU_DOUBLE, &o.C, "inverse L2 penalty"},
      {"tol", BU_DOUBLE, &o.tol, "stopping tolerance on max|dW| / max|W|"},
  };
  bu_parse(argc, argv, "logistic regression (SAG) fit, libfmnist vs scikit-learn", 1,
           "bench/peers/sklearn_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  bu_data d;
  bu_load(&c, &d);
  bu_side ours, peer;
  fmnist_model *m = bu_time_ours(&c, &d, make, &o, &ours);
  size_t epochs = fmnist_model_epochs(m);
  fmnist_model_free(m);
  char config[256];
  snprintf(config, sizeof config,
           "train %zu, test %zu, sag, C %g, max_iter %zu, tol %g, our epochs %zu, %zu threads",
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.test), o.C, o.max_iter, o.tol,
           epochs, c.threads);
  int peer_ok = c.peer && bu_peer(&c, &d, &peer, "logreg --C %.17g --max-iter %zu --tol %.17g",
                                  o.C, o.max_iter, o.tol);
  bu_report("logreg_fit", "fit", config, &ours, peer_ok ? &peer : NULL);
  printf("our epochs: %zu\n", epochs);
  bu_data_free(&d);
  return 0;
}
