/* Internals of libfmnist_mpi: what its collective calls share. The
 * companion library uses libfmnist's public API only. */
#ifndef FMNIST_MPI_IMPL_H
#define FMNIST_MPI_IMPL_H

#include "fmnist_mpi.h"

/* The communicator the library talks on: a duplicate of the caller's, with
 * MPI_ERRORS_RETURN, so its messages never meet the caller's and an MPI
 * error is a status, not an abort. */
typedef struct fmnist_mpi__comm {
  MPI_Comm comm;
  int rank, size;
} fmnist_mpi__comm;

/* Duplicates comm (collective). FMNIST_E_IO if MPI fails. */
fmnist_status fmnist_mpi__open(MPI_Comm comm, fmnist_mpi__comm *c);
void fmnist_mpi__close(fmnist_mpi__comm *c);
/* FMNIST_E_IO naming the MPI call and MPI's message, for an MPI error. */
fmnist_status fmnist_mpi__error(const char *call, int code);

/* fmnist_mpi_agree on the library's communicator. */
fmnist_status fmnist_mpi__agree(const fmnist_mpi__comm *c, fmnist_status s);

/* Every rank holds the same configuration (every option of m but
 * "threads"), data sets (count, images, labels; NULL allowed) and texts:
 * compared by a 64-bit FNV-1a hash against rank 0's, then agreed on
 * (FMNIST_E_INVALID naming the first rank that differs). */
fmnist_status fmnist_mpi__same_everywhere(const fmnist_mpi__comm *c, const fmnist_model *m,
                                          const fmnist_dataset *const *sets, size_t n_sets,
                                          const char *const *texts, size_t n_texts,
                                          uint64_t number);

/* A task's metrics as doubles that add up over the ranks: a flag that it
 * ran, a flag that it has a log loss, the log loss, the fit seconds, then
 * the confusion counts (exact in a double). */
enum { ROW_RAN, ROW_HAS_LOSS, ROW_LOSS, ROW_SECONDS, ROW_CONFUSION,
       ROW_DOUBLES = ROW_CONFUSION + FMNIST_CLASSES * FMNIST_CLASSES };
void fmnist_mpi__row_put(double *row, const fmnist_metrics *metrics, double seconds);
/* The metrics of a row (FMNIST_E_STATE if no rank ran it). */
fmnist_status fmnist_mpi__row_get(const double *row, fmnist_metrics **out, double *seconds);

/* Runs task i (0 <= i < n) and writes its row; m is the caller's model
 * configuration whose progress callback serves the queue on rank 0. */
typedef fmnist_status (*fmnist_mpi__task_fn)(void *ctx, const fmnist_model *m, size_t i,
                                             double *row);

/* Dynamic assignment of n tasks: rank 0 hands out the next task to each
 * rank that asks and runs tasks itself, answering from m's progress
 * callback between its own steps. Then every rank holds every row
 * (table: n x ROW_DOUBLES, summed over the ranks) and the agreed status.
 * m's own callback still sees every step, and on rank 0
 * FMNIST_STAGE_FOLD (done/total tasks) as tasks finish. */
fmnist_status fmnist_mpi__run_tasks(const fmnist_mpi__comm *c, const fmnist_model *m, size_t n,
                                    fmnist_mpi__task_fn fn, void *ctx, double *table);

#endif
