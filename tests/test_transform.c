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

/* The pixels of an image of 255 that an op set to 0 (any other value
 * fails), and their bounding box. */
typedef struct erased {
  int count, x0, y0, x1, y1, h, w;
} erased;

static erased erased_of(const uint8_t *img) {
  erased e = {0, SIDE, SIDE, -1, -1, 0, 0};
  for (int p = 0; p < PIX; p++) {
    if (img[p] == 255) continue;
    ck_assert_uint_eq(img[p], 0);
    int x = p % SIDE, y = p / SIDE;
    e.count++;
    e.x0 = x < e.x0 ? x : e.x0;
    e.y0 = y < e.y0 ? y : e.y0;
    e.x1 = x > e.x1 ? x : e.x1;
    e.y1 = y > e.y1 ? y : e.y1;
  }
  e.h = e.y1 - e.y0 + 1;
  e.w = e.x1 - e.x0 + 1;
  return e;
}

/* ---- severity 0 is the identity ---- */

static const char *const zero_specs[] = {
    "noise:0",    "saltpepper:0", "shift:0",  "flip:0",
    "rotate:0",   "blur:0",       "occlude:0",
    "contrast:1", /* the neutral factor of contrast is 1, not 0 */
    "brightness:0",
    /* all at once (one literal: clang warns on concatenation in arrays) */
    "noise:0 saltpepper:0 shift:0 flip:0 rotate:0 blur:0 occlude:0 contrast:1 brightness:0",
    /* the ops of 1.1 at their identity values */
    "gaussian_noise:0", "impulse_noise:0", "shot_noise:0", "speckle_noise:0",
    "gaussian_blur:0", "defocus_blur:0", "defocus_blur:0.4", /* a disc inside one pixel */
    "motion_blur:0", "glass_blur:0", "zoom_blur:0", "translate:0", "shear:0", "scale:1",
    "affine:0", "elastic_transform:0", "vflip:0", "rot90:0", "transpose:0", "gamma:1",
    "invert:0", "fog:0", "posterize:8", "pixelate:1", "erase:0", "erase_random:0", "cutout:0",
    "stripe:0", "dotted_line:0", "zigzag:0", "spatter:0",
    /* every corruption kind at severity 0 but JPEG, whose least loss is
     * quality 100, not nothing: the chains of AugMix are the image, and so
     * is the mix */
    "randaugment:0:n=16:except=jpeg_compression",
    "augmix:0:width=16:depth=16:except=jpeg_compression",
    /* two stripes of the same width cancel */
    "randaugment:3:n=2:from=stripe",
    /* strengths whose square underflows, or below a pixel's step: no
     * change rather than 0 / 0 */
    "blur:1e-200", "motion_blur:1e-200", "glass_blur:1e-200", "shot_noise:1e-200",
    "defocus_blur:0.01",
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
      erased e = erased_of(out + i * PIX);
      ck_assert_int_eq(e.count, s * s);
      ck_assert_int_eq(e.w, s); /* a square, not scattered pixels */
      ck_assert_int_eq(e.h, s);
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

/* ==== ops of 1.1: known values on constructed images ==== */

/* Applies spec (seed 1) to n copies of in, into out. */
static void run_spec(const char *spec, const uint8_t *in, uint8_t *out, size_t n) {
  fmnist_transform *t = make(1, spec);
  apply(t, in, out, n);
  fmnist_transform_free(t);
}

/* spec (seed 1) on n <= 8 flat images of p gives flat images of want. */
static void assert_flat(const char *spec, uint8_t p, uint8_t want, size_t n) {
  static uint8_t img[8 * PIX];
  ck_assert_uint_le(n, 8);
  memset(img, p, n * PIX);
  run_spec(spec, img, img, n);
  for (size_t i = 0; i < n * PIX; i++)
    ck_assert_msg(img[i] == want, "%s on %u: pixel %zu = %u, want %u", spec, p, i, img[i], want);
}

/* An image every pixel of which tells where it came from: (x + 9 y) % 256
 * takes 256 values, distinct within any 28 consecutive pixels of a row or
 * column. */
static void fill_pattern(uint8_t *img) {
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) img[y * SIDE + x] = (uint8_t)((x + 9 * y) % 256);
}

START_TEST(orientation_known) {
  uint8_t in[PIX], out[PIX], back[PIX];
  fill_pattern(in);
  run_spec("vflip:1", in, out, 1);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) ck_assert_uint_eq(out[y * SIDE + x], in[(SIDE - 1 - y) * SIDE + x]);
  /* numpy's rot90: [[1, 2], [3, 4]] -> [[2, 4], [1, 3]]: output (x, y) is
   * input (27 - y, x), the top-right corner to the top-left */
  run_spec("rot90:1", in, out, 1);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) ck_assert_uint_eq(out[y * SIDE + x], in[x * SIDE + SIDE - 1 - y]);
  ck_assert_uint_eq(out[0], in[SIDE - 1]);
  run_spec("rot90:1 rot90:3", in, back, 1);
  ck_assert(memcmp(back, in, PIX) == 0);
  /* two quarter turns are both mirrors */
  run_spec("rot90:2", in, out, 1);
  run_spec("flip:1 vflip:1", in, back, 1);
  ck_assert(memcmp(out, back, PIX) == 0);
  run_spec("transpose:1", in, out, 1);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) ck_assert_uint_eq(out[y * SIDE + x], in[x * SIDE + y]);
  /* a transpose is a quarter turn and a mirror */
  run_spec("rot90:1 vflip:1", in, back, 1);
  ck_assert(memcmp(out, back, PIX) == 0);
}
END_TEST

