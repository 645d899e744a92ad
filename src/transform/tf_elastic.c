/* Elastic distortion (Simard, Steinkraus and Platt 2003; ImageNet-C's
 * elastic_transform, torchvision's ElasticTransform). */
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
/* Smoothness of the displacement field in pixels: Simard's for 28 x 28
 * digits, where the field bends strokes without tearing them. */
#define ELASTIC_SIGMA 4.0

/* The field's Gaussian, the op's aux (the same for every value). */
static void build_elastic(const fmnist__tf_op *op, void *aux) {
  (void)op;
  fmnist__tf_band_gauss(ELASTIC_SIGMA, aux);
}

/* Each pixel's displacement on each axis is ALPHA times a field of
 * uniform noise in -1..1 (784 draws for x, then 784 for y) smoothed by a
 * Gaussian of sigma 4; the output samples the input at the displaced
 * point, bilinear, background outside. Near the edges the clamped
 * smoothing leans on few values and would move border pixels up to seven
 * times further than inner ones: each pixel's field is scaled to the
 * spread it has in the middle of the image, as on an unbounded plane. */
static void apply_elastic(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  if (op->a == 0.0) return;
  const fmnist__tf_band *bw = op->aux;
  double dx[FMNIST_PIXELS], dy[FMNIST_PIXELS];
  for (int i = 0; i < FMNIST_PIXELS; i++) dx[i] = 2.0 * fmnist__rng_uniform(r) - 1.0;
  for (int i = 0; i < FMNIST_PIXELS; i++) dy[i] = 2.0 * fmnist__rng_uniform(r) - 1.0;
  fmnist__tf_band_apply(bw, dx, dx);
  fmnist__tf_band_apply(bw, dy, dy);
  double norm[SIDE];
  fmnist__tf_band_norms(bw, norm);
  const double mid = norm[SIDE / 2] * norm[SIDE / 2];
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      int i = y * SIDE + x;
      double k = op->a * mid / (norm[x] * norm[y]);
      tmp[i] = fmnist__tf_pixel(fmnist__tf_bilinear(img, x + k * dx[i], y + k * dy[i]));
    }
  memcpy(img, tmp, FMNIST_PIXELS);
}

const fmnist__tf_ops fmnist__tf_elastic = {
    .name = "elastic_transform",
    .value = "alpha",
    .lo = 0,
    .hi = 200,
    .aux_size = sizeof(fmnist__tf_band),
    .build = build_elastic,
    .apply = apply_elastic};
