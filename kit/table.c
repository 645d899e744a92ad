/* Tables on stdout (see table.h). */
#include "kit/table.h"

#include <math.h>
#include <stdio.h>

#include "kit/progress.h"

void kit_print_class_table(const fmnist_metrics *m) {
  static const fmnist_score cols[] = {FMNIST_SCORE_PRECISION, FMNIST_SCORE_RECALL,
                                      FMNIST_SCORE_F1};
  kit_progress_clear();
  printf("%-13s %5s %9s %7s %8s %8s\n", "Class", "Label", "Precision", "Recall", "F1-score",
         "Support");
  for (int c = 0; c < FMNIST_CLASSES; c++) {
    printf("%-13s %5d", fmnist_class_name(c), c);
    for (int k = 0; k < 3; k++)
      printf(" %*.2f", k == 0 ? 9 : k == 1 ? 7 : 8, fmnist_metrics_class(m, c, cols[k]));
    printf(" %8.0f\n", fmnist_metrics_class(m, c, FMNIST_SCORE_SUPPORT));
  }
  size_t n = fmnist_metrics_count(m);
  printf("\n%-13s %5s %9s %7s %8.2f %8zu\n", "accuracy", "", "", "", fmnist_metrics_accuracy(m),
         n);
  static const char *const avg_name[] = {"macro avg", "weighted avg"};
  for (int a = 0; a < 2; a++) {
    printf("%-13s %5s", avg_name[a], "");
    for (int k = 0; k < 3; k++)
      printf(" %*.2f", k == 0 ? 9 : k == 1 ? 7 : 8,
             fmnist_metrics_average(m, cols[k], (fmnist_average)a));
    printf(" %8zu\n", n);
  }
}

void kit_print_row(const char *label, int label_width, const double *v,
                   const char *const *fmt, size_t n, int width) {
  printf("%-*s", label_width, label);
  for (size_t i = 0; i < n; i++) {
    if (isnan(v[i])) printf(" %*s", width, "n/a");
    else printf(fmt[i], v[i]);
  }
  printf("\n");
}
