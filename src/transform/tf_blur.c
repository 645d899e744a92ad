/* Separable Gaussian blur: radius ceil(3 sigma), edges clamped. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
/* Beyond this the 28-pixel image is flat long before; the bound keeps the
 * kernel (2 * ceil(3 sigma) + 1 taps, summed once at add time) small. */
#define MAX_SIGMA 100.0

/* Clamped edges fold the 1-D kernel into a 28 x 28 matrix: output i takes
 * w[i][j] of input j, nonzero only for j in lo[i]..hi[i]. Built once per op,
 * it applies any radius with the same code and no per-image allocation. */
typedef struct blur_weights {
  int lo[SIDE], hi[SIDE];
  double w[SIDE][SIDE];
} blur_weights;

static int check_blur(double sigma, double unused, char *msg, size_t len) {
  (void)unused;
  if (!(sigma >= 0.0 && sigma <= MAX_SIGMA)) {
    snprintf(msg, len, "blur: sigma %g is outside 0..%g", sigma, MAX_SIGMA);
    return 1;
  }
  return 0;
}

/* The folded kernel of sigma into *bw (zeroed). */
static void fill_weights(double sigma, blur_weights *bw) {
  int radius = (int)ceil(3.0 * sigma);
  /* Normalising over the taps actually used makes a constant image stay
   * constant; k and -k get the same weight, so a point spreads evenly. */
  double total = 0.0;
  for (int k = -radius; k <= radius; k++)
    total += sigma > 0.0 ? exp(-(double)k * k / (2.0 * sigma * sigma))
                         : (k == 0);
  for (int i = 0; i < SIDE; i++) {
    bw->lo[i] = SIDE;
    bw->hi[i] = -1;
    for (int k = -radius; k <= radius; k++) {
      double g = sigma > 0.0 ? exp(-(double)k * k / (2.0 * sigma * sigma))
                             : (k == 0);
      int j = i + k < 0 ? 0 : i + k >= SIDE ? SIDE - 1 : i + k;
      bw->w[i][j] += g / total;
    }
    for (int j = 0; j < SIDE; j++)
      if (bw->w[i][j] != 0.0) {
        if (j < bw->lo[i]) bw->lo[i] = j;
        bw->hi[i] = j;
      }
  }
}

static int prepare_blur(fmnist__tf_op *op) {
  blur_weights *bw = fmnist__calloc(1, sizeof *bw);
  if (!bw) return 1;
  fill_weights(op->a, bw);
  op->aux = bw;
  return 0;
}

static void apply_blur(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                       fmnist__rng *r) {
  (void)tmp;
  (void)r;
  if (op->a == 0.0) return;
  blur_weights drawn; /* a sigma drawn for this image: its kernel here */
  const blur_weights *bw = op->aux;
  if (!bw) {
    memset(&drawn, 0, sizeof drawn);
    fill_weights(op->a, &drawn);
    bw = &drawn;
  }
  double rows[SIDE][SIDE]; /* horizontal pass, kept unrounded */
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      double v = 0.0;
      for (int j = bw->lo[x]; j <= bw->hi[x]; j++)
        v += bw->w[x][j] * img[y * SIDE + j];
      rows[y][x] = v;
    }
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      double v = 0.0;
      for (int j = bw->lo[y]; j <= bw->hi[y]; j++) v += bw->w[y][j] * rows[j][x];
      img[y * SIDE + x] = fmnist__tf_pixel(v);
    }
}

const fmnist__tf_ops fmnist__tf_blur = {"blur", 0, check_blur, prepare_blur,
                                        apply_blur};
