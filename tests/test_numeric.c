/* Numerical faults through the public API: NaN, infinities and out-of-range
 * values in every parameter that takes a floating-point number are refused
 * with an error status (and change nothing); diverging training ends in
 * FMNIST_E_NUMERIC with the model left unfitted, never in a silent wrong
 * model. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <fmnist.h>

#include "testutil.h"

/* ---- transform ops ---- */

typedef struct tf_case {
  const char *what;
  int op; /* 0 noise, 1 saltpepper, 2 flip, 3 rotate, 4 blur, 5 contrast, 6 brightness */
  double value;
} tf_case;

static const tf_case tf_cases[] = {
    {"noise NaN", 0, NAN},          {"noise +inf", 0, INFINITY},
    {"noise -inf", 0, -INFINITY},   {"noise -1", 0, -1.0},
    {"saltpepper NaN", 1, NAN},     {"saltpepper +inf", 1, INFINITY},
    {"saltpepper -0.1", 1, -0.1},   {"saltpepper 1.5", 1, 1.5},
    {"flip NaN", 2, NAN},           {"flip -inf", 2, -INFINITY},
    {"flip -0.5", 2, -0.5},         {"flip 2", 2, 2.0},
    {"rotate NaN", 3, NAN},         {"rotate +inf", 3, INFINITY},
    {"rotate -10", 3, -10.0},       {"blur NaN", 4, NAN},
    {"blur +inf", 4, INFINITY},     {"blur -1", 4, -1.0},
    {"contrast NaN", 5, NAN},       {"contrast +inf", 5, INFINITY},
    {"contrast -1", 5, -1.0},       {"brightness NaN", 6, NAN},
    {"brightness +inf", 6, INFINITY}, {"brightness -inf", 6, -INFINITY},
};
enum { N_TF = sizeof tf_cases / sizeof tf_cases[0] };

static fmnist_status add_op(fmnist_transform *t, int op, double v) {
  switch (op) {
  case 0: return fmnist_transform_add_noise(t, v);
  case 1: return fmnist_transform_add_salt_pepper(t, v);
  case 2: return fmnist_transform_add_flip(t, v);
  case 3: return fmnist_transform_add_rotation(t, v);
  case 4: return fmnist_transform_add_blur(t, v);
  case 5: return fmnist_transform_add_contrast(t, v, 0.0);
  default: return fmnist_transform_add_contrast(t, 1.0, v);
  }
}

START_TEST(transform_ops_refuse_non_finite) {
  const tf_case *c = &tf_cases[_i];
  fmnist_transform *t;
  ck_assert_int_eq(fmnist_transform_create(1, &t), FMNIST_OK);
  fmnist_status s = add_op(t, c->op, c->value);
  ck_assert_msg(s == FMNIST_E_OPTION, "%s: %s, expected E_OPTION", c->what, fmnist_status_name(s));
  ck_assert_msg(fmnist_last_error()[0] != '\0', "%s: no message", c->what);
  ck_assert_uint_eq(fmnist_transform_count(t), 0); /* nothing added */
  fmnist_transform_free(t);
}
END_TEST

/* The same values written in a spec: strtod reads "nan" and "inf". */
static const char *const bad_specs[] = {
    "noise:nan",      "noise:inf",       "noise:-inf",      "noise:1e400",  "saltpepper:nan",
    "flip:nan",       "flip:inf",        "rotate:nan",      "rotate:-inf",  "blur:nan",
    "blur:1e309",     "contrast:nan",    "contrast:-inf",   "brightness:nan",
    "brightness:inf", "noise:0x1p99999", "shift:nan",       "occlude:inf",  "noise:5 blur:nan",
};
enum { N_SPECS = sizeof bad_specs / sizeof bad_specs[0] };

START_TEST(transform_specs_refuse_non_finite) {
  fmnist_transform *t;
  ck_assert_int_eq(fmnist_transform_create(1, &t), FMNIST_OK);
  fmnist_status s = fmnist_transform_add_spec(t, bad_specs[_i]);
  ck_assert_msg(s == FMNIST_E_OPTION, "\"%s\": %s, expected E_OPTION", bad_specs[_i],
                fmnist_status_name(s));
  ck_assert_uint_eq(fmnist_transform_count(t), 0);
  fmnist_transform_free(t);
}
END_TEST

