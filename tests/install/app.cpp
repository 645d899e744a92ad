// Install check from C++: the headers compile as C++ and link through
// pkg-config alone.
#include <fmnist.h>

#include <cstdio>
#include <memory>

int main(int argc, char **argv) {
  fmnist_dataset *raw = nullptr;
  if (fmnist_dataset_load(argc > 1 ? argv[1] : nullptr, FMNIST_SET_TRAIN, &raw) != FMNIST_OK) {
    std::fprintf(stderr, "error: %s\n", fmnist_last_error());
    return 1;
  }
  std::unique_ptr<fmnist_dataset, void (*)(fmnist_dataset *)> train(raw, fmnist_dataset_free);
  size_t counts[FMNIST_CLASSES];
  fmnist_dataset_class_counts(train.get(), counts);
  std::printf("libfmnist %s (C++): %zu images\n", fmnist_version(), fmnist_dataset_count(train.get()));
  for (int c = 0; c < FMNIST_CLASSES; c++) std::printf("  %-12s %zu\n", fmnist_class_name(c), counts[c]);
  return 0;
}
