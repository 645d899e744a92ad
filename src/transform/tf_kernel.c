/* Blurs by a small 2-D kernel, edges clamped: defocus (a disc) and motion
 * (a line at a random angle). */
#include <math.h>
#include <stdlib.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
#define DEFOCUS_MAX_RADIUS 8
#define MOTION_MAX_SIGMA 8
/* Taps a kernel may have: the disc's square, or four bilinear taps per
 * step of the longest line (ceil(3 x 8) + 1 steps). */
#define MAX_TAPS ((2 * DEFOCUS_MAX_RADIUS + 1) * (2 * DEFOCUS_MAX_RADIUS + 1))
_Static_assert(4 * (3 * MOTION_MAX_SIGMA + 1) <= MAX_TAPS, "a line's taps fit");

/* A kernel as a list of taps: out(x, y) = sum of w * in(x + dx, y + dy). */
typedef struct taps {
  int n;
  int dx[MAX_TAPS], dy[MAX_TAPS];
  double w[MAX_TAPS];
} taps;
_Static_assert(sizeof(taps) <= FMNIST__TF_AUX_MAX, "a disc's taps are an op's aux");

/* Farthest a tap reaches: the line's last step and its bilinear neighbour. */
#define MAX_PAD (3 * MOTION_MAX_SIGMA + 2)
#define PADDED (SIDE + 2 * MAX_PAD)

/* img convolved with k. The image is first copied, as reals, into a frame
 * with its edge pixels repeated as far as the taps reach (the clamped
 * edges), so each tap is a plain multiply-add along memory. */
static void convolve(const taps *k, uint8_t *img) {
  int pad = 0;
  for (int t = 0; t < k->n; t++) {
    pad = abs(k->dx[t]) > pad ? abs(k->dx[t]) : pad;
    pad = abs(k->dy[t]) > pad ? abs(k->dy[t]) : pad;
  }
  int wide = SIDE + 2 * pad;
  double padded[PADDED * PADDED];
  for (int y = 0; y < wide; y++) {
    int sy = y - pad < 0 ? 0 : y - pad >= SIDE ? SIDE - 1 : y - pad;
    for (int x = 0; x < wide; x++) {
      int sx = x - pad < 0 ? 0 : x - pad >= SIDE ? SIDE - 1 : x - pad;
      padded[y * wide + x] = img[sy * SIDE + sx];
    }
  }
  double out[FMNIST_PIXELS] = {0};
  for (int t = 0; t < k->n; t++)
    for (int y = 0; y < SIDE; y++) {
      const double *row = padded + (y + k->dy[t] + pad) * wide + k->dx[t] + pad;
      double *o = out + y * SIDE, w = k->w[t];
      for (int x = 0; x < SIDE; x++) o[x] += w * row[x];
    }
  for (int i = 0; i < FMNIST_PIXELS; i++) img[i] = fmnist__tf_pixel(out[i]);
}

/* Defocus blur (ImageNet-C, MNIST-C): a disc of radius RADIUS pixels. The
 * literature draws the disc on the pixel grid and blurs it a little
 * against aliasing; here each tap is the disc's area inside that pixel
 * (8 x 8 points per pixel), which is smooth in the radius by itself. */
#define SUB 8

/* The disc of the op's radius, its aux. */
static void build_disc(const fmnist__tf_op *op, void *aux) {
  double radius = op->a;
  taps *k = aux;
  int reach = (int)ceil(radius);
  double total = 0;
  k->n = 0;
  for (int dy = -reach; dy <= reach; dy++)
    for (int dx = -reach; dx <= reach; dx++) {
      int in = 0;
      for (int sy = 0; sy < SUB; sy++)
        for (int sx = 0; sx < SUB; sx++) {
          double px = dx - 0.5 + (sx + 0.5) / SUB, py = dy - 0.5 + (sy + 0.5) / SUB;
          in += px * px + py * py <= radius * radius;
        }
      if (!in) continue;
      k->dx[k->n] = dx;
      k->dy[k->n] = dy;
      k->w[k->n++] = in;
      total += in;
    }
  if (total == 0) { /* a disc between the sample points: the pixel itself */
    *k = (taps){1, {0}, {0}, {1.0}};
    return;
  }
  for (int t = 0; t < k->n; t++) k->w[t] /= total;
}

static void apply_defocus(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  (void)r;
  if (op->a == 0.0) return;
  convolve(op->aux, img);
}

const fmnist__tf_ops fmnist__tf_defocus_blur = {
    .name = "defocus_blur",
    .value = "radius",
    .lo = 0,
    .hi = DEFOCUS_MAX_RADIUS,
    .aux_size = sizeof(taps),
    .build = build_disc,
    .apply = apply_defocus};

/* Motion blur (ImageNet-C and MNIST-C, through ImageMagick's -motion-blur):
 * each pixel averages the image along a line from it, one-sided, at an
 * angle drawn uniform in -45..45 degrees, steps k = 0 .. ceil(3 SIGMA)
 * weighted exp(-k^2 / (2 SIGMA^2)). ImageMagick rounds the steps to whole
 * pixels; here they are bilinear, so small SIGMAs blur smoothly. */
static void apply_motion(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return;
  double th = (fmnist__rng_uniform(r) * 90.0 - 45.0) * (3.14159265358979323846 / 180.0);
  double c = cos(th), s = sin(th), sigma = op->a, total = 0;
  int steps = (int)ceil(3.0 * sigma);
  taps k;
  k.n = 0;
  for (int i = 0; i <= steps; i++) {
    double g = i == 0 ? 1.0 : exp(-(double)i * i / (2.0 * sigma * sigma)), px = i * c, py = i * s;
    double fx0 = floor(px), fy0 = floor(py), fx = px - fx0, fy = py - fy0;
    const double corner[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
    for (int q = 0; q < 4; q++) {
      if (corner[q] == 0.0) continue;
      k.dx[k.n] = (int)fx0 + (q & 1);
      k.dy[k.n] = (int)fy0 + (q >> 1);
      k.w[k.n++] = g * corner[q];
    }
    total += g;
  }
  for (int t = 0; t < k.n; t++) k.w[t] /= total;
  convolve(&k, img);
}

const fmnist__tf_ops fmnist__tf_motion_blur = {
    .name = "motion_blur",
    .value = "sigma",
    .lo = 0,
    .hi = MOTION_MAX_SIGMA,
    .apply = apply_motion};
