/* Table-driven text options: parse, validate, format, default.
 *
 * A family describes its option struct with a table of fmnist__option; the
 * generic code here turns "key"/"value" text into typed fields, so model.c
 * can set, get, save, load and clone every family's options the same way. */
#ifndef FMNIST_SRC_BASE_OPTIONS_H
#define FMNIST_SRC_BASE_OPTIONS_H

#include <stddef.h>

#include "fmnist/base.h"

typedef enum fmnist__option_type {
  FMNIST__OPT_SIZE,   /* size_t in [min, max]; zero_name (if set) means 0 */
  FMNIST__OPT_U64,    /* uint64_t, any value */
  FMNIST__OPT_REAL,   /* finite double in [min, max] */
  FMNIST__OPT_CHOICE, /* int: index into choices */
  FMNIST__OPT_TEXT    /* char * owned by the struct, checked by check(), shorter than
                         FMNIST__OPTION_MAX_TEXT */
} fmnist__option_type;

/* Longest text of a TEXT value, terminator included: what a model file
 * carries for one value (models/model.c). */
#define FMNIST__OPTION_MAX_TEXT 65536

typedef struct fmnist__option {
  const char *key; /* NULL ends a table */
  fmnist__option_type type;
  size_t offset; /* of the field in the option struct */
  const char *def; /* default, as text */
  double min, max;
  const char *const *choices; /* CHOICE: NULL-terminated */
  const char *zero_name;      /* SIZE: a word that stands for 0 ("none") */
  /* TEXT: validates a value; sets the message itself on failure. */
  fmnist_status (*check)(const char *value);
} fmnist__option;

/* The entry of key in table, or NULL. */
const fmnist__option *fmnist__option_find(const fmnist__option *table,
                                          const char *key);
/* Parses value into the field; on error (FMNIST_E_OPTION naming the key, or
 * FMNIST_E_NOMEM) the field is unchanged. */
fmnist_status fmnist__option_parse(const fmnist__option *opt, void *base,
                                   const char *value);
/* Formats the field as text (round-trips through parse). */
fmnist_status fmnist__option_format(const fmnist__option *opt,
                                    const void *base, char *buf, size_t len);
/* The shortest decimal text of v that reads back exactly ("0.3", not
 * "0.29999999999999999"). */
void fmnist__format_real(char *buf, size_t len, double v);
/* Sets every option of the table to its default. */
fmnist_status fmnist__options_defaults(const fmnist__option *table, void *base);
/* Copies every option from src to dst (TEXT fields are duplicated). */
fmnist_status fmnist__options_copy(const fmnist__option *table, void *dst,
                                   const void *src);
/* Frees the TEXT fields. */
void fmnist__options_free(const fmnist__option *table, void *base);

#endif
