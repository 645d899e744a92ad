/* The transform pipeline: handle, op list, spec parser, apply. */
#include "transform/transform_impl.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/lexer.h"
#include "base/status.h"
#include "base/threads.h"

/* Below this many images threads cost more than they save. */
#define PARALLEL_MIN 512
/* Images per parallel task: big enough to amortise the hand-out, small
 * enough to balance two to a few dozen cores. */
#define CHUNK 128

const fmnist__tf_ops *const fmnist__tf_table[FMNIST__TF_KIND_COUNT] = {
    [FMNIST__TF_NOISE] = &fmnist__tf_noise,
    [FMNIST__TF_SALT_PEPPER] = &fmnist__tf_salt_pepper,
    [FMNIST__TF_SHIFT] = &fmnist__tf_shift,
    [FMNIST__TF_FLIP] = &fmnist__tf_flip,
    [FMNIST__TF_ROTATION] = &fmnist__tf_rotation,
    [FMNIST__TF_BLUR] = &fmnist__tf_blur,
    [FMNIST__TF_OCCLUSION] = &fmnist__tf_occlusion,
    [FMNIST__TF_CONTRAST] = &fmnist__tf_contrast,
    [FMNIST__TF_SHOT_NOISE] = &fmnist__tf_shot_noise,
    [FMNIST__TF_SPECKLE_NOISE] = &fmnist__tf_speckle_noise,
    [FMNIST__TF_DEFOCUS_BLUR] = &fmnist__tf_defocus_blur,
    [FMNIST__TF_MOTION_BLUR] = &fmnist__tf_motion_blur,
    [FMNIST__TF_GLASS_BLUR] = &fmnist__tf_glass_blur,
    [FMNIST__TF_ZOOM_BLUR] = &fmnist__tf_zoom_blur,
    [FMNIST__TF_TRANSLATE] = &fmnist__tf_translate,
    [FMNIST__TF_SHEAR] = &fmnist__tf_shear,
    [FMNIST__TF_SCALE] = &fmnist__tf_scale,
    [FMNIST__TF_AFFINE] = &fmnist__tf_affine,
    [FMNIST__TF_ELASTIC] = &fmnist__tf_elastic,
    [FMNIST__TF_VFLIP] = &fmnist__tf_vflip,
    [FMNIST__TF_ROT90] = &fmnist__tf_rot90,
    [FMNIST__TF_TRANSPOSE] = &fmnist__tf_transpose,
    [FMNIST__TF_GAMMA] = &fmnist__tf_gamma,
    [FMNIST__TF_INVERT] = &fmnist__tf_invert,
    [FMNIST__TF_FOG] = &fmnist__tf_fog,
    [FMNIST__TF_POSTERIZE] = &fmnist__tf_posterize,
    [FMNIST__TF_PIXELATE] = &fmnist__tf_pixelate,
    [FMNIST__TF_JPEG] = &fmnist__tf_jpeg,
    [FMNIST__TF_ERASE] = &fmnist__tf_erase,
    [FMNIST__TF_ERASE_RANDOM] = &fmnist__tf_erase_random,
    [FMNIST__TF_CUTOUT] = &fmnist__tf_cutout,
    [FMNIST__TF_STRIPE] = &fmnist__tf_stripe,
    [FMNIST__TF_DOTTED_LINE] = &fmnist__tf_dotted_line,
    [FMNIST__TF_ZIGZAG] = &fmnist__tf_zigzag,
    [FMNIST__TF_SPATTER] = &fmnist__tf_spatter,
    [FMNIST__TF_AUGMIX] = &fmnist__tf_augmix,
    [FMNIST__TF_RANDAUGMENT] = &fmnist__tf_randaugment,
};

/* Spec words besides the ops' own names: "brightness", the second value
 * of the contrast op (the first then neutral: contrast 1); "crop:P",
 * torchvision's RandomCrop(28, padding=P): a 28x28 window at a random
 * place in the image padded with P zeros, which is the shift op (-P..P on
 * each axis, zeros uncovered); and ImageNet-C's names of three ops. */
