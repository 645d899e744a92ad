/* The generic fmnist_model verbs through the logreg, knn and forest
 * families: options, clone, state errors, save/load round trips to files
 * and to buffers (every family), and model files and buffers that are
 * truncated, corrupted, foreign or from the future. */
#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <fmnist.h>

#include "testutil.h"

#define NF FMNIST_PIXELS
#define NC FMNIST_CLASSES

static const char *const families[] = {"logreg", "knn", "forest"};
enum { N_FAMILIES = 3 };

/* Non-default options per family (key, value), for clone and save/load. */
static const char *const tweaks[N_FAMILIES][8] = {
    {"C", "0.5", "max_iter", "4", "tol", "0.0001", NULL},
    {"k", "3", "weights", "distance", NULL},
    {"n_trees", "3", "criterion", "entropy", "max_depth", "9", "min_samples_leaf", "2"},
};

static fmnist_model *create(int f) {
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_create(families[f], &m), FMNIST_OK);
  ck_assert_str_eq(fmnist_model_family(m), families[f]);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  return m;
}

static void tweak(fmnist_model *m, int f) {
  for (int i = 0; i < 8 && tweaks[f][i]; i += 2)
    ck_assert_int_eq(fmnist_model_set(m, tweaks[f][i], tweaks[f][i + 1]), FMNIST_OK);
}

/* Every option of a and b has the same text value. */
static void same_options(const fmnist_model *a, const fmnist_model *b) {
  const char *key;
  size_t i;
  for (i = 0; (key = fmnist_model_option_name(a, i)); i++) {
    char va[128], vb[128];
    ck_assert_int_eq(fmnist_model_get(a, key, va, sizeof va), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_get(b, key, vb, sizeof vb), FMNIST_OK);
    ck_assert_msg(strcmp(va, vb) == 0, "option %s: %s vs %s", key, va, vb);
  }
  ck_assert_ptr_null(fmnist_model_option_name(b, i));
}

START_TEST(test_unknown_family) {
  fmnist_model *m = NULL;
  ck_assert_int_eq(fmnist_model_create("svm", &m), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "svm"));
  /* every family of the registry, in its order */
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "(expected logreg|knn|forest|net|ensemble)"));
  ck_assert_ptr_null(m);
  ck_assert_int_eq(fmnist_model_create(NULL, &m), FMNIST_E_INVALID);
  ck_assert_ptr_null(fmnist_model_family(NULL));
  fmnist_model_free(NULL);
}
END_TEST

/* The report's presets: each makes its family with the report's options
 * (known answers from its section 3), in the report's order. */