/* Lookup-table ops: value in, value out, by hand. */
static const struct {
  const char *spec;
  uint8_t p, want;
} lut_cases[] = {
    {"invert:1", 0, 255},      {"invert:1", 100, 155},     {"invert:0", 100, 100},
    {"posterize:3", 200, 192}, /* 11001000 -> 11000000 */ {"posterize:3", 31, 0},
    {"posterize:3", 255, 224}, {"posterize:1", 127, 0},    {"posterize:1", 128, 128},
    {"gamma:2", 128, 64},      /* 255 (128/255)^2 = 64.25 */ {"gamma:2", 255, 255},
    {"gamma:2", 0, 0},         {"gamma:0.5", 64, 128},     /* 255 sqrt(64/255) = 127.75 */
    {"posterize:1:0", 127, 127}, /* probability 0 */
};

START_TEST(lut_known_values) {
  assert_flat(lut_cases[_i].spec, lut_cases[_i].p, lut_cases[_i].want, 1);
}
END_TEST

/* stripe:3 inverts columns 0..2 and 25..27 and nothing else. */
START_TEST(stripe_known) {
  uint8_t in[PIX], out[PIX];
  fill_pattern(in);
  run_spec("stripe:3", in, out, 1);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      uint8_t p = in[y * SIDE + x];
      ck_assert_uint_eq(out[y * SIDE + x], x < 3 || x >= 25 ? 255 - p : p);
    }
}
END_TEST

/* pixelate:0.5 is 14 x 14 blocks of 2 x 2, each the mean of its four
 * pixels rounded half up; pixelate:0.25 blocks of 4 x 4. Block (0, 0) of
 * the pattern: (0 + 1 + 9 + 10) / 4 = 5 in 2 x 2; in 4 x 4, 4 (0 + 1 + 2 +
 * 3) + 4 x 9 (0 + 1 + 2 + 3) = 240, / 16 = 15. */
START_TEST(pixelate_known) {
  uint8_t in[PIX], out[PIX];
  fill_pattern(in);
  static const struct {
    const char *spec;
    int block;
  } cases[] = {{"pixelate:0.5", 2}, {"pixelate:0.25", 4}};
  for (size_t c = 0; c < 2; c++) {
    int b = cases[c].block;
    run_spec(cases[c].spec, in, out, 1);
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        int y0 = y / b * b, x0 = x / b * b, sum = 0;
        for (int v = y0; v < y0 + b; v++)
          for (int u = x0; u < x0 + b; u++) sum += in[v * SIDE + u];
        int want = (2 * sum + b * b) / (2 * b * b); /* floor(sum / b^2 + 1/2) */
        ck_assert_msg(out[y * SIDE + x] == want, "%s at (%d, %d): %u, want %d", cases[c].spec, x, y,
                      out[y * SIDE + x], want);
      }
  }
  ck_assert_uint_eq(out[0], 15);
  run_spec("pixelate:0.5", in, out, 1);
  ck_assert_uint_eq(out[0], 5);
}
END_TEST

/* JPEG of a flat image keeps only the DC coefficient, 8 (p - 128): at
 * quality 50 the quantizer is 16, so 101 gives -216 / 16 = -13.5, rounded
 * away from zero to -14, back to 8 (p' - 128) = -224: 100. At quality 100
 * every quantizer is 1: nothing changes. Quality 10: quantizer (16 * 500
 * + 50) / 100 = 80, -216 / 80 = -2.7 -> -3, -240: 98. */
START_TEST(jpeg_known) {
  static const struct {
    const char *spec;
    uint8_t p, want;
  } cases[] = {{"jpeg_compression:50", 101, 100},
               {"jpeg_compression:100", 101, 101},
               {"jpeg_compression:10", 101, 98},
               {"jpeg_compression:1", 128, 128}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
    assert_flat(cases[c].spec, cases[c].p, cases[c].want, 1);
  /* On noise the loss grows as the quality falls; at quality 100 (every
   * quantizer 1) only the rounding of the coefficients remains. */
  uint8_t img[PIX], out[PIX];
  fill_random(img, 1, 23);
  static const char *const qualities[] = {"jpeg_compression:100", "jpeg_compression:75",
                                          "jpeg_compression:40", "jpeg_compression:10"};
  double last = -1;
  for (int k = 0; k < 4; k++) {
    run_spec(qualities[k], img, out, 1);
    double err = 0;
    for (int p = 0; p < PIX; p++) err += abs((int)out[p] - (int)img[p]);
    err /= PIX;
    ck_assert_msg(err > last, "%s: mean error %g", qualities[k], err);
    if (k == 0) ck_assert_msg(err < 0.6, "quality 100: mean error %g", err);
    last = err;
  }
}
END_TEST

/* scale:0.5 shrinks a flat image into the 14 x 14 square 7..20 (the output
 * columns whose source 13.5 + 2 (x - 13.5) lies in 0..27), background
 * around it. */
START_TEST(scale_known) {
  uint8_t img[PIX];
  memset(img, 90, PIX);
  run_spec("scale:0.5", img, img, 1);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      int inside = x >= 7 && x <= 20 && y >= 7 && y <= 20;
      ck_assert_uint_eq(img[y * SIDE + x], inside ? 90 : 0);
    }
}
END_TEST

