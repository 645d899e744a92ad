/* libfmnist_mpi: libfmnist over Open MPI (any MPI-3 library) — cross
 * validation and option sweeps spread over the ranks of a communicator,
 * and data-parallel training of nets.
 *
 * Link with `pkg-config --cflags --libs fmnist-mpi`. Every function here is
 * collective: every rank of comm calls it, with the same arguments (the
 * same options, data, settings; threads may differ). What is spread is
 * spread over the ranks; what is returned is returned on every rank.
 * Ranks given different options or data are detected (a hash of every
 * option but "threads" and of the images and labels) and every rank gets
 * FMNIST_E_INVALID before any work starts.
 *
 * Errors: a failure on any rank (a bad argument, an unreadable file, out
 * of memory, a cancel) reaches every rank as the same status, with
 * fmnist_last_error() naming the failing rank ("rank 1: ..."); no rank is
 * left waiting. The library duplicates comm for its messages and sets
 * MPI_ERRORS_RETURN on the duplicate only; the caller's communicator is
 * not changed. MPI must be initialised (MPI_Init); the calls are made
 * from the thread that called in (MPI_THREAD_FUNNELED is enough).
 */
#ifndef FMNIST_MPI_H
#define FMNIST_MPI_H

#include <mpi.h>

#include <fmnist.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FMNIST_MPI_BUILDING) && defined(__GNUC__)
#define FMNIST_MPI_API __attribute__((visibility("default")))
#else
#define FMNIST_MPI_API
#endif

/* Agreement on an outcome: every rank passes its own status (FMNIST_OK or
 * the error it got) and gets back FMNIST_OK if every rank passed OK, else
 * the status of the lowest rank that failed (a rank that only saw another
 * fail, FMNIST_E_PEER, is passed over) with that rank's message, as
 * "rank R: message", in fmnist_last_error(); if every rank failed with
 * the same status (an outcome already agreed on), each keeps its own
 * message. For a program's own steps, such as loading data. */
FMNIST_MPI_API fmnist_status fmnist_mpi_agree(MPI_Comm comm,
                                              fmnist_status status);

/* fmnist_cross_validate with the k folds spread over the ranks: rank 0
 * hands the next fold to whichever rank asks (folds take uneven time) and
 * runs folds itself, answering between its own progress steps. Every rank
 * receives in *out the same fmnist_cv as one process computes for the same
 * seed (the same metrics for every fold; the seconds are those of the rank
 * that ran the fold). m's progress callback, on each rank, sees that
 * rank's folds, and on rank 0 FMNIST_STAGE_FOLD as folds finish
 * anywhere. */
FMNIST_MPI_API fmnist_status fmnist_mpi_cross_validate(MPI_Comm comm,
                                                       const fmnist_model *m,
                                                       const fmnist_dataset *ds,
                                                       size_t k, uint64_t seed,
                                                       fmnist_cv **out);

/* An option sweep: for each of the n settings ("key=value ...", as
 * fmnist_model_set_options), a clone of base's configuration with the
 * setting applied is fitted on train and evaluated on valid, on whichever
 * rank asks next. Every rank receives, in the list's order, metrics[i]
 * (the caller frees them with fmnist_metrics_free) and seconds[i], its fit
 * time: the same metrics as fitting the settings one by one. A bad
 * setting is FMNIST_E_OPTION on every rank before any fit. */
FMNIST_MPI_API fmnist_status fmnist_mpi_sweep(MPI_Comm comm,
                                              const fmnist_model *base,
                                              const char *const *settings,
                                              size_t n,
                                              const fmnist_dataset *train,
                                              const fmnist_dataset *valid,
                                              fmnist_metrics **metrics,
                                              double *seconds);

/* fmnist_model_fit of a "net" model, data-parallel over the ranks
 * (fmnist_net_set_data_parallel with MPI_Allreduce as the sum): each rank
 * trains on its share of every global mini-batch of the "batch" option,
 * and every rank ends with the same fitted model, one process's up to the
 * order of float sums. allreduce_seconds (may be NULL) receives the wall
 * seconds this rank spent in MPI_Allreduce, waiting for the others
 * included. */
FMNIST_MPI_API fmnist_status fmnist_mpi_fit(MPI_Comm comm, fmnist_model *m,
                                            const fmnist_dataset *train,
                                            const fmnist_dataset *valid,
                                            double *allreduce_seconds);

#ifdef __cplusplus
}
#endif
#endif
