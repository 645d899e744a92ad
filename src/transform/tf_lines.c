/* Lines drawn over the image, as MNIST-C draws them: dotted lines across
 * it and zigzags. */
#include <math.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
/* A stroke is 255 at its centre, 255 (1 + log(1 - d / 2.3)) at vertical
 * distance d, nothing beyond d = 2.3 (1 - 1/e): about three pixels thick. */
#define STROKE_REACH 2.3

/* Adds the stroke from (c0, r0) to (c1, r1) (column, row) to img, in the
 * columns floor(c0) .. ceil(c1) - 1, for a dotted one only the columns c
 * with c / 2 odd (two on, two off, from column 2), each sum clamped. */
static void stroke(uint8_t *img, double c0, double r0, double c1, double r1, int dotted) {
  if (c1 == c0) return;
  double m = (r1 - r0) / (c1 - c0);
  long first = (long)floor(c0), last = (long)ceil(c1);
  for (long c = first < 0 ? 0 : first; c < last && c < SIDE; c++) {
    if (dotted && (c / 2) % 2 == 0) continue;
    double f = m * (c - c0) + r0;
    for (long y = (long)ceil(f - STROKE_REACH); y <= (long)floor(f + STROKE_REACH); y++) {
      if (y < 0 || y >= SIDE) continue;
      double v = 1.0 + log(1.0 - fabs(y - f) / STROKE_REACH);
      if (v > 0) img[y * SIDE + c] = fmnist__tf_pixel(img[y * SIDE + c] + 255.0 * v);
    }
  }
}

/* COUNT dotted lines, each from the left edge (column 0, a row drawn in
 * 0..26) to column 27 (another row drawn in 0..26). */
static void apply_dotted_line(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                              fmnist__rng *r) {
  (void)tmp;
  for (int n = 0; n < (int)op->a; n++) {
    double r0 = (double)fmnist__rng_below(r, SIDE - 1), r1 = (double)fmnist__rng_below(r, SIDE - 1);
    stroke(img, 0, r0, SIDE - 1, r1, 1);
  }
}

const fmnist__tf_ops fmnist__tf_dotted_line = {
    .name = "dotted_line",
    .whole = 1,
    .value = "count",
    .lo = 0,
    .hi = 8,
    .apply = apply_dotted_line};

/* COUNT zigzags: from column 2 at a row r0 drawn in 0..26 towards column
 * 25 at r0 + a drift drawn in -5..4, teeth 2 high every 4 columns along
 * that direction (MNIST-C's a = b = 2), the last tooth cut where the line
 * ends as MNIST-C cuts it. */
#define ZIG 2.0
#define ZIGZAG_MAX_POINTS 16

static void apply_zigzag(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  const double c0 = 2, c1 = SIDE - 3;
  for (int n = 0; n < (int)op->a; n++) {
    double r0 = (double)fmnist__rng_below(r, SIDE - 1);
    double r1 = r0 + (double)fmnist__rng_below(r, 10) - 5;
    double th = atan((r1 - r0) / (c1 - c0)), d = (c1 - c0) / cos(th);
    /* The teeth along a horizontal line from (0, 0), then turned by th. */
    double pc[ZIGZAG_MAX_POINTS], pr[ZIGZAG_MAX_POINTS], ri = 0;
    int points = 1;
    pc[0] = pr[0] = 0;
    for (int i = 0; i <= (int)floor((d - ZIG) / (2 * ZIG)); i++) {
      ri = i % 2 ? -ZIG : ZIG;
      pc[points] = (2 * i + 1) * ZIG;
      pr[points++] = ri;
    }
    double max_c = 2 * ZIG * floor(d / (2 * ZIG));
    if (d != max_c) {
      pc[points] = d;
      pr[points++] = ri / (2 * (d - max_c));
    }
    double cs = cos(th), sn = sin(th);
    for (int p = 1; p < points; p++)
      stroke(img, c0 + pc[p - 1] * cs - pr[p - 1] * sn, r0 + pc[p - 1] * sn + pr[p - 1] * cs,
             c0 + pc[p] * cs - pr[p] * sn, r0 + pc[p] * sn + pr[p] * cs, 0);
  }
}

const fmnist__tf_ops fmnist__tf_zigzag = {
    .name = "zigzag",
    .whole = 1,
    .value = "count",
    .lo = 0,
    .hi = 8,
    .apply = apply_zigzag};
