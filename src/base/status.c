/* Status names, messages and the thread-local last-error text. */
#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thread-local so that concurrent handles on different threads do not
 * overwrite each other's message; it is not shared mutable state. */
static _Thread_local char last_error[512];

FMNIST_API const char *fmnist_strerror(fmnist_status status) {
  switch (status) {
#define FMNIST_STATUS_TEXT_(name, value, msg) \
  case FMNIST_##name:                         \
    return msg;
    FMNIST_STATUS_MAP(FMNIST_STATUS_TEXT_)
#undef FMNIST_STATUS_TEXT_
  default:
    return "unknown status";
  }
}

FMNIST_API const char *fmnist_status_name(fmnist_status status) {
  switch (status) {
#define FMNIST_STATUS_NAME_(name, value, msg) \
  case FMNIST_##name:                         \
    return #name;
    FMNIST_STATUS_MAP(FMNIST_STATUS_NAME_)
#undef FMNIST_STATUS_NAME_
  default:
    return "UNKNOWN";
  }
}

FMNIST_API const char *fmnist_last_error(void) { return last_error; }

fmnist_status fmnist__fail(fmnist_status status, const char *fmt, ...) {
  /* Format into a copy first: callers may pass fmnist_last_error() itself
   * as an argument (wrapping an inner message), and vsnprintf must not read
   * the buffer it writes. */
  char text[sizeof last_error];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  memcpy(last_error, text, sizeof text);
  return status;
}

FMNIST_API fmnist_status fmnist_set_error(fmnist_status status, const char *message) {
  return fmnist__fail(status, "%s", message ? message : "");
}
