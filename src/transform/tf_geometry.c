/* Geometric ops: whole-pixel shift, left-right flip, bilinear rotation. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE

static int check_shift(double max, double unused, char *msg, size_t len) {
  (void)unused;
  if (!(max >= 0.0 && max <= INT_MAX)) {
    snprintf(msg, len, "shift: max_pixels %g must be >= 0", max);
    return 1;
  }
  return 0;
}

static void apply_shift(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                        fmnist__rng *r) {
  uint64_t m = (uint64_t)op->a;
  if (m == 0) return;
  /* dx, dy uniform in -m..m; dx first, then dy. */
  int64_t dx = (int64_t)fmnist__rng_below(r, 2 * m + 1) - (int64_t)m;
  int64_t dy = (int64_t)fmnist__rng_below(r, 2 * m + 1) - (int64_t)m;
  memset(tmp, 0, FMNIST_PIXELS); /* uncovered border = background */
  for (int64_t y = 0; y < SIDE; y++) {
    int64_t sy = y - dy;
    if (sy < 0 || sy >= SIDE) continue;
    for (int64_t x = 0; x < SIDE; x++) {
      int64_t sx = x - dx;
      if (sx >= 0 && sx < SIDE) tmp[y * SIDE + x] = img[sy * SIDE + sx];
    }
  }
  memcpy(img, tmp, FMNIST_PIXELS);
}

const fmnist__tf_ops fmnist__tf_shift = {"shift", 1, check_shift, NULL,
                                         apply_shift};

static int check_flip(double p, double unused, char *msg, size_t len) {
  (void)unused;
  if (!(p >= 0.0 && p <= 1.0)) {
    snprintf(msg, len, "flip: probability %g is outside [0, 1]", p);
    return 1;
  }
  return 0;
}

static void apply_flip(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                       fmnist__rng *r) {
  (void)tmp;
  if (!(fmnist__rng_uniform(r) < op->a)) return;
  for (size_t y = 0; y < SIDE; y++) {
    uint8_t *row = img + y * SIDE;
    for (size_t x = 0; x < SIDE / 2; x++) {
      uint8_t v = row[x];
      row[x] = row[SIDE - 1 - x];
      row[SIDE - 1 - x] = v;
    }
  }
}

const fmnist__tf_ops fmnist__tf_flip = {"flip", 0, check_flip, NULL, apply_flip};

static int check_rotation(double max, double unused, char *msg, size_t len) {
  (void)unused;
  if (!isfinite(max) || max < 0.0) {
    snprintf(msg, len, "rotate: max_degrees %g must be finite and >= 0", max);
    return 1;
  }
  return 0;
}

/* Pixel (x, y) with everything outside the image reading as background. */
static double at(const uint8_t *img, long x, long y) {
  if (x < 0 || x >= SIDE || y < 0 || y >= SIDE) return 0.0;
  return img[y * SIDE + x];
}

static void apply_rotation(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                           fmnist__rng *r) {
  if (op->a == 0.0) return;
  double deg = (2.0 * fmnist__rng_uniform(r) - 1.0) * op->a;
  if (deg == 0.0) return; /* exact identity, no resampling blur */
  double th = deg * (3.14159265358979323846 / 180.0);
  double c = cos(th), s = sin(th);
  const double mid = (SIDE - 1) / 2.0; /* 13.5: centre between pixels */
  /* Inverse mapping: output pixel (x, y) samples the input at the point the
   * rotation brings onto it, so every output pixel gets exactly one value.
   * Positive angles turn the picture counter-clockwise as displayed (y grows
   * downwards). */
  for (long y = 0; y < SIDE; y++) {
    for (long x = 0; x < SIDE; x++) {
      double dx = x - mid, dy = y - mid;
      double sx = mid + dx * c - dy * s;
      double sy = mid + dx * s + dy * c;
      double fx0 = floor(sx), fy0 = floor(sy);
      double fx = sx - fx0, fy = sy - fy0;
      long x0 = (long)fx0, y0 = (long)fy0;
      double v = (1 - fy) * ((1 - fx) * at(img, x0, y0) +
                             fx * at(img, x0 + 1, y0)) +
                 fy * ((1 - fx) * at(img, x0, y0 + 1) +
                       fx * at(img, x0 + 1, y0 + 1));
      tmp[y * SIDE + x] = fmnist__tf_pixel(v);
    }
  }
  memcpy(img, tmp, FMNIST_PIXELS);
}

const fmnist__tf_ops fmnist__tf_rotation = {"rotate", 0, check_rotation, NULL,
                                            apply_rotation};
