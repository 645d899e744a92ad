/* Allocation-failure walk: for each scenario, make the 1st, 2nd, ... Nth
 * allocation fail until the scenario succeeds; every failure must return
 * FMNIST_E_NOMEM, write no output (out-parameters keep a sentinel), leave a
 * model whose fit failed unfitted and usable (a retry without failures
 * succeeds), and LeakSanitizer must find nothing. Built against the library
 * compiled with FMNIST_ALLOC_TESTING (make oom-check).
 *
 * Not covered: libpng's own allocations (the simplified png_image API takes
 * no allocator) and the FILE* of stdio, which do not go through
 * fmnist__alloc. */
#include <fmnist.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "base/alloc.h"
#include "testutil.h"

enum { N = 30 };
static uint8_t images[N * FMNIST_PIXELS], labels[N];
static const char *images_gz, *labels_raw, *saved[4];
static char png_path[600];
/* A model loaded (without failures) before the walks that use it. */
static fmnist_model *loaded;

/* A value no allocation returns: out-parameters must still hold it after a
 * failed call. */
static char sentinel_byte;
#define SENTINEL ((void *)&sentinel_byte)

/* Set by pause_failures(): the allocation count when a scenario turned
 * injection off to check that a handle is still usable. */
static size_t paused_made = SIZE_MAX;

static void pause_failures(void) {
  if (paused_made == SIZE_MAX) paused_made = fmnist__alloc_fail_at(0);
}

typedef fmnist_status (*scenario_fn)(int family);

static void make_data(void) {
  for (size_t i = 0; i < sizeof images; i++) images[i] = (uint8_t)((i * 2654435761u) >> 25);
  for (int i = 0; i < N; i++) labels[i] = (uint8_t)(i % 10);
  static uint8_t idx3[16 + sizeof images], idx1[8 + N];
  const uint8_t h3[16] = {0, 0, 8, 3, 0, 0, 0, N, 0, 0, 0, 28, 0, 0, 0, 28};
  const uint8_t h1[8] = {0, 0, 8, 1, 0, 0, 0, N};
  memcpy(idx3, h3, 16);
  memcpy(idx3 + 16, images, sizeof images);
  memcpy(idx1, h1, 8);
  memcpy(idx1 + 8, labels, N);
  images_gz = fmnist_test_write_gz("oom-images.gz", idx3, sizeof idx3);
  labels_raw = fmnist_test_write("oom-labels", idx1, sizeof idx1);
  /* A 56x40 RGBA PNG, so that the read converts, composites and resizes. */
  enum { W = 56, H = 40 };
  static uint8_t rgba[W * H * 4];
  for (size_t i = 0; i < sizeof rgba; i++) rgba[i] = (uint8_t)(i * 7 + (i >> 5));
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = W;
  img.height = H;
  img.format = PNG_FORMAT_RGBA;
  snprintf(png_path, sizeof png_path, "%s/oom.png", fmnist_test_dir());
  ck_assert(png_image_write_to_file(&img, png_path, 0, rgba, 0, NULL));
}

static const char *const families[4] = {"logreg", "knn", "forest", "net"};

static fmnist_status make_model(int family, fmnist_model **m) {
  fmnist_status s = fmnist_model_create(families[family], m);
  if (s) return s;
  if (family == 0) s = fmnist_model_set(*m, "max_iter", "3");
  if (family == 1) s = fmnist_model_set(*m, "k", "3");
  if (family == 2) s = fmnist_model_set(*m, "n_trees", "4");
  if (family == 3) {
    /* with a residual block and its projection: the passes' third
     * buffers and inference's slot plan */
    s = fmnist_model_set(*m, "layers",
                         "noise:0.1 conv:2:3 bn relu res( conv:4:3:2 bn relu ) pool:2 drop:0.2 "
                         "dense:10");
    if (!s) s = fmnist_model_set(*m, "epochs", "1");
    if (!s) s = fmnist_model_set(*m, "augment", "crop:1 blur:0.5..1:0.5");
    if (!s) s = fmnist_model_set_options(*m, "ema_decay=0.9 label_smoothing=0.1");
  }
  if (!s) s = fmnist_model_set(*m, "threads", "1");
  if (s) {
    fmnist_model_free(*m);
    *m = NULL;
  }
  return s;
}

static fmnist_status load_dataset(int family) {
  (void)family;
  fmnist_dataset *ds = NULL, *a = SENTINEL, *b = SENTINEL;
  fmnist_status s = fmnist_dataset_load_files(images_gz, labels_raw, &ds);
  if (!s) {
    s = fmnist_dataset_split(ds, 20, 1, 7, &a, &b);
    if (s) ck_assert(a == SENTINEL && b == SENTINEL);
    else fmnist_dataset_free(a), fmnist_dataset_free(b);
  }
  fmnist_dataset_free(ds);
  return s;
}

