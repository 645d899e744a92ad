/* k-fold cross validation over any model configuration, through the
 * public model API. */
#include <math.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/status.h"
#include "fmnist/experiment.h"

struct fmnist_cv {
  size_t k;
  fmnist_metrics **metrics; /* k */
  double *seconds;          /* k */
};

FMNIST_API void fmnist_cv_free(fmnist_cv *cv) {
  if (!cv) return;
  for (size_t i = 0; i < cv->k && cv->metrics; i++) fmnist_metrics_free(cv->metrics[i]);
  fmnist__free(cv->metrics);
  fmnist__free(cv->seconds);
  fmnist__free(cv);
}

/* Fits a fresh clone of m on all folds but `fold` and evaluates it there. */
static fmnist_status run_fold(const fmnist_model *m, const fmnist_dataset *ds, size_t k,
                              size_t fold, uint64_t seed, fmnist_metrics **metrics,
                              double *seconds) {
  fmnist_dataset *train = NULL, *valid = NULL;
  fmnist_model *fm = NULL;
  fmnist_progress_fn progress;
  void *user;
  fmnist_status s = fmnist_dataset_kfold(ds, k, fold, 1, seed, &train, &valid);
  if (!s) s = fmnist_model_clone_config(m, &fm);
  if (!s) s = fmnist_model_get_progress(m, &progress, &user);
  if (!s) s = fmnist_model_set_progress(fm, progress, user);
  double start = fmnist__now();
  if (!s) s = fmnist_model_fit(fm, train, valid);
  *seconds = fmnist__now() - start;
  if (!s) s = fmnist_model_evaluate(fm, valid, metrics);
  fmnist_model_free(fm);
  fmnist_dataset_free(train);
  fmnist_dataset_free(valid);
  return s;
}

FMNIST_API fmnist_status fmnist_cv_create(size_t k, fmnist_cv **out) {
  FMNIST__CHECK_ARG(out);
  if (k < 2) return fmnist__fail(FMNIST_E_INVALID, "fmnist_cv_create: k = %zu, expected >= 2", k);
  fmnist_cv *cv = fmnist__calloc(1, sizeof *cv);
  if (!cv) return fmnist__fail(FMNIST_E_NOMEM, "fmnist_cv_create: out of memory");
  cv->metrics = fmnist__calloc(k, sizeof *cv->metrics);
  cv->seconds = fmnist__calloc(k, sizeof *cv->seconds);
  cv->k = k;
  if (!cv->metrics || !cv->seconds) {
    fmnist_cv_free(cv);
    return fmnist__fail(FMNIST_E_NOMEM, "fmnist_cv_create: out of memory");
  }
  for (size_t i = 0; i < k; i++) cv->seconds[i] = NAN;
  *out = cv;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_cv_run_fold(fmnist_cv *cv, const fmnist_model *m,
                                            const fmnist_dataset *ds, uint64_t seed,
                                            size_t fold) {
  FMNIST__CHECK_ARG(cv);
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(ds);
  if (cv->k > fmnist_dataset_count(ds) || fold >= cv->k)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_cv_run_fold: fold %zu of k = %zu on %zu images",
                        fold, cv->k, fmnist_dataset_count(ds));
  fmnist_metrics *metrics;
  double seconds;
  fmnist_status s = run_fold(m, ds, cv->k, fold, seed, &metrics, &seconds);
  if (s) return s;
  fmnist_metrics_free(cv->metrics[fold]);
  cv->metrics[fold] = metrics;
  cv->seconds[fold] = seconds;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_cv_set_fold(fmnist_cv *cv, size_t fold,
                                            const fmnist_metrics *metrics, double seconds) {
  FMNIST__CHECK_ARG(cv);
  FMNIST__CHECK_ARG(metrics);
  if (fold >= cv->k)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_cv_set_fold: fold %zu of k = %zu", fold, cv->k);
  uint64_t confusion[FMNIST_CLASSES * FMNIST_CLASSES];
  for (int t = 0; t < FMNIST_CLASSES; t++)
    for (int p = 0; p < FMNIST_CLASSES; p++)
      confusion[t * FMNIST_CLASSES + p] = fmnist_metrics_confusion(metrics, t, p);
  double log_loss;
  if (fmnist_metrics_log_loss(metrics, &log_loss)) log_loss = NAN; /* none: a copy without */
  fmnist_metrics *copy;
  fmnist_status s = fmnist_metrics_from_confusion(confusion, log_loss, &copy);
  if (s) return s;
  fmnist_metrics_free(cv->metrics[fold]);
  cv->metrics[fold] = copy;
  cv->seconds[fold] = seconds;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_cross_validate(const fmnist_model *m, const fmnist_dataset *ds,
                                               size_t k, uint64_t seed, fmnist_cv **out) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(ds);
  FMNIST__CHECK_ARG(out);
  if (k < 2 || k > fmnist_dataset_count(ds))
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_cross_validate: k = %zu, expected 2..%zu", k,
                        fmnist_dataset_count(ds));
  fmnist_cv *cv = NULL;
  fmnist_status s = fmnist_cv_create(k, &cv);
  fmnist_progress_fn progress = NULL;
  void *user = NULL;
  if (!s) s = fmnist_model_get_progress(m, &progress, &user);
  for (size_t fold = 0; fold < k && !s; fold++) {
    s = fmnist_cv_run_fold(cv, m, ds, seed, fold);
    if (!s && progress && progress(user, FMNIST_STAGE_FOLD, fold + 1, k))
      s = fmnist__fail(FMNIST_E_CANCELLED,
                       "fmnist_cross_validate: cancelled by the progress callback");
  }
  if (s) {
    fmnist_cv_free(cv);
    return s;
  }
  *out = cv;
  return FMNIST_OK;
}

