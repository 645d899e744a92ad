/* cnn_single: the report's single-layer CNN (section 3.2): conv 32 3x3 ->
 * relu -> max-pool 2 -> flatten -> dense 128 relu -> dense 10. */
#include "kit/nn_run.h"
#include "kit/report.h"

int main(int argc, char **argv) {
  kit_common c;
  kit_nn_flags f = {.net = kit_net_defaults()};
  const kit_flag extra[] = {KIT_NN_FLAGS(f), KIT_SAVE_FLAG(c)};
  kit_parse_example(argc, argv, "Single conv layer CNN of the report.", extra, KIT_LEN(extra), &c);
  kit_data d;
  kit_load_protocol(&c, &d);
  kit_nn_summary s;
  kit_nn_run("cnn_single", kit_report_layers("cnn_single"), &c, &f, &d, &s);
  kit_data_free(&d);
  return 0;
}
