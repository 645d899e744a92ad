/* KNN through the public API against a naive double loop: labels and
 * probabilities, k = 1, ties (distance and vote, both vote rules),
 * distance weights, threads, options. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES


/* Random images; pixels in 0..63 only on the first 100 pixels (the rest
 * stay 0, as the background of real images), so distances vary a lot. */
static void random_images(uint8_t *img, uint8_t *lab, size_t n, uint32_t seed) {
  uint32_t s = seed | 1;
  memset(img, 0, n * NF);
  for (size_t i = 0; i < n; i++) {
    lab[i] = (uint8_t)(fmnist_test_rand(&s) % NC);
    for (int p = 0; p < 100; p++) img[i * NF + p] = (uint8_t)(fmnist_test_rand(&s) % 64);
  }
}

/* Images around 12 prototypes (full 784 pixels, noise of +-8): the
 * structure that lets the pruned search's bounds rule most images out. */
static void clustered_images(uint8_t *img, uint8_t *lab, size_t n, uint32_t seed) {
  uint8_t proto[12][NF];
  uint32_t s = 12345;
  for (int c = 0; c < 12; c++)
    for (int p = 0; p < NF; p++) proto[c][p] = (uint8_t)(fmnist_test_rand(&s) % 240);
  s = seed | 1;
  for (size_t i = 0; i < n; i++) {
    int c = (int)(fmnist_test_rand(&s) % 12);
    lab[i] = (uint8_t)(c % NC);
    for (int p = 0; p < NF; p++) img[i * NF + p] = (uint8_t)(proto[c][p] + fmnist_test_rand(&s) % 17);
  }
}

/* Independent noise on all 784 pixels: no axis matters more than another,
 * so the pruned search's bounds are weak and the best-bounded images are
 * not the nearest; the search must still find them. */
static void noise_images(uint8_t *img, uint8_t *lab, size_t n, uint32_t seed) {
  uint32_t s = seed | 1;
  for (size_t i = 0; i < n; i++) {
    lab[i] = (uint8_t)(fmnist_test_rand(&s) % NC);
    for (int p = 0; p < NF; p++) img[i * NF + p] = (uint8_t)fmnist_test_rand(&s);
  }
}

typedef void (*image_maker)(uint8_t *img, uint8_t *lab, size_t n, uint32_t seed);
enum { RANDOM = 0, CLUSTERED = 1, NOISE = 2 };
static const image_maker makers[] = {random_images, clustered_images, noise_images};

/* The standardization the library documents (model.h, model.c): mean and
 * population std over the training set in double, kept as float, per pixel
 * or (global) over all pixels; x' = (x - mean) * (1/std) in float; constant
 * pixels get scale 1. */
static void standardize(const uint8_t *train, size_t n, int global, const uint8_t *img, size_t m,
                        float *out) {
  for (int p = 0; p < NF; p++) {
    double sum = 0, sq = 0;
    for (int q = global ? 0 : p; q < (global ? NF : p + 1); q++)
      for (size_t i = 0; i < n; i++) {
        double v = train[i * NF + q];
        sum += v;
        sq += v * v;
      }
    const double count = (double)n * (global ? NF : 1);
    double mean = sum / count, var = sq / count - mean * mean;
    double sd = var > 1e-12 ? sqrt(var) : 0.0;
    float fm = (float)mean, fi = sd > 0 ? (float)(1.0 / sd) : 1.0f;
    for (size_t i = 0; i < m; i++) out[i * NF + p] = ((float)img[i * NF + p] - fm) * fi;
  }
}

typedef struct cand {
  double d;
  size_t i;
} cand;

static int by_distance(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->d != y->d) return x->d < y->d ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

/* Naive KNN: every distance in double, full sort by (distance, index),
 * votes as documented in knn.c: uniform or 1/d (0-distance neighbours
 * alone when there are some); label = most votes, then (nearest, unless
 * smallest_label) the smaller summed distance, then the smaller label. */
