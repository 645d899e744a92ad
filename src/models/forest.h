/* Internals of the forest family shared by its files: the fitted trees
 * (forest.c grows, predicts, saves and loads them; forest_onnx.c exports
 * them). */
#ifndef FMNIST_SRC_MODELS_FOREST_H
#define FMNIST_SRC_MODELS_FOREST_H

#include <stddef.h>
#include <stdint.h>

#include "fmnist/base.h"

struct fmnist_model;
struct fmnist__onnx;

/* One node of a flat tree. Internal: pixel `feature` <= threshold goes to
 * `left`, else `right` (both indices greater than the node's own, which is
 * what makes a loaded tree safe to walk). Leaf: `right` indexes the tree's
 * values (10 class fractions per leaf). */
typedef struct fmnist__tree_node {
  uint32_t left, right;
  uint16_t feature;
  uint8_t threshold;
  uint8_t leaf;
} fmnist__tree_node;

typedef struct fmnist__tree {
  fmnist__tree_node *nodes;
  size_t n_nodes, cap_nodes;
  float *values; /* n_leaves x 10 */
  size_t n_leaves, cap_leaves;
} fmnist__tree;

/* A fitted forest: its probabilities are the mean over the trees of the
 * class fractions of the leaf each image reaches. */
typedef struct fmnist__forest_state {
  size_t n_trees;
  fmnist__tree *trees;
} fmnist__forest_state;

/* The family's ONNX graph (forest_onnx.c, models/onnx.h). */
fmnist_status fmnist__forest_export_onnx(const struct fmnist_model *m, struct fmnist__onnx *g);

#endif
