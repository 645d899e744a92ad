/* Check suite for the data layer: IDX loading and its errors, splits, k
 * folds, shuffles and mini-batches (public API only). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fmnist/dataset.h"
#include "testutil.h"

#define REAL_DIR "/usr/share/datasets/fashion-mnist"
#define MAXN 40

/* ---- fixtures, generated in code ---- */

typedef struct blob {
  uint8_t b[16 + MAXN * FMNIST_PIXELS + 256];
  size_t n;
} blob;

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void append(blob *o, const void *p, size_t n) {
  ck_assert_uint_le(o->n + n, sizeof o->b);
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

/* Pixel p of image i: the first two bytes carry i, so that an image's
 * origin can be recognised after a split or a shuffle. */
static uint8_t pixel(size_t i, size_t p) {
  if (p == 0) return (uint8_t)(i & 0xff);
  if (p == 1) return (uint8_t)(i >> 8);
  return (uint8_t)(i * 31 + p * 7);
}

static size_t image_id(const uint8_t *img) {
  return (size_t)img[0] | (size_t)img[1] << 8;
}

static uint8_t label_of(size_t i) { return (uint8_t)(i % 10); }

/* An IDX3 images file: header (magic, count, rows, cols), then `have`
 * images of 784 bytes. */
static void images_blob(blob *o, uint32_t magic, uint32_t count,
                        uint32_t rows, uint32_t cols, size_t have) {
  uint8_t h[16];
  put32(h, magic);
  put32(h + 4, count);
  put32(h + 8, rows);
  put32(h + 12, cols);
  o->n = 0;
  append(o, h, 16);
  for (size_t i = 0; i < have; i++)
    for (size_t p = 0; p < FMNIST_PIXELS; p++) {
      uint8_t v = pixel(i, p);
      append(o, &v, 1);
    }
}

/* An IDX1 labels file: header (magic, count), then `have` labels i % 10. */
static void labels_blob(blob *o, uint32_t magic, uint32_t count,
                        size_t have) {
  uint8_t h[8];
  put32(h, magic);
  put32(h + 4, count);
  o->n = 0;
  append(o, h, 8);
  for (size_t i = 0; i < have; i++) {
    uint8_t v = label_of(i);
    append(o, &v, 1);
  }
}

static const char *good_images(const char *name, uint32_t n) {
  static blob o;
  images_blob(&o, 0x803, n, 28, 28, n);
  return fmnist_test_write(name, o.b, o.n);
}

static const char *good_labels(const char *name, uint32_t n) {
  static blob o;
  labels_blob(&o, 0x801, n, n);
  return fmnist_test_write(name, o.b, o.n);
}

static void read_back(const char *path, blob *o) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  o->n = fread(o->b, 1, sizeof o->b, f);
  ck_assert_int_eq(feof(f), 1);
  fclose(f);
}

/* A gzip file of a good images file, read back into o. */
static void gz_images(const char *name, uint32_t n, blob *o) {
  static blob raw;
  images_blob(&raw, 0x803, n, 28, 28, n);
  read_back(fmnist_test_write_gz(name, raw.b, raw.n), o);
}

/* ---- malformed input, one row each ---- */

/* Each builder writes its files and sets the images and labels paths; a
 * NULL labels path means "call fmnist_dataset_load on the images path as a
 * directory". */
typedef void (*build_fn)(const char **images, const char **labels);

static void b_empty(const char **i, const char **l) {
  *i = fmnist_test_write("empty-img", "", 0);
  *l = good_labels("empty-lbl", 2);
}

static void b_trunc_header(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 2, 28, 28, 2);
  *i = fmnist_test_write("th-img", o.b, 10);
  *l = good_labels("th-lbl", 2);
}

static void b_trunc_label_header(const char **i, const char **l) {
  static blob o;
  labels_blob(&o, 0x801, 2, 2);
  *i = good_images("tlh-img", 2);
  *l = fmnist_test_write("tlh-lbl", o.b, 6);
}

static void b_trunc_data(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 3, 28, 28, 2); /* announces 3, holds 2 */
  *i = fmnist_test_write("td-img", o.b, o.n);
  *l = good_labels("td-lbl", 3);
}

static void b_magic_images(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x00000000, 2, 28, 28, 2);
  *i = fmnist_test_write("mi-img", o.b, o.n);
  *l = good_labels("mi-lbl", 2);
}

static void b_magic_labels(const char **i, const char **l) {
  static blob o;
  labels_blob(&o, 0xdeadbeef, 2, 2);
  *i = good_images("ml-img", 2);
  *l = fmnist_test_write("ml-lbl", o.b, o.n);
}

static void b_swapped(const char **i, const char **l) {
  *i = good_labels("sw-lbl", 2);
  *l = good_images("sw-img", 2);
}

static void b_ndims(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x00000802, 2, 28, 28, 2);
  *i = fmnist_test_write("nd-img", o.b, o.n);
  *l = good_labels("nd-lbl", 2);
}

static void b_dims(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 1, 32, 32, 0);
  uint8_t px[32 * 32] = {0};
  append(&o, px, sizeof px); /* right length for 32x32: only dims are off */
  *i = fmnist_test_write("dm-img", o.b, o.n);
  *l = good_labels("dm-lbl", 1);
}

static void b_count_mismatch(const char **i, const char **l) {
  *i = good_images("cm-img", 3);
  *l = good_labels("cm-lbl", 2);
}

static void b_label10(const char **i, const char **l) {
  static blob o;
  labels_blob(&o, 0x801, 3, 3);
  o.b[8 + 1] = 10;
  *i = good_images("l10-img", 3);
  *l = fmnist_test_write("l10-lbl", o.b, o.n);
}

static void b_gzname_not_gzip(const char **i, const char **l) {
  static const char text[] = "hello, this is not an IDX file\n";
  *i = fmnist_test_write("ng-img.gz", text, sizeof text - 1);
  *l = good_labels("ng-lbl", 2);
}

static void b_gzip_garbage(const char **i, const char **l) {
  static const char text[] = "GARBAGE that gzip compresses fine\n";
  *i = fmnist_test_write_gz("gg-img.gz", text, sizeof text - 1);
  *l = good_labels("gg-lbl", 2);
}

