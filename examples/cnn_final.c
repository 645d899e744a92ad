/* cnn_final: the report's final CNN (Figure 1): Gaussian noise 0.1; three
 * blocks conv (32, 64, 128; 3x3 same) -> batch norm -> relu -> max-pool 2
 * -> dropout 0.3; conv 128 3x3 -> relu; flatten; dense 128 relu; dropout
 * 0.3; dense 10. Adam 0.001, batch 32, 20 epochs (Figures 2 and 3). */
#include "kit/nn_run.h"
#include "kit/report.h"

int main(int argc, char **argv) {
  kit_common c;
  kit_nn_flags f = {.net = kit_net_defaults()};
  const kit_flag extra[] = {KIT_NN_FLAGS(f), KIT_SAVE_FLAG(c), KIT_MPI_FLAG(c)};
  kit_parse_example(argc, argv, "The report's final CNN (Figures 1-3).", extra, KIT_LEN(extra),
                    &c);
  kit_data d;
  kit_load_protocol(&c, &d);
  kit_nn_summary s;
  kit_nn_run("cnn_final", kit_report_layers("cnn_final"), &c, &f, &d, &s);
  kit_data_free(&d);
  return 0;
}
