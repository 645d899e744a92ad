/* Reading one IDX file of Fashion-MNIST (raw or gzip) in two steps.
 *
 * fmnist__idx_open checks everything that can be checked before the caller
 * allocates: magic, dimensions and the length the header announces against
 * the real file (raw: its size; gzip: the ISIZE trailer and deflate's
 * 1032:1 ceiling, or a full decode when those disagree). Only then does the
 * caller allocate count * item bytes and call fmnist__idx_read, which
 * inflates or reads straight into that buffer. */
#ifndef FMNIST_SRC_DATA_IDX_H
#define FMNIST_SRC_DATA_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

typedef enum fmnist__idx_kind {
  FMNIST__IDX_IMAGES = 0, /* magic 0x00000803: count x 28 x 28 */
  FMNIST__IDX_LABELS = 1  /* magic 0x00000801: count, values 0..9 */
} fmnist__idx_kind;

typedef struct fmnist__idx fmnist__idx;

/* Opens path and validates its header against the real length. path must
 * outlive the handle (it is used in messages). Returns FMNIST_E_NOTFOUND,
 * E_IO, E_FORMAT or E_NOMEM with a message naming path. */
fmnist_status fmnist__idx_open(const char *path, fmnist__idx_kind kind,
                               fmnist__idx **out);
/* Number of images or labels the (validated) header announces. */
size_t fmnist__idx_count(const fmnist__idx *x);
/* Bytes per item: 784 for images, 1 for labels. */
size_t fmnist__idx_item_size(const fmnist__idx *x);
/* Reads all count * item bytes into dst (size must be exactly that) and
 * checks that nothing follows them; labels are checked to be 0..9. Call
 * once. */
fmnist_status fmnist__idx_read(fmnist__idx *x, uint8_t *dst, size_t size);
/* Closes the file and frees the handle; NULL is allowed. */
void fmnist__idx_close(fmnist__idx *x);

#endif
