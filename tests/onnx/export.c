/* The library's side of `make onnx-check`: fits small models of every
 * exportable family on the official training images (and makes ensembles
 * of some), exports each to ONNX, and writes what the library predicts on
 * the official 10 000 test images, for check.js (ONNX Runtime) and
 * check.py (the ONNX checker) to compare with. Public API only.
 *
 * Usage: export DIR. Writes DIR/test.images (10 000 x 784 bytes), and per
 * model NAME: DIR/NAME.onnx, DIR/NAME.labels (10 000 bytes) and
 * DIR/NAME.proba (10 000 x 10 float32, little-endian as this machine);
 * DIR/models lists the names. */
#include <fmnist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each model: family or preset, options, training images (the first n of
 * the official training set; 2: a forest of single-leaf trees), or for an
 * ensemble its members, models earlier in the list. The nets train
 * briefly: the check is about the export, not the accuracy. */
static const struct {
  const char *name, *family, *preset, *options;
  size_t train;
  const char *members; /* an ensemble's, space-separated */
} models[] = {
    {"logreg", "logreg", NULL, "max_iter=20", 5000, NULL},
    {"logreg_global", "logreg", NULL, "max_iter=10 standardize=global solver=sgd", 3000, NULL},
    {"forest", "forest", NULL, "n_trees=20", 5000, NULL},
    /* leaves with fractions: ties between classes, weights below 1 */
    {"forest_shallow", "forest", NULL, "n_trees=15 max_depth=6 min_samples_leaf=4", 5000, NULL},
    /* 2 images, bootstrap: trees that drew one image twice are one leaf */
    {"forest_stub", "forest", NULL, "n_trees=8", 2, NULL},
    {"cnn_final", NULL, "cnn_final", "epochs=1", 3000, NULL},
    /* every layer kind; odd channel counts; same padding with stride 2
     * (one row and column of padding, at the bottom and right only) */
    {"net_kinds", "net", NULL,
     "epochs=2 layers=noise:0.1 conv:5:3 bn relu pool:2 drop:0.2 conv:7:3:2:same tanh "
     "conv:3:2:1:valid sigmoid pool:3 flatten dense:13 bn sigmoid drop:0.3 dense:10",
     3000, NULL},
    /* a conv on a dense layer's output, a dense layer on a conv's 1x1
     * output (no flatten between), batch norm on features */
    {"net_flat", "net", NULL,
     "epochs=2 layers=conv:4:5:3:valid relu pool:4 dense:11 bn tanh conv:6:1 relu dense:10",
     3000, NULL},
    /* ResNet-style: an identity block, then two that halve the plane and
     * add channels, with projections (1x1 conv stride 2, bn) */
    {"net_res", "net", NULL,
     "epochs=1 layers=conv:8:3 bn relu res( conv:8:3 bn relu conv:8:3 bn ) relu "
     "res( conv:16:3:2 bn relu conv:16:3 bn ) relu res( conv:24:3:2 bn relu conv:24:3 bn ) relu "
     "pool:7 dense:10",
     3000, NULL},
    /* odd blocks: on the net's flat input (an identity skip of another
     * form), a projection without bn (the branch has none) whose stride
     * comes from a pool, odd channels with stride 2 on 7x7 (bn:0.9:1e-5),
     * a pool to a plane no stride divides, blocks of dense layers */
    {"net_res_odd", "net", NULL,
     "epochs=2 layers=res( conv:1:3 tanh ) res( conv:5:3 relu pool:2 ) "
     "res( conv:7:3:2 bn relu conv:7:3 bn:0.9:1e-5 ) relu res( conv:3:3:2 sigmoid pool:2 ) "
     "flatten res( dense:13 relu ) res( dense:11 bn ) dense:10",
     3000, NULL},
    /* averaged weights: the file and the graph hold the averaged ones */
    {"net_ema", "net", NULL,
     "epochs=2 ema_decay=0.99 layers=conv:8:3 bn relu pool:2 res( conv:8:3 bn relu "
     "conv:8:3 bn ) relu pool:2 dense:10",
     3000, NULL},
    /* test-time augmentation: the views in the graph (a forest compares
     * pixels exactly, so a view one pixel off shows) */
    {"forest_tta", "forest", NULL, "n_trees=10 tta=flip_shift", 3000, NULL},
    {"net_tta", "net", NULL,
     "epochs=1 tta=flip layers=conv:6:3 bn relu pool:2 conv:12:3 relu pool:2 dense:10", 3000, NULL},
    /* ensembles: of members with their own standardizations (global and
     * per pixel) and families; of an ensemble and members with their own
     * test-time augmentation, under its own */
    {"ensemble", "ensemble", NULL, "", 0, "logreg_global forest_shallow net_res net_ema"},
    {"ensemble_tta", "ensemble", NULL, "tta=flip_shift", 0, "ensemble forest_tta net_tta logreg"},
};
#define MODELS (sizeof models / sizeof models[0])

