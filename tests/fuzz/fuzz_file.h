/* Fuzz helper: the library's parsers read files, so each input is written
 * to a per-process scratch file first. */
#ifndef FMNIST_FUZZ_FILE_H
#define FMNIST_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *fuzz_file(const char *tag, const uint8_t *data, size_t size) {
  static char path[256];
  snprintf(path, sizeof path, "/tmp/fmnist-fuzz-%s-%ld", tag, (long)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
  return path;
}

#endif
