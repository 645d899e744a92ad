/* Install check: a program built only with `pkg-config --cflags --libs
 * fmnist` loads the training set and prints its size per class. */
#include <fmnist.h>
#include <stdio.h>

int main(int argc, char **argv) {
  fmnist_dataset *train;
  size_t counts[FMNIST_CLASSES];
  if (fmnist_dataset_load(argc > 1 ? argv[1] : NULL, FMNIST_SET_TRAIN, &train) != FMNIST_OK) {
    fprintf(stderr, "error: %s\n", fmnist_last_error());
    return 1;
  }
  fmnist_dataset_class_counts(train, counts);
  printf("libfmnist %s (C): %zu images\n", fmnist_version(), fmnist_dataset_count(train));
  for (int c = 0; c < FMNIST_CLASSES; c++) printf("  %-12s %zu\n", fmnist_class_name(c), counts[c]);
  fmnist_dataset_free(train);
  return 0;
}
