/* kfold: the report's Figure 4 — k-fold cross validation (k = 5) of the
 * final CNN, or of any model of the report, on the official 60k training
 * set; prints the per-fold table and the average beside the report's. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot.h"
#include "report.h"

/* The report's Figure 4 ("precision" per fold, in percent). */
static const double report_fold[5] = {93.06, 95.13, 95.21, 94.96, 96.43};
static const double report_mean = 94.96;

int main(int argc, char **argv) {
  ex_common opt;
  size_t k = 5, epochs = 0;
  const char *name = "cnn_final";
  const ex_flag extra[] = {
      {"model", EX_STRING, &name, "the report's model to validate (see compare_all --help)"},
      {"k", EX_SIZE, &k, "number of folds"},
      {"epochs", EX_SIZE, &epochs, "epochs of a net, 0 = the report's 20"},
      EX_MPI_FLAG(opt),
  };
  ex_parse_flags(argc, argv, "k-fold cross validation of a model (Figure 4).", &opt, extra,
                 sizeof extra / sizeof extra[0]);
  const ex_report_model *row = ex_report_find(name);
  if (!row) return 2;
  fmnist_dataset *train = ex_load_set(&opt, FMNIST_SET_TRAIN);
  fmnist_model *m = ex_report_create(row, &opt, epochs);
  fmnist_cv *cv;
  double t0 = ex_now();
  ex_check(ex_cross_validate(&opt, m, train, k, opt.seed, &cv));
  double total_s = ex_now() - t0;
  ex_progress_clear();

  char csv_name[128];
  snprintf(csv_name, sizeof csv_name, "kfold_%s.csv", name);
  const char *csv_path = ex_out_path(&opt, csv_name);
  FILE *csv = ex_csv_open(csv_path, "fold,precision,recall,f1,accuracy,fit_s");
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
  ex_check(fmnist_cv_mean(cv, FMNIST_SCORE_PRECISION, &pm, &ps));
  ex_check(fmnist_cv_mean(cv, FMNIST_SCORE_RECALL, &rm, &rs));
  ex_check(fmnist_cv_mean(cv, FMNIST_SCORE_F1, &fm_, &fs));
  ex_check(fmnist_cv_accuracy(cv, &am, &as));
  printf("%-8s %10.2f %8.2f %8.2f %9.2f %8.1f   ", "Average", 100 * pm, 100 * rm, 100 * fm_,
         100 * am, total_s / (double)k);
  if (k == 5 && !strcmp(name, "cnn_final")) printf("%.2f", report_mean);
  printf("\n%-8s %10.2f %8.2f %8.2f %9.2f\n", "Std", 100 * ps, 100 * rs, 100 * fs, 100 * as);
  printf("(macro averages in percent on each held-out fold; per-fold CSV: %s)\n", csv_path);

  ex_result res;
  ex_result_init(&res);
  ex_result_str(&res, "model", row->name);
  ex_result_double(&res, "accuracy", am);
  ex_result_double(&res, "macro_f1", fm_);
  ex_result_double(&res, "precision", pm);
  ex_result_double(&res, "accuracy_std", as);
  ex_result_int(&res, "k", (long long)k);
  ex_result_double(&res, "fit_s", total_s);
  ex_result_int(&res, "ranks", opt.ranks);
  ex_result_print(&res);
  fmnist_cv_free(cv);
  fmnist_model_free(m);
  fmnist_dataset_free(train);
  return 0;
}
