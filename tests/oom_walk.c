/* Allocation-failure walk: for each scenario, make the 1st, 2nd, ... Nth
 * allocation fail until the scenario succeeds; every failure must return
 * FMNIST_E_NOMEM (the handle freed, nothing written) and LeakSanitizer must
 * find nothing. Built against the library compiled with
 * FMNIST_ALLOC_TESTING (make oom-check). */
#include <fmnist.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "alloc.h"
#include "testutil.h"

enum { N = 30 };
static uint8_t images[N * FMNIST_PIXELS], labels[N];
static const char *images_gz, *labels_raw, *saved[4];

typedef fmnist_status (*scenario_fn)(int family);

static void make_data(void) {
  for (size_t i = 0; i < sizeof images; i++) images[i] = (uint8_t)((i * 2654435761u) >> 25);
  for (int i = 0; i < N; i++) labels[i] = (uint8_t)(i % 10);
  static uint8_t idx3[16 + sizeof images], idx1[8 + N];
  const uint8_t h3[16] = {0, 0, 8, 3, 0, 0, 0, N, 0, 0, 0, 28, 0, 0, 0, 28};
  const uint8_t h1[8] = {0, 0, 8, 1, 0, 0, 0, N};
  memcpy(idx3, h3, 16);
  memcpy(idx3 + 16, images, sizeof images);
  memcpy(idx1, h1, 8);
  memcpy(idx1 + 8, labels, N);
  images_gz = fmnist_test_write_gz("oom-images.gz", idx3, sizeof idx3);
  labels_raw = fmnist_test_write("oom-labels", idx1, sizeof idx1);
}

static const char *const families[4] = {"logreg", "knn", "forest", "net"};

static fmnist_status make_model(int family, fmnist_model **m) {
  fmnist_status s = fmnist_model_create(families[family], m);
  if (s) return s;
  if (family == 0) s = fmnist_model_set(*m, "max_iter", "3");
  if (family == 1) s = fmnist_model_set(*m, "k", "3");
  if (family == 2) s = fmnist_model_set(*m, "n_trees", "4");
  if (family == 3) {
    s = fmnist_model_set(*m, "layers", "noise:0.1 conv:2:3 bn relu pool:2 drop:0.2 dense:10");
    if (!s) s = fmnist_model_set(*m, "epochs", "1");
  }
  if (!s) s = fmnist_model_set(*m, "threads", "1");
  if (s) {
    fmnist_model_free(*m);
    *m = NULL;
  }
  return s;
}

static fmnist_status load_dataset(int family) {
  (void)family;
  fmnist_dataset *ds = NULL, *a = NULL, *b = NULL;
  fmnist_status s = fmnist_dataset_load_files(images_gz, labels_raw, &ds);
  if (!s) s = fmnist_dataset_split(ds, 20, 1, 7, &a, &b);
  fmnist_dataset_free(a);
  fmnist_dataset_free(b);
  fmnist_dataset_free(ds);
  return s;
}

static fmnist_status fit_and_save(int family) {
  fmnist_dataset *ds = NULL;
  fmnist_model *m = NULL;
  fmnist_metrics *mt = NULL;
  fmnist_status s = fmnist_dataset_from_memory(images, labels, N, &ds);
  if (!s) s = make_model(family, &m);
  if (!s) s = fmnist_model_fit(m, ds, ds);
  if (!s) s = fmnist_model_evaluate(m, ds, &mt);
  if (!s) s = fmnist_model_save(m, saved[family]);
  fmnist_metrics_free(mt);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  return s;
}

static fmnist_status load_and_predict(int family) {
  fmnist_model *m = NULL;
  uint8_t out[N];
  fmnist_status s = fmnist_model_load(saved[family], &m);
  if (!s) s = fmnist_model_predict(m, images, N, out);
  fmnist_model_free(m);
  return s;
}

/* Walks failure points 1, 2, ... of fn until it succeeds with none failing. */
static size_t walk(scenario_fn fn, int family, const char *what) {
  for (size_t n = 1;; n++) {
    fmnist__alloc_fail_at(n);
    fmnist_status s = fn(family);
    size_t made = fmnist__alloc_fail_at(0);
    if (made < n) { /* the n-th allocation never happened: success */
      ck_assert_msg(s == FMNIST_OK, "%s: %s with no failure injected: %s", what,
                    fmnist_status_name(s), fmnist_last_error());
      printf("  %-28s %4zu allocation points, each failure -> E_NOMEM\n", what, n - 1);
      return n - 1;
    }
    /* The FILE* of stdio and zlib's inflate state may fail too, but every
     * path must still end in E_NOMEM. */
    ck_assert_msg(s == FMNIST_E_NOMEM, "%s: allocation %zu failed but status is %s: %s", what, n,
                  fmnist_status_name(s), fmnist_last_error());
  }
}

START_TEST(walk_all) {
  make_data();
  static char paths[4][600];
  for (int f = 0; f < 4; f++) {
    snprintf(paths[f], sizeof paths[f], "%s/oom-%s.fmm", fmnist_test_dir(), families[f]);
    saved[f] = paths[f];
  }
  walk(load_dataset, 0, "load gz + split");
  for (int f = 0; f < 4; f++) {
    char what[64];
    snprintf(what, sizeof what, "%s fit/evaluate/save", families[f]);
    walk(fit_and_save, f, what);
    snprintf(what, sizeof what, "%s load/predict", families[f]);
    walk(load_and_predict, f, what);
  }
}
END_TEST

static Suite *oom_suite(void) {
  Suite *s = suite_create("oom");
  TCase *tc = tcase_create("walk");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, walk_all);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(oom_suite)
