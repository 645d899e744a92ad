/* kfold: the report's Figure 4 — k-fold cross validation (k = 5) of the
 * final CNN, or of any model of the report, on the official 60k training
 * set; prints the per-fold table and the average beside the report's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/plot.h"
#include "kit/progress.h"
#include "kit/ranks.h"
#include "kit/report.h"
#include "kit/result.h"

/* The report's Figure 4 ("precision" per fold, in percent). */
static const double report_fold[5] = {93.06, 95.13, 95.21, 94.96, 96.43};
static const double report_mean = 94.96;

int main(int argc, char **argv) {
  kit_common opt;
  size_t k = 5, epochs = 0;
  const char *name = "cnn_final";
  const kit_flag extra[] = {
      {"model", KIT_STRING, &name, "the report's model to validate (see compare_all --help)"},
      {"k", KIT_SIZE, &k, "number of folds"},
      {"epochs", KIT_SIZE, &epochs, "epochs of a net, 0 = the report's 20"},
      KIT_MPI_FLAG(opt),
  };
  kit_parse_example(argc, argv, "k-fold cross validation of a model (Figure 4).", extra,
                    KIT_LEN(extra), &opt);
  const kit_report_model *row = kit_report_find(name);
  if (!row) return 2;
  fmnist_dataset *train = kit_load_set(&opt, FMNIST_SET_TRAIN);
  fmnist_model *m = kit_report_create(row, &opt, epochs);
  fmnist_cv *cv;
  double t0 = kit_now();
  kit_check(kit_cross_validate(&opt, m, train, k, opt.seed, &cv));
  double total_s = kit_now() - t0;
  kit_progress_clear();

  const char *csv_path = kit_out_path(&opt, "kfold_%s.csv", name);
  FILE *csv = kit_csv_open(csv_path, "fold,precision,recall,f1,accuracy,fit_s");
  printf("%zu-fold cross validation of %s on %zu images (seed %llu)\n", k, row->label,
         fmnist_dataset_count(train), (unsigned long long)opt.seed);
  printf("%-8s %10s %8s %8s %9s %8s   %s\n", "k-fold", "Precision", "Recall", "F1", "Accuracy",
         "Fit s", "report precision");
  for (size_t f = 0; f < k; f++) {
    const fmnist_metrics *fm = fmnist_cv_fold_metrics(cv, f);
    double p = fmnist_metrics_average(fm, FMNIST_SCORE_PRECISION, FMNIST_AVERAGE_MACRO);
    double r = fmnist_metrics_average(fm, FMNIST_SCORE_RECALL, FMNIST_AVERAGE_MACRO);
    double f1 = fmnist_metrics_average(fm, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
    double acc = fmnist_metrics_accuracy(fm);
    printf("%-8zu %10.2f %8.2f %8.2f %9.2f %8.1f   ", f + 1, 100 * p, 100 * r, 100 * f1,
           100 * acc, fmnist_cv_fold_seconds(cv, f));
    if (k == 5 && !strcmp(name, "cnn_final")) printf("%.2f", report_fold[f]);
    printf("\n");
    fprintf(csv, "%zu,%.4f,%.4f,%.4f,%.4f,%.2f\n", f + 1, p, r, f1, acc,
            fmnist_cv_fold_seconds(cv, f));
  }
  fclose(csv);
  double pm, ps, rm, rs, fm_, fs, am, as;
  kit_check(fmnist_cv_mean(cv, FMNIST_SCORE_PRECISION, &pm, &ps));
  kit_check(fmnist_cv_mean(cv, FMNIST_SCORE_RECALL, &rm, &rs));
  kit_check(fmnist_cv_mean(cv, FMNIST_SCORE_F1, &fm_, &fs));
  kit_check(fmnist_cv_accuracy(cv, &am, &as));
  printf("%-8s %10.2f %8.2f %8.2f %9.2f %8.1f   ", "Average", 100 * pm, 100 * rm, 100 * fm_,
         100 * am, total_s / (double)k);
  if (k == 5 && !strcmp(name, "cnn_final")) printf("%.2f", report_mean);
  printf("\n%-8s %10.2f %8.2f %8.2f %9.2f\n", "Std", 100 * ps, 100 * rs, 100 * fs, 100 * as);
  printf("(macro averages in percent on each held-out fold; per-fold CSV: %s)\n", csv_path);

  kit_result res;
  kit_result_init(&res);
  kit_result_str(&res, "model", row->name);
  kit_result_double(&res, "accuracy", am);
  kit_result_double(&res, "macro_f1", fm_);
  kit_result_double(&res, "precision", pm);
  kit_result_double(&res, "accuracy_std", as);
  kit_result_int(&res, "k", (long long)k);
  kit_result_double(&res, "fit_s", total_s);
  kit_result_int(&res, "ranks", opt.ranks);
  kit_result_print(&res);
  fmnist_cv_free(cv);
  fmnist_model_free(m);
  fmnist_dataset_free(train);
  return 0;
}
