/* Random forest through the public API: known splits, thresholds,
 * determinism across thread counts, options, progress, save/load. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES


static fmnist_model *forest(const char *const *opts) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("forest", &m), FMNIST_OK);
  for (; opts && opts[0]; opts += 2)
    ck_assert_msg(fmnist_model_set(m, opts[0], opts[1]) == FMNIST_OK, "%s", fmnist_last_error());
  return m;
}

/* Noise everywhere; only pixel 300 tells the class: class 0 has values in
 * 0..100, class 1 in 150..255. */
static fmnist_dataset *informative(size_t n, uint32_t seed, uint8_t *img, uint8_t *lab) {
  uint32_t s = seed | 1;
  for (size_t i = 0; i < n; i++) {
    lab[i] = (uint8_t)(i % 2);
    for (int p = 0; p < NF; p++) img[i * NF + p] = (uint8_t)(fmnist_test_rand(&s) % 256);
    img[i * NF + 300] = (uint8_t)(lab[i] ? 150 + fmnist_test_rand(&s) % 106 : fmnist_test_rand(&s) % 101);
  }
  /* Make the extremes present, so the best threshold is known exactly. */
  img[0 * NF + 300] = 100;
  img[1 * NF + 300] = 150;
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, n, &ds), FMNIST_OK);
  return ds;
}

/* One tree of depth 1 over every pixel, no bootstrap: the root must split
 * pixel 300 midway between 100 and 150 (at 125, scikit-learn's midpoint),
 * with pure leaves. */
START_TEST(test_depth1_threshold) {
  enum { N = 200 };
  static uint8_t img[N * NF], lab[N];
  fmnist_dataset *ds = informative(N, 3, img, lab);
  const char *opts[] = {"n_trees", "1", "max_depth", "1", "max_features", "784",
                        "bootstrap", "0", "threads", "1", NULL};
  fmnist_model *m = forest(opts);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  uint8_t q[4 * NF];
  memcpy(q, img, NF);
  memcpy(q + NF, img, NF);
  memcpy(q + 2 * NF, img, NF);
  memcpy(q + 3 * NF, img, NF);
  q[300] = 125;
  q[NF + 300] = 126;
  q[2 * NF + 300] = 0;
  q[3 * NF + 300] = 255;
  float p[4 * NC];
  ck_assert_int_eq(fmnist_model_proba(m, q, 4, p), FMNIST_OK);
  ck_assert_float_eq(p[0 * NC + 0], 1.0f);
  ck_assert_float_eq(p[1 * NC + 1], 1.0f);
  ck_assert_float_eq(p[2 * NC + 0], 1.0f);
  ck_assert_float_eq(p[3 * NC + 1], 1.0f);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Only pixel 300 varies: a default forest (bootstrap, 28 random pixels per
 * node) keeps drawing past the constant pixels until it meets pixel 300,
 * so every tree splits on it and fresh data are classified perfectly. */
START_TEST(test_known_split) {
  enum { N = 400 };
  static uint8_t img[N * NF], lab[N], timg[N * NF], tlab[N];
  fmnist_dataset *ds = informative(N, 5, img, lab), *test = informative(N, 9, timg, tlab);
  fmnist_dataset_free(ds);
  fmnist_dataset_free(test);
  for (size_t i = 0; i < N; i++)
    for (int p = 0; p < NF; p++)
      if (p != 300) img[i * NF + p] = timg[i * NF + p] = 0;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, N, &ds), FMNIST_OK);
  ck_assert_int_eq(fmnist_dataset_from_memory(timg, tlab, N, &test), FMNIST_OK);
  const char *opts[] = {"n_trees", "20", "threads", "2", "criterion", _i ? "entropy" : "gini",
                        NULL};
  fmnist_model *m = forest(opts);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  fmnist_metrics *mt;
  ck_assert_int_eq(fmnist_model_evaluate(m, test, &mt), FMNIST_OK);
  ck_assert_double_eq(fmnist_metrics_accuracy(mt), 1.0);
  fmnist_metrics_free(mt);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  fmnist_dataset_free(test);
}
END_TEST

/* Tree t draws from stream (seed, t) whichever thread builds it, and each
 * image's probabilities sum the trees in order: bit-identical at 1 and 2
 * (and 3) threads. A different seed gives a different forest. */
START_TEST(test_threads_identical) {
  fmnist_dataset *ds = fmnist_test_noisy_stripes(600, 21);
  const char *threads[] = {"1", "2", "3"};
  float p[4][100 * NC];
  for (int k = 0; k < 4; k++) {
    const char *opts[] = {"n_trees", "13", "threads", threads[k % 3], "seed", k == 3 ? "7" : "42",
                          "criterion", _i ? "entropy" : "gini", NULL};
    fmnist_model *m = forest(opts);
    ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), 100, p[k]), FMNIST_OK);
    fmnist_model_free(m);
  }
  ck_assert(memcmp(p[0], p[1], sizeof p[0]) == 0);
  ck_assert(memcmp(p[0], p[2], sizeof p[0]) == 0);
  ck_assert(memcmp(p[0], p[3], sizeof p[0]) != 0);
  fmnist_dataset_free(ds);
}
END_TEST

/* Fully grown trees without bootstrap fit their training set exactly (no
 * two images are equal); leaves of min_samples_leaf = 50 cannot, and
 * max_depth = 2 trees hold at most 4 distinct leaf distributions. */
