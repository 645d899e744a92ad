/* Logistic regression internals: the objective's gradient against finite
 * differences, and SAG's fixed point against that gradient. */
#include <math.h>
#include <string.h>

#include <fmnist.h>

#include "models/logreg.h"
#include "models/model_impl.h"
#include "testutil.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES


/* Central differences with h = 1e-5 on a smooth objective of size ~1 have
 * truncation error ~h^2 and rounding ~1e-16/h = 1e-11: 1e-7 absolute is a
 * safe margin that a wrong factor (2, n, alpha) would exceed by far. */
START_TEST(test_gradient) {
  enum { N = 12 };
  static float x[N * NF];
  static double w[NC * NF], gw[NC * NF], gtmp[NC * NF];
  uint8_t y[N];
  double b[NC], gb[NC], gbt[NC];
  uint32_t s = 12345;
  for (size_t i = 0; i < N * NF; i++) x[i] = (float)(fmnist_test_unit(&s) * 2 - 1);
  for (size_t k = 0; k < NC * NF; k++) w[k] = (fmnist_test_unit(&s) - 0.5) * 0.1;
  for (int c = 0; c < NC; c++) b[c] = fmnist_test_unit(&s) - 0.5;
  for (int i = 0; i < N; i++) y[i] = (uint8_t)(fmnist_test_rand(&s) % NC);
  const double alpha = 0.3, h = 1e-5;
  fmnist__logreg_objective(x, y, N, w, b, alpha, gw, gb);
  for (int t = 0; t < 40; t++) {
    size_t k = fmnist_test_rand(&s) % (NC * NF);
    double keep = w[k];
    w[k] = keep + h;
    double fp = fmnist__logreg_objective(x, y, N, w, b, alpha, gtmp, gbt);
    w[k] = keep - h;
    double fm = fmnist__logreg_objective(x, y, N, w, b, alpha, gtmp, gbt);
    w[k] = keep;
    ck_assert_double_eq_tol(gw[k], (fp - fm) / (2 * h), 1e-7);
  }
  for (int c = 0; c < NC; c++) {
    double keep = b[c];
    b[c] = keep + h;
    double fp = fmnist__logreg_objective(x, y, N, w, b, alpha, gtmp, gbt);
    b[c] = keep - h;
    double fm = fmnist__logreg_objective(x, y, N, w, b, alpha, gtmp, gbt);
    b[c] = keep;
    ck_assert_double_eq_tol(gb[c], (fp - fm) / (2 * h), 1e-7);
  }
}
END_TEST

/* SAG run to a tight tolerance stops at the minimizer of the objective
 * that logreg.h documents (scikit-learn's, divided by n): the gradient
 * there is ~0. Strong regularization (C = 0.05) makes the problem well
 * conditioned; 3000 epochs reach ~1e-8 of gradient (the float copy of the
 * weights alone leaves ~1e-7 relative), so 1e-6 is the bound. */
START_TEST(test_sag_optimum) {
  enum { N = 60 };
  static uint8_t img[N * NF], lab[N];
  static float x[N * NF];
  static double w[NC * NF], gw[NC * NF];
  double b[NC], gb[NC];
  uint32_t s = 777;
  for (int i = 0; i < N; i++) {
    lab[i] = (uint8_t)(i % NC);
    for (int p = 0; p < NF; p++) img[i * NF + p] = (uint8_t)(fmnist_test_rand(&s) % 256);
  }
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, N, &ds), FMNIST_OK);
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("logreg", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "C", "0.05"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "tol", "1e-9"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "max_iter", "3000"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  fmnist__model_standardize(m, img, N, x);
  fmnist__logreg_params(m, w, b);
  double alpha = 1.0 / (0.05 * N);
  fmnist__logreg_objective(x, lab, N, w, b, alpha, gw, gb);
  double gmax = 0;
  for (size_t k = 0; k < NC * NF; k++) gmax = fmax(gmax, fabs(gw[k]));
  for (int c = 0; c < NC; c++) gmax = fmax(gmax, fabs(gb[c]));
  ck_assert_msg(gmax < 1e-6, "max |gradient| %g at SAG's solution (%zu epochs)", gmax,
                fmnist_model_epochs(m));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static Suite *internal_logreg_suite(void) {
  Suite *s = suite_create("internal_logreg");
  TCase *tc = tcase_create("logreg");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_gradient);
  tcase_add_test(tc, test_sag_optimum);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(internal_logreg_suite)
