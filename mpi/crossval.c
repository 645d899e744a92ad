/* fmnist_mpi_cross_validate: the folds of fmnist_cross_validate spread
 * over the ranks. */
#include <stdlib.h>

#include "mpi_impl.h"

typedef struct fold_job {
  fmnist_cv *local; /* the folds this rank runs */
  const fmnist_dataset *ds;
  uint64_t seed;
} fold_job;

static fmnist_status run_fold(void *ctx, const fmnist_model *m, size_t fold, double *row) {
  fold_job *j = ctx;
  fmnist_status s = fmnist_cv_run_fold(j->local, m, j->ds, j->seed, fold);
  if (!s)
    fmnist_mpi__row_put(row, fmnist_cv_fold_metrics(j->local, fold),
                        fmnist_cv_fold_seconds(j->local, fold));
  return s;
}

FMNIST_MPI_API fmnist_status fmnist_mpi_cross_validate(MPI_Comm comm, const fmnist_model *m,
                                                       const fmnist_dataset *ds, size_t k,
                                                       uint64_t seed, fmnist_cv **out) {
  fmnist_mpi__comm c;
  fmnist_status s = fmnist_mpi__open(comm, &c);
  if (s) return s;
  if (!m || !ds || !out)
    s = fmnist_set_error(FMNIST_E_INVALID, "fmnist_mpi_cross_validate: a NULL argument");
  else if (k < 2 || k > fmnist_dataset_count(ds))
    s = fmnist_set_error(FMNIST_E_INVALID, "fmnist_mpi_cross_validate: k out of 2..images");
  s = fmnist_mpi__agree(&c, s);
  if (!s) s = fmnist_mpi__same_everywhere(&c, m, &ds, 1, NULL, 0, k ^ (seed * 0x9e3779b97f4a7c15ull));
  fold_job j = {NULL, ds, seed};
  fmnist_cv *cv = NULL;
  double *table = NULL;
  if (!s) {
    s = fmnist_cv_create(k, &j.local);
    if (!s) s = fmnist_cv_create(k, &cv);
    table = malloc(k * ROW_DOUBLES * sizeof *table);
    if (!s && !table) s = fmnist_set_error(FMNIST_E_NOMEM, "fmnist_mpi_cross_validate: out of memory");
    s = fmnist_mpi__agree(&c, s);
  }
  if (!s) s = fmnist_mpi__run_tasks(&c, m, k, run_fold, &j, table);
  if (!s) { /* every rank is here, with the same table */
    for (size_t f = 0; f < k && !s; f++) {
      fmnist_metrics *metrics = NULL;
      double seconds;
      s = fmnist_mpi__row_get(table + f * ROW_DOUBLES, &metrics, &seconds);
      if (!s) s = fmnist_cv_set_fold(cv, f, metrics, seconds);
      fmnist_metrics_free(metrics);
    }
    s = fmnist_mpi__agree(&c, s);
  }
  free(table);
  fmnist_cv_free(j.local);
  fmnist_mpi__close(&c);
  if (s) {
    fmnist_cv_free(cv);
    return s;
  }
  *out = cv;
  return FMNIST_OK;
}
