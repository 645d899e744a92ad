/* Checked calls (see check.h). */
#include "kit/check.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kit/progress.h"
#include "kit/ranks.h"
#include "kit/text.h"

void kit_check(fmnist_status s) {
  int rank;
  s = kit_agree(s, &rank);
  if (s == FMNIST_OK) return;
  kit_progress_clear();
  const char *msg = fmnist_last_error();
  if (rank == 0) fprintf(stderr, "error: %s\n", *msg ? msg : fmnist_strerror(s));
  exit(1);
}

void *kit_alloc(size_t n, size_t size) {
  size_t bytes = n * size;
  void *p = size && n > SIZE_MAX / size ? NULL : malloc(bytes > 0 ? bytes : 1);
  if (!p) {
    kit_progress_clear();
    fprintf(stderr, "error: out of memory\n");
    exit(1);
  }
  return p;
}

void kit_set(fmnist_model *m, const char *key, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *value = kit_vformat(fmt, ap);
  va_end(ap);
  kit_check(fmnist_model_set(m, key, value));
  free(value);
}