/* "key=value ..." text: values with spaces, all or nothing on an error. */
START_TEST(test_set_options) {
  fmnist_model *m;
  char buf[256];
  ck_assert_int_eq(fmnist_model_create("net", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, "  epochs=3 layers=conv:4:3 relu  dense:10 "
                                               "augment=flip:0.5 shift:1 batch=8"),
                   FMNIST_OK);
  ck_assert_int_eq(fmnist_model_get(m, "epochs", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "3");
  ck_assert_int_eq(fmnist_model_get(m, "layers", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "conv:4:3 relu  dense:10");
  ck_assert_int_eq(fmnist_model_get(m, "augment", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "flip:0.5 shift:1");
  ck_assert_int_eq(fmnist_model_get(m, "batch", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "8");
  ck_assert_int_eq(fmnist_model_set_options(m, "epochs=5 colour=red"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "colour"));
  ck_assert_int_eq(fmnist_model_set_options(m, "epochs=5 batch"), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_model_set_options(m, "=5"), FMNIST_E_OPTION);
  ck_assert_int_eq(fmnist_model_get(m, "epochs", buf, sizeof buf), FMNIST_OK);
  ck_assert_str_eq(buf, "3"); /* unchanged by the failed calls */
  ck_assert_int_eq(fmnist_model_set_options(m, ""), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, NULL), FMNIST_E_INVALID);
  fmnist_model_free(m);
}
END_TEST

START_TEST(test_presets) {
  static const char *const expect[][4] = {
      {"logreg_1000", "logreg", "max_iter", "1000"}, {"logreg_5000", "logreg", "max_iter", "5000"},
      {"knn_5", "knn", "k", "5"},
      {"knn_7", "knn", "k", "7"},
      {"forest_70", "forest", "max_depth", "70"},
      {"forest_80", "forest", "max_depth", "80"},
      {"dense", "net", "layers", "flatten dense:128 relu dense:10"},
      {"cnn_single", "net", "layers", "conv:32:3 relu pool:2 flatten dense:128 relu dense:10"},
      {"cnn_three", "net", NULL, NULL},
      {"cnn_three_nbn", "net", NULL, NULL},
      {"cnn_final", "net", NULL, NULL}};
  size_t n = sizeof expect / sizeof expect[0];
  for (size_t i = 0; i < n; i++) {
    fmnist_model *m;
    char value[1024];
    ck_assert_str_eq(fmnist_model_preset_name(i), expect[i][0]);
    ck_assert_int_eq(fmnist_model_create_preset(expect[i][0], &m), FMNIST_OK);
    ck_assert_str_eq(fmnist_model_family(m), expect[i][1]);
    ck_assert(!fmnist_model_is_fitted(m));
    if (expect[i][2]) {
      ck_assert_int_eq(fmnist_model_get(m, expect[i][2], value, sizeof value), FMNIST_OK);
      ck_assert_str_eq(value, expect[i][3]);
    }
    fmnist_model_free(m);
  }
  ck_assert_ptr_null(fmnist_model_preset_name(n));
  /* the final CNN: Figure 1's 4 conv layers, 3 of them batch-normed */
  fmnist_model *m;
  size_t layers, convs = 0, bns = 0;
  ck_assert_int_eq(fmnist_model_create_preset("cnn_final", &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_net_layer_count(m, &layers), FMNIST_OK);
  for (size_t i = 0; i < layers; i++) {
    const char *kind;
    ck_assert_int_eq(fmnist_net_layer(m, i, &kind, NULL, NULL, NULL), FMNIST_OK);
    convs += !strcmp(kind, "conv");
    bns += !strcmp(kind, "bn");
  }
  ck_assert_uint_eq(convs, 4);
  ck_assert_uint_eq(bns, 3);
  fmnist_model_free(m);
  m = NULL;
  ck_assert_int_eq(fmnist_model_create_preset("cnn_best_ever", &m), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "\"cnn_best_ever\""));
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "logreg_1000|"));
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "|cnn_final)"));
  ck_assert_ptr_null(m);
  ck_assert_int_eq(fmnist_model_create_preset(NULL, &m), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_create_preset("knn_5", NULL), FMNIST_E_INVALID);
}
END_TEST

/* Every listed option reads back, and setting what was read is a no-op;
 * "threads" and "seed" come first for every family. */
START_TEST(test_get_set_round_trip) {
  fmnist_model *m = create(_i);
  tweak(m, _i);
  ck_assert_str_eq(fmnist_model_option_name(m, 0), "threads");
  ck_assert_str_eq(fmnist_model_option_name(m, 1), "seed");
  const char *key;
  size_t count = 0;
  for (size_t i = 0; (key = fmnist_model_option_name(m, i)); i++, count++) {
    char v[128], w[128];
    ck_assert_int_eq(fmnist_model_get(m, key, v, sizeof v), FMNIST_OK);
    ck_assert_msg(fmnist_model_set(m, key, v) == FMNIST_OK, "%s=%s: %s", key, v,
                  fmnist_last_error());
    ck_assert_int_eq(fmnist_model_get(m, key, w, sizeof w), FMNIST_OK);
    ck_assert_str_eq(v, w);
    /* Too small a buffer: E_BUFFER, nothing written. */
    char tiny[1] = {'x'};
    if (strlen(v) > 0) {
      ck_assert_int_eq(fmnist_model_get(m, key, tiny, sizeof tiny), FMNIST_E_BUFFER);
      ck_assert_int_eq(tiny[0], 'x');
    }
  }
  ck_assert_uint_gt(count, 3);
  fmnist_model_free(m);
}
END_TEST

