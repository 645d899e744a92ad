/* cnn_three: three conv+pool blocks (32, 64, 128 filters, 3x3 same) with
 * dropout 0.3, dense 128 relu, dropout 0.3, dense 10. --noise 0.1 adds
 * Gaussian input noise and --batch-norm a batch norm after each conv: the
 * three "CNN (three layers)" rows of the report's Figure 5. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/nn_run.h"
#include "kit/report.h"

int main(int argc, char **argv) {
  kit_common c;
  kit_nn_flags f = {.net = kit_net_defaults()};
  double noise = 0;
  int bn = 0;
  const kit_flag extra[] = {
      KIT_NN_FLAGS(f),
      KIT_SAVE_FLAG(c),
      {"noise", KIT_DOUBLE, &noise, "std of Gaussian input noise (0: none)"},
      {"batch-norm", KIT_BOOL, &bn, "batch norm between each conv and its relu"},
  };
  kit_parse_example(argc, argv, "Three-block CNN of the report (Figure 5).", extra,
                    KIT_LEN(extra), &c);
  /* The report's row with noise and batch norm, less what is not asked for. */
  char noise_token[64], name[64] = "cnn_three";
  snprintf(noise_token, sizeof noise_token, "noise:%g", noise);
  char *with_noise = kit_spec_edit(kit_report_layers("cnn_three_nbn"), "noise",
                                  noise > 0 ? noise_token : NULL);
  char *layers = bn ? with_noise : kit_spec_edit(with_noise, "bn", NULL);
  if (layers != with_noise) free(with_noise);
  if (noise > 0) strcat(name, "_noise");
  if (bn) strcat(name, "_bn");
  kit_data d;
  kit_load_protocol(&c, &d);
  kit_nn_summary s;
  kit_nn_run(name, layers, &c, &f, &d, &s);
  kit_data_free(&d);
  free(layers);
  return 0;
}
