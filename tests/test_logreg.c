/* Logistic regression through the public API: separable blobs, both
 * solvers, history, options, determinism, save/load. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

static fmnist_model *make(const char *solver) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("logreg", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "solver", solver), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  return m;
}

static double accuracy(const fmnist_model *m, const fmnist_dataset *ds) {
  fmnist_metrics *mt;
  ck_assert_int_eq(fmnist_model_evaluate(m, ds, &mt), FMNIST_OK);
  double a = fmnist_metrics_accuracy(mt);
  fmnist_metrics_free(mt);
  return a;
}

static const char *const solver_names[] = {"sag", "sgd"};

START_TEST(test_separable) {
  fmnist_dataset *train = fmnist_test_blobs(300, 1), *test = fmnist_test_blobs(200, 2);
  fmnist_model *m = make(solver_names[_i]);
  ck_assert_int_eq(fmnist_model_set(m, "max_iter", "50"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, train, test), FMNIST_OK);
  ck_assert(fmnist_model_is_fitted(m));
  ck_assert_double_eq(accuracy(m, train), 1.0);
  ck_assert_double_eq(accuracy(m, test), 1.0);
  /* Probabilities: rows sum to 1 (float rounding of 10 terms: 1e-5). */
  float p[20 * 10];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(test), 20, p), FMNIST_OK);
  for (int i = 0; i < 20; i++) {
    double s = 0;
    for (int c = 0; c < 10; c++) s += p[i * 10 + c];
    ck_assert_double_eq_tol(s, 1.0, 1e-5);
  }
  fmnist_model_free(m);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
}
END_TEST

/* One history row per epoch; the loss falls from the first to the last
 * epoch; validation figures exist because a validation set was given. */
START_TEST(test_history) {
  fmnist_dataset *train = fmnist_test_blobs(200, 3), *valid = fmnist_test_blobs(50, 4);
  fmnist_model *m = make(solver_names[_i]);
  ck_assert_int_eq(fmnist_model_set(m, "max_iter", "7"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "tol", "0"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, train, valid), FMNIST_OK);
  ck_assert_uint_eq(fmnist_model_epochs(m), 7);
  double first, last, v, secs;
  ck_assert_int_eq(fmnist_model_history(m, 0, FMNIST_HISTORY_TRAIN_LOSS, &first), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_history(m, 6, FMNIST_HISTORY_TRAIN_LOSS, &last), FMNIST_OK);
  ck_assert(isfinite(first) && isfinite(last) && last < first);
  ck_assert_int_eq(fmnist_model_history(m, 6, FMNIST_HISTORY_VALID_ACCURACY, &v), FMNIST_OK);
  ck_assert_double_eq(v, 1.0);
  ck_assert_int_eq(fmnist_model_history(m, 6, FMNIST_HISTORY_SECONDS, &secs), FMNIST_OK);
  ck_assert(secs >= 0);
  ck_assert_int_eq(fmnist_model_history(m, 7, FMNIST_HISTORY_TRAIN_LOSS, &v), FMNIST_E_INVALID);
  fmnist_model_free(m);
  fmnist_dataset_free(train);
  fmnist_dataset_free(valid);
}
END_TEST