START_TEST(test_stopping_rules) {
  fmnist_dataset *ds = fmnist_test_noisy_stripes(300, 8);
  const uint8_t *img = fmnist_dataset_images(ds), *lab = fmnist_dataset_labels(ds);
  uint8_t pred[300];
  const char *full[] = {"n_trees", "1", "bootstrap", "0", "threads", "1", NULL};
  fmnist_model *m = forest(full);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(m, img, 300, pred), FMNIST_OK);
  ck_assert(memcmp(pred, lab, 300) == 0);
  fmnist_model_free(m);

  const char *leafy[] = {"n_trees", "1", "bootstrap", "0", "min_samples_leaf", "50", NULL};
  m = forest(leafy);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(m, img, 300, pred), FMNIST_OK);
  ck_assert(memcmp(pred, lab, 300) != 0);
  fmnist_model_free(m);

  const char *shallow[] = {"n_trees", "1", "max_depth", "2", NULL};
  m = forest(shallow);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  static float p[300 * NC];
  ck_assert_int_eq(fmnist_model_proba(m, img, 300, p), FMNIST_OK);
  float distinct[300][NC];
  size_t nd = 0;
  for (size_t i = 0; i < 300; i++) {
    size_t j = 0;
    while (j < nd && memcmp(distinct[j], p + i * NC, sizeof distinct[0]) != 0) j++;
    if (j == nd) memcpy(distinct[nd++], p + i * NC, sizeof distinct[0]);
  }
  ck_assert_uint_le(nd, 4);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static size_t reports, last_done;
static int count_trees(void *user, fmnist_stage stage, size_t done, size_t total) {
  (void)user;
  ck_assert_int_eq(stage, FMNIST_STAGE_TREE);
  ck_assert_uint_eq(total, 10);
  ck_assert_uint_gt(done, last_done);
  last_done = done;
  reports++;
  return 0;
}
static int cancel(void *user, fmnist_stage stage, size_t done, size_t total) {
  (void)user;
  (void)stage;
  (void)done;
  (void)total;
  return 1;
}

START_TEST(test_progress) {
  fmnist_dataset *ds = fmnist_test_noisy_stripes(100, 4);
  const char *opts[] = {"n_trees", "10", "threads", "1", NULL};
  fmnist_model *m = forest(opts);
  fmnist_model_set_progress(m, count_trees, NULL);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_uint_eq(last_done, 10);
  ck_assert_uint_ge(reports, 1);
  fmnist_model_set_progress(m, cancel, NULL);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_CANCELLED);
  ck_assert(!fmnist_model_is_fitted(m));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static const char *const bad_options[][2] = {
    {"n_trees", "0"},          {"criterion", "log_loss"}, {"max_depth", "0"},
    {"max_depth", "-1"},       {"min_samples_split", "1"}, {"min_samples_leaf", "0"},
    {"max_features", "785"},   {"max_features", "log2"},  {"bootstrap", "2"},
    {"depth", "3"},
};

START_TEST(test_bad_option) {
  fmnist_model *m = forest(NULL);
  const char *key = bad_options[_i][0];
  ck_assert_int_eq(fmnist_model_set(m, key, bad_options[_i][1]), FMNIST_E_OPTION);
  ck_assert_msg(strstr(fmnist_last_error(), key) != NULL, "message \"%s\" lacks %s",
                fmnist_last_error(), key);
  fmnist_model_free(m);
}
END_TEST

START_TEST(test_defaults) {
  fmnist_model *m = forest(NULL);
  static const char *const want[][2] = {
      {"n_trees", "100"},         {"criterion", "gini"},      {"max_depth", "none"},
      {"min_samples_split", "2"}, {"min_samples_leaf", "1"}, {"max_features", "sqrt"},
      {"bootstrap", "1"}};
  char v[64];
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    ck_assert_int_eq(fmnist_model_get(m, want[i][0], v, sizeof v), FMNIST_OK);
    ck_assert_str_eq(v, want[i][1]);
  }
  ck_assert_int_eq(fmnist_model_set(m, "max_depth", "80"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_get(m, "max_depth", v, sizeof v), FMNIST_OK);
  ck_assert_str_eq(v, "80");
  fmnist_model_free(m);
}
END_TEST

START_TEST(test_save_load) {
  fmnist_dataset *ds = fmnist_test_noisy_stripes(200, 12);
  const char *opts[] = {"n_trees", "7", "threads", "2", NULL};
  fmnist_model *m = forest(opts), *l;
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/forest.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_load(path, &l), FMNIST_OK);
  static float a[200 * NC], b[200 * NC];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), 200, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(l, fmnist_dataset_images(ds), 200, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_model_free(m);
  fmnist_model_free(l);
  fmnist_dataset_free(ds);
}
END_TEST

static Suite *forest_suite(void) {
  Suite *s = suite_create("forest");
  TCase *tc = tcase_create("forest");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_depth1_threshold);
  tcase_add_loop_test(tc, test_known_split, 0, 2);
  tcase_add_loop_test(tc, test_threads_identical, 0, 2);
  tcase_add_test(tc, test_stopping_rules);
  tcase_add_test(tc, test_progress);
  tcase_add_loop_test(tc, test_bad_option, 0, sizeof bad_options / sizeof bad_options[0]);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_save_load);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(forest_suite)
