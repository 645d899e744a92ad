/* Cross validation and robustness evaluation, on a small generated set
 * that a 1-nearest-neighbour model separates perfectly. */
#include <fmnist.h>
#include <string.h>

#include "testutil.h"

enum { PER_CLASS = 6, N = PER_CLASS * FMNIST_CLASSES };

/* Class c lights rows 2c..2c+2 (value 200 + small per-image variation). */
static fmnist_dataset *blocks(void) {
  static uint8_t img[N * FMNIST_PIXELS], lab[N];
  memset(img, 0, sizeof img);
  for (int i = 0; i < N; i++) {
    int c = i % FMNIST_CLASSES;
    lab[i] = (uint8_t)c;
    for (int r = 2 * c; r < 2 * c + 3; r++)
      for (int x = 0; x < FMNIST_SIDE; x++)
        img[i * FMNIST_PIXELS + r * FMNIST_SIDE + x] = (uint8_t)(200 + (i * 7 + x) % 40);
  }
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, N, &ds), FMNIST_OK);
  return ds;
}

static fmnist_model *knn1(void) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("knn", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "k", "1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  return m;
}

typedef struct folds_seen {
  size_t calls, last_done, total, cancel_after;
} folds_seen;

static int count_folds(void *user, fmnist_stage stage, size_t done, size_t total) {
  folds_seen *f = user;
  if (stage != FMNIST_STAGE_FOLD) return 0;
  f->calls++;
  f->last_done = done;
  f->total = total;
  return f->cancel_after && f->calls >= f->cancel_after;
}

