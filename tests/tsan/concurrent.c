/* Concurrency test, run under ThreadSanitizer by tests/tsan.sh: two threads,
 * each with its own handles, train and predict at the same time, and get
 * bit for bit what the same calls give when run one after the other.
 *
 *   round 1: a knn and a forest fitted and queried concurrently
 *   round 2: two nets (dense and conv) fitted and queried concurrently
 *   round 3: two logreg models (sag and sgd) fitted concurrently
 *   round 4: two threads predicting with one shared fitted model (model.h:
 *            "a model may be used for prediction by several threads at once")
 *   round 5: no concurrency between handles, but each model with threads = 2,
 *            so that TSan watches the library's own parallel loops; the
 *            result must equal a second run (same seed, same thread count)
 *
 * Every model uses threads = 1: OpenBLAS's thread count is process-wide, so
 * concurrent handles share it (model.h); with 1 everywhere each sgemm runs in
 * its caller's thread and the results cannot depend on the interleaving.
 * Plain C + pthreads (no Check), so that nothing forks under TSan. */
#include <fmnist.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_TRAIN = 160, N_TEST = 40 };
static uint8_t train_img[N_TRAIN * FMNIST_PIXELS], train_lab[N_TRAIN];
static uint8_t test_img[N_TEST * FMNIST_PIXELS];
static fmnist_dataset *train_ds;

/* Images with a class-dependent bright band plus pseudo-random texture, so
 * that every family learns something and ties are rare. */
static void make_data(void) {
  /* its own xorshift: this program links no Check, so not testutil.c */
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (size_t i = 0; i < N_TRAIN + N_TEST; i++) {
    int label = (int)(i % 10);
    uint8_t *img = i < N_TRAIN ? train_img + i * FMNIST_PIXELS : test_img + (i - N_TRAIN) * FMNIST_PIXELS;
    for (int p = 0; p < FMNIST_PIXELS; p++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      int row = p / FMNIST_SIDE;
      int band = row >= 2 * label + 3 && row < 2 * label + 8;
      img[p] = (uint8_t)((band ? 150 : 0) + (x >> 58));
    }
    if (i < N_TRAIN) train_lab[i] = (uint8_t)label;
  }
}

typedef struct job {
  const char *name;
  const char *family;
  const char *options[8][2]; /* key/value pairs, NULL-terminated */
  fmnist_model *shared;      /* round 4: predict only, with this model */
  /* results */
  fmnist_status status;
  char error[512];
  uint8_t labels[N_TEST];
  float proba[N_TEST * FMNIST_CLASSES];
  double history_loss; /* last epoch's training loss, or 0 */
} job;

static void run_job(job *j) {
  fmnist_model *m = j->shared;
  fmnist_status s = FMNIST_OK;
  if (!m) {
    s = fmnist_model_create(j->family, &m);
    if (!s) s = fmnist_model_set(m, "threads", "1"); /* an option below may override */
    for (int i = 0; !s && j->options[i][0]; i++) s = fmnist_model_set(m, j->options[i][0], j->options[i][1]);
    if (!s) s = fmnist_model_fit(m, train_ds, NULL);
  }
  if (!s) s = fmnist_model_predict(m, test_img, N_TEST, j->labels);
  if (!s) s = fmnist_model_proba(m, test_img, N_TEST, j->proba);
  size_t e = fmnist_model_epochs(m);
  if (!s && e) s = fmnist_model_history(m, e - 1, FMNIST_HISTORY_TRAIN_LOSS, &j->history_loss);
  j->status = s;
  if (s) snprintf(j->error, sizeof j->error, "%s", fmnist_last_error());
  if (!j->shared) fmnist_model_free(m);
}

static pthread_barrier_t start;

static void *thread_main(void *arg) {
  pthread_barrier_wait(&start); /* both jobs begin together */
  run_job(arg);
  return NULL;
}

static int same(const job *a, const job *b) {
  return a->status == b->status && !memcmp(a->labels, b->labels, sizeof a->labels) &&
         !memcmp(a->proba, b->proba, sizeof a->proba) &&
         !memcmp(&a->history_loss, &b->history_loss, sizeof a->history_loss);
}

/* Runs a and b one after the other, then at the same time on two threads;
 * returns the number of mismatches. */