static void naive(const uint8_t *train, const uint8_t *lab, size_t n, int global,
                  const uint8_t *query, size_t m, size_t k, int distance, int smallest_label,
                  float *proba, uint8_t *pred) {
  float *xt = malloc(n * NF * sizeof(float)), *xq = malloc(m * NF * sizeof(float));
  cand *c = malloc(n * sizeof *c);
  standardize(train, n, global, train, n, xt);
  standardize(train, n, global, query, m, xq);
  for (size_t q = 0; q < m; q++) {
    for (size_t i = 0; i < n; i++) {
      double s = 0;
      for (int j = 0; j < NF; j++) {
        double e = (double)xq[q * NF + j] - (double)xt[i * NF + j];
        s += e * e;
      }
      c[i].d = s;
      c[i].i = i;
    }
    qsort(c, n, sizeof *c, by_distance);
    double votes[NC] = {0}, dsum[NC] = {0}, total = 0;
    int zero = 0;
    for (size_t r = 0; r < k; r++) zero |= c[r].d == 0;
    for (size_t r = 0; r < k; r++) {
      double dist = sqrt(c[r].d);
      double w = !distance ? 1 : zero ? (c[r].d == 0) : 1 / dist;
      votes[lab[c[r].i]] += w;
      dsum[lab[c[r].i]] += dist;
      total += w;
    }
    int best = -1;
    for (int l = 0; l < NC; l++) {
      if (votes[l] == 0) continue;
      if (best < 0 || votes[l] > votes[best] ||
          (votes[l] == votes[best] && !smallest_label && dsum[l] < dsum[best]))
        best = l;
    }
    pred[q] = (uint8_t)best;
    for (int l = 0; l < NC; l++) proba[q * NC + l] = (float)(votes[l] / total);
  }
  free(xt);
  free(xq);
  free(c);
}

static fmnist_model *knn_with(const char *k, const char *weights, const char *threads,
                              const char *algorithm, const char *ties) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("knn", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "algorithm", algorithm), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "ties", ties), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "k", k), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "weights", weights), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", threads), FMNIST_OK);
  return m;
}

static fmnist_model *knn(const char *k, const char *weights, const char *threads) {
  return knn_with(k, weights, threads, "pruned", "nearest");
}

/* Rows: k, weights, threads, algorithm, vote-tie rule, images. Training
 * sizes straddle the library's 1024-row training blocks and the queries
 * its 256-row query blocks; n = 12 is below k + the re-ranking margin.
 * Every kind of images must give the naive answer, whether the pruning
 * bounds are exact (RANDOM: 100 varying pixels, fewer than the
 * projection's axes), rule most images out (CLUSTERED) or are weak
 * (NOISE); rows 16-18 standardize globally. Random labels tie often: on
 * the uniform smallest_label rows the two rules differ for 13 of 40, 56
 * of 260 and 28 of 100 queries (1/d votes almost never tie: the last row
 * differs nowhere). */
