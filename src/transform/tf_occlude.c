/* Occlusions: a square erased inside the image, random erasing (Zhong et
 * al. 2017), cutout (DeVries and Taylor 2017) and MNIST-C's stripes. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE

static int check_occlusion(double size, double unused, char *msg, size_t len) {
  (void)unused;
  if (!(size >= 0.0 && size <= FMNIST_SIDE)) {
    snprintf(msg, len, "occlude: size %g is outside 0..%d", size, FMNIST_SIDE);
    return 1;
  }
  return 0;
}

static void apply_occlusion(const fmnist__tf_op *op, uint8_t *img,
                            uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  size_t s = (size_t)op->a;
  if (s == 0) return;
  /* Top-left corner uniform over every position that keeps the square
   * wholly inside, so exactly s*s pixels are erased. */
  size_t x0 = (size_t)fmnist__rng_below(r, FMNIST_SIDE - s + 1);
  size_t y0 = (size_t)fmnist__rng_below(r, FMNIST_SIDE - s + 1);
  for (size_t y = y0; y < y0 + s; y++)
    for (size_t x = x0; x < x0 + s; x++) img[y * FMNIST_SIDE + x] = 0;
}

const fmnist__tf_ops fmnist__tf_occlusion = {
    .name = "occlude",
    .whole = 1,
    .value = "size",
    .lo = 0,
    .hi = SIDE,
    .check = check_occlusion,
    .apply = apply_occlusion};

/* Random erasing, as torchvision's RandomErasing draws it: a rectangle of
 * AREA times the image's pixels and aspect ratio h / w log-uniform in
 * 0.3..1/0.3 (Zhong et al.'s r1 = 0.3), h and w rounded, placed uniformly
 * where it fits; a shape that does not fit is drawn again, and after ten
 * tries the image stays as it is. Filled with 0 (erase, torchvision's
 * default) or with bytes uniform in 0..255 (erase_random, the paper's). */
#define ERASE_RATIO 0.3
#define ERASE_TRIES 10

static void erase(const fmnist__tf_op *op, uint8_t *img, fmnist__rng *r, int random_fill) {
  if (op->a == 0.0) return;
  double area = op->a * FMNIST_PIXELS, log_lo = log(ERASE_RATIO);
  for (int attempt = 0; attempt < ERASE_TRIES; attempt++) {
    double ratio = exp(log_lo - 2.0 * log_lo * fmnist__rng_uniform(r));
    long h = lround(sqrt(area * ratio)), w = lround(sqrt(area / ratio));
    if (h > SIDE || w > SIDE) continue;
    long y0 = (long)fmnist__rng_below(r, (uint64_t)(SIDE - h + 1));
    long x0 = (long)fmnist__rng_below(r, (uint64_t)(SIDE - w + 1));
    for (long y = y0; y < y0 + h; y++)
      for (long x = x0; x < x0 + w; x++)
        img[y * SIDE + x] = random_fill ? (uint8_t)(fmnist__rng_next(r) >> 56) : 0;
    return;
  }
}

static void apply_erase(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  erase(op, img, r, 0);
}

static void apply_erase_random(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                               fmnist__rng *r) {
  (void)tmp;
  erase(op, img, r, 1);
}

const fmnist__tf_ops fmnist__tf_erase = {
    .name = "erase",
    .value = "area",
    .lo = 0,
    .hi = 1,
    .apply = apply_erase};
const fmnist__tf_ops fmnist__tf_erase_random = {
    .name = "erase_random",
    .value = "area",
    .lo = 0,
    .hi = 1,
    .apply = apply_erase_random};

/* Cutout: a SIZE x SIZE square of zeros centred on a pixel drawn uniform
 * over the whole image (row, then column), cut by the border, so it may
 * cover less, as DeVries and Taylor's does (their code takes SIZE / 2 on
 * either side, one pixel short for odd sizes; here the square is SIZE). */
static void apply_cutout(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  long s = (long)op->a;
  if (s == 0) return;
  long cy = (long)fmnist__rng_below(r, SIDE), cx = (long)fmnist__rng_below(r, SIDE);
  long y0 = cy - s / 2, x0 = cx - s / 2;
  for (long y = y0 < 0 ? 0 : y0; y < y0 + s && y < SIDE; y++)
    for (long x = x0 < 0 ? 0 : x0; x < x0 + s && x < SIDE; x++) img[y * SIDE + x] = 0;
}

const fmnist__tf_ops fmnist__tf_cutout = {
    .name = "cutout",
    .whole = 1,
    .value = "size",
    .lo = 0,
    .hi = SIDE,
    .apply = apply_cutout};

/* Stripe (MNIST-C): the WIDTH columns at the left and at the right edge
 * inverted (p -> 255 - p); MNIST-C's is 7. No draw. */
static void apply_stripe(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  (void)r;
  int w = (int)op->a;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *row = img + y * SIDE;
      row[x] = (uint8_t)(255 - row[x]);
      row[SIDE - 1 - x] = (uint8_t)(255 - row[SIDE - 1 - x]);
    }
}

const fmnist__tf_ops fmnist__tf_stripe = {
    .name = "stripe",
    .whole = 1,
    .value = "width",
    .lo = 0,
    .hi = SIDE / 2,
    .apply = apply_stripe};
