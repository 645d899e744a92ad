/* The run of the neural-network examples (nn_dense, cnn_single, cnn_three,
 * cnn_final, cnn_best): train one net on the report's 50k split, print the
 * per-epoch figures (Figure 2) as they come, write them as CSV and a PNG
 * plot into --out DIR (<name>_history.csv, <name>_curves.png), evaluate on
 * the validation and official test sets (Figure 3) and print the RESULT
 * line. */
#ifndef FMNIST_KIT_NN_RUN_H
#define FMNIST_KIT_NN_RUN_H

#include "kit/data.h"
#include "kit/flags.h"
#include "kit/net_options.h"

/* Flags of every net example beyond kit_common. */
typedef struct kit_nn_flags {
  kit_net_options net; /* kit_net_defaults() unless the program says otherwise */
  const char *diagram; /* --diagram FILE, or NULL */
} kit_nn_flags;

#define KIT_NN_FLAGS(f)                                                                        \
  KIT_NET_FLAGS((f).net),                                                                      \
      {"diagram", KIT_STRING, &(f).diagram, "draw the net into FILE .dot/.svg/.png (Graphviz)"}

typedef struct kit_nn_summary {
  double accuracy, macro_f1, peak_val, last_val, fit_s, epoch_s, predict_s;
  size_t peak_epoch, epochs;
} kit_nn_summary;

/* Trains f->net.layers, else `layers`, as model `name`, prints everything,
 * fills *s. */
void kit_nn_run(const char *name, const char *layers, const kit_common *c, const kit_nn_flags *f,
                const kit_data *d, kit_nn_summary *s);

#endif
