/* The "net" family through the public API: training on tiny data, spec
 * errors, save/load, divergence, determinism, history, residual blocks,
 * and the training features (label smoothing, SGD, schedules and warm-up,
 * averaged weights, test-time augmentation). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmnist.h"
#include "testutil.h"

enum { N_TINY = 20 };

/* 20 images, two per class, each class a distinct random pattern plus
 * per-image noise, so a small net can learn every one of them. */
static fmnist_dataset *tiny_set(void) {
  static uint8_t img[N_TINY * FMNIST_PIXELS], lab[N_TINY];
  uint32_t x = 12345;
  for (int i = 0; i < N_TINY; i++) {
    lab[i] = (uint8_t)(i % 10);
    for (int p = 0; p < FMNIST_PIXELS; p++) {
      x = x * 1103515245u + 12345u;
      int base = ((p * 7 + lab[i] * 131) % 97) < 30 ? 200 : 20;
      img[i * FMNIST_PIXELS + p] = (uint8_t)(base + (int)((x >> 16) % 40));
    }
  }
  fmnist_dataset *ds;
  ck_assert_int_eq(fmnist_dataset_from_memory(img, lab, N_TINY, &ds), FMNIST_OK);
  return ds;
}

static fmnist_model *net_with(const char *spec) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create("net", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  if (spec) ck_assert_msg(fmnist_model_set(m, "layers", spec) == FMNIST_OK, "%s", fmnist_last_error());
  return m;
}

static double train_accuracy(const fmnist_model *m, const fmnist_dataset *ds) {
  uint8_t pred[N_TINY];
  ck_assert_int_eq(fmnist_model_predict(m, fmnist_dataset_images(ds), N_TINY, pred), FMNIST_OK);
  size_t ok = 0;
  for (int i = 0; i < N_TINY; i++) ok += pred[i] == fmnist_dataset_labels(ds)[i];
  return (double)ok / N_TINY;
}

/* m (fitted on the tiny set ds) saved to a file and loaded back: the
 * loaded model's option key reads value, and its probabilities of ds are
 * m's, bit for bit. */
