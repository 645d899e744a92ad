/* Decoding image files held in memory (PGM, PNG) into a 28x28 input. */
#ifndef FMNIST_SRC_DATA_IMAGE_IMPL_H
#define FMNIST_SRC_DATA_IMAGE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

/* Decodes n bytes (a whole PGM or PNG file; name is for messages) into
 * out[784], as fmnist_image_read describes. */
fmnist_status fmnist__image_decode(const uint8_t *data, size_t n, const char *name, int invert,
                                   uint8_t out[784]);

#endif
