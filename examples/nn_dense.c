/* nn_dense: the report's first network (section 3.2 / 4.1): flatten ->
 * dense 128 -> activation -> dense 10, Adam 0.001, batch 32, 20 epochs.
 * --activation all trains relu, tanh and sigmoid and compares them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/nn_run.h"
#include "kit/report.h"

int main(int argc, char **argv) {
  kit_common c;
  kit_nn_flags f = {.net = kit_net_defaults()};
  const char *act = "relu";
  const kit_flag extra[] = {
      KIT_NN_FLAGS(f),
      KIT_SAVE_FLAG(c),
      {"activation", KIT_STRING, &act, "relu|tanh|sigmoid|all"},
  };
  kit_parse_example(argc, argv, "Dense network of the report (Figure 2, section 4.1).", extra,
                    KIT_LEN(extra), &c);
  const char *acts[] = {"relu", "tanh", "sigmoid"};
  int first = 0, last = 2;
  if (strcmp(act, "all") != 0) {
    for (first = 0; first < 3 && strcmp(acts[first], act) != 0; first++) continue;
    if (first == 3) {
      fprintf(stderr, "%s: --activation must be relu, tanh, sigmoid or all\n", argv[0]);
      return 2;
    }
    last = first;
  }
  kit_data d;
  kit_load_protocol(&c, &d);
  kit_nn_summary s[3];
  for (int a = first; a <= last; a++) {
    char name[64];
    snprintf(name, sizeof name, "nn_dense_%s", acts[a]);
    char *layers = kit_spec_edit(kit_report_layers("dense"), "relu", acts[a]);
    kit_nn_run(name, layers, &c, &f, &d, &s[a]);
    free(layers);
    printf("\n");
  }
  if (first != last) { /* section 4.1: relu against tanh and sigmoid */
    printf("%-10s %9s %9s %9s %6s %9s %8s\n", "activation", "test_acc", "macro_f1", "peak_val",
           "epoch", "last_val", "fit_s");
    for (int a = first; a <= last; a++)
      printf("%-10s %9.4f %9.4f %9.4f %6zu %9.4f %8.1f\n", acts[a], s[a].accuracy,
             s[a].macro_f1, s[a].peak_val, s[a].peak_epoch, s[a].last_val, s[a].fit_s);
  }
  kit_data_free(&d);
  return 0;
}
