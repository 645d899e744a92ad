/* Text built in memory (option values, gnuplot scripts), every
 * allocation checked: out of memory ends the program (kit_alloc). */
#ifndef FMNIST_KIT_TEXT_H
#define FMNIST_KIT_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* printf into a malloc'd string, for the caller to free. */
char *kit_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *kit_vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growing string: start with {0}, append, use s (never NULL once
 * appended to), free s. */
typedef struct kit_text {
  char *s;
  size_t len, cap;
} kit_text;
void kit_text_add(kit_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
