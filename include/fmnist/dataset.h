/* libfmnist datasets: loading the IDX files, splits, folds, mini-batches.
 *
 * An fmnist_dataset holds N images of 28x28 uint8 pixels (row-major, 0 =
 * black background, 255 = white garment, as Fashion-MNIST ships them) and N
 * labels 0..9. It is immutable once made, except fmnist_dataset_shuffle. A
 * dataset handle may be read from several threads at once.
 */
#ifndef FMNIST_DATASET_H
#define FMNIST_DATASET_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Side of an image in pixels. */
#define FMNIST_SIDE 28
/* Pixels (bytes) of an image: FMNIST_SIDE x FMNIST_SIDE, row-major. */
#define FMNIST_PIXELS (FMNIST_SIDE * FMNIST_SIDE)
/* Number of classes; labels are 0 .. FMNIST_CLASSES - 1. */
#define FMNIST_CLASSES 10

/* Images and labels, immutable once made (but for shuffle). */
typedef struct fmnist_dataset fmnist_dataset;

/* Which official file pair to load. */
typedef enum fmnist_set {
  FMNIST_SET_TRAIN = 0, /* train-images-idx3-ubyte(.gz), 60000 images */
  FMNIST_SET_TEST = 1   /* t10k-images-idx3-ubyte(.gz), 10000 images */
} fmnist_set;

/* Class name of a label ("T-shirt/top", ... "Ankle boot"); NULL for
 * labels outside 0 .. FMNIST_CLASSES - 1.
 * Static storage. */
FMNIST_API const char *fmnist_class_name(int label);

/* The directory fmnist_dataset_load uses when given NULL: $FMNIST_DATA if set
 * and not empty, else "/usr/share/datasets/fashion-mnist". The pointer is
 * valid until the environment changes. */
FMNIST_API const char *fmnist_default_data_dir(void);

/* Loads the train or test set from dir (NULL: fmnist_default_data_dir()),
 * taking "<name>.gz" if it exists, else the raw "<name>".
 * Returns FMNIST_E_NOTFOUND, E_IO, E_FORMAT (message says what is wrong and
 * where), E_NOMEM, E_INVALID. */
FMNIST_API fmnist_status fmnist_dataset_load(const char *dir, fmnist_set set,
                                             fmnist_dataset **out);

/* Loads an images file (IDX3, magic 0x00000803, 28x28) and a labels file
 * (IDX1, magic 0x00000801, values 0..9) with the same count. Each file may
 * be gzip-compressed (detected from its content, not its name) or raw. */
FMNIST_API fmnist_status fmnist_dataset_load_files(const char *images_path,
                                                   const char *labels_path,
                                                   fmnist_dataset **out);

/* Makes a dataset from caller memory: images count * FMNIST_PIXELS bytes,
 * labels count bytes below FMNIST_CLASSES. The data are copied. count may be 0. */
FMNIST_API fmnist_status fmnist_dataset_from_memory(const uint8_t *images,
                                                    const uint8_t *labels,
                                                    size_t count,
                                                    fmnist_dataset **out);

/* Frees a dataset; NULL is allowed. */
FMNIST_API void fmnist_dataset_free(fmnist_dataset *ds);

/* Number of images; 0 for NULL. */
FMNIST_API size_t fmnist_dataset_count(const fmnist_dataset *ds);
/* All images, contiguous count * FMNIST_PIXELS bytes; NULL for NULL or an empty set.
 * Valid while ds lives and is not shuffled. */
FMNIST_API const uint8_t *fmnist_dataset_images(const fmnist_dataset *ds);
/* All labels, count bytes; same lifetime rules. */
FMNIST_API const uint8_t *fmnist_dataset_labels(const fmnist_dataset *ds);
/* Image i (FMNIST_PIXELS bytes) or NULL if i is out of range. */
FMNIST_API const uint8_t *fmnist_dataset_image(const fmnist_dataset *ds,
                                               size_t i);
/* Label of image i, or -1 if i is out of range. */
FMNIST_API int fmnist_dataset_label(const fmnist_dataset *ds, size_t i);
/* Writes the number of images of each class into counts[FMNIST_CLASSES]. */
FMNIST_API fmnist_status fmnist_dataset_class_counts(const fmnist_dataset *ds,
                                                     size_t counts[FMNIST_CLASSES]);

/* New dataset of the images idx[0..n-1] (in that order; repeats allowed).
 * Any index >= count is FMNIST_E_INVALID. */
FMNIST_API fmnist_status fmnist_dataset_subset(const fmnist_dataset *ds,
                                               const size_t *idx, size_t n,
                                               fmnist_dataset **out);

/* Splits ds at random into `first` (first_count images) and `second` (the
 * rest). With stratified != 0 each class is split in the same proportion
 * (the report's 50k/10k split: first_count = 50000, stratified). Both parts
 * keep a random order. Same seed, same split. */
FMNIST_API fmnist_status fmnist_dataset_split(const fmnist_dataset *ds,
                                              size_t first_count,
                                              int stratified, uint64_t seed,
                                              fmnist_dataset **first,
                                              fmnist_dataset **second);

/* The fold-th of k folds (0 <= fold < k, 2 <= k <= count): `valid` is that
 * fold, `train` the other k-1. The folds come from one permutation of the
 * seed (stratified by class if stratified != 0), so the k validation parts
 * are disjoint and together hold every image once. Fold sizes differ by at
 * most one (per class when stratified). */
FMNIST_API fmnist_status fmnist_dataset_kfold(const fmnist_dataset *ds,
                                              size_t k, size_t fold,
                                              int stratified, uint64_t seed,
                                              fmnist_dataset **train,
                                              fmnist_dataset **valid);

/* Shuffles images and labels in place (Fisher-Yates from the seed). */
FMNIST_API fmnist_status fmnist_dataset_shuffle(fmnist_dataset *ds,
                                                uint64_t seed);

/* Mini-batch iteration: the order of one epoch is a permutation made from
 * (seed, epoch), or 0..count-1 when shuffle is 0. */
typedef struct fmnist_batcher fmnist_batcher;

/* New batcher over ds (which must outlive it), ready for epoch 0.
 * batch_size 0: FMNIST_E_INVALID. */
FMNIST_API fmnist_status fmnist_batcher_create(const fmnist_dataset *ds,
                                               size_t batch_size, int shuffle,
                                               uint64_t seed,
                                               fmnist_batcher **out);
/* Frees a batcher; NULL is allowed. */
FMNIST_API void fmnist_batcher_free(fmnist_batcher *b);
/* Starts epoch `epoch` (0-based), making its order. */
FMNIST_API fmnist_status fmnist_batcher_start(fmnist_batcher *b,
                                              size_t epoch);
/* Next batch of the epoch: *indices points to n indices into the dataset
 * (valid until the next call); returns n, 0 when the epoch is over. The last
 * batch may be smaller. */
FMNIST_API size_t fmnist_batcher_next(fmnist_batcher *b,
                                      const size_t **indices);
/* Batches per epoch: ceil(count / batch_size). */
FMNIST_API size_t fmnist_batcher_count(const fmnist_batcher *b);

#ifdef __cplusplus
}
#endif
#endif