static void b_gzip_corrupt(const char **i, const char **l) {
  static blob o;
  gz_images("gc-tmp.gz", 2, &o);
  /* Byte 10 starts the deflate data (gzwrite puts no file name in the
   * header); 0xff makes its first block type 3, which deflate reserves. */
  o.b[10] = 0xff;
  *i = fmnist_test_write("gc-img.gz", o.b, o.n);
  *l = good_labels("gc-lbl", 2);
}

static void b_gzip_crc(const char **i, const char **l) {
  static blob o;
  gz_images("gcrc-tmp.gz", 2, &o);
  o.b[o.n - 8] ^= 0x55; /* CRC-32, first byte: data and ISIZE intact */
  *i = fmnist_test_write("gcrc-img.gz", o.b, o.n);
  *l = good_labels("gcrc-lbl", 2);
}

static void b_gzip_truncated(const char **i, const char **l) {
  static blob o;
  gz_images("gt-tmp.gz", 2, &o);
  *i = fmnist_test_write("gt-img.gz", o.b, o.n / 2);
  *l = good_labels("gt-lbl", 2);
}

static void b_gzip_header_only(const char **i, const char **l) {
  static blob o;
  gz_images("gh-tmp.gz", 2, &o);
  *i = fmnist_test_write("gh-img.gz", o.b, 10);
  *l = good_labels("gh-lbl", 2);
}

static void b_gzip_empty(const char **i, const char **l) {
  *i = fmnist_test_write_gz("ge-img.gz", "", 0);
  *l = good_labels("ge-lbl", 2);
}

static void b_gzip_trunc_data(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 3, 28, 28, 2);
  *i = fmnist_test_write_gz("gtd-img.gz", o.b, o.n);
  *l = good_labels("gtd-lbl", 3);
}

static void b_huge_raw(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 0x7fffffff, 28, 28, 1);
  *i = fmnist_test_write("hr-img", o.b, o.n);
  *l = good_labels("hr-lbl", 1);
}

static void b_huge_gz(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 0x7fffffff, 28, 28, 1);
  *i = fmnist_test_write_gz("hg-img.gz", o.b, o.n);
  *l = good_labels("hg-lbl", 1);
}

static void b_trailing_raw(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 2, 28, 28, 2);
  append(&o, "extra", 5);
  *i = fmnist_test_write("tr-img", o.b, o.n);
  *l = good_labels("tr-lbl", 2);
}

static void b_trailing_gz(const char **i, const char **l) {
  static blob o;
  images_blob(&o, 0x803, 2, 28, 28, 2);
  append(&o, "7 bytes", 7);
  *i = fmnist_test_write_gz("tg-img.gz", o.b, o.n);
  *l = good_labels("tg-lbl", 2);
}

static void b_trailing_garbage(const char **i, const char **l) {
  static blob o;
  gz_images("tgg-tmp.gz", 2, &o);
  append(&o, "junk!", 5);
  *i = fmnist_test_write("tgg-img.gz", o.b, o.n);
  *l = good_labels("tgg-lbl", 2);
}

static void b_missing_file(const char **i, const char **l) {
  static char path[700];
  snprintf(path, sizeof path, "%s/no-such-images", fmnist_test_dir());
  *i = path;
  *l = good_labels("mf-lbl", 2);
}

static void b_dir_as_file(const char **i, const char **l) {
  *i = fmnist_test_dir();
  *l = good_labels("df-lbl", 2);
}

static void b_missing_dir(const char **i, const char **l) {
  static char path[700];
  snprintf(path, sizeof path, "%s/no-such-dir", fmnist_test_dir());
  *i = path;
  *l = NULL;
}

static void b_empty_dir(const char **i, const char **l) {
  static char path[700];
  snprintf(path, sizeof path, "%s/empty-dir", fmnist_test_dir());
  mkdir(path, 0700);
  *i = path;
  *l = NULL;
}

typedef struct bad_case {
  const char *name;
  build_fn build;
  fmnist_status status;
  const char *msg; /* distinctive part of fmnist_last_error() */
  char culprit;    /* 'i' or 'l': the message must name that path */
} bad_case;