/* Unknown key or bad value: E_OPTION naming the key; the value stays. */
START_TEST(test_option_errors) {
  fmnist_model *m = create(_i);
  char v[64];
  ck_assert_int_eq(fmnist_model_set(m, "no_such_option", "1"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "no_such_option"));
  ck_assert_int_eq(fmnist_model_get(m, "no_such_option", v, sizeof v), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "no_such_option"));
  ck_assert_int_eq(fmnist_model_set(m, "threads", "many"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "threads"));
  ck_assert_int_eq(fmnist_model_get(m, "threads", v, sizeof v), FMNIST_OK);
  ck_assert_str_eq(v, "1");
  ck_assert_int_eq(fmnist_model_set(m, "seed", "-5"), FMNIST_E_OPTION);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "seed"));
  ck_assert_int_eq(fmnist_model_set(m, NULL, "1"), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_set(m, "seed", NULL), FMNIST_E_INVALID);
  fmnist_model_free(m);
}
END_TEST

/* A value other than the default for each option every family has. */
static const char *const common_tweaks[][2] = {
    {"threads", "2"}, {"seed", "1234567890123"}, {"standardize", "global"}, {"tta", "flip"}};
enum { N_COMMON = sizeof common_tweaks / sizeof common_tweaks[0] };

/* 1 if every family has option key. */
static int is_common(const char *key) {
  const char *all[] = {"logreg", "knn", "forest", "net"};
  for (size_t f = 0; f < 4; f++) {
    fmnist_model *m;
    char v[256];
    ck_assert_int_eq(fmnist_model_create(all[f], &m), FMNIST_OK);
    fmnist_status s = fmnist_model_get(m, key, v, sizeof v);
    fmnist_model_free(m);
    if (s) return 0;
  }
  return 1;
}

START_TEST(test_clone_config) {
  fmnist_dataset *ds = fmnist_test_stripes(60, 1);
  fmnist_model *m = create(_i), *c;
  tweak(m, _i);
  /* Every common option, found as those all families share, gets a
   * non-default value here (a new one must be added to common_tweaks). */
  const char *key;
  for (size_t i = 0; (key = fmnist_model_option_name(m, i)); i++) {
    if (!is_common(key)) continue;
    size_t t = 0;
    while (t < N_COMMON && strcmp(common_tweaks[t][0], key) != 0) t++;
    ck_assert_msg(t < N_COMMON, "common option %s has no value in common_tweaks", key);
    char def[256];
    ck_assert_int_eq(fmnist_model_get(m, key, def, sizeof def), FMNIST_OK);
    ck_assert_str_ne(def, common_tweaks[t][1]);
    ck_assert_int_eq(fmnist_model_set(m, key, common_tweaks[t][1]), FMNIST_OK);
  }
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_clone_config(m, &c), FMNIST_OK);
  ck_assert_str_eq(fmnist_model_family(c), families[_i]);
  same_options(m, c);
  ck_assert(!fmnist_model_is_fitted(c));
  ck_assert_uint_eq(fmnist_model_epochs(c), 0);
  /* Same options and seed: the clone fits to the same model. */
  ck_assert_int_eq(fmnist_model_fit(c, ds, NULL), FMNIST_OK);
  float a[10 * NC], b[10 * NC];
  ck_assert_int_eq(fmnist_model_proba(m, fmnist_dataset_images(ds), 10, a), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(c, fmnist_dataset_images(ds), 10, b), FMNIST_OK);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  fmnist_model_free(m);
  fmnist_model_free(c);
  fmnist_dataset_free(ds);
}
END_TEST

/* OpenBLAS's thread count is the host program's: a program that set it
 * finds it unchanged after fit, predict, proba and evaluate of every
 * family, whatever the model's own thread count (each family sets it). */
