/* Status codes and the thread-local last-error message. */
#ifndef FMNIST_SRC_BASE_STATUS_H
#define FMNIST_SRC_BASE_STATUS_H

#include "fmnist/base.h"

/* Records a message for fmnist_last_error() and returns status, so that a
 * failure is reported in one line: return fmnist__fail(FMNIST_E_IO, ...). */
fmnist_status fmnist__fail(fmnist_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Returns FMNIST_E_INVALID naming the function if p is NULL, else FMNIST_OK. */
#define FMNIST__CHECK_ARG(p)                                                 \
  do {                                                                       \
    if (!(p))                                                                \
      return fmnist__fail(FMNIST_E_INVALID, "%s: %s is NULL", __func__, #p); \
  } while (0)

#endif
