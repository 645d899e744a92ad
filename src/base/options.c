/* Text options of models: one parser and formatter for every family. */
#include "base/options.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/lexer.h"
#include "base/status.h"

#define FIELD(base, opt, type) ((type *)((char *)(base) + (opt)->offset))

const fmnist__option *fmnist__option_find(const fmnist__option *table,
                                          const char *key) {
  for (; table && table->key; table++)
    if (strcmp(table->key, key) == 0) return table;
  return NULL;
}

static fmnist_status bad(const fmnist__option *opt, const char *value,
                         const char *why) {
  return fmnist__fail(FMNIST_E_OPTION, "option %s: bad value \"%s\" (%s)",
                      opt->key, value, why);
}

static fmnist_status parse_size(const fmnist__option *opt, void *base,
                                const char *value) {
  if (opt->zero_name && strcmp(value, opt->zero_name) == 0) {
    *FIELD(base, opt, size_t) = 0;
    return FMNIST_OK;
  }
  uint64_t v;
  if (!fmnist__lex_whole(value, 0, UINT64_MAX, &v)) return bad(opt, value, "expected a whole number");
  if ((double)v < opt->min || (double)v > opt->max || v > SIZE_MAX) {
    char why[96];
    snprintf(why, sizeof why, "expected %.0f..%.0f%s%s", opt->min, opt->max,
             opt->zero_name ? " or " : "", opt->zero_name ? opt->zero_name : "");
    return bad(opt, value, why);
  }
  *FIELD(base, opt, size_t) = (size_t)v;
  return FMNIST_OK;
}

static fmnist_status parse_u64(const fmnist__option *opt, void *base,
                               const char *value) {
  uint64_t v;
  if (!fmnist__lex_whole(value, 0, UINT64_MAX, &v))
    return bad(opt, value, "expected an unsigned 64-bit number");
  *FIELD(base, opt, uint64_t) = v;
  return FMNIST_OK;
}

static fmnist_status parse_real(const fmnist__option *opt, void *base,
                                const char *value) {
  double v;
  if (!fmnist__lex_real(value, -HUGE_VAL, HUGE_VAL, 0, &v))
    return bad(opt, value, "expected a finite number");
  if (v < opt->min || v > opt->max) {
    char why[96];
    snprintf(why, sizeof why, "expected %g..%g", opt->min, opt->max);
    return bad(opt, value, why);
  }
  *FIELD(base, opt, double) = v;
  return FMNIST_OK;
}

static fmnist_status parse_choice(const fmnist__option *opt, void *base,
                                  const char *value) {
  char why[160] = "expected";
  for (int i = 0; opt->choices[i]; i++) {
    if (strcmp(opt->choices[i], value) == 0) {
      *FIELD(base, opt, int) = i;
      return FMNIST_OK;
    }
    size_t used = strlen(why);
    snprintf(why + used, sizeof why - used, "%s%s", i ? "|" : " ",
             opt->choices[i]);
  }
  return bad(opt, value, why);
}

static fmnist_status parse_text(const fmnist__option *opt, void *base,
                                const char *value) {
  if (strlen(value) >= FMNIST__OPTION_MAX_TEXT)
    return fmnist__fail(FMNIST_E_OPTION, "option %s: %zu characters, at most %d", opt->key,
                        strlen(value), FMNIST__OPTION_MAX_TEXT - 1);
  if (opt->check) {
    fmnist_status s = opt->check(value);
    if (s) return s;
  }
  size_t n = strlen(value) + 1;
  char *copy = fmnist__alloc(n);
  if (!copy) return fmnist__fail(FMNIST_E_NOMEM, "option %s: out of memory", opt->key);
  memcpy(copy, value, n);
  fmnist__free(*FIELD(base, opt, char *));
  *FIELD(base, opt, char *) = copy;
  return FMNIST_OK;
}

fmnist_status fmnist__option_parse(const fmnist__option *opt, void *base,
                                   const char *value) {
  switch (opt->type) {
  case FMNIST__OPT_SIZE: return parse_size(opt, base, value);
  case FMNIST__OPT_U64: return parse_u64(opt, base, value);
  case FMNIST__OPT_REAL: return parse_real(opt, base, value);
  case FMNIST__OPT_CHOICE: return parse_choice(opt, base, value);
  case FMNIST__OPT_TEXT: return parse_text(opt, base, value);
  }
  return fmnist__fail(FMNIST_E_OPTION, "option %s: bad type", opt->key);
}

void fmnist__format_real(char *buf, size_t len, double v) {
  for (int digits = 1; digits <= 17; digits++) { /* 17 digits always suffice */
    snprintf(buf, len, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) return;
  }
}

fmnist_status fmnist__option_format(const fmnist__option *opt,
                                    const void *base, char *buf, size_t len) {
  char tmp[64] = "";
  const char *text = tmp;
  void *b = (void *)(uintptr_t)base;
  switch (opt->type) {
  case FMNIST__OPT_SIZE: {
    size_t v = *FIELD(b, opt, size_t);
    if (v == 0 && opt->zero_name) text = opt->zero_name;
    else snprintf(tmp, sizeof tmp, "%zu", v);
    break;
  }
  case FMNIST__OPT_U64:
    snprintf(tmp, sizeof tmp, "%" PRIu64, *FIELD(b, opt, uint64_t));
    break;
  case FMNIST__OPT_REAL:
    fmnist__format_real(tmp, sizeof tmp, *FIELD(b, opt, double));
    break;
  case FMNIST__OPT_CHOICE: text = opt->choices[*FIELD(b, opt, int)]; break;
  case FMNIST__OPT_TEXT:
    text = *FIELD(b, opt, char *);
    if (!text) text = "";
    break;
  }
  if (strlen(text) + 1 > len)
    return fmnist__fail(FMNIST_E_BUFFER, "option %s: value needs %zu bytes",
                        opt->key, strlen(text) + 1);
  memcpy(buf, text, strlen(text) + 1);
  return FMNIST_OK;
}

fmnist_status fmnist__options_defaults(const fmnist__option *table,
                                       void *base) {
  for (; table->key; table++) {
    fmnist_status s = fmnist__option_parse(table, base, table->def);
    if (s) return s;
  }
  return FMNIST_OK;
}

fmnist_status fmnist__options_copy(const fmnist__option *table, void *dst,
                                   const void *src) {
  for (; table->key; table++) {
    void *s = (void *)(uintptr_t)src;
    if (table->type == FMNIST__OPT_TEXT) {
      const char *text = *FIELD(s, table, char *);
      fmnist_status st = parse_text(table, dst, text ? text : "");
      if (st) return st;
    } else {
      size_t size = table->type == FMNIST__OPT_SIZE   ? sizeof(size_t)
                    : table->type == FMNIST__OPT_U64  ? sizeof(uint64_t)
                    : table->type == FMNIST__OPT_REAL ? sizeof(double)
                                                      : sizeof(int);
      memcpy((char *)dst + table->offset, (char *)s + table->offset, size);
    }
  }
  return FMNIST_OK;
}

void fmnist__options_free(const fmnist__option *table, void *base) {
  for (; table && table->key; table++)
    if (table->type == FMNIST__OPT_TEXT) {
      fmnist__free(*FIELD(base, table, char *));
      *FIELD(base, table, char *) = NULL;
    }
}
