/* Classification metrics: confusion matrix, precision/recall/F1, log loss. */
#include <math.h>

#include "base/alloc.h"
#include "base/status.h"
#include "fmnist/metrics.h"

#define K 10 /* classes */

struct fmnist_metrics {
  size_t n;
  size_t confusion[K][K]; /* [truth][pred] */
  double score[K][3];     /* precision, recall, F1 per class */
  size_t support[K];
  int has_log_loss;
  double log_loss;
};

/* sklearn's zero_division=0: an empty denominator scores 0. */
static double ratio(size_t num, size_t den) {
  return den ? (double)num / (double)den : 0.0;
}

/* Mean of -log p(true class) after clipping every probability to
 * [1e-15, 1 - 1e-15] and renormalising its row, step for step as
 * scikit-learn's log_loss (1.2) does. */
static double mean_log_loss(const uint8_t *truth, const float *proba,
                            size_t n) {
  const double eps = 1e-15;
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    const float *row = proba + i * K;
    double total = 0.0, mine = 0.0;
    for (int c = 0; c < K; c++) {
      double p = row[c];
      p = p < eps ? eps : p > 1.0 - eps ? 1.0 - eps : p;
      total += p;
      if (c == truth[i]) mine = p;
    }
    sum -= log(mine / total);
  }
  return sum / (double)n;
}

/* Per-class scores and supports from the confusion matrix. */
static void score(fmnist_metrics *m) {
  for (int c = 0; c < K; c++) {
    size_t tp = m->confusion[c][c], predicted = 0, actual = 0;
    for (int j = 0; j < K; j++) {
      predicted += m->confusion[j][c];
      actual += m->confusion[c][j];
    }
    m->support[c] = actual;
    m->score[c][FMNIST_SCORE_PRECISION] = ratio(tp, predicted);
    m->score[c][FMNIST_SCORE_RECALL] = ratio(tp, actual);
    /* 2tp / (2tp + fp + fn), which equals 2PR / (P + R) whenever that is
     * defined and is 0 (zero_division) when nothing was true or predicted. */
    m->score[c][FMNIST_SCORE_F1] = ratio(2 * tp, predicted + actual);
  }
}

FMNIST_API fmnist_status fmnist_metrics_compute(const uint8_t *truth,
                                                const uint8_t *pred,
                                                const float *proba, size_t n,
                                                fmnist_metrics **out) {
  FMNIST__CHECK_ARG(out);
  if (n > 0) { /* no predictions need no buffers */
    FMNIST__CHECK_ARG(truth);
    FMNIST__CHECK_ARG(pred);
  }
  for (size_t i = 0; i < n; i++) {
    if (truth[i] >= K)
      return fmnist__fail(FMNIST_E_INVALID,
                          "fmnist_metrics_compute: truth[%zu] = %u, expected "
                          "0..9",
                          i, (unsigned)truth[i]);
    if (pred[i] >= K)
      return fmnist__fail(FMNIST_E_INVALID,
                          "fmnist_metrics_compute: pred[%zu] = %u, expected "
                          "0..9",
                          i, (unsigned)pred[i]);
  }
  if (proba) {
    size_t cells;
    if (!fmnist__mul_ok(n, K, &cells))
      return fmnist__fail(FMNIST_E_INVALID,
                          "fmnist_metrics_compute: n = %zu is too large", n);
    for (size_t i = 0; i < cells; i++)
      if (!isfinite(proba[i]) || proba[i] < 0.0f)
        return fmnist__fail(FMNIST_E_INVALID,
                            "fmnist_metrics_compute: proba[%zu][%zu] = %g, "
                            "expected a probability",
                            i / K, i % K, (double)proba[i]);
  }
  fmnist_metrics *m = fmnist__calloc(1, sizeof *m);
  if (!m) return fmnist__fail(FMNIST_E_NOMEM, "metrics: out of memory");
  m->n = n;
  for (size_t i = 0; i < n; i++) m->confusion[truth[i]][pred[i]]++;
  score(m);
  if (proba && n > 0) {
    m->has_log_loss = 1;
    m->log_loss = mean_log_loss(truth, proba, n);
  }
  *out = m;
  return FMNIST_OK;
}

