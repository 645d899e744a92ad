/* Scratch files for the suites. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char dir[512];
/* The process that made dir: only it removes it. In Check's fork mode a
 * test process that inherited dir from the runner leaves it alone, and one
 * that made its own (dir empty at fork) removes that one. */
static pid_t dir_owner;

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st, (void)type, (void)ftw;
  remove(path);
  return 0; /* go on: remove what can be removed */
}

static void remove_dir(void) {
  if (!dir[0] || getpid() != dir_owner) return;
  const char *keep = getenv("FMNIST_TEST_KEEP");
  if (keep && *keep && strcmp(keep, "0") != 0) return;
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fmnist_test_dir(void) {
  static int registered; /* inherited across fork with the handler itself */
  if (!dir[0]) {
    const char *base = getenv("FMNIST_TEST_DIR");
    if (!base || !*base) base = "/tmp";
    mkdir(base, 0700);
    snprintf(dir, sizeof dir, "%s/fmnist-test-XXXXXX", base);
    if (!mkdtemp(dir)) {
      dir[0] = '\0';
      ck_abort_msg("mkdtemp failed in %s", base);
    }
    dir_owner = getpid();
    if (!registered && atexit(remove_dir) == 0) registered = 1;
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