START_TEST(test_blas_threads_restored) {
  static const char *const setups[][3] = {{"logreg", "max_iter", "2"},
                                          {"knn", "k", "3"},
                                          {"forest", "n_trees", "2"},
                                          {"net", "layers", "conv:2:3 relu dense:10"}};
  fmnist_dataset *ds = fmnist_test_stripes(40, 5);
  const uint8_t *img = fmnist_dataset_images(ds);
  const int before = openblas_get_num_threads(); /* put back at the end (no-fork runs) */
  openblas_set_num_threads(3);
  ck_assert_int_eq(openblas_get_num_threads(), 3);
  for (size_t f = 0; f < 4; f++) {
    fmnist_model *m;
    fmnist_metrics *mt;
    float proba[4 * NC];
    uint8_t labels[4];
    ck_assert_int_eq(fmnist_model_create(setups[f][0], &m), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set(m, setups[f][1], setups[f][2]), FMNIST_OK);
    if (f == 3) ck_assert_int_eq(fmnist_model_set(m, "epochs", "1"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_set(m, "threads", "2"), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_fit(m, ds, ds), FMNIST_OK);
    ck_assert_msg(openblas_get_num_threads() == 3, "%s fit left %d", setups[f][0],
                  openblas_get_num_threads());
    ck_assert_int_eq(fmnist_model_predict(m, img, 4, labels), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_proba(m, img, 4, proba), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_evaluate(m, ds, &mt), FMNIST_OK);
    ck_assert_msg(openblas_get_num_threads() == 3, "%s prediction left %d", setups[f][0],
                  openblas_get_num_threads());
    fmnist_metrics_free(mt);
    fmnist_model_free(m);
  }
  fmnist_dataset_free(ds);
  openblas_set_num_threads(before);
}
END_TEST

START_TEST(test_state_errors) {
  fmnist_dataset *ds = fmnist_test_stripes(30, 2);
  fmnist_model *m = create(_i);
  uint8_t img[NF] = {0}, lab;
  float p[NC];
  fmnist_metrics *mt;
  char path[600];
  snprintf(path, sizeof path, "%s/unfitted-%s.fmm", fmnist_test_dir(), families[_i]);
  ck_assert_int_eq(fmnist_model_predict(m, img, 1, &lab), FMNIST_E_STATE);
  ck_assert_int_eq(fmnist_model_proba(m, img, 1, p), FMNIST_E_STATE);
  ck_assert_int_eq(fmnist_model_evaluate(m, ds, &mt), FMNIST_E_STATE);
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_E_STATE);
  /* Setting an option after fit makes the model unfitted again. */
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(m, img, 1, &lab), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "seed", "9"), FMNIST_OK);
  ck_assert(!fmnist_model_is_fitted(m));
  ck_assert_int_eq(fmnist_model_predict(m, img, 1, &lab), FMNIST_E_STATE);
  /* An empty training set is invalid. */
  fmnist_dataset *empty;
  ck_assert_int_eq(fmnist_dataset_from_memory(NULL, NULL, 0, &empty), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, empty, NULL), FMNIST_E_INVALID);
  fmnist_dataset_free(empty);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
}
END_TEST

static const char *model_path(const char *what, int f) {
  static char path[4][600];
  static int slot;
  char *p = path[slot++ & 3];
  snprintf(p, 600, "%s/%s-%s.fmm", fmnist_test_dir(), what, families[f]);
  return p;
}

/* b is a as it was saved: family, options, history, and the same
 * probabilities (bit for bit) and labels on 40 images of test. */
static void same_model(const fmnist_model *a, const fmnist_model *b,
                       const fmnist_dataset *test) {
  ck_assert_str_eq(fmnist_model_family(b), fmnist_model_family(a));
  ck_assert(fmnist_model_is_fitted(b));
  same_options(a, b);
  ck_assert_uint_eq(fmnist_model_epochs(b), fmnist_model_epochs(a));
  for (size_t e = 0; e < fmnist_model_epochs(a); e++) {
    double x, y;
    ck_assert_int_eq(fmnist_model_history(a, e, FMNIST_HISTORY_TRAIN_LOSS, &x), FMNIST_OK);
    ck_assert_int_eq(fmnist_model_history(b, e, FMNIST_HISTORY_TRAIN_LOSS, &y), FMNIST_OK);
    ck_assert(x == y);
  }
  float pa[40 * NC], pb[40 * NC];
  uint8_t la[40], lb[40];
  const uint8_t *img = fmnist_dataset_images(test);
  ck_assert_uint_ge(fmnist_dataset_count(test), 40);
  ck_assert_int_eq(fmnist_model_proba(a, img, 40, pa), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_proba(b, img, 40, pb), FMNIST_OK);
  ck_assert(memcmp(pa, pb, sizeof pa) == 0);
  ck_assert_int_eq(fmnist_model_predict(a, img, 40, la), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_predict(b, img, 40, lb), FMNIST_OK);
  ck_assert(memcmp(la, lb, sizeof la) == 0);
}