/* Subset, k folds, shuffle, mini-batches, metrics. */
static fmnist_status dataset_ops(int family) {
  (void)family;
  static const size_t idx[5] = {3, 1, 4, 1, 5};
  fmnist_dataset *ds = NULL, *sub = SENTINEL, *tr = SENTINEL, *va = SENTINEL;
  fmnist_batcher *bt = SENTINEL;
  fmnist_metrics *mt = SENTINEL;
  fmnist_status s = fmnist_dataset_from_memory(images, labels, N, &ds);
  if (s) return s;
  s = fmnist_dataset_subset(ds, idx, 5, &sub);
  if (s) ck_assert_ptr_eq(sub, SENTINEL);
  else fmnist_dataset_free(sub);
  if (!s) {
    s = fmnist_dataset_kfold(ds, 3, 1, 1, 9, &tr, &va);
    if (s) ck_assert(tr == SENTINEL && va == SENTINEL);
    else fmnist_dataset_free(tr), fmnist_dataset_free(va);
  }
  if (!s) s = fmnist_dataset_shuffle(ds, 3);
  if (!s) {
    s = fmnist_batcher_create(ds, 8, 1, 5, &bt);
    if (s) ck_assert_ptr_eq(bt, SENTINEL);
  }
  if (!s) {
    const size_t *batch;
    for (size_t e = 0; e < 2 && !s; e++) {
      s = fmnist_batcher_start(bt, e);
      while (!s && fmnist_batcher_next(bt, &batch)) {}
    }
    fmnist_batcher_free(bt);
  }
  if (!s) {
    static float proba[N * FMNIST_CLASSES];
    for (size_t i = 0; i < N * FMNIST_CLASSES; i++) proba[i] = 0.1f;
    s = fmnist_metrics_compute(labels, fmnist_dataset_labels(ds), proba, N, &mt);
    if (s) ck_assert_ptr_eq(mt, SENTINEL);
    else fmnist_metrics_free(mt);
  }
  fmnist_dataset_free(ds);
  return s;
}

static fmnist_status fit_and_save(int family) {
  fmnist_dataset *ds = NULL;
  fmnist_model *m = NULL;
  fmnist_metrics *mt = SENTINEL;
  fmnist_status s = fmnist_dataset_from_memory(images, labels, N, &ds);
  if (!s) s = make_model(family, &m);
  if (!s) {
    s = fmnist_model_fit(m, ds, ds);
    if (s) {
      /* A failed fit leaves the model unfitted and usable. */
      ck_assert_int_eq(fmnist_model_is_fitted(m), 0);
      ck_assert_int_eq(fmnist_model_save(m, saved[family]), FMNIST_E_STATE);
      fmnist_status failed = s;
      pause_failures();
      s = fmnist_model_fit(m, ds, ds);
      ck_assert_msg(s == FMNIST_OK, "%s: fit after a failed fit: %s: %s", families[family],
                    fmnist_status_name(s), fmnist_last_error());
      ck_assert_int_eq(fmnist_model_is_fitted(m), 1);
      s = failed;
    }
  }
  if (!s) {
    s = fmnist_model_evaluate(m, ds, &mt);
    if (s) ck_assert_ptr_eq(mt, SENTINEL);
  }
  if (!s) s = fmnist_model_save(m, saved[family]);
  if (mt != SENTINEL) fmnist_metrics_free(mt);
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  return s;
}

static fmnist_status load_and_predict(int family) {
  fmnist_model *m = SENTINEL;
  uint8_t out[N];
  float proba[N * FMNIST_CLASSES];
  memset(out, 0xee, sizeof out);
  fmnist_status s = fmnist_model_load(saved[family], &m);
  if (s) {
    ck_assert_ptr_eq(m, SENTINEL);
    return s;
  }
  s = fmnist_model_predict(m, images, N, out);
  if (s)
    for (int i = 0; i < N; i++) ck_assert_uint_eq(out[i], 0xee);
  if (!s) s = fmnist_model_proba(m, images, N, proba);
  fmnist_model_free(m);
  return s;
}

/* A model from the bytes of its file (fmnist_model_load_buffer), saved
 * back to a buffer (size first, then the bytes): the same bytes. */