FMNIST_API fmnist_status fmnist_metrics_from_confusion(const uint64_t *confusion, double log_loss,
                                                       fmnist_metrics **out) {
  FMNIST__CHECK_ARG(confusion);
  FMNIST__CHECK_ARG(out);
  if (!isnan(log_loss) && !(log_loss >= 0 && isfinite(log_loss)))
    return fmnist__fail(FMNIST_E_INVALID, "fmnist_metrics_from_confusion: log loss %g, expected "
                        "a finite value >= 0 or NaN", log_loss);
  fmnist_metrics *m = fmnist__calloc(1, sizeof *m);
  if (!m) return fmnist__fail(FMNIST_E_NOMEM, "metrics: out of memory");
  for (int t = 0; t < K; t++)
    for (int p = 0; p < K; p++) {
      m->confusion[t][p] = (size_t)confusion[t * K + p];
      m->n += m->confusion[t][p];
    }
  score(m);
  m->has_log_loss = !isnan(log_loss) && m->n > 0;
  m->log_loss = m->has_log_loss ? log_loss : 0;
  *out = m;
  return FMNIST_OK;
}

FMNIST_API void fmnist_metrics_free(fmnist_metrics *m) { fmnist__free(m); }

FMNIST_API size_t fmnist_metrics_count(const fmnist_metrics *m) {
  return m ? m->n : 0;
}

FMNIST_API double fmnist_metrics_accuracy(const fmnist_metrics *m) {
  if (!m || m->n == 0) return 0.0;
  size_t right = 0;
  for (int c = 0; c < K; c++) right += m->confusion[c][c];
  return (double)right / (double)m->n;
}

FMNIST_API double fmnist_metrics_class(const fmnist_metrics *m, int label,
                                       fmnist_score score) {
  if (!m || label < 0 || label >= K) return NAN;
  switch (score) {
    case FMNIST_SCORE_PRECISION:
    case FMNIST_SCORE_RECALL:
    case FMNIST_SCORE_F1:
      return m->score[label][score];
    case FMNIST_SCORE_SUPPORT:
      return (double)m->support[label];
  }
  return NAN;
}

FMNIST_API double fmnist_metrics_average(const fmnist_metrics *m,
                                         fmnist_score score,
                                         fmnist_average average) {
  if (!m) return NAN;
  if (average != FMNIST_AVERAGE_MACRO && average != FMNIST_AVERAGE_WEIGHTED) return NAN;
  if (score == FMNIST_SCORE_SUPPORT) return (double)m->n;
  if (score != FMNIST_SCORE_PRECISION && score != FMNIST_SCORE_RECALL && score != FMNIST_SCORE_F1)
    return NAN;
  double sum = 0.0;
  if (average == FMNIST_AVERAGE_MACRO) {
    /* Over all 10 classes, present or not, as sklearn with labels=0..9. */
    for (int c = 0; c < K; c++) sum += m->score[c][score];
    return sum / K;
  }
  if (m->n == 0) return 0.0; /* zero_division=0 for an empty weighting */
  for (int c = 0; c < K; c++) sum += m->score[c][score] * (double)m->support[c];
  return sum / (double)m->n;
}

FMNIST_API size_t fmnist_metrics_confusion(const fmnist_metrics *m, int truth,
                                           int pred) {
  if (!m || truth < 0 || truth >= K || pred < 0 || pred >= K) return 0;
  return m->confusion[truth][pred];
}

FMNIST_API fmnist_status fmnist_metrics_log_loss(const fmnist_metrics *m,
                                                 double *out) {
  FMNIST__CHECK_ARG(m);
  FMNIST__CHECK_ARG(out);
  if (!m->has_log_loss)
    return fmnist__fail(FMNIST_E_STATE,
                        m->n ? "fmnist_metrics_log_loss: no probabilities "
                               "were given to fmnist_metrics_compute"
                             : "fmnist_metrics_log_loss: no predictions, so "
                               "no mean");
  *out = m->log_loss;
  return FMNIST_OK;
}
