/* libfmnist_mpi on 2 ranks (tests/mpi/run.sh): distributed cross
 * validation and sweeps equal to one process, data-parallel training with
 * the same weights everywhere and one process's result, and errors on one
 * rank that end every rank with the same status, never a hang. A failed
 * check aborts every rank. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fmnist_mpi.h>

static int rank, size;

#define EXPECT(cond, ...)                                                     \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "rank %d: %s:%d: %s: ", rank, __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                           \
      fprintf(stderr, " (last error: %s)\n", fmnist_last_error());            \
      MPI_Abort(MPI_COMM_WORLD, 1);                                           \
    }                                                                         \
  } while (0)
#define OK(call) EXPECT((call) == FMNIST_OK, "%s", #call)

/* n images of noisy stripes: class c adds 100 to every 10th pixel from c;
 * the same on every rank (a fixed generator). */
static fmnist_dataset *stripes(size_t n, uint32_t seed) {
  uint8_t *img = malloc(n * FMNIST_PIXELS), *lab = malloc(n);
  uint32_t x = seed | 1;
  for (size_t i = 0; i < n; i++) {
    lab[i] = (uint8_t)(i % 10);
    for (int p = 0; p < FMNIST_PIXELS; p++) {
      x ^= x << 13, x ^= x >> 17, x ^= x << 5;
      img[i * FMNIST_PIXELS + p] = (uint8_t)(x % 120 + (p % 10 == lab[i] ? 100 : 0));
    }
  }
  fmnist_dataset *ds;
  OK(fmnist_dataset_from_memory(img, lab, n, &ds));
  free(img);
  free(lab);
  return ds;
}

static fmnist_model *model(const char *family, const char *options) {
  fmnist_model *m;
  OK(fmnist_model_create(family, &m));
  OK(fmnist_model_set_options(m, options));
  return m;
}

static void same_metrics(const fmnist_metrics *a, const fmnist_metrics *b, const char *what) {
  for (int t = 0; t < FMNIST_CLASSES; t++)
    for (int p = 0; p < FMNIST_CLASSES; p++)
      EXPECT(fmnist_metrics_confusion(a, t, p) == fmnist_metrics_confusion(b, t, p),
             "%s: confusion[%d][%d]", what, t, p);
  double la, lb;
  EXPECT((fmnist_metrics_log_loss(a, &la) == FMNIST_OK) == (fmnist_metrics_log_loss(b, &lb) == FMNIST_OK),
         "%s: log loss present on one side", what);
  if (fmnist_metrics_log_loss(a, &la) == FMNIST_OK) EXPECT(la == lb, "%s: log loss", what);
}

static void test_agree(void) {
  fmnist_status mine = rank == 1 ? fmnist_set_error(FMNIST_E_IO, "disk on fire") : FMNIST_OK;
  EXPECT(fmnist_mpi_agree(MPI_COMM_WORLD, mine) == FMNIST_E_IO, "agreed status");
  EXPECT(!strcmp(fmnist_last_error(), "rank 1: disk on fire"), "message %s", fmnist_last_error());
  EXPECT(fmnist_mpi_agree(MPI_COMM_WORLD, FMNIST_OK) == FMNIST_OK, "all fine");
  /* A missing data directory on rank 1 only. */
  fmnist_dataset *ds = NULL;
  fmnist_status s = fmnist_dataset_load(rank == 1 ? "/nonexistent/dir" : NULL, FMNIST_SET_TEST, &ds);
  if (rank == 0 && s) s = FMNIST_OK; /* rank 0 may lack the data set too: only rank 1 fails */
  s = fmnist_mpi_agree(MPI_COMM_WORLD, s);
  EXPECT(s == FMNIST_E_NOTFOUND, "missing directory: %d", (int)s);
  EXPECT(strstr(fmnist_last_error(), "rank 1: ") == fmnist_last_error(), "names rank 1");
  fmnist_dataset_free(ds);
}

