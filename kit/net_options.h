/* The options of a net that programs take as flags (the net examples all
 * of them, the net benchmarks a few), their defaults read from the
 * library, and the model they make. */
#ifndef FMNIST_KIT_NET_OPTIONS_H
#define FMNIST_KIT_NET_OPTIONS_H

#include <fmnist.h>

#include "kit/flags.h"

typedef struct kit_net_options {
  size_t epochs, batch;
  double lr, eps;
  const char *layers; /* --layers SPEC overrides the program's architecture */
  const char *lr_schedule, *standardize, *init; /* NULL: the library's default */
  const char *conv_algorithm, *augment;         /* NULL: the library's default */
} kit_net_options;

/* The library's defaults of a fresh net for epochs, batch, lr and eps
 * (the report's recipe: 20, 32, 0.001, 1e-7); NULL for the rest. */
kit_net_options kit_net_defaults(void);

/* The flags of kit_net_options, for a program's flag table. */
#define KIT_NET_FLAGS(o)                                                                        \
  {"epochs", KIT_SIZE, &(o).epochs, "training epochs"},                                         \
      {"batch", KIT_SIZE, &(o).batch, "mini-batch size"},                                       \
      {"lr", KIT_DOUBLE, &(o).lr, "Adam learning rate"},                                        \
      {"eps", KIT_DOUBLE, &(o).eps, "Adam epsilon (1e-7 as Keras; PyTorch's is 1e-8)"},         \
      {"layers", KIT_STRING, &(o).layers, "layer spec overriding the architecture"},            \
      {"lr-schedule", KIT_STRING, &(o).lr_schedule, "constant|cosine (none: constant)"},        \
      {"standardize", KIT_STRING, &(o).standardize, "input scaling, pixel|global (none: pixel)"}, \
      {"init", KIT_STRING, &(o).init, "weights, he|glorot (none: he)"},                         \
      {"conv-algorithm", KIT_STRING, &(o).conv_algorithm, "3x3 convs: auto|im2col (none: auto)"}, \
      {"augment", KIT_STRING, &(o).augment, "transform spec of every training batch (none)"}

/* A "net" model of o->layers, else of layers, with --seed, --threads and
 * the options of o; exits on error. */
fmnist_model *kit_net_create(const char *layers, const kit_common *c, const kit_net_options *o);

#endif
