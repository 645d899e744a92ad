/* A net's options as flags (see net_options.h). */
#include "kit/net_options.h"

#include <stdlib.h>

#include "kit/check.h"

/* The value of a fresh net's option key, as a number. */
static double library_default(const fmnist_model *m, const char *key) {
  char text[64];
  kit_check(fmnist_model_get(m, key, text, sizeof text));
  return strtod(text, NULL);
}

kit_net_options kit_net_defaults(void) {
  fmnist_model *m;
  kit_check(fmnist_model_create("net", &m));
  kit_net_options o = {.epochs = (size_t)library_default(m, "epochs"),
                       .batch = (size_t)library_default(m, "batch"),
                       .lr = library_default(m, "lr"),
                       .eps = library_default(m, "eps")};
  fmnist_model_free(m);
  return o;
}

fmnist_model *kit_net_create(const char *layers, const kit_common *c, const kit_net_options *o) {
  fmnist_model *m;
  kit_check(fmnist_model_create("net", &m));
  kit_check(fmnist_model_set(m, "layers", o->layers ? o->layers : layers));
  kit_set(m, "seed", "%llu", (unsigned long long)c->seed);
  kit_set(m, "threads", "%zu", c->threads);
  kit_set(m, "epochs", "%zu", o->epochs);
  kit_set(m, "batch", "%zu", o->batch);
  kit_set(m, "lr", "%.17g", o->lr);
  kit_set(m, "eps", "%.17g", o->eps);
  if (o->lr_schedule) kit_check(fmnist_model_set(m, "lr_schedule", o->lr_schedule));
  if (o->standardize) kit_check(fmnist_model_set(m, "standardize", o->standardize));
  if (o->init) kit_check(fmnist_model_set(m, "init", o->init));
  if (o->conv_algorithm) kit_check(fmnist_model_set(m, "conv_algorithm", o->conv_algorithm));
  if (o->augment) kit_check(fmnist_model_set(m, "augment", o->augment));
  return m;
}