static uint8_t *saved_bytes[4];
static size_t saved_len[4];
static fmnist_status buffer_round_trip(int family) {
  fmnist_model *m = SENTINEL;
  fmnist_status s = fmnist_model_load_buffer(saved_bytes[family], saved_len[family], &m);
  if (s) {
    ck_assert_ptr_eq(m, SENTINEL);
    return s;
  }
  size_t size = 7, again = 7;
  s = fmnist_model_save_buffer(m, NULL, 0, &size);
  if (s) ck_assert_uint_eq(size, 7);
  uint8_t *buf = s ? NULL : malloc(size);
  if (!s) {
    memset(buf, 0xee, size);
    s = fmnist_model_save_buffer(m, buf, size, &again);
    if (s) {
      ck_assert_uint_eq(again, 7);
      for (size_t i = 0; i < size; i++) ck_assert_uint_eq(buf[i], 0xee);
    } else {
      ck_assert(again == saved_len[family] && memcmp(buf, saved_bytes[family], again) == 0);
    }
  }
  free(buf);
  fmnist_model_free(m);
  return s;
}

/* The ONNX export of a model loaded before the walk, to a buffer (its
 * size) and to a file. */
static fmnist_status export_onnx(int family) {
  size_t size = 7;
  char path[600];
  snprintf(path, sizeof path, "%s/oom-%s.onnx", fmnist_test_dir(), families[family]);
  fmnist_status s = fmnist_model_export_onnx_buffer(loaded, NULL, 0, &size);
  if (s) ck_assert_uint_eq(size, 7);
  if (!s) s = fmnist_model_export_onnx(loaded, path);
  return s;
}

/* A transform pipeline of every op applied to a dataset. */
static fmnist_status transform_dataset(int family) {
  (void)family;
  fmnist_dataset *ds = NULL, *out = SENTINEL;
  fmnist_transform *t = SENTINEL;
  fmnist_status s = fmnist_dataset_from_memory(images, labels, N, &ds);
  if (s) return s;
  s = fmnist_transform_create(11, &t);
  if (s) {
    ck_assert_ptr_eq(t, SENTINEL);
    fmnist_dataset_free(ds);
    return s;
  }
  s = fmnist_transform_add_spec(t, "noise:20 saltpepper:0.05 shift:2 flip:0.5 rotate:15 "
                                   "blur:1 occlude:6 contrast:1.5 brightness:10");
  if (s) ck_assert_uint_eq(fmnist_transform_count(t), 0); /* nothing added on error */
  if (!s) {
    s = fmnist_transform_apply_dataset(t, ds, &out);
    if (s) ck_assert_ptr_eq(out, SENTINEL);
    else fmnist_dataset_free(out);
  }
  fmnist_transform_free(t);
  fmnist_dataset_free(ds);
  return s;
}

/* 2-fold cross validation on 20 images. */
static fmnist_status cross_validate(int family) {
  fmnist_dataset *ds = NULL;
  fmnist_model *m = NULL;
  fmnist_cv *cv = SENTINEL;
  fmnist_status s = fmnist_dataset_from_memory(images, labels, 20, &ds);
  if (!s) s = make_model(family, &m);
  if (!s) {
    s = fmnist_cross_validate(m, ds, 2, 5, &cv);
    if (s) ck_assert_ptr_eq(cv, SENTINEL);
    else fmnist_cv_free(cv);
  }
  fmnist_model_free(m);
  fmnist_dataset_free(ds);
  return s;
}

/* Robustness of the model loaded before the walk. */
static fmnist_status robustness(int family) {
  (void)family;
  static const char *const specs[] = {"noise:30", "rotate:10 blur:1", "occlude:8 flip:1"};
  fmnist_dataset *ds = NULL;
  double acc[3] = {-1, -1, -1};
  fmnist_status s = fmnist_dataset_from_memory(images, labels, N, &ds);
  if (!s) {
    s = fmnist_robustness(loaded, ds, specs, 3, 4, acc);
    if (s)
      for (int i = 0; i < 3; i++) ck_assert(acc[i] == -1);
  }
  fmnist_dataset_free(ds);
  return s;
}

static fmnist_status read_png(int family) {
  (void)family;
  uint8_t out[FMNIST_PIXELS];
  memset(out, 0xee, sizeof out);
  fmnist_status s = fmnist_image_read(png_path, 1, out);
  if (s)
    for (size_t i = 0; i < FMNIST_PIXELS; i++) ck_assert_uint_eq(out[i], 0xee);
  return s;
}

/* An ensemble of the four families' saved models (loaded before the
 * walk), with test-time augmentation: made, predicted, saved to a buffer
 * and loaded back; and one of the three with an ONNX form, with
 * test-time augmentation, exported. */
