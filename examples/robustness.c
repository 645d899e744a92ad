/* robustness: the study the report set out to do — each model's test
 * accuracy under each corruption at rising severity; and the report's
 * hypothesis, by training the final CNN with and without input noise.
 * Writes robustness.csv and robustness.png (accuracy vs severity) into
 * --out DIR. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "report.h"

#define SEVERITIES 5
/* Corruption name, its transform op, and the op's value at severities 0..4. */
static const struct {
  const char *name, *op;
  double level[SEVERITIES];
} corruptions[] = {
    {"gaussian noise (std)", "noise", {0, 15, 30, 50, 80}},
    {"salt and pepper (fraction)", "saltpepper", {0, 0.02, 0.05, 0.1, 0.2}},
    {"blur (sigma)", "blur", {0, 0.5, 1, 1.5, 2}},
    {"shift (pixels)", "shift", {0, 1, 2, 3, 4}},
    {"rotation (degrees)", "rotate", {0, 10, 20, 30, 45}},
    {"occlusion (square side)", "occlude", {0, 6, 10, 14, 18}},
    {"contrast (factor)", "contrast", {1, 0.7, 0.5, 0.3, 0.15}},
};
#define N_CORR (sizeof corruptions / sizeof corruptions[0])

int main(int argc, char **argv) {
  ex_common opt;
  int hypothesis = 0;
  size_t epochs = 0;
  const char *models = "fast", *cache = NULL, *augment = NULL;
  const ex_flag extra[] = {
      {"models", EX_STRING, &models, "comma-separated rows of the report (all, fast, names)"},
      {"hypothesis", EX_BOOL, &hypothesis, "also train the final CNN without input noise"},
      {"epochs", EX_SIZE, &epochs, "epochs of the nets, 0 = the report's 20"},
      {"cache", EX_STRING, &cache, "directory to save fitted models to / load them from"},
      {"augment", EX_STRING, &augment, "also train the final CNN on images altered by this spec"},
  };
  ex_parse_flags(argc, argv, "Accuracy of each model on corrupted test images.", &opt, extra,
                 sizeof extra / sizeof extra[0]);
  ex_report_model rows[35]; /* 32 chosen, the hypothesis pair, the augmented */
  const ex_report_model *chosen[32];
  size_t n = ex_report_select(models, chosen, 32);
  for (size_t i = 0; i < n; i++) rows[i] = *chosen[i];
  char *without_noise = NULL;
  if (hypothesis) { /* the final CNN as the report built it, and without noise */
    rows[n++] = *ex_report_find("cnn_final");
    char *spec = ex_spec_edit(ex_report_layers("cnn_final"), "noise", NULL);
    without_noise = malloc(strlen(spec) + 8);
    sprintf(without_noise, "layers=%s", spec);
    free(spec);
    rows[n] = rows[n - 1];
    rows[n].name = "cnn_final_no_noise";
    rows[n].preset = "cnn_final";
    rows[n].label = "CNN (four layers) without input noise";
    rows[n].options = without_noise;
    n++;
  }
  char *augmented = NULL;
  if (augment) { /* the report's hypothesis: training on altered images */
    augmented = malloc(strlen(augment) + 16);
    sprintf(augmented, "augment=%s", augment);
    rows[n] = *ex_report_find("cnn_final");
    rows[n].name = "cnn_final_augmented";
    rows[n].preset = "cnn_final";
    rows[n].label = "CNN (four layers) trained on altered images";
    rows[n].options = augmented;
    n++;
  }
  ex_data d;
  ex_load_protocol(&opt, &d);

  const char *path = ex_out_path(&opt, "robustness.csv");
  FILE *csv = ex_csv_open(path, "model,corruption,severity,level,accuracy");
  const char *specs[N_CORR * SEVERITIES];
  static char spec_text[N_CORR * SEVERITIES][64];
  for (size_t c = 0; c < N_CORR; c++)
    for (size_t s = 0; s < SEVERITIES; s++) {
      snprintf(spec_text[c * SEVERITIES + s], 64, "%s:%g", corruptions[c].op, corruptions[c].level[s]);
      specs[c * SEVERITIES + s] = spec_text[c * SEVERITIES + s];
    }
  double clean0 = NAN, f1_0 = NAN, mean_corrupt0 = NAN, total_s = 0;
  for (size_t i = 0; i < n; i++) {
    double fit_s, acc[N_CORR * SEVERITIES];
    fmnist_model *m = ex_report_fit(&rows[i], &opt, epochs, &d, cache, &fit_s);
    double t0 = ex_now();
    ex_check(fmnist_robustness(m, d.test, specs, N_CORR * SEVERITIES, opt.seed, acc));
    total_s += fit_s + ex_now() - t0;
    printf("\n%s (%s)\n%-28s", rows[i].label, rows[i].name, "corruption \\ severity");
    for (size_t s = 0; s < SEVERITIES; s++) printf(" %7zu", s);
    printf("\n");
    double sum = 0;
    for (size_t c = 0; c < N_CORR; c++) {
      printf("%-28s", corruptions[c].name);
      for (size_t s = 0; s < SEVERITIES; s++) {
        double a = acc[c * SEVERITIES + s];
        printf(" %7.4f", a);
        if (s) sum += a;
        fprintf(csv, "%s,%s,%zu,%g,%.4f\n", rows[i].name, corruptions[c].op, s,
                corruptions[c].level[s], a);
      }
      printf("\n");
    }
    printf("%-28s %7.4f (mean over severities 1..%d of every corruption)\n", "mean corrupted",
           sum / (N_CORR * (SEVERITIES - 1)), SEVERITIES - 1);
    if (i == 0) {
      fmnist_metrics *mt;
      ex_check(fmnist_model_evaluate(m, d.test, &mt));
      clean0 = fmnist_metrics_accuracy(mt);
      f1_0 = fmnist_metrics_average(mt, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
      mean_corrupt0 = sum / (N_CORR * (SEVERITIES - 1));
      fmnist_metrics_free(mt);
    }
    fflush(stdout);
    fmnist_model_free(m);
  }
  fclose(csv);

  /* One panel per corruption: accuracy vs severity, a line per model. */
  char script[32768]; /* ~130 bytes per model and panel */
  const char *png = ex_out_path(&opt, "robustness.png");
  size_t len = (size_t)snprintf(script, sizeof script,
                                "set terminal pngcairo noenhanced size 1400,900 font ',9'\nset output '%s'\n"
                                "set multiplot layout 2,4 title 'Test accuracy under corruption'\n"
                                "set yrange [0:1]\nset xlabel 'severity'\nset key bottom left\n",
                                png);
  for (size_t c = 0; c < N_CORR; c++) {
    len += (size_t)snprintf(script + len, sizeof script - len, "set title '%s'\nplot ",
                            corruptions[c].name);
    for (size_t i = 0; i < n; i++)
      len += (size_t)snprintf(script + len, sizeof script - len,
                              "%s'%s' using (strcol(2) eq '%s' && strcol(1) eq '%s' ? $3 : 1/0):5 "
                              "with linespoints title '%s'",
                              i ? ", " : "", path, corruptions[c].op, rows[i].name, rows[i].name);
    len += (size_t)snprintf(script + len, sizeof script - len, "\n");
  }
  snprintf(script + len, sizeof script - len, "unset multiplot\n");
  if (ex_plot(png, script)) printf("\nplot: %s\n", png);

  ex_result res;
  ex_result_init(&res);
  ex_result_str(&res, "model", n ? rows[0].name : "none");
  ex_result_double(&res, "accuracy", clean0);
  ex_result_double(&res, "macro_f1", f1_0);
  ex_result_double(&res, "mean_corrupted_accuracy", mean_corrupt0);
  ex_result_double(&res, "total_s", total_s);
  ex_result_print(&res);
  ex_data_free(&d);
  free(without_noise);
  free(augmented);
  return 0;
}
