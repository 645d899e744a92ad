/* cnn_final: the report's final CNN (Figure 1): Gaussian noise 0.1; three
 * blocks conv (32, 64, 128; 3x3 same) -> batch norm -> relu -> max-pool 2
 * -> dropout 0.3; conv 128 3x3 -> relu; flatten; dense 128 relu; dropout
 * 0.3; dense 10. Adam 0.001, batch 32, 20 epochs (Figures 2 and 3). */
#include "nn_run.h"
#include "report.h"

int main(int argc, char **argv) {
  ex_common c;
  nn_flags f = {.epochs = 20, .batch = 32, .lr = 0.001, .eps = 1e-7};
  const ex_flag extra[] = {NN_FLAGS(f), EX_SAVE_FLAG(c), EX_MPI_FLAG(c)};
  ex_parse_flags(argc, argv, "The report's final CNN (Figures 1-3).", &c, extra,
                 sizeof extra / sizeof extra[0]);
  ex_data d;
  ex_load_protocol(&c, &d);
  nn_summary s;
  nn_run("cnn_final", ex_report_layers("cnn_final"), &c, &f, &d, &s);
  ex_data_free(&d);
  return 0;
}