static const fmnist__tf_word aliases[] = {
    {"brightness", FMNIST__TF_CONTRAST, 1, 1.0},
    {"crop", FMNIST__TF_SHIFT, 0, 0.0},
    {"gaussian_noise", FMNIST__TF_NOISE, 0, 0.0},
    {"impulse_noise", FMNIST__TF_SALT_PEPPER, 0, 0.0},
    {"gaussian_blur", FMNIST__TF_BLUR, 0, 0.0},
};
#define ALIASES (sizeof aliases / sizeof aliases[0])

int fmnist__tf_lookup(const char *name, fmnist__tf_word *out) {
  for (int k = 0; k < FMNIST__TF_KIND_COUNT; k++)
    if (strcmp(fmnist__tf_table[k]->name, name) == 0) {
      *out = (fmnist__tf_word){fmnist__tf_table[k]->name, (fmnist__tf_kind)k, 0, 0.0};
      return 1;
    }
  for (size_t i = 0; i < ALIASES; i++)
    if (strcmp(aliases[i].name, name) == 0) {
      *out = aliases[i];
      return 1;
    }
  return 0;
}

fmnist__tf_op fmnist__tf_word_op(const fmnist__tf_word *w, double v) {
  if (fmnist__tf_table[w->kind]->whole) v = floor(v + 0.5);
  double a = w->param ? w->other : v, b = w->param ? v : w->other;
  return (fmnist__tf_op){w->kind, a, b, a, b, 1.0, NULL, NULL};
}

struct fmnist_transform {
  uint64_t seed;
  fmnist__stream_space space; /* of the images' streams */
  uint64_t counter; /* images transformed since create/reseed */
  fmnist__tf_op *ops;
  size_t n, cap;
  size_t threads; /* 0 = all cores */
};

uint8_t fmnist__tf_pixel(double v) {
  /* floor(v + 0.5) rather than lrint: independent of the rounding mode. */
  if (!(v >= 0.0)) return 0; /* also NaN */
  if (v >= 254.5) return 255;
  return (uint8_t)floor(v + 0.5);
}

