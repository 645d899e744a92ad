/* Transforms: identities, determinism, per-op known answers, spec parser. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

#define SIDE FMNIST_SIDE
#define PIX FMNIST_PIXELS

/* Deterministic test images: a fixed LCG, so no dependence on the library's
 * own generator. */
static void fill_random(uint8_t *img, size_t n, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1u;
  for (size_t i = 0; i < n * PIX; i++) {
    x = x * 1664525u + 1013904223u;
    img[i] = (uint8_t)(x >> 24);
  }
}

static fmnist_transform *make(uint64_t seed, const char *spec) {
  fmnist_transform *t = NULL;
  ck_assert_int_eq(fmnist_transform_create(seed, &t), FMNIST_OK);
  ck_assert_msg(fmnist_transform_add_spec(t, spec) == FMNIST_OK,
                "spec '%s': %s", spec, fmnist_last_error());
  return t;
}

static void apply(fmnist_transform *t, const uint8_t *in, uint8_t *out,
                  size_t n) {
  ck_assert_msg(fmnist_transform_apply(t, in, out, n) == FMNIST_OK, "%s",
                fmnist_last_error());
}

static long sum_pixels(const uint8_t *img) {
  long s = 0;
  for (int i = 0; i < PIX; i++) s += img[i];
  return s;
}

/* ---- severity 0 is the identity ---- */

static const char *const zero_specs[] = {
    "noise:0",    "saltpepper:0", "shift:0",  "flip:0",
    "rotate:0",   "blur:0",       "occlude:0",
    "contrast:1", /* the neutral factor of contrast is 1, not 0 */
    "brightness:0",
    /* all at once (one literal: clang warns on concatenation in arrays) */
    "noise:0 saltpepper:0 shift:0 flip:0 rotate:0 blur:0 occlude:0 contrast:1 brightness:0",
};

START_TEST(severity_zero_is_identity) {
  enum { N = 40 };
  static uint8_t in[N * PIX], out[N * PIX];
  fill_random(in, N, 7);
  fmnist_transform *t = make(1234, zero_specs[_i]);
  apply(t, in, out, N);
  ck_assert_msg(memcmp(in, out, sizeof in) == 0, "'%s' changed an image",
                zero_specs[_i]);
  fmnist_transform_free(t);
}
END_TEST

START_TEST(empty_pipeline_copies) {
  uint8_t in[3 * PIX], out[3 * PIX];
  fill_random(in, 3, 1);
  fmnist_transform *t = make(1, "");
  ck_assert_uint_eq(fmnist_transform_count(t), 0);
  apply(t, in, out, 3);
  ck_assert(memcmp(in, out, sizeof in) == 0);
  fmnist_transform_free(t);
}
END_TEST

/* ---- determinism ---- */

#define ALL_OPS                                                         \
  "noise:20 saltpepper:0.05 shift:2 flip:0.5 rotate:15 blur:0.8 "       \
  "occlude:6 contrast:0.9 brightness:5"

