/* The run shared by the neural-network examples (see nn_run.h). */
#include "nn_run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot.h"
#include "summary.h"

typedef struct nn_watch { fmnist_model *m; } nn_watch;

/* Figure 2: loss and accuracy per epoch, train and validation, from the
 * history CSV into png. */
static void plot_history(const char *name, const char *csv, const char *png) {
  char script[4096];
  snprintf(script, sizeof script,
           "set multiplot layout 1,2 title '%s: training curves (Figure 2)'\n"
           "set xlabel 'epoch'\nset title 'loss'\n"
           "plot '%s' using 1:2 with linespoints title 'train', '' using 1:4 with linespoints "
           "title 'validation'\n"
           "set title 'accuracy'\nset key bottom right\n"
           "plot '%s' using 1:3 with linespoints title 'train', '' using 1:5 with linespoints "
           "title 'validation'\nunset multiplot\n",
           name, csv, csv);
  if (ex_plot(png, script)) printf("training curves: %s\n", png);
}

/* Progress callback: the bar, and one table row per finished epoch. */
static int nn_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  nn_watch *w = user;
  if (stage == FMNIST_STAGE_EPOCH) {
    double v[FMNIST_HISTORY_FIELDS];
    for (int f = 0; f < FMNIST_HISTORY_FIELDS; f++)
      fmnist_model_history(w->m, done - 1, (fmnist_history_field)f, &v[f]);
    ex_progress_clear();
    printf("%5zu/%-3zu  %10.4f  %9.4f  %10.4f  %9.4f  %7.1f\n", done, total, v[0], v[1], v[2],
           v[3], v[4]);
    fflush(stdout);
  }
  return ex_progress(NULL, stage, done, total);
}

void nn_run(const char *name, const char *layers, const ex_common *c, const nn_flags *f,
                   const ex_data *d, nn_summary *s) {
  fmnist_model *m;
  char num[64];
  ex_check(fmnist_model_create("net", &m));
  ex_check(fmnist_model_set(m, "layers", f->layers ? f->layers : layers));
  snprintf(num, sizeof num, "%llu", (unsigned long long)c->seed);
  ex_check(fmnist_model_set(m, "seed", num));
  snprintf(num, sizeof num, "%zu", c->threads);
  ex_check(fmnist_model_set(m, "threads", num));
  snprintf(num, sizeof num, "%zu", f->epochs);
  ex_check(fmnist_model_set(m, "epochs", num));
  snprintf(num, sizeof num, "%zu", f->batch);
  ex_check(fmnist_model_set(m, "batch", num));
  snprintf(num, sizeof num, "%.17g", f->lr);
  ex_check(fmnist_model_set(m, "lr", num));
  snprintf(num, sizeof num, "%.17g", f->eps);
  ex_check(fmnist_model_set(m, "eps", num));
  if (f->lr_schedule) ex_check(fmnist_model_set(m, "lr_schedule", f->lr_schedule));
  if (f->standardize) ex_check(fmnist_model_set(m, "standardize", f->standardize));
  if (f->init) ex_check(fmnist_model_set(m, "init", f->init));
  if (f->conv_algorithm) ex_check(fmnist_model_set(m, "conv_algorithm", f->conv_algorithm));
  if (f->augment) ex_check(fmnist_model_set(m, "augment", f->augment));
  nn_watch w = {m};
  ex_check(fmnist_model_set_progress(m, nn_progress, &w));

  printf("== %s: %s\n", name, f->layers ? f->layers : layers);
  ex_net_summary(m);
  if (f->diagram) ex_net_diagram(m, f->diagram);
  printf("%9s  %10s  %9s  %10s  %9s  %7s\n", "epoch", "train_loss", "train_acc", "val_loss",
         "val_acc", "secs");
  double t0 = ex_now();
  double allreduce_s = ex_fit(c, m, d->train, d->valid);
  s->fit_s = ex_now() - t0;
  ex_progress_clear();

  char path[1024], file[256];
  snprintf(file, sizeof file, "%s_history.csv", name);
  snprintf(path, sizeof path, "%s", ex_out_path(c, file));
  FILE *csv = fopen(path, "w");
  if (csv) fprintf(csv, "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds\n");
  s->epochs = fmnist_model_epochs(m);
  s->peak_val = -1, s->peak_epoch = 0, s->last_val = NAN;
  s->epoch_s = 0;
  for (size_t e = 0; e < s->epochs; e++) {
    double v[FMNIST_HISTORY_FIELDS];
    for (int k = 0; k < FMNIST_HISTORY_FIELDS; k++)
      fmnist_model_history(m, e, (fmnist_history_field)k, &v[k]);
    if (csv) fprintf(csv, "%zu,%.6f,%.6f,%.6f,%.6f,%.3f\n", e + 1, v[0], v[1], v[2], v[3], v[4]);
    if (v[3] > s->peak_val) s->peak_val = v[3], s->peak_epoch = e + 1;
    s->last_val = v[3];
    s->epoch_s += v[4] / (double)s->epochs;
  }
  if (csv) fclose(csv);
  else fprintf(stderr, "warning: cannot write %s\n", path);
  snprintf(file, sizeof file, "%s_curves.png", name);
  plot_history(name, path, ex_out_path(c, file));

  fmnist_metrics *mt;
  ex_check(fmnist_model_evaluate(m, d->valid, &mt));
  printf("\n%s on the validation set (%zu images; the report's Figure 3 is on this set):\n", name,
         fmnist_metrics_count(mt));
  ex_print_class_table(mt);
  fmnist_metrics_free(mt);
  t0 = ex_now();
  ex_check(fmnist_model_evaluate(m, d->test, &mt));
  s->predict_s = ex_now() - t0;
  printf("\n%s on the official test set (%zu images):\n", name, fmnist_metrics_count(mt));
  ex_print_class_table(mt);
  s->accuracy = fmnist_metrics_accuracy(mt);
  s->macro_f1 = fmnist_metrics_average(mt, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
  printf("peak validation accuracy %.4f at epoch %zu; last %.4f; history in %s\n", s->peak_val,
         s->peak_epoch, s->last_val, path);
  fmnist_metrics_free(mt);
  if (c->save) ex_check(c->rank == 0 ? fmnist_model_save(m, c->save) : FMNIST_OK);
  fmnist_model_free(m);

  ex_result r;
  ex_result_init(&r);
  ex_result_str(&r, "model", name);
  ex_result_double(&r, "accuracy", s->accuracy);
  ex_result_double(&r, "macro_f1", s->macro_f1);
  ex_result_double(&r, "peak_val_accuracy", s->peak_val);
  ex_result_double(&r, "val_accuracy", s->last_val);
  ex_result_double(&r, "fit_s", s->fit_s);
  ex_result_double(&r, "epoch_s", s->epoch_s);
  ex_result_double(&r, "predict_s", s->predict_s);
  ex_result_int(&r, "seed", (long long)c->seed);
  ex_result_int(&r, "epochs", (long long)s->epochs);
  if (c->mpi) {
    printf("data-parallel over %d ranks x %zu threads: %.2f s of the fit in MPI_Allreduce "
           "(rank 0, waits included)\n", c->ranks, c->threads, allreduce_s);
    ex_result_int(&r, "ranks", c->ranks);
    ex_result_double(&r, "allreduce_s", allreduce_s);
  }
  ex_result_print(&r);
}