static void die(const char *what) {
  fprintf(stderr, "export: %s: %s\n", what, fmnist_last_error());
  exit(1);
}

/* The ensemble of the models named in `members`, of those fitted so far. */
static fmnist_model *ensemble(const char *members, fmnist_model *const *fitted, size_t count) {
  const fmnist_model *of[MODELS];
  size_t n = 0;
  for (const char *p = members; *p;) {
    const size_t len = strcspn(p, " ");
    size_t i = 0;
    while (i < count && (strlen(models[i].name) != len || strncmp(models[i].name, p, len))) i++;
    if (i == count) die(members);
    of[n++] = fitted[i];
    p += len + (p[len] == ' ');
  }
  fmnist_model *e;
  if (fmnist_ensemble_create(of, n, &e)) die(members);
  return e;
}

static void write_file(const char *dir, const char *name, const char *ext, const void *data,
                       size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: export DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  fmnist_dataset *train, *test;
  if (fmnist_dataset_load(NULL, FMNIST_SET_TRAIN, &train)) die("training set");
  if (fmnist_dataset_load(NULL, FMNIST_SET_TEST, &test)) die("test set");
  const size_t n = fmnist_dataset_count(test);
  const uint8_t *images = fmnist_dataset_images(test);
  write_file(dir, "test", ".images", images, n * FMNIST_PIXELS);
  uint8_t *labels = malloc(n);
  float *proba = malloc(n * FMNIST_CLASSES * sizeof *proba);
  char list[1024] = "";
  fmnist_model *fitted[MODELS];
  if (!labels || !proba) die("out of memory");
  for (size_t i = 0; i < MODELS; i++) {
    fmnist_model *m;
    if (models[i].members) {
      m = ensemble(models[i].members, fitted, i);
      if (fmnist_model_set_options(m, models[i].options)) die(models[i].name);
    } else {
      fmnist_dataset *sub;
      size_t *idx = malloc(models[i].train * sizeof *idx);
      for (size_t j = 0; j < models[i].train; j++) idx[j] = j;
      if (fmnist_dataset_subset(train, idx, models[i].train, &sub)) die("subset");
      free(idx);
      if ((models[i].preset ? fmnist_model_create_preset(models[i].preset, &m)
                            : fmnist_model_create(models[i].family, &m)) ||
          fmnist_model_set_options(m, models[i].options) || fmnist_model_fit(m, sub, NULL))
        die(models[i].name);
      fmnist_dataset_free(sub);
    }
    fitted[i] = m;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.onnx", dir, models[i].name);
    if (fmnist_model_export_onnx(m, path)) die(path);
    if (fmnist_model_predict(m, images, n, labels) || fmnist_model_proba(m, images, n, proba))
      die(models[i].name);
    write_file(dir, models[i].name, ".labels", labels, n);
    write_file(dir, models[i].name, ".proba", proba, n * FMNIST_CLASSES * sizeof *proba);
    strcat(strcat(list, models[i].name), "\n");
    if (models[i].members)
      printf("export: %-15s %-8s of %s, exported to %s\n", models[i].name, fmnist_model_family(m),
             models[i].members, path);
    else
      printf("export: %-15s %-8s fitted on %5zu images, exported to %s\n", models[i].name,
             fmnist_model_family(m), models[i].train, path);
  }
  for (size_t i = 0; i < MODELS; i++) fmnist_model_free(fitted[i]);
  write_file(dir, "models", "", list, strlen(list));
  free(labels);
  free(proba);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
  return 0;
}
