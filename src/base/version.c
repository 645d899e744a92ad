/* Run-time version of the library. */
#include "fmnist/base.h"

FMNIST_API const char *fmnist_version(void) { return FMNIST_VERSION_STRING; }
