/* The ranks of mpirun over Open MPI (see ranks.h); linked, instead of
 * kit/solo.c, into the examples that take --mpi. */
#include <stdio.h>
#include <stdlib.h>

#include <fmnist_mpi.h>

#include "kit/check.h"
#include "kit/ranks.h"

static int mpi_active; /* kit_agree agrees over MPI_COMM_WORLD */

static void mpi_end(void) {
  int finalized;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void kit_mpi_begin(kit_common *c) {
  MPI_Init(NULL, NULL);
  atexit(mpi_end);
  mpi_active = c->mpi = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c->ranks);
  if (c->threads == 0) { /* the node's cores shared by its ranks */
    MPI_Comm node;
    int here;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &here);
    MPI_Comm_free(&node);
    c->threads = fmnist_cpu_count() / (size_t)here ? fmnist_cpu_count() / (size_t)here : 1;
  }
  if (c->rank != 0 && !freopen("/dev/null", "w", stdout)) exit(1); /* rank 0 speaks */
}

double kit_fit(const kit_common *c, fmnist_model *m, const fmnist_dataset *train,
               const fmnist_dataset *valid) {
  double allreduce_s = 0;
  kit_check(c->mpi ? fmnist_mpi_fit(MPI_COMM_WORLD, m, train, valid, &allreduce_s)
                   : fmnist_model_fit(m, train, valid));
  return allreduce_s;
}

fmnist_status kit_cross_validate(const kit_common *c, const fmnist_model *m,
                                 const fmnist_dataset *ds, size_t k, uint64_t seed,
                                 fmnist_cv **out) {
  return c->mpi ? fmnist_mpi_cross_validate(MPI_COMM_WORLD, m, ds, k, seed, out)
                : fmnist_cross_validate(m, ds, k, seed, out);
}

fmnist_status kit_agree(fmnist_status s, int *rank) {
  *rank = 0;
  if (!mpi_active) return s;
  /* every rank checks the same steps: agree, then stop together */
  s = fmnist_mpi_agree(MPI_COMM_WORLD, s);
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  return s;
}
