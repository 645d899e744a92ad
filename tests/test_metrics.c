/* Metrics: known answers against scikit-learn, zero division, bad input. */
#include <math.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

/* Values computed in double from small integer counts: agreement to a few
 * ulps is expected; 1e-12 relative leaves room for summation order only. */
#define TOL 1e-12
#define ck_close(got, want) close_to((got), (want), #got)
static void close_to(double got, double want, const char *what) {
  ck_assert_msg(fabs(got - want) <= TOL * fmax(1.0, fabs(want)),
                "%s = %.17g, expected %.17g", what, got, want);
}

/* The hand-made example: 13 predictions; class 5 is never predicted
 * (precision 0/0), class 6 is predicted once but never true (recall 0/0),
 * classes 7..9 are absent altogether. */
enum { N = 13 };
static const uint8_t truth[N] = {0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5};
static const uint8_t pred[N] = {0, 0, 1, 1, 1, 2, 0, 3, 3, 3, 4, 4, 6};

/* Probabilities: 0.875 on the prediction when right (rest 0.125/9 each);
 * 0.625 on the prediction and 0.25 on the truth when wrong (rest 0.125/8);
 * row 6 puts all mass on a wrong class (the 1e-15 clip decides its loss);
 * row 12 sums to 2 (renormalisation decides it). */
static void make_proba(float p[N][10]) {
  for (int i = 0; i < N; i++)
    for (int c = 0; c < 10; c++) {
      if (truth[i] == pred[i])
        p[i][c] = c == pred[i] ? 0.875f : (float)(0.125 / 9.0);
      else
        p[i][c] = c == pred[i]    ? 0.625f
                  : c == truth[i] ? 0.25f
                                  : (float)(0.125 / 8.0);
    }
  for (int c = 0; c < 10; c++) p[6][c] = c == 0 ? 1.0f : 0.0f;
  for (int c = 0; c < 10; c++) p[12][c] = 0.2f;
}

/* Expected numbers from scikit-learn 1.2.1 (/usr/bin/python3):
 *   precision_recall_fscore_support(truth, pred, labels=range(10),
 *       average=None | 'macro' | 'weighted', zero_division=0)
 *   accuracy_score(truth, pred)
 *   log_loss(truth, P, labels=range(10), eps=1e-15), P = make_proba's
 *       float32 values converted to float64.
 * The per-class ones are also easy by hand from the confusion matrix, e.g.
 * class 2: tp 1, predicted 1, true 3 -> P 1, R 1/3, F1 2/(1+3) = 0.5. */
static const double want_p[10] = {2.0 / 3, 2.0 / 3, 1, 2.0 / 3, 0.5,
                                  0,       0,       0, 0,       0};
static const double want_r[10] = {2.0 / 3, 1, 1.0 / 3, 1, 1, 0, 0, 0, 0, 0};
static const double want_f[10] = {2.0 / 3, 0.8, 0.5, 0.8, 2.0 / 3,
                                  0,       0,   0,   0,   0};
static const double want_support[10] = {3, 2, 3, 2, 1, 2, 0, 0, 0, 0};
#define WANT_ACCURACY 0.6153846153846154 /* 8 / 13 */
#define WANT_MACRO_P 0.35
#define WANT_MACRO_R 0.4
#define WANT_MACRO_F 0.3433333333333333
#define WANT_WEIGHTED_P 0.6282051282051282
#define WANT_WEIGHTED_R 0.6153846153846154
#define WANT_WEIGHTED_F 0.5666666666666667
#define WANT_LOG_LOSS 3.236038132285473

