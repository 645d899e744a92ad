/* Pixel-value ops, each a lookup table of the 256 levels: contrast and
 * brightness, gamma, invert (negative), posterize. */
#include <math.h>
#include <stdio.h>

#include "transform/transform_impl.h"

/* img[i] = lut[img[i]]: 256 possible inputs, so a table keeps the
 * per-pixel work to one load. */
static void apply_lut(const uint8_t lut[256], uint8_t *img) {
  for (size_t i = 0; i < FMNIST_PIXELS; i++) img[i] = lut[img[i]];
}

/* Contrast and brightness: p -> (p - 127.5) * contrast + 127.5 + brightness. */
static int check_contrast(double contrast, double brightness, char *msg,
                          size_t len) {
  /* A negative factor would invert the image: a different op (invert). */
  if (!isfinite(contrast) || contrast < 0.0) {
    snprintf(msg, len, "contrast: factor %g must be finite and >= 0",
             contrast);
    return 1;
  }
  if (!isfinite(brightness)) {
    snprintf(msg, len, "brightness: offset %g must be finite", brightness);
    return 1;
  }
  return 0;
}

static void apply_contrast(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                           fmnist__rng *r) {
  (void)tmp;
  (void)r;
  /* With factor 1 and offset 0 every entry is exactly p (p - 127.5 +
   * 127.5 is exact in double), so that setting is the identity. */
  uint8_t lut[256];
  for (int p = 0; p < 256; p++)
    lut[p] = fmnist__tf_pixel((p - 127.5) * op->a + 127.5 + op->b);
  apply_lut(lut, img);
}

const fmnist__tf_ops fmnist__tf_contrast = {
    .name = "contrast",
    .value = "factor",
    .lo = 0,
    .hi = HUGE_VAL,
    .check = check_contrast,
    .apply = apply_contrast};

/* Gamma: p -> 255 (p / 255)^GAMMA (torchvision's adjust_gamma with gain
 * 1); above 1 darkens the middle tones, below 1 lifts them; black and
 * white stay. */
static void apply_gamma(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  (void)r;
  if (op->a == 1.0) return;
  uint8_t lut[256];
  for (int p = 0; p < 256; p++) lut[p] = fmnist__tf_pixel(255.0 * pow(p / 255.0, op->a));
  apply_lut(lut, img);
}

const fmnist__tf_ops fmnist__tf_gamma = {
    .name = "gamma",
    .value = "exponent",
    .lo = 0.05,
    .hi = 20,
    .apply = apply_gamma};

/* Invert (MNIST-C's inverse, torchvision's RandomInvert): p -> 255 - p with
 * the given probability (one draw, as flip). */
static void apply_invert(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  if (!(fmnist__rng_uniform(r) < op->a)) return;
  for (size_t i = 0; i < FMNIST_PIXELS; i++) img[i] = (uint8_t)(255 - img[i]);
}

const fmnist__tf_ops fmnist__tf_invert = {
    .name = "invert",
    .value = "probability",
    .lo = 0,
    .hi = 1,
    .apply = apply_invert};

/* Posterize (PIL's ImageOps.posterize, torchvision's RandomPosterize):
 * keep the BITS high bits of each pixel, clear the others; 8 is the
 * identity. */
static void apply_posterize(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                            fmnist__rng *r) {
  (void)tmp;
  (void)r;
  uint8_t mask = (uint8_t)(0xFF << (8 - (int)op->a));
  for (size_t i = 0; i < FMNIST_PIXELS; i++) img[i] &= mask;
}

const fmnist__tf_ops fmnist__tf_posterize = {
    .name = "posterize",
    .whole = 1,
    .value = "bits",
    .lo = 1,
    .hi = 8,
    .apply = apply_posterize};