static void test_cross_validation(void) {
  fmnist_dataset *ds = stripes(100, 5);
  fmnist_model *m = model("forest", "n_trees=4 max_features=5 threads=1");
  fmnist_cv *spread, *alone;
  OK(fmnist_mpi_cross_validate(MPI_COMM_WORLD, m, ds, 5, 11, &spread));
  OK(fmnist_cross_validate(m, ds, 5, 11, &alone));
  EXPECT(fmnist_cv_folds(spread) == 5, "folds");
  for (size_t f = 0; f < 5; f++)
    same_metrics(fmnist_cv_fold_metrics(spread, f), fmnist_cv_fold_metrics(alone, f), "fold");
  double a, b, sd;
  OK(fmnist_cv_accuracy(spread, &a, &sd));
  OK(fmnist_cv_accuracy(alone, &b, &sd));
  EXPECT(a == b, "mean accuracy %g vs %g", a, b);
  /* Different data on rank 1: refused on both. */
  fmnist_dataset *other = rank == 1 ? stripes(100, 6) : stripes(100, 5);
  fmnist_cv *none = NULL;
  EXPECT(fmnist_mpi_cross_validate(MPI_COMM_WORLD, m, other, 5, 11, &none) == FMNIST_E_INVALID,
         "different data");
  EXPECT(strstr(fmnist_last_error(), "rank 1: ") != NULL, "names rank 1: %s", fmnist_last_error());
  EXPECT(none == NULL, "no result");
  fmnist_cv_free(spread);
  fmnist_cv_free(alone);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  fmnist_dataset_free(other);
}

static void test_sweep(void) {
  fmnist_dataset *train = stripes(120, 7), *valid = stripes(40, 8);
  fmnist_model *base = model("knn", "threads=1");
  const char *settings[] = {"k=1", "k=3 weights=distance", "k=7", "k=5 algorithm=brute"};
  fmnist_metrics *metrics[4];
  double seconds[4];
  OK(fmnist_mpi_sweep(MPI_COMM_WORLD, base, settings, 4, train, valid, metrics, seconds));
  for (int i = 0; i < 4; i++) { /* the settings one by one */
    fmnist_model *m;
    fmnist_metrics *want;
    OK(fmnist_model_clone_config(base, &m));
    OK(fmnist_model_set_options(m, settings[i]));
    OK(fmnist_model_fit(m, train, valid));
    OK(fmnist_model_evaluate(m, valid, &want));
    same_metrics(metrics[i], want, settings[i]);
    EXPECT(seconds[i] >= 0, "seconds");
    fmnist_metrics_free(want);
    fmnist_metrics_free(metrics[i]);
    fmnist_model_free(m);
  }
  /* A bad setting on rank 1 only: both fail before any fit, naming it. */
  const char *bad[] = {"k=1", rank == 1 ? "k=0" : "k=3"};
  EXPECT(fmnist_mpi_sweep(MPI_COMM_WORLD, base, bad, 2, train, valid, metrics, seconds) ==
             FMNIST_E_OPTION,
         "bad setting");
  EXPECT(strstr(fmnist_last_error(), "rank 1: setting 2") != NULL, "%s", fmnist_last_error());
  /* A setting that fails in its fit, on whichever rank runs it: every rank
   * gets that status, the message naming the rank. */
  const char *fails[] = {"k=1", "k=500", "k=3"};
  EXPECT(fmnist_mpi_sweep(MPI_COMM_WORLD, base, fails, 3, train, valid, metrics, seconds) ==
             FMNIST_E_INVALID,
         "k above the training count");
  EXPECT(!strncmp(fmnist_last_error(), "rank ", 5), "%s", fmnist_last_error());
  fmnist_model_free(base);
  /* A task that fails while another rank is in a task of 10^6 epochs: the
   * long one is stopped (else this never returns), whichever rank runs
   * which. lr=1e9 diverges in its first epoch (E_NUMERIC). */
  fmnist_model *net = model("net", "threads=1 batch=32 epochs=1 layers=dense:16 relu dense:10");
  const char *first_long[] = {"epochs=1000000", "lr=1e9"};
  const char *first_failing[] = {"lr=1e9", "epochs=1000000"};
  const char *const *orders[] = {first_long, first_failing};
  for (int o = 0; o < 2; o++) {
    EXPECT(fmnist_mpi_sweep(MPI_COMM_WORLD, net, orders[o], 2, train, valid, metrics, seconds) ==
               FMNIST_E_NUMERIC,
           "order %d: the failing setting's status", o);
    EXPECT(strstr(fmnist_last_error(), "rank ") == fmnist_last_error(), "%s", fmnist_last_error());
  }
  fmnist_model_free(net);
  fmnist_dataset_free(train);
  fmnist_dataset_free(valid);
}

