/* Whole files written atomically: a model file or an ONNX export appears
 * under its name complete or not at all. */
#ifndef FMNIST_SRC_BASE_FILE_H
#define FMNIST_SRC_BASE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

/* Writes len bytes of data to path through a unique temporary file beside
 * it, renamed over path at the end (mode 0644), so that a reader never
 * sees half a file and two writers never share one. FMNIST_E_IO (message
 * naming the file and the system's reason) or FMNIST_E_NOMEM; on failure
 * the temporary file is removed and path is untouched. */
fmnist_status fmnist__file_write(const char *path, const uint8_t *data, size_t len);

#endif
