/* ensemble: several saved models as one, the mean of their probabilities
 * (fmnist_ensemble_create), on the official test set beside each member:
 *   ensemble [--tta flip_shift] [--save E.fmm] A.fmm B.fmm ...
 * The models are those the other examples save (cnn_best --seed 1 --save
 * a.fmm, knn --save k.fmm, ...), of any families; the saved ensemble is
 * one model file, which predict --load reads like any other. */
#include <stdio.h>
#include <stdlib.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/data.h"
#include "kit/result.h"

/* One row of the table: accuracy, macro F1 and log loss of m on test;
 * returns the accuracy, the macro F1 into *f1. */
static double row(const char *name, const fmnist_model *m, const fmnist_dataset *test,
                  double *f1) {
  fmnist_metrics *mt;
  double loss;
  kit_check(fmnist_model_evaluate(m, test, &mt));
  kit_check(fmnist_metrics_log_loss(mt, &loss));
  const double acc = fmnist_metrics_accuracy(mt);
  *f1 = fmnist_metrics_average(mt, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
  printf("%-32s %-9s %9.4f %9.4f %9.4f\n", name, fmnist_model_family(m), acc, *f1, loss);
  fmnist_metrics_free(mt);
  return acc;
}

int main(int argc, char **argv) {
  kit_common c;
  const char *tta = "none";
  const kit_flag extra[] = {
      KIT_SAVE_FLAG(c),
      {"tta", KIT_STRING, &tta, "test-time augmentation of the ensemble: none|flip|flip_shift"},
  };
  kit_parse(argc, argv,
            &(kit_program){.purpose = "The mean of the probabilities of saved models, on the "
                                      "test set.",
                           .operands = "MODEL...", .flags = extra, .n_flags = KIT_LEN(extra)},
            &c);
  const size_t n = c.n_operands;
  if (n == 0) {
    fprintf(stderr, "%s: needs the files of saved models (MODEL...)\n", argv[0]);
    return 2;
  }
  fmnist_model **m = kit_alloc(n, sizeof *m);
  for (size_t k = 0; k < n; k++) {
    kit_check(fmnist_model_load(c.operands[k], &m[k]));
    kit_set(m[k], "threads", "%zu", c.threads);
  }
  fmnist_dataset *test = kit_load_set(&c, FMNIST_SET_TEST);
  printf("%-32s %-9s %9s %9s %9s\n", "model", "family", "accuracy", "macro_f1", "log_loss");
  double best = 0, f1;
  for (size_t k = 0; k < n; k++) {
    const double acc = row(c.operands[k], m[k], test, &f1);
    if (acc > best) best = acc;
  }
  fmnist_model *e;
  kit_check(fmnist_ensemble_create((const fmnist_model *const *)m, n, &e));
  kit_check(fmnist_model_set(e, "tta", tta));
  const double t0 = kit_now();
  const double acc = row("ensemble", e, test, &f1);
  const double predict_s = kit_now() - t0;
  if (c.save) kit_check(fmnist_model_save(e, c.save));

  kit_result res;
  kit_result_init(&res);
  kit_result_str(&res, "model", "ensemble");
  kit_result_double(&res, "accuracy", acc);
  kit_result_double(&res, "macro_f1", f1);
  kit_result_int(&res, "members", (long long)n);
  kit_result_double(&res, "best_member_accuracy", best);
  kit_result_str(&res, "tta", tta);
  kit_result_double(&res, "predict_s", predict_s);
  kit_result_print(&res);
  fmnist_model_free(e);
  for (size_t k = 0; k < n; k++) fmnist_model_free(m[k]);
  free(m);
  fmnist_dataset_free(test);
  return 0;
}
