/* Orientation ops, exact pixel permutations: vertical flip, quarter turns,
 * transpose (Fashion-MNIST-C's flips and turns). */
#include <string.h>

#include "transform/transform_impl.h"

#define SIDE FMNIST_SIDE

/* Mirror top-bottom with the given probability (one draw, as flip). */
static void apply_vflip(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  if (!(fmnist__rng_uniform(r) < op->a)) return;
  for (int y = 0; y < SIDE; y++) memcpy(tmp + y * SIDE, img + (SIDE - 1 - y) * SIDE, SIDE);
  memcpy(img, tmp, FMNIST_PIXELS);
}

const fmnist__tf_ops fmnist__tf_vflip = {
    .name = "vflip",
    .value = "probability",
    .lo = 0,
    .hi = 1,
    .apply = apply_vflip};

/* TURNS quarter turns counter-clockwise as displayed (numpy's rot90):
 * output (x, y) is input (27 - y, x) for one turn; no draw ("rot90:1..3"
 * draws the number of turns). */
static void apply_rot90(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  (void)r;
  for (int turn = 0; turn < (int)op->a; turn++) {
    for (int y = 0; y < SIDE; y++)
      for (int x = 0; x < SIDE; x++) tmp[y * SIDE + x] = img[x * SIDE + SIDE - 1 - y];
    memcpy(img, tmp, FMNIST_PIXELS);
  }
}

const fmnist__tf_ops fmnist__tf_rot90 = {
    .name = "rot90",
    .whole = 1,
    .value = "turns",
    .lo = 0,
    .hi = 3,
    .apply = apply_rot90};

/* Swap the axes (mirror about the main diagonal) with the given
 * probability. */
static void apply_transpose(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                            fmnist__rng *r) {
  if (!(fmnist__rng_uniform(r) < op->a)) return;
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) tmp[y * SIDE + x] = img[x * SIDE + y];
  memcpy(img, tmp, FMNIST_PIXELS);
}

const fmnist__tf_ops fmnist__tf_transpose = {
    .name = "transpose",
    .value = "probability",
    .lo = 0,
    .hi = 1,
    .apply = apply_transpose};
