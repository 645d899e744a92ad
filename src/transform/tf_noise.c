/* Pixel noise ops: additive Gaussian noise and salt-and-pepper. */
#include <math.h>
#include <stdio.h>

#include "transform/transform_impl.h"

static int check_noise(double std, double unused, char *msg, size_t len) {
  (void)unused;
  if (!isfinite(std) || std < 0.0) {
    snprintf(msg, len, "noise: std %g must be finite and >= 0", std);
    return 1;
  }
  return 0;
}

static void apply_noise(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                        fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return; /* std 0 is the identity; skip the draws */
  for (size_t i = 0; i < FMNIST_PIXELS; i++)
    img[i] = fmnist__tf_pixel(img[i] + op->a * fmnist__rng_normal(r));
}

const fmnist__tf_ops fmnist__tf_noise = {"noise", 0, check_noise, NULL,
                                         apply_noise};

static int check_salt_pepper(double fraction, double unused, char *msg,
                             size_t len) {
  (void)unused;
  /* !(x >= 0 && x <= 1) also catches NaN. */
  if (!(fraction >= 0.0 && fraction <= 1.0)) {
    snprintf(msg, len, "saltpepper: fraction %g is outside [0, 1]", fraction);
    return 1;
  }
  return 0;
}

static void apply_salt_pepper(const fmnist__tf_op *op, uint8_t *img,
                              uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  double f = op->a, half = f / 2.0;
  if (f == 0.0) return;
  /* One draw per pixel: u < f hits the pixel, and which half of [0, f) it
   * fell in picks pepper (0) or salt (255) with probability 1/2 each. */
  for (size_t i = 0; i < FMNIST_PIXELS; i++) {
    double u = fmnist__rng_uniform(r);
    if (u < f) img[i] = u < half ? 0 : 255;
  }
}

const fmnist__tf_ops fmnist__tf_salt_pepper = {"saltpepper", 0, check_salt_pepper,
                                               NULL, apply_salt_pepper};
