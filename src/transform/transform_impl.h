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

#include <math.h>
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
  FMNIST__TF_BLUR,         /* a = sigma */
  FMNIST__TF_OCCLUSION,    /* a = size (whole number) */
  FMNIST__TF_CONTRAST,     /* a = contrast factor, b = brightness offset */
  /* Since 1.1; every one takes its value in a (the table entry says what
   * it is) and none reads b. */
  FMNIST__TF_SHOT_NOISE,
  FMNIST__TF_SPECKLE_NOISE,
  FMNIST__TF_DEFOCUS_BLUR,
  FMNIST__TF_MOTION_BLUR,
  FMNIST__TF_GLASS_BLUR,
  FMNIST__TF_ZOOM_BLUR,
  FMNIST__TF_TRANSLATE,
  FMNIST__TF_SHEAR,
  FMNIST__TF_SCALE,
  FMNIST__TF_AFFINE,
  FMNIST__TF_ELASTIC,
  FMNIST__TF_VFLIP,
  FMNIST__TF_ROT90,
  FMNIST__TF_TRANSPOSE,
  FMNIST__TF_GAMMA,
  FMNIST__TF_INVERT,
  FMNIST__TF_FOG,
  FMNIST__TF_POSTERIZE,
  FMNIST__TF_PIXELATE,
  FMNIST__TF_JPEG,
  FMNIST__TF_ERASE,
  FMNIST__TF_ERASE_RANDOM,
  FMNIST__TF_CUTOUT,
  FMNIST__TF_STRIPE,
  FMNIST__TF_DOTTED_LINE,
  FMNIST__TF_ZIGZAG,
  FMNIST__TF_SPATTER,
  FMNIST__TF_AUGMIX,      /* a = severity; cfg = its op list and keys */
  FMNIST__TF_RANDAUGMENT, /* a = magnitude; cfg = its op list and keys */
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
  void *aux; /* what build made of the value, owned by the op (fmnist__free);
                NULL when the value is drawn per image or the op has no build */
  void *cfg; /* what a construct's KEY=VALUE fields set (fmnist__free), or
                NULL for the ops that take none; independent of the value */
} fmnist__tf_op;

typedef struct fmnist__tf_ops {
  const char *name; /* as in specs and messages */
  int whole;        /* the value must be a whole number */
  /* The value's name and bounds, for messages and for the default check. */
  const char *value;
  double lo, hi;
  /* Optional (NULL: a must lie in lo..hi). Checks parameters; on failure
   * writes a message naming the op and the value into msg (len bytes) and
   * returns non-zero. */
  int (*check)(double a, double b, char *msg, size_t len);
  /* Optional, for the ops that take KEY=VALUE fields after the value:
   * parses key[0..n-1] (n may be 0: the defaults) into op->cfg. 0 = ok;
   * otherwise a message in msg and FMNIST_E_OPTION or FMNIST_E_NOMEM. */
  fmnist_status (*configure)(fmnist__tf_op *op, const char *const *key, size_t n, char *msg,
                             size_t len);
  /* Optional: what apply needs computed from the value (a kernel, a
   * table), aux_size bytes (at most FMNIST__TF_AUX_MAX) that build fills
   * from op->a: once at add time, or per image into scratch on the stack
   * when the value is drawn (fmnist__tf_run), so apply always finds it in
   * op->aux and never allocates. */
  size_t aux_size;
  void (*build)(const fmnist__tf_op *op, void *aux);
  /* Transforms img (FMNIST_PIXELS bytes) in place; tmp is FMNIST_PIXELS
   * bytes of scratch. Draws only from r. Called through fmnist__tf_run. */
  void (*apply)(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp,
                fmnist__rng *r);
} fmnist__tf_ops;

/* The largest aux_size: the built data of a drawn value lives on the
 * stack for one image. */
#define FMNIST__TF_AUX_MAX 8192

/* Applies op to img: its apply, with op->aux built into scratch first if
 * the op has a build and no aux (a value drawn for this image). */
void fmnist__tf_run(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r);

/* Indexed by fmnist__tf_kind; defined in transform.c from the entries below. */
extern const fmnist__tf_ops *const fmnist__tf_table[FMNIST__TF_KIND_COUNT];