static int round_of_two(const char *title, job a, job b) {
  job seq[2] = {a, b}, par[2] = {a, b};
  run_job(&seq[0]);
  run_job(&seq[1]);
  pthread_t tid[2];
  pthread_barrier_init(&start, NULL, 2);
  for (int i = 0; i < 2; i++)
    if (pthread_create(&tid[i], NULL, thread_main, &par[i])) {
      fprintf(stderr, "pthread_create failed\n");
      exit(2);
    }
  for (int i = 0; i < 2; i++) pthread_join(tid[i], NULL);
  pthread_barrier_destroy(&start);
  int bad = 0;
  for (int i = 0; i < 2; i++) {
    int ok = seq[i].status == FMNIST_OK && same(&seq[i], &par[i]);
    size_t correct = 0;
    for (int t = 0; t < N_TEST; t++) correct += seq[i].labels[t] == t % 10;
    printf("%-8s %-26s sequential %s, concurrent %s, accuracy %2zu/%d: %s\n", title, seq[i].name,
           fmnist_status_name(seq[i].status), fmnist_status_name(par[i].status), correct, N_TEST,
           ok ? "bit-identical" : "MISMATCH");
    if (seq[i].status) fprintf(stderr, "  sequential: %s\n", seq[i].error);
    if (par[i].status) fprintf(stderr, "  concurrent: %s\n", par[i].error);
    bad += !ok;
  }
  return bad;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* lines survive a halting report */
  make_data();
  if (fmnist_dataset_from_memory(train_img, train_lab, N_TRAIN, &train_ds)) {
    fprintf(stderr, "dataset: %s\n", fmnist_last_error());
    return 2;
  }
  int bad = 0;
  bad += round_of_two("round 1", (job){"knn k=3", "knn", {{"k", "3"}}, NULL, 0, "", {0}, {0}, 0},
                      (job){"forest 6 trees", "forest", {{"n_trees", "6"}, {"max_depth", "8"}},
                            NULL, 0, "", {0}, {0}, 0});
  bad += round_of_two(
      "round 2",
      (job){"net dense:32 relu", "net",
            {{"layers", "dense:32 relu drop:0.2 dense:10"}, {"epochs", "2"}, {"batch", "16"}},
            NULL, 0, "", {0}, {0}, 0},
      (job){"net conv:4:3 bn pool:2", "net",
            {{"layers", "noise:0.1 conv:4:3 bn relu pool:2 dense:10"}, {"epochs", "1"}, {"batch", "16"}},
            NULL, 0, "", {0}, {0}, 0});
  bad += round_of_two("round 3", (job){"logreg sag", "logreg", {{"max_iter", "5"}}, NULL, 0, "", {0}, {0}, 0},
                      (job){"logreg sgd", "logreg", {{"solver", "sgd"}, {"max_iter", "3"}}, NULL, 0,
                            "", {0}, {0}, 0});
  /* Round 4: one fitted model, two predicting threads. */
  fmnist_model *shared = NULL;
  job fit = {"shared net", "net", {{"layers", "conv:3:3 relu pool:2 dense:10"}, {"epochs", "1"}}, NULL, 0, "", {0}, {0}, 0};
  fmnist_status s = fmnist_model_create(fit.family, &shared);
  for (int i = 0; !s && fit.options[i][0]; i++) s = fmnist_model_set(shared, fit.options[i][0], fit.options[i][1]);
  if (!s) s = fmnist_model_set(shared, "threads", "1");
  if (!s) s = fmnist_model_fit(shared, train_ds, NULL);
  if (s) {
    fprintf(stderr, "shared net: %s\n", fmnist_last_error());
    bad++;
  } else {
    job p = {"predict with one net", NULL, {{NULL, NULL}}, shared, 0, "", {0}, {0}, 0};
    bad += round_of_two("round 4", p, p);
  }
  fmnist_model_free(shared);
  /* Round 5: the library's own threads, one handle at a time. */
  job own[3] = {{"knn threads=2", "knn", {{"k", "3"}, {"threads", "2"}}, NULL, 0, "", {0}, {0}, 0},
                {"forest threads=2", "forest", {{"n_trees", "6"}, {"threads", "2"}}, NULL, 0, "", {0}, {0}, 0},
                {"net threads=2", "net",
                 {{"layers", "conv:4:3 relu pool:2 dense:10"}, {"epochs", "1"}, {"threads", "2"}},
                 NULL, 0, "", {0}, {0}, 0}};
  for (int i = 0; i < 3; i++) {
    job again = own[i];
    run_job(&own[i]);
    run_job(&again);
    int ok = own[i].status == FMNIST_OK && same(&own[i], &again);
    printf("%-8s %-26s %s, %s\n", "round 5", own[i].name, fmnist_status_name(own[i].status),
           ok ? "two runs bit-identical" : "MISMATCH between two runs");
    if (own[i].status) fprintf(stderr, "  %s\n", own[i].error);
    bad += !ok;
  }
  fmnist_dataset_free(train_ds);
  printf("%s\n", bad ? "tsan_concurrent: FAILED" : "tsan_concurrent: all rounds bit-identical");
  return bad ? 1 : 0;
}
