/* The "net" family's internals: its config, spec parsing, the built
 * network, and the family's verbs by room: the table, options and
 * save/load (net.c), inference (net_infer.c), training (net_train.c, its
 * passes over the layers in net_pass.c, the data-parallel group in
 * group.c and the optimizer in optimizer.c).
 *
 * A net is built from the "layers" spec: each token becomes a layer (a
 * flatten is inserted before a dense layer whose input is not flat). A
 * residual block "res( A B ... )" becomes, in the one array of layers,
 *   res(  A B ...  [conv:F:1:S bn]  add
 * the layers of its branch, then, where the branch changes the shape, its
 * skip path: a 1x1 convolution and a bn like the branch's last (none if
 * the branch has no bn), marked `skip`; each layer's `from` says what it
 * reads (the branch's first layer and the projection read the block's
 * input) and the add's `add_from` its second term. Every layer's
 * parameters live in one array (w then b per layer) so that the optimiser
 * and save/load see a flat vector, and batch-norm running statistics live
 * in a second array. */
#ifndef FMNIST_SRC_NN_NET_IMPL_H
#define FMNIST_SRC_NN_NET_IMPL_H

#include <stddef.h>

#include "fmnist/net.h"
#include "models/model_impl.h"
#include "nn/layer.h"

/* The setting of fmnist_net_set_data_parallel (nn/group.c): member rank
 * of ranks, the sum over the group. All zero (a fresh, cloned or loaded
 * model) or ranks 1: one process. */
typedef struct fmnist__group_config {
  size_t rank, ranks;
  fmnist_allreduce_fn sum;
  void *user;
} fmnist__group_config;

typedef struct fmnist__net_config {
  char *layers; /* spec text (net.h grammar) */
  char *augment; /* transform spec applied to every training batch ("": none) */
  size_t epochs, batch;
  double lr, beta1, beta2, eps, weight_decay;
  int optimizer;      /* index in fmnist__optimizers (nn/optimizer.h) */
  double momentum;    /* sgd's */
  size_t nesterov;    /* sgd's: 1 Nesterov momentum, 0 plain */
  int init; /* 0 he, 1 glorot */
  int lr_schedule; /* index in fmnist__lr_schedules (nn/optimizer.h) */
  double warmup;      /* fraction of the fit's steps that warm the rate up */
  double label_smoothing; /* e of the loss's target (1 - e) onehot + e/10 */
  double ema_decay;   /* of the averaged weights (nn/average.h); 0: none */
  int conv_algorithm; /* fmnist__conv_algorithm */
  /* Not an option: fmnist_net_set_data_parallel sets it; so neither
   * clone_config nor save copies it (zero: alone). */
  fmnist__group_config group;
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

/* A summed loss and correct count: of a step's batch, or of the
 * validation set (or a member's share of either). */
typedef struct fmnist__tally {
  double loss;
  size_t correct;
} fmnist__tally;

/* The family's fit and proba (fmnist__family), in their rooms. */
fmnist_status fmnist__net_fit(fmnist_model *m, const fmnist_dataset *train,
                              const fmnist_dataset *valid);
fmnist_status fmnist__net_proba(const fmnist_model *m, const uint8_t *images, size_t n,
                                float *out);

/* The family's ONNX graph (net_onnx.c, models/onnx.h). */
fmnist_status fmnist__net_export_onnx(const fmnist_model *m, struct fmnist__onnx *g);

#endif
