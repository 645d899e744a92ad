/* libfmnist image files: read a user's own picture as a Fashion-MNIST input.
 *
 * Fashion-MNIST images are white garments on a black background (0 =
 * background). A photo or drawing is usually dark on light: pass invert = 1
 * to turn it into the data set's polarity. */
#ifndef FMNIST_IMAGE_H
#define FMNIST_IMAGE_H

#include "base.h"
#include "dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a grayscale or colour image (binary or text PGM "P5"/"P2", or PNG of
 * any bit depth and colour type, alpha composited on white) into out[FMNIST_PIXELS]:
 * converted to gray, resized to 28x28 by area averaging over each axis if it
 * is larger (a non-square image is stretched; smaller: FMNIST_E_FORMAT), then inverted if invert != 0. The
 * format is detected from the content. Errors: FMNIST_E_NOTFOUND, E_IO,
 * E_FORMAT (message says what is wrong), E_NOMEM. */
FMNIST_API fmnist_status fmnist_image_read(const char *path, int invert,
                                           uint8_t out[FMNIST_PIXELS]);

#ifdef __cplusplus
}
#endif
#endif
