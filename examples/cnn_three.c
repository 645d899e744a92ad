/* cnn_three: three conv+pool blocks (32, 64, 128 filters, 3x3 same) with
 * dropout 0.3, dense 128 relu, dropout 0.3, dense 10. --noise 0.1 adds
 * Gaussian input noise and --batch-norm a batch norm after each conv: the
 * three "CNN (three layers)" rows of the report's Figure 5. */
#include <stdio.h>
#include <stdlib.h>
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
  /* The report's row with noise and batch norm, less what is not asked for. */
  char noise_token[64], name[64] = "cnn_three";
  snprintf(noise_token, sizeof noise_token, "noise:%g", noise);
  char *with_noise = ex_spec_edit(ex_report_layers("cnn_three_nbn"), "noise",
                                  noise > 0 ? noise_token : NULL);
  char *layers = bn ? with_noise : ex_spec_edit(with_noise, "bn", NULL);
  if (layers != with_noise) free(with_noise);
  if (noise > 0) strcat(name, "_noise");
  if (bn) strcat(name, "_bn");
  ex_data d;
  ex_load_protocol(&c, &d);
  nn_summary s;
  nn_run(name, layers, &c, &f, &d, &s);
  ex_data_free(&d);
  free(layers);
  return 0;
}
