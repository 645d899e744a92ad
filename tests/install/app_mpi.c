/* Built with `pkg-config --cflags --libs fmnist-mpi` only, against the
 * installed companion library, and run by mpirun on 2 ranks: an agreed
 * outcome and a cross validation spread over the ranks. */
#include <stdio.h>
#include <stdlib.h>

#include <fmnist_mpi.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  enum { N = 40 };
  static uint8_t img[N * FMNIST_PIXELS], lab[N];
  for (int i = 0; i < N; i++) {
    lab[i] = (uint8_t)(i % FMNIST_CLASSES);
    for (int p = 0; p < FMNIST_PIXELS; p++) img[i * FMNIST_PIXELS + p] = p / 78 == lab[i] ? 200 : 10;
  }
  fmnist_dataset *ds = NULL;
  fmnist_model *m = NULL;
  fmnist_cv *cv = NULL;
  fmnist_status s = fmnist_dataset_from_memory(img, lab, N, &ds);
  if (!s) s = fmnist_model_create("knn", &m);
  if (!s) s = fmnist_model_set_options(m, "k=1 threads=1");
  s = fmnist_mpi_agree(MPI_COMM_WORLD, s);
  if (!s) s = fmnist_mpi_cross_validate(MPI_COMM_WORLD, m, ds, 4, 1, &cv);
  double acc = 0, sd;
  if (!s) s = fmnist_cv_accuracy(cv, &acc, &sd);
  if (rank == 0) printf("libfmnist_mpi %s: 4-fold accuracy %.3f (%s)\n", fmnist_version(), acc,
                        s ? fmnist_last_error() : "ok");
  fmnist_cv_free(cv);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  MPI_Finalize();
  return s || acc != 1.0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
