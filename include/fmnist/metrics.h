/* libfmnist metrics: confusion matrix, per-class precision/recall/F1,
 * accuracy, macro and weighted averages, log loss. Read-only once computed;
 * may be read from several threads at once. */
#ifndef FMNIST_METRICS_H
#define FMNIST_METRICS_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scores of one set of predictions. */
typedef struct fmnist_metrics fmnist_metrics;

/* A per-class score. */
typedef enum fmnist_score {
  FMNIST_SCORE_PRECISION = 0,
  FMNIST_SCORE_RECALL = 1,
  FMNIST_SCORE_F1 = 2,
  FMNIST_SCORE_SUPPORT = 3, /* number of true images of the class */
  /* The names before 1.1, kept for existing programs. */
  FMNIST_PRECISION = FMNIST_SCORE_PRECISION, /* = FMNIST_SCORE_PRECISION */
  FMNIST_RECALL = FMNIST_SCORE_RECALL,       /* = FMNIST_SCORE_RECALL */
  FMNIST_F1 = FMNIST_SCORE_F1,               /* = FMNIST_SCORE_F1 */
  FMNIST_SUPPORT = FMNIST_SCORE_SUPPORT      /* = FMNIST_SCORE_SUPPORT */
} fmnist_score;

/* How per-class scores are averaged. */
typedef enum fmnist_average {
  FMNIST_AVERAGE_MACRO = 0,    /* plain mean over the FMNIST_CLASSES classes */
  FMNIST_AVERAGE_WEIGHTED = 1, /* mean weighted by support */
  /* The names before 1.1, kept for existing programs. */
  FMNIST_MACRO = FMNIST_AVERAGE_MACRO,      /* = FMNIST_AVERAGE_MACRO */
  FMNIST_WEIGHTED = FMNIST_AVERAGE_WEIGHTED /* = FMNIST_AVERAGE_WEIGHTED */
} fmnist_average;

/* Computes metrics of n predictions against the truth (labels below
 * FMNIST_CLASSES).
 * proba (n * FMNIST_CLASSES floats, rows summing to 1) is optional: with it, log loss is
 * available. A precision or recall whose denominator is 0 counts as 0, as
 * scikit-learn's zero_division=0. */
FMNIST_API fmnist_status fmnist_metrics_compute(const uint8_t *truth,
                                                const uint8_t *pred,
                                                const float *proba, size_t n,
                                                fmnist_metrics **out);
/* Metrics of a confusion matrix (confusion[truth * FMNIST_CLASSES + pred]
 * counts, as fmnist_metrics_confusion reads them) and a mean log loss
 * (NaN: none): the same metrics as fmnist_metrics_compute of predictions
 * with that matrix, so metrics can travel as 100 counts and one number
 * (between processes, into files). A log loss below 0 or infinite:
 * FMNIST_E_INVALID. Since 1.1. */
FMNIST_API fmnist_status fmnist_metrics_from_confusion(const uint64_t *confusion,
                                                       double log_loss,
                                                       fmnist_metrics **out);
/* Frees metrics; NULL is allowed. */
FMNIST_API void fmnist_metrics_free(fmnist_metrics *m);

/* Number of predictions; 0 for NULL. */
FMNIST_API size_t fmnist_metrics_count(const fmnist_metrics *m);
/* Fraction correct, 0..1 (0 for NULL or n = 0). */
FMNIST_API double fmnist_metrics_accuracy(const fmnist_metrics *m);
/* One score of one class (0 .. FMNIST_CLASSES - 1); NaN for NULL or a bad class/score. */
FMNIST_API double fmnist_metrics_class(const fmnist_metrics *m, int label,
                                       fmnist_score score);
/* Average of precision, recall or F1 over the classes (for FMNIST_SCORE_SUPPORT:
 * the total); NaN for NULL or bad arguments. */
FMNIST_API double fmnist_metrics_average(const fmnist_metrics *m,
                                         fmnist_score score,
                                         fmnist_average average);
/* Confusion count: images of class truth predicted as pred. */
FMNIST_API size_t fmnist_metrics_confusion(const fmnist_metrics *m, int truth,
                                           int pred);
/* Mean cross-entropy of the probabilities (clipped at 1e-15 as
 * scikit-learn). FMNIST_E_STATE if no probabilities were given. */
FMNIST_API fmnist_status fmnist_metrics_log_loss(const fmnist_metrics *m,
                                                 double *out);

#ifdef __cplusplus
}
#endif
#endif
