/* fmnist_model: the verbs shared by every family (options, standardization,
 * fit/predict/evaluate, history, save/load framing). */
#include "models/model_impl.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/alloc.h"
#include "base/file.h"
#include "base/status.h"
#include "base/threads.h"
#include "models/families.h"
#include "models/tta.h"

static const char *const standardizations[] = {"pixel", "global", NULL};

/* Options of every family, stored in the model itself. */
static const fmnist__option common_options[] = {
    {"threads", FMNIST__OPT_SIZE, offsetof(fmnist_model, threads), "0", 0, 1024, NULL, NULL, NULL},
    {"seed", FMNIST__OPT_U64, offsetof(fmnist_model, seed), "42", 0, 0, NULL, NULL, NULL},
    {"standardize", FMNIST__OPT_CHOICE, offsetof(fmnist_model, standardize), "pixel", 0, 0,
     standardizations, NULL, NULL},
    {"tta", FMNIST__OPT_CHOICE, offsetof(fmnist_model, tta), "none", 0, 0, fmnist__tta_levels, NULL,
     NULL},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

/* Rows predicted per chunk: bounds the temporary probability buffer. */
#define PREDICT_CHUNK 4096

/* Finds key in the common table (base: the model) or the family's (base:
 * its option struct). */
static const fmnist__option *find_option(const fmnist_model *m, const char *key,
                                         void **base) {
  const fmnist__option *o = fmnist__option_find(common_options, key);
  if (o) {
    *base = (void *)(uintptr_t)m;
    return o;
  }
  *base = m->config;
  return fmnist__option_find(m->family->options, key);
}

static void unfit(fmnist_model *m) {
  if (m->state) m->family->free_state(m->state);
  m->state = NULL;
  m->epochs = 0;
}

static fmnist_status create_family(const fmnist__family *f, fmnist_model **out) {
  fmnist_model *m = fmnist__calloc(1, sizeof *m);
  if (!m) return fmnist__fail(FMNIST_E_NOMEM, "fmnist_model_create: out of memory");
  m->family = f;
  m->config = fmnist__calloc(1, f->config_size);
  fmnist_status s = m->config ? FMNIST_OK
                              : fmnist__fail(FMNIST_E_NOMEM, "fmnist_model_create: out of memory");
  if (!s) s = fmnist__options_defaults(common_options, m);
  if (!s) s = fmnist__options_defaults(f->options, m->config);
  for (size_t i = 0; i < FMNIST_PIXELS; i++) m->inv_std[i] = 1.0f;
  if (s) {
    fmnist_model_free(m);
    return s;
  }
  *out = m;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_model_create(const char *family, fmnist_model **out) {
  FMNIST__CHECK_ARG(family);
  FMNIST__CHECK_ARG(out);
  const fmnist__family *f = fmnist__family_by_name(family);
  if (!f) {
    char names[128];
    fmnist__family_names(names, sizeof names);
    return fmnist__fail(FMNIST_E_OPTION, "unknown model family \"%s\" (expected %s)", family,
                        names);
  }
  return create_family(f, out);
}

FMNIST_API void fmnist_model_free(fmnist_model *m) {
  if (!m) return;
  unfit(m);
  if (m->config) fmnist__options_free(m->family->options, m->config);
  fmnist__free(m->config);
  fmnist__free(m->history);
  fmnist__free(m);
}

FMNIST_API const char *fmnist_model_family(const fmnist_model *m) {
  return m ? m->family->name : NULL;
}

FMNIST_API fmnist_status fmnist_model_set(fmnist_model *m, const char *key, const char *value) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(key);
  FMNIST__CHECK_ARG(value);
  void *base;
  const fmnist__option *o = find_option(m, key, &base);
  if (!o)
    return fmnist__fail(FMNIST_E_OPTION, "option %s: unknown for the %s family", key,
                        m->family->name);
  fmnist_status s = fmnist__option_parse(o, base, value);
  /* Any option but the thread count and test-time augmentation, which
   * change how the work is spread and how a fitted model predicts,
   * changes what a fit would produce; a model made rather than fitted
   * (an ensemble) has no fit to redo and keeps its state. */
  if (!s && strcmp(key, "threads") != 0 && strcmp(key, "tta") != 0 && m->family->fit) unfit(m);
  return s;
}

/* Sets the options of text (fmnist_model_set_options), cut in place. */
static fmnist_status set_each(fmnist_model *m, char *text) {
  char *p = text + strspn(text, " ");
  while (*p) {
    size_t word = strcspn(p, " ");
    char *eq = memchr(p, '=', word);
    if (!eq || eq == p)
      return fmnist__fail(FMNIST_E_OPTION, "fmnist_model_set_options: \"%.*s\" is not "
                          "key=value", (int)word, p);
    *eq = '\0';
    char *value = eq + 1, *next = value + strlen(value);
    for (char *sp = strchr(value, ' '); sp; sp = strchr(sp + 1, ' ')) {
      size_t w = strcspn(sp + 1 + strspn(sp + 1, " "), " ");
      if (memchr(sp + 1 + strspn(sp + 1, " "), '=', w)) {
        next = sp + 1 + strspn(sp + 1, " ");
        break;
      }
    }
    char *end = next;
    while (end > value && end[-1] == ' ') end--;
    *end = '\0';
    fmnist_status s = fmnist_model_set(m, p, value);
    if (s) return s;
    p = next;
  }
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_model_set_options(fmnist_model *m, const char *text) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(text);
  size_t len = strlen(text) + 1;
  char *copy = fmnist__alloc(2 * len);
  fmnist_model *trial = NULL;
  fmnist_status s = copy ? fmnist_model_clone_config(m, &trial)
                         : fmnist__fail(FMNIST_E_NOMEM, "fmnist_model_set_options: out of memory");
  /* On a copy first, so that a bad option leaves m as it was. */
  if (!s) {
    memcpy(copy, text, len);
    memcpy(copy + len, text, len);
    s = set_each(trial, copy);
  }
  if (!s) s = set_each(m, copy + len);
  fmnist_model_free(trial);
  fmnist__free(copy);
  return s;
}

FMNIST_API fmnist_status fmnist_model_get(const fmnist_model *m, const char *key, char *buf,
                                          size_t len) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(key);
  FMNIST__CHECK_ARG(buf);
  void *base;
  const fmnist__option *o = find_option(m, key, &base);
  if (!o)
    return fmnist__fail(FMNIST_E_OPTION, "option %s: unknown for the %s family", key,
                        m->family->name);
  return fmnist__option_format(o, base, buf, len);
}

