/* Fuzz helper: the library's parsers read files, so each input is written
 * to a per-process scratch file first. The file lives in /dev/shm (tmpfs)
 * when there is one: writing it on a disk file system costs a journal
 * update per input and made the file targets I/O-bound (~400 execs/s);
 * else in $TMPDIR or /tmp. It is removed at exit (not after a crash: then
 * the reproducer is the artifact libFuzzer writes anyway). */
#ifndef FMNIST_FUZZ_FILE_H
#define FMNIST_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_file_path[512];

static void fuzz_file_remove(void) { remove(fuzz_file_path); }

static const char *fuzz_file(const char *tag, const uint8_t *data, size_t size) {
  char *path = fuzz_file_path;
  if (!path[0]) {
    struct stat st;
    const char *dir = getenv("TMPDIR");
    if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
      dir = "/dev/shm";
    else if (!dir || !*dir)
      dir = "/tmp";
    snprintf(path, sizeof fuzz_file_path, "%s/fmnist-fuzz-%s-%ld", dir, tag, (long)getpid());
    atexit(fuzz_file_remove);
  }
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
  return path;
}

#endif