START_TEST(test_save_load) {
  fmnist_dataset *ds = fmnist_test_stripes(80, 3), *test = fmnist_test_stripes(40, 4);
  fmnist_model *m = create(_i), *l;
  tweak(m, _i);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  const char *path = model_path("round-trip", _i);
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_load(path, &l), FMNIST_OK);
  same_model(m, l, test);
  /* A loaded model saves to the same bytes. */
  const char *again = model_path("round-trip-again", _i);
  ck_assert_int_eq(fmnist_model_save(l, again), FMNIST_OK);
  FILE *fa = fopen(path, "rb"), *fb = fopen(again, "rb");
  int ca, cb;
  do {
    ca = fgetc(fa);
    cb = fgetc(fb);
    ck_assert_int_eq(ca, cb);
  } while (ca != EOF);
  fclose(fa);
  fclose(fb);
  fmnist_model_free(m);
  fmnist_model_free(l);
  fmnist_dataset_free(ds);
  fmnist_dataset_free(test);
}
END_TEST

/* ---- models in memory ---- */

/* Every family, the net too: a fitted model and the file it saves to. */
static const char *const buffer_setups[][2] = {
    {"logreg", "max_iter=4"},
    {"knn", "k=3 weights=distance"},
    {"forest", "n_trees=3 max_depth=9"},
    {"net", "epochs=1 layers=conv:3:3 bn relu pool:2 drop:0.1 dense:10"}};

/* The bytes of the file at path (malloc'd, *len bytes). */
static uint8_t *file_bytes(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  ck_assert_ptr_nonnull(fp);
  fseek(fp, 0, SEEK_END);
  *len = (size_t)ftell(fp);
  rewind(fp);
  uint8_t *bytes = malloc(*len ? *len : 1);
  ck_assert_uint_eq(fread(bytes, 1, *len, fp), *len);
  fclose(fp);
  return bytes;
}

/* Saved to a buffer, the model is the file's bytes; loaded from it, the
 * same model: options, history, labels and probabilities bit for bit,
 * and it keeps nothing of the caller's buffer. */
START_TEST(test_buffer_round_trip) {
  fmnist_dataset *ds = fmnist_test_stripes(80, 3), *test = fmnist_test_stripes(40, 4);
  fmnist_model *m, *l = (fmnist_model *)(uintptr_t)1;
  ck_assert_int_eq(fmnist_model_create(buffer_setups[_i][0], &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set_options(m, buffer_setups[_i][1]), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_set(m, "threads", "1"), FMNIST_OK);
  size_t size = 0, again = 0, flen;
  ck_assert_int_eq(fmnist_model_save_buffer(m, NULL, 0, &size), FMNIST_E_STATE);
  ck_assert_uint_eq(size, 0);
  ck_assert_int_eq(fmnist_model_fit(m, ds, ds), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_save_buffer(m, NULL, 0, &size), FMNIST_OK); /* the size */
  uint8_t *buf = malloc(size + 1);
  /* One byte short: E_BUFFER, the buffer and *again untouched. */
  memset(buf, 0xab, size + 1);
  ck_assert_int_eq(fmnist_model_save_buffer(m, buf, size - 1, &again), FMNIST_E_BUFFER);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "needed"));
  ck_assert_uint_eq(again, 0);
  for (size_t i = 0; i <= size; i++) ck_assert_uint_eq(buf[i], 0xab);
  ck_assert_int_eq(fmnist_model_save_buffer(m, buf, size + 1, &again), FMNIST_OK);
  ck_assert_uint_eq(again, size);
  ck_assert_uint_eq(buf[size], 0xab); /* nothing past the model */
  const char *path = fmnist_test_write("buffer.fmm", "", 0);
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  uint8_t *file = file_bytes(path, &flen);
  ck_assert_uint_eq(flen, size);
  ck_assert(memcmp(file, buf, size) == 0);
  ck_assert_int_eq(fmnist_model_load_buffer(buf, size, &l), FMNIST_OK);
  memset(buf, 0, size); /* the model must not read the caller's buffer again */
  free(buf);
  same_model(m, l, test);
  /* The loaded model saves to the same bytes. */
  buf = malloc(size);
  ck_assert_int_eq(fmnist_model_save_buffer(l, buf, size, &again), FMNIST_OK);
  ck_assert(memcmp(file, buf, size) == 0);
  free(buf);
  free(file);
  fmnist_model_free(m);
  fmnist_model_free(l);
  fmnist_dataset_free(ds);
  fmnist_dataset_free(test);
}
END_TEST

