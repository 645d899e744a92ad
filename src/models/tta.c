/* Test-time augmentation (models/tta.h): the table of levels and their
 * views, a view of an image, and the mean of the family's probabilities
 * over the views. */
#include "models/tta.h"

#include "base/alloc.h"
#include "base/status.h"

#define SIDE FMNIST_SIDE

/* Images per pass: bounds the views' and probabilities' buffers. */
#define TTA_CHUNK 4096

typedef fmnist__tta_view view;

/* The first view of every level is the image itself. flip_shift takes
 * the image and its mirror each also moved one pixel up-left and one
 * down-right (airbench's translate views on CIFAR-10): shifts of a pixel
 * are what the crop augmentation trains a net to shrug off. */
static const view none_views[] = {{0, 0, 0}};
static const view flip_views[] = {{0, 0, 0}, {1, 0, 0}};
static const view flip_shift_views[] = {{0, 0, 0},  {1, 0, 0},  {0, -1, -1},
                                        {1, -1, -1}, {0, 1, 1}, {1, 1, 1}};

/* The table: X(name, views). */
#define TTA_LEVELS(X) X("none", none_views) X("flip", flip_views) X("flip_shift", flip_shift_views)
#define LEVEL_FITS(name, views) \
  _Static_assert(sizeof views / sizeof *views <= FMNIST__TTA_MAX_VIEWS, name ": too many views");
TTA_LEVELS(LEVEL_FITS)
#define LEVEL_NAME(name, views) name,
#define LEVEL_VIEWS(name, views) {views, sizeof views / sizeof *views},
const char *const fmnist__tta_levels[] = {TTA_LEVELS(LEVEL_NAME) NULL};
static const struct {
  const view *views;
  size_t n;
} levels[] = {TTA_LEVELS(LEVEL_VIEWS)};

size_t fmnist__tta_views(const fmnist_model *m) { return levels[m->tta].n; }

const fmnist__tta_view *fmnist__tta_view_list(const fmnist_model *m) {
  return levels[m->tta].views;
}

/* View v of the image in (FMNIST_PIXELS bytes) into out. */
static void view_of(const view *v, const uint8_t *in, uint8_t *out) {
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++) {
      const int sy = y - v->dy, sx = x - v->dx;
      const int inside = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE;
      out[y * SIDE + x] = inside ? in[sy * SIDE + (v->flip ? SIDE - 1 - sx : sx)] : 0;
    }
}

/* The mean over the views of k <= TTA_CHUNK images into out, the views
 * made in img and their probabilities in p. */
static fmnist_status mean_of_views(const fmnist_model *m, const uint8_t *images, size_t k,
                                   uint8_t *img, float *p, float *out) {
  const view *views = levels[m->tta].views;
  const size_t nv = levels[m->tta].n;
  fmnist_status s = m->family->proba(m, images, k, out); /* view 0: the images */
  for (size_t v = 1; v < nv && !s; v++) {
    for (size_t i = 0; i < k; i++)
      view_of(&views[v], images + i * FMNIST_PIXELS, img + i * FMNIST_PIXELS);
    s = m->family->proba(m, img, k, p);
    for (size_t j = 0; j < k * FMNIST_CLASSES && !s; j++) out[j] += p[j];
  }
  for (size_t j = 0; j < k * FMNIST_CLASSES; j++) out[j] /= (float)nv;
  return s;
}

fmnist_status fmnist__tta_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                float *out) {
  if (levels[m->tta].n == 1) return m->family->proba(m, images, n, out);
  const size_t chunk = n < TTA_CHUNK ? n : TTA_CHUNK;
  uint8_t *img = fmnist__alloc(chunk * FMNIST_PIXELS);
  float *p = fmnist__calloc(chunk * FMNIST_CLASSES, sizeof *p);
  fmnist_status s = img && p ? FMNIST_OK
                             : fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for the views of "
                                            "test-time augmentation", m->family->name);
  for (size_t i = 0; i < n && !s; i += chunk) {
    const size_t k = n - i < chunk ? n - i : chunk;
    s = mean_of_views(m, images + i * FMNIST_PIXELS, k, img, p, out + i * FMNIST_CLASSES);
  }
  fmnist__free(img);
  fmnist__free(p);
  return s;
}