START_TEST(known_answers) {
  float proba[N][10];
  make_proba(proba);
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(truth, pred, &proba[0][0], N, &m),
                   FMNIST_OK);
  ck_assert_uint_eq(fmnist_metrics_count(m), N);
  ck_close(fmnist_metrics_accuracy(m), WANT_ACCURACY);
  for (int c = 0; c < 10; c++) {
    ck_close(fmnist_metrics_class(m, c, FMNIST_SCORE_PRECISION), want_p[c]);
    ck_close(fmnist_metrics_class(m, c, FMNIST_SCORE_RECALL), want_r[c]);
    ck_close(fmnist_metrics_class(m, c, FMNIST_SCORE_F1), want_f[c]);
    ck_close(fmnist_metrics_class(m, c, FMNIST_SCORE_SUPPORT), want_support[c]);
  }
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_PRECISION, FMNIST_AVERAGE_MACRO),
           WANT_MACRO_P);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_RECALL, FMNIST_AVERAGE_MACRO),
           WANT_MACRO_R);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO), WANT_MACRO_F);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_PRECISION, FMNIST_AVERAGE_WEIGHTED),
           WANT_WEIGHTED_P);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_RECALL, FMNIST_AVERAGE_WEIGHTED),
           WANT_WEIGHTED_R);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_WEIGHTED),
           WANT_WEIGHTED_F);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_SUPPORT, FMNIST_AVERAGE_MACRO), N);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_SUPPORT, FMNIST_AVERAGE_WEIGHTED), N);
  double ll = -1;
  ck_assert_int_eq(fmnist_metrics_log_loss(m, &ll), FMNIST_OK);
  ck_close(ll, WANT_LOG_LOSS);
  fmnist_metrics_free(m);
}
END_TEST

/* Metrics rebuilt from their confusion matrix and log loss are the same
 * metrics, bit for bit; a bad log loss is refused. */
START_TEST(from_confusion_round_trip) {
  float proba[N][10];
  make_proba(proba);
  fmnist_metrics *m, *back, *no_loss;
  ck_assert_int_eq(fmnist_metrics_compute(truth, pred, &proba[0][0], N, &m), FMNIST_OK);
  uint64_t confusion[100];
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++) confusion[t * 10 + p] = fmnist_metrics_confusion(m, t, p);
  double ll, ll_back;
  ck_assert_int_eq(fmnist_metrics_log_loss(m, &ll), FMNIST_OK);
  ck_assert_int_eq(fmnist_metrics_from_confusion(confusion, ll, &back), FMNIST_OK);
  ck_assert_uint_eq(fmnist_metrics_count(back), N);
  ck_assert(fmnist_metrics_accuracy(back) == fmnist_metrics_accuracy(m));
  for (int c = 0; c < 10; c++)
    for (int sc = 0; sc <= FMNIST_SCORE_SUPPORT; sc++)
      ck_assert(fmnist_metrics_class(back, c, (fmnist_score)sc) ==
                fmnist_metrics_class(m, c, (fmnist_score)sc));
  ck_assert_int_eq(fmnist_metrics_log_loss(back, &ll_back), FMNIST_OK);
  ck_assert(ll_back == ll);
  ck_assert_int_eq(fmnist_metrics_from_confusion(confusion, NAN, &no_loss), FMNIST_OK);
  ck_assert_int_eq(fmnist_metrics_log_loss(no_loss, &ll_back), FMNIST_E_STATE);
  fmnist_metrics_free(no_loss);
  ck_assert_int_eq(fmnist_metrics_from_confusion(confusion, -1, &no_loss), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_metrics_from_confusion(confusion, INFINITY, &no_loss), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_metrics_from_confusion(NULL, 0, &no_loss), FMNIST_E_INVALID);
  fmnist_metrics_free(m);
  fmnist_metrics_free(back);
}
END_TEST