static const struct {
  const char *k, *weights, *threads, *algorithm, *ties;
  int images;
  size_t n, m;
  int global;
} cases[] = {
    {"1", "uniform", "1", "pruned", "nearest", RANDOM, 300, 40, 0},
    {"5", "uniform", "1", "pruned", "nearest", RANDOM, 300, 40, 0},
    {"7", "uniform", "2", "pruned", "nearest", RANDOM, 2100, 260, 0},
    {"4", "uniform", "1", "pruned", "nearest", RANDOM, 300, 40, 0},
    {"5", "distance", "1", "pruned", "nearest", RANDOM, 300, 40, 0},
    {"3", "distance", "2", "pruned", "nearest", RANDOM, 2100, 260, 0},
    {"1", "uniform", "1", "brute", "nearest", RANDOM, 300, 40, 0},
    {"7", "uniform", "2", "brute", "nearest", RANDOM, 2100, 260, 0},
    {"3", "distance", "2", "brute", "nearest", RANDOM, 2100, 260, 0},
    {"5", "uniform", "2", "pruned", "nearest", CLUSTERED, 3000, 300, 0},
    {"7", "distance", "1", "pruned", "nearest", CLUSTERED, 3000, 300, 0},
    {"5", "uniform", "2", "brute", "nearest", CLUSTERED, 3000, 300, 0},
    {"5", "uniform", "2", "pruned", "nearest", NOISE, 3000, 100, 0},
    {"7", "distance", "1", "pruned", "nearest", NOISE, 3000, 100, 0},
    {"5", "uniform", "1", "pruned", "nearest", RANDOM, 12, 30, 0},
    {"5", "distance", "1", "brute", "nearest", RANDOM, 12, 30, 0},
    {"5", "uniform", "2", "pruned", "nearest", CLUSTERED, 3000, 300, 1},
    {"7", "distance", "1", "pruned", "nearest", RANDOM, 300, 40, 1},
    {"5", "uniform", "1", "brute", "nearest", NOISE, 300, 40, 1},
    {"4", "uniform", "1", "pruned", "smallest_label", RANDOM, 300, 40, 0},
    {"6", "uniform", "2", "brute", "smallest_label", RANDOM, 2100, 260, 0},
    {"5", "uniform", "2", "pruned", "smallest_label", NOISE, 3000, 100, 0},
    {"4", "distance", "1", "pruned", "smallest_label", RANDOM, 300, 40, 0},
};

/* Distances are computed in double in the same order on both sides, so
 * the probabilities agree to the float rounding of votes / total. */
START_TEST(test_naive) {
  size_t n = cases[_i].n, m = cases[_i].m, k = (size_t)atoi(cases[_i].k);
  uint8_t *train = malloc(n * NF), *lab = malloc(n), *query = malloc(m * NF), *qlab = malloc(m);
  makers[cases[_i].images](train, lab, n, 11 + (uint32_t)_i);
  makers[cases[_i].images](query, qlab, m, 101 + (uint32_t)_i);
  float *want_p = malloc(m * NC * sizeof(float)), *got_p = malloc(m * NC * sizeof(float));
  uint8_t *want_l = malloc(m), *got_l = malloc(m);
  naive(train, lab, n, cases[_i].global, query, m, k, strcmp(cases[_i].weights, "distance") == 0,
        strcmp(cases[_i].ties, "smallest_label") == 0, want_p, want_l);
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(train, lab, n, &ds), FMNIST_OK);
  fmnist_model *mod = knn_with(cases[_i].k, cases[_i].weights, cases[_i].threads,
                               cases[_i].algorithm, cases[_i].ties);
  if (cases[_i].global) ck_assert_int_eq(fmnist_model_set(mod, "standardize", "global"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(mod, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(mod, query, m, got_l), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(mod, query, m, got_p), FMNIST_OK);
  for (size_t q = 0; q < m; q++) {
    ck_assert_msg(got_l[q] == want_l[q], "query %zu: label %d, naive %d", q, got_l[q], want_l[q]);
    for (int c = 0; c < NC; c++) ck_assert_float_eq_tol(got_p[q * NC + c], want_p[q * NC + c], 1e-6);
  }
  /* k = 1 on the training set itself: every image is its own neighbour. */
  if (k == 1) {
    uint8_t *self = malloc(n);
    ck_assert_int_eq(fmnist_model_predict(mod, train, n, self), FMNIST_OK);
    ck_assert(memcmp(self, lab, n) == 0);
    free(self);
  }
  fmnist_model_free(mod);
  fmnist_dataset_free(ds);
  free(train);
  free(lab);
  free(query);
  free(qlab);
  free(want_p);
  free(got_p);
  free(want_l);
  free(got_l);
}
END_TEST

/* Images that differ only in pixel 0 (all other pixels 0, so their
 * standardization is the identity there and monotone in pixel 0). */
static void one_pixel(uint8_t *img, const uint8_t *values, size_t n) {
  memset(img, 0, n * NF);
  for (size_t i = 0; i < n; i++) img[i * NF] = values[i];
}

/* Fits m on n one-pixel images (values, labels), then writes the labels
 * of nq one-pixel queries into out and, if proba is not NULL, their
 * probabilities; frees m. */
static void one_pixel_run(fmnist_model *m, const uint8_t *values, const uint8_t *labels, size_t n,
                          const uint8_t *queries, size_t nq, uint8_t *out, float *proba) {
  uint8_t *img = malloc(n * NF), *q = malloc(nq * NF);
  one_pixel(img, values, n);
  one_pixel(q, queries, nq);
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, labels, n, &ds), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(m, q, nq, out), FMNIST_OK);
  if (proba) ck_assert_int_eq(fmnist_model_proba(m, q, nq, proba), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  free(img);
  free(q);
}