static fmnist_model *members[4];
static fmnist_status ensemble(int family) {
  (void)family;
  fmnist_model *e = SENTINEL, *back = SENTINEL;
  uint8_t out[N];
  memset(out, 0xee, sizeof out);
  fmnist_status s = fmnist_ensemble_create((const fmnist_model *const *)members, 4, &e);
  if (s) {
    ck_assert_ptr_eq(e, SENTINEL);
    return s;
  }
  s = fmnist_model_set(e, "tta", "flip_shift");
  if (!s) {
    s = fmnist_model_predict(e, images, N, out);
    if (s)
      for (int i = 0; i < N; i++) ck_assert_uint_eq(out[i], 0xee);
  }
  size_t size = 7;
  uint8_t *buf = NULL;
  if (!s) s = fmnist_model_save_buffer(e, NULL, 0, &size);
  if (!s) {
    buf = malloc(size);
    s = fmnist_model_save_buffer(e, buf, size, &size);
  }
  if (!s) {
    s = fmnist_model_load_buffer(buf, size, &back);
    if (s) ck_assert_ptr_eq(back, SENTINEL);
    else fmnist_model_free(back);
  }
  free(buf);
  fmnist_model_free(e);
  e = NULL;
  const fmnist_model *exportable[3] = {members[0], members[2], members[3]};
  if (!s) s = fmnist_ensemble_create(exportable, 3, &e);
  if (!s) s = fmnist_model_set(e, "tta", "flip");
  size = 7;
  if (!s) s = fmnist_model_export_onnx_buffer(e, NULL, 0, &size);
  if (s) ck_assert_uint_eq(size, 7);
  fmnist_model_free(e);
  return s;
}

/* Walks failure points 1, 2, ... of fn until it succeeds with none failing. */
static size_t walk(scenario_fn fn, int family, const char *what) {
  for (size_t n = 1;; n++) {
    paused_made = SIZE_MAX;
    fmnist__alloc_fail_at(n);
    fmnist_status s = fn(family);
    size_t made = fmnist__alloc_fail_at(0);
    if (paused_made != SIZE_MAX) made = paused_made;
    if (made < n) { /* the n-th allocation never happened: success */
      ck_assert_msg(s == FMNIST_OK, "%s: %s with no failure injected: %s", what,
                    fmnist_status_name(s), fmnist_last_error());
      printf("  %-36s %4zu allocation points, each failure -> E_NOMEM\n", what, n - 1);
      return n - 1;
    }
    /* The FILE* of stdio and zlib's inflate state may fail too, but every
     * path must still end in E_NOMEM. */
    ck_assert_msg(s == FMNIST_E_NOMEM, "%s: allocation %zu failed but status is %s: %s", what, n,
                  fmnist_status_name(s), fmnist_last_error());
  }
}

START_TEST(walk_all) {
  setvbuf(stdout, NULL, _IONBF, 0); /* counts survive a crash */
  make_data();
  static char paths[4][600];
  for (int f = 0; f < 4; f++) {
    snprintf(paths[f], sizeof paths[f], "%s/oom-%s.fmm", fmnist_test_dir(), families[f]);
    saved[f] = paths[f];
  }
  walk(load_dataset, 0, "load gz + split");
  walk(dataset_ops, 0, "subset/kfold/shuffle/batch/metrics");
  walk(transform_dataset, 0, "transform dataset");
  walk(read_png, 0, "image read PNG");
  for (int f = 0; f < 4; f++) {
    char what[64];
    snprintf(what, sizeof what, "%s fit/evaluate/save", families[f]);
    walk(fit_and_save, f, what);
    snprintf(what, sizeof what, "%s load/predict/proba", families[f]);
    walk(load_and_predict, f, what);
    snprintf(what, sizeof what, "%s cross validation k=2", families[f]);
    walk(cross_validate, f, what);
    ck_assert_int_eq(fmnist_model_load(saved[f], &loaded), FMNIST_OK);
    snprintf(what, sizeof what, "%s robustness, 3 specs", families[f]);
    walk(robustness, f, what);
    if (f != 1) { /* knn has no ONNX form */
      snprintf(what, sizeof what, "%s ONNX export", families[f]);
      walk(export_onnx, f, what);
    }
    size_t size;
    ck_assert_int_eq(fmnist_model_save_buffer(loaded, NULL, 0, &size), FMNIST_OK);
    saved_bytes[f] = malloc(size);
    ck_assert_int_eq(fmnist_model_save_buffer(loaded, saved_bytes[f], size, &saved_len[f]),
                     FMNIST_OK);
    snprintf(what, sizeof what, "%s buffer load/save", families[f]);
    walk(buffer_round_trip, f, what);
    free(saved_bytes[f]);
    fmnist_model_free(loaded);
  }
  for (int f = 0; f < 4; f++) ck_assert_int_eq(fmnist_model_load(saved[f], &members[f]), 0);
  walk(ensemble, 0, "ensemble of 4, tta, buffer; ONNX of 3");
  for (int f = 0; f < 4; f++) fmnist_model_free(members[f]);
}
END_TEST

static Suite *oom_suite(void) {
  Suite *s = suite_create("oom");
  TCase *tc = tcase_create("walk");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, walk_all);
  suite_add_tcase(s, tc);
  return s;
}

FMNIST_TEST_MAIN(oom_suite)
