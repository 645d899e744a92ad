/* Ensembles (fmnist/ensemble.h): the mean of the members' probabilities
 * through every verb, copies of their own, save/load round trips through
 * files and buffers, nesting, and every error path. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fmnist.h"
#include "testutil.h"

enum { N_TRAIN = 60, N_TEST = 30, MEMBERS = 3 };

/* Three fitted models of three families on the stripes. */
static void fit_members(fmnist_model *m[MEMBERS], const fmnist_dataset *train) {
  static const char *const made[MEMBERS][2] = {
      {"net", "threads=1 layers=dense:8 relu dense:10 epochs=3 batch=10"},
      {"knn", "threads=1 k=3 weights=distance"},
      {"logreg", "threads=1 max_iter=5"}};
  for (int k = 0; k < MEMBERS; k++) {
    ck_assert_int_eq(fmnist_model_create(made[k][0], &m[k]), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set_options(m[k], made[k][1]), FMNIST_OK);
    ck_assert_msg(fmnist_model_fit(m[k], train, NULL) == FMNIST_OK, "%s", fmnist_last_error());
  }
}

static void free_members(fmnist_model *m[MEMBERS]) {
  for (int k = 0; k < MEMBERS; k++) fmnist_model_free(m[k]);
}

/* The mean of the members' probabilities of the test images, by hand in
 * double, in member order. */
static void mean_of(fmnist_model *const *m, size_t n, const fmnist_dataset *test, double *mean) {
  static float p[N_TEST * FMNIST_CLASSES];
  memset(mean, 0, N_TEST * FMNIST_CLASSES * sizeof *mean);
  for (size_t k = 0; k < n; k++) {
    ck_assert_int_eq(fmnist_model_proba(m[k], fmnist_dataset_images(test), N_TEST, p), FMNIST_OK);
    for (size_t j = 0; j < N_TEST * FMNIST_CLASSES; j++) mean[j] += p[j] / (double)n;
  }
}

/* A net, a KNN and a logistic regression: the ensemble is their mean, of
 * its family, with its members to read back, each a copy that predicts
 * as its model did; refitting or freeing the models leaves it as it was. */
START_TEST(proba_is_the_mean) {
  fmnist_dataset *train = fmnist_test_stripes(N_TRAIN, 1), *test = fmnist_test_stripes(N_TEST, 2);
  fmnist_model *m[MEMBERS], *e;
  fit_members(m, train);
  static double mean[N_TEST * FMNIST_CLASSES];
  mean_of(m, MEMBERS, test, mean);
  ck_assert_int_eq(fmnist_ensemble_create((const fmnist_model *const *)m, MEMBERS, &e), FMNIST_OK);
  ck_assert_str_eq(fmnist_model_family(e), "ensemble");
  ck_assert(fmnist_model_is_fitted(e));
  fmnist_test_check_proba(e, test, mean);
  size_t count;
  ck_assert_int_eq(fmnist_ensemble_size(e, &count), FMNIST_OK);
  ck_assert_uint_eq(count, MEMBERS);
  float a[N_TEST * FMNIST_CLASSES], b[N_TEST * FMNIST_CLASSES];
  for (size_t k = 0; k < MEMBERS; k++) {
    const fmnist_model *member;
    ck_assert_int_eq(fmnist_ensemble_member(e, k, &member), FMNIST_OK);
    ck_assert_ptr_ne(member, m[k]);
    ck_assert_str_eq(fmnist_model_family(member), fmnist_model_family(m[k]));
    ck_assert_int_eq(fmnist_model_proba(m[k], fmnist_dataset_images(test), N_TEST, a), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_proba(member, fmnist_dataset_images(test), N_TEST, b),
                     FMNIST_OK);
    ck_assert(memcmp(a, b, sizeof a) == 0);
  }
  /* the models change and go: the ensemble keeps its copies */
  ck_assert_int_eq(fmnist_model_set(m[0], "seed", "99"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m[0], test, NULL), FMNIST_OK);
  free_members(m);
  fmnist_test_check_proba(e, test, mean);
  fmnist_model_free(e);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
}
END_TEST

/* Save and load through a file and through a buffer: the same family,
 * members and probabilities bit for bit; an ensemble of an ensemble and a
 * model is the mean of those two; test-time augmentation applies to the
 * mean (the mean over views of a mean is the mean of the members' means
 * over views) and is saved. */
