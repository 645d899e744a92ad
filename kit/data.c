/* The data of a program (see data.h). */
#include "kit/data.h"

#include <stdlib.h>

#include "kit/check.h"

fmnist_dataset *kit_first(const fmnist_dataset *ds, size_t n) {
  fmnist_dataset *part;
  if (n > fmnist_dataset_count(ds)) n = fmnist_dataset_count(ds);
  size_t *idx = kit_alloc(n, sizeof *idx);
  for (size_t i = 0; i < n; i++) idx[i] = i;
  kit_check(fmnist_dataset_subset(ds, idx, n, &part));
  free(idx);
  return part;
}

fmnist_dataset *kit_load_set(const kit_common *c, fmnist_set set) {
  fmnist_dataset *ds = NULL;
  kit_check(fmnist_dataset_load(c->data, set, &ds));
  if (c->limit == 0 || c->limit >= fmnist_dataset_count(ds)) return ds;
  fmnist_dataset *part = kit_first(ds, c->limit);
  fmnist_dataset_free(ds);
  return part;
}

void kit_load_protocol(const kit_common *c, kit_data *d) {
  fmnist_dataset *full = kit_load_set(c, FMNIST_SET_TRAIN);
  /* 50000 of 60000: the report's ratio, kept under --limit. */
  size_t first = fmnist_dataset_count(full) * 5 / 6;
  kit_check(fmnist_dataset_split(full, first, 1, c->seed, &d->train, &d->valid));
  fmnist_dataset_free(full);
  d->test = kit_load_set(c, FMNIST_SET_TEST);
}

void kit_data_free(kit_data *d) {
  fmnist_dataset_free(d->train);
  fmnist_dataset_free(d->valid);
  fmnist_dataset_free(d->test);
  d->train = d->valid = d->test = NULL;
}
