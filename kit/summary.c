/* Summary table and Graphviz diagram of a net (see summary.h). */
#include "kit/summary.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/check.h"

void kit_net_summary(const fmnist_model *m) {
  size_t n, total = 0;
  uint64_t flops_total = 0;
  kit_check(fmnist_net_layer_count(m, &n));
  printf("%-4s %-8s %16s %10s %10s\n", "#", "layer", "output shape", "params", "MFLOPs");
  for (size_t i = 0; i < n; i++) {
    const char *kind;
    size_t shape[3], params;
    uint64_t flops;
    char dims[48];
    kit_check(fmnist_net_layer(m, i, &kind, shape, &params, &flops));
    snprintf(dims, sizeof dims, "%zu x %zu x %zu", shape[0], shape[1], shape[2]);
    printf("%-4zu %-8s %16s %10zu %10.3f\n", i + 1, kind, dims, params, (double)flops * 1e-6);
    total += params;
    flops_total += flops;
  }
  printf("total: %zu layers, %zu trained parameters (%.2f MB as float32), %.2f MFLOPs per "
         "image (inference)\n\n",
         n, total, (double)total * 4e-6, (double)flops_total * 1e-6);
}

/* Boxes per row of the diagram. */
#define DIAGRAM_ROW 6

/* Fill colour of a kind's box (Keras-like groups: weights, normalisation,
 * shape, regularisation). */
static const char *colour_of(const char *kind) {
  static const struct {
    const char *kind, *colour;
  } colours[] = {{"conv", "#9ecae1"}, {"dense", "#fdae6b"}, {"bn", "#c7e9c0"},
                 {"pool", "#dadaeb"}, {"flatten", "#dadaeb"}, {"drop", "#f0f0f0"},
                 {"noise", "#f0f0f0"}, {"res(", "#fee391"}, {"add", "#fee391"}};
  for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++)
    if (strcmp(colours[i].kind, kind) == 0) return colours[i].colour;
  return "#ffffff"; /* activations */
}

int kit_net_diagram(const fmnist_model *m, const char *path) {
  char base[1024], file[1100], cmd[2400];
  snprintf(base, sizeof base, "%s", path);
  const char *endings[] = {".svg", ".png", ".dot"};
  size_t len = strlen(base);
  for (size_t i = 0; i < 3; i++)
    if (len > 4 && strcmp(base + len - 4, endings[i]) == 0) base[len - 4] = '\0';
  snprintf(file, sizeof file, "%s.dot", base);
  FILE *f = fopen(file, "w");
  if (!f) {
    perror(file);
    return 0;
  }
  size_t n;
  kit_check(fmnist_net_layer_count(m, &n));
  fprintf(f, "digraph net {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", "
             "fontname=\"Helvetica\", fontsize=11];\n  edge [arrowsize=0.6];\n");
  fprintf(f, "  input [label=\"input\\n1 x 28 x 28\", fillcolor=\"#ffffff\"];\n");
  size_t block = 0; /* the open residual block's res( node */
  for (size_t i = 0; i < n; i++) {
    const char *kind;
    size_t shape[3], params;
    kit_check(fmnist_net_layer(m, i, &kind, shape, &params, NULL));
    fprintf(f, "  l%zu [label=\"%s\\n%zu x %zu x %zu", i, kind, shape[0], shape[1], shape[2]);
    if (params) fprintf(f, "\\n%zu parameters", params);
    fprintf(f, "\", fillcolor=\"%s\"];\n", colour_of(kind));
    /* A block's skip: from its res( (the block's input) to its add, the
     * identity or, with parameters, the 1x1 projection and its bn. */
    if (strcmp(kind, "res(") == 0) block = i;
    if (strcmp(kind, "add") == 0)
      fprintf(f,
              "  l%zu -> l%zu [style=dashed, constraint=false, label=\"%s\", "
              "fontname=\"Helvetica\", fontsize=9];\n",
              block, i, params ? "1x1 conv" : "skip");
    /* Node k = i + 1 (input is 0); an edge into a row's first box does
     * not rank it, an invisible one from the row above's first box does. */
    const size_t k = i + 1;
    const char *wrap = k % DIAGRAM_ROW == 0 ? " [constraint=false]" : "";
    if (i == 0) fprintf(f, "  input -> l0;\n");
    else fprintf(f, "  l%zu -> l%zu%s;\n", i - 1, i, wrap);
    if (k % DIAGRAM_ROW == 0) {
      if (k == DIAGRAM_ROW) fprintf(f, "  input -> l%zu [style=invis];\n", i);
      else fprintf(f, "  l%zu -> l%zu [style=invis];\n", i - DIAGRAM_ROW, i);
    }
  }
  /* Rows of DIAGRAM_ROW boxes, read left to right and down, so that a
   * deep net stays a readable page rather than one tall column. */
  for (size_t r = 0; r * DIAGRAM_ROW < n + 1; r++) {
    fprintf(f, "  { rank=same;");
    for (size_t k = r * DIAGRAM_ROW; k < (r + 1) * DIAGRAM_ROW && k < n + 1; k++)
      k == 0 ? fprintf(f, " input;") : fprintf(f, " l%zu;", k - 1);
    fprintf(f, " }\n");
  }
  fprintf(f, "}\n");
  if (fclose(f) != 0) {
    perror(file);
    return 0;
  }
  if (system("command -v dot >/dev/null 2>&1") != 0) {
    fprintf(stderr, "note: Graphviz is not installed; wrote %s only (apt-get install graphviz "
                    "for the SVG and PNG)\n", file);
    return 0;
  }
  snprintf(cmd, sizeof cmd, "dot -Tsvg -o '%s.svg' '%s' && dot -Tpng -Gdpi=110 -o '%s.png' '%s'",
           base, file, base, file);
  int ok = system(cmd) == 0;
  if (ok) printf("diagram of the net: %s.svg, %s.png (Graphviz source %s)\n\n", base, base, file);
  else fprintf(stderr, "note: dot failed to draw %s\n", file);
  return ok;
}
