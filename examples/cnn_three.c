/* cnn_three: three conv+pool blocks (32, 64, 128 filters, 3x3 same) with
 * dropout 0.3, dense 128 relu, dropout 0.3, dense 10. --noise 0.1 adds
 * Gaussian input noise and --batch-norm a batch norm after each conv: the
 * three "CNN (three layers)" rows of the report's Figure 5. */
#include <stdio.h>
#include <string.h>

#include "nn_run.h"
#include "report.h"

int main(int argc, char **argv) {
  ex_common c;
  nn_flags f = {.epochs = 20, .batch = 32, .lr = 0.001, .eps = 1e-7};
  double noise = 0;
  int bn = 0;
  const ex_flag extra[] = {
      NN_FLAGS(f),
      EX_SAVE_FLAG(c),
      {"noise", EX_DOUBLE, &noise, "std of Gaussian input noise (0: none)"},
      {"batch-norm", EX_BOOL, &bn, "batch norm between each conv and its relu"},
  };
  ex_parse_flags(argc, argv, "Three-block CNN of the report (Figure 5).", &c, extra,
                 sizeof extra / sizeof extra[0]);
  char layers[512] = "", name[64] = "cnn_three";
  size_t len = 0;
  if (noise > 0) len += (size_t)snprintf(layers + len, sizeof layers - len, "noise:%g ", noise);
  const int filters[3] = {32, 64, 128};
  for (int b = 0; b < 3; b++)
    len += (size_t)snprintf(layers + len, sizeof layers - len, "conv:%d:3 %srelu pool:2 drop:0.3 ",
                            filters[b], bn ? EX_REPORT_BN " " : "");
  snprintf(layers + len, sizeof layers - len, "flatten dense:128 relu drop:0.3 dense:10");
  if (noise > 0) strcat(name, "_noise");
  if (bn) strcat(name, "_bn");
  ex_data d;
  ex_load_protocol(&c, &d);
  nn_summary s;
  nn_run(name, layers, &c, &f, &d, &s);
  ex_data_free(&d);
  return 0;
}