static const bad_case bad_cases[] = {
    {"empty file", b_empty, FMNIST_E_FORMAT, "empty file, expected an IDX images file", 'i'},
    {"truncated images header", b_trunc_header, FMNIST_E_FORMAT, "truncated header: ends after 10 of 16 bytes", 'i'},
    {"truncated labels header", b_trunc_label_header, FMNIST_E_FORMAT, "truncated header: ends after 6 of 8 bytes", 'l'},
    {"truncated data", b_trunc_data, FMNIST_E_FORMAT, "truncated: ends after 1584 of 2368 bytes (header: 3 images", 'i'},
    {"bad images magic", b_magic_images, FMNIST_E_FORMAT, "bad magic 0x00000000, expected 0x00000803", 'i'},
    {"bad labels magic", b_magic_labels, FMNIST_E_FORMAT, "bad magic 0xdeadbeef, expected 0x00000801", 'l'},
    {"labels file as images", b_swapped, FMNIST_E_FORMAT, "bad magic 0x00000801 (an IDX labels file), expected 0x00000803", 'i'},
    {"wrong dimension count", b_ndims, FMNIST_E_FORMAT, "2 dimensions (magic 0x00000802), expected 3", 'i'},
    {"32x32 images", b_dims, FMNIST_E_FORMAT, "images are 32x32, expected 28x28", 'i'},
    {"count mismatch", b_count_mismatch, FMNIST_E_FORMAT, "has 3 images but", 'l'},
    {"label 10", b_label10, FMNIST_E_FORMAT, "label 10 at index 1, expected 0..9", 'l'},
    {".gz name, neither gzip nor IDX", b_gzname_not_gzip, FMNIST_E_FORMAT, "bad magic 0x68656c6c, expected 0x00000803", 'i'},
    {"gzip of garbage", b_gzip_garbage, FMNIST_E_FORMAT, "bad magic 0x47415242, expected 0x00000803", 'i'},
    {"corrupt deflate data", b_gzip_corrupt, FMNIST_E_FORMAT, "corrupt gzip data after 0 uncompressed bytes: invalid block type", 'i'},
    {"bad gzip CRC", b_gzip_crc, FMNIST_E_FORMAT, "corrupt gzip data after 1584 uncompressed bytes: incorrect data check", 'i'},
    {"truncated gzip", b_gzip_truncated, FMNIST_E_FORMAT, "gzip stream truncated", 'i'},
    {"gzip header only", b_gzip_header_only, FMNIST_E_FORMAT, "gzip stream truncated: ends after 0 bytes, inside the IDX header", 'i'},
    {"gzip of nothing", b_gzip_empty, FMNIST_E_FORMAT, "empty after gunzip", 'i'},
    {"gzip of truncated data", b_gzip_trunc_data, FMNIST_E_FORMAT, "truncated: ends after 1584 of 2368 bytes", 'i'},
    {"huge count, raw", b_huge_raw, FMNIST_E_FORMAT, "of 1683627179264 bytes (header: 2147483647 images", 'i'},
    {"huge count, gzip", b_huge_gz, FMNIST_E_FORMAT, "header announces 2147483647 images (1683627179264 bytes), more than a", 'i'},
    {"trailing data, raw", b_trailing_raw, FMNIST_E_FORMAT, "5 bytes of trailing data after the 1584 bytes", 'i'},
    {"trailing data, gzip", b_trailing_gz, FMNIST_E_FORMAT, "7 bytes of trailing data after the 1584 bytes", 'i'},
    {"garbage after gzip stream", b_trailing_garbage, FMNIST_E_FORMAT, "5 bytes of trailing garbage after the gzip stream", 'i'},
    {"missing file", b_missing_file, FMNIST_E_NOTFOUND, "no-such-images: no such file", 'i'},
    {"directory as file", b_dir_as_file, FMNIST_E_IO, "is a directory, expected an IDX images file", 'i'},
    {"missing directory", b_missing_dir, FMNIST_E_NOTFOUND, "no-such-dir not found", 'i'},
    {"directory without the files", b_empty_dir, FMNIST_E_NOTFOUND, "neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte found", 'i'},
};
#define N_BAD_CASES ((int)(sizeof bad_cases / sizeof bad_cases[0]))

START_TEST(test_malformed) {
  const bad_case *c = &bad_cases[_i];
  const char *images = NULL, *labels = NULL;
  c->build(&images, &labels);
  static char untouched;
  fmnist_dataset *ds = (fmnist_dataset *)(void *)&untouched;
  fmnist_status st = labels ? fmnist_dataset_load_files(images, labels, &ds)
                            : fmnist_dataset_load(images, FMNIST_SET_TRAIN, &ds);
  const char *msg = fmnist_last_error();
  ck_assert_msg(st == c->status, "%s: got %s, expected %s (\"%s\")", c->name,
                fmnist_status_name(st), fmnist_status_name(c->status), msg);
  ck_assert_msg(strstr(msg, c->msg) != NULL,
                "%s: message \"%s\" lacks \"%s\"", c->name, msg, c->msg);
  const char *who = c->culprit == 'l' ? labels : images;
  ck_assert_msg(strstr(msg, who) != NULL, "%s: message \"%s\" does not name %s",
                c->name, msg, who);
  ck_assert_msg(ds == (fmnist_dataset *)(void *)&untouched,
                "%s: out-parameter written on failure", c->name);
}
END_TEST

/* ---- good paths ---- */

static void check_small_set(const fmnist_dataset *ds, size_t n) {
  ck_assert_uint_eq(fmnist_dataset_count(ds), n);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *img = fmnist_dataset_image(ds, i);
    ck_assert_ptr_nonnull(img);
    for (size_t p = 0; p < FMNIST_PIXELS; p++) ck_assert_uint_eq(img[p], pixel(i, p));
    ck_assert_int_eq(fmnist_dataset_label(ds, i), label_of(i));
  }
  ck_assert_ptr_eq(fmnist_dataset_images(ds), fmnist_dataset_image(ds, 0));
  ck_assert_uint_eq(fmnist_dataset_labels(ds)[n - 1], label_of(n - 1));
  ck_assert_ptr_null(fmnist_dataset_image(ds, n));
  ck_assert_int_eq(fmnist_dataset_label(ds, n), -1);
}

START_TEST(test_raw_round_trip) {
  const char *i = good_images("rt-img", 20), *l = good_labels("rt-lbl", 20);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load_files(i, l, &ds), FMNIST_OK);
  check_small_set(ds, 20);
  size_t counts[10];
  ck_assert_int_eq(fmnist_dataset_class_counts(ds, counts), FMNIST_OK);
  for (int c = 0; c < 10; c++) ck_assert_uint_eq(counts[c], 2);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(test_gz_round_trip) {
  static blob im, lb;
  images_blob(&im, 0x803, 20, 28, 28, 20);
  labels_blob(&lb, 0x801, 20, 20);
  const char *i = fmnist_test_write_gz("gz-img.gz", im.b, im.n);
  const char *l = fmnist_test_write_gz("gz-lbl.gz", lb.b, lb.n);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load_files(i, l, &ds), FMNIST_OK);
  check_small_set(ds, 20);
  fmnist_dataset_free(ds);
}
END_TEST

/* Content decides, not the name: raw under .gz, gzip without .gz. */
START_TEST(test_content_not_name) {
  static blob lb;
  labels_blob(&lb, 0x801, 5, 5);
  const char *i = good_images("cn-img.gz", 5);
  const char *l = fmnist_test_write_gz("cn-lbl", lb.b, lb.n);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load_files(i, l, &ds), FMNIST_OK);
  check_small_set(ds, 5);
  fmnist_dataset_free(ds);
}
END_TEST

/* `cat a.gz b.gz` is a valid gzip file (gzip -d reads both members); its
 * ISIZE trailer is only the last member's. */