FMNIST_API const char *fmnist_model_option_name(const fmnist_model *m, size_t i) {
  if (!m) return NULL;
  size_t n_common = sizeof common_options / sizeof common_options[0] - 1;
  if (i < n_common) return common_options[i].key;
  for (const fmnist__option *o = m->family->options; o->key; o++, i--)
    if (i == n_common) return o->key;
  return NULL;
}

FMNIST_API fmnist_status fmnist_model_clone_config(const fmnist_model *m, fmnist_model **out) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(out);
  fmnist_model *c;
  fmnist_status s = create_family(m->family, &c);
  if (s) return s;
  s = fmnist__options_copy(common_options, c, m);
  if (!s) s = fmnist__options_copy(m->family->options, c->config, m->config);
  if (s) {
    fmnist_model_free(c);
    return s;
  }
  *out = c;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_model_set_progress(fmnist_model *m, fmnist_progress_fn fn,
                                                   void *user) {
  FMNIST__CHECK_ARG(m);
  m->progress = fn;
  m->progress_user = user;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_model_get_progress(const fmnist_model *m, fmnist_progress_fn *fn,
                                                   void **user) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(fn);
  FMNIST__CHECK_ARG(user);
  *fn = m->progress;
  *user = m->progress_user;
  return FMNIST_OK;
}

/* Mean and 1/std over the training images (population std, as
 * scikit-learn's StandardScaler), per pixel or (standardize=global) one pair
 * for all pixels; a constant pixel gets scale 1. */