START_TEST(same_seed_same_output) {
  enum { N = 50 };
  static uint8_t in[N * PIX], a[N * PIX], b[N * PIX], c[N * PIX];
  fill_random(in, N, 3);
  fmnist_transform *t1 = make(99, ALL_OPS), *t2 = make(99, ALL_OPS),
                   *t3 = make(100, ALL_OPS);
  apply(t1, in, a, N);
  apply(t2, in, b, N);
  apply(t3, in, c, N);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  ck_assert(memcmp(a, c, sizeof a) != 0);
  /* reseed restarts the image counter: the same seed replays the output */
  ck_assert_int_eq(fmnist_transform_reseed(t3, 99), FMNIST_OK);
  apply(t3, in, c, N);
  ck_assert(memcmp(a, c, sizeof a) == 0);
  /* a second batch continues the counter: not a replay of the first */
  apply(t1, in, b, N);
  ck_assert(memcmp(a, b, sizeof a) != 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
  fmnist_transform_free(t3);
}
END_TEST

START_TEST(grouping_independence) {
  enum { N = 10 };
  uint8_t in[N * PIX], a[N * PIX], b[N * PIX];
  fill_random(in, N, 5);
  fmnist_transform *t1 = make(7, ALL_OPS), *t2 = make(7, ALL_OPS);
  apply(t1, in, a, N);
  for (int i = 0; i < N; i++) apply(t2, in + i * PIX, b + i * PIX, 1);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

/* Large calls run on several threads; uneven groups (some below, some above
 * the parallel threshold) must still give the one-call result. */
START_TEST(grouping_independence_threads) {
  enum { N = 2000 };
  static uint8_t in[N * PIX], a[N * PIX], b[N * PIX];
  static const size_t groups[] = {1, 7, 600, 333, 1059};
  fill_random(in, N, 11);
  fmnist_transform *t1 = make(8, ALL_OPS), *t2 = make(8, ALL_OPS);
  apply(t1, in, a, N);
  size_t at = 0;
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
    apply(t2, in + at * PIX, b + at * PIX, groups[g]);
    at += groups[g];
  }
  ck_assert_uint_eq(at, N);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

START_TEST(in_place_equals_copy) {
  enum { N = 600 }; /* above the parallel threshold too */
  static uint8_t in[N * PIX], a[N * PIX];
  fill_random(in, N, 13);
  fmnist_transform *t1 = make(3, ALL_OPS), *t2 = make(3, ALL_OPS);
  apply(t1, in, a, N);
  apply(t2, in, in, N);
  ck_assert(memcmp(a, in, sizeof a) == 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

/* ---- geometry ---- */

START_TEST(flip_twice_is_identity) {
  enum { N = 5 };
  uint8_t in[N * PIX], once[N * PIX], twice[N * PIX];
  fill_random(in, N, 17);
  fmnist_transform *t1 = make(1, "flip:1"), *t2 = make(1, "flip:1 flip:1");
  apply(t1, in, once, N);
  apply(t2, in, twice, N);
  ck_assert(memcmp(in, twice, sizeof in) == 0);
  for (int i = 0; i < N; i++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++)
        ck_assert_uint_eq(once[i * PIX + y * SIDE + x],
                          in[i * PIX + y * SIDE + SIDE - 1 - x]);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

/* One bright pixel at (14, 14) with shift:3 stays inside the image, so it
 * must reappear whole at an offset within -3..3 on each axis. With 500
 * images every one of the 49 offsets should show up (the run is seeded, so
 * this is a fixed outcome, not a flaky one). */
START_TEST(shift_moves_a_pixel) {
  enum { N = 500, M = 3 };
  static uint8_t in[N * PIX], out[N * PIX];
  memset(in, 0, sizeof in);
  for (int i = 0; i < N; i++) in[i * PIX + 14 * SIDE + 14] = 255;
  fmnist_transform *t = make(21, "shift:3");
  apply(t, in, out, N);
  int seen[2 * M + 1][2 * M + 1] = {{0}};
  for (int i = 0; i < N; i++) {
    const uint8_t *img = out + i * PIX;
    ck_assert_int_eq(sum_pixels(img), 255); /* mass preserved */
    int at = -1;
    for (int p = 0; p < PIX; p++)
      if (img[p]) at = p;
    int dx = at % SIDE - 14, dy = at / SIDE - 14;
    ck_assert_int_le(abs(dx), M);
    ck_assert_int_le(abs(dy), M);
    seen[dy + M][dx + M]++;
  }
  for (int dy = 0; dy <= 2 * M; dy++)
    for (int dx = 0; dx <= 2 * M; dx++)
      ck_assert_msg(seen[dy][dx] > 0, "offset (%d, %d) never drawn", dx - M,
                    dy - M);
  fmnist_transform_free(t);
}
END_TEST

/* A pixel in the corner falls off the image for half the shifts: the result
 * is either that pixel moved, or an empty (background) image. */
START_TEST(shift_border_is_background) {
  enum { N = 100 };
  static uint8_t in[N * PIX], out[N * PIX];
  memset(in, 0, sizeof in);
  for (int i = 0; i < N; i++) in[i * PIX] = 200;
  fmnist_transform *t = make(22, "shift:2");
  apply(t, in, out, N);
  int empty = 0;
  for (int i = 0; i < N; i++) {
    long s = sum_pixels(out + i * PIX);
    ck_assert(s == 0 || s == 200);
    empty += s == 0;
  }
  ck_assert_int_gt(empty, 0);
  ck_assert_int_lt(empty, N);
  fmnist_transform_free(t);
}
END_TEST

/* A disc of radius 6 about the image centre (13.5, 13.5) is symmetric under
 * rotation: the interior stays 200, the far background stays 0, and the
 * total and the centroid barely move. Bilinear resampling softens only the
 * rim, so 3% of the mass and half a pixel of centroid are generous. */
START_TEST(rotation_keeps_centred_blob) {
  enum { N = 20 };
  static uint8_t in[N * PIX], out[N * PIX];
  for (int i = 0; i < N; i++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        double r = hypot(x - 13.5, y - 13.5);
        in[i * PIX + y * SIDE + x] = r <= 6.0 ? 200 : 0;
      }
  fmnist_transform *t = make(5, "rotate:45");
  apply(t, in, out, N);
  for (int i = 0; i < N; i++) {
    const uint8_t *img = out + i * PIX;
    double mass = 0, cx = 0, cy = 0;
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        double r = hypot(x - 13.5, y - 13.5), v = img[y * SIDE + x];
        if (r <= 4.5) ck_assert_uint_eq(img[y * SIDE + x], 200);
        if (r >= 7.5) ck_assert_uint_eq(img[y * SIDE + x], 0);
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    double m0 = (double)sum_pixels(in);
    ck_assert_msg(fabs(mass - m0) <= 0.03 * m0, "mass %g vs %g", mass, m0);
    ck_assert(fabs(cx / mass - 13.5) < 0.5 && fabs(cy / mass - 13.5) < 0.5);
  }
  fmnist_transform_free(t);
}
END_TEST

/* An off-centre bar must actually move under rotate:30 for most images
 * (only an angle within a fraction of a degree of 0 could leave it). */
START_TEST(rotation_moves_off_centre) {
  enum { N = 20 };
  static uint8_t in[N * PIX], out[N * PIX];
  memset(in, 0, sizeof in);
  for (int i = 0; i < N; i++)
    for (int x = 4; x < 24; x++) in[i * PIX + 4 * SIDE + x] = 255;
  fmnist_transform *t = make(6, "rotate:30");
  apply(t, in, out, N);
  int moved = 0;
  for (int i = 0; i < N; i++)
    moved += memcmp(in + i * PIX, out + i * PIX, PIX) != 0;
  ck_assert_int_ge(moved, N - 1);
  fmnist_transform_free(t);
}
END_TEST

/* ---- occlusion ---- */

START_TEST(occlusion_erases_a_square) {
  enum { N = 50 };
  static uint8_t in[N * PIX], out[N * PIX];
  memset(in, 255, sizeof in);
  static const int sizes[] = {1, 5, 13, 28};
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    int s = sizes[k];
    fmnist_transform *t = NULL;
    ck_assert_int_eq(fmnist_transform_create(31, &t), FMNIST_OK);
    ck_assert_int_eq(fmnist_transform_add_occlusion(t, s), FMNIST_OK);
    apply(t, in, out, N);
    for (int i = 0; i < N; i++) {
      const uint8_t *img = out + i * PIX;
      int zeros = 0, x0 = SIDE, y0 = SIDE, x1 = -1, y1 = -1;
      for (int p = 0; p < PIX; p++) {
        if (img[p] == 255) continue;
        ck_assert_uint_eq(img[p], 0);
        zeros++;
        int x = p % SIDE, y = p / SIDE;
        x0 = x < x0 ? x : x0;
        y0 = y < y0 ? y : y0;
        x1 = x > x1 ? x : x1;
        y1 = y > y1 ? y : y1;
      }
      ck_assert_int_eq(zeros, s * s);
      ck_assert_int_eq(x1 - x0 + 1, s); /* a square, not scattered pixels */
      ck_assert_int_eq(y1 - y0 + 1, s);
    }
    fmnist_transform_free(t);
  }
}
END_TEST

/* ---- contrast and brightness ---- */

/* Known values by hand from p -> (p - 127.5) * c + 127.5 + b, rounded half
 * up and clamped to 0..255. */
static const struct {
  double c, b;
  uint8_t p, want;
} contrast_cases[] = {
    {2.0, 0.0, 100, 73},  /* -55 + 127.5 = 72.5 -> 73 */
    {2.0, 0.0, 200, 255}, /* 272.5 clamped */
    {2.0, 0.0, 0, 0},     /* -127.5 clamped */
    {0.5, 10.0, 0, 74},   /* -63.75 + 137.5 = 73.75 -> 74 */
    {0.5, 10.0, 255, 201}, /* 63.75 + 137.5 = 201.25 -> 201 */
    {0.0, 0.0, 3, 128},   /* everything to mid-grey 127.5 -> 128 */
    {1.0, -50.0, 30, 0},  /* -20 clamped */
    {1.0, -50.0, 100, 50},
    {1.0, 0.4, 100, 100}, /* 100.4 -> 100 */
    {1.0, 0.5, 100, 101}, /* halves go up */
};

START_TEST(contrast_known_values) {
  fmnist_transform *t = NULL;
  ck_assert_int_eq(fmnist_transform_create(0, &t), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_contrast(t, contrast_cases[_i].c,
                                                 contrast_cases[_i].b),
                   FMNIST_OK);
  uint8_t img[PIX];
  memset(img, contrast_cases[_i].p, PIX);
  apply(t, img, img, 1);
  for (int p = 0; p < PIX; p++)
    ck_assert_uint_eq(img[p], contrast_cases[_i].want);
  fmnist_transform_free(t);
}
END_TEST

START_TEST(contrast_spec_words) {
  /* "contrast:F" is (F, 0) and "brightness:B" is (1, B) */
  uint8_t a[PIX], b[PIX];
  fill_random(a, 1, 41);
  memcpy(b, a, PIX);
  fmnist_transform *t1 = make(0, "contrast:0.5 brightness:10"), *t2 = NULL;
  ck_assert_int_eq(fmnist_transform_create(0, &t2), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_contrast(t2, 0.5, 0), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_contrast(t2, 1, 10), FMNIST_OK);
  apply(t1, a, a, 1);
  apply(t2, b, b, 1);
  ck_assert(memcmp(a, b, PIX) == 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

/* "crop:P" (a random 28x28 window of the image padded with P zeros) is
 * the shift op of P pixels, draw for draw. */
START_TEST(crop_is_shift) {
  uint8_t a[8 * PIX], b[8 * PIX];
  fill_random(a, 8, 43);
  memcpy(b, a, sizeof a);
  fmnist_transform *t1 = make(9, "crop:3"), *t2 = NULL;
  ck_assert_int_eq(fmnist_transform_create(9, &t2), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_shift(t2, 3), FMNIST_OK);
  apply(t1, a, a, 8);
  apply(t2, b, b, 8);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

/* Ranges and probabilities: LO..HI with LO = HI and probability 1 are the
 * fixed op, draw for draw; probability 0 never applies; a range draws a
 * value per image (occlusion: erased squares of many sizes, every one a
 * whole side within the range); a blur whose sigma is drawn builds its
 * kernel per image as the fixed op does once. */
START_TEST(ranges_and_probabilities) {
  enum { N = 64 };
  static uint8_t a[N * PIX], b[N * PIX], orig[N * PIX];
  fill_random(orig, N, 47);
  const char *same[][2] = {{"noise:20..20", "noise:20"},
                           {"noise:20:1", "noise:20"},
                           {"rotate:10..10:1 flip:0.5", "rotate:10 flip:0.5"}};
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    fmnist_transform *t1 = make(3, same[i][0]), *t2 = make(3, same[i][1]);
    apply(t1, orig, a, N);
    apply(t2, orig, b, N);
    ck_assert_msg(memcmp(a, b, sizeof a) == 0, "%s vs %s", same[i][0], same[i][1]);
    fmnist_transform_free(t1);
    fmnist_transform_free(t2);
  }
  fmnist_transform *t0 = make(3, "noise:50:0");
  apply(t0, orig, a, N);
  ck_assert(memcmp(a, orig, sizeof a) == 0);
  fmnist_transform_free(t0);

  memset(a, 200, sizeof a);
  fmnist_transform *t = make(5, "occlude:4..20");
  apply(t, a, a, N);
  int seen[29] = {0}, sizes = 0;
  for (size_t i = 0; i < N; i++) {
    int zeros = 0;
    for (size_t p = 0; p < PIX; p++) zeros += a[i * PIX + p] == 0;
    int side = 0;
    while (side * side < zeros) side++;
    ck_assert_msg(side * side == zeros && side >= 4 && side <= 20, "image %zu: %d erased", i,
                  zeros);
    sizes += !seen[side]++;
  }
  ck_assert_msg(sizes >= 8, "only %d sizes among %d images", sizes, N);
  fmnist_transform_free(t);

  fmnist_transform *t3 = make(7, "blur:1..1.0000001"), *t4 = make(7, "blur:1");
  apply(t3, orig, a, N);
  apply(t4, orig, b, N);
  for (size_t i = 0; i < sizeof a; i++) ck_assert_int_le(abs((int)a[i] - (int)b[i]), 1);
  ck_assert(memcmp(a, orig, sizeof a) != 0);
  fmnist_transform_free(t3);
  fmnist_transform_free(t4);
}
END_TEST

/* ---- blur ---- */

START_TEST(blur_preserves_constant) {
  static const char *const specs[] = {"blur:0.3", "blur:1", "blur:2.5",
                                      "blur:10", "blur:100"};
  for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
    uint8_t img[PIX];
    memset(img, 77, PIX);
    fmnist_transform *t = make(0, specs[k]);
    apply(t, img, img, 1);
    for (int p = 0; p < PIX; p++)
      ck_assert_msg(img[p] == 77, "%s: pixel %d = %u", specs[k], p, img[p]);
    fmnist_transform_free(t);
  }
}
END_TEST

/* A point spreads evenly in the four directions (the kernel is symmetric),
 * peaks where it was, and stays within the radius ceil(3 sigma) = 3. The
 * total is 255 up to rounding: at most 0.5 on each of the 7 x 7 pixels. */
START_TEST(blur_spreads_point_symmetrically) {
  uint8_t img[PIX] = {0};
  img[14 * SIDE + 14] = 255;
  fmnist_transform *t = make(0, "blur:1");
  apply(t, img, img, 1);
  uint8_t peak = img[14 * SIDE + 14];
  ck_assert(peak < 255 && peak > 0);
  ck_assert(img[14 * SIDE + 15] > 0 && img[14 * SIDE + 15] < peak);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      int dx = x - 14, dy = y - 14;
      uint8_t v = img[y * SIDE + x];
      if (abs(dx) > 3 || abs(dy) > 3) {
        ck_assert_uint_eq(v, 0);
        continue;
      }
      ck_assert_uint_le(v, peak);
      ck_assert_uint_eq(v, img[(14 - dy) * SIDE + 14 - dx]);
      ck_assert_uint_eq(v, img[(14 + dx) * SIDE + 14 + dy]); /* transpose */
    }
  ck_assert_int_le(labs(sum_pixels(img) - 255), 25);
  fmnist_transform_free(t);
}
END_TEST

/* ---- noise ---- */

/* noise:10 on a flat 128 image: clamping is 12.8 std away, so the measured
 * std is sqrt(10^2 + 1/12) = 10.004 (rounding adds a uniform error of
 * variance 1/12). Over 200 * 784 = 156800 pixels the standard error of the
 * std is 10 / sqrt(2 * 156800) = 0.018 and of the mean 0.025; 0.1 and 0.15
 * are over five of them. */
START_TEST(noise_std_measured) {
  enum { N = 200 };
  static uint8_t img[N * PIX];
  memset(img, 128, sizeof img);
  fmnist_transform *t = make(77, "noise:10");
  apply(t, img, img, N);
  double sum = 0, sq = 0;
  for (size_t i = 0; i < sizeof img; i++) {
    sum += img[i];
    sq += (double)img[i] * img[i];
  }
  double n = (double)sizeof img, mean = sum / n;
  double sd = sqrt(sq / n - mean * mean);
  ck_assert_msg(fabs(mean - 128.0) < 0.15, "mean %g", mean);
  ck_assert_msg(fabs(sd - 10.004) < 0.1, "std %g", sd);
  fmnist_transform_free(t);
}
END_TEST

/* saltpepper:0.2 on a flat 128 image: each pixel is hit with probability
 * 0.2 over 156800 pixels, standard error sqrt(0.2 * 0.8 / 156800) = 0.001;
 * of the hits, half each way, standard error 0.5 / sqrt(31360) = 0.003.
 * Tolerances 0.006 and 0.02 are six standard errors. */
START_TEST(salt_pepper_fraction_measured) {
  enum { N = 200 };
  static uint8_t img[N * PIX];
  memset(img, 128, sizeof img);
  fmnist_transform *t = make(78, "saltpepper:0.2");
  apply(t, img, img, N);
  size_t salt = 0, pepper = 0;
  for (size_t i = 0; i < sizeof img; i++) {
    if (img[i] == 255) salt++;
    else if (img[i] == 0) pepper++;
    else ck_assert_uint_eq(img[i], 128);
  }
  double hit = (double)(salt + pepper) / (double)sizeof img;
  double salty = (double)salt / (double)(salt + pepper);
  ck_assert_msg(fabs(hit - 0.2) < 0.006, "fraction hit %g", hit);
  ck_assert_msg(fabs(salty - 0.5) < 0.02, "salt share %g", salty);
  fmnist_transform_free(t);
}
END_TEST

/* ---- spec parser ---- */

START_TEST(spec_good) {
  fmnist_transform *t = make(1, "  noise:25\trotate:15 shift:2 flip:0.5 "
                                "blur:1 occlude:4 contrast:0.8 "
                                "brightness:-10 saltpepper:0.01  ");
  ck_assert_uint_eq(fmnist_transform_count(t), 9);
  ck_assert_int_eq(fmnist_transform_add_spec(t, ""), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_spec(t, "   "), FMNIST_OK);
  ck_assert_uint_eq(fmnist_transform_count(t), 9);
  ck_assert_int_eq(fmnist_transform_add_spec(t, "shift:1e0 occlude:2.0"),
                   FMNIST_OK); /* whole numbers written as reals are fine */
  ck_assert_uint_eq(fmnist_transform_count(t), 11);
  fmnist_transform_free(t);
}
END_TEST

/* A spec and the equivalent typed calls give the same images. */
START_TEST(spec_equals_calls) {
  enum { N = 8 };
  uint8_t in[N * PIX], a[N * PIX], b[N * PIX];
  fill_random(in, N, 51);
  fmnist_transform *t1 = make(4, "noise:12 rotate:10 shift:2 blur:0.7");
  fmnist_transform *t2 = NULL;
  ck_assert_int_eq(fmnist_transform_create(4, &t2), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_noise(t2, 12), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_rotation(t2, 10), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_shift(t2, 2), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_blur(t2, 0.7), FMNIST_OK);
  apply(t1, in, a, N);
  apply(t2, in, b, N);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

/* One row per bad spec: the text the message must quote (the bad token)
 * and its 1-based position. */
static const struct {
  const char *spec, *token;
  int position;
} bad_specs[] = {
    {"noise", "noise", 1},
    {"noise:", "noise:", 1},
    {"noise:abc", "noise:abc", 1},
    {"noise:-1", "noise:-1", 1},
    {"noise:nan", "noise:nan", 1},
    {"noise:inf", "noise:inf", 1},
    {"noise:1e999", "noise:1e999", 1},
    {"noise:5x", "noise:5x", 1},
    {"saltpepper:1.5", "saltpepper:1.5", 1},
    {"saltpepper:-0.1", "saltpepper:-0.1", 1},
    {"flip:2", "flip:2", 1},
    {"shift:1.5", "shift:1.5", 1},
    {"crop:2.5", "crop:2.5", 1},
    {"flip:0.5 crop:-2", "crop:-2", 2},
    {"noise:5..1", "noise:5..1", 1},
    {"noise:1..x", "noise:1..x", 1},
    {"noise:..3", "noise:..3", 1},
    {"occlude:2..30", "occlude:2..30", 1},
    {"occlude:1..2.5", "occlude:1..2.5", 1},
    {"blur:1 noise:5:1.5", "noise:5:1.5", 2},
    {"flip:0.5:-1", "flip:0.5:-1", 1},
    {"noise:1:0.5:2", "noise:1:0.5:2", 1},
    {"shift:-1", "shift:-1", 1},
    {"shift:1e20", "shift:1e20", 1},
    {"occlude:29", "occlude:29", 1},
    {"occlude:-2", "occlude:-2", 1},
    {"rotate:-5", "rotate:-5", 1},
    {"blur:-1", "blur:-1", 1},
    {"blur:1000", "blur:1000", 1},
    {"contrast:-1", "contrast:-1", 1},
    {"brightness:inf", "brightness:inf", 1},
    {"bogus:1", "bogus:1", 1},
    {":3", ":3", 1},
    {"Noise:3", "Noise:3", 1},
    {"noise:1:2", "noise:1:2", 1},
    {"noise:10 rotate:x", "rotate:x", 2},
    {"noise:10  blur:1 shift:2 occlude:30", "occlude:30", 4},
};

START_TEST(spec_bad) {
  fmnist_transform *t = make(1, "flip:0.5");
  fmnist_status s = fmnist_transform_add_spec(t, bad_specs[_i].spec);
  ck_assert_msg(s == FMNIST_E_OPTION, "'%s': status %s", bad_specs[_i].spec,
                fmnist_status_name(s));
  ck_assert_uint_eq(fmnist_transform_count(t), 1); /* all or nothing */
  const char *msg = fmnist_last_error();
  char quoted[96], pos[32];
  snprintf(quoted, sizeof quoted, "\"%s\"", bad_specs[_i].token);
  snprintf(pos, sizeof pos, "token %d ", bad_specs[_i].position);
  ck_assert_msg(strstr(msg, quoted) && strstr(msg, pos),
                "'%s': message '%s' lacks %s or %s", bad_specs[_i].spec, msg,
                quoted, pos);
  fmnist_transform_free(t);
}
END_TEST

/* The typed adders, by op, so that tables can drive them. */
typedef enum adder { NOISE, SALT_PEPPER, SHIFT, FLIP, ROTATION, BLUR, OCCLUSION, CONTRAST } adder;
enum { N_ADDERS = CONTRAST + 1 };

static fmnist_status add(fmnist_transform *t, adder op, double a, double b) {
  switch (op) {
  case NOISE: return fmnist_transform_add_noise(t, a);
  case SALT_PEPPER: return fmnist_transform_add_salt_pepper(t, a);
  case SHIFT: return fmnist_transform_add_shift(t, (int)a);
  case FLIP: return fmnist_transform_add_flip(t, a);
  case ROTATION: return fmnist_transform_add_rotation(t, a);
  case BLUR: return fmnist_transform_add_blur(t, a);
  case OCCLUSION: return fmnist_transform_add_occlusion(t, (int)a);
  case CONTRAST: return fmnist_transform_add_contrast(t, a, b);
  }
  return FMNIST_E_INVALID;
}

/* The typed adders validate as the spec parser does: a bad value is
 * E_OPTION naming the op and the value, and adds nothing; the extremes of
 * each range are accepted. */
static const struct {
  adder op;
  double a, b;
  fmnist_status want;
  const char *names[2]; /* in the message, if set */
} adder_cases[] = {
    {NOISE, -3, 0, FMNIST_E_OPTION, {"noise", "-3"}},
    {NOISE, NAN, 0, FMNIST_E_OPTION, {"nan", NULL}},
    {SALT_PEPPER, 1.01, 0, FMNIST_E_OPTION, {"saltpepper", "1.01"}},
    {FLIP, -0.1, 0, FMNIST_E_OPTION, {NULL, NULL}},
    {SHIFT, -1, 0, FMNIST_E_OPTION, {NULL, NULL}},
    {ROTATION, INFINITY, 0, FMNIST_E_OPTION, {"rotate", "inf"}},
    {BLUR, -0.5, 0, FMNIST_E_OPTION, {NULL, NULL}},
    {OCCLUSION, 29, 0, FMNIST_E_OPTION, {NULL, NULL}},
    {CONTRAST, 1, NAN, FMNIST_E_OPTION, {NULL, NULL}},
    {CONTRAST, -INFINITY, 0, FMNIST_E_OPTION, {NULL, NULL}},
    {SALT_PEPPER, 1, 0, FMNIST_OK, {NULL, NULL}},
    {FLIP, 1, 0, FMNIST_OK, {NULL, NULL}},
    {OCCLUSION, 28, 0, FMNIST_OK, {NULL, NULL}},
    {BLUR, 100, 0, FMNIST_OK, {NULL, NULL}},
};

START_TEST(adders_validate) {
  fmnist_transform *t = NULL;
  ck_assert_int_eq(fmnist_transform_create(1, &t), FMNIST_OK);
  ck_assert_int_eq(add(t, adder_cases[_i].op, adder_cases[_i].a, adder_cases[_i].b),
                   adder_cases[_i].want);
  for (int k = 0; k < 2; k++)
    if (adder_cases[_i].names[k])
      ck_assert_msg(strstr(fmnist_last_error(), adder_cases[_i].names[k]), "'%s' lacks '%s'",
                    fmnist_last_error(), adder_cases[_i].names[k]);
  ck_assert_uint_eq(fmnist_transform_count(t), adder_cases[_i].want == FMNIST_OK);
  fmnist_transform_free(t);
}
END_TEST

/* ---- NULL and bad buffers ---- */

START_TEST(null_handles) {
  uint8_t buf[2 * PIX] = {0};
  fmnist_transform *t = NULL;
  ck_assert_int_eq(fmnist_transform_create(1, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_reseed(NULL, 1), FMNIST_E_INVALID);
  ck_assert_uint_eq(fmnist_transform_count(NULL), 0);
  for (int op = 0; op < N_ADDERS; op++)
    ck_assert_int_eq(add(NULL, (adder)op, 1, 0), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_add_spec(NULL, "noise:1"),
                   FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_apply(NULL, buf, buf, 1),
                   FMNIST_E_INVALID);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_transform_apply_dataset(NULL, NULL, &ds),
                   FMNIST_E_INVALID);
  ck_assert_ptr_null(ds);
  ck_assert_int_eq(fmnist_transform_create(1, &t), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_add_spec(t, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_apply(t, NULL, buf, 1), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_apply(t, buf, NULL, 1), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_apply(t, NULL, NULL, 0), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_apply_dataset(t, NULL, &ds),
                   FMNIST_E_INVALID);
  ck_assert_ptr_null(ds);
  /* overlapping but unequal buffers */
  ck_assert_int_eq(fmnist_transform_apply(t, buf, buf + 1, 1),
                   FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_transform_apply(t, buf + PIX - 1, buf, 1),
                   FMNIST_E_INVALID);
  fmnist_transform_free(t);
  fmnist_transform_free(NULL);
}
END_TEST

/* ---- datasets ---- */

START_TEST(apply_dataset_matches_apply) {
  enum { N = 30 };
  static uint8_t in[N * PIX], want[N * PIX];
  uint8_t labels[N];
  fill_random(in, N, 61);
  for (int i = 0; i < N; i++) labels[i] = (uint8_t)(i % 10);
  fmnist_dataset *ds = NULL, *out = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(in, labels, N, &ds), FMNIST_OK);
  fmnist_transform *t1 = make(9, ALL_OPS), *t2 = make(9, ALL_OPS);
  ck_assert_int_eq(fmnist_transform_apply_dataset(t1, ds, &out), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(out), N);
  ck_assert(memcmp(fmnist_dataset_labels(out), labels, N) == 0);
  apply(t2, in, want, N);
  ck_assert(memcmp(fmnist_dataset_images(out), want, sizeof want) == 0);
  /* the source is untouched, and the counter moved on by N in both */
  ck_assert(memcmp(fmnist_dataset_images(ds), in, sizeof in) == 0);
  uint8_t a[PIX], b[PIX];
  apply(t1, in, a, 1);
  apply(t2, in, b, 1);
  ck_assert(memcmp(a, b, PIX) == 0);
  fmnist_dataset_free(out);
  /* an empty dataset gives an empty dataset */
  fmnist_dataset *empty = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(in, labels, 0, &empty),
                   FMNIST_OK);
  out = NULL;
  ck_assert_int_eq(fmnist_transform_apply_dataset(t1, empty, &out),
                   FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(out), 0);
  ck_assert_int_eq(fmnist_transform_apply_dataset(t1, ds, NULL),
                   FMNIST_E_INVALID);
  fmnist_dataset_free(out);
  fmnist_dataset_free(empty);
  fmnist_dataset_free(ds);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
}
END_TEST

static Suite *transform_suite(void) {
  Suite *s = suite_create("transform");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60); /* the asan build is several times slower */
  tcase_add_loop_test(tc, severity_zero_is_identity, 0,
                      (int)(sizeof zero_specs / sizeof zero_specs[0]));
  tcase_add_test(tc, empty_pipeline_copies);
  tcase_add_test(tc, same_seed_same_output);
  tcase_add_test(tc, grouping_independence);
  tcase_add_test(tc, grouping_independence_threads);
  tcase_add_test(tc, in_place_equals_copy);
  tcase_add_test(tc, flip_twice_is_identity);
  tcase_add_test(tc, shift_moves_a_pixel);
  tcase_add_test(tc, shift_border_is_background);
  tcase_add_test(tc, rotation_keeps_centred_blob);
  tcase_add_test(tc, rotation_moves_off_centre);
  tcase_add_test(tc, occlusion_erases_a_square);
  tcase_add_loop_test(tc, contrast_known_values, 0,
                      (int)(sizeof contrast_cases / sizeof contrast_cases[0]));
  tcase_add_test(tc, contrast_spec_words);
  tcase_add_test(tc, crop_is_shift);
  tcase_add_test(tc, ranges_and_probabilities);
  tcase_add_test(tc, blur_preserves_constant);
  tcase_add_test(tc, blur_spreads_point_symmetrically);
  tcase_add_test(tc, noise_std_measured);
  tcase_add_test(tc, salt_pepper_fraction_measured);
  tcase_add_test(tc, spec_good);
  tcase_add_test(tc, spec_equals_calls);
  tcase_add_loop_test(tc, spec_bad, 0,
                      (int)(sizeof bad_specs / sizeof bad_specs[0]));
  tcase_add_loop_test(tc, adders_validate, 0,
                      (int)(sizeof adder_cases / sizeof adder_cases[0]));
  tcase_add_test(tc, null_handles);
  tcase_add_test(tc, apply_dataset_matches_apply);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(transform_suite)
