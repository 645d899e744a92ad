/* Atomic whole-file writes (file.h). */
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/status.h"

fmnist_status fmnist__file_write(const char *path, const uint8_t *data, size_t len) {
  size_t plen = strlen(path);
  char *tmp = fmnist__alloc(plen + 8);
  if (!tmp) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", path);
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".XXXXXX", 8);
  int fd = mkstemp(tmp); /* mode 0600: widened to the usual 0644 below */
  FILE *f = fd < 0 || fchmod(fd, 0644) != 0 ? NULL : fdopen(fd, "wb");
  if (!f) {
    fmnist_status s = fmnist__fail(FMNIST_E_IO, "%s: cannot create: %s", tmp, strerror(errno));
    if (fd >= 0) {
      close(fd);
      remove(tmp);
    }
    fmnist__free(tmp);
    return s;
  }
  int ok = len == 0 || fwrite(data, 1, len, f) == len;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, path) != 0) {
    fmnist_status s = fmnist__fail(FMNIST_E_IO, "%s: cannot write: %s", path, strerror(errno));
    remove(tmp);
    fmnist__free(tmp);
    return s;
  }
  fmnist__free(tmp);
  return FMNIST_OK;
}
