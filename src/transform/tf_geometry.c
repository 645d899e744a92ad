/* Geometric ops: whole-pixel shift and translate, left-right flip, and the
 * bilinear warps about the centre: rotation, shear, scale, random affine. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
#define DEG (3.14159265358979323846 / 180.0)

/* img moved by (dx, dy) whole pixels through tmp; the uncovered border is
 * background. */
static void shift_by(uint8_t *img, uint8_t *tmp, int64_t dx, int64_t dy) {
  memset(tmp, 0, FMNIST_PIXELS);
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
  shift_by(img, tmp, dx, dy);
}

const fmnist__tf_ops fmnist__tf_shift = {
    .name = "shift",
    .whole = 1,
    .value = "max_pixels",
    .lo = 0,
    .hi = INT_MAX,
    .check = check_shift,
    .apply = apply_shift};

/* Translate (MNIST-C): by exactly PIXELS on both axes, each direction's
 * sign drawn (one draw for both), so every image moves by the same
 * distance; "translate:0..P" gives each image its own. */
static void apply_translate(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                            fmnist__rng *r) {
  int64_t m = (int64_t)op->a;
  if (m == 0) return;
  uint64_t signs = fmnist__rng_below(r, 4);
  shift_by(img, tmp, signs & 1 ? m : -m, signs & 2 ? m : -m);
}

const fmnist__tf_ops fmnist__tf_translate = {
    .name = "translate",
    .whole = 1,
    .value = "pixels",
    .lo = 0,
    .hi = SIDE,
    .apply = apply_translate};

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

const fmnist__tf_ops fmnist__tf_flip = {
    .name = "flip",
    .value = "probability",
    .lo = 0,
    .hi = 1,
    .check = check_flip,
    .apply = apply_flip};

void fmnist__tf_warp(uint8_t *img, uint8_t *tmp, const double m[6]) {
  const double mid = FMNIST__TF_MID;
  /* Inverse mapping: output pixel (x, y) samples the input at the point
   * the transform brings onto it, so every output pixel gets one value. */
  for (long y = 0; y < SIDE; y++)
    for (long x = 0; x < SIDE; x++) {
      double dx = x - mid, dy = y - mid;
      double sx = mid + dx * m[0] + dy * m[1] + m[4];
      double sy = mid + dx * m[2] + dy * m[3] + m[5];
      tmp[y * SIDE + x] = fmnist__tf_pixel(fmnist__tf_bilinear(img, sx, sy));
    }
  memcpy(img, tmp, FMNIST_PIXELS);
}

static int check_rotation(double max, double unused, char *msg, size_t len) {
  (void)unused;
  if (!isfinite(max) || max < 0.0) {
    snprintf(msg, len, "rotate: max_degrees %g must be finite and >= 0", max);
    return 1;
  }
  return 0;
}

static void apply_rotation(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                           fmnist__rng *r) {
  if (op->a == 0.0) return;
  double deg = (2.0 * fmnist__rng_uniform(r) - 1.0) * op->a;
  if (deg == 0.0) return; /* exact identity, no resampling blur */
  double th = deg * DEG;
  double c = cos(th), s = sin(th);
  /* Positive angles turn the picture counter-clockwise as displayed (y
   * grows downwards). */
  const double m[6] = {c, -s, s, c, 0, 0};
  fmnist__tf_warp(img, tmp, m);
}

const fmnist__tf_ops fmnist__tf_rotation = {
    .name = "rotate",
    .value = "max_degrees",
    .lo = 0,
    .hi = HUGE_VAL,
    .check = check_rotation,
    .apply = apply_rotation};

/* Shear (MNIST-C, torchvision's RandomAffine(shear)): by an angle of
 * exactly DEGREES along x or along y, with the axis and the sign drawn
 * (one draw); "shear:0..D" gives each image its own angle. */
static void apply_shear(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  if (op->a == 0.0) return;
  uint64_t pick = fmnist__rng_below(r, 4);
  double t = tan(op->a * DEG) * (pick & 2 ? 1.0 : -1.0);
  const double along_x[6] = {1, t, 0, 1, 0, 0}, along_y[6] = {1, 0, t, 1, 0, 0};
  fmnist__tf_warp(img, tmp, pick & 1 ? along_y : along_x);
}

const fmnist__tf_ops fmnist__tf_shear = {
    .name = "shear",
    .value = "degrees",
    .lo = 0,
    .hi = 60,
    .apply = apply_shear};

/* Scale (MNIST-C, Keras' RandomZoom): the picture scaled by FACTOR about
 * the centre, below 1 smaller with background around it, above 1 larger
 * and cropped; no draw. */
static void apply_scale(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)r;
  if (op->a == 1.0) return;
  const double m[6] = {1 / op->a, 0, 0, 1 / op->a, 0, 0};
  fmnist__tf_warp(img, tmp, m);
}

const fmnist__tf_ops fmnist__tf_scale = {
    .name = "scale",
    .value = "factor",
    .lo = 0.25,
    .hi = 4,
    .apply = apply_scale};

/* Random affine (the first stage of ImageNet-C's elastic transform): the
 * corners of a triangle 9 pixels either side of the centre each move by
 * up to PIXELS on each axis (uniform, six draws), and the picture follows
 * the affine map those moves define: shear, scale, rotation and shift at
 * once. The bound 4 keeps the triangle from folding: a corner is 12.7
 * from the opposite side, and a corner and that side move 5.7 at most. */
#define AFFINE_ARM 9.0

static void apply_affine(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  if (op->a == 0.0) return;
  /* Corners relative to the centre, and where they go. */
  const double from[3][2] = {{AFFINE_ARM, AFFINE_ARM}, {AFFINE_ARM, -AFFINE_ARM},
                             {-AFFINE_ARM, -AFFINE_ARM}};
  double to[3][2];
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 2; k++)
      to[i][k] = from[i][k] + (2.0 * fmnist__rng_uniform(r) - 1.0) * op->a;
  /* The inverse map takes each moved corner back to where it was: solve
   * [x y 1] (m0 m1 m4) = X and the same for Y by Cramer's rule. */
  double det = to[0][0] * (to[1][1] - to[2][1]) - to[0][1] * (to[1][0] - to[2][0]) +
               (to[1][0] * to[2][1] - to[2][0] * to[1][1]);
  if (fabs(det) < 1e-9) return;
  double m[6];
  for (int k = 0; k < 2; k++) {
    double X0 = from[0][k], X1 = from[1][k], X2 = from[2][k];
    double p = (X0 * (to[1][1] - to[2][1]) - to[0][1] * (X1 - X2) + (X1 * to[2][1] - X2 * to[1][1])) / det;
    double q = (to[0][0] * (X1 - X2) - X0 * (to[1][0] - to[2][0]) + (to[1][0] * X2 - to[2][0] * X1)) / det;
    double c = (to[0][0] * (to[1][1] * X2 - to[2][1] * X1) - to[0][1] * (to[1][0] * X2 - to[2][0] * X1) +
                X0 * (to[1][0] * to[2][1] - to[2][0] * to[1][1])) / det;
    m[2 * k] = p;
    m[2 * k + 1] = q;
    m[4 + k] = c;
  }
  fmnist__tf_warp(img, tmp, m);
}

const fmnist__tf_ops fmnist__tf_affine = {
    .name = "affine",
    .value = "pixels",
    .lo = 0,
    .hi = 4,
    .apply = apply_affine};
