/* cnn_best: the strongest network this library trains in 20 epochs, beside
 * the report's final CNN (examples/cnn_final, which stays the report's).
 * The recipe, chosen on validation accuracy (docs/reproduction.md, "A best
 * CNN"), is the defaults below, each a flag to change:
 *   - VGG-style blocks: conv 32 at 28x28, two convs of 64 at 14x14, two of
 *     128 at 7x7, each conv -> batch norm -> relu, max-pool 2 and dropout
 *     0.2 after each block; dense 256 -> batch norm -> relu -> dropout 0.4
 *     -> dense 10 (no input noise: augmentation takes its place);
 *   - augmentation of every training batch: random crop with 2 pixels of
 *     zero padding and a left-right flip with probability 1/2;
 *   - one mean and standard deviation for all pixels (per-pixel scaling
 *     turns shifted border pixels into outliers);
 *   - Adam 0.001 annealed by a cosine to 0 over the 20 epochs. */
#include <stdio.h>

#include "kit/nn_run.h"

#define BN "bn:0.9:1e-5 "
#define CONV(filters) "conv:" #filters ":3 " BN "relu "
#define BEST_LAYERS                                                             \
  CONV(32) "pool:2 drop:0.2 " CONV(64) CONV(64) "pool:2 drop:0.2 " CONV(128) \
      CONV(128) "pool:2 drop:0.2 flatten dense:256 " BN "relu drop:0.4 dense:10"

int main(int argc, char **argv) {
  kit_common c;
  kit_nn_flags f = {.net = kit_net_defaults()};
  f.net.layers = BEST_LAYERS;
  f.net.lr_schedule = "cosine";
  f.net.standardize = "global";
  f.net.augment = "crop:2 flip:0.5";
  const kit_flag extra[] = {KIT_NN_FLAGS(f), KIT_SAVE_FLAG(c)};
  kit_parse_example(argc, argv, "The best CNN of this library (beside the report's final CNN).",
                    extra, KIT_LEN(extra), &c);
  kit_data d;
  kit_load_protocol(&c, &d);
  printf("the same recipe in PyTorch, on this split (bench/README.md):\n"
         "  bench/cnn_final_infer --peer 0 --runs 1 --seed %llu --split-dir /tmp/split%llu\n"
         "  cd bench/peers && /usr/bin/python3 torch_train.py --dir /tmp/split%llu --seed %llu "
         "--threads %zu --epochs %zu --layers '%s' --standardize %s --lr-schedule %s%s%s%s\n",
         (unsigned long long)c.seed, (unsigned long long)c.seed, (unsigned long long)c.seed,
         (unsigned long long)c.seed, c.threads ? c.threads : fmnist_cpu_count(), f.net.epochs,
         f.net.layers, f.net.standardize ? f.net.standardize : "pixel",
         f.net.lr_schedule ? f.net.lr_schedule : "constant", f.net.augment ? " --augment '" : "",
         f.net.augment ? f.net.augment : "", f.net.augment ? "'" : "");
  kit_nn_summary s;
  kit_nn_run("cnn_best", f.net.layers, &c, &f, &d, &s);
  kit_data_free(&d);
  return 0;
}
