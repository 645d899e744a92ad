/* cnn_single: the report's single-layer CNN (section 3.2): conv 32 3x3 ->
 * relu -> max-pool 2 -> flatten -> dense 128 relu -> dense 10. */
#include "nn_run.h"
#include "report.h"

int main(int argc, char **argv) {
  ex_common c;
  nn_flags f = {.epochs = 20, .batch = 32, .lr = 0.001, .eps = 1e-7};
  const ex_flag extra[] = {NN_FLAGS(f), EX_SAVE_FLAG(c)};
  ex_parse_flags(argc, argv, "Single conv layer CNN of the report.", &c, extra,
                 sizeof extra / sizeof extra[0]);
  ex_data d;
  ex_load_protocol(&c, &d);
  nn_summary s;
  nn_run("cnn_single", ex_report_layers("cnn_single"), &c, &f, &d, &s);
  ex_data_free(&d);
  return 0;
}
