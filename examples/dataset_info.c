/* dataset_info: loads the official train and test sets, prints their sizes
 * and per-class counts, and times the load. No model. */
#include <math.h>
#include <stdio.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/data.h"
#include "kit/result.h"

static void print_counts(const char *title, const fmnist_dataset *ds) {
  size_t counts[FMNIST_CLASSES];
  kit_check(fmnist_dataset_class_counts(ds, counts));
  printf("%s: %zu images\n", title, fmnist_dataset_count(ds));
  printf("  %-13s %5s %7s %7s\n", "Class", "Label", "Count", "Share");
  for (int c = 0; c < FMNIST_CLASSES; c++)
    printf("  %-13s %5d %7zu %6.1f%%\n", fmnist_class_name(c), c, counts[c],
           fmnist_dataset_count(ds)
               ? 100.0 * (double)counts[c] / (double)fmnist_dataset_count(ds)
               : 0.0);
}

int main(int argc, char **argv) {
  kit_common opt;
  int split = 0;
  const kit_flag extra[] = {
      {"split", KIT_BOOL, &split,
       "also show the report's 50000/10000 train/valid split"},
  };
  kit_parse_example(argc, argv,
                    "Loads Fashion-MNIST and prints the size and class balance of each set.", extra,
                    KIT_LEN(extra), &opt);

  double t0 = kit_now();
  fmnist_dataset *train = kit_load_set(&opt, FMNIST_SET_TRAIN);
  fmnist_dataset *test = kit_load_set(&opt, FMNIST_SET_TEST);
  double load_s = kit_now() - t0;

  printf("data directory: %s\n",
         opt.data ? opt.data : fmnist_default_data_dir());
  print_counts("official train set", train);
  print_counts("official test set", test);
  if (split) {
    kit_data d;
    kit_load_protocol(&opt, &d);
    print_counts("train part (stratified split)", d.train);
    print_counts("validation part", d.valid);
    kit_data_free(&d);
  }
  printf("load time: %.3f s\n", load_s);

  kit_result r;
  kit_result_init(&r);
  kit_result_str(&r, "model", "none");
  kit_result_double(&r, "accuracy", NAN);
  kit_result_double(&r, "macro_f1", NAN);
  kit_result_double(&r, "load_s", load_s);
  kit_result_int(&r, "train_count", (long long)fmnist_dataset_count(train));
  kit_result_int(&r, "test_count", (long long)fmnist_dataset_count(test));
  kit_result_print(&r);
  fmnist_dataset_free(train);
  fmnist_dataset_free(test);
  return 0;
}
