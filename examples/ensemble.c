/* ensemble: several saved models as one, the mean of their probabilities
 * (fmnist_ensemble_create), on the official test set beside each member:
 *   ensemble [--tta flip_shift] [--save E.fmm] A.fmm B.fmm ...
 * The models are those the other examples save (cnn_best --seed 1 --save
 * a.fmm, knn --save k.fmm, ...), of any families; the saved ensemble is
 * one model file, which predict --load reads like any other. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

/* One row of the table: accuracy, macro F1 and log loss of m on test;
 * returns the accuracy, the macro F1 into *f1. */
static double row(const char *name, const fmnist_model *m, const fmnist_dataset *test,
                  double *f1) {
  fmnist_metrics *mt;
  double loss;
  ex_check(fmnist_model_evaluate(m, test, &mt));
  ex_check(fmnist_metrics_log_loss(mt, &loss));
  const double acc = fmnist_metrics_accuracy(mt);
  *f1 = fmnist_metrics_average(mt, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
  printf("%-32s %-9s %9.4f %9.4f %9.4f\n", name, fmnist_model_family(m), acc, *f1, loss);
  fmnist_metrics_free(mt);
  return acc;
}

int main(int argc, char **argv) {
  ex_common c;
  const char *tta = "none";
  const ex_flag extra[] = {
      EX_SAVE_FLAG(c),
      {"tta", EX_STRING, &tta, "test-time augmentation of the ensemble: none|flip|flip_shift"},
  };
  ex_parse_args(argc, argv, "The mean of the probabilities of saved models, on the test set.",
                "MODEL...", &c, extra, sizeof extra / sizeof extra[0]);
  const size_t n = c.n_operands;
  if (n == 0) {
    fprintf(stderr, "%s: needs the files of saved models (MODEL...)\n", argv[0]);
    return 2;
  }
  fmnist_model **m = calloc(n, sizeof *m);
  if (!m) {
    fprintf(stderr, "error: out of memory\n");
    return 1;
  }
  char threads[32];
  snprintf(threads, sizeof threads, "%zu", c.threads);
  for (size_t k = 0; k < n; k++) {
    ex_check(fmnist_model_load(c.operands[k], &m[k]));
    ex_check(fmnist_model_set(m[k], "threads", threads));
  }
  fmnist_dataset *test = ex_load_set(&c, FMNIST_SET_TEST);
  printf("%-32s %-9s %9s %9s %9s\n", "model", "family", "accuracy", "macro_f1", "log_loss");
  double best = 0, f1;
  for (size_t k = 0; k < n; k++) {
    const double acc = row(c.operands[k], m[k], test, &f1);
    if (acc > best) best = acc;
  }
  fmnist_model *e;
  ex_check(fmnist_ensemble_create((const fmnist_model *const *)m, n, &e));
  ex_check(fmnist_model_set(e, "tta", tta));
  const double t0 = ex_now();
  const double acc = row("ensemble", e, test, &f1);
  const double predict_s = ex_now() - t0;
  if (c.save) ex_check(fmnist_model_save(e, c.save));

  ex_result res;
  ex_result_init(&res);
  ex_result_str(&res, "model", "ensemble");
  ex_result_double(&res, "accuracy", acc);
  ex_result_double(&res, "macro_f1", f1);
  ex_result_int(&res, "members", (long long)n);
  ex_result_double(&res, "best_member_accuracy", best);
  ex_result_str(&res, "tta", tta);
  ex_result_double(&res, "predict_s", predict_s);
  ex_result_print(&res);
  fmnist_model_free(e);
  for (size_t k = 0; k < n; k++) fmnist_model_free(m[k]);
  free(m);
  fmnist_dataset_free(test);
  return 0;
}
