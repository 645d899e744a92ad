/* Robustness: a fitted model's accuracy on corrupted copies of a data set. */
#include "base/alloc.h"
#include "base/status.h"
#include "fmnist/experiment.h"
#include "fmnist/transform.h"

/* Accuracy on ds corrupted by one spec, seeded with (seed, index). */
static fmnist_status one_spec(const fmnist_model *m, const fmnist_dataset *ds, const char *spec,
                              uint64_t seed, double *accuracy) {
  fmnist_transform *t = NULL;
  fmnist_dataset *bad = NULL;
  fmnist_metrics *mt = NULL;
  fmnist_status s = fmnist_transform_create(seed, &t);
  if (!s) s = fmnist_transform_add_spec(t, spec);
  if (!s) s = fmnist_transform_apply_dataset(t, ds, &bad);
  if (!s) s = fmnist_model_evaluate(m, bad, &mt);
  if (!s) *accuracy = fmnist_metrics_accuracy(mt);
  fmnist_metrics_free(mt);
  fmnist_dataset_free(bad);
  fmnist_transform_free(t);
  return s;
}

FMNIST_API fmnist_status fmnist_robustness(const fmnist_model *m, const fmnist_dataset *ds,
                                           const char *const *specs, size_t n_specs,
                                           uint64_t seed, double *accuracy) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(accuracy);
  if (n_specs && !specs) return fmnist__fail(FMNIST_E_INVALID, "fmnist_robustness: specs is NULL");
  if (!fmnist_model_is_fitted(m))
    return fmnist__fail(FMNIST_E_STATE, "fmnist_robustness: the model is not fitted");
  /* Check every spec first, so a bad one writes nothing. */
  for (size_t i = 0; i < n_specs; i++) {
    fmnist_transform *t = NULL;
    fmnist_status s = fmnist_transform_create(seed, &t);
    if (!s) s = specs[i] ? fmnist_transform_add_spec(t, specs[i])
                         : fmnist__fail(FMNIST_E_INVALID, "fmnist_robustness: spec %zu is NULL", i);
    fmnist_transform_free(t);
    if (s) return s;
  }
  double *acc = fmnist__calloc(n_specs, sizeof *acc);
  if (!acc) return fmnist__fail(FMNIST_E_NOMEM, "fmnist_robustness: out of memory");
  fmnist_status s = FMNIST_OK;
  for (size_t i = 0; i < n_specs && !s; i++) {
    /* Spec i gets its own seed so adding a spec does not change the others. */
    uint64_t spec_seed = seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
    s = one_spec(m, ds, specs[i], spec_seed, &acc[i]);
  }
  if (!s)
    for (size_t i = 0; i < n_specs; i++) accuracy[i] = acc[i];
  fmnist__free(acc);
  return s;
}