/* translate:2 moves a pixel by exactly 2 on each axis, each direction's
 * sign drawn: all four corners of the move show up over 64 images. */
START_TEST(translate_known) {
  enum { N = 64 };
  static uint8_t in[N * PIX], out[N * PIX];
  memset(in, 0, sizeof in);
  for (int i = 0; i < N; i++) in[i * PIX + 14 * SIDE + 14] = 255;
  run_spec("translate:2", in, out, N);
  int seen[4] = {0};
  for (int i = 0; i < N; i++) {
    int at = -1;
    for (int p = 0; p < PIX; p++)
      if (out[i * PIX + p]) {
        ck_assert_int_eq(at, -1);
        at = p;
      }
    int dx = at % SIDE - 14, dy = at / SIDE - 14;
    ck_assert(abs(dx) == 2 && abs(dy) == 2);
    seen[(dx > 0) + 2 * (dy > 0)]++;
  }
  for (int k = 0; k < 4; k++) ck_assert_int_gt(seen[k], 0);
}
END_TEST

/* shear:30 of one pixel at (14, 20): along x the row 6.5 below the centre
 * slides by tan 30 x 6.5 = 3.753, so the pixel lands between columns 10
 * and 11 (weights 0.753 and 0.247: 192 and 63) or, the other way, 17 and
 * 18 (63 and 192); along y column 14 is 0.5 right of the centre and slides
 * by 0.289: rows 19 and 20 get 74 and 181, or rows 20 and 21 181 and 74.
 * The four outcomes all occur. */
START_TEST(shear_known) {
  enum { N = 64 };
  static uint8_t in[N * PIX], out[N * PIX];
  memset(in, 0, sizeof in);
  for (int i = 0; i < N; i++) in[i * PIX + 20 * SIDE + 14] = 255;
  run_spec("shear:30", in, out, N);
  /* x, y and value of the two lit pixels of each outcome */
  static const int lit[4][2][3] = {{{10, 20, 192}, {11, 20, 63}},
                                   {{17, 20, 63}, {18, 20, 192}},
                                   {{14, 19, 74}, {14, 20, 181}},
                                   {{14, 20, 181}, {14, 21, 74}}};
  int seen[4] = {0};
  for (int i = 0; i < N; i++) {
    const uint8_t *img = out + i * PIX;
    int match = -1;
    for (int k = 0; k < 4; k++) {
      int ok = 1;
      for (int p = 0; p < PIX; p++) {
        int x = p % SIDE, y = p / SIDE, want = 0;
        for (int q = 0; q < 2; q++)
          if (x == lit[k][q][0] && y == lit[k][q][1]) want = lit[k][q][2];
        ok &= img[p] == want;
      }
      if (ok) match = k;
    }
    ck_assert_msg(match >= 0, "image %d is none of the four shears", i);
    seen[match]++;
  }
  for (int k = 0; k < 4; k++) ck_assert_int_gt(seen[k], 0);
}
END_TEST

/* Blurs that are averages keep a flat image flat (weights sum to 1, edges
 * clamped, zooms sample inside); the glass blur's swaps move equal values. */
START_TEST(blurs_keep_flat) {
  static const char *const specs[] = {"defocus_blur:3", "defocus_blur:8", "motion_blur:4",
                                      "motion_blur:8",  "zoom_blur:1",    "glass_blur:2",
                                      "glass_blur:1..3", "pixelate:0.3",  "jpeg_compression:30"};
  for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) assert_flat(specs[k], 77, 77, 8);
}
END_TEST

/* defocus_blur:2 spreads a point into a disc: symmetric under the mirrors
 * and the transpose, nothing beyond radius 2 (plus the pixel the rim
 * touches), the peak in the middle, the total 255 up to rounding. */
START_TEST(defocus_spreads_disc) {
  uint8_t img[PIX] = {0};
  img[14 * SIDE + 14] = 255;
  run_spec("defocus_blur:2", img, img, 1);
  uint8_t peak = img[14 * SIDE + 14];
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      int dx = x - 14, dy = y - 14;
      uint8_t v = img[y * SIDE + x];
      if (abs(dx) > 2 || abs(dy) > 2) {
        ck_assert_uint_eq(v, 0);
        continue;
      }
      ck_assert_uint_le(v, peak);
      ck_assert_uint_eq(v, img[(14 - dy) * SIDE + 14 - dx]);
      ck_assert_uint_eq(v, img[(14 + dx) * SIDE + 14 + dy]);
    }
  ck_assert_uint_gt(img[14 * SIDE + 16], 0); /* the disc reaches 2 away */
  ck_assert_int_le(labs(sum_pixels(img) - 255), 13);
}
END_TEST

/* motion_blur:2 of a point: out(p) averages the input along p + k (cos t,
 * sin t), t in -45..45 degrees, so the point shows up only at p - k (cos,
 * sin): to its left, within 45 degrees of the row, at most ceil(3 x 2) + 1
 * columns away. */