/* Loads len bytes from a buffer of exactly that size (so that ASan sees a
 * read past it); a failed load must leave *out alone. */
static fmnist_status load_buffer(const uint8_t *bytes, size_t len) {
  uint8_t *copy = malloc(len ? len : 1);
  memcpy(copy, bytes, len);
  fmnist_model *m = (fmnist_model *)(uintptr_t)1;
  fmnist_status s = fmnist_model_load_buffer(copy, len, &m);
  if (s == FMNIST_OK)
    fmnist_model_free(m);
  else
    ck_assert_ptr_eq(m, (fmnist_model *)(uintptr_t)1);
  free(copy);
  return s;
}

static uint8_t *small_model(int f, size_t *len);
static void put_le32(uint8_t *p, uint32_t v);

/* A buffer goes through the file's checks: every length short of the
 * model, a longer one, each flipped payload or CRC byte, a bad magic, a
 * future version; and the argument errors. */
START_TEST(test_buffer_errors) {
  size_t len;
  uint8_t *bytes = small_model(_i, &len);
  ck_assert_int_eq(load_buffer(bytes, len), FMNIST_OK);
  for (size_t cut = 0; cut < len; cut++) {
    fmnist_status s = load_buffer(bytes, cut);
    ck_assert_msg(s == FMNIST_E_FORMAT, "%s cut at %zu of %zu: %s (%s)", families[_i], cut, len,
                  fmnist_status_name(s), fmnist_last_error());
  }
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "model buffer: "));
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, bytes, len);
  longer[len] = 0;
  ck_assert_int_eq(load_buffer(longer, len + 1), FMNIST_E_FORMAT);
  free(longer);
  for (size_t at = 24; at < len; at++) {
    bytes[at] ^= 0x5a;
    ck_assert_int_eq(load_buffer(bytes, len), FMNIST_E_CHECKSUM);
    bytes[at] ^= 0x5a;
  }
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "model buffer: CRC-32 mismatch"));
  bytes[1] = 'X';
  ck_assert_int_eq(load_buffer(bytes, len), FMNIST_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(fmnist_last_error(), "bad magic"));
  bytes[1] = 'M';
  put_le32(bytes + 8, 7);
  ck_assert_int_eq(load_buffer(bytes, len), FMNIST_E_VERSION);
  put_le32(bytes + 8, 1);
  ck_assert_int_eq(load_buffer(bytes, len), FMNIST_OK);
  fmnist_model *m = NULL;
  size_t size;
  ck_assert_int_eq(fmnist_model_load_buffer(NULL, len, &m), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_load_buffer(bytes, len, NULL), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_save_buffer(NULL, NULL, 0, &size), FMNIST_E_INVALID);
  ck_assert_int_eq(fmnist_model_load_buffer(bytes, len, &m), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_save_buffer(m, NULL, 0, NULL), FMNIST_E_INVALID);
  fmnist_model_free(m);
  free(bytes);
}
END_TEST

/* ---- damaged files ---- */

/* The smallest model of each family (a KNN of 1 image, a forest of 1 tree
 * of 2 images without bootstrap: a root and 2 leaves, a logistic
 * regression after 1 epoch), saved and read back as bytes. */
static uint8_t *small_model(int f, size_t *len) {
  fmnist_dataset *ds = fmnist_test_stripes(f == 1 ? 1 : 2, 5);
  fmnist_model *m = create(f);
  if (f == 0) ck_assert_int_eq(fmnist_model_set(m, "max_iter", "1"), FMNIST_OK);
  if (f == 1) ck_assert_int_eq(fmnist_model_set(m, "k", "1"), FMNIST_OK);
  if (f == 2) ck_assert_int_eq(fmnist_model_set(m, "n_trees", "1"), FMNIST_OK);
  if (f == 2) ck_assert_int_eq(fmnist_model_set(m, "bootstrap", "0"), FMNIST_OK);
  ck_assert_int_eq(fmnist_model_fit(m, ds, NULL), FMNIST_OK);
  const char *path = model_path("small", f);
  ck_assert_int_eq(fmnist_model_save(m, path), FMNIST_OK);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  FILE *fp = fopen(path, "rb");
  ck_assert_ptr_nonnull(fp);
  fseek(fp, 0, SEEK_END);
  *len = (size_t)ftell(fp);
  rewind(fp);
  uint8_t *bytes = malloc(*len);
  ck_assert_uint_eq(fread(bytes, 1, *len, fp), *len);
  fclose(fp);
  return bytes;
}