fmnist_status fmnist__transform_create_in(uint64_t seed, fmnist__stream_space space,
                                         fmnist_transform **out) {
  FMNIST__CHECK_ARG(out);
  fmnist_transform *t = fmnist__calloc(1, sizeof *t);
  if (!t) return fmnist__fail(FMNIST_E_NOMEM, "transform: out of memory");
  t->seed = seed;
  t->space = space;
  *out = t;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_transform_create(uint64_t seed,
                                                 fmnist_transform **out) {
  return fmnist__transform_create_in(seed, FMNIST__STREAM_TRANSFORM, out);
}

FMNIST_API fmnist_status fmnist_transform_set_threads(fmnist_transform *t, size_t threads) {
  FMNIST__CHECK_ARG(t);
  t->threads = threads;
  return FMNIST_OK;
}

static void free_ops(fmnist__tf_op *ops, size_t n) {
  for (size_t i = 0; i < n; i++) {
    fmnist__free(ops[i].aux);
    fmnist__free(ops[i].cfg);
  }
}

FMNIST_API void fmnist_transform_free(fmnist_transform *t) {
  if (!t) return;
  free_ops(t->ops, t->n);
  fmnist__free(t->ops);
  fmnist__free(t);
}

FMNIST_API fmnist_status fmnist_transform_reseed(fmnist_transform *t,
                                                 uint64_t seed) {
  FMNIST__CHECK_ARG(t);
  t->seed = seed;
  t->counter = 0;
  return FMNIST_OK;
}

FMNIST_API size_t fmnist_transform_count(const fmnist_transform *t) {
  return t ? t->n : 0;
}

/* The op's check: its own, or its value within lo..hi. */
static int check_op(const fmnist__tf_ops *ops, double a, double b, char *msg, size_t len) {
  if (ops->check) return ops->check(a, b, msg, len);
  if (a >= ops->lo && a <= ops->hi) return 0; /* also refuses NaN */
  snprintf(msg, len, "%s: %s %g is outside %g..%g", ops->name, ops->value, a, ops->lo, ops->hi);
  return 1;
}

/* Validates, configures (a construct's KEY=VALUE fields key[0..n_keys-1])
 * and builds one op into *op; msg gets the reason on failure. */
static fmnist_status make_op(fmnist__tf_kind kind, double a, double b, const char *const *key,
                             size_t n_keys, fmnist__tf_op *op, char *msg, size_t len) {
  const fmnist__tf_ops *ops = fmnist__tf_table[kind];
  if (check_op(ops, a, b, msg, len)) return FMNIST_E_OPTION;
  *op = (fmnist__tf_op){kind, a, b, a, b, 1.0, NULL, NULL};
  if (ops->configure) {
    fmnist_status s = ops->configure(op, key, n_keys, msg, len);
    if (s) return s;
  } else if (n_keys) {
    snprintf(msg, len, "%s takes no KEY=VALUE fields ('%s')", ops->name, key[0]);
    return FMNIST_E_OPTION;
  }
  if (ops->build) {
    op->aux = fmnist__alloc(ops->aux_size);
    if (!op->aux) {
      fmnist__free(op->cfg);
      snprintf(msg, len, "%s: out of memory", ops->name);
      return FMNIST_E_NOMEM;
    }
    ops->build(op, op->aux);
  }
  return FMNIST_OK;
}

/* Makes room for `more` ops; the handle is unchanged on failure. */
static int reserve(fmnist_transform *t, size_t more) {
  if (more <= t->cap - t->n) return 1;
  if (more > SIZE_MAX - t->n) return 0;
  size_t need = t->n + more, cap = t->cap ? t->cap : 4, bytes;
  while (cap < need) cap = cap <= SIZE_MAX / 2 ? cap * 2 : need;
  if (!fmnist__mul_ok(cap, sizeof *t->ops, &bytes)) return 0;
  fmnist__tf_op *p = fmnist__realloc(t->ops, bytes);
  if (!p) return 0;
  t->ops = p;
  t->cap = cap;
  return 1;
}

static fmnist_status add_op(fmnist_transform *t, fmnist__tf_kind kind,
                            double a, double b) {
  char msg[256];
  fmnist__tf_op op;
  fmnist_status s = make_op(kind, a, b, NULL, 0, &op, msg, sizeof msg);
  if (s != FMNIST_OK) return fmnist__fail(s, "%s", msg);
  if (!reserve(t, 1)) {
    free_ops(&op, 1);
    return fmnist__fail(FMNIST_E_NOMEM, "transform: out of memory");
  }
  t->ops[t->n++] = op;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_transform_add_noise(fmnist_transform *t,
                                                    double std) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_NOISE, std, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_salt_pepper(fmnist_transform *t,
                                                          double fraction) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_SALT_PEPPER, fraction, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_shift(fmnist_transform *t,
                                                    int max_pixels) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_SHIFT, (double)max_pixels, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_flip(fmnist_transform *t,
                                                   double probability) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_FLIP, probability, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_rotation(fmnist_transform *t,
                                                       double max_degrees) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_ROTATION, max_degrees, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_blur(fmnist_transform *t,
                                                   double sigma) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_BLUR, sigma, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_occlusion(fmnist_transform *t,
                                                        int size) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_OCCLUSION, (double)size, 0.0);
}

FMNIST_API fmnist_status fmnist_transform_add_contrast(fmnist_transform *t,
                                                       double contrast,
                                                       double brightness) {
  FMNIST__CHECK_ARG(t);
  return add_op(t, FMNIST__TF_CONTRAST, contrast, brightness);
}

/* ---- spec parser ---- */

#define bad(t, ...) fmnist__lex_fail("transform spec", t, __VA_ARGS__)

int fmnist__tf_parse_value(const char *text, double *lo, double *hi) {
  const char *dots = strstr(text, "..");
  if (!dots) {
    if (!fmnist__lex_real(text, -HUGE_VAL, HUGE_VAL, 0, lo)) return 0;
    *hi = *lo;
    return 1;
  }
  char first[FMNIST__LEX_MAX_TOKEN + 1];
  size_t len = (size_t)(dots - text);
  memcpy(first, text, len);
  first[len] = '\0';
  return fmnist__lex_real(first, -HUGE_VAL, HUGE_VAL, 0, lo) &&
         fmnist__lex_real(dots + 2, -HUGE_VAL, HUGE_VAL, 0, hi) && *lo <= *hi;
}

