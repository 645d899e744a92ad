/* Gaussian blur (separable, radius ceil(3 sigma), edges clamped), the band
 * filters every separable op folds into, glass blur and zoom blur. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
/* Beyond this the 28-pixel image is flat long before; the bound keeps the
 * kernel (2 * ceil(3 sigma) + 1 taps, summed once at add time) small. */
#define MAX_SIGMA 100.0
#define MAX_RADIUS 300 /* ceil(3 MAX_SIGMA) */
_Static_assert(sizeof(fmnist__tf_band) <= FMNIST__TF_AUX_MAX, "a band is an op's aux");

static int check_blur(double sigma, double unused, char *msg, size_t len) {
  (void)unused;
  if (!(sigma >= 0.0 && sigma <= MAX_SIGMA)) {
    snprintf(msg, len, "blur: sigma %g is outside 0..%g", sigma, MAX_SIGMA);
    return 1;
  }
  return 0;
}

void fmnist__tf_band_limits(fmnist__tf_band *bw) {
  for (int i = 0; i < SIDE; i++) {
    bw->lo[i] = SIDE;
    bw->hi[i] = -1;
    for (int j = 0; j < SIDE; j++)
      if (bw->w[i][j] != 0.0) {
        if (j < bw->lo[i]) bw->lo[i] = j;
        bw->hi[i] = j;
      }
  }
}

void fmnist__tf_band_norms(const fmnist__tf_band *bw, double norm[SIDE]) {
  for (int i = 0; i < SIDE; i++) {
    double sq = 0;
    for (int j = bw->lo[i]; j <= bw->hi[i]; j++) sq += bw->w[i][j] * bw->w[i][j];
    norm[i] = sqrt(sq);
  }
}

void fmnist__tf_band_gauss(double sigma, fmnist__tf_band *bw) {
  memset(bw, 0, sizeof *bw);
  int radius = (int)ceil(3.0 * sigma);
  /* Normalising over the taps actually used makes a constant image stay
   * constant; k and -k get the same weight, so a point spreads evenly. */
  double g[2 * MAX_RADIUS + 1], total = 0.0;
  for (int k = -radius; k <= radius; k++) {
    /* k = 0 apart: a sigma whose square underflows is a point, not 0 / 0 */
    g[k + radius] = k == 0 ? 1.0 : exp(-(double)k * k / (2.0 * sigma * sigma));
    total += g[k + radius];
  }
  for (int i = 0; i < SIDE; i++)
    for (int k = -radius; k <= radius; k++) {
      int j = i + k < 0 ? 0 : i + k >= SIDE ? SIDE - 1 : i + k;
      bw->w[i][j] += g[k + radius] / total;
    }
  fmnist__tf_band_limits(bw);
}

void fmnist__tf_band_apply(const fmnist__tf_band *bw, const double *in, double *out) {
  double rows[SIDE][SIDE]; /* horizontal pass, kept unrounded */
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      double v = 0.0;
      for (int j = bw->lo[x]; j <= bw->hi[x]; j++)
        v += bw->w[x][j] * in[y * SIDE + j];
      rows[y][x] = v;
    }
  /* Vertical pass a row at a time, so the inner loop runs along memory;
   * each output still sums its terms in the order j = lo .. hi. */
  for (int y = 0; y < SIDE; y++) {
    double acc[SIDE] = {0};
    for (int j = bw->lo[y]; j <= bw->hi[y]; j++)
      for (int x = 0; x < SIDE; x++) acc[x] += bw->w[y][j] * rows[j][x];
    for (int x = 0; x < SIDE; x++) out[y * SIDE + x] = acc[x];
  }
}

void fmnist__tf_band_image(const fmnist__tf_band *bw, uint8_t *img) {
  double v[FMNIST_PIXELS];
  for (int i = 0; i < FMNIST_PIXELS; i++) v[i] = img[i];
  fmnist__tf_band_apply(bw, v, v);
  for (int i = 0; i < FMNIST_PIXELS; i++) img[i] = fmnist__tf_pixel(v[i]);
}

/* The Gaussian band of the op's sigma: blur's and glass blur's aux. */
static void build_gauss(const fmnist__tf_op *op, void *aux) { fmnist__tf_band_gauss(op->a, aux); }

static void apply_blur(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                       fmnist__rng *r) {
  (void)tmp;
  (void)r;
  if (op->a == 0.0) return;
  fmnist__tf_band_image(op->aux, img);
}

