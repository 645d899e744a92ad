/* The RESULT line (see result.h). */
#include "kit/result.h"

#include <math.h>
#include <stdio.h>

#include "kit/progress.h"

void kit_result_init(kit_result *r) {
  r->len = (size_t)snprintf(r->buf, sizeof r->buf, "RESULT");
}

static void add(kit_result *r, const char *key, const char *value) {
  size_t room = sizeof r->buf - r->len;
  int w = snprintf(r->buf + r->len, room, " %s=", key);
  if (w < 0 || (size_t)w >= room) return;
  r->len += (size_t)w;
  /* Spaces would break key=value parsing of the line. */
  for (; *value && r->len + 1 < sizeof r->buf; value++)
    r->buf[r->len++] = *value == ' ' ? '_' : *value;
  r->buf[r->len] = '\0';
}

void kit_result_str(kit_result *r, const char *key, const char *value) {
  add(r, key, value ? value : "none");
}

void kit_result_int(kit_result *r, const char *key, long long value) {
  char v[32];
  snprintf(v, sizeof v, "%lld", value);
  add(r, key, v);
}

void kit_result_double(kit_result *r, const char *key, double value) {
  char v[32];
  snprintf(v, sizeof v, "%.6g", value); /* NaN prints "nan" or "-nan" */
  add(r, key, isnan(value) ? "nan" : v);
}

void kit_result_print(const kit_result *r) {
  kit_progress_clear();
  printf("%s\n", r->buf);
  fflush(stdout);
}
