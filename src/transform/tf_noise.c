/* Pixel noise ops: additive Gaussian noise, salt-and-pepper, shot (Poisson)
 * noise and speckle (multiplicative Gaussian) noise. */
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

const fmnist__tf_ops fmnist__tf_noise = {
    .name = "noise",
    .value = "std",
    .lo = 0,
    .hi = HUGE_VAL,
    .check = check_noise,
    .apply = apply_noise};

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

const fmnist__tf_ops fmnist__tf_salt_pepper = {
    .name = "saltpepper",
    .value = "fraction",
    .lo = 0,
    .hi = 1,
    .check = check_salt_pepper,
    .apply = apply_salt_pepper};

/* ln k! for a whole k >= 0: exact below 16, Stirling's series above
 * (error below 1e-11, far under what the rejection test below resolves). */
static double log_factorial(double k) {
  static const double small[16] = {
      0.0, 0.0, 0.693147180559945, 1.7917594692280554, 3.178053830347945,
      4.787491742782047, 6.579251212010102, 8.525161361065415, 10.604602902745249,
      12.801827480081467, 15.104412573075514, 17.502307845873887, 19.987214495661885,
      22.55216385312342, 25.191221182738683, 27.89927138384089};
  if (k < 16) return small[(int)k];
  return (k + 0.5) * log(k) - k + 0.91893853320467274178 +
         (1.0 / 12 - (1.0 / 360 - 1.0 / (1260 * k * k)) / (k * k)) / k;
}

/* A Poisson variate of mean lam > 0, as numpy draws it: the product of
 * uniforms below 10, Hoermann's transformed rejection (PTRS, 1993) above,
 * whose cost does not grow with lam. */
static double poisson(fmnist__rng *r, double lam) {
  if (lam < 10) {
    double limit = exp(-lam), prod = 1.0, k = 0;
    for (;;) {
      prod *= fmnist__rng_uniform(r);
      if (prod <= limit) return k;
      k++;
    }
  }
  double slam = sqrt(lam), loglam = log(lam);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double u = fmnist__rng_uniform(r) - 0.5, v = fmnist__rng_uniform(r);
    double us = 0.5 - fabs(u);
    double k = floor((2 * a / us + b) * u + lam + 0.43); /* -inf for us = 0 */
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - log_factorial(k))
      return k;
  }
}

/* Noise strengths of shot and speckle noise are given as the standard
 * deviation the noise has at a white pixel (255), in pixel units, so that
 * their severities read like the std of noise:STD. */
#define MAX_STD 255.0

/* Shot noise (ImageNet-C, MNIST-C): a pixel p becomes 255 k / c with k a
 * Poisson count of mean c p / 255: photon noise, whose variance grows with
 * the brightness. The literature's c ("photons" per unit of brightness) is
 * (255 / STD)^2; black stays black. */
static void apply_shot_noise(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                             fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return;
  double c = (255.0 / op->a) * (255.0 / op->a);
  if (!isfinite(c)) return; /* noise far below a pixel's step */
  for (size_t i = 0; i < FMNIST_PIXELS; i++)
    if (img[i]) img[i] = fmnist__tf_pixel(255.0 * poisson(r, c * img[i] / 255.0) / c);
}

const fmnist__tf_ops fmnist__tf_shot_noise = {
    .name = "shot_noise",
    .value = "std",
    .lo = 0,
    .hi = MAX_STD,
    .apply = apply_shot_noise};

/* Speckle noise (ImageNet-C): p + p n STD / 255 with n standard normal:
 * noise proportional to the brightness, one draw per pixel. */
static void apply_speckle_noise(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                                fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return;
  double k = op->a / 255.0;
  for (size_t i = 0; i < FMNIST_PIXELS; i++) /* black stays black: no draw */
    if (img[i]) img[i] = fmnist__tf_pixel(img[i] + img[i] * k * fmnist__rng_normal(r));
}

const fmnist__tf_ops fmnist__tf_speckle_noise = {
    .name = "speckle_noise",
    .value = "std",
    .lo = 0,
    .hi = MAX_STD,
    .apply = apply_speckle_noise};