/* Edit distance of a and b (single-character insertions, deletions and
 * substitutions), for names of at most 31 characters; larger otherwise. */
static size_t distance(const char *a, const char *b) {
  size_t na = strlen(a), nb = strlen(b), row[32], prev;
  if (na > 31 || nb > 31) return SIZE_MAX;
  for (size_t j = 0; j <= nb; j++) row[j] = j;
  for (size_t i = 1; i <= na; i++) {
    prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= nb; j++) {
      size_t diag = prev + (a[i - 1] != b[j - 1]);
      prev = row[j];
      row[j] = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
      if (diag < row[j]) row[j] = diag;
    }
  }
  return row[nb];
}

/* An unknown word: the nearest known one if it is two edits away or
 * closer (the list of every op, some forty, would not fit a message). */
static fmnist_status unknown(const fmnist__token *t, const char *name) {
  const char *best = NULL;
  size_t best_d = 3;
  for (size_t k = 0; k < FMNIST__TF_KIND_COUNT + ALIASES; k++) {
    const char *word = k < FMNIST__TF_KIND_COUNT ? fmnist__tf_table[k]->name
                                                 : aliases[k - FMNIST__TF_KIND_COUNT].name;
    size_t d = distance(name, word);
    if (d < best_d) {
      best_d = d;
      best = word;
    }
  }
  if (best) return bad(t, "unknown op '%s' (did you mean '%s'?)", name, best);
  return bad(t, "unknown op '%s' (fmnist/transform.h lists the ops)", name);
}

/* Parses one NAME:VALUE[:PROB][:KEY=VALUE...] token into *op. The value is
 * a real number or a range LO..HI of them, drawn per image; the ops that
 * need a whole number accept one written as a real ("shift:2.0"). Its
 * bounds are the op's own check, applied to both ends. PROB (0..1,
 * default 1) is the chance that the op applies to an image. KEY=VALUE
 * fields, for the constructs that take them, follow. */
