/* fmnist_mpi_sweep: a base configuration under a list of option settings,
 * each fitted and scored on whichever rank asks next. */
#include <stdio.h>
#include <stdlib.h>

#include "mpi_impl.h"

typedef struct sweep_job {
  const char *const *settings;
  const fmnist_dataset *train, *valid;
} sweep_job;

/* base with setting i applied (its progress callback too). */
static fmnist_status configure(const fmnist_model *base, const char *setting,
                               fmnist_model **out) {
  fmnist_progress_fn progress;
  void *user;
  fmnist_model *m = NULL;
  fmnist_status s = fmnist_model_clone_config(base, &m);
  if (!s) s = fmnist_model_set_options(m, setting);
  if (!s) s = fmnist_model_get_progress(base, &progress, &user);
  if (!s) s = fmnist_model_set_progress(m, progress, user);
  if (s) {
    fmnist_model_free(m);
    return s;
  }
  *out = m;
  return FMNIST_OK;
}

static fmnist_status run_setting(void *ctx, const fmnist_model *base, size_t i, double *row) {
  const sweep_job *j = ctx;
  fmnist_model *m;
  fmnist_metrics *metrics = NULL;
  fmnist_status s = configure(base, j->settings[i], &m);
  if (s) return s;
  double start = MPI_Wtime();
  s = fmnist_model_fit(m, j->train, j->valid);
  double seconds = MPI_Wtime() - start;
  if (!s) s = fmnist_model_evaluate(m, j->valid, &metrics);
  if (!s) fmnist_mpi__row_put(row, metrics, seconds);
  fmnist_metrics_free(metrics);
  fmnist_model_free(m);
  return s;
}

FMNIST_MPI_API fmnist_status fmnist_mpi_sweep(MPI_Comm comm, const fmnist_model *base,
                                              const char *const *settings, size_t n,
                                              const fmnist_dataset *train,
                                              const fmnist_dataset *valid,
                                              fmnist_metrics **metrics, double *seconds) {
  fmnist_mpi__comm c;
  fmnist_status s = fmnist_mpi__open(comm, &c);
  if (s) return s;
  if (!base || (n && (!settings || !metrics || !seconds)) || !train || !valid)
    s = fmnist_set_error(FMNIST_E_INVALID, "fmnist_mpi_sweep: a NULL argument");
  /* Every setting is checked up front, so that none fails after hours. */
  for (size_t i = 0; i < n && !s; i++) {
    fmnist_model *m = NULL;
    s = settings[i] ? configure(base, settings[i], &m)
                    : fmnist_set_error(FMNIST_E_INVALID, "a NULL setting");
    fmnist_model_free(m);
    if (s) {
      char message[600];
      snprintf(message, sizeof message, "setting %zu \"%s\": %s", i + 1,
               settings[i] ? settings[i] : "", fmnist_last_error());
      s = fmnist_set_error(s, message);
    }
  }
  s = fmnist_mpi__agree(&c, s);
  const fmnist_dataset *sets[2] = {train, valid};
  if (!s) s = fmnist_mpi__same_everywhere(&c, base, sets, 2, settings, n, n);
  double *table = NULL;
  if (!s) {
    table = malloc((n ? n : 1) * ROW_DOUBLES * sizeof *table);
    s = fmnist_mpi__agree(&c, table ? FMNIST_OK
                                    : fmnist_set_error(FMNIST_E_NOMEM,
                                                       "fmnist_mpi_sweep: out of memory"));
  }
  sweep_job j = {settings, train, valid};
  if (!s) s = fmnist_mpi__run_tasks(&c, base, n, run_setting, &j, table);
  if (!s) { /* every rank is here, with the same table */
    size_t i = 0;
    for (; i < n && !s; i++) {
      metrics[i] = NULL;
      s = fmnist_mpi__row_get(table + i * ROW_DOUBLES, &metrics[i], &seconds[i]);
    }
    s = fmnist_mpi__agree(&c, s);
    if (s)
      while (i-- > 0) fmnist_metrics_free(metrics[i]);
  }
  free(table);
  fmnist_mpi__close(&c);
  return s;
}
