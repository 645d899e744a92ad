/* A net's layers as a Keras-style summary table and as a Graphviz diagram
 * (the report's Figure 1), from fmnist_net_layer. Public API only. */
#ifndef FMNIST_KIT_SUMMARY_H
#define FMNIST_KIT_SUMMARY_H

#include <fmnist.h>

/* Prints one row per layer (kind, output shape, parameters, MFLOPs of one
 * image's inference pass) and the totals. */
void kit_net_summary(const fmnist_model *m);

/* Writes the net as a Graphviz graph (a residual block's skip a dashed
 * edge from its res( to its add): BASE.dot, and with Graphviz's dot
 * BASE.svg and BASE.png, where BASE is path without a .svg, .png or .dot
 * ending; says where on stdout. Returns 1 if the pictures were drawn (a
 * note on stderr if not). */
int kit_net_diagram(const fmnist_model *m, const char *path);

#endif