static void fit_standardization(fmnist_model *m, const fmnist_dataset *train) {
  size_t n = fmnist_dataset_count(train);
  const uint8_t *img = fmnist_dataset_images(train);
  uint64_t sum[FMNIST_PIXELS] = {0}, sq[FMNIST_PIXELS] = {0};
  for (size_t i = 0; i < n; i++)
    for (size_t p = 0; p < FMNIST_PIXELS; p++) {
      uint32_t v = img[i * FMNIST_PIXELS + p];
      sum[p] += v;
      sq[p] += v * v;
    }
  if (m->standardize) { /* pool the pixels: every one gets the global pair */
    for (size_t p = 1; p < FMNIST_PIXELS; p++) {
      sum[0] += sum[p];
      sq[0] += sq[p];
    }
    n *= FMNIST_PIXELS;
  }
  for (size_t p = 0; p < FMNIST_PIXELS; p++) {
    const size_t q = m->standardize ? 0 : p;
    double mean = (double)sum[q] / (double)n;
    double var = (double)sq[q] / (double)n - mean * mean;
    double sd = var > 1e-12 ? sqrt(var) : 0.0;
    m->mean[p] = (float)mean;
    m->inv_std[p] = sd > 0 ? (float)(1.0 / sd) : 1.0f;
  }
}

FMNIST_API fmnist_status fmnist_model_fit(fmnist_model *m, const fmnist_dataset *train,
                                          const fmnist_dataset *valid) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(train);
  if (fmnist_dataset_count(train) == 0)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_model_fit: the training set is empty");
  if (!m->family->fit)
    return fmnist__fail(FMNIST_E_UNSUPPORTED, "fmnist_model_fit: a model of family %s is made "
                        "from fitted models, not fitted", m->family->name);
  unfit(m);
  fit_standardization(m, train);
  fmnist__blas_enter();
  fmnist_status s = m->family->fit(m, train, valid && fmnist_dataset_count(valid) ? valid : NULL);
  fmnist__blas_leave();
  if (s) unfit(m);
  return s;
}

FMNIST_API int fmnist_model_is_fitted(const fmnist_model *m) { return m && m->state; }

static fmnist_status check_predict_args(const fmnist_model *m, const uint8_t *images, size_t n,
                                        const void *out, const char *fn) {
  if (!m) return fmnist__fail(FMNIST_E_INVALID, "%s: model is NULL", fn);
  if (n && (!images || !out))
    return fmnist__fail(FMNIST_E_INVALID, "%s: images or output is NULL", fn);
  if (!m->state) return fmnist__fail(FMNIST_E_STATE, "%s: the model is not fitted", fn);
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_model_proba(const fmnist_model *m, const uint8_t *images,
                                            size_t n, float *proba) {
  fmnist_status s = check_predict_args(m, images, n, proba, __func__);
  if (s || n == 0) return s;
  fmnist__blas_enter();
  s = fmnist__tta_proba(m, images, n, proba);
  fmnist__blas_leave();
  return s;
}

/* Whether labels come from the family's own rule (KNN's tie breaking)
 * rather than from the argmax of the probabilities: not with test-time
 * augmentation, whose labels are the argmax of the mean. */
static int own_labels(const fmnist_model *m) {
  return m->family->predict && fmnist__tta_views(m) == 1;
}

static void argmax_rows(const float *proba, size_t n, uint8_t *labels) {
  for (size_t i = 0; i < n; i++) {
    const float *row = proba + i * FMNIST_CLASSES;
    uint8_t best = 0;
    for (uint8_t c = 1; c < FMNIST_CLASSES; c++)
      if (row[c] > row[best]) best = c;
    labels[i] = best;
  }
}

static fmnist_status predict_labels(const fmnist_model *m, const uint8_t *images, size_t n,
                                    uint8_t *labels) {
  if (own_labels(m)) return m->family->predict(m, images, n, labels, NULL);
  size_t chunk = n < PREDICT_CHUNK ? n : PREDICT_CHUNK;
  float *proba = fmnist__calloc(chunk * FMNIST_CLASSES, sizeof *proba);
  if (!proba) return fmnist__fail(FMNIST_E_NOMEM, "fmnist_model_predict: out of memory");
  fmnist_status s = FMNIST_OK;
  for (size_t i = 0; i < n && !s; i += chunk) {
    size_t k = n - i < chunk ? n - i : chunk;
    s = fmnist__tta_proba(m, images + i * FMNIST_PIXELS, k, proba);
    if (!s) argmax_rows(proba, k, labels + i);
  }
  fmnist__free(proba);
  return s;
}

FMNIST_API fmnist_status fmnist_model_predict(const fmnist_model *m, const uint8_t *images,
                                              size_t n, uint8_t *labels) {
  fmnist_status s = check_predict_args(m, images, n, labels, __func__);
  if (s || n == 0) return s;
  fmnist__blas_enter();
  s = predict_labels(m, images, n, labels);
  fmnist__blas_leave();
  return s;
}

FMNIST_API fmnist_status fmnist_model_evaluate(const fmnist_model *m, const fmnist_dataset *ds,
                                               fmnist_metrics **out) {
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(out);
  size_t n = fmnist_dataset_count(ds);
  fmnist_status s = check_predict_args(m, fmnist_dataset_images(ds), n, out, __func__);
  if (s) return s;
  float *proba = fmnist__calloc(n * FMNIST_CLASSES, sizeof *proba);
  uint8_t *pred = fmnist__alloc(n);
  if (!proba || !pred) {
    s = fmnist__fail(FMNIST_E_NOMEM, "fmnist_model_evaluate: out of memory");
  } else if (n) {
    /* Labels from proba, except for families whose labels follow another
     * rule (KNN's tie breaking): those give both in one pass. */
    fmnist__blas_enter();
    if (own_labels(m)) {
      s = m->family->predict(m, fmnist_dataset_images(ds), n, pred, proba);
    } else {
      s = fmnist__tta_proba(m, fmnist_dataset_images(ds), n, proba);
      if (!s) argmax_rows(proba, n, pred);
    }
    fmnist__blas_leave();
  }
  if (!s) s = fmnist_metrics_compute(fmnist_dataset_labels(ds), pred, proba, n, out);
  fmnist__free(proba);
  fmnist__free(pred);
  return s;
}

/* ---- history and progress ---- */

FMNIST_API size_t fmnist_model_epochs(const fmnist_model *m) { return m ? m->epochs : 0; }

FMNIST_API fmnist_status fmnist_model_history(const fmnist_model *m, size_t epoch,
                                              fmnist_history_field field, double *out) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(out);
  if (epoch >= m->epochs)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_model_history: epoch %zu, only %zu recorded",
                        epoch, m->epochs);
  if ((unsigned)field > FMNIST_HISTORY_SECONDS)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_model_history: bad field %d", (int)field);
  *out = m->history[epoch].v[field];
  return FMNIST_OK;
}

