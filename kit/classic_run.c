/* The run of the classical-model examples (see classic_run.h). */
#include "kit/classic_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/data.h"
#include "kit/progress.h"
#include "kit/result.h"
#include "kit/table.h"

/* Predicts every image of ds, timed; metrics from the labels. */
static fmnist_metrics *classic_score(const fmnist_model *m, const fmnist_dataset *ds,
                                     double *seconds) {
  size_t n = fmnist_dataset_count(ds);
  uint8_t *pred = kit_alloc(n, 1);
  double t0 = kit_now();
  kit_check(fmnist_model_predict(m, fmnist_dataset_images(ds), n, pred));
  *seconds = kit_now() - t0;
  kit_progress_clear();
  fmnist_metrics *mt;
  kit_check(fmnist_metrics_compute(fmnist_dataset_labels(ds), pred, NULL, n, &mt));
  free(pred);
  return mt;
}

int kit_classic_run(const char *family, const char *name, const char *const *kv,
                    const kit_common *c) {
  kit_data d;
  kit_load_protocol(c, &d);
  fmnist_model *m;
  double fit_s = 0, val_s, predict_s;
  char value[64];
  if (c->load) {
    kit_check(fmnist_model_load(c->load, &m));
    if (strcmp(fmnist_model_family(m), family) != 0) {
      fprintf(stderr, "error: %s holds a %s model, not %s\n", c->load, fmnist_model_family(m),
              family);
      return 1;
    }
    /* Options come from the file (setting one would make the model
     * unfitted), except the thread count, which keeps a fit. */
    kit_set(m, "threads", "%zu", c->threads);
    kit_check(fmnist_model_set_progress(m, kit_progress, NULL));
    printf("loaded %s from %s\n", family, c->load);
  } else {
    kit_check(fmnist_model_create(family, &m));
    kit_set(m, "threads", "%zu", c->threads);
    kit_set(m, "seed", "%llu", (unsigned long long)c->seed);
    for (; kv[0]; kv += 2) kit_check(fmnist_model_set(m, kv[0], kv[1]));
    kit_check(fmnist_model_set_progress(m, kit_progress, NULL));
    printf("%s: fitting on %zu images (validation %zu, test %zu)\n", name,
           fmnist_dataset_count(d.train), fmnist_dataset_count(d.valid),
           fmnist_dataset_count(d.test));
    double t0 = kit_now();
    kit_check(fmnist_model_fit(m, d.train, d.valid));
    fit_s = kit_now() - t0;
    kit_progress_clear();
  }
  if (c->save) {
    kit_check(fmnist_model_save(m, c->save));
    printf("saved to %s\n", c->save);
  }
  kit_result r;
  kit_result_init(&r);
  kit_result_str(&r, "model", name);
  printf("options:");
  const char *key;
  for (size_t i = 0; (key = fmnist_model_option_name(m, i)); i++) {
    kit_check(fmnist_model_get(m, key, value, sizeof value));
    printf(" %s=%s", key, value);
  }
  printf("\n");
  if (fmnist_model_epochs(m)) {
    double loss, secs;
    size_t last = fmnist_model_epochs(m) - 1;
    kit_check(fmnist_model_history(m, last, FMNIST_HISTORY_TRAIN_LOSS, &loss));
    kit_check(fmnist_model_history(m, last, FMNIST_HISTORY_SECONDS, &secs));
    printf("epochs run: %zu (last: train loss %.4f, %.3f s)\n", last + 1, loss, secs);
  }
  fmnist_metrics *val = classic_score(m, d.valid, &val_s);
  fmnist_metrics *test = classic_score(m, d.test, &predict_s);
  printf("\nofficial test set, %zu images:\n", fmnist_metrics_count(test));
  kit_print_class_table(test);
  printf("\nvalidation accuracy %.4f   test accuracy %.4f   fit %.2f s   predict %.2f s\n",
         fmnist_metrics_accuracy(val), fmnist_metrics_accuracy(test), fit_s, predict_s);
  kit_result_double(&r, "accuracy", fmnist_metrics_accuracy(test));
  kit_result_double(&r, "macro_f1",
                    fmnist_metrics_average(test, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO));
  kit_result_double(&r, "val_accuracy", fmnist_metrics_accuracy(val));
  kit_result_double(&r, "fit_s", fit_s);
  kit_result_double(&r, "predict_s", predict_s);
  for (size_t i = 0; (key = fmnist_model_option_name(m, i)); i++) {
    kit_check(fmnist_model_get(m, key, value, sizeof value));
    kit_result_str(&r, key, value);
  }
  kit_result_print(&r);
  fmnist_metrics_free(val);
  fmnist_metrics_free(test);
  fmnist_model_free(m);
  kit_data_free(&d);
  return 0;
}