/* ---- model options given as text ---- */

typedef struct opt_case {
  const char *family, *key, *value;
} opt_case;

static const opt_case opt_cases[] = {
    {"logreg", "C", "nan"},       {"logreg", "C", "inf"},          {"logreg", "C", "-1"},
    {"logreg", "C", "0"},         {"logreg", "tol", "nan"},        {"logreg", "tol", "-inf"},
    {"logreg", "lr", "nan"},      {"logreg", "lr", "inf"},         {"logreg", "lr", "-0.1"},
    {"logreg", "lr", "1e400"},    {"net", "lr", "nan"},            {"net", "lr", "NAN"},
    {"net", "lr", "inf"},         {"net", "lr", "infinity"},       {"net", "lr", "-1e-3"},
    {"net", "lr", "1e999"},       {"net", "beta1", "nan"},         {"net", "beta1", "1"},
    {"net", "beta2", "inf"},      {"net", "beta2", "-0.5"},        {"net", "eps", "nan"},
    {"net", "eps", "0"},          {"net", "weight_decay", "nan"},  {"net", "weight_decay", "-1"},
    {"net", "layers", "dense:16 drop:nan dense:10"},
    {"net", "layers", "noise:inf dense:10"},
    {"net", "layers", "drop:1.5 dense:10"},
    {"net", "layers", "noise:-0.1 dense:10"},
};
enum { N_OPT = sizeof opt_cases / sizeof opt_cases[0] };

START_TEST(options_refuse_non_finite) {
  const opt_case *c = &opt_cases[_i];
  fmnist_model *m;
  char before[256], after[256];
  ck_assert_int_eq(fmnist_model_create(c->family, &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_get(m, c->key, before, sizeof before), FMNIST_OK);
  fmnist_status s = fmnist_model_set(m, c->key, c->value);
  ck_assert_msg(s == FMNIST_E_OPTION, "%s %s=%s: %s, expected E_OPTION", c->family, c->key,
                c->value, fmnist_status_name(s));
  ck_assert_msg(strstr(fmnist_last_error(), c->key) != NULL, "message does not name %s: %s",
                c->key, fmnist_last_error());
  ck_assert_int_eq(fmnist_model_get(m, c->key, after, sizeof after), FMNIST_OK);
  ck_assert_str_eq(before, after); /* the option keeps its old value */
  fmnist_model_free(m);
}
END_TEST

START_TEST(net_layers_refuse_non_finite) {
  const double bad[] = {NAN, INFINITY, -INFINITY, -0.1, 1.0, 1.5};
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("net", &m), FMNIST_OK);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(fmnist_net_add_dropout(m, bad[i]) == FMNIST_E_OPTION, "dropout %g", bad[i]);
    if (i < 4) /* noise std: any finite >= 0 is fine, 1 and 1.5 included */
      ck_assert_msg(fmnist_net_add_noise(m, bad[i]) == FMNIST_E_OPTION, "noise %g", bad[i]);
  }
  char layers[64];
  ck_assert_int_eq(fmnist_model_get(m, "layers", layers, sizeof layers), FMNIST_OK);
  ck_assert_str_eq(layers, ""); /* nothing appended */
  fmnist_model_free(m);
}
END_TEST

/* ---- metrics ---- */

START_TEST(metrics_refuse_non_finite_proba) {
  const float bad[] = {NAN, INFINITY, -INFINITY, -0.5f};
  uint8_t truth[3] = {0, 1, 2}, pred[3] = {0, 1, 1};
  float proba[30];
  for (size_t i = 0; i < 30; i++) proba[i] = 0.1f;
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
    for (size_t cell = 0; cell < 30; cell += 13) {
      float keep = proba[cell];
      proba[cell] = bad[b];
      fmnist_metrics *m = (fmnist_metrics *)&keep; /* must stay untouched */
      fmnist_metrics *const sentinel = m;
      ck_assert_msg(fmnist_metrics_compute(truth, pred, proba, 3, &m) == FMNIST_E_INVALID,
                    "proba[%zu] = %g accepted", cell, (double)bad[b]);
      ck_assert_ptr_eq(m, sentinel);
      proba[cell] = keep;
    }
  fmnist_metrics *m;
  ck_assert_int_eq(fmnist_metrics_compute(truth, pred, proba, 3, &m), FMNIST_OK);
  double loss;
  ck_assert_int_eq(fmnist_metrics_log_loss(m, &loss), FMNIST_OK);
  ck_assert(isfinite(loss));
  fmnist_metrics_free(m);
}
END_TEST