START_TEST(confusion_matrix) {
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(truth, pred, NULL, N, &m),
                   FMNIST_OK);
  size_t want[10][10] = {{0}}, total = 0;
  for (int i = 0; i < N; i++) want[truth[i]][pred[i]]++;
  for (int t = 0; t < 10; t++)
    for (int p = 0; p < 10; p++) {
      ck_assert_uint_eq(fmnist_metrics_confusion(m, t, p), want[t][p]);
      total += fmnist_metrics_confusion(m, t, p);
    }
  ck_assert_uint_eq(total, N);
  ck_assert_uint_eq(fmnist_metrics_confusion(m, 2, 0), 1);
  /* out-of-range cells count nothing */
  ck_assert_uint_eq(fmnist_metrics_confusion(m, -1, 0), 0);
  ck_assert_uint_eq(fmnist_metrics_confusion(m, 0, 10), 0);
  /* without probabilities there is no log loss, and out is untouched */
  double ll = 42.0;
  ck_assert_int_eq(fmnist_metrics_log_loss(m, &ll), FMNIST_E_STATE);
  ck_assert(ll == 42.0);
  fmnist_metrics_free(m);
}
END_TEST

/* Perfect confident predictions: the clip keeps the loss finite and tiny:
 * -log((1 - 1e-15) / (1 - 1e-15 + 9e-15)) ~ 1e-14. */
START_TEST(log_loss_perfect) {
  uint8_t y[10];
  float p[10][10] = {{0}};
  for (int i = 0; i < 10; i++) {
    y[i] = (uint8_t)i;
    p[i][i] = 1.0f;
  }
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(y, y, &p[0][0], 10, &m), FMNIST_OK);
  double ll;
  ck_assert_int_eq(fmnist_metrics_log_loss(m, &ll), FMNIST_OK);
  ck_assert(ll > 0.0 && ll < 1e-13);
  ck_close(fmnist_metrics_accuracy(m), 1.0);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO), 1.0);
  fmnist_metrics_free(m);
}
END_TEST

/* Everything predicted as class 3: precision of the other classes is 0/0
 * and counts as 0; only class 3 scores. Expected values by hand: class 3
 * tp 2 of 10 predicted -> P 0.2, R 1, F1 2*2/(10+2) = 1/3. */
START_TEST(zero_division_one_class) {
  uint8_t y[10], p[10];
  for (int i = 0; i < 10; i++) {
    y[i] = (uint8_t)(i < 2 ? 3 : i % 3);
    p[i] = 3;
  }
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(y, p, NULL, 10, &m), FMNIST_OK);
  for (int c = 0; c < 10; c++) {
    if (c == 3) continue;
    ck_assert(fmnist_metrics_class(m, c, FMNIST_SCORE_PRECISION) == 0.0);
    ck_assert(fmnist_metrics_class(m, c, FMNIST_SCORE_RECALL) == 0.0);
    ck_assert(fmnist_metrics_class(m, c, FMNIST_SCORE_F1) == 0.0);
  }
  ck_close(fmnist_metrics_class(m, 3, FMNIST_SCORE_PRECISION), 0.2);
  ck_close(fmnist_metrics_class(m, 3, FMNIST_SCORE_RECALL), 1.0);
  ck_close(fmnist_metrics_class(m, 3, FMNIST_SCORE_F1), 1.0 / 3);
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO), 1.0 / 30);
  /* weighted by support: only class 3 (support 2 of 10) is non-zero */
  ck_close(fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_WEIGHTED), 1.0 / 15);
  ck_close(fmnist_metrics_accuracy(m), 0.2);
  fmnist_metrics_free(m);
}
END_TEST

/* No predictions at all: everything is a zero division. */
START_TEST(zero_predictions) {
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(NULL, NULL, NULL, 0, &m),
                   FMNIST_OK);
  ck_assert_uint_eq(fmnist_metrics_count(m), 0);
  ck_assert(fmnist_metrics_accuracy(m) == 0.0);
  ck_assert(fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO) == 0.0);
  ck_assert(fmnist_metrics_average(m, FMNIST_SCORE_PRECISION, FMNIST_AVERAGE_WEIGHTED) ==
            0.0);
  ck_assert(fmnist_metrics_class(m, 0, FMNIST_SCORE_RECALL) == 0.0);
  double ll = 7.0;
  ck_assert_int_eq(fmnist_metrics_log_loss(m, &ll), FMNIST_E_STATE);
  ck_assert(ll == 7.0);
  fmnist_metrics_free(m);
}
END_TEST

