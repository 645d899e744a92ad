/* fmnist_mpi_fit: data-parallel training of a net, MPI_Allreduce as the
 * group's sum. */
#include <string.h>

#include "mpi_impl.h"

typedef struct allreduce {
  MPI_Comm comm;
  double seconds;
} allreduce;

static fmnist_status sum(void *user, float *buf, size_t len) {
  allreduce *a = user;
  double start = MPI_Wtime();
  int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)len, MPI_FLOAT, MPI_SUM, a->comm);
  a->seconds += MPI_Wtime() - start;
  return rc == MPI_SUCCESS ? FMNIST_OK : fmnist_mpi__error("MPI_Allreduce", rc);
}

FMNIST_MPI_API fmnist_status fmnist_mpi_fit(MPI_Comm comm, fmnist_model *m,
                                            const fmnist_dataset *train,
                                            const fmnist_dataset *valid,
                                            double *allreduce_seconds) {
  fmnist_mpi__comm c;
  fmnist_status s = fmnist_mpi__open(comm, &c);
  if (s) return s;
  allreduce a = {c.comm, 0};
  if (!m || !train)
    s = fmnist_set_error(FMNIST_E_INVALID, "fmnist_mpi_fit: a NULL argument");
  else /* also refuses a family other than net */
    s = fmnist_net_set_data_parallel(m, (size_t)c.rank, (size_t)c.size, sum, &a);
  s = fmnist_mpi__agree(&c, s);
  const fmnist_dataset *sets[2] = {train, valid};
  if (!s) s = fmnist_mpi__same_everywhere(&c, m, sets, 2, NULL, 0, 0);
  if (!s) s = fmnist_mpi__agree(&c, fmnist_model_fit(m, train, valid));
  if (m && !strcmp(fmnist_model_family(m), "net")) fmnist_net_set_data_parallel(m, 0, 1, NULL, NULL);
  if (allreduce_seconds) *allreduce_seconds = a.seconds;
  fmnist_mpi__close(&c);
  return s;
}
