/* robustness: the study the report set out to do — each model's test
 * accuracy under each corruption at rising severity; and the report's
 * hypothesis, by training the final CNN with and without input noise.
 * Writes robustness.csv and robustness.png (accuracy vs severity) into
 * --out DIR. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/report.h"
#include "kit/result.h"
#include "kit/robust.h"
#include "kit/text.h"

/* Each corruption's transform op and its value at severities 0..4. */
static const kit_corruption corruptions[] = {
    {"gaussian noise (std)", "noise", {0, 15, 30, 50, 80}},
    {"salt and pepper (fraction)", "saltpepper", {0, 0.02, 0.05, 0.1, 0.2}},
    {"blur (sigma)", "blur", {0, 0.5, 1, 1.5, 2}},
    {"shift (pixels)", "shift", {0, 1, 2, 3, 4}},
    {"rotation (degrees)", "rotate", {0, 10, 20, 30, 45}},
    {"occlusion (square side)", "occlude", {0, 6, 10, 14, 18}},
    {"contrast (factor)", "contrast", {1, 0.7, 0.5, 0.3, 0.15}},
};

/* The final CNN of the report under another name and options. */
static kit_report_model final_cnn_variant(const char *name, const char *label,
                                          const char *options) {
  kit_report_model row = *kit_report_find("cnn_final");
  row.name = name;
  row.preset = "cnn_final";
  row.label = label;
  row.options = options;
  return row;
}

int main(int argc, char **argv) {
  kit_common opt;
  int hypothesis = 0;
  size_t epochs = 0;
  const char *models = "fast", *cache = NULL, *augment = NULL;
  const kit_flag extra[] = {
      {"models", KIT_STRING, &models, "comma-separated rows of the report (all, fast, names)"},
      {"hypothesis", KIT_BOOL, &hypothesis, "also train the final CNN without input noise"},
      {"epochs", KIT_SIZE, &epochs, "epochs of the nets, 0 = the report's 20"},
      {"cache", KIT_STRING, &cache, "directory to save fitted models to / load them from"},
      {"augment", KIT_STRING, &augment, "also train the final CNN on images altered by this spec"},
  };
  kit_parse_example(argc, argv, "Accuracy of each model on corrupted test images.", extra,
                    KIT_LEN(extra), &opt);
  kit_report_model rows[35]; /* 32 chosen, the hypothesis pair, the augmented */
  const kit_report_model *chosen[32];
  size_t n = kit_report_select(models, chosen, 32);
  for (size_t i = 0; i < n; i++) rows[i] = *chosen[i];
  char *without_noise = NULL, *augmented = NULL;
  if (hypothesis) { /* the final CNN as the report built it, and without noise */
    rows[n++] = *kit_report_find("cnn_final");
    char *spec = kit_spec_edit(kit_report_layers("cnn_final"), "noise", NULL);
    without_noise = kit_format("layers=%s", spec);
    free(spec);
    rows[n++] = final_cnn_variant("cnn_final_no_noise", "CNN (four layers) without input noise",
                                  without_noise);
  }
  if (augment) { /* the report's hypothesis: training on altered images */
    augmented = kit_format("augment=%s", augment);
    rows[n++] = final_cnn_variant("cnn_final_augmented",
                                  "CNN (four layers) trained on altered images", augmented);
  }
  kit_data d;
  kit_load_protocol(&opt, &d);

  kit_study study;
  kit_study_open(&study, &opt, corruptions, KIT_LEN(corruptions));
  double clean0 = NAN, f1_0 = NAN, mean_corrupt0 = NAN, total_s = 0;
  double *acc = kit_alloc(study.n_specs, sizeof *acc);
  for (size_t i = 0; i < n; i++) {
    double fit_s;
    fmnist_model *m = kit_report_fit(&rows[i], &opt, epochs, &d, cache, &fit_s);
    double t0 = kit_now();
    kit_check(fmnist_robustness(m, d.test, study.specs, study.n_specs, opt.seed, acc));
    total_s += fit_s + kit_now() - t0;
    double mean = kit_study_add(&study, rows[i].name, rows[i].label, acc);
    if (i == 0) {
      fmnist_metrics *mt;
      kit_check(fmnist_model_evaluate(m, d.test, &mt));
      clean0 = fmnist_metrics_accuracy(mt);
      f1_0 = fmnist_metrics_average(mt, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
      mean_corrupt0 = mean;
      fmnist_metrics_free(mt);
    }
    fflush(stdout);
    fmnist_model_free(m);
  }
  kit_study_close(&study, &opt);

  kit_result res;
  kit_result_init(&res);
  kit_result_str(&res, "model", n ? rows[0].name : "none");
  kit_result_double(&res, "accuracy", clean0);
  kit_result_double(&res, "macro_f1", f1_0);
  kit_result_double(&res, "mean_corrupted_accuracy", mean_corrupt0);
  kit_result_double(&res, "total_s", total_s);
  kit_result_print(&res);
  kit_data_free(&d);
  free(acc);
  free(without_noise);
  free(augmented);
  return 0;
}