fmnist_status fmnist__model_add_epoch(fmnist_model *m, const fmnist__epoch *e) {
  if (m->epochs == m->epochs_cap) {
    size_t cap = m->epochs_cap ? 2 * m->epochs_cap : 32;
    fmnist__epoch *h = fmnist__realloc(m->history, cap * sizeof *h);
    if (!h) return fmnist__fail(FMNIST_E_NOMEM, "training history: out of memory");
    m->history = h;
    m->epochs_cap = cap;
  }
  m->history[m->epochs++] = *e;
  return FMNIST_OK;
}

fmnist_status fmnist__model_check_loss(const fmnist_model *m, double mean_loss, size_t epoch) {
  if (isfinite(mean_loss) && mean_loss <= 1000) return FMNIST_OK;
  return fmnist__fail(FMNIST_E_NUMERIC,
                      "%s: training diverged at epoch %zu (mean loss %g; learning rate too high?)",
                      m->family->name, epoch + 1, mean_loss);
}

fmnist_status fmnist__model_progress(const fmnist_model *m, fmnist_stage stage, size_t done,
                                     size_t total) {
  if (m->progress && m->progress(m->progress_user, stage, done, total))
    return fmnist__fail(FMNIST_E_CANCELLED, "%s: cancelled by the progress callback",
                        m->family->name);
  return FMNIST_OK;
}

size_t fmnist__model_threads(const fmnist_model *m) { return fmnist__threads_resolve(m->threads); }

void fmnist__model_standardize(const fmnist_model *m, const uint8_t *images, size_t n,
                               float *out) {
  for (size_t i = 0; i < n; i++)
    for (size_t p = 0; p < FMNIST_PIXELS; p++)
      out[i * FMNIST_PIXELS + p] =
          ((float)images[i * FMNIST_PIXELS + p] - m->mean[p]) * m->inv_std[p];
}