/* Loads path; a failed load must leave *out alone. */
static fmnist_status load_path(const char *path) {
  fmnist_model *m = (fmnist_model *)(uintptr_t)1;
  fmnist_status s = fmnist_model_load(path, &m);
  if (s == FMNIST_OK)
    fmnist_model_free(m);
  else
    ck_assert_ptr_eq(m, (fmnist_model *)(uintptr_t)1);
  return s;
}

/* Loads bytes written to a file. */
static fmnist_status load_bytes(const uint8_t *bytes, size_t len) {
  return load_path(fmnist_test_write("damaged.fmm", bytes, len));
}

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the CRC after an edit, so that the content checks are hit. */
static void reseal(uint8_t *bytes, size_t len) {
  put_le32(bytes + len - 4, (uint32_t)crc32(0L, bytes + 24, (uInt)(len - 28)));
}

START_TEST(test_truncated_every_offset) {
  size_t len;
  uint8_t *bytes = small_model(_i, &len);
  const char *path = fmnist_test_write("truncated.fmm", bytes, len);
  ck_assert_int_eq(load_path(path), FMNIST_OK);
  /* Shrinking the one file in place keeps this quick (no rewrite). */
  for (size_t cut = len; cut-- > 0;) {
    ck_assert_int_eq(truncate(path, (off_t)cut), 0);
    fmnist_status s = load_path(path);
    ck_assert_msg(s == FMNIST_E_FORMAT || s == FMNIST_E_IO,
                  "%s cut at %zu of %zu: %s (%s)", families[_i], cut, len,
                  fmnist_status_name(s), fmnist_last_error());
  }
  free(bytes);
}
END_TEST

START_TEST(test_flipped_byte) {
  size_t len;
  uint8_t *bytes = small_model(_i, &len);
  /* Every byte of the payload and of the CRC: a checksum error. The one
   * file is patched in place and restored. */
  const char *path = fmnist_test_write("flipped.fmm", bytes, len);
  FILE *fp = fopen(path, "r+b");
  ck_assert_ptr_nonnull(fp);
  for (size_t at = 24; at < len; at++) {
    ck_assert_int_eq(fseek(fp, (long)at, SEEK_SET), 0);
    fputc(bytes[at] ^ 0x5a, fp);
    fflush(fp);
    fmnist_status s = load_path(path);
    ck_assert_msg(s == FMNIST_E_CHECKSUM, "%s byte %zu of %zu flipped: %s", families[_i], at,
                  len, fmnist_status_name(s));
    ck_assert_int_eq(fseek(fp, (long)at, SEEK_SET), 0);
    fputc(bytes[at], fp);
    fflush(fp);
  }
  fclose(fp);
  ck_assert_int_eq(load_path(path), FMNIST_OK);
  free(bytes);
}
END_TEST

START_TEST(test_header_errors) {
  size_t len;
  uint8_t *bytes = small_model(_i, &len);
  bytes[0] = 'X'; /* magic */
  ck_assert_int_eq(load_bytes(bytes, len), FMNIST_E_FORMAT);
  bytes[0] = 'F';
  put_le32(bytes + 8, 2); /* a future format version */
  ck_assert_int_eq(load_bytes(bytes, len), FMNIST_E_VERSION);
  put_le32(bytes + 8, 1);
  put_le32(bytes + 12, 99); /* unknown family */
  ck_assert_int_eq(load_bytes(bytes, len), FMNIST_E_FORMAT);
  put_le32(bytes + 12, (uint32_t)_i + 1);
  ck_assert_int_eq(load_bytes(bytes, len), FMNIST_OK);
  /* Bytes after the parameters (payload grown, CRC recomputed). */
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, bytes, len - 4);
  longer[len - 4] = 0;
  uint64_t p = len - 27;
  for (int i = 0; i < 8; i++) longer[16 + i] = (uint8_t)(p >> (8 * i));
  reseal(longer, len + 1);
  ck_assert_int_eq(load_bytes(longer, len + 1), FMNIST_E_FORMAT);
  free(longer);
  ck_assert_int_eq(load_bytes(bytes, 0), FMNIST_E_FORMAT); /* empty file */
  fmnist_model *m;
  ck_assert_int_eq(fmnist_model_load("/nonexistent/dir/model.fmm", &m), FMNIST_E_NOTFOUND);
  free(bytes);
}
END_TEST

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Offset of the 784 means (then the 784 inverse std) in a model file:
 * after the header (24 bytes) and the options (count, then length-prefixed
 * key and value texts). */
