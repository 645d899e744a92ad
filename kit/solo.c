/* One process (see ranks.h): the programs built without Open MPI, which
 * refuse --mpi. Defines exactly what kit/mpi.c does, so that a program
 * linking kit/mpi.o never takes this member of the kit's archive. */
#include <stdio.h>
#include <stdlib.h>

#include "kit/check.h"
#include "kit/ranks.h"

void kit_mpi_begin(kit_common *c) {
  (void)c;
  fprintf(stderr, "error: --mpi: this program was built without Open MPI (apt-get install "
                  "libopenmpi-dev openmpi-bin, then make examples)\n");
  exit(2);
}

double kit_fit(const kit_common *c, fmnist_model *m, const fmnist_dataset *train,
               const fmnist_dataset *valid) {
  (void)c;
  kit_check(fmnist_model_fit(m, train, valid));
  return 0;
}

fmnist_status kit_cross_validate(const kit_common *c, const fmnist_model *m,
                                 const fmnist_dataset *ds, size_t k, uint64_t seed,
                                 fmnist_cv **out) {
  (void)c;
  return fmnist_cross_validate(m, ds, k, seed, out);
}

fmnist_status kit_agree(fmnist_status s, int *rank) {
  *rank = 0;
  return s;
}