START_TEST(save_load_and_nesting) {
  fmnist_dataset *train = fmnist_test_stripes(N_TRAIN, 1), *test = fmnist_test_stripes(N_TEST, 2);
  fmnist_model *m[MEMBERS], *e, *back, *from_buffer;
  fit_members(m, train);
  ck_assert_int_eq(fmnist_ensemble_create((const fmnist_model *const *)m, MEMBERS, &e), FMNIST_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/ensemble.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(e, path), FMNIST_OK);
  ck_assert_msg(fmnist_model_load(path, &back) == FMNIST_OK, "%s", fmnist_last_error());
  size_t size, count;
  ck_assert_int_eq(fmnist_model_save_buffer(e, NULL, 0, &size), FMNIST_OK);
  void *bytes = malloc(size);
  ck_assert_int_eq(fmnist_model_save_buffer(e, bytes, size, &size), FMNIST_OK);
  ck_assert_msg(fmnist_model_load_buffer(bytes, size, &from_buffer) == FMNIST_OK, "%s",
                fmnist_last_error());
  free(bytes);
  float a[N_TEST * FMNIST_CLASSES], b[N_TEST * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(e, fmnist_dataset_images(test), N_TEST, a), FMNIST_OK);
  const fmnist_model *loaded[2] = {back, from_buffer};
  for (int l = 0; l < 2; l++) {
    ck_assert_str_eq(fmnist_model_family(loaded[l]), "ensemble");
    ck_assert_int_eq(fmnist_ensemble_size(loaded[l], &count), FMNIST_OK);
    ck_assert_uint_eq(count, MEMBERS);
    ck_assert_int_eq(fmnist_model_proba(loaded[l], fmnist_dataset_images(test), N_TEST, b),
                     FMNIST_OK);
    ck_assert(memcmp(a, b, sizeof a) == 0);
  }

  fmnist_model *pair[2] = {e, m[2]}, *nested;
  static double mean[N_TEST * FMNIST_CLASSES];
  mean_of(pair, 2, test, mean);
  ck_assert_int_eq(fmnist_ensemble_create((const fmnist_model *const *)pair, 2, &nested),
                   FMNIST_OK);
  fmnist_test_check_proba(nested, test, mean);

  for (int k = 0; k < MEMBERS; k++) ck_assert_int_eq(fmnist_model_set(m[k], "tta", "flip"), 0);
  mean_of(m, MEMBERS, test, mean);
  ck_assert_int_eq(fmnist_model_set(back, "tta", "flip"), FMNIST_OK);
  ck_assert(fmnist_model_is_fitted(back));
  fmnist_test_check_proba(back, test, mean);
  ck_assert_int_eq(fmnist_model_save(back, path), FMNIST_OK);
  fmnist_model *again;
  ck_assert_int_eq(fmnist_model_load(path, &again), FMNIST_OK);
  fmnist_test_check_proba(again, test, mean);
  fmnist_model_free(again);
  fmnist_model_free(nested);
  fmnist_model_free(from_buffer);
  fmnist_model_free(back);
  fmnist_model_free(e);
  free_members(m);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
}
END_TEST

/* Every way to ask for an ensemble that cannot be: its status, nothing
 * made; an ensemble is made, not fitted, and keeps its members whatever
 * option is set; an empty one (created by name or cloned) predicts
 * nothing; no ONNX export with a knn member; the accessors on other
 * families. */