START_TEST(getters_reject_bad_arguments) {
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(truth, pred, NULL, N, &m),
                   FMNIST_OK);
  ck_assert(isnan(fmnist_metrics_class(NULL, 0, FMNIST_SCORE_F1)));
  ck_assert(isnan(fmnist_metrics_class(m, -1, FMNIST_SCORE_F1)));
  ck_assert(isnan(fmnist_metrics_class(m, 10, FMNIST_SCORE_F1)));
  ck_assert(isnan(fmnist_metrics_class(m, 0, (fmnist_score)4)));
  ck_assert(isnan(fmnist_metrics_average(NULL, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO)));
  ck_assert(isnan(fmnist_metrics_average(m, (fmnist_score)-1, FMNIST_AVERAGE_MACRO)));
  ck_assert(isnan(fmnist_metrics_average(m, FMNIST_SCORE_F1, (fmnist_average)2)));
  ck_assert_uint_eq(fmnist_metrics_count(NULL), 0);
  ck_assert(fmnist_metrics_accuracy(NULL) == 0.0);
  ck_assert_uint_eq(fmnist_metrics_confusion(NULL, 0, 0), 0);
  double ll = 3.0;
  ck_assert_int_eq(fmnist_metrics_log_loss(NULL, &ll), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_metrics_log_loss(m, NULL), FMNIST_E_INVALID);
  ck_assert(ll == 3.0);
  fmnist_metrics_free(m);
  fmnist_metrics_free(NULL);
}
END_TEST

/* One row per malformed input: what it is and which word the message must
 * contain. */
static const struct bad_case {
  const char *what;
  int truth_at, truth_val; /* -1: leave truth alone */
  int pred_at, pred_val;
  int proba_at; /* flat index, -1: none */
  float proba_val;
  int null_truth, null_pred, null_out;
  const char *needle;
} bad_cases[] = {
    {"truth 10", 4, 10, -1, 0, -1, 0, 0, 0, 0, "truth[4] = 10"},
    {"truth 255", 0, 255, -1, 0, -1, 0, 0, 0, 0, "truth[0] = 255"},
    {"pred 10", -1, 0, 12, 10, -1, 0, 0, 0, 0, "pred[12] = 10"},
    {"proba NaN", -1, 0, -1, 0, 15, NAN, 0, 0, 0, "proba[1][5]"},
    {"proba +Inf", -1, 0, -1, 0, 0, INFINITY, 0, 0, 0, "proba[0][0]"},
    {"proba -Inf", -1, 0, -1, 0, 129, -INFINITY, 0, 0, 0, "proba[12][9]"},
    {"proba negative", -1, 0, -1, 0, 30, -0.5f, 0, 0, 0, "proba[3][0]"},
    {"truth NULL", -1, 0, -1, 0, -1, 0, 1, 0, 0, "truth"},
    {"pred NULL", -1, 0, -1, 0, -1, 0, 0, 1, 0, "pred"},
    {"out NULL", -1, 0, -1, 0, -1, 0, 0, 0, 1, "out"},
};