extern const fmnist__tf_ops fmnist__tf_noise;       /* tf_noise.c */
extern const fmnist__tf_ops fmnist__tf_salt_pepper; /* tf_noise.c */
extern const fmnist__tf_ops fmnist__tf_shot_noise;  /* tf_noise.c */
extern const fmnist__tf_ops fmnist__tf_speckle_noise; /* tf_noise.c */
extern const fmnist__tf_ops fmnist__tf_shift;       /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_flip;        /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_rotation;    /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_translate;   /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_shear;       /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_scale;       /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_affine;      /* tf_geometry.c */
extern const fmnist__tf_ops fmnist__tf_elastic;     /* tf_elastic.c */
extern const fmnist__tf_ops fmnist__tf_vflip;       /* tf_orient.c */
extern const fmnist__tf_ops fmnist__tf_rot90;       /* tf_orient.c */
extern const fmnist__tf_ops fmnist__tf_transpose;   /* tf_orient.c */
extern const fmnist__tf_ops fmnist__tf_blur;        /* tf_blur.c */
extern const fmnist__tf_ops fmnist__tf_glass_blur;  /* tf_blur.c */
extern const fmnist__tf_ops fmnist__tf_defocus_blur; /* tf_kernel.c */
extern const fmnist__tf_ops fmnist__tf_motion_blur; /* tf_kernel.c */
extern const fmnist__tf_ops fmnist__tf_zoom_blur;   /* tf_blur.c */
extern const fmnist__tf_ops fmnist__tf_occlusion;   /* tf_occlude.c */
extern const fmnist__tf_ops fmnist__tf_erase;       /* tf_occlude.c */
extern const fmnist__tf_ops fmnist__tf_erase_random; /* tf_occlude.c */
extern const fmnist__tf_ops fmnist__tf_cutout;      /* tf_occlude.c */
extern const fmnist__tf_ops fmnist__tf_stripe;      /* tf_occlude.c */
extern const fmnist__tf_ops fmnist__tf_dotted_line; /* tf_lines.c */
extern const fmnist__tf_ops fmnist__tf_zigzag;      /* tf_lines.c */
extern const fmnist__tf_ops fmnist__tf_spatter;     /* tf_spatter.c */
extern const fmnist__tf_ops fmnist__tf_contrast;    /* tf_contrast.c */
extern const fmnist__tf_ops fmnist__tf_gamma;       /* tf_contrast.c */
extern const fmnist__tf_ops fmnist__tf_invert;      /* tf_contrast.c */
extern const fmnist__tf_ops fmnist__tf_posterize;   /* tf_contrast.c */
extern const fmnist__tf_ops fmnist__tf_fog;         /* tf_fog.c */
extern const fmnist__tf_ops fmnist__tf_pixelate;    /* tf_digital.c */
extern const fmnist__tf_ops fmnist__tf_jpeg;        /* tf_digital.c */
extern const fmnist__tf_ops fmnist__tf_augmix;      /* tf_mix.c */
extern const fmnist__tf_ops fmnist__tf_randaugment; /* tf_mix.c */

/* What a spec word names: an op's value (param 0: a, with b = other) or
 * its second value (param 1: b, with a = other). Each op's own name is a
 * word; a few more are other names of the same ops (brightness, crop and
 * the names of ImageNet-C: gaussian_noise, impulse_noise, gaussian_blur). */
typedef struct fmnist__tf_word {
  const char *name;
  fmnist__tf_kind kind;
  int param;
  double other;
} fmnist__tf_word;

/* A value field: a real number, or LO..HI (LO <= HI), into *lo, *hi (the
 * same for a number); 0 if it is neither. */
int fmnist__tf_parse_value(const char *text, double *lo, double *hi);

/* The word `name` stands for into *out: 1, or 0 if it is none. */
int fmnist__tf_lookup(const char *name, fmnist__tf_word *out);

/* The op of word w with value v, rounded for the ops that take whole
 * numbers: a range-free, probability-1 op without aux or cfg, what a
 * construct applies to an image. */
fmnist__tf_op fmnist__tf_word_op(const fmnist__tf_word *w, double v);

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

