/* The data of a program: an official set under --data and --limit, and
 * the report's protocol. */
#ifndef FMNIST_KIT_DATA_H
#define FMNIST_KIT_DATA_H

#include <fmnist.h>

#include "kit/flags.h"

/* The report's protocol: the official train set split stratified (seed)
 * 50000/10000 into train and valid, and the official test set. With
 * --limit N only the first N images of each official set are used (the
 * split keeps the 5:1 ratio). Exits 1 with a message on failure. */
typedef struct kit_data {
  fmnist_dataset *train, *valid, *test;
} kit_data;
void kit_load_protocol(const kit_common *c, kit_data *d);
void kit_data_free(kit_data *d);
/* One official set (honouring --data and --limit); exits 1 on error. */
fmnist_dataset *kit_load_set(const kit_common *c, fmnist_set set);
/* The first n images of ds (all of them if it has no more), a new set. */
fmnist_dataset *kit_first(const fmnist_dataset *ds, size_t n);

#endif