void fmnist__model_standardize_pixel_major(const fmnist_model *m, const uint8_t *images,
                                           size_t n, float *out) {
  for (size_t p = 0; p < FMNIST_PIXELS; p++)
    for (size_t i = 0; i < n; i++)
      out[p * n + i] = ((float)images[i * FMNIST_PIXELS + p] - m->mean[p]) * m->inv_std[p];
}

/* ---- save and load ---- */

/* Limits of what a model file may claim, checked before use. A value's
 * text, terminator included, is at most FMNIST__OPTION_MAX_TEXT bytes,
 * which fmnist_model_set enforces too, so every model that can be made
 * can be saved. */
#define MAX_OPTIONS 256
#define MAX_KEY 64
#define MAX_VALUE FMNIST__OPTION_MAX_TEXT
#define MAX_EPOCHS 1000000
/* Fields of one history row in a file (format v1), as f64: a property of
 * the format, so a new public field needs a format decision first. */
#define FILE_HISTORY_FIELDS 5
_Static_assert(FILE_HISTORY_FIELDS == FMNIST_HISTORY_FIELDS,
               "a new history field changes the model file format");
#define EPOCH_BYTES (FILE_HISTORY_FIELDS * 8)

/* Options as count, then key and value texts; a value that cannot be
 * formatted fails the save rather than being written empty. */
static fmnist_status put_options(const fmnist_model *m, fmnist__writer *w, char *value) {
  size_t count = 0;
  while (fmnist_model_option_name(m, count)) count++;
  fmnist__put_u32(w, (uint32_t)count);
  for (size_t i = 0; i < count; i++) {
    const char *key = fmnist_model_option_name(m, i);
    fmnist_status s = fmnist_model_get(m, key, value, MAX_VALUE);
    if (s) return s;
    fmnist__put_str(w, key);
    fmnist__put_str(w, value);
  }
  return FMNIST_OK;
}

fmnist_status fmnist__model_serialize(const fmnist_model *m, fmnist__writer *w, const char *what) {
  char *value = fmnist__alloc(MAX_VALUE);
  if (!value) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", what);
  fmnist__modelfile_begin(w, m->family->id);
  fmnist_status s = put_options(m, w, value);
  fmnist__free(value);
  if (s) return s;
  fmnist__put_f32s(w, m->mean, FMNIST_PIXELS);
  fmnist__put_f32s(w, m->inv_std, FMNIST_PIXELS);
  fmnist__put_u32(w, (uint32_t)m->epochs);
  for (size_t e = 0; e < m->epochs; e++)
    for (int f = 0; f < FILE_HISTORY_FIELDS; f++) fmnist__put_f64(w, m->history[e].v[f]);
  m->family->save(m, w);
  return fmnist__modelfile_end(w, what);
}

FMNIST_API fmnist_status fmnist_model_save(const fmnist_model *m, const char *path) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(path);
  if (!m->state) return fmnist__fail(FMNIST_E_STATE, "fmnist_model_save: the model is not fitted");
  fmnist__writer w = {0};
  fmnist_status s = fmnist__model_serialize(m, &w, path);
  if (!s) s = fmnist__file_write(path, w.data, w.len);
  fmnist__writer_free(&w);
  return s;
}

FMNIST_API fmnist_status fmnist_model_save_buffer(const fmnist_model *m, void *buf, size_t len,
                                                  size_t *size) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(size);
  if (!m->state)
    return fmnist__fail(FMNIST_E_STATE, "fmnist_model_save_buffer: the model is not fitted");
  fmnist__writer w = {0};
  fmnist_status s = fmnist__model_serialize(m, &w, "fmnist_model_save_buffer");
  if (!s) s = fmnist__writer_to_buffer(&w, buf, len, size, "fmnist_model_save_buffer");
  fmnist__writer_free(&w);
  return s;
}