#define FMNIST__TF_SIDE FMNIST_SIDE
/* The centre of the image, between pixels 13 and 14 on each axis: the
 * fixed point of every rotation, shear, scale and zoom. */
#define FMNIST__TF_MID ((FMNIST_SIDE - 1) / 2.0)

/* Pixel (x, y) of img with everything outside the image reading as
 * background (0). */
static inline double fmnist__tf_at(const uint8_t *img, long x, long y) {
  if (x < 0 || x >= FMNIST_SIDE || y < 0 || y >= FMNIST_SIDE) return 0.0;
  return img[y * FMNIST_SIDE + x];
}

/* img sampled at the real point (sx, sy), bilinear, background outside. */
static inline double fmnist__tf_bilinear(const uint8_t *img, double sx, double sy) {
  double fx0 = floor(sx), fy0 = floor(sy);
  double fx = sx - fx0, fy = sy - fy0;
  long x0 = (long)fx0, y0 = (long)fy0;
  return (1 - fy) * ((1 - fx) * fmnist__tf_at(img, x0, y0) + fx * fmnist__tf_at(img, x0 + 1, y0)) +
         fy * ((1 - fx) * fmnist__tf_at(img, x0, y0 + 1) + fx * fmnist__tf_at(img, x0 + 1, y0 + 1));
}

/* Inverse affine warp about the centre: output pixel (x, y) takes the
 * input at mid + m[0] dx + m[1] dy + m[4], mid + m[2] dx + m[3] dy + m[5]
 * (dx = x - mid, dy = y - mid), bilinear, background outside; through tmp
 * (tf_geometry.c). */
void fmnist__tf_warp(uint8_t *img, uint8_t *tmp, const double m[6]);

/* A separable linear filter of the image folded into a 28 x 28 matrix per
 * axis (the same for both): output i takes w[i][j] of input j, nonzero only
 * for j in lo[i]..hi[i]. Clamped edges, box resampling, any kernel fold
 * into it, and one loop applies them all without allocating. */
typedef struct fmnist__tf_band {
  int lo[FMNIST_SIDE], hi[FMNIST_SIDE];
  double w[FMNIST_SIDE][FMNIST_SIDE];
} fmnist__tf_band;

/* The band of a Gaussian of standard deviation sigma, radius ceil(3
 * sigma), edges clamped (tf_blur.c). */
void fmnist__tf_band_gauss(double sigma, fmnist__tf_band *bw);
/* norm[i] = sqrt(sum over j of w[i][j]^2): white noise of unit variance
 * through bw has standard deviation norm[x] norm[y] at pixel (x, y), more
 * near the edges, where clamping weighs one value heavily. */
void fmnist__tf_band_norms(const fmnist__tf_band *bw, double norm[FMNIST_SIDE]);
/* Sets lo and hi from the nonzero entries of bw->w. */
void fmnist__tf_band_limits(fmnist__tf_band *bw);
/* out = bw applied along rows, then along columns, to in (28 x 28 reals;
 * out may be in). */
void fmnist__tf_band_apply(const fmnist__tf_band *bw, const double *in, double *out);
/* bw applied to img in place, each result rounded to a pixel. */
void fmnist__tf_band_image(const fmnist__tf_band *bw, uint8_t *img);

/* The corruption benchmark (corruptions.c): each kind of change, its
 * family, and its word's value at severities 0 (none) to FMNIST_SEVERITIES. */
typedef struct fmnist__corruption {
  const char *name; /* a spec word: the kind's spec is "name:value" */
  const char *family;
  double level[FMNIST_SEVERITIES + 1];
} fmnist__corruption;

/* The table holds at most this many kinds (corruptions.c asserts it), so
 * a set of them fits a fixed array. */
#define FMNIST__CORRUPTION_MAX 64

extern const fmnist__corruption fmnist__corruptions[];
extern const size_t fmnist__corruption_kinds;
/* The families in the table's order, and their number. */
extern const char *const fmnist__corruption_families[];
extern const size_t fmnist__corruption_family_count;

/* c's value at a real severity in 0..FMNIST_SEVERITIES, linear between
 * the table's levels. */
double fmnist__corruption_value(const fmnist__corruption *c, double severity);

#endif
