/* Scratch files for the suites. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

const char *fmnist_test_dir(void) {
  static char dir[512];
  if (!dir[0]) {
    const char *base = getenv("FMNIST_TEST_DIR");
    if (!base || !*base) base = "/tmp";
    mkdir(base, 0700);
    snprintf(dir, sizeof dir, "%s/fmnist-test-XXXXXX", base);
    if (!mkdtemp(dir)) ck_abort_msg("mkdtemp failed in %s", base);
  }
  return dir;
}

static char *next_slot(const char *name) {
  static char slots[4][600];
  static int i;
  char *p = slots[i++ & 3];
  snprintf(p, 600, "%s/%s", fmnist_test_dir(), name);
  return p;
}

const char *fmnist_test_write(const char *name, const void *data, size_t n) {
  char *path = next_slot(name);
  FILE *f = fopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
  return path;
}

const char *fmnist_test_write_gz(const char *name, const void *data, size_t n) {
  char *path = next_slot(name);
  gzFile f = gzopen(path, "wb");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  if (n) ck_assert_int_eq(gzwrite(f, data, (unsigned)n), (int)n);
  gzclose(f);
  return path;
}
