/* Datasets: loading the IDX pair, making from memory, accessors. */
#include "data/dataset_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/status.h"
#include "data/idx.h"

#define DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"

static const char *const class_names[FMNIST_CLASSES] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress",   "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",     "Ankle boot"};

/* [set][0 = images, 1 = labels], the names Fashion-MNIST ships under. */
static const char *const file_names[2][2] = {
    {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
    {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}};

FMNIST_API const char *fmnist_class_name(int label) {
  if (label < 0 || label >= FMNIST_CLASSES) return NULL;
  return class_names[label];
}

FMNIST_API const char *fmnist_default_data_dir(void) {
  /* The one documented environment variable of the data layer. */
  const char *env = getenv("FMNIST_DATA");
  return env && *env ? env : DEFAULT_DATA_DIR;
}

fmnist_status fmnist__dataset_new(size_t count, const char *what,
                                  fmnist_dataset **out) {
  size_t bytes;
  if (!fmnist__mul_ok(count, FMNIST_PIXELS, &bytes))
    return fmnist__fail(FMNIST_E_INVALID, "%s: %zu images overflow size_t",
                        what, count);
  fmnist_dataset *ds = fmnist__alloc(sizeof *ds);
  if (!ds) goto nomem;
  ds->count = count;
  ds->images = fmnist__alloc(bytes);
  ds->labels = fmnist__alloc(count);
  if (!ds->images || !ds->labels) {
    fmnist_dataset_free(ds);
    goto nomem;
  }
  *out = ds;
  return FMNIST_OK;
nomem:
  return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for %zu images "
                      "(%zu bytes)", what, count, bytes + count);
}

fmnist_status fmnist__dataset_gather(const fmnist_dataset *ds,
                                     const size_t *idx, size_t n,
                                     const char *what, fmnist_dataset **out) {
  fmnist_dataset *r;
  fmnist_status st = fmnist__dataset_new(n, what, &r);
  if (st != FMNIST_OK) return st;
  for (size_t i = 0; i < n; i++) {
    memcpy(r->images + i * FMNIST_PIXELS, ds->images + idx[i] * FMNIST_PIXELS,
           FMNIST_PIXELS);
    r->labels[i] = ds->labels[idx[i]];
  }
  *out = r;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_dataset_load_files(const char *images_path,
                                                   const char *labels_path,
                                                   fmnist_dataset **out) {
  FMNIST__CHECK_ARG(images_path);
  FMNIST__CHECK_ARG(labels_path);
  FMNIST__CHECK_ARG(out);
  fmnist__idx *im = NULL, *lb = NULL;
  fmnist_dataset *ds = NULL;
  fmnist_status st;
  if ((st = fmnist__idx_open(images_path, FMNIST__IDX_IMAGES, &im)) != FMNIST_OK)
    goto fail;
  if ((st = fmnist__idx_open(labels_path, FMNIST__IDX_LABELS, &lb)) != FMNIST_OK)
    goto fail;
  /* Both headers are validated against their files' real lengths, so the
   * count is backed by data before anything is allocated by it. */
  size_t count = fmnist__idx_count(im);
  if (fmnist__idx_count(lb) != count) {
    st = fmnist__fail(FMNIST_E_FORMAT, "%s has %zu images but %s has %zu "
                      "labels", images_path, count, labels_path,
                      fmnist__idx_count(lb));
    goto fail;
  }
  if ((st = fmnist__dataset_new(count, images_path, &ds)) != FMNIST_OK)
    goto fail;
  if ((st = fmnist__idx_read(im, ds->images, count * FMNIST_PIXELS)) !=
      FMNIST_OK)
    goto fail;
  if ((st = fmnist__idx_read(lb, ds->labels, count)) != FMNIST_OK) goto fail;
  fmnist__idx_close(im);
  fmnist__idx_close(lb);
  *out = ds;
  return FMNIST_OK;
fail:
  fmnist__idx_close(im);
  fmnist__idx_close(lb);
  fmnist_dataset_free(ds);
  return st;
}

/* Sets *path to dir/name.gz if that exists, else dir/name; E_NOTFOUND if
 * neither does. */
static fmnist_status pick_file(const char *dir, const char *name,
                               char **path) {
  size_t dl = strlen(dir), nl = strlen(name);
  int slash = dl > 0 && dir[dl - 1] != '/';
  char *p = fmnist__alloc(dl + (size_t)slash + nl + sizeof ".gz");
  if (!p)
    return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory for a path", dir);
  memcpy(p, dir, dl);
  if (slash) p[dl] = '/';
  memcpy(p + dl + slash, name, nl);
  memcpy(p + dl + slash + nl, ".gz", sizeof ".gz");
  struct stat sb;
  /* Anything but "does not exist" (a directory, no permission) is left for
   * the reader to report about the .gz itself. */
  if (stat(p, &sb) == 0 || errno != ENOENT) {
    *path = p;
    return FMNIST_OK;
  }
  p[dl + slash + nl] = '\0';
  if (stat(p, &sb) == 0 || errno != ENOENT) {
    *path = p;
    return FMNIST_OK;
  }
  fmnist__free(p);
  return fmnist__fail(FMNIST_E_NOTFOUND, "%s: neither %s.gz nor %s found",
                      dir, name, name);
}

FMNIST_API fmnist_status fmnist_dataset_load(const char *dir, fmnist_set set,
                                             fmnist_dataset **out) {
  FMNIST__CHECK_ARG(out);
  if (set != FMNIST_SET_TRAIN && set != FMNIST_SET_TEST)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_dataset_load: set %d is "
                        "neither FMNIST_SET_TRAIN nor FMNIST_SET_TEST",
                        (int)set);
  if (!dir) dir = fmnist_default_data_dir();
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return fmnist__fail(FMNIST_E_NOTFOUND, "data directory %s not found "
                          "(pass a directory or set FMNIST_DATA)", dir);
    return fmnist__fail(FMNIST_E_IO, "data directory %s cannot be read",
                        dir);
  }
  if (!S_ISDIR(sb.st_mode))
    return fmnist__fail(FMNIST_E_IO, "data directory %s is not a directory",
                        dir);
  char *images = NULL, *labels = NULL;
  fmnist_status st = pick_file(dir, file_names[set][0], &images);
  if (st == FMNIST_OK) st = pick_file(dir, file_names[set][1], &labels);
  if (st == FMNIST_OK) st = fmnist_dataset_load_files(images, labels, out);
  fmnist__free(images);
  fmnist__free(labels);
  return st;
}

