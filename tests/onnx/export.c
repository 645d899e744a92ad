/* The library's side of `make onnx-check`: fits small models of every
 * exportable family on the official training images, exports each to
 * ONNX, and writes what the library predicts on the official 10 000 test
 * images, for check.js (ONNX Runtime) and check.py (the ONNX checker) to
 * compare with. Public API only.
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
 * the official training set; 2: a forest of single-leaf trees). The nets
 * train briefly: the check is about the export, not the accuracy. */
static const struct {
  const char *name, *family, *preset, *options;
  size_t train;
} models[] = {
    {"logreg", "logreg", NULL, "max_iter=20", 5000},
    {"logreg_global", "logreg", NULL, "max_iter=10 standardize=global solver=sgd", 3000},
    {"forest", "forest", NULL, "n_trees=20", 5000},
    /* leaves with fractions: ties between classes, weights below 1 */
    {"forest_shallow", "forest", NULL, "n_trees=15 max_depth=6 min_samples_leaf=4", 5000},
    /* 2 images, bootstrap: trees that drew one image twice are one leaf */
    {"forest_stub", "forest", NULL, "n_trees=8", 2},
    {"cnn_final", NULL, "cnn_final", "epochs=1", 3000},
    /* every layer kind; odd channel counts; same padding with stride 2
     * (one row and column of padding, at the bottom and right only) */
    {"net_kinds", "net", NULL,
     "epochs=2 layers=noise:0.1 conv:5:3 bn relu pool:2 drop:0.2 conv:7:3:2:same tanh "
     "conv:3:2:1:valid sigmoid pool:3 flatten dense:13 bn sigmoid drop:0.3 dense:10",
     3000},
    /* a conv on a dense layer's output, a dense layer on a conv's 1x1
     * output (no flatten between), batch norm on features */
    {"net_flat", "net", NULL,
     "epochs=2 layers=conv:4:5:3:valid relu pool:4 dense:11 bn tanh conv:6:1 relu dense:10",
     3000},
};

static void die(const char *what) {
  fprintf(stderr, "export: %s: %s\n", what, fmnist_last_error());
  exit(1);
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
  if (!labels || !proba) die("out of memory");
  for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
    fmnist_model *m;
    fmnist_dataset *sub;
    size_t *idx = malloc(models[i].train * sizeof *idx);
    for (size_t j = 0; j < models[i].train; j++) idx[j] = j;
    if (fmnist_dataset_subset(train, idx, models[i].train, &sub)) die("subset");
    free(idx);
    if ((models[i].preset ? fmnist_model_create_preset(models[i].preset, &m)
                          : fmnist_model_create(models[i].family, &m)) ||
        fmnist_model_set_options(m, models[i].options))
      die(models[i].name);
    if (fmnist_model_fit(m, sub, NULL)) die(models[i].name);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.onnx", dir, models[i].name);
    if (fmnist_model_export_onnx(m, path)) die(path);
    if (fmnist_model_predict(m, images, n, labels) || fmnist_model_proba(m, images, n, proba))
      die(models[i].name);
    write_file(dir, models[i].name, ".labels", labels, n);
    write_file(dir, models[i].name, ".proba", proba, n * FMNIST_CLASSES * sizeof *proba);
    strcat(strcat(list, models[i].name), "\n");
    printf("export: %-15s %-6s fitted on %5zu images, exported to %s\n", models[i].name,
           fmnist_model_family(m), models[i].train, path);
    fmnist_model_free(m);
    fmnist_dataset_free(sub);
  }
  write_file(dir, "models", "", list, strlen(list));
  free(labels);
  free(proba);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
  return 0;
}