/* Exact duplicates at the same distance: the smaller index wins. */
START_TEST(test_tie_index) {
  const uint8_t values[] = {10, 200, 100, 100, 250}, labels[] = {0, 1, 7, 3, 4};
  uint8_t out;
  one_pixel_run(knn("1", "uniform", "1"), values, labels, 5, (const uint8_t[]){100}, 1, &out,
                NULL);
  ck_assert_int_eq(out, 7); /* index 2, not index 3 */
}
END_TEST

/* A 1-1 vote. ties=nearest: the class of the nearer neighbour wins, even
 * with the larger label; with equal summed distances the smaller label
 * wins. ties=smallest_label (scikit-learn's rule): the smaller label
 * wins either way. Probabilities split 0.5/0.5 under both rules. Pixel 0
 * of the training set is {96, 160}: mean 128, std 32, so the standardized
 * values -1, +1, -0.25, 0 are exact and so are the ties. */
static const struct {
  const char *ties;
  uint8_t want[2]; /* labels of the queries 120 and 128 */
} tie_rules[] = {
    {"nearest", {5, 2}},        /* 120 is nearer to 96 (5); 128 as near to both */
    {"smallest_label", {2, 2}}, /* label 2 < 5 whatever the distances */
};

START_TEST(test_tie_votes) {
  const uint8_t values[] = {96, 160}, labels[] = {5, 2};
  for (int brute = 0; brute < 2; brute++) {
    uint8_t out[2];
    float p[2 * NC];
    one_pixel_run(knn_with("2", "uniform", "1", brute ? "brute" : "pruned", tie_rules[_i].ties),
                  values, labels, 2, (const uint8_t[]){120, 128}, 2, out, p);
    ck_assert_int_eq(out[0], tie_rules[_i].want[0]);
    ck_assert_int_eq(out[1], tie_rules[_i].want[1]);
    ck_assert_float_eq(p[5], 0.5f);
    ck_assert_float_eq(p[2], 0.5f);
  }
}
END_TEST

/* Three neighbours of three labels, a 1-1-1 tie: with distance weights the
 * nearest alone decides (1/d differs), with uniform votes the rule does.
 * Training pixel 0 is {40, 100, 180} labelled {8, 6, 1}; the query 90 is
 * nearest to 100, then 40, then 180. */
static const struct {
  const char *weights, *ties;
  uint8_t want;
} three_ways[] = {{"uniform", "nearest", 6},
                  {"uniform", "smallest_label", 1},
                  {"distance", "nearest", 6},
                  {"distance", "smallest_label", 6}};

START_TEST(test_tie_three_ways) {
  const uint8_t values[] = {40, 100, 180}, labels[] = {8, 6, 1};
  uint8_t out;
  one_pixel_run(knn_with("3", three_ways[_i].weights, "1", "brute", three_ways[_i].ties), values,
                labels, 3, (const uint8_t[]){90}, 1, &out, NULL);
  ck_assert_int_eq(out, three_ways[_i].want);
}
END_TEST

