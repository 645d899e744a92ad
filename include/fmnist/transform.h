/* libfmnist transforms: seeded image operations, uint8 -> uint8.
 *
 * A pipeline of ops applied in the order added, used both for training
 * augmentation and for test-time corruption (robustness study). Every image
 * draws its randomness from its own stream, made from (seed, the index of the
 * image among all images this pipeline has transformed since creation or
 * fmnist_transform_reseed), so results do not depend on the thread count or on
 * how images are grouped into calls. A transform handle must not be used by
 * two threads at once.
 */
#ifndef FMNIST_TRANSFORM_H
#define FMNIST_TRANSFORM_H

#include "dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A pipeline of image operations with its own seed and image counter. */
typedef struct fmnist_transform fmnist_transform;

/* New empty pipeline (an empty pipeline copies images unchanged). */
FMNIST_API fmnist_status fmnist_transform_create(uint64_t seed,
                                                 fmnist_transform **out);
/* Frees a pipeline; NULL is allowed. */
FMNIST_API void fmnist_transform_free(fmnist_transform *t);
/* Threads used by apply for large batches (512 images or more): 0 = all
 * cores (the default). Results do not depend on it. */
FMNIST_API fmnist_status fmnist_transform_set_threads(fmnist_transform *t,
                                                      size_t threads);
/* Restarts the image counter with a new seed. */
FMNIST_API fmnist_status fmnist_transform_reseed(fmnist_transform *t,
                                                 uint64_t seed);
/* Number of ops in the pipeline. */
FMNIST_API size_t fmnist_transform_count(const fmnist_transform *t);

/* Additive Gaussian noise, std in pixel units (0..255), result clamped. */
FMNIST_API fmnist_status fmnist_transform_add_noise(fmnist_transform *t,
                                                    double std);
/* Each pixel becomes 0 or 255 (half each) with probability `fraction`. */
FMNIST_API fmnist_status fmnist_transform_add_salt_pepper(fmnist_transform *t,
                                                          double fraction);
/* Shift by a random whole number of pixels in -max..max on each axis; the
 * uncovered border is 0 (background). */
FMNIST_API fmnist_status fmnist_transform_add_shift(fmnist_transform *t,
                                                    int max_pixels);
/* Mirror left-right with the given probability. */
FMNIST_API fmnist_status fmnist_transform_add_flip(fmnist_transform *t,
                                                   double probability);
/* Rotate about the centre by a random angle in -max..max degrees, bilinear. */
FMNIST_API fmnist_status fmnist_transform_add_rotation(fmnist_transform *t,
                                                       double max_degrees);
/* Gaussian blur with standard deviation sigma (pixels). */
FMNIST_API fmnist_status fmnist_transform_add_blur(fmnist_transform *t,
                                                   double sigma);
/* Erase (set to 0) a size x size square at a random place inside the image. */
FMNIST_API fmnist_status fmnist_transform_add_occlusion(fmnist_transform *t,
                                                        int size);
/* p -> (p - 127.5) * contrast + 127.5 + brightness, clamped to 0..255. */
FMNIST_API fmnist_status fmnist_transform_add_contrast(fmnist_transform *t,
                                                       double contrast,
                                                       double brightness);
/* Adds ops from text, separated by spaces: "noise:STD", "saltpepper:FRAC",
 * "shift:PIXELS", "flip:PROB", "rotate:DEGREES", "blur:SIGMA",
 * "occlude:SIZE", "contrast:FACTOR", "brightness:OFFSET", and "crop:PAD"
 * (a random 28x28 window of the image padded with PAD zeros: the shift op,
 * as torchvision's RandomCrop(28, padding=PAD)). Every token may be
 * NAME:VALUE[:PROB] with VALUE a number or a range LO..HI (each image
 * draws its own value, uniform) and PROB the chance (0..1, default 1) that
 * the op applies to an image. On error
 * (FMNIST_E_OPTION, naming the bad token) nothing is added. */
FMNIST_API fmnist_status fmnist_transform_add_spec(fmnist_transform *t,
                                                   const char *spec);

/* Transforms n images (FMNIST_PIXELS bytes each) from in to out; in == out is allowed,
 * other overlap is not. */
FMNIST_API fmnist_status fmnist_transform_apply(fmnist_transform *t,
                                                const uint8_t *in, uint8_t *out,
                                                size_t n);
/* New dataset: every image of ds transformed, labels kept. */
FMNIST_API fmnist_status fmnist_transform_apply_dataset(
    fmnist_transform *t, const fmnist_dataset *ds, fmnist_dataset **out);

#ifdef __cplusplus
}
#endif
#endif
