/* Fog (ImageNet-C, MNIST-C): a low-frequency haze of plasma-fractal noise. */
#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE
/* The fractal's map: a power of two at least as large as the image. */
#define MAP 32
/* How fast the noise shrinks at each finer level: the literature's
 * wibbledecay, 1.4..3 over its severities; 2 is their middle. */
#define FOG_DECAY 2.0

/* Diamond-square on a MAP x MAP torus as ImageNet-C's plasma_fractal
 * builds it (the map's corner 0; at each level the mean of four
 * neighbours plus w times a uniform in -w..w, w from 100 down by
 * FOG_DECAY; squares, then both diamond sets, each row by row), scaled to
 * 0..1. 1023 draws. */
static void plasma(double map[MAP][MAP], fmnist__rng *r) {
  double w = 100;
  map[0][0] = 0;
  for (int step = MAP; step >= 2; step /= 2, w /= FOG_DECAY) {
    int half = step / 2, n = MAP / step;
#define AT(i, j) map[((i) + MAP) % MAP][((j) + MAP) % MAP]
#define NOISE (w * (2.0 * fmnist__rng_uniform(r) - 1.0) * w)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        int y = i * step, x = j * step;
        AT(y + half, x + half) =
            (AT(y, x) + AT(y + step, x) + AT(y, x + step) + AT(y + step, x + step)) / 4 + NOISE;
      }
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        int y = i * step, x = j * step + half; /* between two corners of a row */
        AT(y, x) = (AT(y + half, x) + AT(y - half, x) + AT(y, x - half) + AT(y, x + half)) / 4 + NOISE;
      }
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        int y = i * step + half, x = j * step; /* between two corners of a column */
        AT(y, x) = (AT(y, x + half) + AT(y, x - half) + AT(y - half, x) + AT(y + half, x)) / 4 + NOISE;
      }
#undef NOISE
#undef AT
  }
  double lo = map[0][0], hi = map[0][0];
  for (int y = 0; y < MAP; y++)
    for (int x = 0; x < MAP; x++) {
      lo = map[y][x] < lo ? map[y][x] : lo;
      hi = map[y][x] > hi ? map[y][x] : hi;
    }
  for (int y = 0; y < MAP; y++)
    for (int x = 0; x < MAP; x++) map[y][x] = hi > lo ? (map[y][x] - lo) / (hi - lo) : 0;
}

/* The haze, STRENGTH times the fractal (0..1) in units of white, is added
 * and the sum scaled back so that the brightest pixel keeps its value: p
 * -> (p + 255 STRENGTH F) M / (M + 255 STRENGTH), M the image's maximum,
 * as the literature does. A black image stays black. */
static void apply_fog(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)tmp;
  if (op->a == 0.0) return;
  double map[MAP][MAP];
  plasma(map, r);
  double top = 0, haze = 255.0 * op->a;
  for (int i = 0; i < FMNIST_PIXELS; i++) top = img[i] > top ? img[i] : top;
  double k = top / (top + haze);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      img[y * SIDE + x] = fmnist__tf_pixel((img[y * SIDE + x] + haze * map[y][x]) * k);
}

const fmnist__tf_ops fmnist__tf_fog = {
    .name = "fog",
    .value = "strength",
    .lo = 0,
    .hi = 10,
    .apply = apply_fog};
