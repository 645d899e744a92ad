/* The forest family's ONNX graph: the raw pixels as floats into one
 * ai.onnx.ml TreeEnsembleClassifier that holds every tree, then Div by
 * the number of trees.
 *
 * The trees go over node for node: an internal node is BRANCH_LEQ on its
 * pixel with its 8-bit threshold as a float (pixel <= threshold: the
 * "true" child, forest.c's left; exact, as both are whole numbers below
 * 2^24), a leaf carries the library's own class fractions (only the
 * non-zero ones). The operator adds a leaf's fractions over the trees and
 * Div makes their mean, forest.c's probabilities. */
#include "models/forest.h"
#include "models/onnx.h"

/* The per-node lists of the operator, in the order of the trees and of
 * each tree's nodes (ids: indices in its tree). */
typedef enum { NODE_TREE, NODE_ID, NODE_FEATURE, NODE_VALUE, NODE_MODE, NODE_TRUE,
               NODE_FALSE } node_field;

static void node_list(fmnist__onnx *g, const fmnist__forest_state *st, const char *name,
                      node_field f) {
  const fmnist__onnx_list_type type = f == NODE_VALUE  ? FMNIST__ONNX_FLOATS
                                      : f == NODE_MODE ? FMNIST__ONNX_STRINGS
                                                       : FMNIST__ONNX_INTS;
  fmnist__onnx_list l = fmnist__onnx_list_begin(g, name, type);
  for (size_t t = 0; t < st->n_trees; t++)
    for (size_t i = 0; i < st->trees[t].n_nodes; i++) {
      const fmnist__tree_node *nd = &st->trees[t].nodes[i];
      const int leaf = nd->leaf; /* a leaf's branch fields are 0 */
      switch (f) {
      case NODE_TREE: fmnist__onnx_list_int(g, (int64_t)t); break;
      case NODE_ID: fmnist__onnx_list_int(g, (int64_t)i); break;
      case NODE_FEATURE: fmnist__onnx_list_int(g, leaf ? 0 : nd->feature); break;
      case NODE_VALUE: fmnist__onnx_list_float(g, leaf ? 0.0f : (float)nd->threshold); break;
      case NODE_MODE: fmnist__onnx_list_string(g, leaf ? "LEAF" : "BRANCH_LEQ"); break;
      case NODE_TRUE: fmnist__onnx_list_int(g, leaf ? 0 : nd->left); break;
      case NODE_FALSE: fmnist__onnx_list_int(g, leaf ? 0 : nd->right); break;
      }
    }
  fmnist__onnx_list_end(g, l);
}

/* The per-class-weight lists: one entry per leaf and class with a
 * non-zero fraction. */
typedef enum { CLASS_TREE, CLASS_NODE, CLASS_ID, CLASS_WEIGHT } class_field;

static void class_list(fmnist__onnx *g, const fmnist__forest_state *st, const char *name,
                       class_field f) {
  fmnist__onnx_list l = fmnist__onnx_list_begin(
      g, name, f == CLASS_WEIGHT ? FMNIST__ONNX_FLOATS : FMNIST__ONNX_INTS);
  for (size_t t = 0; t < st->n_trees; t++) {
    const fmnist__tree *tr = &st->trees[t];
    for (size_t i = 0; i < tr->n_nodes; i++) {
      if (!tr->nodes[i].leaf) continue;
      const float *v = tr->values + (size_t)tr->nodes[i].right * FMNIST_CLASSES;
      for (int c = 0; c < FMNIST_CLASSES; c++) {
        if (v[c] == 0) continue;
        switch (f) {
        case CLASS_TREE: fmnist__onnx_list_int(g, (int64_t)t); break;
        case CLASS_NODE: fmnist__onnx_list_int(g, (int64_t)i); break;
        case CLASS_ID: fmnist__onnx_list_int(g, c); break;
        case CLASS_WEIGHT: fmnist__onnx_list_float(g, v[c]); break;
        }
      }
    }
  }
  fmnist__onnx_list_end(g, l);
}

fmnist_status fmnist__forest_export_onnx(const fmnist_model *m, fmnist__onnx *g) {
  const fmnist__forest_state *st = m->state;
  char pixels[FMNIST__ONNX_NAME];
  fmnist__onnx_pixels(g, pixels);
  const char *in = pixels, *out[2] = {"forest_label", "votes"};
  size_t node =
      fmnist__onnx_node_begin(g, "TreeEnsembleClassifier", FMNIST__ONNX_ML, &in, 1, out, 2);
  int64_t classes[FMNIST_CLASSES];
  for (int c = 0; c < FMNIST_CLASSES; c++) classes[c] = c;
  fmnist__onnx_attr_ints(g, "classlabels_int64s", classes, FMNIST_CLASSES);
  node_list(g, st, "nodes_treeids", NODE_TREE);
  node_list(g, st, "nodes_nodeids", NODE_ID);
  node_list(g, st, "nodes_featureids", NODE_FEATURE);
  node_list(g, st, "nodes_values", NODE_VALUE);
  node_list(g, st, "nodes_modes", NODE_MODE);
  node_list(g, st, "nodes_truenodeids", NODE_TRUE);
  node_list(g, st, "nodes_falsenodeids", NODE_FALSE);
  class_list(g, st, "class_treeids", CLASS_TREE);
  class_list(g, st, "class_nodeids", CLASS_NODE);
  class_list(g, st, "class_ids", CLASS_ID);
  class_list(g, st, "class_weights", CLASS_WEIGHT);
  fmnist__onnx_attr_string(g, "post_transform", "NONE");
  fmnist__onnx_node_end(g, node);
  const float trees = (float)st->n_trees;
  fmnist__onnx_init_f32(g, "trees", NULL, 0, &trees);
  const char *div[2] = {"votes", "trees"};
  fmnist__onnx_node(g, "Div", div, 2, FMNIST__ONNX_PROBA);
  fmnist__onnx_end_proba(g);
  return FMNIST_OK;
}