START_TEST(cross_validation_folds) {
  fmnist_dataset *ds = blocks();
  fmnist_model *m = knn1();
  folds_seen seen = {0, 0, 0, 0};
  ck_assert_int_eq(fmnist_model_set_progress(m, count_folds, &seen), FMNIST_OK);
  fmnist_cv *cv;
  ck_assert_int_eq(fmnist_cross_validate(m, ds, 4, 9, &cv), FMNIST_OK);
  ck_assert_uint_eq(fmnist_cv_folds(cv), 4);
  ck_assert_uint_eq(seen.calls, 4);
  ck_assert_uint_eq(seen.last_done, 4);
  ck_assert_uint_eq(seen.total, 4);
  size_t total = 0;
  for (size_t f = 0; f < 4; f++) {
    const fmnist_metrics *fm = fmnist_cv_fold_metrics(cv, f);
    ck_assert_ptr_nonnull(fm);
    /* 60 images in 4 stratified folds: 15 each, every image held out once. */
    ck_assert_uint_eq(fmnist_metrics_count(fm), 15);
    total += fmnist_metrics_count(fm);
    ck_assert(fmnist_metrics_accuracy(fm) == 1.0);
    ck_assert(fmnist_cv_fold_seconds(cv, f) >= 0);
  }
  ck_assert_uint_eq(total, N);
  ck_assert_ptr_null(fmnist_cv_fold_metrics(cv, 4));
  double mean, sd;
  ck_assert_int_eq(fmnist_cv_accuracy(cv, &mean, &sd), FMNIST_OK);
  ck_assert(mean == 1.0 && sd == 0.0);
  ck_assert_int_eq(fmnist_cv_mean(cv, FMNIST_SCORE_F1, &mean, &sd), FMNIST_OK);
  ck_assert(mean == 1.0);
  ck_assert_int_eq(fmnist_cv_mean(cv, FMNIST_SCORE_SUPPORT, &mean, &sd), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_is_fitted(m), 0); /* m itself is not fitted */
  fmnist_cv_free(cv);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Same seed, same folds: a forest (random) gives identical fold figures. */
START_TEST(cross_validation_determinism) {
  fmnist_dataset *ds = blocks();
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("forest", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "n_trees", "3"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "max_features", "2"), FMNIST_OK);
  fmnist_cv *a, *b;
  ck_assert_int_eq(fmnist_cross_validate(m, ds, 3, 5, &a), FMNIST_OK);
  ck_assert_int_eq(fmnist_cross_validate(m, ds, 3, 5, &b), FMNIST_OK);
  for (size_t f = 0; f < 3; f++)
    for (int c = 0; c < FMNIST_CLASSES; c++)
      for (int p = 0; p < FMNIST_CLASSES; p++)
        ck_assert_uint_eq(fmnist_metrics_confusion(fmnist_cv_fold_metrics(a, f), c, p),
                          fmnist_metrics_confusion(fmnist_cv_fold_metrics(b, f), c, p));
  fmnist_cv_free(a);
  fmnist_cv_free(b);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Folds run one at a time, or set from copies, give fmnist_cross_validate's
 * results; an incomplete table has no mean. */
START_TEST(cross_validation_by_fold) {
  fmnist_dataset *ds = blocks();
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("forest", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, "n_trees=3 max_features=2"), FMNIST_OK);
  fmnist_cv *whole, *by_fold, *copied;
  ck_assert_int_eq(fmnist_cross_validate(m, ds, 3, 5, &whole), FMNIST_OK);
  ck_assert_int_eq(fmnist_cv_create(3, &by_fold), FMNIST_OK);
  ck_assert_int_eq(fmnist_cv_create(3, &copied), FMNIST_OK);
  double mean, sd;
  ck_assert_int_eq(fmnist_cv_accuracy(by_fold, &mean, &sd), FMNIST_E_STATE);
  ck_assert_ptr_null(fmnist_cv_fold_metrics(by_fold, 0));
  for (size_t f = 3; f-- > 0;) { /* any order */
    ck_assert_int_eq(fmnist_cv_run_fold(by_fold, m, ds, 5, f), FMNIST_OK);
    ck_assert_int_eq(fmnist_cv_set_fold(copied, f, fmnist_cv_fold_metrics(by_fold, f), 1.5),
                     FMNIST_OK);
  }
  for (size_t f = 0; f < 3; f++)
    for (int c = 0; c < FMNIST_CLASSES; c++)
      for (int p = 0; p < FMNIST_CLASSES; p++) {
        size_t want = fmnist_metrics_confusion(fmnist_cv_fold_metrics(whole, f), c, p);
        ck_assert_uint_eq(fmnist_metrics_confusion(fmnist_cv_fold_metrics(by_fold, f), c, p), want);
        ck_assert_uint_eq(fmnist_metrics_confusion(fmnist_cv_fold_metrics(copied, f), c, p), want);
      }
  ck_assert(fmnist_cv_fold_seconds(copied, 2) == 1.5);
  double a, b;
  ck_assert_int_eq(fmnist_cv_mean(whole, FMNIST_SCORE_F1, &a, &sd), FMNIST_OK);
  ck_assert_int_eq(fmnist_cv_mean(copied, FMNIST_SCORE_F1, &b, &sd), FMNIST_OK);
  ck_assert(a == b);
  ck_assert_int_eq(fmnist_cv_run_fold(by_fold, m, ds, 5, 3), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_cv_set_fold(copied, 3, fmnist_cv_fold_metrics(whole, 0), 0),
                   FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_cv_create(1, &by_fold), FMNIST_E_INVALID);
  fmnist_cv_free(whole);
  fmnist_cv_free(by_fold);
  fmnist_cv_free(copied);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(cross_validation_errors) {
  fmnist_dataset *ds = blocks();
  fmnist_model *m = knn1();
  fmnist_cv *cv = NULL;
  ck_assert_int_eq(fmnist_cross_validate(m, ds, 1, 1, &cv), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_cross_validate(m, ds, N + 1, 1, &cv), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_cross_validate(NULL, ds, 2, 1, &cv), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_cross_validate(m, NULL, 2, 1, &cv), FMNIST_E_INVALID);
  ck_assert_ptr_null(cv);
  folds_seen stop = {0, 0, 0, 2};
  ck_assert_int_eq(fmnist_model_set_progress(m, count_folds, &stop), FMNIST_OK);
  ck_assert_int_eq(fmnist_cross_validate(m, ds, 5, 1, &cv), FMNIST_E_CANCELLED);
  ck_assert_uint_eq(stop.calls, 2);
  ck_assert_ptr_null(cv);
  fmnist_cv_free(NULL);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(robustness_known_answers) {
  fmnist_dataset *ds = blocks();
  fmnist_model *m = knn1();
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  /* noise:0 is the identity (clean accuracy 1); contrast:0 makes every
   * image the same grey, so one label is predicted for all: 1/10; shift:0
   * and blur:0 are identities too. */
  const char *specs[] = {"noise:0", "contrast:0", "shift:0 blur:0", "noise:60"};
  double acc[4], again[4];
  ck_assert_int_eq(fmnist_robustness(m, ds, specs, 4, 3, acc), FMNIST_OK);
  ck_assert(acc[0] == 1.0);
  ck_assert(acc[1] == 0.1);
  ck_assert(acc[2] == 1.0);
  ck_assert(acc[3] >= 0 && acc[3] <= 1);
  ck_assert_int_eq(fmnist_robustness(m, ds, specs, 4, 3, again), FMNIST_OK);
  ck_assert_mem_eq(acc, again, sizeof acc); /* seeded: the same figures */
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(robustness_errors) {
  fmnist_dataset *ds = blocks();
  fmnist_model *m = knn1();
  double acc[2] = {-1, -1};
  const char *specs[] = {"noise:10", "wobble:3"};
  ck_assert_int_eq(fmnist_robustness(m, ds, specs, 1, 1, acc), FMNIST_E_STATE); /* unfitted */
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_robustness(m, ds, specs, 2, 1, acc), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "wobble"));
  ck_assert(acc[0] == -1 && acc[1] == -1); /* nothing written */
  ck_assert_int_eq(fmnist_robustness(m, ds, NULL, 2, 1, acc), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_robustness(m, ds, specs, 0, 1, acc), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static Suite *experiment_suite(void) {
  Suite *s = suite_create("experiment");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, cross_validation_folds);
  tcase_add_test(tc, cross_validation_determinism);
  tcase_add_test(tc, cross_validation_by_fold);
  tcase_add_test(tc, cross_validation_errors);
  tcase_add_test(tc, robustness_known_answers);
  tcase_add_test(tc, robustness_errors);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(experiment_suite)
