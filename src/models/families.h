/* The registry of model families, by name and by file id. */
#ifndef FMNIST_SRC_MODELS_FAMILIES_H
#define FMNIST_SRC_MODELS_FAMILIES_H

#include "models/model_impl.h"

const fmnist__family *fmnist__family_by_name(const char *name);
const fmnist__family *fmnist__family_by_id(uint32_t id);
/* "logreg|knn|..." into buf (len bytes), for messages. */
void fmnist__family_names(char *buf, size_t len);
/* "logreg, forest or net": the families with an ONNX export, for
 * messages. */
void fmnist__family_onnx_names(char *buf, size_t len);

#endif