START_TEST(motion_is_one_sided) {
  enum { N = 16 };
  static uint8_t img[N * PIX];
  memset(img, 0, sizeof img);
  for (int i = 0; i < N; i++) img[i * PIX + 14 * SIDE + 20] = 255;
  run_spec("motion_blur:2", img, img, N);
  for (int i = 0; i < N; i++) {
    long total = 0;
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        uint8_t v = img[i * PIX + y * SIDE + x];
        total += v;
        if (!v) continue;
        ck_assert_int_le(x, 20);
        ck_assert_int_ge(x, 20 - 7);
        ck_assert_int_le(abs(y - 14), 20 - x + 1);
      }
    ck_assert_int_gt(img[i * PIX + 14 * SIDE + 20], 0);
    ck_assert_int_le(labs(total - 255), 20);
  }
}
END_TEST

/* elastic_transform moves pixels by about ALPHA x 0.04 on average (sigma 4
 * smoothing of uniform noise): a flat image stays flat wherever the
 * displaced point stays inside, and alpha 10 moves less than 4 pixels. */
START_TEST(elastic_keeps_flat_inside) {
  enum { N = 20 };
  static uint8_t img[N * PIX], ref[N * PIX];
  memset(img, 100, sizeof img);
  run_spec("elastic_transform:10", img, img, N);
  for (int i = 0; i < N; i++)
    for (int y = 4; y < SIDE - 4; y++)
      for (int x = 4; x < SIDE - 4; x++) ck_assert_uint_eq(img[i * PIX + y * SIDE + x], 100);
  fill_random(ref, N, 3);
  memcpy(img, ref, sizeof img);
  run_spec("elastic_transform:10", img, img, N);
  ck_assert(memcmp(img, ref, sizeof img) != 0);
}
END_TEST

/* Mean of v and its standard deviation. */
static void mean_std(const uint8_t *v, size_t n, double *mean, double *sd) {
  double s = 0, sq = 0;
  for (size_t i = 0; i < n; i++) {
    s += v[i];
    sq += (double)v[i] * v[i];
  }
  *mean = s / (double)n;
  *sd = sqrt(sq / (double)n - *mean * *mean);
}

/* Shot and speckle noise keep the image's mean and have standard
 * deviation STD sqrt(p / 255) and STD p / 255 at a pixel p; rounding adds
 * variance 1/12: 12.528 for shot_noise:20 at 100 (the rejection method: a
 * Poisson mean of 63.75) and 20.002 for speckle_noise:51 at 100. Shot
 * noise of a dim image takes the product method (mean 0.708 at p = 10 and
 * STD 60), and its counts k give pixels 14.1 k, whose rounding lowers the
 * mean to 9.917 and the std to 11.787 (the Poisson law summed by hand).
 * Over 200 x 784 pixels the standard errors are under 0.035: 0.15 is over
 * four of them. Black stays black. */
START_TEST(shot_speckle_measured) {
  enum { N = 200 };
  static uint8_t img[N * PIX];
  static const struct {
    const char *spec;
    uint8_t p;
    double mean, sd;
  } cases[] = {{"shot_noise:20", 100, 100, 12.528},
               {"shot_noise:60", 10, 9.917, 11.787},
               {"speckle_noise:51", 100, 100, 20.002}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    memset(img, cases[c].p, sizeof img);
    run_spec(cases[c].spec, img, img, N);
    double mean, sd;
    mean_std(img, sizeof img, &mean, &sd);
    ck_assert_msg(fabs(mean - cases[c].mean) < 0.15, "%s: mean %g", cases[c].spec, mean);
    ck_assert_msg(fabs(sd - cases[c].sd) < 0.15, "%s: std %g", cases[c].spec, sd);
  }
  assert_flat("shot_noise:100 speckle_noise:100", 0, 0, 8);
}
END_TEST

/* Fog adds haze scaled back to the image's maximum M: on a flat image of
 * 200 with strength 1 (haze 255 F, F in 0..1) every pixel lies in
 * 200 x 200 / 455 = 87.9 .. 200, and the haze varies; a black image stays
 * black. */