START_TEST(error_paths) {
  fmnist_dataset *train = fmnist_test_stripes(N_TRAIN, 1);
  fmnist_model *m[MEMBERS], *e = NULL, *unfitted;
  fit_members(m, train);
  const fmnist_model *const *members = (const fmnist_model *const *)m;
  ck_assert_int_eq(fmnist_ensemble_create(NULL, 2, &e), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_ensemble_create(members, 2, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_ensemble_create(members, 0, &e), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_ensemble_create(members, FMNIST_ENSEMBLE_MAX_MEMBERS + 1, &e),
                   FMNIST_E_INVALID);
  const fmnist_model *with_null[2] = {m[0], NULL};
  ck_assert_int_eq(fmnist_ensemble_create(with_null, 2, &e), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "member 1"));
  ck_assert_int_eq(fmnist_model_create("forest", &unfitted), FMNIST_OK);
  const fmnist_model *with_unfitted[2] = {m[1], unfitted};
  ck_assert_int_eq(fmnist_ensemble_create(with_unfitted, 2, &e), FMNIST_E_STATE);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "member 1 (forest) is not fitted"));
  ck_assert_ptr_null(e);

  ck_assert_int_eq(fmnist_ensemble_create(members, MEMBERS, &e), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(e, train, NULL), FMNIST_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "ensemble"));
  ck_assert_int_eq(fmnist_model_set(e, "seed", "5"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(e, "standardize", "global"), FMNIST_OK);
  ck_assert(fmnist_model_is_fitted(e));
  ck_assert_int_eq(fmnist_model_set(e, "k", "3"), FMNIST_E_OPTION);
  size_t size, count;
  ck_assert_int_eq(fmnist_model_export_onnx_buffer(e, NULL, 0, &size), FMNIST_E_UNSUPPORTED);
  const fmnist_model *member;
  ck_assert_int_eq(fmnist_ensemble_member(e, MEMBERS, &member), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_ensemble_member(e, 0, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_ensemble_size(m[0], &count), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_ensemble_member(NULL, 0, &member), FMNIST_E_INVALID);

  fmnist_model *empty[2];
  ck_assert_int_eq(fmnist_model_create("ensemble", &empty[0]), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_clone_config(e, &empty[1]), FMNIST_OK);
  for (int k = 0; k < 2; k++) {
    float p[FMNIST_CLASSES];
    ck_assert_str_eq(fmnist_model_family(empty[k]), "ensemble");
    ck_assert(!fmnist_model_is_fitted(empty[k]));
    ck_assert_int_eq(fmnist_model_proba(empty[k], fmnist_dataset_images(train), 1, p),
                     FMNIST_E_STATE);
    ck_assert_int_eq(fmnist_ensemble_size(empty[k], &count), FMNIST_E_STATE);
    ck_assert_int_eq(fmnist_model_fit(empty[k], train, NULL), FMNIST_E_UNSUPPORTED);
    fmnist_model_free(empty[k]);
  }
  fmnist_model_free(e);
  fmnist_model_free(unfitted);
  free_members(m);
  fmnist_dataset_free(train);
}
END_TEST

/* The bytes of a saved ensemble of two KNNs with one field changed, the
 * outer CRC made right again, so that the ensemble's own reading is what
 * is tested. The count of members is the u64 16 bytes before the first
 * member's file (its magic), its length the u64 right before it. */
enum { COUNT_FIELD, LENGTH_FIELD, MEMBER_BYTE };
static const struct {
  int field;
  uint64_t value;
  fmnist_status status;
  const char *named;
} corrupt[] = {
    {COUNT_FIELD, 0, FMNIST_E_FORMAT, "without members"},
    {COUNT_FIELD, 3, FMNIST_E_FORMAT, "truncated"},
    {COUNT_FIELD, 1u << 30, FMNIST_E_FORMAT, "member"},
    {LENGTH_FIELD, 1u << 30, FMNIST_E_FORMAT, "member byte"},
    {LENGTH_FIELD, 100, FMNIST_E_FORMAT, "ensemble member 0"},
    {MEMBER_BYTE, 0, FMNIST_E_CHECKSUM, "ensemble member 0"},
};

START_TEST(corrupted_files) {
  fmnist_dataset *train = fmnist_test_stripes(20, 1);
  fmnist_model *m[2], *e;
  for (int k = 0; k < 2; k++) {
    ck_assert_int_eq(fmnist_model_create("knn", &m[k]), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_fit(m[k], train, NULL), FMNIST_OK);
  }
  ck_assert_int_eq(fmnist_ensemble_create((const fmnist_model *const *)m, 2, &e), FMNIST_OK);
  size_t size;
  ck_assert_int_eq(fmnist_model_save_buffer(e, NULL, 0, &size), FMNIST_OK);
  uint8_t *bytes = malloc(size);
  ck_assert_int_eq(fmnist_model_save_buffer(e, bytes, size, &size), FMNIST_OK);
  size_t first = 24;
  while (first + 8 <= size && memcmp(bytes + first, "FMNISTMD", 8) != 0) first++;
  ck_assert_uint_lt(first + 8, size);
  const size_t at = corrupt[_i].field == COUNT_FIELD    ? first - 16
                    : corrupt[_i].field == LENGTH_FIELD ? first - 8
                                                        : first + 40;
  if (corrupt[_i].field == MEMBER_BYTE) {
    bytes[at] ^= 0x55;
  } else {
    for (int b = 0; b < 8; b++) bytes[at + b] = (uint8_t)(corrupt[_i].value >> (8 * b));
  }
  const uLong crc = crc32(0L, bytes + 24, (uInt)(size - 28));
  for (int b = 0; b < 4; b++) bytes[size - 4 + b] = (uint8_t)(crc >> (8 * b));
  fmnist_model *back = NULL;
  ck_assert_int_eq(fmnist_model_load_buffer(bytes, size, &back), corrupt[_i].status);
  ck_assert_msg(strstr(fmnist_last_error(), corrupt[_i].named) != NULL, "%s",
                fmnist_last_error());
  ck_assert_ptr_null(back);
  free(bytes);
  fmnist_model_free(e);
  for (int k = 0; k < 2; k++) fmnist_model_free(m[k]);
  fmnist_dataset_free(train);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("ensemble");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, proba_is_the_mean);
  tcase_add_test(tc, save_load_and_nesting);
  tcase_add_test(tc, error_paths);
  tcase_add_loop_test(tc, corrupted_files, 0, sizeof corrupt / sizeof corrupt[0]);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(suite)
