/* Occlusion: erase (set to 0) a size x size square placed at random inside. */
#include <stdio.h>

#include "transform/transform_impl.h"

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

const fmnist__tf_ops fmnist__tf_occlusion = {"occlude", 1, check_occlusion, NULL,
                                             apply_occlusion};
