/* Check suite for the lexer shared by the three text languages
 * (src/base/lexer.h): numbers, tokens, fields and token messages. */
#include <stdint.h>
#include <string.h>

#include "base/lexer.h"
#include "testutil.h"

START_TEST(test_whole) {
  uint64_t v = 7;
  ck_assert(fmnist__lex_whole("0", 0, 10, &v) && v == 0);
  ck_assert(fmnist__lex_whole("18446744073709551615", 0, UINT64_MAX, &v) && v == UINT64_MAX);
  ck_assert(fmnist__lex_whole("10", 1, 10, &v) && v == 10);
  v = 7;
  /* not digits only, out of range, overflow: refused, *out untouched */
  const char *bad[] = {"", " 5", "5 ", "+5", "-5", "5.0", "1e3", "0x10", "18446744073709551616"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!fmnist__lex_whole(bad[i], 0, UINT64_MAX, &v), "'%s' accepted", bad[i]);
  ck_assert(!fmnist__lex_whole("11", 1, 10, &v));
  ck_assert(!fmnist__lex_whole("0", 1, 10, &v));
  ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(test_real) {
  double v = 7;
  ck_assert(fmnist__lex_real("0.25", 0, 1, 0, &v) && v == 0.25);
  ck_assert(fmnist__lex_real("-1e-3", -1, 1, 0, &v) && v == -1e-3);
  ck_assert(fmnist__lex_real("1", 0, 1, 0, &v) && v == 1);
  ck_assert(fmnist__lex_real("1e-400", 0, 1, 0, &v) && v == 0); /* underflow: harmless */
  v = 7;
  ck_assert(!fmnist__lex_real("1", 0, 1, 1, &v)); /* hi excluded */
  ck_assert(!fmnist__lex_real("1.5", 0, 1, 0, &v));
  ck_assert(!fmnist__lex_real("-0.5", 0, 1, 0, &v));
  const char *bad[] = {"", " 1", "1 ", "1x", "nan", "inf", "-inf", "1e999", "0.5:"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!fmnist__lex_real(bad[i], -1e300, 1e300, 0, &v), "'%s' accepted", bad[i]);
  ck_assert(v == 7);
}
END_TEST

START_TEST(test_tokens) {
  const char *spec = "  conv:32:3\trelu \n dense:10  ";
  ck_assert_uint_eq(fmnist__lex_count(spec), 3);
  ck_assert_uint_eq(fmnist__lex_count(""), 0);
  ck_assert_uint_eq(fmnist__lex_count(" \t\n"), 0);
  fmnist__token t = {0};
  const char *want[] = {"conv:32:3", "relu", "dense:10"};
  const size_t pos[] = {2, 12, 19};
  for (size_t i = 0; i < 3; i++) {
    ck_assert(fmnist__lex_next(spec, &t));
    ck_assert_uint_eq(t.index, i + 1);
    ck_assert_uint_eq(t.pos, pos[i]);
    ck_assert_uint_eq(t.len, strlen(want[i]));
    ck_assert(memcmp(t.text, want[i], t.len) == 0);
  }
  ck_assert(!fmnist__lex_next(spec, &t));
}
END_TEST

START_TEST(test_fields) {
  fmnist__token t = {0};
  fmnist__fields f;
  ck_assert(fmnist__lex_next("conv:32:3:1:same", &t) && fmnist__lex_fields(&t, &f));
  ck_assert_uint_eq(f.n, 5);
  ck_assert_str_eq(f.field[0], "conv");
  ck_assert_str_eq(f.field[4], "same");
  t = (fmnist__token){0};
  ck_assert(fmnist__lex_next("bn::", &t) && fmnist__lex_fields(&t, &f));
  ck_assert_uint_eq(f.n, 3);
  ck_assert_str_eq(f.field[1], "");
  t = (fmnist__token){0};
  ck_assert(fmnist__lex_next("a:b:c:d:e:f:g:h:i", &t)); /* 9 fields */
  ck_assert(!fmnist__lex_fields(&t, &f));
  char longer[FMNIST__LEX_MAX_TOKEN + 2];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  t = (fmnist__token){0};
  ck_assert(fmnist__lex_next(longer, &t) && !fmnist__lex_fields(&t, &f));
  longer[FMNIST__LEX_MAX_TOKEN] = '\0'; /* the longest accepted */
  t = (fmnist__token){0};
  ck_assert(fmnist__lex_next(longer, &t) && fmnist__lex_fields(&t, &f));
}
END_TEST

START_TEST(test_message) {
  fmnist__token t = {0};
  const char *spec = "relu softmax";
  fmnist__lex_next(spec, &t);
  fmnist__lex_next(spec, &t);
  ck_assert_int_eq(fmnist__lex_fail("option layers", &t, "unknown layer %d", 5), FMNIST_E_OPTION);
  ck_assert_str_eq(fmnist_last_error(),
                   "option layers: token 2 \"softmax\" (at character 5): unknown layer 5");
}
END_TEST

static Suite *lexer_suite(void) {
  Suite *s = suite_create("lexer");
  TCase *tc = tcase_create("lexer");
  tcase_add_test(tc, test_whole);
  tcase_add_test(tc, test_real);
  tcase_add_test(tc, test_tokens);
  tcase_add_test(tc, test_fields);
  tcase_add_test(tc, test_message);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(lexer_suite)