START_TEST(fog_known_range) {
  enum { N = 10 };
  static uint8_t img[N * PIX];
  memset(img, 200, sizeof img);
  run_spec("fog:1", img, img, N);
  for (int i = 0; i < N; i++) {
    uint8_t lo = 255, hi = 0;
    for (int p = 0; p < PIX; p++) {
      uint8_t v = img[i * PIX + p];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    ck_assert_uint_ge(lo, 88);
    ck_assert_uint_le(hi, 200);
    ck_assert_uint_gt(hi - lo, 30);
  }
  assert_flat("fog:3", 0, 0, 8);
}
END_TEST

/* Random erasing on a white image: each image loses one rectangle of
 * zeros whose side lengths are the rounded sqrt(S r) and sqrt(S / r), S =
 * AREA x 784, r in 0.3..1/0.3; so its area is within (h + w) / 2 + 1/4 of
 * S and h / w within the ratios widened by the rounding. With a range the
 * area is drawn per image; erase_random fills with bytes of mean 127.5. */
START_TEST(erase_area_in_range) {
  enum { N = 200 };
  static uint8_t img[N * PIX];
  memset(img, 255, sizeof img);
  run_spec("erase:0.2", img, img, N);
  double s = 0.2 * PIX;
  int shapes = 0, last_h = -1;
  for (int i = 0; i < N; i++) {
    erased e = erased_of(img + i * PIX);
    int h = e.h, w = e.w;
    ck_assert_int_eq(e.count, h * w); /* a rectangle */
    ck_assert_msg(fabs(e.count - s) <= (h + w) / 2.0 + 0.25, "image %d: %d x %d", i, h, w);
    ck_assert(h <= sqrt(s / 0.3) + 0.5 && w <= sqrt(s / 0.3) + 0.5);
    shapes += h != last_h;
    last_h = h;
  }
  ck_assert_int_gt(shapes, 20); /* aspect ratios vary */
  memset(img, 255, sizeof img);
  run_spec("erase_random:0.02..0.33", img, img, N);
  long changed = 0, sum = 0;
  for (int i = 0; i < N; i++) {
    int n = 0;
    for (int p = 0; p < PIX; p++)
      if (img[i * PIX + p] != 255) {
        n++;
        sum += img[i * PIX + p];
      }
    /* at most 0.33 x 784 + (h + w) / 2 + 1/4 (h + w < 2 x 28), and bytes
     * of 255 in the rectangle make it look smaller, never larger */
    ck_assert_int_le(n, (int)(0.33 * PIX + 28.25));
    changed += n;
  }
  ck_assert_msg(fabs((double)sum / changed - 127) < 3, "fill mean %g", (double)sum / changed);
}
END_TEST

/* cutout:8 is a square centred anywhere, cut by the border: a rectangle
 * of zeros at most 8 on a side, the whole 8 x 8 when the centre is inside
 * by 4, and both whole and cut squares occur. */
START_TEST(cutout_known) {
  enum { N = 100 };
  static uint8_t img[N * PIX];
  memset(img, 255, sizeof img);
  run_spec("cutout:8", img, img, N);
  int whole = 0, cut = 0;
  for (int i = 0; i < N; i++) {
    erased e = erased_of(img + i * PIX);
    ck_assert_int_eq(e.count, e.h * e.w);
    ck_assert(e.h <= 8 && e.w <= 8 && e.h >= 4 && e.w >= 4);
    ck_assert(e.h == 8 || e.y0 == 0 || e.y1 == SIDE - 1);
    ck_assert(e.w == 8 || e.x0 == 0 || e.x1 == SIDE - 1);
    whole += e.count == 64;
    cut += e.count < 64;
  }
  ck_assert(whole > 0 && cut > 0);
}
END_TEST

/* Lines only add light, each stroke within its columns: a dotted line
 * lights only columns c < 27 with c / 2 odd; a zigzag only columns 1..25
 * (from column 2 to 25, its teeth 2 high turned by less than 13 degrees);
 * spatter blends towards mud grey 63, so an image of 63 stays. */
START_TEST(lines_and_spatter_known) {
  enum { N = 30 };
  static uint8_t img[N * PIX], in[N * PIX];
  memset(img, 0, sizeof img);
  run_spec("dotted_line:3", img, img, N);
  long lit = 0;
  for (int i = 0; i < N; i++)
    for (int p = 0; p < PIX; p++) {
      int c = p % SIDE;
      if (!img[i * PIX + p]) continue;
      lit++;
      ck_assert_msg(c < 27 && (c / 2) % 2 == 1, "dotted line in column %d", c);
    }
  ck_assert_int_gt(lit, N * 3 * 12);
  memset(img, 0, sizeof img);
  run_spec("zigzag:2", img, img, N);
  lit = 0;
  for (int i = 0; i < N; i++)
    for (int p = 0; p < PIX; p++)
      if (img[i * PIX + p]) {
        lit++;
        ck_assert_int_ge(p % SIDE, 1);
        ck_assert_int_le(p % SIDE, 25);
      }
  ck_assert_int_gt(lit, N * 2 * 20);
  fill_random(in, N, 5);
  memcpy(img, in, sizeof img);
  run_spec("dotted_line:2 zigzag:2", img, img, N);
  for (size_t p = 0; p < sizeof img; p++) ck_assert_uint_ge(img[p], in[p]);
  assert_flat("spatter:0.5", 63, 63, 8);
}
END_TEST

/* spatter:COVER muds an expected share COVER of the image: over 200
 * images of white, the share of pixels changed is within 0.02 of 0.05 and
 * 0.2 (the field is a smoothed sum of uniforms, nearly normal). */
START_TEST(spatter_cover_measured) {
  enum { N = 200 };
  static uint8_t img[N * PIX];
  static const double covers[] = {0.05, 0.2};
  for (int c = 0; c < 2; c++) {
    char spec[32];
    snprintf(spec, sizeof spec, "spatter:%g", covers[c]);
    memset(img, 255, sizeof img);
    run_spec(spec, img, img, N);
    size_t hit = 0;
    for (size_t p = 0; p < sizeof img; p++) {
      ck_assert_uint_ge(img[p], 63);
      hit += img[p] < 255;
    }
    double share = (double)hit / sizeof img;
    ck_assert_msg(fabs(share - covers[c]) < 0.02, "%s: share %g", spec, share);
  }
}
END_TEST

/* ==== constructs ==== */

/* randaugment draws a kind and applies it at the severity MAGNITUDE, as
 * the corruption table gives it, interpolated between its levels and
 * rounded for whole values: from one kind, with n = 1, it is that kind's
 * op draw for draw but for the first draw (the pick). posterize at 2.5
 * lies between 4 bits (2) and 3 (3): 3.5, rounded to 4. */
START_TEST(randaugment_known) {
  uint8_t in[PIX], a[PIX], b[PIX];
  fill_pattern(in);
  static const char *const pairs[][2] = {{"randaugment:3:n=1:from=stripe", "stripe:4"},
                                         {"randaugment:2.5:n=1:from=posterize", "posterize:4"},
                                         {"randaugment:5:from=contrast", "contrast:0.15 contrast:0.15"},
                                         {"randaugment:1:n=3:from=brightness", "brightness:25.5 brightness:25.5 brightness:25.5"}};
  for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
    run_spec(pairs[k][0], in, a, 1);
    run_spec(pairs[k][1], in, b, 1);
    ck_assert_msg(memcmp(a, b, PIX) == 0, "%s vs %s", pairs[k][0], pairs[k][1]);
  }
  /* except= removes: the photometric family without three of its kinds */
  run_spec("randaugment:1:n=1:from=photometric:except=contrast,gamma,fog", in, a, 1);
  run_spec("brightness:25.5", in, b, 1);
  ck_assert(memcmp(a, b, PIX) == 0);
}
END_TEST