/* ---- diverging training ---- */

enum { N = 200 };
static fmnist_dataset *make_set(void) {
  static uint8_t images[N * FMNIST_PIXELS], labels[N];
  for (size_t i = 0; i < N; i++) {
    labels[i] = (uint8_t)(i % 10);
    for (size_t p = 0; p < FMNIST_PIXELS; p++) {
      uint32_t h = (uint32_t)(i * 2654435761u ^ p * 40503u);
      images[i * FMNIST_PIXELS + p] =
          (uint8_t)((p / 28 / 3 == labels[i] ? 160 : 0) + ((h >> 13) & 63));
    }
  }
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(images, labels, N, &ds), FMNIST_OK);
  return ds;
}

/* Fits and expects E_NUMERIC with the model left unfitted: predict, proba
 * and save then say E_STATE. */
static void expect_divergence(fmnist_model *m, const char *what) {
  fmnist_dataset *ds = make_set();
  fmnist_status s = fmnist_model_fit(m, ds, ds);
  ck_assert_msg(s == FMNIST_E_NUMERIC, "%s: fit returned %s (%s), expected E_NUMERIC", what,
                fmnist_status_name(s), fmnist_last_error());
  ck_assert_msg(fmnist_last_error()[0] != '\0', "%s: no message", what);
  ck_assert_int_eq(fmnist_model_is_fitted(m), 0);
  uint8_t label = 99;
  float proba[FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_predict(m, fmnist_dataset_image(ds, 0), 1, &label), FMNIST_E_STATE);
  ck_assert_uint_eq(label, 99);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_image(ds, 0), 1, proba), FMNIST_E_STATE);
  char path[700];
  snprintf(path, sizeof path, "%s/diverged.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_E_STATE);
  fmnist_dataset_free(ds);
}

static fmnist_model *model(const char *family, const char *const *kv) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create(family, &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  for (; kv[0]; kv += 2)
    ck_assert_msg(fmnist_model_set(m, kv[0], kv[1]) == FMNIST_OK, "%s=%s: %s", kv[0], kv[1],
                  fmnist_last_error());
  return m;
}

/* Learning rates past the option's range are refused before training. */
START_TEST(huge_learning_rate_refused) {
  fmnist_model *m = model("net", (const char *const[]){NULL});
  ck_assert_int_eq(fmnist_model_set(m, "lr", "1e30"), FMNIST_E_OPTION);
  fmnist_model_free(m);
  m = model("logreg", (const char *const[]){"solver", "sgd", NULL});
  ck_assert_int_eq(fmnist_model_set(m, "lr", "1e30"), FMNIST_E_OPTION);
  fmnist_model_free(m);
}
END_TEST

/* Adam's steps are about lr whatever the gradient, so lr = 1e9 (the option's
 * maximum) makes weights of ~1e9 after one step; three such layers push the
 * activations past float's 3.4e38 and the loss becomes NaN. (Two layers stay
 * finite: ReLU nets are scale-invariant and the loss is merely ~1e20.) */
START_TEST(net_diverges_dense) {
  fmnist_model *m = model("net", (const char *const[]){"layers",
                                                       "dense:64 relu dense:64 relu dense:64 relu dense:10",
                                                       "lr", "1e9", "epochs", "3", NULL});
  expect_divergence(m, "net dense lr=1e9");
  fmnist_model_free(m);
}
END_TEST