FMNIST_API fmnist_status fmnist_dataset_from_memory(const uint8_t *images,
                                                    const uint8_t *labels,
                                                    size_t count,
                                                    fmnist_dataset **out) {
  FMNIST__CHECK_ARG(out);
  if (count) {
    FMNIST__CHECK_ARG(images);
    FMNIST__CHECK_ARG(labels);
  }
  for (size_t i = 0; i < count; i++)
    if (labels[i] >= FMNIST_CLASSES)
      return fmnist__fail(FMNIST_E_INVALID, "fmnist_dataset_from_memory: "
                          "label %u at index %zu, expected 0..9",
                          (unsigned)labels[i], i);
  fmnist_dataset *ds;
  fmnist_status st =
      fmnist__dataset_new(count, "fmnist_dataset_from_memory", &ds);
  if (st != FMNIST_OK) return st;
  if (count) {
    memcpy(ds->images, images, count * FMNIST_PIXELS);
    memcpy(ds->labels, labels, count);
  }
  *out = ds;
  return FMNIST_OK;
}

FMNIST_API void fmnist_dataset_free(fmnist_dataset *ds) {
  if (!ds) return;
  fmnist__free(ds->images);
  fmnist__free(ds->labels);
  fmnist__free(ds);
}

FMNIST_API size_t fmnist_dataset_count(const fmnist_dataset *ds) {
  return ds ? ds->count : 0;
}

FMNIST_API const uint8_t *fmnist_dataset_images(const fmnist_dataset *ds) {
  return ds && ds->count ? ds->images : NULL;
}

FMNIST_API const uint8_t *fmnist_dataset_labels(const fmnist_dataset *ds) {
  return ds && ds->count ? ds->labels : NULL;
}

FMNIST_API const uint8_t *fmnist_dataset_image(const fmnist_dataset *ds,
                                               size_t i) {
  return ds && i < ds->count ? ds->images + i * FMNIST_PIXELS : NULL;
}

FMNIST_API int fmnist_dataset_label(const fmnist_dataset *ds, size_t i) {
  return ds && i < ds->count ? ds->labels[i] : -1;
}

FMNIST_API fmnist_status fmnist_dataset_class_counts(const fmnist_dataset *ds,
                                                     size_t counts[10]) {
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(counts);
  size_t c[FMNIST_CLASSES] = {0};
  for (size_t i = 0; i < ds->count; i++) c[ds->labels[i]]++;
  memcpy(counts, c, sizeof c);
  return FMNIST_OK;
}