START_TEST(test_gz_multi_member) {
  static blob im, a, b;
  images_blob(&im, 0x803, 6, 28, 28, 6);
  read_back(fmnist_test_write_gz("mm-a.gz", im.b, 1000), &a);
  read_back(fmnist_test_write_gz("mm-b.gz", im.b + 1000, im.n - 1000), &b);
  append(&a, b.b, b.n);
  const char *i = fmnist_test_write("mm-img.gz", a.b, a.n);
  const char *l = good_labels("mm-lbl", 6);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load_files(i, l, &ds), FMNIST_OK);
  check_small_set(ds, 6);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(test_empty_set) {
  const char *i = good_images("es-img", 0), *l = good_labels("es-lbl", 0);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load_files(i, l, &ds), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(ds), 0);
  ck_assert_ptr_null(fmnist_dataset_images(ds));
  ck_assert_ptr_null(fmnist_dataset_labels(ds));
  ck_assert_ptr_null(fmnist_dataset_image(ds, 0));
  fmnist_dataset_free(ds);
}
END_TEST

/* fmnist_dataset_load: standard names, .gz preferred, raw as fallback. */
START_TEST(test_load_dir) {
  static char dir[700], path[800];
  static blob im, lb;
  snprintf(dir, sizeof dir, "%s/data", fmnist_test_dir());
  ck_assert_int_eq(mkdir(dir, 0700), 0);
  images_blob(&im, 0x803, 12, 28, 28, 12);
  labels_blob(&lb, 0x801, 12, 12);
  /* Images: a good .gz beside a broken raw file that must not be read. */
  fmnist_test_write_gz("data/train-images-idx3-ubyte.gz", im.b, im.n);
  fmnist_test_write("data/train-images-idx3-ubyte", "broken", 6);
  fmnist_test_write("data/train-labels-idx1-ubyte", lb.b, lb.n);
  fmnist_test_write("data/t10k-images-idx3-ubyte", im.b, 16 + 4 * 784);
  fmnist_test_write("data/t10k-labels-idx1-ubyte", lb.b, 8);
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load(dir, FMNIST_SET_TRAIN, &ds), FMNIST_OK);
  check_small_set(ds, 12);
  fmnist_dataset_free(ds);
  /* Test set: the labels header still says 12, images 12 with 4 present. */
  ds = NULL;
  ck_assert_int_eq(fmnist_dataset_load(dir, FMNIST_SET_TEST, &ds),
                   FMNIST_E_FORMAT);
  ck_assert_ptr_null(ds);
  snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte", dir);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), path));
  /* A trailing slash is fine, and FMNIST_DATA is the default. */
  snprintf(path, sizeof path, "%s/", dir);
  ck_assert_int_eq(fmnist_dataset_load(path, FMNIST_SET_TRAIN, &ds), FMNIST_OK);
  fmnist_dataset_free(ds);
  const char *old = getenv("FMNIST_DATA");
  static char saved[800];
  if (old) snprintf(saved, sizeof saved, "%s", old);
  ck_assert_int_eq(setenv("FMNIST_DATA", dir, 1), 0);
  ck_assert_str_eq(fmnist_default_data_dir(), dir);
  ck_assert_int_eq(fmnist_dataset_load(NULL, FMNIST_SET_TRAIN, &ds), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(ds), 12);
  fmnist_dataset_free(ds);
  ck_assert_int_eq(setenv("FMNIST_DATA", "", 1), 0);
  ck_assert_str_eq(fmnist_default_data_dir(), REAL_DIR);
  ck_assert_int_eq(unsetenv("FMNIST_DATA"), 0);
  ck_assert_str_eq(fmnist_default_data_dir(), REAL_DIR);
  if (old) setenv("FMNIST_DATA", saved, 1);
  ck_assert_int_eq(fmnist_dataset_load(dir, (fmnist_set)7, &ds), FMNIST_E_INVALID);
}
END_TEST

START_TEST(test_class_names) {
  static const char *const names[10] = {"T-shirt/top", "Trouser", "Pullover",
                                        "Dress", "Coat", "Sandal", "Shirt",
                                        "Sneaker", "Bag", "Ankle boot"};
  for (int c = 0; c < 10; c++) ck_assert_str_eq(fmnist_class_name(c), names[c]);
  ck_assert_ptr_null(fmnist_class_name(-1));
  ck_assert_ptr_null(fmnist_class_name(10));
}
END_TEST

/* n images whose labels are given by lab(i); image i carries id i. */
static fmnist_dataset *make_set(size_t n, uint8_t (*lab)(size_t)) {
  uint8_t *im = malloc(n * FMNIST_PIXELS + 1), *lb = malloc(n + 1);
  ck_assert(im && lb);
  for (size_t i = 0; i < n; i++) {
    for (size_t p = 0; p < FMNIST_PIXELS; p++) im[i * FMNIST_PIXELS + p] = pixel(i, p);
    lb[i] = lab(i);
  }
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(im, lb, n, &ds), FMNIST_OK);
  free(im);
  free(lb);
  return ds;
}

/* Unequal classes: class of i is the number of the bucket it falls in,
 * with bucket c holding 10 + 3c images (sizes 10..37, 235 images). */
static uint8_t skewed_label(size_t i) {
  size_t c = 0, end = 10;
  while (i >= end && c < 9) end += 10 + 3 * ++c;
  return (uint8_t)c;
}
#define SKEWED_N 235

/* Every image of part is image image_id(...) of the original, unchanged,
 * with its label; seen[] counts how often each id appears. */
static void check_part(const fmnist_dataset *part, uint8_t (*lab)(size_t),
                       unsigned *seen, size_t n) {
  for (size_t i = 0; i < fmnist_dataset_count(part); i++) {
    const uint8_t *img = fmnist_dataset_image(part, i);
    size_t id = image_id(img);
    ck_assert_uint_lt(id, n);
    for (size_t p = 0; p < FMNIST_PIXELS; p++) ck_assert_uint_eq(img[p], pixel(id, p));
    ck_assert_int_eq(fmnist_dataset_label(part, i), lab(id));
    seen[id]++;
  }
}

static int same_data(const fmnist_dataset *a, const fmnist_dataset *b) {
  size_t n = fmnist_dataset_count(a);
  if (n != fmnist_dataset_count(b)) return 0;
  if (n == 0) return 1;
  return memcmp(fmnist_dataset_images(a), fmnist_dataset_images(b), n * FMNIST_PIXELS) == 0 &&
         memcmp(fmnist_dataset_labels(a), fmnist_dataset_labels(b), n) == 0;
}