START_TEST(bad_inputs) {
  const struct bad_case *bc = &bad_cases[_i];
  uint8_t y[N], p[N];
  float proba[N][10];
  memcpy(y, truth, N);
  memcpy(p, pred, N);
  make_proba(proba);
  if (bc->truth_at >= 0) y[bc->truth_at] = (uint8_t)bc->truth_val;
  if (bc->pred_at >= 0) p[bc->pred_at] = (uint8_t)bc->pred_val;
  if (bc->proba_at >= 0) (&proba[0][0])[bc->proba_at] = bc->proba_val;
  fmnist_metrics *sentinel = (fmnist_metrics *)&y; /* must stay untouched */
  fmnist_metrics *m = sentinel;
  fmnist_status s = fmnist_metrics_compute(
      bc->null_truth ? NULL : y, bc->null_pred ? NULL : p,
      bc->proba_at >= 0 ? &proba[0][0] : NULL, N, bc->null_out ? NULL : &m);
  ck_assert_msg(s == FMNIST_E_INVALID, "%s: status %s", bc->what,
                fmnist_status_name(s));
  ck_assert_msg(m == sentinel, "%s: out written on failure", bc->what);
  ck_assert_msg(strstr(fmnist_last_error(), bc->needle) != NULL,
                "%s: message '%s' lacks '%s'", bc->what, fmnist_last_error(),
                bc->needle);
}
END_TEST

/* The enum names before 1.1 stay valid, with the same values. */
START_TEST(test_enum_aliases) {
  ck_assert_int_eq(FMNIST_PRECISION, FMNIST_SCORE_PRECISION);
  ck_assert_int_eq(FMNIST_RECALL, FMNIST_SCORE_RECALL);
  ck_assert_int_eq(FMNIST_F1, FMNIST_SCORE_F1);
  ck_assert_int_eq(FMNIST_SUPPORT, FMNIST_SCORE_SUPPORT);
  ck_assert_int_eq(FMNIST_MACRO, FMNIST_AVERAGE_MACRO);
  ck_assert_int_eq(FMNIST_WEIGHTED, FMNIST_AVERAGE_WEIGHTED);
  ck_assert_int_eq(FMNIST_RELU, FMNIST_ACTIVATION_RELU);
  ck_assert_int_eq(FMNIST_TANH, FMNIST_ACTIVATION_TANH);
  ck_assert_int_eq(FMNIST_SIGMOID, FMNIST_ACTIVATION_SIGMOID);
  ck_assert_int_eq(FMNIST_HIST_TRAIN_LOSS, FMNIST_HISTORY_TRAIN_LOSS);
  ck_assert_int_eq(FMNIST_HIST_TRAIN_ACCURACY, FMNIST_HISTORY_TRAIN_ACCURACY);
  ck_assert_int_eq(FMNIST_HIST_VALID_LOSS, FMNIST_HISTORY_VALID_LOSS);
  ck_assert_int_eq(FMNIST_HIST_VALID_ACCURACY, FMNIST_HISTORY_VALID_ACCURACY);
  ck_assert_int_eq(FMNIST_HIST_SECONDS, FMNIST_HISTORY_SECONDS);
  /* and they pass as arguments: F1 of a perfect prediction */
  const uint8_t truth[4] = {0, 1, 2, 3};
  fmnist_metrics *m = NULL;
  ck_assert_int_eq(fmnist_metrics_compute(truth, truth, NULL, 4, &m), FMNIST_OK);
  ck_assert_double_eq(fmnist_metrics_class(m, 1, FMNIST_F1), 1.0);
  ck_assert_double_eq(fmnist_metrics_average(m, FMNIST_F1, FMNIST_WEIGHTED), 1.0);
  fmnist_metrics_free(m);
}
END_TEST

static Suite *metrics_suite(void) {
  Suite *s = suite_create("metrics");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, known_answers);
  tcase_add_test(tc, from_confusion_round_trip);
  tcase_add_test(tc, confusion_matrix);
  tcase_add_test(tc, log_loss_perfect);
  tcase_add_test(tc, zero_division_one_class);
  tcase_add_test(tc, zero_predictions);
  tcase_add_test(tc, getters_reject_bad_arguments);
  tcase_add_loop_test(tc, bad_inputs, 0,
                      (int)(sizeof bad_cases / sizeof bad_cases[0]));
  tcase_add_test(tc, test_enum_aliases);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(metrics_suite)
