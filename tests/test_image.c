/* Reading PGM and PNG files as 28x28 inputs: good files and malformed ones. */
#include <fmnist.h>
#include <png.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* A 56x56 picture made of 2x2 blocks whose value is (x + y) mod 256 of the
 * 28x28 grid, so area averaging down to 28x28 is exact. */
static void make_big(uint8_t *big, uint8_t *expect) {
  for (int y = 0; y < 56; y++)
    for (int x = 0; x < 56; x++) big[y * 56 + x] = (uint8_t)((x / 2) * 9 + (y / 2));
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++) expect[y * 28 + x] = (uint8_t)(x * 9 + y);
}

static const char *write_pgm(const char *name, const uint8_t *pix, int w, int h) {
  static uint8_t buf[64 + 56 * 56];
  int head = snprintf((char *)buf, 64, "P5\n# made by a test\n%d %d\n255\n", w, h);
  memcpy(buf + head, pix, (size_t)(w * h));
  return fmnist_test_write(name, buf, (size_t)head + (size_t)(w * h));
}

START_TEST(pgm_binary_resized) {
  uint8_t big[56 * 56], expect[784], out[784];
  make_big(big, expect);
  const char *path = write_pgm("big.pgm", big, 56, 56);
  ck_assert_int_eq(fmnist_image_read(path, 0, out), FMNIST_OK);
  ck_assert_mem_eq(out, expect, 784);
  ck_assert_int_eq(fmnist_image_read(path, 1, out), FMNIST_OK);
  for (int i = 0; i < 784; i++) ck_assert_uint_eq(out[i], 255 - expect[i]);
}
END_TEST

START_TEST(pgm_text_and_16bit) {
  /* A 28x28 text PGM with maxval 15: value v maps to round(v * 255 / 15). */
  static char text[8000];
  size_t len = (size_t)sprintf(text, "P2 28 28 15\n");
  for (int i = 0; i < 784; i++) len += (size_t)sprintf(text + len, "%d ", i % 16);
  uint8_t out[784];
  ck_assert_int_eq(fmnist_image_read(fmnist_test_write("t.pgm", text, len), 0, out), FMNIST_OK);
  for (int i = 0; i < 784; i++) ck_assert_uint_eq(out[i], (i % 16) * 17);
  /* 16-bit binary: big-endian samples, maxval 65535. */
  static uint8_t b16[32 + 784 * 2];
  int head = sprintf((char *)b16, "P5 28 28 65535\n");
  for (int i = 0; i < 784; i++) {
    b16[head + 2 * i] = (uint8_t)i;
    b16[head + 2 * i + 1] = (uint8_t)i; /* i * 257: exactly i on 0..255 */
  }
  ck_assert_int_eq(
      fmnist_image_read(fmnist_test_write("b16.pgm", b16, (size_t)head + 1568), 0, out), FMNIST_OK);
  for (int i = 0; i < 784; i++) ck_assert_uint_eq(out[i], (uint8_t)i);
}
END_TEST

START_TEST(png_gray_and_rgba) {
  uint8_t big[56 * 56], expect[784], out[784];
  make_big(big, expect);
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = img.height = 56;
  img.format = PNG_FORMAT_GRAY;
  char path[600];
  snprintf(path, sizeof path, "%s/g.png", fmnist_test_dir());
  ck_assert(png_image_write_to_file(&img, path, 0, big, 0, NULL));
  ck_assert_int_eq(fmnist_image_read(path, 0, out), FMNIST_OK);
  ck_assert_mem_eq(out, expect, 784);
  /* Fully transparent RGBA composites onto white. */
  static uint8_t rgba[28 * 28 * 4];
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = img.height = 28;
  img.format = PNG_FORMAT_RGBA;
  snprintf(path, sizeof path, "%s/a.png", fmnist_test_dir());
  ck_assert(png_image_write_to_file(&img, path, 0, rgba, 0, NULL));
  ck_assert_int_eq(fmnist_image_read(path, 1, out), FMNIST_OK);
  for (int i = 0; i < 784; i++) ck_assert_uint_eq(out[i], 0); /* white, inverted */
}
END_TEST

static const struct {
  const char *name, *data;
  size_t len;
  fmnist_status status;
  const char *message;
} bad_files[] = {
    {"empty.pgm", "", 0, FMNIST_E_FORMAT, "not a PNG or PGM"},
    {"garbage.pgm", "hello world", 11, FMNIST_E_FORMAT, "not a PNG or PGM"},
    {"header.pgm", "P5 28", 5, FMNIST_E_FORMAT, "bad PGM header"},
    {"small.pgm", "P5 10 10 255\n", 13, FMNIST_E_FORMAT, "10x10"},
    {"maxval.pgm", "P5 28 28 0\n", 11, FMNIST_E_FORMAT, "maxval 0"},
    {"short.pgm", "P5 28 28 255\nabc", 16, FMNIST_E_FORMAT, "truncated"},
    {"text.pgm", "P2 28 28 255\n1 2 3", 18, FMNIST_E_FORMAT, "ends after 3 of 784"},
    {"over.pgm", "P2 28 28 9\n12", 13, FMNIST_E_FORMAT, "above maxval"},
    {"huge.pgm", "P5 99999 99999 255\n", 19, FMNIST_E_FORMAT, "99999x99999"},
    {"bad.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, FMNIST_E_FORMAT, "bad PNG"},
};

START_TEST(malformed_files) {
  uint8_t out[784], before[784];
  memset(out, 7, sizeof out);
  memcpy(before, out, sizeof out);
  const char *path = fmnist_test_write(bad_files[_i].name, bad_files[_i].data, bad_files[_i].len);
  ck_assert_int_eq(fmnist_image_read(path, 0, out), bad_files[_i].status);
  ck_assert_msg(strstr(fmnist_last_error(), bad_files[_i].message) != NULL, "%s: %s",
                bad_files[_i].name, fmnist_last_error());
  ck_assert_mem_eq(out, before, sizeof out); /* nothing written on failure */
}
END_TEST

START_TEST(missing_and_bad_arguments) {
  uint8_t out[784];
  ck_assert_int_eq(fmnist_image_read("/nonexistent/x.png", 0, out), FMNIST_E_NOTFOUND);
  ck_assert_int_eq(fmnist_image_read(fmnist_test_dir(), 0, out), FMNIST_E_IO);
  ck_assert_int_eq(fmnist_image_read(NULL, 0, out), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_image_read("x", 0, NULL), FMNIST_E_INVALID);
}
END_TEST

static Suite *image_suite(void) {
  Suite *s = suite_create("image");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, pgm_binary_resized);
  tcase_add_test(tc, pgm_text_and_16bit);
  tcase_add_test(tc, png_gray_and_rgba);
  tcase_add_loop_test(tc, malformed_files, 0, sizeof bad_files / sizeof bad_files[0]);
  tcase_add_test(tc, missing_and_bad_arguments);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(image_suite)
