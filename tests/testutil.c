/* Scratch files, synthetic data and shared checks for the suites. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char dir[512];
/* The process that made dir: only it removes it. In Check's fork mode a
 * test process that inherited dir from the runner leaves it alone, and one
 * that made its own (dir empty at fork) removes that one. */
static pid_t dir_owner;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st, (void)type, (void)ftw;
  remove(path);
  return 0; /* go on: remove what can be removed */
}

static void remove_dir(void) {
  if (!dir[0] || getpid() != dir_owner) return;
  const char *keep = getenv("FMNIST_TEST_KEEP");
  if (keep && *keep && strcmp(keep, "0") != 0) return;
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fmnist_test_dir(void) {
  static int registered; /* inherited across fork with the handler itself */
  if (!dir[0]) {
    const char *base = getenv("FMNIST_TEST_DIR");
    if (!base || !*base) base = "/tmp";
    mkdir(base, 0700);
    snprintf(dir, sizeof dir, "%s/fmnist-test-XXXXXX", base);
    if (!mkdtemp(dir)) {
      dir[0] = '\0';
      ck_abort_msg("mkdtemp failed in %s", base);
    }
    dir_owner = getpid();
    if (!registered && atexit(remove_dir) == 0) registered = 1;
  }
  return dir;
}

static char *next_slot(const char *name) {
  static char slots[4][600];
  static int i;
  char *p = slots[i++ & 3];
  snprintf(p, 600, "%s/%s", fmnist_test_dir(), name);
  return p;
}

const char *fmnist_test_write(const char *name, const void *data, size_t n) {
  char *path = next_slot(name);
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
  return path;
}

const char *fmnist_test_write_gz(const char *name, const void *data, size_t n) {
  char *path = next_slot(name);
  gzFile f = gzopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  if (n) ck_assert_int_eq(gzwrite(f, data, (unsigned)n), (int)n);
  gzclose(f);
  return path;
}

/* ---- synthetic data ---- */

uint32_t fmnist_test_rand(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

double fmnist_test_unit(uint32_t *s) { return (double)(fmnist_test_rand(s) % 100000) / 100000.0; }

fmnist_dataset *fmnist_test_images(size_t n, uint32_t seed, int random_labels,
                                   fmnist_test_pixel_fn pixel) {
  uint8_t *img = malloc(n * FMNIST_PIXELS + 1), *lab = malloc(n + 1);
  ck_assert(img && lab);
  uint32_t s = seed | 1;
  for (size_t i = 0; i < n; i++) {
    int c = random_labels ? (int)(fmnist_test_rand(&s) % FMNIST_CLASSES) : (int)(i % FMNIST_CLASSES);
    lab[i] = (uint8_t)c;
    for (int p = 0; p < FMNIST_PIXELS; p++) img[i * FMNIST_PIXELS + p] = pixel(c, p, &s);
  }
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, n, &ds), FMNIST_OK);
  free(img);
  free(lab);
  return ds;
}

static uint8_t blob_pixel(int c, int p, uint32_t *s) {
  int on = p >= c * 78 && p < c * 78 + 78;
  return (uint8_t)(on ? 180 + fmnist_test_rand(s) % 60 : fmnist_test_rand(s) % 40);
}

static uint8_t stripe_pixel(int c, int p, uint32_t *s) {
  return (uint8_t)((p % FMNIST_CLASSES == c ? 100 : 0) + fmnist_test_rand(s) % 120);
}

static uint8_t noisy_stripe_pixel(int c, int p, uint32_t *s) {
  return (uint8_t)((p % FMNIST_CLASSES == c ? 60 : 0) + fmnist_test_rand(s) % 196);
}

fmnist_dataset *fmnist_test_blobs(size_t n, uint32_t seed) {
  return fmnist_test_images(n, seed, 0, blob_pixel);
}

fmnist_dataset *fmnist_test_stripes(size_t n, uint32_t seed) {
  return fmnist_test_images(n, seed, 0, stripe_pixel);
}

fmnist_dataset *fmnist_test_noisy_stripes(size_t n, uint32_t seed) {
  return fmnist_test_images(n, seed, 1, noisy_stripe_pixel);
}

void fmnist_test_check_proba(const fmnist_model *m, const fmnist_dataset *ds, const double *want) {
  const size_t n = fmnist_dataset_count(ds);
  float *got = calloc(n * FMNIST_CLASSES, sizeof *got);
  uint8_t *pred = calloc(n, 1);
  ck_assert(got && pred);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), n, got), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(m, fmnist_dataset_images(ds), n, pred), FMNIST_OK);
  size_t correct = 0;
  for (size_t i = 0; i < n; i++) {
    const float *row = got + i * FMNIST_CLASSES;
    int best = 0;
    for (int c = 0; c < FMNIST_CLASSES; c++) {
      ck_assert_msg(fabs(row[c] - want[i * FMNIST_CLASSES + c]) < 1e-6,
                    "image %zu class %d: %g, expected %g", i, c, row[c],
                    want[i * FMNIST_CLASSES + c]);
      if (row[c] > row[best]) best = c;
    }
    ck_assert_uint_eq(pred[i], best);
    correct += pred[i] == fmnist_dataset_labels(ds)[i];
  }
  fmnist_metrics *mt;
  ck_assert_int_eq(fmnist_model_evaluate(m, ds, &mt), FMNIST_OK);
  ck_assert_double_eq_tol(fmnist_metrics_accuracy(mt), (double)correct / (double)n, 1e-12);
  fmnist_metrics_free(mt);
  free(got);
  free(pred);
}