START_TEST(net_diverges_conv) {
  fmnist_model *m = model(
      "net", (const char *const[]){"layers", "conv:4:3 relu pool:2 conv:8:3 relu pool:2 dense:32 relu dense:10",
                                   "lr", "1e9", "epochs", "3", NULL});
  expect_divergence(m, "net conv lr=1e9");
  fmnist_model_free(m);
}
END_TEST

/* A model fitted once, then refitted with a diverging rate, ends unfitted:
 * no trace of the earlier fit can be predicted with or saved. */
START_TEST(net_divergence_after_good_fit) {
  fmnist_model *m = model("net", (const char *const[]){"layers",
                                                       "dense:16 relu dense:16 relu dense:16 relu dense:10",
                                                       "epochs", "1", NULL});
  fmnist_dataset *ds = make_set();
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_is_fitted(m), 1);
  fmnist_dataset_free(ds);
  ck_assert_int_eq(fmnist_model_set(m, "lr", "1e9"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "3"), FMNIST_OK);
  expect_divergence(m, "net refit lr=1e9");
  fmnist_model_free(m);
}
END_TEST

START_TEST(logreg_sgd_diverges) {
  /* lr = 1e6 (the option's maximum): with the L2 term w/(C n) each step
   * multiplies the weights by about 1 - lr/(C n) = -5e3, so they overflow
   * within a few dozen steps. */
  fmnist_model *m = model("logreg", (const char *const[]){"solver", "sgd", "lr", "1e6",
                                                          "max_iter", "5", NULL});
  expect_divergence(m, "logreg sgd lr=1e6");
  fmnist_model_free(m);
}
END_TEST

/* Divergence with a loss that stays finite (~1e19 for this two-layer net,
 * ~1e23 for SGD at lr 1e3) is divergence all the same. */
START_TEST(finite_but_huge_loss_is_divergence) {
  fmnist_model *m = model("net", (const char *const[]){"layers", "conv:4:3 bn relu pool:2 dense:10",
                                                       "lr", "1e9", "epochs", "3", NULL});
  expect_divergence(m, "net bn lr=1e9");
  fmnist_model_free(m);
  m = model("logreg", (const char *const[]){"solver", "sgd", "lr", "1e3", "max_iter", "5", NULL});
  expect_divergence(m, "logreg sgd lr=1e3");
  fmnist_model_free(m);
}
END_TEST

/* The same sane run does fit: the divergence tests fail for the lr alone. */
START_TEST(sane_rates_fit) {
  fmnist_dataset *ds = make_set();
  fmnist_model *m = model("logreg", (const char *const[]){"solver", "sgd", "max_iter", "5", NULL});
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  fmnist_model_free(m);
  m = model("net", (const char *const[]){"layers", "dense:64 relu dense:10", "epochs", "3", NULL});
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  double loss;
  ck_assert_int_eq(fmnist_model_history(m, 2, FMNIST_HISTORY_TRAIN_LOSS, &loss), FMNIST_OK);
  ck_assert(isfinite(loss));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static Suite *numeric_suite(void) {
  Suite *s = suite_create("numeric");
  TCase *tc = tcase_create("inputs");
  tcase_add_loop_test(tc, transform_ops_refuse_non_finite, 0, N_TF);
  tcase_add_loop_test(tc, transform_specs_refuse_non_finite, 0, N_SPECS);
  tcase_add_loop_test(tc, options_refuse_non_finite, 0, N_OPT);
  tcase_add_test(tc, net_layers_refuse_non_finite);
  tcase_add_test(tc, metrics_refuse_non_finite_proba);
  suite_add_tcase(s, tc);
  TCase *tt = tcase_create("divergence");
  tcase_set_timeout(tt, 120);
  tcase_add_test(tt, huge_learning_rate_refused);
  tcase_add_test(tt, net_diverges_dense);
  tcase_add_test(tt, net_diverges_conv);
  tcase_add_test(tt, net_divergence_after_good_fit);
  tcase_add_test(tt, logreg_sgd_diverges);
  tcase_add_test(tt, finite_but_huge_loss_is_divergence);
  tcase_add_test(tt, sane_rates_fit);
  suite_add_tcase(s, tt);
  return s;
}

FMNIST_TEST_MAIN(numeric_suite)