START_TEST(test_from_memory) {
  uint8_t im[3 * FMNIST_PIXELS], lb[3] = {1, 2, 3};
  for (size_t i = 0; i < sizeof im; i++) im[i] = (uint8_t)i;
  fmnist_dataset *ds = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(im, lb, 3, &ds), FMNIST_OK);
  im[0] = 99; /* the dataset holds a copy */
  lb[0] = 9;
  ck_assert_uint_eq(fmnist_dataset_image(ds, 0)[0], 0);
  ck_assert_int_eq(fmnist_dataset_label(ds, 0), 1);
  ck_assert_uint_eq(fmnist_dataset_image(ds, 2)[5], (uint8_t)(2 * FMNIST_PIXELS + 5));
  fmnist_dataset_free(ds);

  lb[2] = 12;
  ds = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(im, lb, 3, &ds), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "label 12 at index 2, expected 0..9"));
  ck_assert_ptr_null(ds);
  ck_assert_int_eq(fmnist_dataset_from_memory(NULL, lb, 3, &ds), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_from_memory(im, lb, 3, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_from_memory(NULL, NULL, 0, &ds), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(ds), 0);
  fmnist_dataset_free(ds);
}
END_TEST

/* NULL handles and pointers: an error or a neutral value, never a crash. */
START_TEST(test_null_args) {
  fmnist_dataset *ds = make_set(4, label_of), *out = NULL, *o2 = NULL;
  size_t counts[10], idx[1] = {0};
  fmnist_batcher *b = NULL;
  ck_assert_int_eq(fmnist_dataset_load_files(NULL, "x", &out), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "images_path is NULL"));
  ck_assert_int_eq(fmnist_dataset_load_files("x", NULL, &out), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_load_files("x", "y", NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_load(NULL, FMNIST_SET_TRAIN, NULL), FMNIST_E_INVALID);
  ck_assert_uint_eq(fmnist_dataset_count(NULL), 0);
  ck_assert_ptr_null(fmnist_dataset_images(NULL));
  ck_assert_ptr_null(fmnist_dataset_labels(NULL));
  ck_assert_ptr_null(fmnist_dataset_image(NULL, 0));
  ck_assert_int_eq(fmnist_dataset_label(NULL, 0), -1);
  ck_assert_int_eq(fmnist_dataset_class_counts(NULL, counts), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_class_counts(ds, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_subset(NULL, idx, 1, &out), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_subset(ds, NULL, 1, &out), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_subset(ds, idx, 1, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_split(NULL, 1, 0, 1, &out, &o2), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_split(ds, 1, 0, 1, NULL, &o2), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_split(ds, 1, 0, 1, &out, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_kfold(NULL, 2, 0, 0, 1, &out, &o2), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_kfold(ds, 2, 0, 0, 1, NULL, &o2), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_kfold(ds, 2, 0, 0, 1, &out, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_shuffle(NULL, 1), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_batcher_create(NULL, 2, 0, 1, &b), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_batcher_create(ds, 2, 0, 1, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_batcher_start(NULL, 0), FMNIST_E_INVALID);
  const size_t *ix = NULL;
  ck_assert_uint_eq(fmnist_batcher_next(NULL, &ix), 0);
  ck_assert_uint_eq(fmnist_batcher_count(NULL), 0);
  ck_assert_ptr_null(out);
  ck_assert_ptr_null(o2);
  ck_assert_ptr_null(b);
  fmnist_dataset_free(NULL);
  fmnist_batcher_free(NULL);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(test_subset) {
  fmnist_dataset *ds = make_set(10, label_of), *sub = NULL;
  size_t idx[5] = {7, 2, 7, 0, 9};
  ck_assert_int_eq(fmnist_dataset_subset(ds, idx, 5, &sub), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(sub), 5);
  for (size_t i = 0; i < 5; i++) {
    ck_assert_uint_eq(image_id(fmnist_dataset_image(sub, i)), idx[i]);
    ck_assert_int_eq(fmnist_dataset_label(sub, i), label_of(idx[i]));
  }
  fmnist_dataset_free(sub);
  sub = NULL;
  idx[3] = 10;
  ck_assert_int_eq(fmnist_dataset_subset(ds, idx, 5, &sub), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "index 10 at position 3, expected < 10"));
  ck_assert_ptr_null(sub);
  ck_assert_int_eq(fmnist_dataset_subset(ds, NULL, 0, &sub), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(sub), 0);
  fmnist_dataset_free(sub);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(test_split_plain) {
  fmnist_dataset *ds = make_set(SKEWED_N, skewed_label), *a = NULL, *b = NULL;
  unsigned seen[SKEWED_N] = {0};
  ck_assert_int_eq(fmnist_dataset_split(ds, 150, 0, 42, &a, &b), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(a), 150);
  ck_assert_uint_eq(fmnist_dataset_count(b), SKEWED_N - 150);
  check_part(a, skewed_label, seen, SKEWED_N);
  check_part(b, skewed_label, seen, SKEWED_N);
  for (size_t i = 0; i < SKEWED_N; i++) ck_assert_uint_eq(seen[i], 1);
  /* Random order: ids are not increasing (chance 1/150! otherwise). */
  int sorted = 1;
  for (size_t i = 1; i < 150; i++)
    if (image_id(fmnist_dataset_image(a, i)) < image_id(fmnist_dataset_image(a, i - 1))) sorted = 0;
  ck_assert_int_eq(sorted, 0);
  /* Same seed, same split; another seed, another one. */
  fmnist_dataset *a2 = NULL, *b2 = NULL;
  ck_assert_int_eq(fmnist_dataset_split(ds, 150, 0, 42, &a2, &b2), FMNIST_OK);
  ck_assert(same_data(a, a2) && same_data(b, b2));
  fmnist_dataset_free(a2);
  fmnist_dataset_free(b2);
  ck_assert_int_eq(fmnist_dataset_split(ds, 150, 0, 43, &a2, &b2), FMNIST_OK);
  ck_assert(!same_data(a, a2));
  fmnist_dataset_free(a2);
  fmnist_dataset_free(b2);
  /* Edges: everything in one part; too many is an error. */
  a2 = b2 = NULL;
  ck_assert_int_eq(fmnist_dataset_split(ds, 0, 0, 1, &a2, &b2), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(a2), 0);
  ck_assert_uint_eq(fmnist_dataset_count(b2), SKEWED_N);
  fmnist_dataset_free(a2);
  fmnist_dataset_free(b2);
  a2 = b2 = NULL;
  ck_assert_int_eq(fmnist_dataset_split(ds, SKEWED_N + 1, 1, 1, &a2, &b2), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "first_count 236"));
  ck_assert_ptr_null(a2);
  ck_assert_ptr_null(b2);
  fmnist_dataset_free(a);
  fmnist_dataset_free(b);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(test_split_stratified) {
  fmnist_dataset *ds = make_set(SKEWED_N, skewed_label), *a = NULL, *b = NULL;
  unsigned seen[SKEWED_N] = {0};
  size_t all[10], ca[10], cb[10];
  fmnist_dataset_class_counts(ds, all);
  const size_t first = 150;
  ck_assert_int_eq(fmnist_dataset_split(ds, first, 1, 7, &a, &b), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(a), first);
  ck_assert_uint_eq(fmnist_dataset_count(b), SKEWED_N - first);
  check_part(a, skewed_label, seen, SKEWED_N);
  check_part(b, skewed_label, seen, SKEWED_N);
  for (size_t i = 0; i < SKEWED_N; i++) ck_assert_uint_eq(seen[i], 1);
  fmnist_dataset_class_counts(a, ca);
  fmnist_dataset_class_counts(b, cb);
  for (int c = 0; c < 10; c++) {
    /* Each class is split in the overall proportion, rounded: its share
     * of the first part is within one of all[c] * first / n. */
    double exact = (double)all[c] * first / SKEWED_N;
    ck_assert_msg(ca[c] + 1 > exact && (double)ca[c] < exact + 1,
                  "class %d: %zu in first, exact share %.2f", c, ca[c], exact);
    ck_assert_uint_eq(ca[c] + cb[c], all[c]);
  }
  fmnist_dataset *a2 = NULL, *b2 = NULL;
  ck_assert_int_eq(fmnist_dataset_split(ds, first, 1, 7, &a2, &b2), FMNIST_OK);
  ck_assert(same_data(a, a2) && same_data(b, b2));
  fmnist_dataset_free(a2);
  fmnist_dataset_free(b2);
  ck_assert_int_eq(fmnist_dataset_split(ds, first, 1, 8, &a2, &b2), FMNIST_OK);
  ck_assert(!same_data(a, a2));
  fmnist_dataset_free(a2);
  fmnist_dataset_free(b2);
  fmnist_dataset_free(a);
  fmnist_dataset_free(b);
  fmnist_dataset_free(ds);
}
END_TEST

/* The report's protocol at a tenth of the size: 6000 images, 600 a class,
 * split 5000/1000 stratified gives exactly 500/100 a class. */
START_TEST(test_split_protocol) {
  fmnist_dataset *ds = make_set(6000, label_of), *a = NULL, *b = NULL;
  size_t ca[10], cb[10];
  ck_assert_int_eq(fmnist_dataset_split(ds, 5000, 1, 2024, &a, &b), FMNIST_OK);
  fmnist_dataset_class_counts(a, ca);
  fmnist_dataset_class_counts(b, cb);
  for (int c = 0; c < 10; c++) {
    ck_assert_uint_eq(ca[c], 500);
    ck_assert_uint_eq(cb[c], 100);
  }
  fmnist_dataset_free(a);
  fmnist_dataset_free(b);
  fmnist_dataset_free(ds);
}
END_TEST

static void check_kfold(int stratified) {
  const size_t n = SKEWED_N, k = 4;
  fmnist_dataset *ds = make_set(n, skewed_label);
  unsigned in_valid[SKEWED_N] = {0};
  size_t fold_size[4], fold_class[4][10];
  for (size_t f = 0; f < k; f++) {
    fmnist_dataset *tr = NULL, *va = NULL;
    unsigned here[SKEWED_N] = {0};
    ck_assert_int_eq(fmnist_dataset_kfold(ds, k, f, stratified, 99, &tr, &va), FMNIST_OK);
    ck_assert_uint_eq(fmnist_dataset_count(tr) + fmnist_dataset_count(va), n);
    check_part(va, skewed_label, here, n);
    for (size_t i = 0; i < n; i++) in_valid[i] += here[i];
    check_part(tr, skewed_label, here, n);
    for (size_t i = 0; i < n; i++) ck_assert_uint_eq(here[i], 1); /* train = rest */
    fold_size[f] = fmnist_dataset_count(va);
    fmnist_dataset_class_counts(va, fold_class[f]);
    /* Determinism: the same call again gives the same fold. */
    fmnist_dataset *tr2 = NULL, *va2 = NULL;
    ck_assert_int_eq(fmnist_dataset_kfold(ds, k, f, stratified, 99, &tr2, &va2), FMNIST_OK);
    ck_assert(same_data(tr, tr2) && same_data(va, va2));
    fmnist_dataset_free(tr2);
    fmnist_dataset_free(va2);
    ck_assert_int_eq(fmnist_dataset_kfold(ds, k, f, stratified, 100, &tr2, &va2), FMNIST_OK);
    ck_assert(!same_data(va, va2));
    fmnist_dataset_free(tr2);
    fmnist_dataset_free(va2);
    fmnist_dataset_free(tr);
    fmnist_dataset_free(va);
  }
  /* The validation parts are disjoint and cover every image. */
  for (size_t i = 0; i < n; i++) ck_assert_uint_eq(in_valid[i], 1);
  for (size_t f = 1; f < k; f++) {
    size_t d = fold_size[f] > fold_size[0] ? fold_size[f] - fold_size[0] : fold_size[0] - fold_size[f];
    ck_assert_uint_le(d, 1);
    if (stratified)
      for (int c = 0; c < 10; c++) {
        size_t x = fold_class[f][c], y = fold_class[0][c];
        ck_assert_uint_le(x > y ? x - y : y - x, 1);
      }
  }
  fmnist_dataset_free(ds);
}

START_TEST(test_kfold_plain) { check_kfold(0); }
END_TEST

START_TEST(test_kfold_stratified) { check_kfold(1); }
END_TEST

START_TEST(test_kfold_args) {
  fmnist_dataset *ds = make_set(5, label_of), *tr = NULL, *va = NULL;
  ck_assert_int_eq(fmnist_dataset_kfold(ds, 1, 0, 0, 1, &tr, &va), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "k = 1, expected 2..5"));
  ck_assert_int_eq(fmnist_dataset_kfold(ds, 6, 0, 0, 1, &tr, &va), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_dataset_kfold(ds, 3, 3, 0, 1, &tr, &va), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "fold 3, expected 0..2"));
  ck_assert_ptr_null(tr);
  ck_assert_ptr_null(va);
  /* k = count: leave-one-out. */
  ck_assert_int_eq(fmnist_dataset_kfold(ds, 5, 4, 1, 1, &tr, &va), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(va), 1);
  ck_assert_uint_eq(fmnist_dataset_count(tr), 4);
  fmnist_dataset_free(tr);
  fmnist_dataset_free(va);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(test_shuffle) {
  const size_t n = 50;
  fmnist_dataset *ds = make_set(n, skewed_label), *ds2 = make_set(n, skewed_label);
  unsigned seen[50] = {0};
  ck_assert_int_eq(fmnist_dataset_shuffle(ds, 5), FMNIST_OK);
  check_part(ds, skewed_label, seen, n); /* (image, label) pairs kept */
  for (size_t i = 0; i < n; i++) ck_assert_uint_eq(seen[i], 1);
  size_t moved = 0;
  for (size_t i = 0; i < n; i++) moved += image_id(fmnist_dataset_image(ds, i)) != i;
  ck_assert_uint_gt(moved, n / 2);
  ck_assert_int_eq(fmnist_dataset_shuffle(ds2, 5), FMNIST_OK);
  ck_assert(same_data(ds, ds2));
  ck_assert_int_eq(fmnist_dataset_shuffle(ds2, 6), FMNIST_OK);
  ck_assert(!same_data(ds, ds2));
  fmnist_dataset_free(ds);
  fmnist_dataset_free(ds2);
  fmnist_dataset *empty = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(NULL, NULL, 0, &empty), FMNIST_OK);
  ck_assert_int_eq(fmnist_dataset_shuffle(empty, 5), FMNIST_OK);
  fmnist_dataset_free(empty);
}
END_TEST

/* The batcher's epoch order and a shuffle of the data set are two uses of
 * one seed: they must not draw the same permutation (they did when both
 * took stream 0 of the seed, as the split's permutation still does). Image
 * i holds i in its first pixel, so the shuffled set shows its order. */
START_TEST(test_batcher_order_not_shuffle) {
  enum { N = 200 };
  uint8_t images[N * FMNIST_PIXELS] = {0}, labels[N] = {0};
  for (size_t i = 0; i < N; i++) images[i * FMNIST_PIXELS] = (uint8_t)i;
  fmnist_dataset *ds = NULL;
  fmnist_batcher *b = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(images, labels, N, &ds), FMNIST_OK);
  ck_assert_int_eq(fmnist_batcher_create(ds, N, 1, 42, &b), FMNIST_OK);
  ck_assert_int_eq(fmnist_dataset_shuffle(ds, 42), FMNIST_OK);
  const size_t *order = NULL;
  ck_assert_uint_eq(fmnist_batcher_next(b, &order), N);
  size_t same = 0;
  for (size_t i = 0; i < N; i++)
    same += order[i] == fmnist_dataset_images(ds)[i * FMNIST_PIXELS];
  /* Two unrelated permutations agree in about one place. */
  ck_assert_uint_lt(same, 10);
  fmnist_batcher_free(b);
  fmnist_dataset_free(ds);
}
END_TEST

/* Runs one epoch; order[] gets the indices in batch order. Returns the
 * number of batches and checks their sizes. */
static size_t run_epoch(fmnist_batcher *b, size_t n, size_t bs, size_t *order) {
  const size_t *ix = NULL;
  size_t got, pos = 0, batches = 0;
  while ((got = fmnist_batcher_next(b, &ix)) > 0) {
    ck_assert_uint_le(pos + got, n);
    if (pos + got < n) ck_assert_uint_eq(got, bs);
    memcpy(order + pos, ix, got * sizeof *ix);
    pos += got;
    batches++;
  }
  ck_assert_uint_eq(pos, n);
  ck_assert_uint_eq(fmnist_batcher_next(b, &ix), 0); /* stays over */
  return batches;
}

START_TEST(test_batcher) {
  const size_t n = 103, bs = 10;
  fmnist_dataset *ds = make_set(n, label_of);
  fmnist_batcher *b = NULL;
  size_t o0[103], o1[103], again[103];
  ck_assert_int_eq(fmnist_batcher_create(ds, bs, 1, 77, &b), FMNIST_OK);
  ck_assert_uint_eq(fmnist_batcher_count(b), 11);
  /* Usable at once as epoch 0. */
  ck_assert_uint_eq(run_epoch(b, n, bs, o0), 11);
  ck_assert_int_eq(fmnist_batcher_start(b, 1), FMNIST_OK);
  ck_assert_uint_eq(run_epoch(b, n, bs, o1), 11);
  for (size_t e = 0; e < 2; e++) {
    unsigned seen[103] = {0};
    for (size_t i = 0; i < n; i++) seen[(e ? o1 : o0)[i]]++;
    for (size_t i = 0; i < n; i++) ck_assert_uint_eq(seen[i], 1);
  }
  ck_assert(memcmp(o0, o1, sizeof o0) != 0);
  /* Epoch 0 again (and on a fresh batcher): the same order. */
  ck_assert_int_eq(fmnist_batcher_start(b, 0), FMNIST_OK);
  run_epoch(b, n, bs, again);
  ck_assert(memcmp(o0, again, sizeof o0) == 0);
  fmnist_batcher_free(b);
  ck_assert_int_eq(fmnist_batcher_create(ds, bs, 1, 77, &b), FMNIST_OK);
  ck_assert_int_eq(fmnist_batcher_start(b, 1), FMNIST_OK);
  run_epoch(b, n, bs, again);
  ck_assert(memcmp(o1, again, sizeof o1) == 0);
  fmnist_batcher_free(b);
  /* No shuffle: 0..n-1 every epoch; last batch holds the 3 left over. */
  ck_assert_int_eq(fmnist_batcher_create(ds, bs, 0, 77, &b), FMNIST_OK);
  ck_assert_int_eq(fmnist_batcher_start(b, 3), FMNIST_OK);
  const size_t *ix;
  for (size_t k = 0; k < 10; k++) ck_assert_uint_eq(fmnist_batcher_next(b, &ix), 10);
  ck_assert_uint_eq(fmnist_batcher_next(b, &ix), 3);
  ck_assert_uint_eq(ix[0], 100);
  ck_assert_int_eq(fmnist_batcher_start(b, 4), FMNIST_OK);
  run_epoch(b, n, bs, again);
  for (size_t i = 0; i < n; i++) ck_assert_uint_eq(again[i], i);
  fmnist_batcher_free(b);
  /* Bad batch size; a batch larger than the set; an empty set. */
  b = NULL;
  ck_assert_int_eq(fmnist_batcher_create(ds, 0, 1, 77, &b), FMNIST_E_INVALID);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "batch_size is 0"));
  ck_assert_ptr_null(b);
  ck_assert_int_eq(fmnist_batcher_create(ds, 1000, 1, 77, &b), FMNIST_OK);
  ck_assert_uint_eq(fmnist_batcher_count(b), 1);
  ck_assert_uint_eq(fmnist_batcher_next(b, &ix), n);
  fmnist_batcher_free(b);
  fmnist_dataset *empty = NULL;
  ck_assert_int_eq(fmnist_dataset_from_memory(NULL, NULL, 0, &empty), FMNIST_OK);
  ck_assert_int_eq(fmnist_batcher_create(empty, 8, 1, 77, &b), FMNIST_OK);
  ck_assert_uint_eq(fmnist_batcher_count(b), 0);
  ck_assert_uint_eq(fmnist_batcher_next(b, &ix), 0);
  fmnist_batcher_free(b);
  fmnist_dataset_free(empty);
  fmnist_dataset_free(ds);
}
END_TEST

/* The real Fashion-MNIST, when the Debian package is installed. */
START_TEST(test_real_data) {
  struct stat sb;
  if (stat(REAL_DIR, &sb) != 0 || !S_ISDIR(sb.st_mode)) return;
  fmnist_dataset *train = NULL, *test = NULL, *a = NULL, *b = NULL;
  size_t counts[10];
  ck_assert_msg(fmnist_dataset_load(REAL_DIR, FMNIST_SET_TRAIN, &train) == FMNIST_OK,
                "%s", fmnist_last_error());
  ck_assert_uint_eq(fmnist_dataset_count(train), 60000);
  fmnist_dataset_class_counts(train, counts);
  for (int c = 0; c < 10; c++) ck_assert_uint_eq(counts[c], 6000);
  ck_assert_msg(fmnist_dataset_load(REAL_DIR, FMNIST_SET_TEST, &test) == FMNIST_OK,
                "%s", fmnist_last_error());
  ck_assert_uint_eq(fmnist_dataset_count(test), 10000);
  fmnist_dataset_class_counts(test, counts);
  for (int c = 0; c < 10; c++) ck_assert_uint_eq(counts[c], 1000);
  /* The report's protocol: 50k/10k stratified, 5000/1000 a class. */
  ck_assert_int_eq(fmnist_dataset_split(train, 50000, 1, 1, &a, &b), FMNIST_OK);
  ck_assert_uint_eq(fmnist_dataset_count(a), 50000);
  ck_assert_uint_eq(fmnist_dataset_count(b), 10000);
  fmnist_dataset_class_counts(a, counts);
  for (int c = 0; c < 10; c++) ck_assert_uint_eq(counts[c], 5000);
  fmnist_dataset_class_counts(b, counts);
  for (int c = 0; c < 10; c++) ck_assert_uint_eq(counts[c], 1000);
  fmnist_dataset_free(a);
  fmnist_dataset_free(b);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
}
END_TEST

static Suite *dataset_suite(void) {
  Suite *s = suite_create("dataset");
  TCase *tc = tcase_create("malformed");
  tcase_add_loop_test(tc, test_malformed, 0, N_BAD_CASES);
  suite_add_tcase(s, tc);
  tc = tcase_create("load");
  tcase_add_test(tc, test_raw_round_trip);
  tcase_add_test(tc, test_gz_round_trip);
  tcase_add_test(tc, test_content_not_name);
  tcase_add_test(tc, test_gz_multi_member);
  tcase_add_test(tc, test_empty_set);
  tcase_add_test(tc, test_load_dir);
  tcase_add_test(tc, test_class_names);
  suite_add_tcase(s, tc);
  tc = tcase_create("handle");
  tcase_add_test(tc, test_from_memory);
  tcase_add_test(tc, test_null_args);
  tcase_add_test(tc, test_subset);
  suite_add_tcase(s, tc);
  tc = tcase_create("split");
  tcase_add_test(tc, test_split_plain);
  tcase_add_test(tc, test_split_stratified);
  tcase_add_test(tc, test_split_protocol);
  tcase_add_test(tc, test_kfold_plain);
  tcase_add_test(tc, test_kfold_stratified);
  tcase_add_test(tc, test_kfold_args);
  tcase_add_test(tc, test_shuffle);
  tcase_add_test(tc, test_batcher);
  tcase_add_test(tc, test_batcher_order_not_shuffle);
  suite_add_tcase(s, tc);
  tc = tcase_create("real");
  /* Loading 70k images and splitting them takes well under a second, but
   * sanitizer builds are several times slower than Check's 4 s default. */
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_real_data);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(dataset_suite)