static void same_after_load(const fmnist_model *m, const fmnist_dataset *ds, const char *key,
                            const char *value) {
  char path[600], got[64];
  snprintf(path, sizeof path, "%s/%s.fmm", fmnist_test_dir(), key);
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  fmnist_model *back;
  ck_assert_msg(fmnist_model_load(path, &back) == FMNIST_OK, "%s", fmnist_last_error());
  ck_assert_int_eq(fmnist_model_get(back, key, got, sizeof got), FMNIST_OK);
  ck_assert_str_eq(got, value);
  float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(back, fmnist_dataset_images(ds), N_TINY, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_model_free(back);
}

static const char *const overfit_specs[] = {
    "dense:32 relu dense:10",
    "conv:4:3 relu pool:2 dense:16 tanh dense:10",
    "noise:0.05 conv:4:3:2:valid bn sigmoid drop:0.1 flatten dense:10",
    "conv:4:3 bn relu res( conv:4:3 bn relu conv:4:3 bn ) relu res( conv:8:3:2 bn relu "
    "conv:8:3 bn ) relu pool:2 dense:10",
};

START_TEST(tiny_net_overfits) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with(overfit_specs[_i]);
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "40"), FMNIST_OK);
  /* Adam at 0.001 (the report's rate) memorizes the set with each spec
   * at every seed tried (40..49); at 0.01 the tanh spec stalled at 10 to
   * 16 of 20 for most seeds, so a test at that rate passed by the seed. */
  ck_assert_int_eq(fmnist_model_set(m, "batch", "5"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "lr", "0.001"), FMNIST_OK);
  ck_assert_msg(fmnist_model_fit(m, ds, ds) == FMNIST_OK, "%s", fmnist_last_error());
  ck_assert(train_accuracy(m, ds) == 1.0);
  ck_assert_uint_eq(fmnist_model_epochs(m), 40);
  double loss0, loss1, vacc;
  ck_assert_int_eq(fmnist_model_history(m, 0, FMNIST_HISTORY_TRAIN_LOSS, &loss0), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_history(m, 39, FMNIST_HISTORY_TRAIN_LOSS, &loss1), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_history(m, 39, FMNIST_HISTORY_VALID_ACCURACY, &vacc), FMNIST_OK);
  ck_assert(loss1 < loss0);
  ck_assert(vacc == 1.0);
  float proba[N_TINY * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  for (int i = 0; i < N_TINY; i++) {
    double s = 0;
    for (int c = 0; c < FMNIST_CLASSES; c++) s += proba[i * FMNIST_CLASSES + c];
    ck_assert(fabs(s - 1) < 1e-5);
  }
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* One row per malformed spec: FMNIST_E_OPTION, the bad token named. */
static const struct {
  const char *spec, *named;
} bad_specs[] = {
    {"dense:10 foo", "\"foo\""},
    {"conv", "\"conv\""},
    {"conv:32", "\"conv:32\""},
    {"conv:0:3", "\"conv:0:3\""},
    {"conv:8:0", "\"conv:8:0\""},
    {"conv:8:3:0", "\"conv:8:3:0\""},
    {"conv:8:3:1:full", "\"conv:8:3:1:full\""},
    {"conv:8:3:1:same:x", "\"conv:8:3:1:same:x\""},
    {"conv:8:29:1:valid", "\"conv:8:29:1:valid\""},
    {"dense:", "\"dense:\""},
    {"dense:x", "\"dense:x\""},
    {"dense:-3", "\"dense:-3\""},
    {"dense:0", "\"dense:0\""},
    {"relu dense:128:4", "\"dense:128:4\""},
    {"pool:0", "\"pool:0\""},
    {"pool:2 pool:2 pool:2 pool:2 pool:2", "token 5"},
    {"drop:1", "\"drop:1\""},
    {"drop:-0.1", "\"drop:-0.1\""},
    {"drop:nan", "\"drop:nan\""},
    {"noise:abc", "\"noise:abc\""},
    {"bn:3", "\"bn:3\""},
    {"bn:0.9:0", "\"bn:0.9:0\""},
    {"bn:0.9:1e-5:1", "\"bn:0.9:1e-5:1\""},
    {"relu:1", "\"relu:1\""},
    {"dense:65536 dense:65536", "\"dense:65536\""},
    {NULL, "1025 layers, at most 1024"}, /* 1025 x "relu", made by spec_errors */
    /* residual blocks */
    {"res( conv:4:3 relu", "token 1 \"res(\""},                  /* not closed */
    {"conv:4:3 ) dense:10", "token 2 \")\""},                    /* closes none */
    {"res( ) dense:10", "token 2 \")\""},                        /* empty */
    {"res( relu res( relu ) ) dense:10", "token 3 \"res(\""},    /* nested */
    {"res( pool:3 ) dense:10", "cannot be added"},               /* 28x28 to 9x9 */
    {"res(conv:4:3 ) dense:10", "\"res(conv:4:3\""},              /* glued */
    {"res( conv:4:3) dense:10", "\"conv:4:3)\""},
    {"res(:2 relu ) dense:10", "\"res(:2\""},
    {"add dense:10", "\"add\""}, /* the add is no token */
    {"res( relu ) ) dense:10", "token 4 \")\""},
    {"res( conv:4096:3 conv:4096:3 ) dense:10", "2^26"},
};

START_TEST(spec_errors) {
  static char many[1025 * 5 + 1];
  const char *spec = bad_specs[_i].spec;
  if (!spec) {
    for (int i = 0; i < 1025; i++) memcpy(many + 5 * i, "relu ", 5);
    spec = many;
  }
  fmnist_model *m = net_with("dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "layers", spec), FMNIST_E_OPTION);
  ck_assert_msg(strstr(fmnist_last_error(), bad_specs[_i].named) != NULL, "%s: %s",
                spec, fmnist_last_error());
  char buf[64];
  ck_assert_int_eq(fmnist_model_get(m, "layers", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "dense:10"); /* unchanged */
  /* The same through fmnist_net_add_spec: nothing appended. */
  ck_assert_int_eq(fmnist_net_add_spec(m, spec), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_model_get(m, "layers", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "dense:10");
  fmnist_model_free(m);
}
END_TEST

START_TEST(fit_rejects_bad_nets) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with(NULL);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_STATE);
  ck_assert_int_eq(fmnist_model_set(m, "layers", "dense:32 relu"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_OPTION);
  ck_assert(strstr(fmnist_last_error(), "dense:10") != NULL);
  ck_assert_int_eq(fmnist_model_set(m, "layers", "dense:32 dense:9"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_OPTION);
  ck_assert(!fmnist_model_is_fitted(m));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Batch norm takes PyTorch's running-statistics rule and eps as options:
 * the spec reads back unchanged, and since inference uses the running
 * statistics, the same seed gives other probabilities than with "bn". */
START_TEST(batchnorm_options) {
  fmnist_dataset *ds = tiny_set();
  static float proba[2][N_TINY * FMNIST_CLASSES];
  const char *specs[2] = {"conv:4:3 bn relu pool:2 dense:10",
                          "conv:4:3 bn:0.9:1e-5 relu pool:2 dense:10"};
  for (int i = 0; i < 2; i++) {
    fmnist_model *m = net_with(specs[i]);
    char back[128];
    ck_assert_int_eq(fmnist_model_get(m, "layers", back, sizeof back), FMNIST_OK);
    ck_assert_str_eq(back, specs[i]);
    ck_assert_int_eq(fmnist_model_set(m, "epochs", "1"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba[i]),
                     FMNIST_OK);
    fmnist_model_free(m);
  }
  ck_assert(memcmp(proba[0], proba[1], sizeof proba[0]) != 0);
  fmnist_dataset_free(ds);
}
END_TEST

START_TEST(add_functions_write_the_spec) {
  fmnist_model *m = net_with(NULL);
  ck_assert_int_eq(fmnist_net_add_noise(m, 0.1), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_conv(m, 8, 3, 1, 1), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_batchnorm(m), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_activation(m, FMNIST_ACTIVATION_RELU), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_maxpool(m, 2), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_dropout(m, 0.25), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_spec(m, "flatten dense:16"), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_activation(m, FMNIST_ACTIVATION_TANH), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_dense(m, 10), FMNIST_OK);
  char buf[256];
  ck_assert_int_eq(fmnist_model_get(m, "layers", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "noise:0.1 conv:8:3:1:same bn relu pool:2 drop:0.25 "
                        "flatten dense:16 tanh dense:10");
  ck_assert_int_eq(fmnist_net_add_conv(m, 0, 3, 1, 1), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_net_add_dropout(m, 1.5), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_net_add_activation(m, (fmnist_activation)7), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_net_add_dense(NULL, 3), FMNIST_E_INVALID);
  fmnist_model *lr;
  ck_assert_int_eq(fmnist_model_create("logreg", &lr), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_dense(lr, 10), FMNIST_E_INVALID);
  fmnist_model_free(lr);
  fmnist_model_free(m);
}
END_TEST

START_TEST(save_load_identical) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("noise:0.1 conv:4:3 bn relu pool:2 drop:0.3 dense:8 relu dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "3"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "4"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/net.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  fmnist_model *back;
  ck_assert_msg(fmnist_model_load(path, &back) == FMNIST_OK, "%s", fmnist_last_error());
  float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(back, fmnist_dataset_images(ds), N_TINY, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  ck_assert_uint_eq(fmnist_model_epochs(back), 3);
  /* Inference is deterministic: dropout and noise are off. */
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_model_free(back);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Every spec that can be set can be saved: the longest accepted (65535
 * characters, the most a model file carries for one value) round-trips,
 * one character more is refused at set, never written as an empty value
 * that the loader would then reject. */
START_TEST(longest_spec_saves) {
  enum { LIMIT = 65535, TOKEN = 127 };
  char *spec = malloc(LIMIT + 2);
  char token[TOKEN + 1] = "drop:0."; /* 0.000...01, the longest token */
  memset(token + 7, '0', TOKEN - 8);
  token[TOKEN - 1] = '1';
  token[TOKEN] = '\0';
  size_t len = 0;
  while (len + TOKEN + 1 + strlen("dense:10") <= LIMIT) {
    memcpy(spec + len, token, TOKEN);
    spec[len + TOKEN] = ' ';
    len += TOKEN + 1;
  }
  memset(spec + len, ' ', LIMIT - len - strlen("dense:10")); /* pad to the limit */
  memcpy(spec + LIMIT - strlen("dense:10"), "dense:10", strlen("dense:10") + 1);
  ck_assert_uint_eq(strlen(spec), LIMIT);
  fmnist_model *m = net_with(spec);
  fmnist_dataset *ds = tiny_set();
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  char path[600];
  snprintf(path, sizeof path, "%s/long.fmm", fmnist_test_dir());
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  fmnist_model *back = NULL;
  ck_assert_msg(fmnist_model_load(path, &back) == FMNIST_OK, "%s", fmnist_last_error());
  fmnist_model_free(back);
  strcat(spec, " "); /* one more character: refused, the option unchanged */
  ck_assert_int_eq(fmnist_model_set(m, "layers", spec), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "at most 65535"));
  ck_assert(fmnist_model_is_fitted(m));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  free(spec);
}
END_TEST

START_TEST(divergence_is_numeric_error) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("dense:32 relu dense:32 relu dense:32 relu dense:32 relu dense:32 "
                             "relu dense:32 relu dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "lr", "1e6"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "50"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "4"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_NUMERIC);
  ck_assert(strstr(fmnist_last_error(), "epoch") && strstr(fmnist_last_error(), "batch"));
  ck_assert(!fmnist_model_is_fitted(m));
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Same seed and threads: bit-identical; another seed: different. */
START_TEST(determinism) {
  fmnist_dataset *ds = tiny_set();
  const char *spec = "noise:0.1 conv:4:3 bn relu pool:2 drop:0.3 dense:8 relu dense:10";
  float p[3][N_TINY * FMNIST_CLASSES];
  const char *seeds[3] = {"7", "7", "8"};
  for (int r = 0; r < 3; r++) {
    fmnist_model *m = net_with(spec);
    ck_assert_int_eq(fmnist_model_set(m, "threads", _i ? "2" : "1"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set(m, "seed", seeds[r]), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set(m, "epochs", "2"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set(m, "batch", "6"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, p[r]), FMNIST_OK);
    fmnist_model_free(m);
  }
  ck_assert(memcmp(p[0], p[1], sizeof p[0]) == 0);
  ck_assert(memcmp(p[0], p[2], sizeof p[0]) != 0);
  fmnist_dataset_free(ds);
}
END_TEST

static int cancel_at_third(void *user, fmnist_stage stage, size_t done, size_t total) {
  (void)total;
  int *batches = user;
  if (stage == FMNIST_STAGE_BATCH) ++*batches;
  return stage == FMNIST_STAGE_BATCH && done == 3;
}

START_TEST(history_options_progress) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("dense:8 relu dense:10");
  char buf[64];
  const char *defaults[][2] = {{"epochs", "20"}, {"batch", "32"},       {"lr", "0.001"},
                               {"beta1", "0.9"}, {"init", "he"},
                               {"weight_decay", "0"}};
  for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++) {
    ck_assert_int_eq(fmnist_model_get(m, defaults[i][0], buf, sizeof buf), FMNIST_OK);
    ck_assert_str_eq(buf, defaults[i][1]);
  }
  ck_assert_int_eq(fmnist_model_set(m, "init", "xavier"), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_model_set(m, "init", "glorot"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "weight_decay", "0.001"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "2"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "4"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_uint_eq(fmnist_model_epochs(m), 2);
  double v;
  ck_assert_int_eq(fmnist_model_history(m, 1, FMNIST_HISTORY_VALID_LOSS, &v), FMNIST_OK);
  ck_assert(isnan(v));
  ck_assert_int_eq(fmnist_model_history(m, 1, FMNIST_HISTORY_SECONDS, &v), FMNIST_OK);
  ck_assert(v >= 0);
  int batches = 0;
  fmnist_model_set_progress(m, cancel_at_third, &batches);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_E_CANCELLED);
  ck_assert_int_eq(batches, 3);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Probabilities on the tiny set after training with options (pairs of
 * key, value; NULL-terminated) on top of a fixed small net. */
static void proba_with(const char *const *options, float *proba) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("dense:8 relu dense:10");
  for (size_t i = 0; options[i]; i += 2)
    ck_assert_int_eq(fmnist_model_set(m, options[i], options[i + 1]), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}

/* The cosine schedule starts at lr: one step equals the constant rate's,
 * a second (at lr/2) does not. */
START_TEST(lr_schedule_cosine) {
  static float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES];
  const char *one_c[] = {"epochs", "1", "batch", "20", NULL};
  const char *one_k[] = {"epochs", "1", "batch", "20", "lr_schedule", "cosine", NULL};
  const char *two_c[] = {"epochs", "1", "batch", "10", NULL};
  const char *two_k[] = {"epochs", "1", "batch", "10", "lr_schedule", "cosine", NULL};
  proba_with(one_c, a);
  proba_with(one_k, b);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  proba_with(two_c, a);
  proba_with(two_k, b);
  ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

/* standardize=global trains on other inputs than per-pixel scaling, is
 * saved with the model, and the loaded model predicts the same. */
START_TEST(standardize_global_saved) {
  static float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES];
  const char *pixel[] = {"epochs", "2", NULL};
  const char *global[] = {"epochs", "2", "standardize", "global", NULL};
  proba_with(pixel, a);
  proba_with(global, b);
  ck_assert(memcmp(a, b, sizeof a) != 0);

  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("dense:8 relu dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "standardize", "global"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  same_after_load(m, ds, "standardize", "global");
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Probabilities of a two-conv net (its second conv on the Winograd path
 * unless conv_algorithm is im2col) after two epochs on the tiny set. */
static void conv_proba(const char *algorithm, float *proba, const char *save_to) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("conv:8:3 relu conv:8:3 bn relu pool:2 dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "2"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "5"), FMNIST_OK);
  if (algorithm) ck_assert_int_eq(fmnist_model_set(m, "conv_algorithm", algorithm), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  if (save_to) ck_assert_int_eq(fmnist_model_save(m, save_to), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}

/* Winograd (the default) and im2col train the same net up to float
 * rounding, yet are distinct paths; the choice is checked and saved. */
START_TEST(conv_algorithm_paths) {
  static float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES],
      c[N_TINY * FMNIST_CLASSES];
  char path[600], value[16];
  snprintf(path, sizeof path, "%s/im2col.fmm", fmnist_test_dir());
  conv_proba(NULL, a, NULL);
  conv_proba("im2col", b, path);
  double worst = 0;
  for (size_t i = 0; i < N_TINY * FMNIST_CLASSES; i++)
    worst = fmax(worst, fabs((double)a[i] - b[i]));
  ck_assert_msg(worst < 1e-4, "auto and im2col differ by %g", worst);
  ck_assert(memcmp(a, b, sizeof a) != 0);

  fmnist_model *m = net_with(NULL);
  ck_assert_int_eq(fmnist_model_set(m, "conv_algorithm", "winograd"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "im2col"));
  fmnist_model_free(m);

  fmnist_model *back;
  ck_assert_msg(fmnist_model_load(path, &back) == FMNIST_OK, "%s", fmnist_last_error());
  ck_assert_int_eq(fmnist_model_get(back, "conv_algorithm", value, sizeof value), FMNIST_OK);
  ck_assert_str_eq(value, "im2col");
  fmnist_dataset *ds = tiny_set();
  ck_assert_int_eq(fmnist_model_proba(back, fmnist_dataset_images(ds), N_TINY, c), FMNIST_OK);
  ck_assert(memcmp(b, c, sizeof b) == 0);
  fmnist_model_free(back);
  fmnist_dataset_free(ds);
}
END_TEST

/* augment: a refused spec names its bad token and leaves the option as
 * it was. */
START_TEST(augment_spec_refused) {
  fmnist_model *m = net_with(NULL);
  char value[64];
  ck_assert_int_eq(fmnist_model_set(m, "augment", "crop:2 flip:0.5"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "augment", "flip:0.5 wobble:3"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "wobble:3"));
  ck_assert_int_eq(fmnist_model_set(m, "augment", "crop:-1"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "crop:-1"));
  ck_assert_int_eq(fmnist_model_get(m, "augment", value, sizeof value), FMNIST_OK);
  ck_assert_str_eq(value, "crop:2 flip:0.5");
  fmnist_model_free(m);
}
END_TEST

/* Probabilities on the tiny set of a small conv net trained for three
 * epochs with the given augment spec (NULL: none) and seed. */
static void augment_proba(const char *spec, const char *seed, float *proba) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("conv:4:3 relu pool:2 dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "3"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "5"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "seed", seed), FMNIST_OK);
  if (spec) ck_assert_int_eq(fmnist_model_set(m, "augment", spec), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}

/* The same seed gives the same model; augmentation changes what is
 * learnt, and so does another seed's augmentation. */
START_TEST(augment_reproducible) {
  static float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES],
      c[N_TINY * FMNIST_CLASSES];
  augment_proba("crop:2 flip:0.5 noise:20", "5", a);
  augment_proba("crop:2 flip:0.5 noise:20", "5", b);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  augment_proba(NULL, "5", c);
  ck_assert(memcmp(a, c, sizeof a) != 0);
  augment_proba("crop:2 flip:0.5 noise:20", "6", b);
  augment_proba(NULL, "6", c);
  ck_assert(memcmp(b, c, sizeof b) != 0);
}
END_TEST

/* Heavy augmentation of the training batches leaves the validation
 * figures of the fit those of the plain images: the last epoch's
 * validation loss and accuracy equal the fitted model's on them. The
 * option survives save and load, and the loaded model predicts the same. */
START_TEST(augment_never_validation) {
  static float proba[N_TINY * FMNIST_CLASSES];
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("dense:16 relu dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "3"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "5"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "augment", "noise:60 occlude:14"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, ds), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  double loss = 0;
  size_t correct = 0;
  for (int i = 0; i < N_TINY; i++) {
    const float *p = proba + i * FMNIST_CLASSES;
    int label = fmnist_dataset_labels(ds)[i], best = 0;
    for (int c = 1; c < FMNIST_CLASSES; c++)
      if (p[c] > p[best]) best = c;
    correct += best == label;
    loss -= log(p[label] > 1e-30f ? p[label] : 1e-30f);
  }
  double vloss, vacc;
  ck_assert_int_eq(fmnist_model_history(m, 2, FMNIST_HISTORY_VALID_LOSS, &vloss), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_history(m, 2, FMNIST_HISTORY_VALID_ACCURACY, &vacc), FMNIST_OK);
  ck_assert_msg(fabs(vloss - loss / N_TINY) < 1e-4 * fabs(vloss) + 1e-6,
                "validation loss %g, of the plain images %g", vloss, loss / N_TINY);
  ck_assert_double_eq_tol(vacc, (double)correct / N_TINY, 1e-9);
  same_after_load(m, ds, "augment", "noise:60 occlude:14");
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* ---- training features: label smoothing, optimizers, warm-up, averaged
 * weights, test-time augmentation ---- */

/* A dense net fitted on the tiny set with the options of text (on top of
 * threads=1), validated on it. */
static fmnist_model *fitted_with(const char *text, const fmnist_dataset *ds) {
  fmnist_model *m = net_with("dense:16 relu dense:10");
  ck_assert_msg(fmnist_model_set_options(m, text) == FMNIST_OK, "%s", fmnist_last_error());
  ck_assert_msg(fmnist_model_fit(m, ds, ds) == FMNIST_OK, "%s", fmnist_last_error());
  return m;
}

/* The mean log loss and accuracy of m's probabilities of the tiny set. */
static void log_loss_of(const fmnist_model *m, const fmnist_dataset *ds, double *loss,
                        double *accuracy) {
  static float proba[N_TINY * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  size_t correct = 0;
  *loss = 0;
  for (int i = 0; i < N_TINY; i++) {
    const float *p = proba + i * FMNIST_CLASSES;
    int label = fmnist_dataset_labels(ds)[i], best = 0;
    for (int c = 1; c < FMNIST_CLASSES; c++)
      if (p[c] > p[best]) best = c;
    correct += best == label;
    *loss -= log(p[label] > 1e-30f ? p[label] : 1e-30f) / N_TINY;
  }
  *accuracy = (double)correct / N_TINY;
}

/* The last epoch's validation figures equal the fitted model's own on the
 * validation images (float probabilities against the fit's double sums:
 * 1e-4 relative). */
static void validation_is_the_model(const fmnist_model *m, const fmnist_dataset *ds) {
  double vloss, vacc, loss, acc;
  const size_t last = fmnist_model_epochs(m) - 1;
  ck_assert_int_eq(fmnist_model_history(m, last, FMNIST_HISTORY_VALID_LOSS, &vloss), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_history(m, last, FMNIST_HISTORY_VALID_ACCURACY, &vacc),
                   FMNIST_OK);
  log_loss_of(m, ds, &loss, &acc);
  ck_assert_msg(fabs(vloss - loss) < 1e-4 * fabs(loss) + 1e-6, "validation loss %g, model's %g",
                vloss, loss);
  ck_assert_double_eq_tol(vacc, acc, 1e-9);
}

/* Every option of these features reads back, is refused out of range
 * (naming the option, the value unchanged), and is saved with the model. */
static const struct {
  const char *key, *def, *good, *bad;
} feature_options[] = {
    {"label_smoothing", "0", "0.1", "1.5"},  {"optimizer", "adam", "sgd", "rmsprop"},
    {"momentum", "0.9", "0.5", "1"},         {"nesterov", "1", "0", "2"},
    {"warmup", "0", "0.25", "-0.1"},         {"lr_schedule", "constant", "onecycle", "step"},
    {"ema_decay", "0", "0.999", "1"},        {"tta", "none", "flip_shift", "flip_rotate"},
};

START_TEST(feature_options_checked_and_saved) {
  fmnist_model *m = net_with("dense:10");
  char value[32];
  const char *key = feature_options[_i].key;
  ck_assert_int_eq(fmnist_model_get(m, key, value, sizeof value), FMNIST_OK);
  ck_assert_str_eq(value, feature_options[_i].def);
  ck_assert_int_eq(fmnist_model_set(m, key, feature_options[_i].bad), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), key));
  ck_assert_int_eq(fmnist_model_get(m, key, value, sizeof value), FMNIST_OK);
  ck_assert_str_eq(value, feature_options[_i].def);
  ck_assert_int_eq(fmnist_model_set(m, key, feature_options[_i].good), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "1"), FMNIST_OK);
  fmnist_dataset *ds = tiny_set();
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  same_after_load(m, ds, key, feature_options[_i].good);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* Each feature at its default is no feature: setting the default
 * explicitly gives the model of no setting, bit for bit; away from it,
 * another model (the SGD-only options need optimizer=sgd to matter, and
 * the warm-up a schedule's steps). */
START_TEST(feature_defaults_change_nothing) {
  static float base[N_TINY * FMNIST_CLASSES], p[N_TINY * FMNIST_CLASSES];
  static const struct {
    const char *same, *other;
  } cases[] = {
      {"label_smoothing=0", "label_smoothing=0.2"},
      {"optimizer=adam momentum=0.5 nesterov=0", "optimizer=sgd lr=0.05"},
      {"warmup=0 lr_schedule=constant", "warmup=0.5"},
      {"ema_decay=0", "ema_decay=0.9"},
      {"lr_schedule=cosine warmup=0", "lr_schedule=linear"},
  };
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = fitted_with("epochs=3 batch=5", ds);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, base), FMNIST_OK);
  fmnist_model_free(m);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    for (int other = 0; other <= 1; other++) {
      char text[160];
      snprintf(text, sizeof text, "epochs=3 batch=5 %s", other ? cases[i].other : cases[i].same);
      m = fitted_with(text, ds);
      ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, p), FMNIST_OK);
      if (i == 4 && !other) { /* cosine against constant: another model, its own baseline */
        ck_assert(memcmp(base, p, sizeof p) != 0);
        memcpy(base, p, sizeof p);
      } else {
        ck_assert_msg((memcmp(base, p, sizeof p) == 0) == !other, "%s", text);
      }
      fmnist_model_free(m);
    }
  fmnist_dataset_free(ds);
}
END_TEST

/* Label smoothing and SGD with Nesterov momentum and decoupled weight
 * decay, each with a one-cycle or linear schedule and a warm-up, still
 * learn the tiny set; the validation figures in the history stay the
 * plain cross-entropy of the model, whatever the smoothing of the
 * training loss. */
START_TEST(features_learn) {
  static const char *const recipes[] = {
      "epochs=30 batch=5 label_smoothing=0.1 lr_schedule=onecycle warmup=0.3 lr=0.005",
      "epochs=30 batch=5 optimizer=sgd lr=0.01 weight_decay=0.01 lr_schedule=linear "
      "warmup=0.1",
      "epochs=30 batch=5 optimizer=sgd nesterov=0 momentum=0.8 lr=0.01 label_smoothing=0.2",
  };
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = fitted_with(recipes[_i], ds);
  ck_assert_msg(train_accuracy(m, ds) == 1.0, "%s: %g", recipes[_i], train_accuracy(m, ds));
  validation_is_the_model(m, ds);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* The parameters of the dense net after a fit with the options of text. */
static float *parameters_after(const char *text, const fmnist_dataset *ds, size_t *count) {
  fmnist_model *m = fitted_with(text, ds);
  ck_assert_int_eq(fmnist_net_parameters(m, NULL, 0, count), FMNIST_OK);
  float *p = malloc(*count * sizeof *p);
  ck_assert_int_eq(fmnist_net_parameters(m, p, *count, count), FMNIST_OK);
  fmnist_model_free(m);
  return p;
}

/* The averaged weights by hand: with the whole tiny set as the batch an
 * epoch is one step, so the fits of 1, 2 and 3 epochs give the weights
 * w1, w2, w3 of the steps of a 3-epoch fit (constant rate), and a fit at
 * rate 0 the initial w0. With ema_decay 0.15 the average is a = w0,
 * then a = 0.1 a + 0.9 w1 (the warm-up's 1/10), a = 0.15 a + 0.85 w2 and
 * a = 0.15 a + 0.85 w3 (2/11 and 3/12 are above 0.15).
 * Float steps against double: 1e-6 of the weights' scale. The fitted
 * model is the average: its validation figures, its file and what the
 * loaded model predicts. */
START_TEST(ema_is_the_average) {
  fmnist_dataset *ds = tiny_set();
  size_t n, k;
  float *w[4];
  w[0] = parameters_after("epochs=1 batch=20 lr=0", ds, &n);
  for (int e = 1; e <= 3; e++) {
    char text[64];
    snprintf(text, sizeof text, "epochs=%d batch=20", e);
    w[e] = parameters_after(text, ds, &k);
    ck_assert_uint_eq(k, n);
  }
  float *avg = parameters_after("epochs=3 batch=20 ema_decay=0.15", ds, &k);
  ck_assert_uint_eq(k, n);
  double worst = 0, moved = 0;
  for (size_t i = 0; i < n; i++) {
    double a = w[0][i];
    a = 0.1 * a + 0.9 * w[1][i];
    a = 0.15 * a + 0.85 * w[2][i];
    a = 0.15 * a + 0.85 * w[3][i];
    worst = fmax(worst, fabs(a - avg[i]) / (fabs(a) + 1e-2));
    moved = fmax(moved, fabs(avg[i] - w[3][i]));
  }
  ck_assert_msg(worst < 1e-6, "the average differs from the hand one by %g", worst);
  ck_assert(moved > 1e-4); /* and is not the last weights */

  fmnist_model *m = fitted_with("epochs=3 batch=5 ema_decay=0.9", ds);
  validation_is_the_model(m, ds);
  same_after_load(m, ds, "ema_decay", "0.9");
  fmnist_model_free(m);
  for (int e = 0; e <= 3; e++) free(w[e]);
  free(avg);
  fmnist_dataset_free(ds);
}
END_TEST

/* The averaged weights with batch norm: the running statistics are
 * averaged with the parameters, so the model's validation figures are
 * its own (the average's statistics, not the last ones), and the model
 * differs from the last weights'. */
START_TEST(ema_with_batchnorm) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with("conv:4:3 bn relu pool:2 dense:16 bn relu dense:10");
  ck_assert_int_eq(fmnist_model_set_options(m, "epochs=3 batch=5 ema_decay=0.8"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, ds), FMNIST_OK);
  validation_is_the_model(m, ds);
  float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "ema_decay", "0"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, ds), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) != 0);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

/* View of the tests' own making: the image mirrored left-right if flip,
 * then moved by (dx, dy) with zeros coming in. */
static void test_view(const uint8_t *in, uint8_t *out, int flip, int dx, int dy) {
  for (int y = 0; y < FMNIST_SIDE; y++)
    for (int x = 0; x < FMNIST_SIDE; x++) {
      int sy = y - dy, sx = x - dx;
      if (flip) sx = FMNIST_SIDE - 1 - sx;
      out[y * FMNIST_SIDE + x] = sy >= 0 && sy < FMNIST_SIDE && sx >= 0 && sx < FMNIST_SIDE
                                     ? in[sy * FMNIST_SIDE + sx]
                                     : 0;
    }
}

/* Test-time augmentation through the public API: the probabilities at
 * tta=flip are the mean of those of the images and their mirrors at
 * tta=none, at tta=flip_shift the mean over the six views (the image
 * and its mirror, each also moved one pixel up-left and down-right);
 * setting tta keeps the model fitted; predict and evaluate take the
 * argmax of the mean, for a KNN too (whose own tie rule then yields);
 * the level is saved; and the validation figures of a fit stay those of
 * the plain images. Float means of the same sums: 1e-6. */
static void check_tta(fmnist_model *m, const fmnist_dataset *ds) {
  static const int views[6][3] = {{0, 0, 0}, {1, 0, 0}, {0, -1, -1},
                                  {1, -1, -1}, {0, 1, 1}, {1, 1, 1}};
  static uint8_t img[N_TINY * FMNIST_PIXELS];
  static float p[6][N_TINY * FMNIST_CLASSES];
  const uint8_t *images = fmnist_dataset_images(ds);
  ck_assert_int_eq(fmnist_model_set(m, "tta", "none"), FMNIST_OK);
  for (int v = 0; v < 6; v++) {
    for (int i = 0; i < N_TINY; i++)
      test_view(images + i * FMNIST_PIXELS, img + i * FMNIST_PIXELS, views[v][0], views[v][1],
                views[v][2]);
    ck_assert_int_eq(fmnist_model_proba(m, img, N_TINY, p[v]), FMNIST_OK);
  }
  const char *levels[2] = {"flip", "flip_shift"};
  static double mean[N_TINY * FMNIST_CLASSES];
  for (int level = 0; level < 2; level++) {
    const int nv = level ? 6 : 2;
    for (int j = 0; j < N_TINY * FMNIST_CLASSES; j++) {
      mean[j] = 0;
      for (int v = 0; v < nv; v++) mean[j] += p[v][j];
      mean[j] /= nv;
    }
    ck_assert_int_eq(fmnist_model_set(m, "tta", levels[level]), FMNIST_OK);
    ck_assert(fmnist_model_is_fitted(m));
    fmnist_test_check_proba(m, ds, mean);
  }
  same_after_load(m, ds, "tta", "flip_shift");
}

START_TEST(tta_is_the_mean_of_views) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = fitted_with("epochs=3 batch=5 tta=flip", ds);
  /* trained with tta set: the history's validation is of the plain images */
  ck_assert_int_eq(fmnist_model_set(m, "tta", "none"), FMNIST_OK);
  validation_is_the_model(m, ds);
  check_tta(m, ds);
  fmnist_model_free(m);
  fmnist_model *knn;
  ck_assert_int_eq(fmnist_model_create("knn", &knn), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(knn, "k=3 weights=distance threads=1"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(knn, ds, NULL), FMNIST_OK);
  check_tta(knn, ds);
  fmnist_model_free(knn);
  fmnist_dataset_free(ds);
}
END_TEST

/* The layers of the report's final CNN as fmnist_net_layer describes them,
 * against counts by hand: conv1 has 32 * 9 + 32 parameters and 2 * 9 *
 * 32*28*28 FLOPs, and the whole net 389 578 parameters (PyTorch's
 * sum(p.numel() for p in parameters()) of the same network). */
START_TEST(layer_summary) {
  fmnist_model *m = net_with(
      "noise:0.1 conv:32:3 bn relu pool:2 drop:0.3 conv:64:3 bn relu pool:2 drop:0.3 "
      "conv:128:3 bn relu pool:2 drop:0.3 conv:128:3 relu flatten dense:128 relu drop:0.3 "
      "dense:10");
  size_t n, shape[3], params, total = 0;
  uint64_t flops;
  const char *kind;
  ck_assert_int_eq(fmnist_net_layer_count(m, &n), FMNIST_OK);
  ck_assert_uint_eq(n, 23);
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(fmnist_net_layer(m, i, NULL, NULL, &params, NULL), FMNIST_OK);
    total += params;
  }
  ck_assert_uint_eq(total, 389578);
  ck_assert_int_eq(fmnist_net_layer(m, 1, &kind, shape, &params, &flops), FMNIST_OK);
  ck_assert_str_eq(kind, "conv");
  ck_assert_uint_eq(shape[0], 32);
  ck_assert_uint_eq(shape[1], 28);
  ck_assert_uint_eq(shape[2], 28);
  ck_assert_uint_eq(params, 320);
  ck_assert_uint_eq(flops, 2ull * 9 * 32 * 28 * 28);
  ck_assert_int_eq(fmnist_net_layer(m, 4, &kind, shape, &params, &flops), FMNIST_OK);
  ck_assert_str_eq(kind, "pool");
  ck_assert_uint_eq(shape[1] * shape[2], 14 * 14);
  ck_assert_uint_eq(flops, 3ull * 32 * 14 * 14);
  ck_assert_int_eq(fmnist_net_layer(m, 18, &kind, shape, &params, &flops), FMNIST_OK);
  ck_assert_str_eq(kind, "flatten");
  ck_assert_uint_eq(shape[0], 1152);
  ck_assert_int_eq(fmnist_net_layer(m, 23, &kind, shape, &params, &flops), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_set(m, "layers", "conv:4:3 dense:10"), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_layer_count(m, &n), FMNIST_OK);
  ck_assert_uint_eq(n, 3); /* the inserted flatten */
  ck_assert_int_eq(fmnist_net_layer(m, 1, &kind, shape, NULL, NULL), FMNIST_OK);
  ck_assert_str_eq(kind, "flatten");
  ck_assert_uint_eq(shape[0], 4 * 28 * 28);
  fmnist_model_free(m);
  fmnist_model *other;
  ck_assert_int_eq(fmnist_model_create("knn", &other), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_layer_count(other, &n), FMNIST_E_INVALID);
  fmnist_model_free(other);
}
END_TEST

/* A residual net (identity and projection blocks with bn) trained with
 * the given threads and seed; its probabilities on the tiny set, and the
 * model saved to save_to if not NULL. */
static const char *const resnet_spec =
    "conv:8:3 bn relu res( conv:8:3 bn relu conv:8:3 bn ) relu pool:2 drop:0.1 "
    "res( conv:16:3:2 bn:0.9:1e-5 relu conv:16:3 bn:0.9:1e-5 ) relu dense:10";

static void resnet_proba(const char *threads, const char *seed, float *proba,
                         const char *save_to) {
  fmnist_dataset *ds = tiny_set();
  fmnist_model *m = net_with(resnet_spec);
  ck_assert_int_eq(fmnist_model_set(m, "threads", threads), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "seed", seed), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "epochs", "2"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "batch", "6"), FMNIST_OK);
  ck_assert_msg(fmnist_model_fit(m, ds, NULL) == FMNIST_OK, "%s", fmnist_last_error());
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), N_TINY, proba), FMNIST_OK);
  if (save_to) ck_assert_int_eq(fmnist_model_save(m, save_to), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}

/* A residual net: the same seed gives the same bits on 1 thread, and on
 * 2; another seed other ones; saved and loaded, it predicts the same bits
 * (its projection's parameters and bn statistics follow from the spec). */
START_TEST(residual_reproducible_and_saved) {
  static float a[N_TINY * FMNIST_CLASSES], b[N_TINY * FMNIST_CLASSES],
      c[N_TINY * FMNIST_CLASSES];
  const char *threads = _i ? "2" : "1";
  char path[600];
  snprintf(path, sizeof path, "%s/resnet.fmm", fmnist_test_dir());
  resnet_proba(threads, "7", a, path);
  resnet_proba(threads, "7", b, NULL);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  resnet_proba(threads, "8", b, NULL);
  ck_assert(memcmp(a, b, sizeof a) != 0);

  fmnist_model *back;
  ck_assert_msg(fmnist_model_load(path, &back) == FMNIST_OK, "%s", fmnist_last_error());
  fmnist_dataset *ds = tiny_set();
  ck_assert_int_eq(fmnist_model_proba(back, fmnist_dataset_images(ds), N_TINY, c), FMNIST_OK);
  ck_assert(memcmp(a, c, sizeof a) == 0);
  char spec[256];
  ck_assert_int_eq(fmnist_model_get(back, "layers", spec, sizeof spec), FMNIST_OK);
  ck_assert_str_eq(spec, resnet_spec);
  fmnist_model_free(back);
  fmnist_dataset_free(ds);
}
END_TEST

/* fmnist_net_add_spec takes a whole block; a block's half is refused
 * (the option always holds a spec that builds), nothing appended. A block
 * that flattens a plane cannot add it to its output. */
START_TEST(residual_add_spec) {
  fmnist_model *m = net_with("conv:8:3 bn relu");
  ck_assert_int_eq(fmnist_net_add_spec(m, "res( conv:8:3 bn relu conv:8:3 bn ) relu"), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_add_spec(m, "res( conv:16:3:2 bn relu"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "not closed"));
  ck_assert_int_eq(fmnist_net_add_spec(m, ")"), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_net_add_dense(m, 10), FMNIST_OK);
  char buf[128];
  ck_assert_int_eq(fmnist_model_get(m, "layers", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "conv:8:3 bn relu res( conv:8:3 bn relu conv:8:3 bn ) relu dense:10");
  ck_assert_int_eq(fmnist_model_set(m, "layers", "res( conv:4:3 dense:8 ) dense:10"),
                   FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "token 4 \")\""));
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "flattens its input"));
  ck_assert_int_eq(fmnist_model_set(m, "layers", "res( conv:4:3 flatten ) dense:10"),
                   FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_model_set(m, "layers", "dense:8 res( dense:8 relu ) dense:10"),
                   FMNIST_OK); /* on a flat input: a dense layer's block */
  fmnist_model_free(m);
}
END_TEST

/* A ResNet-style net as fmnist_net_layer describes it: res( with its
 * input's shape, add with the block's output and, where the block changes
 * the shape, the 1x1 projection's and its bn's parameters and FLOPs; the
 * whole net 308 746 parameters, PyTorch's sum(p.numel() for p in
 * parameters()) of bench/peers/torch_net.py's build of the same spec. */
START_TEST(residual_summary) {
  fmnist_model *m = net_with(
      "conv:32:3 bn relu res( conv:32:3 bn relu conv:32:3 bn ) relu res( conv:64:3:2 bn relu "
      "conv:64:3 bn ) relu res( conv:128:3:2 bn relu conv:128:3 bn ) relu pool:7 dense:10");
  size_t n, shape[3], params, total = 0;
  uint64_t flops;
  const char *kind;
  ck_assert_int_eq(fmnist_net_layer_count(m, &n), FMNIST_OK);
  ck_assert_uint_eq(n, 29); /* no flatten: pool:7 leaves 128 x 1 x 1 */
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(fmnist_net_layer(m, i, NULL, NULL, &params, NULL), FMNIST_OK);
    total += params;
  }
  ck_assert_uint_eq(total, 308746);
  ck_assert_int_eq(fmnist_net_layer(m, 3, &kind, shape, &params, &flops), FMNIST_OK);
  ck_assert_str_eq(kind, "res(");
  ck_assert(shape[0] == 32 && shape[1] == 28 && shape[2] == 28 && params == 0 && flops == 0);
  ck_assert_int_eq(fmnist_net_layer(m, 9, &kind, shape, &params, &flops), FMNIST_OK);
  ck_assert_str_eq(kind, "add"); /* identity: the sum alone */
  ck_assert(shape[0] == 32 && shape[1] == 28 && params == 0);
  ck_assert_uint_eq(flops, 32 * 28 * 28);
  ck_assert_int_eq(fmnist_net_layer(m, 17, &kind, shape, &params, &flops), FMNIST_OK);
  ck_assert_str_eq(kind, "add"); /* 1x1 conv 32 -> 64 of stride 2, and its bn */
  ck_assert(shape[0] == 64 && shape[1] == 14 && shape[2] == 14);
  ck_assert_uint_eq(params, 32 * 64 + 64 + 2 * 64);
  ck_assert_uint_eq(flops, 64 * 14 * 14 * (2ull * 32 + 2 + 1));
  ck_assert_int_eq(fmnist_net_layer(m, 18, &kind, NULL, NULL, NULL), FMNIST_OK);
  ck_assert_str_eq(kind, "relu");
  ck_assert_int_eq(fmnist_net_layer(m, 29, &kind, NULL, NULL, NULL), FMNIST_E_INVALID);
  fmnist_model_free(m);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("net");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, tiny_net_overfits, 0,
                      sizeof overfit_specs / sizeof overfit_specs[0]);
  tcase_add_loop_test(tc, spec_errors, 0, sizeof bad_specs / sizeof bad_specs[0]);
  tcase_add_test(tc, longest_spec_saves);
  tcase_add_test(tc, fit_rejects_bad_nets);
  tcase_add_test(tc, add_functions_write_the_spec);
  tcase_add_test(tc, batchnorm_options);
  tcase_add_test(tc, save_load_identical);
  tcase_add_test(tc, divergence_is_numeric_error);
  tcase_add_loop_test(tc, determinism, 0, 2);
  tcase_add_test(tc, history_options_progress);
  tcase_add_test(tc, lr_schedule_cosine);
  tcase_add_test(tc, standardize_global_saved);
  tcase_add_test(tc, conv_algorithm_paths);
  tcase_add_test(tc, augment_spec_refused);
  tcase_add_test(tc, augment_reproducible);
  tcase_add_test(tc, augment_never_validation);
  tcase_add_test(tc, layer_summary);
  tcase_add_loop_test(tc, residual_reproducible_and_saved, 0, 2);
  tcase_add_test(tc, residual_add_spec);
  tcase_add_test(tc, residual_summary);
  tcase_add_loop_test(tc, feature_options_checked_and_saved, 0,
                      sizeof feature_options / sizeof feature_options[0]);
  tcase_add_test(tc, feature_defaults_change_nothing);
  tcase_add_loop_test(tc, features_learn, 0, 3);
  tcase_add_test(tc, ema_is_the_average);
  tcase_add_test(tc, ema_with_batchnorm);
  tcase_add_test(tc, tta_is_the_mean_of_views);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(suite)