static fmnist_status parse_token(const fmnist__token *t, fmnist__tf_op *op) {
  fmnist__fields f;
  if (!fmnist__lex_fields(t, &f) || f.n < 2)
    return bad(t,
               "expected NAME:VALUE[:PROB][:KEY=VALUE...], VALUE a number or LO..HI (at most %d "
               "characters)",
               FMNIST__LEX_MAX_TOKEN);
  fmnist__tf_word w;
  if (!fmnist__tf_lookup(f.field[0], &w)) return unknown(t, f.field[0]);
  const fmnist__tf_ops *ops = fmnist__tf_table[w.kind];
  const char *name = f.field[0];
  double v, hi, prob = 1.0;
  if (!fmnist__tf_parse_value(f.field[1], &v, &hi))
    return bad(t, "%s: value '%s' is not a finite number or a range LO..HI with LO <= HI", name,
               f.field[1]);
  if (ops->whole && (v != floor(v) || hi != floor(hi)))
    return bad(t, "%s: value '%s' is not a whole number", name, f.field[1]);
  size_t keys = 2; /* the first KEY=VALUE field */
  if (f.n > 2 && !strchr(f.field[2], '=')) {
    if (!fmnist__lex_real(f.field[2], 0, 1, 0, &prob))
      return bad(t, "%s: probability '%s' is outside 0..1", name, f.field[2]);
    keys = 3;
  }
  for (size_t k = keys; k < f.n; k++)
    if (!strchr(f.field[k], '='))
      return bad(t, "%s: field '%s' is not KEY=VALUE (expected NAME:VALUE[:PROB][:KEY=VALUE...])",
                 name, f.field[k]);
  char msg[256];
  double a = w.param ? w.other : v, b = w.param ? v : w.other;
  if (hi != v && check_op(ops, w.param ? w.other : hi, w.param ? hi : w.other, msg, sizeof msg))
    return bad(t, "%s", msg); /* the upper end passes the op's check too */
  fmnist_status s = make_op(w.kind, a, b, f.field + keys, f.n - keys, op, msg, sizeof msg);
  if (s == FMNIST_E_OPTION) return bad(t, "%s", msg);
  if (s) return fmnist__fail(s, "transform spec: %s", msg);
  if (hi != v) { /* drawn per image: nothing precomputed */
    fmnist__free(op->aux);
    op->aux = NULL;
    if (w.param) op->b_hi = hi;
    else op->a_hi = hi;
  }
  op->prob = prob;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_transform_add_spec(fmnist_transform *t,
                                                   const char *spec) {
  FMNIST__CHECK_ARG(t);
  FMNIST__CHECK_ARG(spec);
  /* Parse everything into a side list first, so that a bad token anywhere
   * leaves the pipeline exactly as it was (all or nothing). */
  size_t count = fmnist__lex_count(spec);
  if (count == 0) return FMNIST_OK;
  fmnist__tf_op *ops = fmnist__calloc(count, sizeof *ops);
  if (!ops) return fmnist__fail(FMNIST_E_NOMEM, "transform spec: out of memory");
  size_t done = 0;
  fmnist_status s = FMNIST_OK;
  fmnist__token tok = {0};
  while (!s && fmnist__lex_next(spec, &tok)) {
    s = parse_token(&tok, &ops[done]);
    if (!s) done++;
  }
  if (!s && !reserve(t, count))
    s = fmnist__fail(FMNIST_E_NOMEM, "transform spec: out of memory");
  if (s) {
    free_ops(ops, done);
    fmnist__free(ops);
    return s;
  }
  memcpy(t->ops + t->n, ops, count * sizeof *ops);
  t->n += count;
  fmnist__free(ops);
  return FMNIST_OK;
}

/* ---- apply ---- */

typedef struct apply_job {
  const fmnist_transform *t;
  const uint8_t *in;
  uint8_t *out;
  size_t n, chunk; /* images, images per task */
} apply_job;

void fmnist__tf_run(const fmnist__tf_op *op, uint8_t *img, uint8_t *tmp, fmnist__rng *r) {
  const fmnist__tf_ops *ops = fmnist__tf_table[op->kind];
  if (!ops->build || op->aux) {
    ops->apply(op, img, tmp, r);
    return;
  }
  _Alignas(max_align_t) unsigned char scratch[FMNIST__TF_AUX_MAX];
  fmnist__tf_op built = *op;
  built.aux = scratch;
  ops->build(&built, scratch);
  ops->apply(&built, img, tmp, r);
}

/* A value uniform in [lo, hi] (a whole number if whole). */
static double draw_in(fmnist__rng *r, double lo, double hi, int whole) {
  if (whole) return lo + (double)fmnist__rng_below(r, (uint64_t)(hi - lo) + 1);
  return lo + (hi - lo) * fmnist__rng_uniform(r);
}

/* Image i of the call: copy, run every op on its own stream, store. */
static void apply_one(const fmnist_transform *t, const uint8_t *in,
                      uint8_t *out, uint64_t index) {
  uint8_t img[FMNIST_PIXELS], tmp[FMNIST_PIXELS];
  fmnist__rng r;
  fmnist__rng_init(&r, t->seed, t->space, index);
  memcpy(img, in, FMNIST_PIXELS); /* in may be out */
  for (size_t k = 0; k < t->n; k++) {
    const fmnist__tf_op *op = &t->ops[k];
    const fmnist__tf_ops *ops = fmnist__tf_table[op->kind];
    if (op->prob < 1.0 && !(fmnist__rng_uniform(&r) < op->prob)) continue;
    if (op->a_hi == op->a && op->b_hi == op->b) {
      fmnist__tf_run(op, img, tmp, &r);
      continue;
    }
    fmnist__tf_op drawn = *op;
    if (op->a_hi != op->a) drawn.a = draw_in(&r, op->a, op->a_hi, ops->whole);
    if (op->b_hi != op->b) drawn.b = draw_in(&r, op->b, op->b_hi, 0);
    fmnist__tf_run(&drawn, img, tmp, &r);
  }
  memcpy(out, img, FMNIST_PIXELS);
}

static void apply_chunk(void *ctx, size_t task) {
  const apply_job *job = ctx;
  size_t lo = task * job->chunk;
  size_t hi = lo + job->chunk < job->n ? lo + job->chunk : job->n;
  for (size_t i = lo; i < hi; i++)
    apply_one(job->t, job->in + i * FMNIST_PIXELS,
              job->out + i * FMNIST_PIXELS, job->t->counter + i);
}

/* fmnist_transform_apply on `threads` threads in tasks of `chunk` images
 * (threads 1: the caller's alone). */
static fmnist_status apply_in(fmnist_transform *t, const uint8_t *in, uint8_t *out, size_t n,
                              size_t threads, size_t chunk) {
  FMNIST__CHECK_ARG(t);
  if (n == 0) return FMNIST_OK; /* NULL buffers are fine for no images */
  FMNIST__CHECK_ARG(in);
  FMNIST__CHECK_ARG(out);
  size_t bytes;
  if (!fmnist__mul_ok(n, FMNIST_PIXELS, &bytes))
    return fmnist__fail(FMNIST_E_INVALID,
                        "fmnist_transform_apply: %zu images overflow size_t",
                        n);
  if (in != out) {
    /* Integer comparison: relational operators on pointers into different
     * objects are undefined. */
    uintptr_t a = (uintptr_t)in, b = (uintptr_t)out;
    if (a < b + bytes && b < a + bytes)
      return fmnist__fail(FMNIST_E_INVALID,
                          "fmnist_transform_apply: in and out overlap "
                          "without being equal");
  }
  if (t->n == 0) {
    if (in != out) memcpy(out, in, bytes);
  } else {
    apply_job job = {t, in, out, n, chunk};
    size_t tasks = (n + chunk - 1) / chunk;
    if (threads > 1) {
      fmnist__parallel_for(threads, tasks, apply_chunk, &job);
    } else {
      for (size_t k = 0; k < tasks; k++) apply_chunk(&job, k);
    }
  }
  t->counter += n;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_transform_apply(fmnist_transform *t,
                                                const uint8_t *in, uint8_t *out,
                                                size_t n) {
  size_t threads = t && n >= PARALLEL_MIN ? fmnist__threads_resolve(t->threads) : 1;
  return apply_in(t, in, out, n, threads, CHUNK);
}

fmnist_status fmnist__transform_apply_batch(fmnist_transform *t, uint64_t first, uint8_t *images,
                                            size_t n, size_t threads) {
  t->counter = first;
  size_t chunk = threads > 1 ? (n + 2 * threads - 1) / (2 * threads) : n;
  return apply_in(t, images, images, n, threads, chunk ? chunk : 1);
}

FMNIST_API fmnist_status fmnist_transform_apply_dataset(
    fmnist_transform *t, const fmnist_dataset *ds, fmnist_dataset **out) {
  FMNIST__CHECK_ARG(t);
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(out);
  size_t n = fmnist_dataset_count(ds), bytes;
  if (!fmnist__mul_ok(n, FMNIST_PIXELS, &bytes))
    return fmnist__fail(FMNIST_E_INVALID,
                        "fmnist_transform_apply_dataset: too many images");
  static const uint8_t none[1]; /* stands for the buffers of an empty set */
  const uint8_t *labels = n ? fmnist_dataset_labels(ds) : none;
  uint8_t *images = fmnist__alloc(bytes);
  if (!images)
    return fmnist__fail(FMNIST_E_NOMEM,
                        "fmnist_transform_apply_dataset: out of memory for "
                        "%zu images",
                        n);
  /* A failure must leave the handle as it was, counter included. */
  uint64_t counter = t->counter;
  fmnist_status s = fmnist_transform_apply(t, fmnist_dataset_images(ds),
                                           images, n);
  fmnist_dataset *res = NULL;
  if (s == FMNIST_OK) s = fmnist_dataset_from_memory(images, labels, n, &res);
  fmnist__free(images);
  if (s != FMNIST_OK) {
    t->counter = counter;
    return s;
  }
  *out = res;
  return FMNIST_OK;
}