static const char *const net_options =
    "threads=1 epochs=2 batch=16 seed=3 eps=1 lr=0.01 augment=crop:2 flip:0.5 layers=noise:0.1 "
    "conv:8:3 bn relu pool:2 drop:0.3 conv:8:3 bn relu flatten dense:16 bn relu drop:0.2 dense:10";

static float *parameters(const fmnist_model *m, size_t *n) {
  OK(fmnist_net_parameters(m, NULL, 0, n));
  float *p = malloc(*n * sizeof *p);
  OK(fmnist_net_parameters(m, p, *n, n));
  return p;
}

static int cancel_on_rank1(void *user, fmnist_stage stage, size_t done, size_t total) {
  (void)user;
  (void)total;
  return rank == 1 && stage == FMNIST_STAGE_BATCH && done == 2;
}

static void test_data_parallel(void) {
  fmnist_dataset *train = stripes(53, 9), *valid = stripes(21, 10);
  fmnist_model *spread = model("net", net_options), *alone = model("net", net_options);
  double seconds = -1;
  OK(fmnist_mpi_fit(MPI_COMM_WORLD, spread, train, valid, &seconds));
  EXPECT(seconds >= 0, "allreduce seconds");
  OK(fmnist_model_fit(alone, train, valid));
  size_t n, n1;
  float *mine = parameters(spread, &n), *want = parameters(alone, &n1);
  EXPECT(n == n1, "parameter counts");
  float *other = malloc(n * sizeof *other);
  if (rank == 0)
    MPI_Recv(other, (int)n, MPI_FLOAT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  else
    MPI_Send(mine, (int)n, MPI_FLOAT, 0, 0, MPI_COMM_WORLD);
  if (rank == 0) EXPECT(!memcmp(mine, other, n * sizeof *mine), "weights differ between ranks");
  double d2 = 0, w2 = 0;
  for (size_t i = 0; i < n; i++) {
    d2 += ((double)mine[i] - want[i]) * ((double)mine[i] - want[i]);
    w2 += (double)want[i] * want[i];
  }
  EXPECT(sqrt(d2) <= 1e-5 * sqrt(w2), "one process's weights differ by %g relative",
         sqrt(d2 / w2));
  /* Different options on rank 1: refused on both, before training. */
  fmnist_model *odd = model("net", net_options);
  if (rank == 1) OK(fmnist_model_set(odd, "lr", "0.02"));
  EXPECT(fmnist_mpi_fit(MPI_COMM_WORLD, odd, train, valid, NULL) == FMNIST_E_INVALID,
         "different options");
  EXPECT(!fmnist_model_is_fitted(odd), "not fitted");
  /* A cancel on rank 1 during training stops both with its status. */
  OK(fmnist_model_set_progress(odd, cancel_on_rank1, NULL));
  if (rank == 1) OK(fmnist_model_set(odd, "lr", "0.01"));
  EXPECT(fmnist_mpi_fit(MPI_COMM_WORLD, odd, train, valid, NULL) == FMNIST_E_CANCELLED,
         "cancel");
  EXPECT(strstr(fmnist_last_error(), "rank 1: ") != NULL, "%s", fmnist_last_error());
  /* Not a net: refused on every rank. */
  fmnist_model *knn = model("knn", "");
  EXPECT(fmnist_mpi_fit(MPI_COMM_WORLD, knn, train, valid, NULL) == FMNIST_E_INVALID, "knn");
  free(mine);
  free(want);
  free(other);
  fmnist_model_free(knn);
  fmnist_model_free(odd);
  fmnist_model_free(spread);
  fmnist_model_free(alone);
  fmnist_dataset_free(train);
  fmnist_dataset_free(valid);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT(size == 2, "run on 2 ranks (mpirun -np 2), not %d", size);
  test_agree();
  test_cross_validation();
  test_sweep();
  test_data_parallel();
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) printf("test_mpi: every check passed on %d ranks\n", size);
  MPI_Finalize();
  return 0;
}
