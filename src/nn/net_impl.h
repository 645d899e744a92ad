/* The "net" family's internals: options, spec parsing, the built network.
 *
 * A net is built from the "layers" spec: each token becomes a layer (a
 * flatten is inserted before a dense layer whose input is not flat); every
 * layer's parameters live in one array (w then b per layer) so that the
 * optimiser and save/load see a flat vector, and batch-norm running
 * statistics live in a second array. */
#ifndef FMNIST_SRC_NN_NET_IMPL_H
#define FMNIST_SRC_NN_NET_IMPL_H

#include <stddef.h>

#include "models/model_impl.h"
#include "nn/layer.h"

typedef struct fmnist__net_config {
  char *layers; /* spec text (net.h grammar) */
  char *augment; /* transform spec applied to every training batch ("": none) */
  size_t epochs, batch;
  double lr, beta1, beta2, eps, weight_decay;
  int init; /* 0 he, 1 glorot */
  int lr_schedule; /* fmnist__lr_schedule */
  int conv_algorithm; /* fmnist__conv_algorithm */
} fmnist__net_config;

/* How the conv layers compute ("conv_algorithm"): Winograd where it
 * applies (3x3 same stride 1, >= 8 channels) and pays (planes of 4x4, 7x7
 * and more: fmnist__winograd_pays) and im2col elsewhere, or
 * im2col everywhere (its numerics exactly, and the reference). */
typedef enum { FMNIST__CONV_AUTO = 0, FMNIST__CONV_IM2COL = 1 } fmnist__conv_algorithm;

/* Largest network accepted (parameters), so a spec cannot ask for an
 * absurd allocation. */
#define FMNIST__NET_MAX_PARAMS ((size_t)1 << 26)

/* Parses a spec into *specs (fmnist__alloc'd, *n entries; NULL if empty)
 * and checks the shapes from the 1x28x28 input on. On error
 * (FMNIST_E_OPTION, the message names the token, its number and its
 * character position) nothing is returned. */
fmnist_status fmnist__net_parse(const char *text, fmnist__layer_spec **specs, size_t *n);
/* The "layers" option's check(): fmnist__net_parse without the result. */
fmnist_status fmnist__net_check_spec(const char *text);

typedef struct fmnist__net {
  size_t n_layers;
  fmnist__layer *layers;
  size_t n_params, n_stats;
  float *params, *stats;
  float *wino; /* the conv layers' Winograd weights (derived from params) */
} fmnist__net;

/* Builds the layers of specs (shapes, parameter offsets) and allocates the
 * parameter and statistics arrays (uninitialised), and the Winograd
 * weights of the conv layers it applies to if algorithm is AUTO. */
fmnist_status fmnist__net_build(const fmnist__layer_spec *specs, size_t n,
                                fmnist__conv_algorithm algorithm, fmnist__net **out);
void fmnist__net_free(fmnist__net *net);
/* Derives the inference-only state from the parameters (the Winograd
 * weights): after they change, before the next inference pass. */
void fmnist__net_prepare_inference(fmnist__net *net);

/* The family's ONNX graph (net_onnx.c, models/onnx.h). */
fmnist_status fmnist__net_export_onnx(const fmnist_model *m, struct fmnist__onnx *g);

#endif
