/* Spatter (MNIST-C, ImageNet-C's mud): irregular blobs of mud over the
 * image. */
#include <math.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
/* Blob size: the smoothing of the noise the blobs are cut from, pixels. */
#define SPATTER_SIGMA 2.0
/* Mud's grey, MNIST-C's 63 of 255. */
#define MUD 63.0
/* The rim fades over this many standard deviations of the field. */
#define RIM 0.5

/* The op's aux: the field's smoothing and the threshold of the value. */
typedef struct spatter_aux {
  fmnist__tf_band band;
  double scale[SIDE]; /* fmnist__tf_band_norms of band */
  double z;           /* a standard normal exceeds it with probability COVER */
} spatter_aux;
_Static_assert(sizeof(spatter_aux) <= FMNIST__TF_AUX_MAX, "spatter_aux is an op's aux");

static void build_spatter(const fmnist__tf_op *op, void *aux) {
  double cover = op->a;
  spatter_aux *s = aux;
  fmnist__tf_band_gauss(SPATTER_SIGMA, &s->band);
  fmnist__tf_band_norms(&s->band, s->scale);
  /* Upper tail 0.5 erfc(z / sqrt 2) = cover, by bisection (it falls with
   * z): 60 halvings of 40 leave less than 1e-16. */
  double lo = -20, hi = 20;
  for (int i = 0; i < 60; i++) {
    double z = 0.5 * (lo + hi);
    if (0.5 * erfc(z / sqrt(2.0)) > cover) lo = z;
    else hi = z;
  }
  s->z = 0.5 * (lo + hi);
}

/* Uniform noise (784 draws) smoothed by a Gaussian of sigma 2 and scaled to
 * a standard normal at every pixel (the weights of a pixel, near the edge
 * too, give its variance); the mud covers where it exceeds the level a
 * standard normal exceeds with probability COVER, so COVER is the expected
 * share of the image under mud. MNIST-C cuts its blobs from Gaussian noise
 * with a threshold per severity; this states the severity as the share. */
static void apply_spatter(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return;
  const spatter_aux *s = op->aux;
  double f[FMNIST_PIXELS];
  for (int i = 0; i < FMNIST_PIXELS; i++) f[i] = fmnist__rng_uniform(r) - 0.5;
  fmnist__tf_band_apply(&s->band, f, f);
  const double unit = sqrt(1.0 / 12.0); /* std of a uniform in 0..1 */
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      int i = y * SIDE + x;
      double m = (f[i] / (unit * s->scale[x] * s->scale[y]) - s->z) / RIM;
      if (m <= 0) continue;
      if (m > 1) m = 1;
      img[i] = fmnist__tf_pixel(img[i] * (1 - m) + MUD * m);
    }
}

const fmnist__tf_ops fmnist__tf_spatter = {
    .name = "spatter",
    .value = "cover",
    .lo = 0,
    .hi = 1,
    .aux_size = sizeof(spatter_aux),
    .build = build_spatter,
    .apply = apply_spatter};
