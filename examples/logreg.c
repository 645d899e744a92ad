/* logreg: the report's logistic regression (section 3.1, Figure 5):
 * multinomial, L2 penalty C, SAG solver, n_iters 1000 (or 5000), on
 * standardized pixels; trained on the 50k split, scored on the official
 * test set. */
#include <stdio.h>

#include "kit/classic_run.h"

int main(int argc, char **argv) {
  kit_common c;
  double C = 1.0, tol = 0.0001, lr = 0.01;
  const char *solver = "sag";
  size_t max_iter = 1000, batch = 32;
  const kit_flag extra[] = {
      KIT_SAVE_FLAG(c),
      KIT_LOAD_FLAG(c),
      {"C", KIT_DOUBLE, &C, "inverse L2 penalty (objective: sum of log-losses + |W|^2/(2C))"},
      {"solver", KIT_STRING, &solver, "sag|sgd"},
      {"max-iter", KIT_SIZE, &max_iter, "epochs at most (the report: 1000 and 5000)"},
      {"tol", KIT_DOUBLE, &tol, "stop when max|W - W_prev| / max|W| <= tol after an epoch"},
      {"lr", KIT_DOUBLE, &lr, "sgd: step size"},
      {"batch", KIT_SIZE, &batch, "sgd: mini-batch size"},
  };
  kit_parse_example(argc, argv, "Logistic regression of the report (SAG, Figure 5).", extra,
                    KIT_LEN(extra), &c);
  char sc[32], st[32], sm[32], sl[32], sb[32];
  snprintf(sc, sizeof sc, "%.17g", C);
  snprintf(st, sizeof st, "%.17g", tol);
  snprintf(sm, sizeof sm, "%zu", max_iter);
  snprintf(sl, sizeof sl, "%.17g", lr);
  snprintf(sb, sizeof sb, "%zu", batch);
  const char *kv[] = {"C", sc, "solver", solver, "max_iter", sm, "tol", st,
                      "lr", sl, "batch", sb, NULL};
  return kit_classic_run("logreg", "logreg", kv, &c);
}
