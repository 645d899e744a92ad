/* Contrast and brightness: p -> (p - 127.5) * contrast + 127.5 + brightness. */
#include <math.h>
#include <stdio.h>

#include "transform/transform_impl.h"

static int check_contrast(double contrast, double brightness, char *msg,
                          size_t len) {
  /* A negative factor would invert the image: a different op, and refusing
   * it now keeps the door open to give it a meaning later. */
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
  /* 256 possible inputs: a table keeps the per-pixel work to one load. With
   * factor 1 and offset 0 every entry is exactly p (p - 127.5 + 127.5 is
   * exact in double), so that setting is the identity. */
  uint8_t lut[256];
  for (int p = 0; p < 256; p++)
    lut[p] = fmnist__tf_pixel((p - 127.5) * op->a + 127.5 + op->b);
  for (size_t i = 0; i < FMNIST_PIXELS; i++) img[i] = lut[img[i]];
}

const fmnist__tf_ops fmnist__tf_contrast = {"contrast", 0, check_contrast, NULL,
                                            apply_contrast};
