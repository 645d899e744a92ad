/* Text built in memory (see text.h). */
#include "kit/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/check.h"

char *kit_vformat(const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  int len = vsnprintf(NULL, 0, fmt, ap);
  if (len < 0) len = 0; /* an encoding error: an empty text */
  char *s = kit_alloc((size_t)len + 1, 1);
  if (vsnprintf(s, (size_t)len + 1, fmt, again) < 0) s[0] = '\0';
  va_end(again);
  return s;
}

char *kit_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = kit_vformat(fmt, ap);
  va_end(ap);
  return s;
}

void kit_text_add(kit_text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *more = kit_vformat(fmt, ap);
  va_end(ap);
  size_t n = strlen(more);
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + n + 1) cap *= 2;
    char *s = kit_alloc(cap, 1);
    if (t->s) memcpy(s, t->s, t->len);
    free(t->s);
    t->s = s;
    t->cap = cap;
  }
  memcpy(t->s + t->len, more, n + 1);
  t->len += n;
  free(more);
}
