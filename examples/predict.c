/* predict: classifies image files (PGM or PNG) or test-set images with a
 * saved model, printing the top-3 classes with their probabilities. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

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
  ex_common opt;
  const char *file = NULL;
  int invert = 0, index = -1;
  const ex_flag extra[] = {
      EX_LOAD_FLAG(opt),
      {"image", EX_STRING, &file, "a PGM or PNG file to classify"},
      {"invert", EX_BOOL, &invert, "the picture is dark on light: invert it (Fashion-MNIST is "
                                   "light on dark)"},
      {"index", EX_INT, &index, "classify image N of the official test set instead"},
  };
  ex_parse_flags(argc, argv, "Classifies an image with a model saved by another example (--load).",
                 &opt, extra, sizeof extra / sizeof extra[0]);
  if (!opt.load || (!file && index < 0)) {
    fprintf(stderr, "%s: needs --load MODEL and --image FILE or --index N\n", argv[0]);
    return 2;
  }
  fmnist_model *m;
  ex_check(fmnist_model_load(opt.load, &m));
  uint8_t img[FMNIST_PIXELS];
  int truth = -1;
  char what[1100];
  if (file) {
    ex_check(fmnist_image_read(file, invert, img));
    snprintf(what, sizeof what, "%s", file);
  } else {
    fmnist_dataset *test = ex_load_set(&opt, FMNIST_SET_TEST);
    const uint8_t *src = fmnist_dataset_image(test, (size_t)index);
    if (!src) {
      fprintf(stderr, "error: --index %d, the test set has %zu images\n", index,
              fmnist_dataset_count(test));
      return 1;
    }
    for (size_t i = 0; i < FMNIST_PIXELS; i++) img[i] = src[i];
    truth = fmnist_dataset_label(test, (size_t)index);
    snprintf(what, sizeof what, "test image %d (truth: %s)", index, fmnist_class_name(truth));
    fmnist_dataset_free(test);
  }
  float proba[FMNIST_CLASSES];
  double t0 = ex_now();
  ex_check(fmnist_model_proba(m, img, 1, proba));
  double predict_s = ex_now() - t0;
  int label = print_top3(what, proba);

  ex_result res;
  ex_result_init(&res);
  ex_result_str(&res, "model", fmnist_model_family(m));
  ex_result_double(&res, "accuracy", truth < 0 ? NAN : (double)(label == truth));
  ex_result_double(&res, "macro_f1", NAN);
  ex_result_int(&res, "label", label);
  ex_result_str(&res, "class", fmnist_class_name(label));
  ex_result_double(&res, "probability", proba[label]);
  ex_result_double(&res, "predict_s", predict_s);
  ex_result_print(&res);
  fmnist_model_free(m);
  return 0;
}
