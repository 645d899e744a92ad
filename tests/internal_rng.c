/* Check suite for the seeded generator of src/rng.h (internal API). */
#include <math.h>
#include <string.h>

#include "base/rng.h"
#include "testutil.h"

#define DRAWS 100000

START_TEST(test_deterministic) {
  fmnist__rng a, b;
  fmnist__rng_init(&a, 12345, FMNIST__STREAM_TRANSFORM, 7);
  fmnist__rng_init(&b, 12345, FMNIST__STREAM_TRANSFORM, 7);
  for (int i = 0; i < 1000; i++)
    ck_assert_uint_eq(fmnist__rng_next(&a), fmnist__rng_next(&b));
}
END_TEST

/* Neighbouring seeds and streams must give unrelated sequences: compare
 * the first 64 outputs of each pair; a match of any one 64-bit value by
 * chance has probability ~2^-52 here. */
START_TEST(test_streams_differ) {
  const uint64_t pairs[][2] = {{1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}, {0, 0}, {0, 1}};
  const int np = (int)(sizeof pairs / sizeof pairs[0]);
  uint64_t out[7][64];
  for (int p = 0; p < np; p++) {
    fmnist__rng r;
    fmnist__rng_init(&r, pairs[p][0], FMNIST__STREAM_SPLIT, pairs[p][1]);
    for (int i = 0; i < 64; i++) out[p][i] = fmnist__rng_next(&r);
  }
  for (int p = 0; p < np; p++)
    for (int q = p + 1; q < np; q++)
      for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
          ck_assert_msg(out[p][i] != out[q][j], "(%d) and (%d) share a value", p, q);
}
END_TEST

/* No two uses meet: the stream numbers of every pair of spaces differ for
 * every index, including the pair that used to collide (a net's layer 63
 * was initialised from the stream of epoch 9's shuffle, 1 + 16 * 63 = 1000
 * + 9), the largest index and the ones past it, which wrap within their
 * own space. And the generators of different spaces start apart. */
START_TEST(test_spaces_disjoint) {
  const uint64_t top = ((uint64_t)1 << FMNIST__STREAM_INDEX_BITS) - 1;
  const uint64_t idx[] = {0, 1, 2, 9, 63, 1000, 1009, top, top + 1, UINT64_MAX};
  const size_t ni = sizeof idx / sizeof idx[0];
  for (int a = 0; a < FMNIST__STREAM_SPACES; a++) {
    for (size_t i = 0; i < ni; i++) {
      uint64_t sa = fmnist__stream((fmnist__stream_space)a, idx[i]);
      ck_assert_uint_eq(sa >> FMNIST__STREAM_INDEX_BITS, (uint64_t)a);
      for (int b = a + 1; b < FMNIST__STREAM_SPACES; b++)
        for (size_t j = 0; j < ni; j++)
          ck_assert_msg(sa != fmnist__stream((fmnist__stream_space)b, idx[j]),
                        "space %d index %zu meets space %d index %zu", a, i, b, j);
    }
  }
  ck_assert_uint_eq(fmnist__stream(FMNIST__STREAM_NET_INIT, top + 1),
                    fmnist__stream(FMNIST__STREAM_NET_INIT, 0));
  fmnist__rng init63, epoch9;
  fmnist__rng_init(&init63, 42, FMNIST__STREAM_NET_INIT, 63);
  fmnist__rng_init(&epoch9, 42, FMNIST__STREAM_EPOCH_ORDER, 9);
  for (int i = 0; i < 16; i++)
    ck_assert_uint_ne(fmnist__rng_next(&init63), fmnist__rng_next(&epoch9));
}
END_TEST

