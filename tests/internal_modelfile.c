/* Model file framing and option tables (internal helpers). */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/modelfile.h"
#include "base/options.h"
#include "testutil.h"

typedef struct demo {
  size_t depth;
  double rate;
  int mode;
  uint64_t seed;
  char *text;
} demo;

static const char *const modes[] = {"gini", "entropy", NULL};
static const fmnist__option demo_options[] = {
    {"depth", FMNIST__OPT_SIZE, offsetof(demo, depth), "none", 1, 1000, NULL, "none", NULL},
    {"rate", FMNIST__OPT_REAL, offsetof(demo, rate), "0.5", 0, 1, NULL, NULL, NULL},
    {"mode", FMNIST__OPT_CHOICE, offsetof(demo, mode), "gini", 0, 0, modes, NULL, NULL},
    {"seed", FMNIST__OPT_U64, offsetof(demo, seed), "42", 0, 0, NULL, NULL, NULL},
    {"text", FMNIST__OPT_TEXT, offsetof(demo, text), "a b", 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

START_TEST(options_defaults_and_round_trip) {
  demo d = {0};
  char buf[64];
  ck_assert_int_eq(fmnist__options_defaults(demo_options, &d), FMNIST_OK);
  ck_assert_uint_eq(d.depth, 0);
  ck_assert(d.rate == 0.5);
  ck_assert_int_eq(d.mode, 0);
  ck_assert_str_eq(d.text, "a b");
  const fmnist__option *o = fmnist__option_find(demo_options, "depth");
  ck_assert_int_eq(fmnist__option_format(o, &d, buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "none");
  ck_assert_int_eq(fmnist__option_parse(o, &d, "80"), FMNIST_OK);
  ck_assert_uint_eq(d.depth, 80);
  o = fmnist__option_find(demo_options, "rate");
  ck_assert_int_eq(fmnist__option_parse(o, &d, "0.1"), FMNIST_OK);
  ck_assert_int_eq(fmnist__option_format(o, &d, buf, sizeof buf), FMNIST_OK);
  double back = 0;
  sscanf(buf, "%lf", &back);
  ck_assert(back == 0.1); /* %.17g round-trips exactly */
  ck_assert_int_eq(fmnist__option_format(o, &d, buf, 3), FMNIST_E_BUFFER);
  demo c = {0};
  ck_assert_int_eq(fmnist__options_copy(demo_options, &c, &d), FMNIST_OK);
  ck_assert_uint_eq(c.depth, 80);
  ck_assert_str_eq(c.text, "a b");
  ck_assert_ptr_ne(c.text, d.text);
  fmnist__options_free(demo_options, &c);
  fmnist__options_free(demo_options, &d);
  ck_assert_ptr_null(d.text);
}
END_TEST

/* Each bad value is rejected with FMNIST_E_OPTION, names the key, and leaves
 * the field unchanged. */
static const struct {
  const char *key, *value;
} bad_values[] = {
    {"depth", "0"},   {"depth", "1001"}, {"depth", "-3"}, {"depth", "12x"}, {"depth", ""},
    {"rate", "nan"},  {"rate", "inf"},   {"rate", "1.5"}, {"rate", "x"},    {"mode", "Gini"},
    {"seed", "-1"},   {"seed", "99999999999999999999999"},
};

START_TEST(options_bad_values) {
  demo d = {0};
  ck_assert_int_eq(fmnist__options_defaults(demo_options, &d), FMNIST_OK);
  demo before = d;
  const fmnist__option *o = fmnist__option_find(demo_options, bad_values[_i].key);
  ck_assert_int_eq(fmnist__option_parse(o, &d, bad_values[_i].value), FMNIST_E_OPTION);
  ck_assert_msg(strstr(fmnist_last_error(), bad_values[_i].key) != NULL, "message: %s",
                fmnist_last_error());
  ck_assert_uint_eq(d.depth, before.depth);
  ck_assert(d.rate == before.rate);
  ck_assert_int_eq(d.mode, before.mode);
  ck_assert(d.seed == before.seed);
  fmnist__options_free(demo_options, &d);
}
END_TEST

/* A small model file of family 3 in w: u32 7, f32s {1.5, -2}, str "hi",
 * u64 count 3 + 3 u32s. */
static void make_sample(fmnist__writer *w) {
  const float f[2] = {1.5f, -2.0f};
  const uint32_t u[3] = {10, 20, 30};
  fmnist__modelfile_begin(w, 3);
  fmnist__put_u32(w, 7);
  fmnist__put_f32s(w, f, 2);
  fmnist__put_str(w, "hi");
  fmnist__put_u64(w, 3);
  fmnist__put_u32s(w, u, 3);
  ck_assert_int_eq(fmnist__modelfile_end(w, "sample"), FMNIST_OK);
}

/* The sample written to a file. */
static const char *write_sample(void) {
  fmnist__writer w = {0};
  make_sample(&w);
  char path[600];
  snprintf(path, sizeof path, "%s/sample.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist__file_write(path, w.data, w.len), FMNIST_OK);
  fmnist__writer_free(&w);
  static char keep[600];
  memcpy(keep, path, sizeof keep);
  return keep;
}

/* Reads path and validates it, as fmnist_model_load does; on success
 * *data is the file (free with fmnist__free). */
static fmnist_status read_file(const char *path, uint32_t *family, uint8_t **data,
                               fmnist__reader *r) {
  size_t len;
  fmnist_status s = fmnist__modelfile_read(path, data, &len);
  if (s) return s;
  s = fmnist__modelfile_parse(*data, len, path, family, r);
  if (s) {
    fmnist__free(*data);
    *data = NULL;
  }
  return s;
}

static long file_bytes(const char *path, uint8_t *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  long n = (long)fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

START_TEST(modelfile_round_trip) {
  const char *path = write_sample();
  uint32_t family, v;
  uint8_t *data;
  fmnist__reader r;
  ck_assert_int_eq(read_file(path, &family, &data, &r), FMNIST_OK);
  ck_assert_uint_eq(family, 3);
  float f[2];
  char s[8];
  size_t count;
  uint32_t u[3];
  ck_assert_int_eq(fmnist__get_u32(&r, &v), FMNIST_OK);
  ck_assert_uint_eq(v, 7);
  ck_assert_int_eq(fmnist__get_f32s(&r, f, 2), FMNIST_OK);
  ck_assert(f[0] == 1.5f && f[1] == -2.0f);
  ck_assert_int_eq(fmnist__get_str(&r, s, sizeof s), FMNIST_OK);
  ck_assert_str_eq(s, "hi");
  ck_assert_int_eq(fmnist__get_count(&r, 4, 100, "items", &count), FMNIST_OK);
  ck_assert_uint_eq(count, 3);
  ck_assert_int_eq(fmnist__get_u32s(&r, u, count), FMNIST_OK);
  ck_assert_uint_eq(u[2], 30);
  ck_assert_uint_eq(r.left, 0);
  ck_assert_int_eq(fmnist__get_u32(&r, &v), FMNIST_E_FORMAT);
  fmnist__free(data);
}
END_TEST

/* Cutting the file at any byte, or flipping any byte, is an error. */
START_TEST(modelfile_truncated_and_corrupted) {
  const char *path = write_sample();
  uint8_t full[256];
  long n = file_bytes(path, full, sizeof full);
  char bad[600];
  snprintf(bad, sizeof bad, "%s/bad.fmm", fmnist_test_dir());
  for (long cut = 0; cut < n; cut++) {
    FILE *f = fopen(bad, "wb");
    fwrite(full, 1, (size_t)cut, f);
    fclose(f);
    uint32_t family;
    uint8_t *data = NULL;
    fmnist__reader r;
    ck_assert_int_eq(read_file(bad, &family, &data, &r), FMNIST_E_FORMAT);
    ck_assert_ptr_null(data);
  }
  for (long at = 0; at < n; at++) {
    uint8_t copy[256];
    memcpy(copy, full, (size_t)n);
    copy[at] ^= 0x40;
    FILE *f = fopen(bad, "wb");
    fwrite(copy, 1, (size_t)n, f);
    fclose(f);
    uint32_t family;
    uint8_t *data = NULL;
    fmnist__reader r;
    fmnist_status s = read_file(bad, &family, &data, &r);
    if (at >= 12 && at < 16) { /* the family id is not covered by the CRC */
      ck_assert_int_eq(s, FMNIST_OK);
      fmnist__free(data);
      continue;
    }
    ck_assert_msg(s == FMNIST_E_FORMAT || s == FMNIST_E_VERSION || s == FMNIST_E_CHECKSUM,
                  "byte %ld: status %d", at, s);
  }
}
END_TEST

START_TEST(modelfile_version_and_missing) {
  const char *path = write_sample();
  uint8_t full[256];
  long n = file_bytes(path, full, sizeof full);
  full[8] = 2; /* a future format version */
  const char *future = fmnist_test_write("future.fmm", full, (size_t)n);
  uint32_t family;
  uint8_t *data;
  fmnist__reader r;
  ck_assert_int_eq(read_file(future, &family, &data, &r), FMNIST_E_VERSION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "format v2, this library reads v1..v1"));
  ck_assert_int_eq(read_file("/nonexistent/x.fmm", &family, &data, &r),
                   FMNIST_E_NOTFOUND);
  ck_assert_int_eq(read_file(fmnist_test_dir(), &family, &data, &r), FMNIST_E_IO);
}
END_TEST

/* The validator on bytes in memory, as a caller's buffer reaches it:
 * the file's bytes parse; every shorter or longer length, and every
 * flipped byte outside the family id, is refused with its status. */
START_TEST(modelfile_parse_memory) {
  fmnist__writer w = {0};
  make_sample(&w);
  uint32_t family = 0, v;
  fmnist__reader r;
  ck_assert_int_eq(fmnist__modelfile_parse(w.data, w.len, "mem", &family, &r), FMNIST_OK);
  ck_assert_uint_eq(family, 3);
  ck_assert_ptr_eq(r.p, w.data + FMNIST__MODELFILE_HEADER); /* read in place */
  ck_assert_int_eq(fmnist__get_u32(&r, &v), FMNIST_OK);
  ck_assert_uint_eq(v, 7);
  for (size_t cut = 0; cut < w.len; cut++)
    ck_assert_int_eq(fmnist__modelfile_parse(w.data, cut, "mem", &family, &r), FMNIST_E_FORMAT);
  uint8_t *longer = fmnist__alloc(w.len + 1);
  memcpy(longer, w.data, w.len);
  longer[w.len] = 0;
  ck_assert_int_eq(fmnist__modelfile_parse(longer, w.len + 1, "mem", &family, &r),
                   FMNIST_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "mem: header says"));
  for (size_t at = 0; at < w.len; at++) {
    memcpy(longer, w.data, w.len);
    longer[at] ^= 0x40;
    fmnist_status s = fmnist__modelfile_parse(longer, w.len, "mem", &family, &r);
    if (at >= 12 && at < 16) ck_assert_int_eq(s, FMNIST_OK); /* the family id */
    else if (at >= 8 && at < 12) ck_assert_int_eq(s, FMNIST_E_VERSION);
    else if (at < FMNIST__MODELFILE_HEADER) ck_assert_int_eq(s, FMNIST_E_FORMAT);
    else ck_assert_int_eq(s, FMNIST_E_CHECKSUM);
  }
  fmnist__free(longer);
  fmnist__writer_free(&w);
}
END_TEST

/* The writer's sticky failure reaches the end of the file. */
START_TEST(modelfile_end_after_failure) {
  fmnist__writer w = {0};
  fmnist__modelfile_begin(&w, 1);
  w.status = FMNIST_E_NOMEM; /* as after a failed allocation */
  fmnist__put_u32(&w, 1);
  ck_assert_int_eq(fmnist__modelfile_end(&w, "dest"), FMNIST_E_NOMEM);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "dest"));
  fmnist__writer_free(&w);
}
END_TEST

START_TEST(reader_count_limits) {
  uint8_t bytes[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  fmnist__reader r = {bytes, sizeof bytes, "mem"};
  size_t count;
  /* A forged huge count is refused before anyone allocates from it. */
  ck_assert_int_eq(fmnist__get_count(&r, 4, (size_t)-1, "weights", &count), FMNIST_E_FORMAT);
  r = (fmnist__reader){bytes, sizeof bytes, "mem"};
  ck_assert_int_eq(fmnist__get_count(&r, 0, 10, "trees", &count), FMNIST_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "trees"));
}
END_TEST

static Suite *modelfile_suite(void) {
  Suite *s = suite_create("modelfile");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, options_defaults_and_round_trip);
  tcase_add_loop_test(tc, options_bad_values, 0, sizeof bad_values / sizeof bad_values[0]);
  tcase_add_test(tc, modelfile_round_trip);
  tcase_add_test(tc, modelfile_truncated_and_corrupted);
  tcase_add_test(tc, modelfile_version_and_missing);
  tcase_add_test(tc, modelfile_parse_memory);
  tcase_add_test(tc, modelfile_end_after_failure);
  tcase_add_test(tc, reader_count_limits);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(modelfile_suite)
