/* Shared body of the neural-network examples (nn_dense, cnn_single,
 * cnn_three, cnn_final): train one net on the report's 50k split, print the
 * per-epoch figures (Figure 2) as they come, write them as CSV and a PNG
 * plot into --out DIR (<name>_history.csv, <name>_curves.png), evaluate on the validation and official test sets (Figure 3) and
 * print the RESULT line. Public API only. */
#ifndef FMNIST_EXAMPLES_NN_RUN_H
#define FMNIST_EXAMPLES_NN_RUN_H

#include "common.h"

/* Flags of every net example beyond ex_common. */
typedef struct nn_flags {
  size_t epochs, batch;
  double lr, eps;
  const char *layers;  /* --layers SPEC overrides the architecture */
  const char *lr_schedule, *standardize, *init; /* NULL: the library's default */
  const char *conv_algorithm, *augment;         /* NULL: the library's default */
  const char *diagram;                          /* --diagram FILE, or NULL */
} nn_flags;

#define NN_FLAGS(f)                                                                               \
  {"epochs", EX_SIZE, &(f).epochs, "training epochs"},                                            \
      {"batch", EX_SIZE, &(f).batch, "mini-batch size"},                                          \
      {"lr", EX_DOUBLE, &(f).lr, "Adam learning rate"},                                           \
      {"eps", EX_DOUBLE, &(f).eps, "Adam epsilon (1e-7 as Keras; PyTorch's is 1e-8)"},            \
      {"layers", EX_STRING, &(f).layers, "layer spec overriding the architecture"},               \
      {"lr-schedule", EX_STRING, &(f).lr_schedule, "constant|cosine (none: constant)"},           \
      {"standardize", EX_STRING, &(f).standardize, "input scaling, pixel|global (none: pixel)"},  \
      {"init", EX_STRING, &(f).init, "weights, he|glorot (none: he)"},                          \
      {"conv-algorithm", EX_STRING, &(f).conv_algorithm, "3x3 convs: auto|im2col (none: auto)"}, \
      {"augment", EX_STRING, &(f).augment, "transform spec of every training batch (none)"},     \
      {"diagram", EX_STRING, &(f).diagram, "draw the net into FILE .dot/.svg/.png (Graphviz)"}

typedef struct nn_summary {
  double accuracy, macro_f1, peak_val, last_val, fit_s, epoch_s, predict_s;
  size_t peak_epoch, epochs;
} nn_summary;

/* Trains `layers` as model `name`, prints everything, fills *s. */
void nn_run(const char *name, const char *layers, const ex_common *c, const nn_flags *f,
            const ex_data *d, nn_summary *s);

#endif
