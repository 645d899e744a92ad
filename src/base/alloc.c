/* Allocation wrapper with overflow checks and test-time failure injection. */
#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

#ifdef FMNIST_ALLOC_TESTING
/* Test builds only, single-threaded use: the countdown to the failing call. */
static size_t alloc_calls;
static size_t alloc_fail_at;

size_t fmnist__alloc_fail_at(size_t n) {
  size_t made = alloc_calls;
  alloc_calls = 0;
  alloc_fail_at = n;
  return made;
}

static int should_fail(void) {
  alloc_calls++;
  return alloc_fail_at != 0 && alloc_calls == alloc_fail_at;
}
#else
static int should_fail(void) { return 0; }
#endif

static void *aligned(size_t size) {
  void *p;
  return posix_memalign(&p, FMNIST__ALLOC_ALIGN, size ? size : 1) ? NULL : p;
}

void *fmnist__alloc(size_t size) {
  if (should_fail()) return NULL;
  return aligned(size);
}

void *fmnist__calloc(size_t count, size_t size) {
  size_t total;
  if (!fmnist__mul_ok(count, size, &total)) return NULL;
  if (should_fail()) return NULL;
  void *p = aligned(total);
  if (p) memset(p, 0, total);
  return p;
}

void *fmnist__realloc(void *p, size_t size) {
  if (should_fail()) return NULL;
  return realloc(p, size ? size : 1);
}

void fmnist__free(void *p) { free(p); }

int fmnist__mul_ok(size_t a, size_t b, size_t *out) {
  if (b != 0 && a > (size_t)-1 / b) return 0;
  *out = a * b;
  return 1;
}