/* The stopping rule ends SAG before max_iter on easy data with a loose tol. */
START_TEST(test_tol_stops) {
  fmnist_dataset *train = fmnist_test_blobs(200, 5);
  fmnist_model *m = make("sag");
  ck_assert_int_eq(fmnist_model_set(m, "max_iter", "1000"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "tol", "0.1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, train, NULL), FMNIST_OK);
  ck_assert_uint_lt(fmnist_model_epochs(m), 1000);
  ck_assert_uint_gt(fmnist_model_epochs(m), 0);
  fmnist_model_free(m);
  fmnist_dataset_free(train);
}
END_TEST

/* Same seed, same model: bit-identical probabilities, whatever the thread
 * count (SAG is sequential; SGD's small sgemms reduce in a fixed order). */
START_TEST(test_deterministic) {
  fmnist_dataset *train = fmnist_test_blobs(200, 6);
  float p[2][50 * 10];
  for (int k = 0; k < 2; k++) {
    fmnist_model *m = make(solver_names[_i]);
    ck_assert_int_eq(fmnist_model_set(m, "max_iter", "5"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set(m, "threads", k ? "2" : "1"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_fit(m, train, NULL), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(train), 50, p[k]), FMNIST_OK);
    fmnist_model_free(m);
  }
  ck_assert(memcmp(p[0], p[1], sizeof p[0]) == 0);
  fmnist_dataset_free(train);
}
END_TEST

/* Each row: key, bad value. The key must appear in the message. */
static const char *const bad_options[][2] = {
    {"C", "0"},          {"C", "-1"},     {"C", "abc"},      {"solver", "lbfgs"},
    {"max_iter", "0"},   {"max_iter", "-3"}, {"tol", "-0.1"}, {"tol", "nan"},
    {"lr", "0"},         {"batch", "0"},  {"solvr", "sag"},
};

START_TEST(test_bad_option) {
  fmnist_model *m = make("sag");
  char before[64], after[64];
  const char *key = bad_options[_i][0];
  int known = fmnist_model_get(m, key, before, sizeof before) == FMNIST_OK;
  ck_assert_int_eq(fmnist_model_set(m, key, bad_options[_i][1]), FMNIST_E_OPTION);
  ck_assert_msg(strstr(fmnist_last_error(), key) != NULL, "message \"%s\" lacks %s",
                fmnist_last_error(), key);
  if (known) {
    ck_assert_int_eq(fmnist_model_get(m, key, after, sizeof after), FMNIST_OK);
    ck_assert_str_eq(before, after);
  }
  fmnist_model_free(m);
}
END_TEST

START_TEST(test_defaults) {
  fmnist_model *m;
  char v[64];
  ck_assert_int_eq(fmnist_model_create("logreg", &m), FMNIST_OK);
  static const char *const want[][2] = {{"C", "1"},      {"solver", "sag"}, {"max_iter", "100"},
                                        {"tol", "0.0001"}, {"lr", "0.01"},  {"batch", "32"}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    ck_assert_int_eq(fmnist_model_get(m, want[i][0], v, sizeof v), FMNIST_OK);
    ck_assert_str_eq(v, want[i][1]);
  }
  fmnist_model_free(m);
}
END_TEST

START_TEST(test_save_load) {
  fmnist_dataset *train = fmnist_test_blobs(100, 7);
  fmnist_model *m = make("sag"), *l;
  ck_assert_int_eq(fmnist_model_set(m, "max_iter", "3"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, train, NULL), FMNIST_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/logreg.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_load(path, &l), FMNIST_OK);
  float a[100 * 10], b[100 * 10];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(train), 100, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(l, fmnist_dataset_images(train), 100, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  ck_assert_uint_eq(fmnist_model_epochs(l), 3);
  fmnist_model_free(m);
  fmnist_model_free(l);
  fmnist_dataset_free(train);
}
END_TEST

static int cancel_at_2(void *user, fmnist_stage stage, size_t done, size_t total) {
  (void)user;
  (void)total;
  return stage == FMNIST_STAGE_EPOCH && done == 2;
}

START_TEST(test_cancel) {
  fmnist_dataset *train = fmnist_test_blobs(100, 8);
  fmnist_model *m = make("sag");
  ck_assert_int_eq(fmnist_model_set(m, "tol", "0"), FMNIST_OK);
  fmnist_model_set_progress(m, cancel_at_2, NULL);
  ck_assert_int_eq(fmnist_model_fit(m, train, NULL), FMNIST_E_CANCELLED);
  ck_assert(!fmnist_model_is_fitted(m));
  fmnist_model_free(m);
  fmnist_dataset_free(train);
}
END_TEST

static Suite *logreg_suite(void) {
  Suite *s = suite_create("logreg");
  TCase *tc = tcase_create("logreg");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_separable, 0, 2);
  tcase_add_loop_test(tc, test_history, 0, 2);
  tcase_add_test(tc, test_tol_stops);
  tcase_add_loop_test(tc, test_deterministic, 0, 2);
  tcase_add_loop_test(tc, test_bad_option, 0, sizeof bad_options / sizeof bad_options[0]);
  tcase_add_test(tc, test_defaults);
  tcase_add_test(tc, test_save_load);
  tcase_add_test(tc, test_cancel);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(logreg_suite)
