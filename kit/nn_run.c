/* The run of the neural-network examples (see nn_run.h). */
#include "kit/nn_run.h"

#include <math.h>
#include <stdio.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/plot.h"
#include "kit/progress.h"
#include "kit/ranks.h"
#include "kit/result.h"
#include "kit/summary.h"
#include "kit/table.h"

typedef struct nn_watch {
  fmnist_model *m;
} nn_watch;

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
  if (kit_plot(png, script)) printf("training curves: %s\n", png);
}

/* Progress callback: the bar, and one table row per finished epoch. */
static int nn_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  nn_watch *w = user;
  if (stage == FMNIST_STAGE_EPOCH) {
    double v[FMNIST_HISTORY_FIELDS];
    for (int f = 0; f < FMNIST_HISTORY_FIELDS; f++)
      fmnist_model_history(w->m, done - 1, (fmnist_history_field)f, &v[f]);
    kit_progress_clear();
    printf("%5zu/%-3zu  %10.4f  %9.4f  %10.4f  %9.4f  %7.1f\n", done, total, v[0], v[1], v[2],
           v[3], v[4]);
    fflush(stdout);
  }
  return kit_progress(NULL, stage, done, total);
}

void kit_nn_run(const char *name, const char *layers, const kit_common *c, const kit_nn_flags *f,
                const kit_data *d, kit_nn_summary *s) {
  fmnist_model *m = kit_net_create(layers, c, &f->net);
  nn_watch w = {m};
  kit_check(fmnist_model_set_progress(m, nn_progress, &w));

  printf("== %s: %s\n", name, f->net.layers ? f->net.layers : layers);
  kit_net_summary(m);
  if (f->diagram) kit_net_diagram(m, f->diagram);
  printf("%9s  %10s  %9s  %10s  %9s  %7s\n", "epoch", "train_loss", "train_acc", "val_loss",
         "val_acc", "secs");
  double t0 = kit_now();
  double allreduce_s = kit_fit(c, m, d->train, d->valid);
  s->fit_s = kit_now() - t0;
  kit_progress_clear();

  char path[1024];
  snprintf(path, sizeof path, "%s", kit_out_path(c, "%s_history.csv", name));
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
  plot_history(name, path, kit_out_path(c, "%s_curves.png", name));

  fmnist_metrics *mt;
  kit_check(fmnist_model_evaluate(m, d->valid, &mt));
  printf("\n%s on the validation set (%zu images; the report's Figure 3 is on this set):\n", name,
         fmnist_metrics_count(mt));
  kit_print_class_table(mt);
  fmnist_metrics_free(mt);
  t0 = kit_now();
  kit_check(fmnist_model_evaluate(m, d->test, &mt));
  s->predict_s = kit_now() - t0;
  printf("\n%s on the official test set (%zu images):\n", name, fmnist_metrics_count(mt));
  kit_print_class_table(mt);
  s->accuracy = fmnist_metrics_accuracy(mt);
  s->macro_f1 = fmnist_metrics_average(mt, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
  printf("peak validation accuracy %.4f at epoch %zu; last %.4f; history in %s\n", s->peak_val,
         s->peak_epoch, s->last_val, path);
  fmnist_metrics_free(mt);
  if (c->save) kit_check(c->rank == 0 ? fmnist_model_save(m, c->save) : FMNIST_OK);
  fmnist_model_free(m);

  kit_result r;
  kit_result_init(&r);
  kit_result_str(&r, "model", name);
  kit_result_double(&r, "accuracy", s->accuracy);
  kit_result_double(&r, "macro_f1", s->macro_f1);
  kit_result_double(&r, "peak_val_accuracy", s->peak_val);
  kit_result_double(&r, "val_accuracy", s->last_val);
  kit_result_double(&r, "fit_s", s->fit_s);
  kit_result_double(&r, "epoch_s", s->epoch_s);
  kit_result_double(&r, "predict_s", s->predict_s);
  kit_result_int(&r, "seed", (long long)c->seed);
  kit_result_int(&r, "epochs", (long long)s->epochs);
  if (c->mpi) {
    printf("data-parallel over %d ranks x %zu threads: %.2f s of the fit in MPI_Allreduce "
           "(rank 0, waits included)\n", c->ranks, c->threads, allreduce_s);
    kit_result_int(&r, "ranks", c->ranks);
    kit_result_double(&r, "allreduce_s", allreduce_s);
  }
  kit_result_print(&r);
}

