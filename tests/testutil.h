/* Shared helpers of the Check suites. */
#ifndef FMNIST_TESTUTIL_H
#define FMNIST_TESTUTIL_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include <fmnist.h>

/* Each tests/<name>.c defines one suite and ends with this main. */
#define FMNIST_TEST_MAIN(make_suite)                          \
  int main(void) {                                            \
    SRunner *sr = srunner_create(make_suite());               \
    srunner_run_all(sr, CK_NORMAL);                           \
    int failed = srunner_ntests_failed(sr);                   \
    srunner_free(sr);                                         \
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;              \
  }

/* A fresh scratch directory for files a test writes (under
 * $FMNIST_TEST_DIR or /tmp); the returned path is static. The process that
 * made it removes it with everything inside at exit (each forked test
 * process its own); FMNIST_TEST_KEEP=1 keeps it for a post-mortem. A test
 * process killed by a signal or a timeout leaves its directory behind. */
const char *fmnist_test_dir(void);
/* Writes n bytes to dir/name; returns the full path (static buffer of 4
 * rotating slots, so up to four paths stay valid at once). */
const char *fmnist_test_write(const char *name, const void *data, size_t n);
/* gzip-compresses data into dir/name (through zlib's gz* API, which is
 * independent of the library's own inflate path). */
const char *fmnist_test_write_gz(const char *name, const void *data, size_t n);

/* ---- synthetic data: the same images on every platform ---- */
/* xorshift32 step; *s must not be 0 (seed it with seed | 1). */
uint32_t fmnist_test_rand(uint32_t *s);
/* Uniform in [0, 1) in steps of 1e-5, from fmnist_test_rand. */
double fmnist_test_unit(uint32_t *s);
/* A pixel of class c at index p, drawing from s. */
typedef uint8_t (*fmnist_test_pixel_fn)(int c, int p, uint32_t *s);
/* n images: image i has label i % 10 (or, with random_labels, a draw
 * % 10 before its pixels), then pixel(label, p, s) for p in order; the
 * generator is seeded with seed | 1. Asserts success. */
fmnist_dataset *fmnist_test_images(size_t n, uint32_t seed, int random_labels,
                                   fmnist_test_pixel_fn pixel);
/* Ten blobs: class c lights pixels [78c, 78c + 78) at 180..239, the rest
 * 0..39: linearly separable with a wide margin. Labels i % 10. */
fmnist_dataset *fmnist_test_blobs(size_t n, uint32_t seed);
/* Stripes: class c adds 100 to every 10th pixel from c over noise 0..119:
 * separable for every family. Labels i % 10. */
fmnist_dataset *fmnist_test_stripes(size_t n, uint32_t seed);
/* Noisy stripes: class c adds 60 to every 10th pixel from c over noise
 * 0..195, labels drawn at random: a task that needs real trees. */
fmnist_dataset *fmnist_test_noisy_stripes(size_t n, uint32_t seed);

/* ---- checks shared by the suites ---- */
/* The verbs of a fitted m on every image of ds against the probabilities
 * want (count x FMNIST_CLASSES, double, worked out by the test): proba
 * within 1e-6 (float means of a few terms against double sums), predict
 * the first class of highest probability, evaluate's accuracy that of
 * predict. */
void fmnist_test_check_proba(const fmnist_model *m, const fmnist_dataset *ds, const double *want);

#endif