/* AugMix of a stripe: every chain inverts the side columns (or, at a
 * drawn severity below 0.5, leaves them), so the mix keeps the middle
 * columns exactly and puts each side pixel between p and 255 - p; the
 * mixing weight varies, so the side values vary between images. */
START_TEST(augmix_mixes_with_original) {
  enum { N = 50 };
  static uint8_t in[N * PIX], out[N * PIX];
  for (int i = 0; i < N; i++) fill_pattern(in + i * PIX);
  run_spec("augmix:5:from=stripe:width=2:depth=1:alpha=1", in, out, N);
  int distinct = 0;
  for (int i = 0; i < N; i++)
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        int p = in[i * PIX + y * SIDE + x], q = out[i * PIX + y * SIDE + x];
        if (x >= 7 && x < 21) {
          ck_assert_int_eq(q, p);
          continue;
        }
        int lo = p < 255 - p ? p : 255 - p, hi = p < 255 - p ? 255 - p : p;
        ck_assert(q >= lo && q <= hi);
      }
  for (int i = 1; i < N; i++) distinct += out[i * PIX] != out[(i - 1) * PIX];
  ck_assert_int_gt(distinct, N / 2);
}
END_TEST

/* A spec with every op of 1.1 and both constructs gives the same images
 * whatever the thread count and grouping, from the seed and each image's
 * number alone. */
#define NEW_OPS                                                                                    \
  "shot_noise:30 speckle_noise:40:0.5 defocus_blur:1..2 motion_blur:1.5 glass_blur:0.5 "          \
  "zoom_blur:0.1 translate:0..2 shear:10 scale:0.8..1.2 affine:2 elastic_transform:10 vflip:0.5 " \
  "rot90:0..3 transpose:0.3 gamma:0.7..1.4 invert:0.1 fog:0.5 posterize:4..8 pixelate:0.5..1 "    \
  "jpeg_compression:20..90 erase:0.02..0.33:0.5 erase_random:0.1 cutout:8 stripe:2:0.2 "          \
  "dotted_line:1 zigzag:1 spatter:0.1 augmix:3:except=noise randaugment:2:n=2:from=blur,digital"

START_TEST(new_ops_deterministic) {
  enum { N = 1100 };
  static uint8_t in[N * PIX], a[N * PIX], b[N * PIX], c[N * PIX];
  static const size_t groups[] = {1, 13, 520, 566};
  fill_random(in, N, 19);
  fmnist_transform *t1 = make(5, NEW_OPS), *t2 = make(5, NEW_OPS), *t3 = make(5, NEW_OPS);
  ck_assert_int_eq(fmnist_transform_set_threads(t1, 1), FMNIST_OK);
  ck_assert_int_eq(fmnist_transform_set_threads(t2, 2), FMNIST_OK);
  apply(t1, in, a, N);
  apply(t2, in, b, N);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  size_t at = 0;
  for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
    apply(t3, in + at * PIX, c + at * PIX, groups[g]);
    at += groups[g];
  }
  ck_assert_uint_eq(at, N);
  ck_assert(memcmp(a, c, sizeof a) == 0);
  ck_assert(memcmp(a, in, sizeof a) != 0);
  ck_assert_int_eq(fmnist_transform_reseed(t1, 6), FMNIST_OK);
  apply(t1, in, b, N);
  ck_assert(memcmp(a, b, sizeof a) != 0);
  fmnist_transform_free(t1);
  fmnist_transform_free(t2);
  fmnist_transform_free(t3);
}
END_TEST

/* Bad values of the ops of 1.1 and of the constructs' keys: FMNIST_E_OPTION
 * with exactly this message, nothing added. */
