/* The lexer of the library's three text languages: option values
 * (fmnist_model_set), net layer specs ("conv:32:3 relu ...") and transform
 * specs ("noise:25 rotate:15"). One home for what they share: numbers and
 * their range checks, whitespace-separated NAME:FIELD tokens, and the
 * message that names a bad token ("token 2 "softmax" (at character 9)"). */
#ifndef FMNIST_SRC_BASE_LEXER_H
#define FMNIST_SRC_BASE_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

/* A whole number: decimal digits only (no sign, space or exponent), at
 * most UINT64_MAX, within [lo, hi]. 1 and *out set, or 0. */
int fmnist__lex_whole(const char *text, uint64_t lo, uint64_t hi, uint64_t *out);

/* A real number: the whole text is a finite strtod number within [lo, hi]
 * (hi itself excluded if hi_open); one that underflows reads as what strtod
 * gives (0 or a denormal). 1 and *out set, or 0. */
int fmnist__lex_real(const char *text, double lo, double hi, int hi_open, double *out);

/* One whitespace-separated token of a spec. */
typedef struct fmnist__token {
  const char *text; /* into the spec, not terminated */
  size_t len;
  size_t index; /* 1-based number of the token */
  size_t pos;   /* 0-based character position in the spec */
} fmnist__token;

/* Number of tokens of spec. */
size_t fmnist__lex_count(const char *spec);
/* Moves *t to the next token of spec (start with *t = {0}); 0 at the end. */
int fmnist__lex_next(const char *spec, fmnist__token *t);

/* Most ':'-separated fields of a token, name included, and its longest
 * text: larger tokens are refused, not cut. */
#define FMNIST__LEX_MAX_FIELDS 8
#define FMNIST__LEX_MAX_TOKEN 127

/* A token cut at its ':' into terminated fields (field[0] is the name). */
typedef struct fmnist__fields {
  char buf[FMNIST__LEX_MAX_TOKEN + 1];
  const char *field[FMNIST__LEX_MAX_FIELDS];
  size_t n;
} fmnist__fields;

/* Splits t into f; 0 if it is longer than FMNIST__LEX_MAX_TOKEN or has
 * more than FMNIST__LEX_MAX_FIELDS fields. */
int fmnist__lex_fields(const fmnist__token *t, fmnist__fields *f);

/* names[0..n-1] joined into buf (len bytes, cut if too small) with sep
 * between them and last before the final one ("a, b or c"): the lists of
 * what a language expects, in its messages. */
void fmnist__lex_join(char *buf, size_t len, const char *const *names, size_t n, const char *sep,
                      const char *last);

/* FMNIST_E_OPTION with the message "<what>: token N "text" (at character
 * P): <why>" (the token cut at 64 characters). */
fmnist_status fmnist__lex_fail(const char *what, const fmnist__token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
