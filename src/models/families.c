/* The registry of model families. A new family adds one line here. */
#include "models/families.h"

#include <string.h>

#include "base/lexer.h"

/* NULL-terminated. */
static const fmnist__family *const families[] = {
    &fmnist__logreg_family,
    &fmnist__knn_family,
    &fmnist__forest_family,
    &fmnist__net_family,
    &fmnist__ensemble_family,
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
  const char *names[sizeof families / sizeof families[0]];
  size_t n = 0;
  for (; families[n]; n++) names[n] = families[n]->name;
  fmnist__lex_join(buf, len, names, n, "|", "|");
}

void fmnist__family_onnx_names(char *buf, size_t len) {
  const char *names[sizeof families / sizeof families[0]];
  size_t n = 0;
  for (size_t i = 0; families[i]; i++)
    if (families[i]->export_onnx) names[n++] = families[i]->name;
  fmnist__lex_join(buf, len, names, n, ", ", " or ");
}
