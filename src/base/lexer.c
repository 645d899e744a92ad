/* Numbers, tokens and token messages of the text languages (lexer.h). */
#include "base/lexer.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"

int fmnist__lex_whole(const char *text, uint64_t lo, uint64_t hi, uint64_t *out) {
  if (!*text) return 0;
  for (const char *c = text; *c; c++)
    if (*c < '0' || *c > '9') return 0;
  errno = 0;
  unsigned long long v = strtoull(text, NULL, 10);
  if (errno || v < lo || v > hi) return 0;
  *out = (uint64_t)v;
  return 1;
}

int fmnist__lex_real(const char *text, double lo, double hi, int hi_open, double *out) {
  char *end;
  if (!*text || strchr(" \t\n\v\f\r", *text)) return 0; /* strtod would skip them */
  errno = 0;
  double v = strtod(text, &end);
  /* ERANGE also flags underflow (1e-400 reads as 0 or a denormal), which
   * is harmless: the range check decides; overflow is caught as infinite. */
  if (*end || (errno && fabs(v) > DBL_MIN) || !isfinite(v) || v < lo || v > hi ||
      (hi_open && v == hi))
    return 0;
  *out = v;
  return 1;
}

static int is_space(char c) { return c && strchr(" \t\n\v\f\r", c) != NULL; }

size_t fmnist__lex_count(const char *spec) {
  fmnist__token t = {0};
  size_t n = 0;
  while (fmnist__lex_next(spec, &t)) n++;
  return n;
}

int fmnist__lex_next(const char *spec, fmnist__token *t) {
  const char *p = t->text ? t->text + t->len : spec;
  while (is_space(*p)) p++;
  if (!*p) return 0;
  const char *start = p;
  while (*p && !is_space(*p)) p++;
  *t = (fmnist__token){start, (size_t)(p - start), t->index + 1, (size_t)(start - spec)};
  return 1;
}

int fmnist__lex_fields(const fmnist__token *t, fmnist__fields *f) {
  if (t->len > FMNIST__LEX_MAX_TOKEN) return 0;
  memcpy(f->buf, t->text, t->len);
  f->buf[t->len] = '\0';
  f->n = 0;
  for (char *p = f->buf;;) {
    if (f->n == FMNIST__LEX_MAX_FIELDS) return 0;
    f->field[f->n++] = p;
    char *colon = strchr(p, ':');
    if (!colon) return 1;
    *colon = '\0';
    p = colon + 1;
  }
}

void fmnist__lex_join(char *buf, size_t len, const char *const *names, size_t n, const char *sep,
                      const char *last) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && used < len; i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : i + 1 < n ? sep : last, names[i]);
    if (w > 0) used += (size_t)w;
  }
}

fmnist_status fmnist__lex_fail(const char *what, const fmnist__token *t, const char *fmt, ...) {
  char why[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  return fmnist__fail(FMNIST_E_OPTION, "%s: token %zu \"%.*s\" (at character %zu): %s", what,
                      t->index, t->len > 64 ? 64 : (int)t->len, t->text, t->pos, why);
}
