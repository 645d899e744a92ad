/* The conv layer's Winograd weights, as the net sees them (nn/net_spec.c
 * gives them room and refreshes them): their floats (0: the path does not
 * apply to the layer), whether conv_algorithm "auto" takes the path for it
 * (fmnist__winograd_pays), and their refresh from l->w, needed whenever
 * l->w has changed before an inference pass (a training pass refreshes
 * them itself). */
#ifndef FMNIST_SRC_NN_LAYER_CONV_H
#define FMNIST_SRC_NN_LAYER_CONV_H

#include <stddef.h>

#include "nn/layer.h"

size_t fmnist__conv_winograd_floats(const fmnist__layer *l);
int fmnist__conv_winograd_pays(const fmnist__layer *l);
void fmnist__conv_winograd_prepare(fmnist__layer *l);

#endif
