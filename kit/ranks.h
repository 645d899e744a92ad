/* The ranks of mpirun, for the examples built with Open MPI (kfold,
 * cnn_final; sweep always runs so): with --mpi every rank runs the same
 * steps; kit_check agrees on each outcome over the ranks (an error on any
 * rank stops them all, named); only rank 0 prints and writes files;
 * --threads 0 becomes the cores of the node divided among its ranks.
 * kit/mpi.c implements this over Open MPI; kit/solo.c, in the kit's
 * archive, is the one process of every other program, which refuses
 * --mpi. */
#ifndef FMNIST_KIT_RANKS_H
#define FMNIST_KIT_RANKS_H

#include <fmnist.h>

#include "kit/flags.h"

/* Starts MPI for c (the flag parser calls it when --mpi is given). */
void kit_mpi_begin(kit_common *c);
/* fmnist_model_fit, data-parallel over the ranks with --mpi; returns the
 * seconds spent in MPI_Allreduce (0 alone). Exits 1 on failure. */
double kit_fit(const kit_common *c, fmnist_model *m, const fmnist_dataset *train,
               const fmnist_dataset *valid);
/* fmnist_cross_validate, its folds spread over the ranks with --mpi. */
fmnist_status kit_cross_validate(const kit_common *c, const fmnist_model *m,
                                 const fmnist_dataset *ds, size_t k, uint64_t seed,
                                 fmnist_cv **out);
/* s as every rank sees it (under --mpi an error on any rank is everyone's);
 * *rank receives this process's rank. */
fmnist_status kit_agree(fmnist_status s, int *rank);

#endif
