/* The protobuf encoder (base/protobuf.h): known answers from the
 * Protocol Buffers encoding guide, and nested lengths that need more than
 * the byte reserved for them. */
#include <string.h>

#include "base/protobuf.h"
#include "testutil.h"

/* w holds exactly the n bytes of want. */
static void same_bytes(const fmnist__writer *w, const uint8_t *want, size_t n) {
  ck_assert_int_eq(w->status, FMNIST_OK);
  ck_assert_uint_eq(w->len, n);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(w->data[i] == want[i], "byte %zu: %02x, expected %02x", i, w->data[i], want[i]);
}

START_TEST(scalars) {
  fmnist__writer w = {0};
  fmnist__pb_int(&w, 1, 150); /* the guide's first example */
  const uint8_t a[] = {0x08, 0x96, 0x01};
  same_bytes(&w, a, sizeof a);
  w.len = 0;
  fmnist__pb_int(&w, 2, -1); /* int64 -1: ten bytes */
  const uint8_t b[] = {0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  same_bytes(&w, b, sizeof b);
  w.len = 0;
  fmnist__pb_float(&w, 3, 1.0f);
  const uint8_t c[] = {0x1d, 0x00, 0x00, 0x80, 0x3f};
  same_bytes(&w, c, sizeof c);
  w.len = 0;
  fmnist__pb_string(&w, 2, "testing");
  const uint8_t d[] = {0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'};
  same_bytes(&w, d, sizeof d);
  w.len = 0;
  fmnist__pb_int(&w, 300, 0); /* a field number above 15: a two-byte key */
  const uint8_t e[] = {0xe0, 0x12, 0x00};
  same_bytes(&w, e, sizeof e);
  fmnist__writer_free(&w);
}
END_TEST

START_TEST(nested_and_packed) {
  fmnist__writer w = {0};
  size_t m = fmnist__pb_begin(&w, 3); /* the guide's embedded message */
  fmnist__pb_int(&w, 1, 150);
  fmnist__pb_end(&w, m);
  const uint8_t a[] = {0x1a, 0x03, 0x08, 0x96, 0x01};
  same_bytes(&w, a, sizeof a);
  w.len = 0;
  m = fmnist__pb_begin(&w, 4); /* the guide's packed repeated field */
  fmnist__pb_packed_int(&w, 3);
  fmnist__pb_packed_int(&w, 270);
  fmnist__pb_packed_int(&w, 86942);
  fmnist__pb_end(&w, m);
  const uint8_t b[] = {0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05};
  same_bytes(&w, b, sizeof b);
  fmnist__writer_free(&w);
}
END_TEST

/* Messages of 200 and 20 000 bytes, one inside the other: each length
 * takes 2 or 3 bytes, and the contents move behind them intact. */
START_TEST(long_lengths) {
  fmnist__writer w = {0};
  static uint8_t blob[20000];
  for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)(i * 7 + 1);
  size_t outer = fmnist__pb_begin(&w, 1);
  size_t inner = fmnist__pb_begin(&w, 2);
  fmnist__put_bytes(&w, blob, 200);
  fmnist__pb_end(&w, inner);
  fmnist__pb_bytes(&w, 3, blob, sizeof blob);
  fmnist__pb_end(&w, outer);
  ck_assert_int_eq(w.status, FMNIST_OK);
  /* outer: key, 3-byte length of (1 + 2 + 200) + (1 + 3 + 20000) = 20207 */
  const uint8_t head[] = {0x0a, 0xef, 0x9d, 0x01, 0x12, 0xc8, 0x01};
  ck_assert_uint_eq(w.len, 4 + 20207);
  ck_assert(memcmp(w.data, head, sizeof head) == 0);
  ck_assert(memcmp(w.data + 7, blob, 200) == 0);
  const uint8_t mid[] = {0x1a, 0xa0, 0x9c, 0x01};
  ck_assert(memcmp(w.data + 207, mid, sizeof mid) == 0);
  ck_assert(memcmp(w.data + 211, blob, sizeof blob) == 0);
  fmnist__writer_free(&w);
}
END_TEST

/* After a failure nothing is written and closing does not touch memory. */
START_TEST(sticky_failure) {
  fmnist__writer w = {0};
  size_t m = fmnist__pb_begin(&w, 1);
  w.status = FMNIST_E_NOMEM;
  fmnist__pb_int(&w, 1, 5);
  fmnist__pb_end(&w, m);
  ck_assert_uint_eq(w.len, 2);
  fmnist__writer_free(&w);
}
END_TEST

static Suite *protobuf_suite(void) {
  Suite *s = suite_create("protobuf");
  TCase *tc = tcase_create("encode");
  tcase_add_test(tc, scalars);
  tcase_add_test(tc, nested_and_packed);
  tcase_add_test(tc, long_lengths);
  tcase_add_test(tc, sticky_failure);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(protobuf_suite)