static const struct {
  const char *spec, *message;
} bad_new[] = {
    {"shot_noise:-1", "shot_noise: std -1 is outside 0..255"},
    {"speckle_noise:256", "speckle_noise: std 256 is outside 0..255"},
    {"defocus_blur:9", "defocus_blur: radius 9 is outside 0..8"},
    {"motion_blur:nan", "motion_blur: value 'nan' is not a finite number or a range LO..HI with LO <= HI"},
    {"glass_blur:5", "glass_blur: sigma 5 is outside 0..4"},
    {"zoom_blur:0..1.5", "zoom_blur: zoom 1.5 is outside 0..1"},
    {"translate:1.5", "translate: value '1.5' is not a whole number"},
    {"shear:61", "shear: degrees 61 is outside 0..60"},
    {"scale:0.2", "scale: factor 0.2 is outside 0.25..4"},
    {"affine:5", "affine: pixels 5 is outside 0..4"},
    {"elastic_transform:-3", "elastic_transform: alpha -3 is outside 0..200"},
    {"vflip:2", "vflip: probability 2 is outside 0..1"},
    {"rot90:4", "rot90: turns 4 is outside 0..3"},
    {"gamma:0", "gamma: exponent 0 is outside 0.05..20"},
    {"posterize:0", "posterize: bits 0 is outside 1..8"},
    {"pixelate:0.03", "pixelate: factor 0.03 is outside 0.0357143..1"},
    {"jpeg_compression:0", "jpeg_compression: quality 0 is outside 1..100"},
    {"erase:1.5", "erase: area 1.5 is outside 0..1"},
    {"cutout:29", "cutout: size 29 is outside 0..28"},
    {"stripe:15", "stripe: width 15 is outside 0..14"},
    {"zigzag:9", "zigzag: count 9 is outside 0..8"},
    {"spatter:-0.1", "spatter: cover -0.1 is outside 0..1"},
    {"fog:11", "fog: strength 11 is outside 0..10"},
    {"augmix:6", "augmix: severity 6 is outside 0..5"},
    {"randaugment:-1", "randaugment: magnitude -1 is outside 0..5"},
    {"noise:1:width=3", "noise takes no KEY=VALUE fields ('width=3')"},
    {"augmix:1:0.5:width=0", "augmix: bad value in 'width=0' (width and n 1..16, depth 1..16 or "
                             "LO..HI, alpha in (0, 100])"},
    {"augmix:1:depth=3..1", "augmix: bad value in 'depth=3..1' (width and n 1..16, depth 1..16 or "
                            "LO..HI, alpha in (0, 100])"},
    {"augmix:1:alpha=0", "augmix: bad value in 'alpha=0' (width and n 1..16, depth 1..16 or LO..HI, "
                         "alpha in (0, 100])"},
    {"randaugment:1:n=17", "randaugment: bad value in 'n=17' (width and n 1..16, depth 1..16 or "
                           "LO..HI, alpha in (0, 100])"},
    {"randaugment:1:width=2", "randaugment: unknown key 'width' (expected n, from or except)"},
    {"augmix:1:bogus=2", "augmix: unknown key 'bogus' (expected width, depth, alpha, from or except)"},
    {"augmix:1:from=noise,weather", "augmix: from= names 'weather', neither a family (noise, blur, "
                                    "geometry, photometric, occlusion or digital) nor a corruption "
                                    "kind"},
    {"augmix:1:except=vflip", "augmix: except= names 'vflip', neither a family (noise, blur, "
                              "geometry, photometric, occlusion or digital) nor a corruption kind"},
    {"randaugment:1:from=blur:except=blur", "randaugment: from= and except= leave no kind to draw"},
    {"augmix:1:0.5:width", "augmix: field 'width' is not KEY=VALUE (expected "
                           "NAME:VALUE[:PROB][:KEY=VALUE...])"},
    {"blurr:1", "unknown op 'blurr' (did you mean 'blur'?)"},
    {"motionblur:1", "unknown op 'motionblur' (did you mean 'motion_blur'?)"},
    {"sharpen:1", "unknown op 'sharpen' (fmnist/transform.h lists the ops)"},
};

START_TEST(new_spec_bad) {
  fmnist_transform *t = make(1, "flip:0.5");
  fmnist_status s = fmnist_transform_add_spec(t, bad_new[_i].spec);
  ck_assert_msg(s == FMNIST_E_OPTION, "'%s': status %s", bad_new[_i].spec, fmnist_status_name(s));
  ck_assert_uint_eq(fmnist_transform_count(t), 1);
  char want[512];
  snprintf(want, sizeof want, "transform spec: token 1 \"%s\" (at character 0): %s", bad_new[_i].spec,
           bad_new[_i].message);
  ck_assert_str_eq(fmnist_last_error(), want);
  fmnist_transform_free(t);
}
END_TEST

/* ==== the corruption table ==== */

static const char *const families[] = {"noise", "blur", "geometry", "photometric", "occlusion",
                                       "digital"};

/* Every kind has a unique name, a family of the six, and a spec at each
 * severity that parses into one op and is "name:value". */
START_TEST(corruption_table_sane) {
  size_t n = fmnist_corruption_count();
  ck_assert_uint_ge(n, 20);
  ck_assert_ptr_null(fmnist_corruption_name(n));
  ck_assert_ptr_null(fmnist_corruption_family(n));
  int per_family[6] = {0};
  for (size_t i = 0; i < n; i++) {
    const char *name = fmnist_corruption_name(i), *family = fmnist_corruption_family(i);
    ck_assert_ptr_nonnull(name);
    for (size_t j = 0; j < i; j++) ck_assert_str_ne(name, fmnist_corruption_name(j));
    int f = -1;
    for (int k = 0; k < 6; k++)
      if (strcmp(family, families[k]) == 0) f = k;
    ck_assert_msg(f >= 0, "%s: family %s", name, family);
    per_family[f]++;
    for (int s = 1; s <= FMNIST_SEVERITIES; s++) {
      char spec[64];
      ck_assert_int_eq(fmnist_corruption_spec(name, s, spec, sizeof spec), FMNIST_OK);
      ck_assert_msg(strncmp(spec, name, strlen(name)) == 0 && spec[strlen(name)] == ':', "%s", spec);
      fmnist_transform *t = make(1, spec);
      ck_assert_uint_eq(fmnist_transform_count(t), 1);
      fmnist_transform_free(t);
    }
  }
  for (int k = 0; k < 6; k++) ck_assert_msg(per_family[k] >= 3, "family %s", families[k]);
  char spec[64];
  ck_assert_int_eq(fmnist_corruption_spec("shot_noise", 3, spec, sizeof spec), FMNIST_OK);
  ck_assert_str_eq(spec, "shot_noise:50");
  ck_assert_int_eq(fmnist_corruption_spec("jpeg_compression", 5, spec, sizeof spec), FMNIST_OK);
  ck_assert_str_eq(spec, "jpeg_compression:7");
}
END_TEST

