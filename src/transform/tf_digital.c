/* Digital losses: pixelation and JPEG-like 8 x 8 DCT quantization. */
#include <math.h>
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE

/* Pixelate (ImageNet-C, MNIST-C): the image shrunk to n = floor(28 FACTOR)
 * pixels a side and grown back, both with PIL's BOX filter as the
 * literature resizes: shrinking averages the pixels whose centres fall in
 * each new pixel, growing copies the nearest. Both resizes fold into one
 * band per axis, applied with one rounding (PIL rounds after each pass). */
/* The band of both resizes for the op's factor, its aux. */
static void build_pixelate(const fmnist__tf_op *op, void *aux) {
  fmnist__tf_band *bw = aux;
  memset(bw, 0, sizeof *bw);
  int n = (int)(SIDE * op->a);
  if (n < 1) n = 1;
  const double down = (double)SIDE / n, up = (double)n / SIDE, support = 0.5 * down;
  for (int i = 0; i < SIDE; i++) {
    int j = (int)((i + 0.5) * up); /* the small pixel output i copies */
    double center = (j + 0.5) * down;
    int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5), count = 0;
    if (lo < 0) lo = 0;
    if (hi > SIDE) hi = SIDE;
    for (int k = lo; k < hi; k++) {
      double t = (k - center + 0.5) / down;
      if (t > -0.5 && t <= 0.5) {
        bw->w[i][k] = 1;
        count++;
      }
    }
    for (int k = lo; k < hi; k++) bw->w[i][k] /= count;
  }
  fmnist__tf_band_limits(bw);
}

static void apply_pixelate(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                           fmnist__rng *r) {
  (void)tmp;
  (void)r;
  if ((int)(SIDE * op->a) >= SIDE) return;
  fmnist__tf_band_image(op->aux, img);
}

const fmnist__tf_ops fmnist__tf_pixelate = {
    .name = "pixelate",
    .value = "factor",
    .lo = 1.0 / SIDE,
    .hi = 1,
    .aux_size = sizeof(fmnist__tf_band),
    .build = build_pixelate,
    .apply = apply_pixelate};

/* The luminance quantization table of the JPEG standard (Annex K.1), the
 * one libjpeg scales by the quality. */
static const int LUMA[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                             14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                             18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                             49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};

/* The orthonormal 8-point DCT-II, C[u][x] = c(u) / 2 cos((2x + 1) u pi / 16)
 * with c(0) = 1 / sqrt 2, c(u) = 1 otherwise: JPEG's transform. */
static const double DCT[8][8] = {
    {0.3535533905932738, 0.3535533905932738, 0.3535533905932738, 0.3535533905932738,
     0.3535533905932738, 0.3535533905932738, 0.3535533905932738, 0.3535533905932738},
    {0.4903926402016152, 0.4157348061512726, 0.27778511650980114, 0.09754516100806417,
     -0.0975451610080641, -0.277785116509801, -0.4157348061512727, -0.4903926402016152},
    {0.46193976625564337, 0.19134171618254492, -0.19134171618254486, -0.46193976625564337,
     -0.4619397662556434, -0.19134171618254517, 0.191341716182545, 0.46193976625564326},
    {0.4157348061512726, -0.0975451610080641, -0.4903926402016152, -0.2777851165098011,
     0.2777851165098009, 0.4903926402016152, 0.09754516100806439, -0.41573480615127256},
    {0.3535533905932738, -0.35355339059327373, -0.35355339059327384, 0.3535533905932737,
     0.35355339059327384, -0.35355339059327334, -0.35355339059327356, 0.3535533905932733},
    {0.27778511650980114, -0.4903926402016152, 0.09754516100806415, 0.41573480615127273,
     -0.41573480615127256, -0.09754516100806401, 0.4903926402016153, -0.27778511650980076},
    {0.19134171618254492, -0.4619397662556434, 0.46193976625564326, -0.19134171618254495,
     -0.19134171618254528, 0.46193976625564337, -0.4619397662556432, 0.19134171618254478},
    {0.09754516100806417, -0.2777851165098011, 0.41573480615127273, -0.4903926402016153,
     0.4903926402016152, -0.4157348061512725, 0.27778511650980076, -0.09754516100806429}};

/* JPEG compression (ImageNet-C, MNIST-C) without the lossless parts: the
 * image, padded to 32 x 32 by repeating its last row and column as libjpeg
 * pads, is cut into 8 x 8 blocks; each block, less 128, is transformed,
 * each coefficient rounded (halves away from zero) to a multiple of
 * libjpeg's quantizer at QUALITY (1..100: the table scaled by 5000 / Q
 * below 50, by 200 - 2Q from 50, rounded, kept in 1..255), and
 * transformed back. Only the grey plane: no chroma, as PIL saves an L
 * image. */
static void apply_jpeg(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  (void)r;
  int quality = (int)op->a, scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  double q[8][8];
  for (int i = 0; i < 64; i++) {
    int v = (LUMA[i] * scale + 50) / 100;
    q[i / 8][i % 8] = v < 1 ? 1 : v > 255 ? 255 : v;
  }
  for (int by = 0; by < SIDE; by += 8)
    for (int bx = 0; bx < SIDE; bx += 8) {
      double s[8][8], t[8][8];
      for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
          int sy = by + y < SIDE ? by + y : SIDE - 1, sx = bx + x < SIDE ? bx + x : SIDE - 1;
          s[y][x] = img[sy * SIDE + sx] - 128.0;
        }
      /* F = C s C^T, quantized, then s = C^T F C. */
      for (int u = 0; u < 8; u++)
        for (int x = 0; x < 8; x++) {
          t[u][x] = 0;
          for (int y = 0; y < 8; y++) t[u][x] += DCT[u][y] * s[y][x];
        }
      for (int u = 0; u < 8; u++)
        for (int v = 0; v < 8; v++) {
          double f = 0;
          for (int x = 0; x < 8; x++) f += t[u][x] * DCT[v][x];
          s[u][v] = round(f / q[u][v]) * q[u][v];
        }
      for (int y = 0; y < 8; y++)
        for (int v = 0; v < 8; v++) {
          t[y][v] = 0;
          for (int u = 0; u < 8; u++) t[y][v] += DCT[u][y] * s[u][v];
        }
      for (int y = 0; y < 8 && by + y < SIDE; y++)
        for (int x = 0; x < 8 && bx + x < SIDE; x++) {
          double v = 128.0;
          for (int k = 0; k < 8; k++) v += t[y][k] * DCT[k][x];
          img[(by + y) * SIDE + bx + x] = fmnist__tf_pixel(v);
        }
    }
}

const fmnist__tf_ops fmnist__tf_jpeg = {
    .name = "jpeg_compression",
    .whole = 1,
    .value = "quality",
    .lo = 1,
    .hi = 100,
    .apply = apply_jpeg};
