/* The op table behind fmnist_transform: one entry per image op, defined in
 * the tf_<family>.c files, driven generically by transform.c.
 *
 * Determinism rule: image i of a call draws every random number of every op
 * from one generator, fmnist__rng_init(&r, seed, FMNIST__STREAM_TRANSFORM,
 * image_counter + i), where
 * image_counter is the number of images the pipeline has transformed since
 * create or reseed. The ops of the pipeline run in order on that one stream,
 * so the result of an image depends only on (seed, its global index, its
 * pixels) and never on the thread count or on how images are grouped into
 * calls. */
#ifndef FMNIST_SRC_TRANSFORM_TRANSFORM_IMPL_H
#define FMNIST_SRC_TRANSFORM_TRANSFORM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "base/rng.h"
#include "fmnist/transform.h"

typedef enum fmnist__tf_kind {
  FMNIST__TF_NOISE = 0,    /* a = std */
  FMNIST__TF_SALT_PEPPER,  /* a = fraction */
  FMNIST__TF_SHIFT,        /* a = max pixels (whole number) */
  FMNIST__TF_FLIP,         /* a = probability */
  FMNIST__TF_ROTATION,     /* a = max degrees */
  FMNIST__TF_BLUR,         /* a = sigma; aux = fmnist__tf_blur_weights */
  FMNIST__TF_OCCLUSION,    /* a = size (whole number) */
  FMNIST__TF_CONTRAST,     /* a = contrast factor, b = brightness offset */
  FMNIST__TF_KIND_COUNT
} fmnist__tf_kind;

/* One op of a pipeline; parameters are validated before it is made. A
 * spec may give a value as a range LO..HI and a probability: then each
 * image first draws whether the op applies (prob < 1) and then a value
 * uniform in the range (a whole number for the ops that take one), before
 * the op's own draws. With neither, no draw is added. */
typedef struct fmnist__tf_op {
  fmnist__tf_kind kind;
  double a, b;
  double a_hi, b_hi; /* upper ends of ranges of a and b (= a, b: fixed) */
  double prob;       /* probability that the op applies to an image (1) */
  void *aux; /* precomputed data owned by the op (fmnist__free), or NULL
                (always NULL for an op whose value is a range) */
} fmnist__tf_op;

typedef struct fmnist__tf_ops {
  const char *name; /* as in specs and messages */
  int whole;        /* the value must be a whole number */
  /* Checks parameters; on failure writes a message naming the op and the
   * value into msg (len bytes) and returns non-zero. */
  int (*check)(double a, double b, char *msg, size_t len);
  /* Optional: fills op->aux once at add time, so apply never allocates. */
  int (*prepare)(fmnist__tf_op *op); /* 0 = ok, non-zero = out of memory */
  /* Transforms img (FMNIST_PIXELS bytes) in place; tmp is FMNIST_PIXELS
   * bytes of scratch. Draws only from r. op->aux is NULL if the value was
   * drawn for this image. */
  void (*apply)(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                fmnist__rng *r);
} fmnist__tf_ops;

/* Indexed by fmnist__tf_kind; defined in transform.c from the entries below. */
extern const fmnist__tf_ops *const fmnist__tf_table[FMNIST__TF_KIND_COUNT];

extern const fmnist__tf_ops fmnist__tf_noise;       /* tf_noise.c */
extern const fmnist__tf_ops fmnist__tf_salt_pepper; /* tf_noise.c */
extern const fmnist__tf_ops fmnist__tf_shift;       /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_flip;        /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_rotation;    /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_blur;        /* tf_blur.c */
extern const fmnist__tf_ops fmnist__tf_occlusion;   /* tf_occlude.c */
extern const fmnist__tf_ops fmnist__tf_contrast;    /* tf_contrast.c */

/* fmnist_transform_create whose images draw from `space` instead of
 * FMNIST__STREAM_TRANSFORM: a pipeline the library runs for one of its
 * own uses (a net's augmentation), so that it never draws the numbers of a
 * caller's pipeline of the same seed. */
fmnist_status fmnist__transform_create_in(uint64_t seed, fmnist__stream_space space,
                                         fmnist_transform **out);
/* fmnist_transform_apply in place on a mini-batch, split over `threads`
 * (the caller's pool size) however few the images: the images a net
 * trains on next, whose alteration would otherwise hold up its step.
 * The images are numbers first .. first + n - 1 of the pipeline (its
 * counter is set to first), so a member of a data-parallel group alters
 * its share as one process alters those images. Results are
 * fmnist_transform_apply's (per-image streams). */
fmnist_status fmnist__transform_apply_batch(fmnist_transform *t, uint64_t first, uint8_t *images,
                                            size_t n, size_t threads);

/* Rounds to nearest (halves up) and clamps to 0..255; NaN gives 0. Shared
 * so that every op turns its real-valued result into a pixel the same way. */
uint8_t fmnist__tf_pixel(double v);

#endif