/* Severity is monotone: on 100 test images of the real data set, the mean
 * absolute change of the pixels grows from each severity to the next, for
 * every kind (same seed at each severity). */
START_TEST(corruption_severity_monotone) {
  enum { N = 100 };
  fmnist_dataset *ds = NULL;
  ck_assert_msg(fmnist_dataset_load(NULL, FMNIST_SET_TEST, &ds) == FMNIST_OK, "%s",
                fmnist_last_error());
  const uint8_t *in = fmnist_dataset_images(ds);
  static uint8_t out[N * PIX];
  for (size_t k = 0; k < fmnist_corruption_count(); k++) {
    const char *name = fmnist_corruption_name(k);
    double last = 0;
    for (int s = 1; s <= FMNIST_SEVERITIES; s++) {
      char spec[64];
      ck_assert_int_eq(fmnist_corruption_spec(name, s, spec, sizeof spec), FMNIST_OK);
      run_spec(spec, in, out, N);
      double change = 0;
      for (size_t p = 0; p < N * PIX; p++) change += abs((int)out[p] - (int)in[p]);
      change /= N * PIX;
      ck_assert_msg(change > last, "%s: mean change %g at severity %d, %g before", name, change, s,
                    last);
      last = change;
    }
  }
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(corruption_api_errors) {
  char buf[64];
  memset(buf, 'x', sizeof buf);
  ck_assert_int_eq(fmnist_corruption_spec(NULL, 1, buf, sizeof buf), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_corruption_spec("fog", 1, NULL, 10), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_corruption_spec("frost", 1, buf, sizeof buf), FMNIST_E_OPTION);
  ck_assert_str_eq(fmnist_last_error(),
                   "fmnist_corruption_spec: unknown kind 'frost' (fmnist_corruption_name lists the "
                   "27 kinds)");
  ck_assert_int_eq(fmnist_corruption_spec("noise", 1, buf, sizeof buf), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_corruption_spec("fog", 0, buf, sizeof buf), FMNIST_E_INVALID);
  ck_assert_str_eq(fmnist_last_error(), "fmnist_corruption_spec: severity 0 is outside 1..5");
  ck_assert_int_eq(fmnist_corruption_spec("fog", 6, buf, sizeof buf), FMNIST_E_INVALID);
  /* "fog:0.3" needs 8 bytes */
  ck_assert_int_eq(fmnist_corruption_spec("fog", 1, buf, 7), FMNIST_E_BUFFER);
  ck_assert_str_eq(fmnist_last_error(), "fmnist_corruption_spec: fog:0.3 needs 8 bytes, buffer has 7");
  for (size_t i = 0; i < sizeof buf; i++) ck_assert_int_eq(buf[i], 'x'); /* nothing written */
  ck_assert_int_eq(fmnist_corruption_spec("fog", 1, buf, 8), FMNIST_OK);
  ck_assert_str_eq(buf, "fog:0.3");
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

  TCase *ops = tcase_create("ops of 1.1");
  tcase_set_timeout(ops, 60);
  tcase_add_test(ops, orientation_known);
  tcase_add_loop_test(ops, lut_known_values, 0, (int)(sizeof lut_cases / sizeof lut_cases[0]));
  tcase_add_test(ops, stripe_known);
  tcase_add_test(ops, pixelate_known);
  tcase_add_test(ops, jpeg_known);
  tcase_add_test(ops, scale_known);
  tcase_add_test(ops, translate_known);
  tcase_add_test(ops, shear_known);
  tcase_add_test(ops, blurs_keep_flat);
  tcase_add_test(ops, defocus_spreads_disc);
  tcase_add_test(ops, motion_is_one_sided);
  tcase_add_test(ops, elastic_keeps_flat_inside);
  tcase_add_test(ops, shot_speckle_measured);
  tcase_add_test(ops, fog_known_range);
  tcase_add_test(ops, erase_area_in_range);
  tcase_add_test(ops, cutout_known);
  tcase_add_test(ops, lines_and_spatter_known);
  tcase_add_test(ops, spatter_cover_measured);
  tcase_add_test(ops, randaugment_known);
  tcase_add_test(ops, augmix_mixes_with_original);
  tcase_add_test(ops, new_ops_deterministic);
  tcase_add_loop_test(ops, new_spec_bad, 0, (int)(sizeof bad_new / sizeof bad_new[0]));
  suite_add_tcase(s, ops);

  TCase *table = tcase_create("corruption table");
  tcase_set_timeout(table, 120); /* the severity sweep: 27 x 5 x 100 images, slower under asan */
  tcase_add_test(table, corruption_table_sane);
  tcase_add_test(table, corruption_severity_monotone);
  tcase_add_test(table, corruption_api_errors);
  suite_add_tcase(s, table);
  return s;
}

FMNIST_TEST_MAIN(transform_suite)
