/* compare_all: the report's Figure 5 — every model trained on the 50k split
 * with the report's options, scored on the official test set, beside the
 * report's own figures. Also writes compare_all.csv and compare_all.png
 * into --out DIR. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kit/check.h"
#include "kit/plot.h"
#include "kit/report.h"
#include "kit/result.h"

int main(int argc, char **argv) {
  kit_common opt;
  int quick = 0;
  size_t epochs = 0;
  const char *models = "all", *cache = NULL;
  const kit_flag extra[] = {
      {"quick", KIT_BOOL, &quick, "only the models that take seconds (knn, forest, dense)"},
      {"models", KIT_STRING, &models, "comma-separated rows (all, fast, or names)"},
      {"epochs", KIT_SIZE, &epochs, "epochs of the nets, 0 = the report's 20"},
      {"cache", KIT_STRING, &cache, "directory to save fitted models to / load them from"},
  };
  kit_parse_example(argc, argv, "Trains every model of the report and prints Figure 5.", extra,
                    KIT_LEN(extra), &opt);
  const kit_report_model *rows[32];
  size_t n = kit_report_select(quick ? "fast" : models, rows, 32);
  kit_data d;
  kit_load_protocol(&opt, &d);

  const char *path = kit_out_path(&opt, "compare_all.csv");
  FILE *csv = kit_csv_open(path, "model,precision,recall,f1,accuracy,val_accuracy,fit_s,epochs,"
                                "report_precision,report_recall,report_f1");
  double acc[32], f1[32], total_fit_s = 0;
  size_t best = 0;
  printf("%-34s %-34s %9s %6s %6s %8s %7s %6s   %s\n", "Model", "Regularization", "Precision",
         "Recall", "F1", "Accuracy", "Fit s", "Epochs", "report P/R/F1");
  for (size_t i = 0; i < n; i++) {
    double fit_s;
    fmnist_model *m = kit_report_fit(rows[i], &opt, epochs, &d, cache, &fit_s);
    total_fit_s += fit_s;
    fmnist_metrics *test, *valid;
    kit_check(fmnist_model_evaluate(m, d.test, &test));
    kit_check(fmnist_model_evaluate(m, d.valid, &valid));
    double p = fmnist_metrics_average(test, FMNIST_SCORE_PRECISION, FMNIST_AVERAGE_MACRO);
    double r = fmnist_metrics_average(test, FMNIST_SCORE_RECALL, FMNIST_AVERAGE_MACRO);
    f1[i] = fmnist_metrics_average(test, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
    acc[i] = fmnist_metrics_accuracy(test);
    if (acc[i] > acc[best]) best = i;
    /* epochs the fit ran (SAG stops at tol; 0 for knn and forest) */
    size_t epochs = fmnist_model_epochs(m);
    printf("%-34s %-34s %9.4f %6.4f %6.4f %8.4f %7.1f %6zu   %.2f/%.2f/%.2f\n", rows[i]->label,
           rows[i]->regularization, p, r, f1[i], acc[i], fit_s, epochs, rows[i]->precision,
           rows[i]->recall, rows[i]->f1);
    fflush(stdout);
    fprintf(csv, "%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.2f,%zu,%.2f,%.2f,%.2f\n", rows[i]->name, p, r,
            f1[i], acc[i], fmnist_metrics_accuracy(valid), fit_s, epochs, rows[i]->precision,
            rows[i]->recall, rows[i]->f1);
    fmnist_metrics_free(test);
    fmnist_metrics_free(valid);
    fmnist_model_free(m);
  }
  fclose(csv);
  printf("(precision, recall, F1: macro averages on the official 10k test set; "
         "fit s = 0 means loaded from --cache)\n");

  char script[2048];
  const char *png = kit_out_path(&opt, "compare_all.png");
  snprintf(script, sizeof script,
           "set title 'Figure 5: macro F1 on the test set, libfmnist vs the report'\n"
           "set style data histograms\nset style histogram clustered gap 1\n"
           "set style fill solid 0.8 border -1\nset yrange [0.75:1]\nset ylabel 'macro F1'\n"
           "set xtics rotate by -35\nset key top left\n"
           "plot '%s' using 4:xtic(1) title 'libfmnist', '' using 11 title 'report'\n",
           path);
  if (kit_plot(png, script)) printf("plot: %s\n", png);

  kit_result res;
  kit_result_init(&res);
  kit_result_str(&res, "model", n ? rows[best]->name : "none");
  kit_result_double(&res, "accuracy", n ? acc[best] : NAN);
  kit_result_double(&res, "macro_f1", n ? f1[best] : NAN);
  kit_result_double(&res, "fit_s", total_fit_s);
  for (size_t i = 0; i < n; i++) {
    char key[64];
    snprintf(key, sizeof key, "acc_%s", rows[i]->name);
    kit_result_double(&res, key, acc[i]);
  }
  kit_result_print(&res);
  kit_data_free(&d);
  return 0;
}