const fmnist__tf_ops fmnist__tf_blur = {
    .name = "blur",
    .value = "sigma",
    .lo = 0,
    .hi = MAX_SIGMA,
    .check = check_blur,
    .aux_size = sizeof(fmnist__tf_band),
    .build = build_gauss,
    .apply = apply_blur};

/* Glass blur (ImageNet-C, MNIST-C): blur, swap pixels with random
 * neighbours, blur again. One value sets all three of the literature's
 * parameters: SIGMA is the blurs' sigma, each pixel is swapped with
 * probability min(1, SIGMA) (MNIST-C flips a coin of 1/2 per pixel; a
 * fixed share would make the smaller SIGMAs, whose blur hides the swaps
 * less, change the image more), with a neighbour at most delta =
 * max(1, floor(SIGMA)) away on each axis, in one pass, as CIFAR-10-C's
 * lower severities. The pass runs from the bottom-right corner up, as the
 * reference code, so a pixel moved up or left is met again and may move
 * on. Draws per pixel: one uniform, and the offsets dx then dy (uniform in
 * -delta..delta; numpy's randint in the literature leaves out +delta) if
 * it swaps. */
#define GLASS_MAX_SIGMA 4.0

static void apply_glass_blur(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                             fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return;
  const fmnist__tf_band *bw = op->aux;
  int delta = op->a < 2.0 ? 1 : (int)op->a;
  uint64_t span = 2 * (uint64_t)delta + 1;
  fmnist__tf_band_image(bw, img);
  for (int y = SIDE - 1 - delta; y >= delta; y--)
    for (int x = SIDE - 1 - delta; x >= delta; x--) {
      if (!(fmnist__rng_uniform(r) < op->a)) continue;
      int dx = (int)fmnist__rng_below(r, span) - delta;
      int dy = (int)fmnist__rng_below(r, span) - delta;
      uint8_t *p = &img[y * SIDE + x], *q = &img[(y + dy) * SIDE + x + dx];
      uint8_t v = *p;
      *p = *q;
      *q = v;
    }
  fmnist__tf_band_image(bw, img);
}

const fmnist__tf_ops fmnist__tf_glass_blur = {
    .name = "glass_blur",
    .value = "sigma",
    .lo = 0,
    .hi = GLASS_MAX_SIGMA,
    .aux_size = sizeof(fmnist__tf_band),
    .build = build_gauss,
    .apply = apply_glass_blur};

/* Zoom blur (ImageNet-C): the mean of the image and ZOOM_STEPS copies
 * zoomed about the centre by 1 + ZOOM i / ZOOM_STEPS, i = 1 .. ZOOM_STEPS,
 * bilinear: streaks out from the centre. The literature takes a copy every
 * 0.01 or 0.02 of zoom (up to 31 copies); ten evenly spaced copies look
 * the same on 28 x 28 and cost a third. A zoom samples the input at mid +
 * (x - mid) / z on each axis, always inside the image, so each copy is a
 * pass along the rows and one along the columns, two taps each. */
#define ZOOM_STEPS 10

static void apply_zoom_blur(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                            fmnist__rng *r) {
  (void)tmp;
  (void)r;
  if (op->a == 0.0) return;
  const double mid = FMNIST__TF_MID;
  double sum[FMNIST_PIXELS], rows[FMNIST_PIXELS];
  for (int i = 0; i < FMNIST_PIXELS; i++) sum[i] = img[i];
  for (int step = 1; step <= ZOOM_STEPS; step++) {
    double inv = 1.0 / (1.0 + op->a * step / ZOOM_STEPS), f[SIDE];
    int at[SIDE]; /* sample i lies between at[i] and at[i] + 1, f[i] of the way */
    for (int i = 0; i < SIDE; i++) {
      double s = mid + (i - mid) * inv;
      at[i] = (int)floor(s);
      f[i] = s - at[i];
    }
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) {
        const uint8_t *p = img + y * SIDE + at[x];
        rows[y * SIDE + x] = (1 - f[x]) * p[0] + f[x] * p[1];
      }
    for (int y = 0; y < SIDE; y++) {
      const double *a = rows + at[y] * SIDE, *b = a + SIDE;
      for (int x = 0; x < SIDE; x++) sum[y * SIDE + x] += (1 - f[y]) * a[x] + f[y] * b[x];
    }
  }
  for (int i = 0; i < FMNIST_PIXELS; i++) img[i] = fmnist__tf_pixel(sum[i] / (ZOOM_STEPS + 1));
}

const fmnist__tf_ops fmnist__tf_zoom_blur = {
    .name = "zoom_blur",
    .value = "zoom",
    .lo = 0,
    .hi = 1,
    .apply = apply_zoom_blur};
