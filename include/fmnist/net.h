/* libfmnist neural networks: layers of the "net" model family.
 *
 * A net is a list of layers applied to the standardized 1x28x28 image. It
 * may be described by one call per layer or by the text of the "layers"
 * option; both write the same spec, tokens separated by spaces:
 *   noise:STD                 Gaussian input noise (training only)
 *   conv:FILTERS:K[:S[:PAD]]  conv2d, KxK kernel, stride S (1), PAD same|valid
 *                             (same)
 *   pool:P                    max-pool PxP, stride P
 *   bn[:MOMENTUM[:EPS]]       batch normalization; running statistics
 *                             follow m = MOMENTUM m + (1 - MOMENTUM) batch;
 *                             default bn:0.99:0.001 (Keras's), bn:0.9:1e-5 is
 *                             PyTorch's
 *   drop:RATE                 inverted dropout (training only)
 *   relu | tanh | sigmoid     activation
 *   flatten                   (optional: dense flattens its input)
 *   dense:UNITS               fully connected
 *   res( LAYERS )             a residual block: the output of LAYERS plus
 *                             the block's input (the skip). Where LAYERS
 *                             change the shape (channels, or the plane by a
 *                             stride or a pool) the skip is a projection: a
 *                             1x1 convolution of the stride that gives the
 *                             output's plane, then a batch norm with the
 *                             settings of the block's last bn (none if the
 *                             block has no bn), as ResNet's option B; its
 *                             parameters are the net's like any layer's.
 *                             "res(" and ")" are tokens of their own,
 *                             between spaces; blocks do not nest, are not
 *                             empty, and cannot flatten a plane (a block
 *                             after a flatten may hold dense layers); an
 *                             output whose plane no stride gives (28x28
 *                             pooled to 9x9) cannot be added: an error
 *                             naming the ')'.
 * The last layer must be dense:10 (checked by fit, since layers are added
 * one at a time); softmax and cross-entropy are fused in the loss. Example (the report's final CNN):
 *   "noise:0.1 conv:32:3 bn relu pool:2 drop:0.3 conv:64:3 bn relu pool:2
 *    drop:0.3 conv:128:3 bn relu pool:2 drop:0.3 conv:128:3 relu flatten
 *    dense:128 relu drop:0.3 dense:10"
 * and a ResNet-style net (an identity block, then two that halve the plane
 * and double the channels, with projections), relu after each sum:
 *   "conv:32:3 bn relu res( conv:32:3 bn relu conv:32:3 bn ) relu
 *    res( conv:64:3:2 bn relu conv:64:3 bn ) relu
 *    res( conv:128:3:2 bn relu conv:128:3 bn ) relu pool:7 dense:10"
 */
#ifndef FMNIST_NET_H
#define FMNIST_NET_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Activation functions of fmnist_net_add_activation. */
typedef enum fmnist_activation {
  FMNIST_ACTIVATION_RELU = 0,
  FMNIST_ACTIVATION_TANH = 1,
  FMNIST_ACTIVATION_SIGMOID = 2,
  /* The names before 1.1, kept for existing programs. */
  FMNIST_RELU = FMNIST_ACTIVATION_RELU,      /* = FMNIST_ACTIVATION_RELU */
  FMNIST_TANH = FMNIST_ACTIVATION_TANH,      /* = FMNIST_ACTIVATION_TANH */
  FMNIST_SIGMOID = FMNIST_ACTIVATION_SIGMOID /* = FMNIST_ACTIVATION_SIGMOID */
} fmnist_activation;

/* Each fmnist_net_add_* appends one layer to a "net" model, as the same
 * token appended to its "layers" option would (another family:
 * FMNIST_E_INVALID; bad numbers or a shape that does not fit the layers
 * before: FMNIST_E_OPTION, nothing appended). The model becomes unfitted. */

/* dense:UNITS — fully connected; flattens its input. */
FMNIST_API fmnist_status fmnist_net_add_dense(fmnist_model *m, size_t units);
/* conv:FILTERS:KERNEL:STRIDE:same|valid — filters of kernel x kernel,
 * moved by stride; same_padding != 0 pads so that stride 1 keeps the size. */
FMNIST_API fmnist_status fmnist_net_add_conv(fmnist_model *m, size_t filters,
                                             size_t kernel, size_t stride,
                                             int same_padding);
/* pool:SIZE — max over size x size windows, stride size. */
FMNIST_API fmnist_status fmnist_net_add_maxpool(fmnist_model *m, size_t size);
/* bn — batch normalization per channel (batch statistics in training,
 * running statistics in inference). */
FMNIST_API fmnist_status fmnist_net_add_batchnorm(fmnist_model *m);
/* drop:RATE — inverted dropout of a fraction rate in [0, 1) (training
 * only). */
