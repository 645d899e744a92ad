/* The transform pipeline: handle, op list, spec parser, apply. */
#include "transform/transform_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
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
};

struct fmnist_transform {
  uint64_t seed;
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

FMNIST_API fmnist_status fmnist_transform_create(uint64_t seed,
                                                 fmnist_transform **out) {
  FMNIST__CHECK_ARG(out);
  fmnist_transform *t = fmnist__calloc(1, sizeof *t);
  if (!t) return fmnist__fail(FMNIST_E_NOMEM, "transform: out of memory");
  t->seed = seed;
  *out = t;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_transform_set_threads(fmnist_transform *t, size_t threads) {
  FMNIST__CHECK_ARG(t);
  t->threads = threads;
  return FMNIST_OK;
}

static void free_ops(fmnist__tf_op *ops, size_t n) {
  for (size_t i = 0; i < n; i++) fmnist__free(ops[i].aux);
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

/* Validates and prepares one op into *op; msg gets the reason on failure. */
static fmnist_status make_op(fmnist__tf_kind kind, double a, double b,
                             fmnist__tf_op *op, char *msg, size_t len) {
  const fmnist__tf_ops *ops = fmnist__tf_table[kind];
  if (ops->check(a, b, msg, len)) return FMNIST_E_OPTION;
  op->kind = kind;
  op->a = a;
  op->b = b;
  op->aux = NULL;
  if (ops->prepare && ops->prepare(op)) {
    snprintf(msg, len, "%s: out of memory", ops->name);
    return FMNIST_E_NOMEM;
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
  fmnist_status s = make_op(kind, a, b, &op, msg, sizeof msg);
  if (s != FMNIST_OK) return fmnist__fail(s, "%s", msg);
  if (!reserve(t, 1)) {
    fmnist__free(op.aux);
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

/* Spec token names; "contrast" and "brightness" are the two halves of one
 * op (the other half neutral: brightness 0, contrast 1). */
static const struct spec_word {
  const char *name;
  fmnist__tf_kind kind;
  int integer; /* value must be a whole number */
  int is_brightness;
} spec_words[] = {
    {"noise", FMNIST__TF_NOISE, 0, 0},
    {"saltpepper", FMNIST__TF_SALT_PEPPER, 0, 0},
    {"shift", FMNIST__TF_SHIFT, 1, 0},
    {"flip", FMNIST__TF_FLIP, 0, 0},
    {"rotate", FMNIST__TF_ROTATION, 0, 0},
    {"blur", FMNIST__TF_BLUR, 0, 0},
    {"occlude", FMNIST__TF_OCCLUSION, 1, 0},
    {"contrast", FMNIST__TF_CONTRAST, 0, 0},
    {"brightness", FMNIST__TF_CONTRAST, 0, 1},
};
#define N_SPEC_WORDS (sizeof spec_words / sizeof spec_words[0])
#define SPEC_WORD_LIST \
  "noise, saltpepper, shift, flip, rotate, blur, occlude, contrast, brightness"

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

/* Parses one token tok[0..len-1] into *op; msg says why on failure. */
static fmnist_status parse_token(const char *tok, size_t len,
                                 fmnist__tf_op *op, char *msg, size_t mlen) {
  const char *colon = memchr(tok, ':', len);
  if (!colon) {
    snprintf(msg, mlen, "expected NAME:VALUE");
    return FMNIST_E_OPTION;
  }
  size_t name_len = (size_t)(colon - tok);
  const struct spec_word *w = NULL;
  for (size_t i = 0; i < N_SPEC_WORDS; i++)
    if (strlen(spec_words[i].name) == name_len &&
        memcmp(spec_words[i].name, tok, name_len) == 0)
      w = &spec_words[i];
  if (!w) {
    snprintf(msg, mlen, "unknown op '%.*s' (expected one of " SPEC_WORD_LIST
             ")", (int)name_len, tok);
    return FMNIST_E_OPTION;
  }
  /* strtod needs a terminated string; a number longer than this is not a
   * number we want anyway. */
  char num[64];
  size_t num_len = len - name_len - 1;
  if (num_len == 0 || num_len >= sizeof num) {
    snprintf(msg, mlen, "%s: missing or overlong value", w->name);
    return FMNIST_E_OPTION;
  }
  memcpy(num, colon + 1, num_len);
  num[num_len] = '\0';
  char *end;
  errno = 0;
  double v = strtod(num, &end);
  if (end != num + num_len) {
    snprintf(msg, mlen, "%s: value '%s' is not a number", w->name, num);
    return FMNIST_E_OPTION;
  }
  if (w->integer && isfinite(v) && v != floor(v)) {
    snprintf(msg, mlen, "%s: value '%s' is not a whole number", w->name, num);
    return FMNIST_E_OPTION;
  }
  /* Overflow (ERANGE with HUGE_VAL) is left to the op's check, which
   * rejects infinities by name; underflow to 0 or a denormal is harmless. */
  double a = w->is_brightness ? 1.0 : v;
  double b = w->is_brightness ? v : 0.0;
  return make_op(w->kind, a, b, op, msg, mlen);
}

FMNIST_API fmnist_status fmnist_transform_add_spec(fmnist_transform *t,
                                                   const char *spec) {
  FMNIST__CHECK_ARG(t);
  FMNIST__CHECK_ARG(spec);
  /* Parse everything into a side list first, so that a bad token anywhere
   * leaves the pipeline exactly as it was (all or nothing). */
  size_t count = 0;
  for (const char *p = spec; *p;) {
    while (is_space(*p)) p++;
    if (!*p) break;
    count++;
    while (*p && !is_space(*p)) p++;
  }
  if (count == 0) return FMNIST_OK;
  fmnist__tf_op *ops = fmnist__calloc(count, sizeof *ops);
  if (!ops) return fmnist__fail(FMNIST_E_NOMEM, "transform spec: out of memory");
  size_t done = 0;
  fmnist_status s = FMNIST_OK;
  for (const char *p = spec; *p;) {
    while (is_space(*p)) p++;
    if (!*p) break;
    const char *tok = p;
    while (*p && !is_space(*p)) p++;
    size_t len = (size_t)(p - tok);
    char msg[256];
    s = parse_token(tok, len, &ops[done], msg, sizeof msg);
    if (s != FMNIST_OK) {
      s = fmnist__fail(s,
                       "transform spec: token %zu '%.*s' (at character %zu): "
                       "%s",
                       done + 1, len > 64 ? 64 : (int)len, tok,
                       (size_t)(tok - spec), msg);
      goto fail;
    }
    done++;
  }
  if (!reserve(t, count)) {
    s = fmnist__fail(FMNIST_E_NOMEM, "transform spec: out of memory");
    goto fail;
  }
  memcpy(t->ops + t->n, ops, count * sizeof *ops);
  t->n += count;
  fmnist__free(ops);
  return FMNIST_OK;
fail:
  free_ops(ops, done);
  fmnist__free(ops);
  return s;
}

/* ---- apply ---- */

typedef struct apply_job {
  const fmnist_transform *t;
  const uint8_t *in;
  uint8_t *out;
  size_t n;
} apply_job;

/* Image i of the call: copy, run every op on its own stream, store. */
static void apply_one(const fmnist_transform *t, const uint8_t *in,
                      uint8_t *out, uint64_t index) {
  uint8_t img[FMNIST_PIXELS], tmp[FMNIST_PIXELS];
  fmnist__rng r;
  fmnist__rng_init(&r, t->seed, FMNIST__STREAM_TRANSFORM, index);
  memcpy(img, in, FMNIST_PIXELS); /* in may be out */
  for (size_t k = 0; k < t->n; k++)
    fmnist__tf_table[t->ops[k].kind]->apply(&t->ops[k], img, tmp, &r);
  memcpy(out, img, FMNIST_PIXELS);
}

static void apply_chunk(void *ctx, size_t task) {
  const apply_job *job = ctx;
  size_t lo = task * CHUNK;
  size_t hi = lo + CHUNK < job->n ? lo + CHUNK : job->n;
  for (size_t i = lo; i < hi; i++)
    apply_one(job->t, job->in + i * FMNIST_PIXELS,
              job->out + i * FMNIST_PIXELS, job->t->counter + i);
}

FMNIST_API fmnist_status fmnist_transform_apply(fmnist_transform *t,
                                                const uint8_t *in, uint8_t *out,
                                                size_t n) {
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
    apply_job job = {t, in, out, n};
    size_t tasks = (n + CHUNK - 1) / CHUNK;
    if (n >= PARALLEL_MIN) {
      fmnist__parallel_for(fmnist__threads_resolve(t->threads), tasks, apply_chunk, &job);
    } else {
      for (size_t k = 0; k < tasks; k++) apply_chunk(&job, k);
    }
  }
  t->counter += n;
  return FMNIST_OK;
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