FMNIST_API size_t fmnist_cv_folds(const fmnist_cv *cv) { return cv ? cv->k : 0; }

FMNIST_API const fmnist_metrics *fmnist_cv_fold_metrics(const fmnist_cv *cv, size_t fold) {
  return cv && fold < cv->k ? cv->metrics[fold] : NULL;
}

FMNIST_API double fmnist_cv_fold_seconds(const fmnist_cv *cv, size_t fold) {
  return cv && fold < cv->k ? cv->seconds[fold] : NAN;
}

/* Mean and sample standard deviation of value(fold) over the folds. */
static void mean_std(const fmnist_cv *cv, fmnist_score score, double *mean, double *std) {
  double sum = 0, sq = 0;
  for (size_t i = 0; i < cv->k; i++) {
    const fmnist_metrics *fm = cv->metrics[i];
    double v = score == FMNIST_SCORE_SUPPORT ? fmnist_metrics_accuracy(fm)
                                       : fmnist_metrics_average(fm, score, FMNIST_AVERAGE_MACRO);
    sum += v;
    sq += v * v;
  }
  double n = (double)cv->k;
  *mean = sum / n;
  double var = (sq - sum * sum / n) / (n - 1);
  *std = var > 0 ? sqrt(var) : 0;
}

/* E_STATE unless every fold has its metrics. */
static fmnist_status check_complete(const fmnist_cv *cv, const char *fn) {
  for (size_t i = 0; i < cv->k; i++)
    if (!cv->metrics[i]) return fmnist__fail(FMNIST_E_STATE, "%s: fold %zu has no results", fn, i);
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_cv_mean(const fmnist_cv *cv, fmnist_score score, double *mean,
                                        double *std) {
  FMNIST__CHECK_ARG(cv);
  FMNIST__CHECK_ARG(mean);
  FMNIST__CHECK_ARG(std);
  fmnist_status s = check_complete(cv, "fmnist_cv_mean");
  if (s) return s;
  if (score != FMNIST_SCORE_PRECISION && score != FMNIST_SCORE_RECALL && score != FMNIST_SCORE_F1)
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_cv_mean: score %d is not precision, recall or F1",
                        (int)score);
  mean_std(cv, score, mean, std);
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_cv_accuracy(const fmnist_cv *cv, double *mean, double *std) {
  FMNIST__CHECK_ARG(cv);
  FMNIST__CHECK_ARG(mean);
  FMNIST__CHECK_ARG(std);
  fmnist_status s = check_complete(cv, "fmnist_cv_accuracy");
  if (s) return s;
  mean_std(cv, FMNIST_SCORE_SUPPORT, mean, std); /* SUPPORT stands for accuracy here */
  return FMNIST_OK;
}
