/* predict: classifies image files (PGM or PNG) or a test-set image with a
 * saved model, printing the top-3 classes with their probabilities, one
 * line per image:  predict --load MODEL a.png b.pgm ...  */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/data.h"
#include "kit/result.h"

/* Prints the three most probable classes of one image. */
static int print_top3(const char *what, const float *p) {
  int top[3] = {-1, -1, -1};
  for (int k = 0; k < 3; k++)
    for (int c = 0; c < FMNIST_CLASSES; c++) {
      if (c == top[0] || c == top[1]) continue;
      if (top[k] < 0 || p[c] > p[top[k]]) top[k] = c;
    }
  printf("%s:", what);
  for (int k = 0; k < 3; k++) printf("  %s %.3f", fmnist_class_name(top[k]), p[top[k]]);
  printf("\n");
  return top[0];
}

int main(int argc, char **argv) {
  kit_common opt;
  const char *file = NULL;
  int invert = 0, index = -1;
  const kit_flag extra[] = {
      KIT_LOAD_FLAG(opt),
      {"image", KIT_STRING, &file, "a PGM or PNG file to classify (or give files as operands)"},
      {"invert", KIT_BOOL, &invert, "the pictures are dark on light: invert them (Fashion-MNIST "
                                   "is light on dark)"},
      {"index", KIT_INT, &index, "classify image N of the official test set instead"},
  };
  kit_parse(argc, argv,
            &(kit_program){.purpose = "Classifies images with a model saved by another "
                                      "example (--load).",
                           .operands = "[IMAGE...]", .flags = extra, .n_flags = KIT_LEN(extra)},
            &opt);
  size_t n = opt.n_operands + (file != NULL);
  if (!opt.load || (n == 0) == (index < 0)) {
    fprintf(stderr, "%s: needs --load MODEL and image files (or --image FILE), or --index N\n",
            argv[0]);
    return 2;
  }
  fmnist_model *m;
  kit_check(fmnist_model_load(opt.load, &m));
  if (index >= 0) n = 1;
  uint8_t *img = kit_alloc(n, FMNIST_PIXELS);
  float *proba = kit_alloc(n * FMNIST_CLASSES, sizeof *proba);
  const char **names = kit_alloc(n, sizeof *names);
  int truth = -1;
  char what[160];
  if (index >= 0) {
    fmnist_dataset *test = kit_load_set(&opt, FMNIST_SET_TEST);
    const uint8_t *src = fmnist_dataset_image(test, (size_t)index);
    if (!src) {
      fprintf(stderr, "error: --index %d, the test set has %zu images\n", index,
              fmnist_dataset_count(test));
      return 1;
    }
    for (size_t i = 0; i < FMNIST_PIXELS; i++) img[i] = src[i];
    truth = fmnist_dataset_label(test, (size_t)index);
    snprintf(what, sizeof what, "test image %d (truth: %s)", index, fmnist_class_name(truth));
    names[0] = what;
    fmnist_dataset_free(test);
  } else {
    for (size_t i = 0; i < n; i++) {
      names[i] = i < opt.n_operands ? opt.operands[i] : file;
      kit_check(fmnist_image_read(names[i], invert, img + i * FMNIST_PIXELS));
    }
  }
  double t0 = kit_now();
  kit_check(fmnist_model_proba(m, img, n, proba));
  double predict_s = kit_now() - t0;
  int label = -1;
  for (size_t i = 0; i < n; i++) label = print_top3(names[i], proba + i * FMNIST_CLASSES);

  kit_result res;
  kit_result_init(&res);
  kit_result_str(&res, "model", fmnist_model_family(m));
  kit_result_double(&res, "accuracy", truth < 0 ? NAN : (double)(label == truth));
  kit_result_double(&res, "macro_f1", NAN);
  kit_result_int(&res, "images", (long long)n);
  if (n == 1) { /* the one image's answer */
    kit_result_int(&res, "label", label);
    kit_result_str(&res, "class", fmnist_class_name(label));
    kit_result_double(&res, "probability", proba[label]);
  }
  kit_result_double(&res, "predict_s", predict_s);
  kit_result_print(&res);
  free(img);
  free(proba);
  free(names);
  fmnist_model_free(m);
  return 0;
}