static fmnist_status get_options(fmnist_model *m, fmnist__reader *r, char *value) {
  uint32_t count;
  char key[MAX_KEY];
  fmnist_status s = fmnist__get_u32(r, &count);
  if (!s && count > MAX_OPTIONS)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %u options, at most %d", r->path, count, MAX_OPTIONS);
  for (uint32_t i = 0; i < count && !s; i++) {
    s = fmnist__get_str(r, key, sizeof key);
    if (!s) s = fmnist__get_str(r, value, MAX_VALUE);
    fmnist_status set = s ? FMNIST_OK : fmnist_model_set(m, key, value);
    if (set == FMNIST_E_NOMEM) s = set; /* a valid file, no memory to parse it */
    else if (set)
      s = fmnist__fail(FMNIST_E_FORMAT, "%s: option %s=\"%.64s\" is not valid here: %s", r->path,
                       key, value, fmnist_last_error());
  }
  return s;
}

static fmnist_status get_common(fmnist_model *m, fmnist__reader *r) {
  fmnist_status s = fmnist__get_f32s(r, m->mean, FMNIST_PIXELS);
  if (!s) s = fmnist__get_f32s(r, m->inv_std, FMNIST_PIXELS);
  /* What fitting can produce: a mean of bytes, and 1/std with std above
   * 1e-6 (or 1 for a constant pixel). Anything else could overflow the
   * standardized pixels and every distance or activation after them. */
  for (size_t p = 0; p < FMNIST_PIXELS && !s; p++)
    if (!(m->mean[p] >= 0 && m->mean[p] <= 255) || !(m->inv_std[p] > 0 && m->inv_std[p] <= 1e6f))
      s = fmnist__fail(FMNIST_E_FORMAT,
                       "%s: bad standardization for pixel %zu (mean %g, 1/std %g)", r->path, p,
                       (double)m->mean[p], (double)m->inv_std[p]);
  uint32_t epochs = 0;
  if (!s) s = fmnist__get_u32(r, &epochs);
  if (!s && (epochs > MAX_EPOCHS || epochs > r->left / EPOCH_BYTES))
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: history of %u epochs does not fit the file", r->path,
                     epochs);
  for (uint32_t e = 0; e < epochs && !s; e++) {
    fmnist__epoch row;
    for (int f = 0; f < FILE_HISTORY_FIELDS && !s; f++) s = fmnist__get_f64(r, &row.v[f]);
    if (!s) s = fmnist__model_add_epoch(m, &row);
  }
  return s;
}

fmnist_status fmnist__model_parse(const uint8_t *data, size_t len, const char *name,
                                  fmnist_model **out) {
  uint32_t id;
  fmnist__reader r;
  fmnist_status s = fmnist__modelfile_parse(data, len, name, &id, &r);
  if (s) return s;
  fmnist_model *m = NULL;
  char *value = NULL;
  const fmnist__family *f = fmnist__family_by_id(id);
  if (!f) return fmnist__fail(FMNIST_E_FORMAT, "%s: unknown model family id %u", name, id);
  s = create_family(f, &m);
  if (!s) {
    value = fmnist__alloc(MAX_VALUE);
    if (!value) s = fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", name);
  }
  if (!s) s = get_options(m, &r, value);
  if (!s) s = get_common(m, &r);
  if (!s) s = f->load(m, &r);
  if (!s && r.left)
    s = fmnist__fail(FMNIST_E_FORMAT, "%s: %zu unexpected bytes after the parameters", name,
                     r.left);
  fmnist__free(value);
  if (s) {
    fmnist_model_free(m);
    return s;
  }
  *out = m;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_model_load(const char *path, fmnist_model **out) {
  FMNIST__CHECK_ARG(path);
  FMNIST__CHECK_ARG(out);
  uint8_t *data;
  size_t len;
  fmnist_status s = fmnist__modelfile_read(path, &data, &len);
  if (s) return s;
  s = fmnist__model_parse(data, len, path, out);
  fmnist__free(data);
  return s;
}

FMNIST_API fmnist_status fmnist_model_load_buffer(const void *data, size_t len,
                                                  fmnist_model **out) {
  FMNIST__CHECK_ARG(data);
  FMNIST__CHECK_ARG(out);
  return fmnist__model_parse(data, len, "model buffer", out);
}

fmnist_status fmnist__model_copy(const fmnist_model *m, fmnist_model **out) {
  fmnist__writer w = {0};
  fmnist_status s = fmnist__model_serialize(m, &w, "a copy of a model");
  if (!s) s = fmnist__model_parse(w.data, w.len, "a copy of a model", out);
  fmnist__writer_free(&w);
  return s;
}