static size_t standardization_at(const uint8_t *bytes) {
  size_t at = 24, count = get_le32(bytes + at);
  at += 4;
  for (size_t i = 0; i < 2 * count; i++) at += 4 + get_le32(bytes + at);
  return at;
}

/* A standardization that fitting cannot produce (finite, but a mean off the
 * byte range or 1/std large enough to overflow distances and activations)
 * is rejected on load: found by the fuzzer as a KNN crash. */
START_TEST(test_bad_standardization) {
  size_t len;
  uint8_t *bytes = small_model(_i, &len);
  size_t at = standardization_at(bytes);
  const float bad[][2] = {{-1.0f, 1.0f}, {256.0f, 1.0f}, {0.0f, 1e30f}, {0.0f, 0.0f}};
  for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
    uint8_t *copy = malloc(len);
    memcpy(copy, bytes, len);
    memcpy(copy + at, &bad[b][0], 4);                          /* mean of pixel 0 */
    memcpy(copy + at + 4 * FMNIST_PIXELS, &bad[b][1], 4);      /* its 1/std */
    reseal(copy, len);
    ck_assert_int_eq(load_bytes(copy, len), FMNIST_E_FORMAT);
    ck_assert_msg(strstr(fmnist_last_error(), "bad standardization for pixel 0") != NULL, "%s",
                  fmnist_last_error());
    free(copy);
  }
  ck_assert_int_eq(load_bytes(bytes, len), FMNIST_OK);
  free(bytes);
}
END_TEST

/* Content a checksum cannot catch (the writer was wrong, or the file was
 * forged): each family's own checks. The parameters end every payload. */
START_TEST(test_bad_parameters) {
  size_t len;
  uint8_t *bytes = small_model(_i, &len);
  size_t end = len - 4; /* payload end */
  if (_i == 0) {
    /* logreg: the last intercept becomes NaN. */
    const uint8_t nan_le[4] = {0x00, 0x00, 0xc0, 0x7f};
    memcpy(bytes + end - 4, nan_le, 4);
  } else if (_i == 1) {
    /* knn: the one label becomes 10. */
    bytes[end - 1] = 10;
  } else {
    /* forest, one tree of a single leaf (2 images of different classes
     * split once: 3 nodes, 2 leaves): the root's left child points at
     * the root itself, which would loop forever. */
    size_t nodes_at = end - (8 + 2 * 40) - 3 * 12; /* first node */
    put_le32(bytes + nodes_at, 0);
  }
  reseal(bytes, len);
  fmnist_status s = load_bytes(bytes, len);
  ck_assert_msg(s == FMNIST_E_FORMAT, "%s: %s (%s)", families[_i], fmnist_status_name(s),
                fmnist_last_error());
  static const char *const what[] = {"intercept", "label", "node"};
  ck_assert_msg(strstr(fmnist_last_error(), what[_i]) != NULL, "%s", fmnist_last_error());
  free(bytes);
}
END_TEST

static Suite *model_suite(void) {
  Suite *s = suite_create("model");
  TCase *tc = tcase_create("model");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_unknown_family);
  tcase_add_test(tc, test_set_options);
  tcase_add_test(tc, test_presets);
  tcase_add_loop_test(tc, test_get_set_round_trip, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_option_errors, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_clone_config, 0, N_FAMILIES);
  tcase_add_test(tc, test_blas_threads_restored);
  tcase_add_loop_test(tc, test_bad_standardization, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_state_errors, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_save_load, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_truncated_every_offset, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_flipped_byte, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_header_errors, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_bad_parameters, 0, N_FAMILIES);
  tcase_add_loop_test(tc, test_buffer_round_trip, 0,
                      sizeof buffer_setups / sizeof buffer_setups[0]);
  tcase_add_loop_test(tc, test_buffer_errors, 0, N_FAMILIES);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(model_suite)