START_TEST(test_below_bounds) {
  fmnist__rng r;
  fmnist__rng_init(&r, 3, FMNIST__STREAM_SPLIT, 0);
  for (int i = 0; i < 1000; i++) ck_assert_uint_eq(fmnist__rng_below(&r, 1), 0);
  /* n = 7: every value in range and each one drawn; with 70000 draws the
   * expected 10000 per value has a standard deviation of ~93, so the
   * +-600 band (over 6 sigma) only fails on a real bias. */
  unsigned hist[7] = {0};
  for (int i = 0; i < 70000; i++) {
    uint64_t v = fmnist__rng_below(&r, 7);
    ck_assert_uint_lt(v, 7);
    hist[v]++;
  }
  for (int v = 0; v < 7; v++) {
    ck_assert_uint_gt(hist[v], 9400);
    ck_assert_uint_lt(hist[v], 10600);
  }
  /* Bounds near the top of the range, where rejection matters most. */
  const uint64_t big[] = {(1ULL << 63) + 1, UINT64_MAX, UINT64_MAX - 1, 1000000007ULL};
  for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
    for (int i = 0; i < 1000; i++) ck_assert_uint_lt(fmnist__rng_below(&r, big[k]), big[k]);
}
END_TEST

START_TEST(test_uniform) {
  fmnist__rng r;
  fmnist__rng_init(&r, 99, FMNIST__STREAM_SPLIT, 1);
  double sum = 0, lo = 1, hi = 0;
  for (int i = 0; i < DRAWS; i++) {
    double u = fmnist__rng_uniform(&r);
    ck_assert(u >= 0.0 && u < 1.0);
    sum += u;
    if (u < lo) lo = u;
    if (u > hi) hi = u;
  }
  /* Mean of 1e5 U(0,1): standard error sqrt(1/12/1e5) = 0.00091; 0.005 is
   * about 5.5 standard errors. */
  ck_assert_double_eq_tol(sum / DRAWS, 0.5, 0.005);
  ck_assert(lo < 0.001 && hi > 0.999);
}
END_TEST

START_TEST(test_normal) {
  fmnist__rng r;
  fmnist__rng_init(&r, 2024, FMNIST__STREAM_SPLIT, 5);
  double sum = 0, sq = 0;
  for (int i = 0; i < DRAWS; i++) {
    double z = fmnist__rng_normal(&r);
    ck_assert(isfinite(z));
    sum += z;
    sq += z * z;
  }
  double mean = sum / DRAWS;
  double sd = sqrt(sq / DRAWS - mean * mean);
  /* Standard errors for 1e5 N(0,1) draws: mean 1/sqrt(1e5) = 0.0032, sd
   * 1/sqrt(2e5) = 0.0022; tolerances 0.016 and 0.011 are 5 of each. */
  ck_assert_double_eq_tol(mean, 0.0, 0.016);
  ck_assert_double_eq_tol(sd, 1.0, 0.011);
}
END_TEST

START_TEST(test_shuffle_permutation) {
  enum { N = 1000 };
  size_t idx[N], again[N];
  unsigned seen[N] = {0};
  for (size_t i = 0; i < N; i++) idx[i] = again[i] = i;
  fmnist__rng r;
  fmnist__rng_init(&r, 8, FMNIST__STREAM_SPLIT, 0);
  fmnist__rng_shuffle(&r, idx, N);
  size_t fixed = 0;
  for (size_t i = 0; i < N; i++) {
    ck_assert_uint_lt(idx[i], N);
    seen[idx[i]]++;
    fixed += idx[i] == i;
  }
  for (size_t i = 0; i < N; i++) ck_assert_uint_eq(seen[i], 1);
  /* A random permutation has on average one fixed point; more than 10 has
   * probability < 1e-7. */
  ck_assert_uint_lt(fixed, 10);
  fmnist__rng_init(&r, 8, FMNIST__STREAM_SPLIT, 0);
  fmnist__rng_shuffle(&r, again, N);
  ck_assert(memcmp(idx, again, sizeof idx) == 0);
  /* Trivial sizes do nothing. */
  size_t one = 0;
  fmnist__rng_shuffle(&r, &one, 1);
  ck_assert_uint_eq(one, 0);
  fmnist__rng_shuffle(&r, NULL, 0);
}
END_TEST

static Suite *rng_suite(void) {
  Suite *s = suite_create("rng");
  TCase *tc = tcase_create("rng");
  tcase_add_test(tc, test_deterministic);
  tcase_add_test(tc, test_streams_differ);
  tcase_add_test(tc, test_spaces_disjoint);
  tcase_add_test(tc, test_below_bounds);
  tcase_add_test(tc, test_uniform);
  tcase_add_test(tc, test_normal);
  tcase_add_test(tc, test_shuffle_permutation);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(rng_suite)
