/* The "ensemble" family (fmnist/ensemble.h): a model made from fitted
 * models, its members, whose probabilities are the mean of theirs. The
 * members are the ensemble's own copies, made through the model file
 * format; its file holds their model files one after the other, read
 * back through the one validator. */
#include "fmnist/ensemble.h"

#include <stdio.h>

#include "base/alloc.h"
#include "base/status.h"
#include "models/model_impl.h"

typedef struct ensemble {
  size_t n;
  fmnist_model **members;
} ensemble;

static void free_state(void *state) {
  ensemble *e = state;
  if (!e) return;
  for (size_t k = 0; e->members && k < e->n; k++) fmnist_model_free(e->members[k]);
  fmnist__free(e->members);
  fmnist__free(e);
}

/* An ensemble with room for n members, none yet (NULL: no memory). */
static ensemble *ensemble_new(size_t n) {
  ensemble *e = fmnist__calloc(1, sizeof *e);
  if (e) e->members = fmnist__calloc(n, sizeof *e->members);
  if (e && !e->members) {
    fmnist__free(e);
    return NULL;
  }
  if (e) e->n = n;
  return e;
}

/* The mean of the members' probabilities, added in member order. Each
 * member predicts through the verbs, with its own options. */
static fmnist_status ensemble_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                    float *out) {
  const ensemble *e = m->state;
  float *p = fmnist__calloc(n * FMNIST_CLASSES, sizeof *p);
  if (!p) return fmnist__fail(FMNIST_E_NOMEM, "ensemble: out of memory for %zu images", n);
  fmnist_status s = fmnist_model_proba(e->members[0], images, n, out);
  for (size_t k = 1; k < e->n && !s; k++) {
    s = fmnist_model_proba(e->members[k], images, n, p);
    for (size_t j = 0; j < n * FMNIST_CLASSES && !s; j++) out[j] += p[j];
  }
  for (size_t j = 0; j < n * FMNIST_CLASSES && !s; j++) out[j] /= (float)e->n;
  fmnist__free(p);
  return s;
}

/* u64 member count, then per member its model file as u64 length + bytes
 * (fmnist_model_save's file of the member). Serializing fails only for
 * want of memory, which the writer then carries as a failed put would. */
static void save(const fmnist_model *m, fmnist__writer *w) {
  const ensemble *e = m->state;
  fmnist__put_u64(w, e->n);
  for (size_t k = 0; k < e->n; k++) {
    fmnist__writer one = {0};
    fmnist_status s = fmnist__model_serialize(e->members[k], &one, "ensemble member");
    if (s && !w->status) w->status = s;
    fmnist__put_u64(w, one.len);
    fmnist__put_bytes(w, one.data, one.len);
    fmnist__writer_free(&one);
  }
}

static fmnist_status load(fmnist_model *m, fmnist__reader *r) {
  size_t count;
  /* each member takes at least its length and an empty file's frame */
  fmnist_status s = fmnist__get_count(r, 8 + FMNIST__MODELFILE_FRAME,
                                      FMNIST_ENSEMBLE_MAX_MEMBERS, "member", &count);
  if (s) return s;
  if (count == 0) return fmnist__fail(FMNIST_E_FORMAT, "%s: an ensemble without members", r->path);
  ensemble *e = ensemble_new(count);
  if (!e) return fmnist__fail(FMNIST_E_NOMEM, "%s: out of memory", r->path);
  for (size_t k = 0; k < count && !s; k++) {
    size_t len;
    char name[512];
    snprintf(name, sizeof name, "%s, ensemble member %zu", r->path, k);
    s = fmnist__get_count(r, 1, r->left, "member byte", &len);
    if (!s) s = fmnist__model_parse(r->p, len, name, &e->members[k]);
    if (!s) {
      r->p += len;
      r->left -= len;
    }
  }
  if (s) {
    free_state(e);
    return s;
  }
  m->state = e;
  return FMNIST_OK;
}

/* No options of its own: the common ones only (a config of one unused
 * byte, since every model has one). */
static const fmnist__option options[] = {{NULL, 0, 0, NULL, 0, 0, NULL, NULL, NULL}};

const fmnist__family fmnist__ensemble_family = {"ensemble", 5, 1, options, NULL, ensemble_proba,
                                                NULL, save, load, free_state,
                                                fmnist__ensemble_export_onnx};

FMNIST_API fmnist_status fmnist_ensemble_create(const fmnist_model *const *members, size_t n,
                                                fmnist_model **out) {
  FMNIST__CHECK_ARG(members);
  FMNIST__CHECK_ARG(out);
  if (n == 0 || n > FMNIST_ENSEMBLE_MAX_MEMBERS)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_ensemble_create: %zu members, expected 1..%d", n,
                        FMNIST_ENSEMBLE_MAX_MEMBERS);
  for (size_t k = 0; k < n; k++) {
    if (!members[k])
      return fmnist__fail(FMNIST_E_INVALID, "fmnist_ensemble_create: member %zu is NULL", k);
    if (!fmnist_model_is_fitted(members[k]))
      return fmnist__fail(FMNIST_E_STATE, "fmnist_ensemble_create: member %zu (%s) is not fitted",
                          k, fmnist_model_family(members[k]));
  }
  fmnist_model *m;
  fmnist_status s = fmnist_model_create("ensemble", &m);
  if (s) return s;
  ensemble *e = ensemble_new(n);
  if (!e) s = fmnist__fail(FMNIST_E_NOMEM, "fmnist_ensemble_create: out of memory");
  for (size_t k = 0; k < n && !s; k++) s = fmnist__model_copy(members[k], &e->members[k]);
  if (s) {
    free_state(e);
    fmnist_model_free(m);
    return s;
  }
  m->state = e;
  *out = m;
  return FMNIST_OK;
}

/* The members of m, an ensemble (else an error). */
static fmnist_status members_of(const fmnist_model *m, const ensemble **e, const char *fn) {
  if (!m) return fmnist__fail(FMNIST_E_INVALID, "%s: model is NULL", fn);
  if (m->family != &fmnist__ensemble_family)
    return fmnist__fail(FMNIST_E_INVALID, "%s: the model is of family %s, not ensemble", fn,
                        m->family->name);
  if (!m->state)
    return fmnist__fail(FMNIST_E_STATE, "%s: an ensemble without members (made by "
                        "fmnist_model_create or fmnist_model_clone_config)", fn);
  *e = m->state;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_ensemble_size(const fmnist_model *m, size_t *count) {
  FMNIST__CHECK_ARG(count);
  const ensemble *e = NULL;
  fmnist_status s = members_of(m, &e, __func__);
  if (!s) *count = e->n;
  return s;
}

FMNIST_API fmnist_status fmnist_ensemble_member(const fmnist_model *m, size_t i,
                                                const fmnist_model **member) {
  FMNIST__CHECK_ARG(member);
  const ensemble *e = NULL;
  fmnist_status s = members_of(m, &e, __func__);
  if (!s && i >= e->n)
    s = fmnist__fail(FMNIST_E_INVALID, "%s: member %zu, the ensemble has %zu", __func__, i, e->n);
  if (!s) *member = e->members[i];
  return s;
}