/* Distance weights with a neighbour at distance 0: it alone votes. */
START_TEST(test_zero_distance) {
  const uint8_t values[] = {100, 101, 102}, labels[] = {3, 4, 4};
  uint8_t out;
  float p[NC];
  one_pixel_run(knn("3", "distance", "1"), values, labels, 3, (const uint8_t[]){100}, 1, &out, p);
  ck_assert_int_eq(out, 3);
  ck_assert_float_eq(p[3], 1.0f);
  ck_assert_float_eq(p[4], 0.0f);
}
END_TEST

/* k larger than the training set: an error naming k, not a crash. */
START_TEST(test_k_too_large) {
  uint8_t img[3 * NF] = {0}, lab[3] = {0, 1, 2};
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, 3, &ds), FMNIST_OK);
  fmnist_model *m = knn("4", "uniform", "1");
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "k"));
  ck_assert(!fmnist_model_is_fitted(m));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static const char *const bad_options[][2] = {
    {"k", "0"}, {"k", "-1"}, {"k", "2.5"}, {"weights", "gaussian"}, {"neighbours", "5"},
    {"algorithm", "kd_tree"}, {"ties", "random"}, {"ties", "smallest"},
};

START_TEST(test_bad_option) {
  fmnist_model *m = knn("5", "uniform", "1");
  const char *key = bad_options[_i][0];
  ck_assert_int_eq(fmnist_model_set(m, key, bad_options[_i][1]), FMNIST_E_OPTION);
  ck_assert_msg(strstr(fmnist_last_error(), key) != NULL, "message \"%s\" lacks %s",
                fmnist_last_error(), key);
  char v[32];
  ck_assert_int_eq(fmnist_model_get(m, "k", v, sizeof v), FMNIST_OK);
  ck_assert_str_eq(v, "5");
  ck_assert_int_eq(fmnist_model_get(m, "weights", v, sizeof v), FMNIST_OK);
  ck_assert_str_eq(v, "uniform");
  fmnist_model_free(m);
}
END_TEST

START_TEST(test_save_load) {
  enum { N = 200, M = 30 };
  static uint8_t train[N * NF], lab[N], q[M * NF], ql[M];
  random_images(train, lab, N, 5);
  random_images(q, ql, M, 6);
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(train, lab, N, &ds), FMNIST_OK);
  fmnist_model *m = knn_with("5", "distance", "1", "pruned", "smallest_label"), *l;
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/knn.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_load(path, &l), FMNIST_OK);
  /* The tie rule travels with the model, as every option. */
  char ties[32];
  ck_assert_int_eq(fmnist_model_get(l, "ties", ties, sizeof ties), FMNIST_OK);
  ck_assert_str_eq(ties, "smallest_label");
  float a[M * NC], b[M * NC];
  uint8_t la[M], lb[M];
  ck_assert_int_eq(fmnist_model_proba(m, q, M, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(l, q, M, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  ck_assert_int_eq(fmnist_model_predict(m, q, M, la), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(l, q, M, lb), FMNIST_OK);
  ck_assert(memcmp(la, lb, sizeof la) == 0);
  fmnist_model_free(m);
  fmnist_model_free(l);
  fmnist_dataset_free(ds);
}
END_TEST

static Suite *knn_suite(void) {
  Suite *s = suite_create("knn");
  TCase *tc = tcase_create("knn");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_naive, 0, sizeof cases / sizeof cases[0]);
  tcase_add_test(tc, test_tie_index);
  tcase_add_loop_test(tc, test_tie_votes, 0, sizeof tie_rules / sizeof tie_rules[0]);
  tcase_add_loop_test(tc, test_tie_three_ways, 0, sizeof three_ways / sizeof three_ways[0]);
  tcase_add_test(tc, test_zero_distance);
  tcase_add_test(tc, test_k_too_large);
  tcase_add_loop_test(tc, test_bad_option, 0, sizeof bad_options / sizeof bad_options[0]);
  tcase_add_test(tc, test_save_load);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(knn_suite)
