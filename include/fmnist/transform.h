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
/* Adds ops from text: tokens NAME:VALUE[:PROB][:KEY=VALUE...] separated by
 * spaces, each adding one op, applied in order. VALUE is a number or a
 * range LO..HI (each image draws its own value, uniform; a whole number
 * for the ops marked "whole"); both ends must be valid values. PROB
 * (0..1, default 1) is the chance that the op applies to an image;
 * KEY=VALUE fields are for augmix and randaugment only. On error
 * (FMNIST_E_OPTION, naming the bad token) nothing is added.
 *
 * Ops since 1.0 (each also a typed adder above):
 *   noise:STD            Gaussian noise, STD in pixel units (>= 0)
 *   saltpepper:FRAC      each pixel 0 or 255 (half each) with probability FRAC
 *   shift:PIXELS         shift by -PIXELS..PIXELS on each axis (whole, >= 0)
 *   crop:PAD             RandomCrop(28, padding=PAD): the same as shift:PAD
 *   flip:PROB            mirror left-right with probability PROB
 *   rotate:DEGREES       rotate by an angle uniform in -DEGREES..DEGREES (>= 0)
 *   blur:SIGMA           Gaussian blur (0..100)
 *   occlude:SIZE         a SIZE x SIZE square of zeros inside (whole, 0..28)
 *   contrast:FACTOR      p -> (p - 127.5) FACTOR + 127.5 (>= 0)
 *   brightness:OFFSET    p -> p + OFFSET
 * Ops since 1.1 (docs/guide.md section 5.2 gives each one's source):
 *   gaussian_noise:STD   the same as noise:STD
 *   impulse_noise:FRAC   the same as saltpepper:FRAC
 *   shot_noise:STD       Poisson noise whose std at white is STD (0..255)
 *   speckle_noise:STD    p + p n STD / 255, n standard normal (0..255)
 *   gaussian_blur:SIGMA  the same as blur:SIGMA
 *   defocus_blur:RADIUS  mean over a disc of RADIUS pixels (0..8)
 *   motion_blur:SIGMA    one-sided blur along a line at a random angle in
 *                        -45..45 degrees, weights exp(-k^2 / 2 SIGMA^2) (0..8)
 *   glass_blur:SIGMA     blur, swap a share min(1, SIGMA) of the pixels with
 *                        neighbours, blur (0..4)
 *   zoom_blur:ZOOM       mean of copies zoomed by up to 1 + ZOOM (0..1)
 *   translate:PIXELS     move by exactly PIXELS on both axes, signs drawn (whole, 0..28)
 *   shear:DEGREES        shear by exactly DEGREES along x or y, axis and sign
 *                        drawn (0..60)
 *   scale:FACTOR         scale about the centre (0.25..4; 1 = identity)
 *   affine:PIXELS        random affine map: three control points move up to
 *                        PIXELS (0..4)
 *   elastic_transform:ALPHA  elastic distortion, displacements ALPHA times
 *                        smoothed noise, sigma 4 (0..200)
 *   vflip:PROB           mirror top-bottom with probability PROB
 *   rot90:TURNS          TURNS quarter turns counter-clockwise (whole, 0..3)
 *   transpose:PROB       swap the axes with probability PROB
 *   gamma:GAMMA          p -> 255 (p / 255)^GAMMA (0.05..20)
 *   invert:PROB          p -> 255 - p with probability PROB
 *   fog:STRENGTH         haze of plasma-fractal noise (0..10)
 *   posterize:BITS       keep the BITS high bits (whole, 1..8)
 *   pixelate:FACTOR      shrink to 28 FACTOR pixels and grow back (1/28..1)
 *   jpeg_compression:QUALITY  8x8 DCT quantization at a JPEG quality (whole, 1..100)
 *   erase:AREA           random erasing: a rectangle of AREA of the image,
 *                        aspect ratio 0.3..3.3, filled with 0 (0..1)
 *   erase_random:AREA    the same, filled with random bytes
 *   cutout:SIZE          a SIZE x SIZE square of zeros centred anywhere (whole, 0..28)
 *   stripe:WIDTH         invert WIDTH columns at each side (whole, 0..14)
 *   dotted_line:COUNT    COUNT dotted lines across (whole, 0..8)
 *   zigzag:COUNT         COUNT zigzag lines (whole, 0..8)
 *   spatter:COVER        mud blobs over a share COVER of the image (0..1)
 * Mixing constructs since 1.1, drawing ops from the corruption kinds
 * (fmnist_corruption_name), by default all:
 *   augmix:SEVERITY[:PROB][:width=W][:depth=D][:alpha=A][:from=L][:except=L]
 *     AugMix: W chains (1..16, default 3) of D ops (1..16 or LO..HI, default
 *     1..3), each op a kind drawn at a severity uniform in 0..SEVERITY
 *     (0..5), mixed with weights ~ Dirichlet(A) and then with the image by
 *     m ~ Beta(A, A) (A in (0, 100], default 1).
 *   randaugment:MAGNITUDE[:PROB][:n=N][:from=L][:except=L]
 *     RandAugment: N ops (1..16, default 2), each a kind drawn uniformly,
 *     at the severity MAGNITUDE (0..5).
 *   L is a list of families and kinds separated by ',' (from=blur,geometry;
 *   except=noise): from= picks, except= removes. */
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

/* ---- The corruption benchmark (since 1.1) ----
 *
 * One table of the kinds of image change the library benchmarks
 * robustness with, adapted to 28x28 grey images from ImageNet-C, CIFAR-10-C
 * and MNIST-C: each kind has a name (a spec word), a family ("noise",
 * "blur", "geometry", "photometric", "occlusion", "digital") and a spec at
 * each severity 1..FMNIST_SEVERITIES, growing in strength. The augmix and
 * randaugment constructs draw their ops from the same table, so a study
 * that holds a family out of training (except=FAMILY) and tests on it
 * uses the same definitions on both sides. */

/* Number of severities of each corruption kind (1..5, as the literature). */
#define FMNIST_SEVERITIES 5

/* Number of corruption kinds. */
FMNIST_API size_t fmnist_corruption_count(void);
/* Name of kind i (a spec word, e.g. "shot_noise"); NULL past the end.
 * Static storage. */
FMNIST_API const char *fmnist_corruption_name(size_t i);
/* Family of kind i ("noise", ...); NULL past the end. Static storage. */
FMNIST_API const char *fmnist_corruption_family(size_t i);
/* The spec of kind `name` at `severity` (1..FMNIST_SEVERITIES), e.g.
 * "shot_noise:50", into buf (len bytes with the terminating NUL), ready
 * for fmnist_transform_add_spec or fmnist_robustness. Unknown name:
 * FMNIST_E_OPTION; severity out of range or NULL pointer:
 * FMNIST_E_INVALID; buffer too small: FMNIST_E_BUFFER (nothing written;
 * 64 bytes always suffice). */
FMNIST_API fmnist_status fmnist_corruption_spec(const char *name, int severity, char *buf,
                                                size_t len);

#ifdef __cplusplus
}
#endif
#endif