FMNIST_API fmnist_status fmnist_net_add_dropout(fmnist_model *m, double rate);
/* noise:STD — additive Gaussian noise on the standardized input (training
 * only). */
FMNIST_API fmnist_status fmnist_net_add_noise(fmnist_model *m, double std);
/* relu | tanh | sigmoid. */
FMNIST_API fmnist_status fmnist_net_add_activation(fmnist_model *m,
                                                   fmnist_activation act);
/* Appends the layers of a spec; on error (FMNIST_E_OPTION, the message names
 * the bad token and its position) nothing is appended. A residual block is
 * appended whole ("res( ... )" in one call): the option always holds a spec
 * that builds. */
FMNIST_API fmnist_status fmnist_net_add_spec(fmnist_model *m,
                                             const char *spec);

/* The layers of a net model as its "layers" option builds them, fitted or
 * not (a flatten the net inserts before a dense layer on a spatial input
 * is a layer too; a residual block is its "res(" layer, its layers and its
 * "add" layer): their number (0 for no layers). Another family:
 * FMNIST_E_INVALID. */
FMNIST_API fmnist_status fmnist_net_layer_count(const fmnist_model *m,
                                                size_t *count);
/* Layer i of them: its kind as in specs ("conv", "bn", "flatten", ...; a
 * static string), its output shape per image (channels, height, width: a
 * dense layer's is UNITS x 1 x 1), its trained parameters (weights and
 * biases; bn: scale and shift, its running statistics not counted, as in
 * Keras's trainable and PyTorch's parameters()), and the floating-point
 * operations of one image's inference pass through it (a multiply and an
 * add count as two: 2 per weight use in conv and dense, 2 per value in
 * bn, 1 per value in an activation, P*P - 1 per output of pool:P; noise,
 * dropout and flatten none). A residual block's "res(" has the shape of
 * the block's input, no parameters and no FLOPs; its "add" the block's
 * output shape, 1 FLOP per value, and, where the block's skip is a
 * projection, that 1x1 convolution's and its bn's parameters and FLOPs.
 * Output pointers may be NULL. i out of range: FMNIST_E_INVALID. */
FMNIST_API fmnist_status fmnist_net_layer(const fmnist_model *m, size_t i,
                                          const char **kind, size_t shape[3],
                                          size_t *params, uint64_t *flops);

/* The trained parameters of a fitted net, in layer order (each layer's
 * weights, then its biases; bn: scale, then shift; a residual block's
 * projection after the block's layers), as a flat float
 * vector: *count gets their number, and if buf is not NULL they are
 * copied into buf (len floats; fewer than *count: FMNIST_E_BUFFER). An
 * unfitted model: FMNIST_E_STATE; another family: FMNIST_E_INVALID. Since
 * 1.1. */
FMNIST_API fmnist_status fmnist_net_parameters(const fmnist_model *m,
                                               float *buf, size_t len,
                                               size_t *count);

/* Data-parallel training: several processes (or threads) train one net
 * together, each on its share of every mini-batch.
 *
 * A sum function adds len floats of buf in place over every member of the
 * group, so that each member ends with the same total (an all-reduce, as
 * MPI_Allreduce with MPI_SUM; libfmnist_mpi provides one over an
 * MPI_Comm). It returns FMNIST_OK, or an error that ends the fit with that
 * status. */
typedef fmnist_status (*fmnist_allreduce_fn)(void *user, float *buf,
                                             size_t len);

/* Makes the following fits of a "net" model the share of member `rank` of
 * a group of `ranks` (ranks = 1, sum NULL: one process again, the
 * default). Every member fits the same options on the same data; each
 * global mini-batch of `batch` images is split in contiguous shares, the
 * gradients of a step are summed with one call of sum over one buffer
 * (the parameters' gradients, then the loss, the correct count and two
 * stop flags), batch normalization sums its batch statistics over the
 * group (synchronised batch norm), and every member applies the same
 * update, so the weights stay the same on every member and the result is
 * one process's up to the order of float sums. Dropout, noise and
 * augmentation draw as one process would for each image.
 *
 * Every member calls sum the same number of times with the same len. A
 * fit first checks with it that the members agree on the data sizes,
 * batch, epochs and parameter count (else FMNIST_E_INVALID on every
 * member). A member that fails or is cancelled during the fit raises a
 * flag in the next sum: then every member stops at the same step, that
 * member with its own status and the others with FMNIST_E_PEER. Not
 * saved with the model and not copied by fmnist_model_clone_config.
 * Another family: FMNIST_E_INVALID; rank >= ranks, or ranks > 1 without
 * sum: FMNIST_E_INVALID. Since 1.1. */
FMNIST_API fmnist_status fmnist_net_set_data_parallel(fmnist_model *m,
                                                      size_t rank,
                                                      size_t ranks,
                                                      fmnist_allreduce_fn sum,
                                                      void *user);

#ifdef __cplusplus
}
#endif
#endif
