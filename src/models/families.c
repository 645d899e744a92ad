/* The registry of model families. A new family adds one line here. */
#include "models/families.h"

#include <stdio.h>
#include <string.h>

/* NULL-terminated. */
static const fmnist__family *const families[] = {
    &fmnist__logreg_family,
    &fmnist__knn_family,
    &fmnist__forest_family,
    &fmnist__net_family,
    NULL,
};

const fmnist__family *fmnist__family_by_name(const char *name) {
  for (size_t i = 0; families[i]; i++)
    if (strcmp(families[i]->name, name) == 0) return families[i];
  return NULL;
}

const fmnist__family *fmnist__family_by_id(uint32_t id) {
  for (size_t i = 0; families[i]; i++)
    if (families[i]->id == id) return families[i];
  return NULL;
}

void fmnist__family_names(char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; families[i] && used < len; i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i ? "|" : "", families[i]->name);
    if (w > 0) used += (size_t)w;
  }
}
