/* libfmnist experiments: cross validation and robustness to corrupted images,
 * written once over any fmnist_model configuration. */
#ifndef FMNIST_EXPERIMENT_H
#define FMNIST_EXPERIMENT_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Results of a cross validation: one fmnist_metrics per fold. */
typedef struct fmnist_cv fmnist_cv;

/* k-fold cross validation of a model configuration on ds (report: k = 5):
 * the folds come from fmnist_dataset_kfold(ds, k, fold, stratified = 1,
 * seed); each fold fits a fresh model made by fmnist_model_clone_config(m)
 * (m itself is not changed) on the other k-1 folds, with the held-out fold as
 * validation set, and evaluates it on the held-out fold. m's progress
 * callback, if any, receives FMNIST_STAGE_FOLD after each fold and the
 * fold models' own progress (epochs, batches, trees) in between. */
FMNIST_API fmnist_status fmnist_cross_validate(const fmnist_model *m,
                                               const fmnist_dataset *ds,
                                               size_t k, uint64_t seed,
                                               fmnist_cv **out);
/* The same, one fold at a time, for code that spreads the folds (over
 * processes: libfmnist_mpi): empty results for k >= 2 folds (every fold
 * without metrics, its seconds NaN, until run or set). Since 1.1. */
FMNIST_API fmnist_status fmnist_cv_create(size_t k, fmnist_cv **out);
/* Runs fold `fold` of cv's k exactly as fmnist_cross_validate does (the
 * same split of ds, a fresh clone of m, m's progress callback passed on)
 * and stores its metrics and fit seconds in cv. Since 1.1. */
FMNIST_API fmnist_status fmnist_cv_run_fold(fmnist_cv *cv, const fmnist_model *m,
                                            const fmnist_dataset *ds, uint64_t seed,
                                            size_t fold);
/* Stores a copy of metrics (computed elsewhere, e.g. rebuilt with
 * fmnist_metrics_from_confusion) and the fit seconds as fold `fold`.
 * Since 1.1. */
FMNIST_API fmnist_status fmnist_cv_set_fold(fmnist_cv *cv, size_t fold,
                                            const fmnist_metrics *metrics,
                                            double seconds);
/* Frees the results and their metrics; NULL is allowed. */
FMNIST_API void fmnist_cv_free(fmnist_cv *cv);
/* Number of folds; 0 for NULL. */
FMNIST_API size_t fmnist_cv_folds(const fmnist_cv *cv);
/* Metrics of one held-out fold, owned by cv (valid while cv lives); NULL if
 * fold is out of range or has no results yet. */
FMNIST_API const fmnist_metrics *fmnist_cv_fold_metrics(const fmnist_cv *cv,
                                                        size_t fold);
/* Wall seconds to fit fold `fold`; NaN if out of range. */
FMNIST_API double fmnist_cv_fold_seconds(const fmnist_cv *cv, size_t fold);
/* Mean and sample standard deviation over the folds of a macro-averaged
 * score: FMNIST_SCORE_PRECISION, FMNIST_SCORE_RECALL or FMNIST_SCORE_F1 (else
 * FMNIST_E_INVALID; a fold without results: FMNIST_E_STATE). */
FMNIST_API fmnist_status fmnist_cv_mean(const fmnist_cv *cv,
                                        fmnist_score score, double *mean,
                                        double *std);
/* Mean and sample standard deviation of the folds' accuracy (a fold
 * without results: FMNIST_E_STATE). */
FMNIST_API fmnist_status fmnist_cv_accuracy(const fmnist_cv *cv, double *mean,
                                            double *std);

/* Robustness: accuracy of a fitted model on ds with every image corrupted by
 * each transform spec (fmnist/transform.h text, e.g. "noise:40",
 * "rotate:20 blur:1"), one accuracy per spec into accuracy[n_specs]. The
 * corruption of spec i is seeded with (seed, i), so the same call gives the
 * same figures. A bad spec is FMNIST_E_OPTION naming it; nothing is written. */
FMNIST_API fmnist_status fmnist_robustness(const fmnist_model *m,
                                           const fmnist_dataset *ds,
                                           const char *const *specs,
                                           size_t n_specs, uint64_t seed,
                                           double *accuracy);

#ifdef __cplusplus
}
#endif
#endif
