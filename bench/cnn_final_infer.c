/* cnn_final_infer: inference (fmnist_model_predict) of the 10000 test
 * images by the report's final CNN against PyTorch (eval mode, no_grad,
 * chunks of 256) on the same thread count. Inference speed does not depend
 * on the weights, so both sides train only --train-batches batches first.
 * Also the GFLOP/s of each layer's sgemms inside predict (see kit/gemm.h). */
#include <stdio.h>
#include <stdlib.h>

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/netbench.h"
#include "kit/peer.h"

int main(int argc, char **argv) {
  kit_common c;
  size_t train_n = 2048, peak_n = 2048;
  const kit_flag extra[] = {
      {"train-images", KIT_SIZE, &train_n, "images of the short fit before (1 epoch)"},
      KIT_PEAK_FLAG(peak_n),
  };
  kit_bench_parse(argc, argv, "Final CNN inference of the test set against PyTorch.",
                  "runs=3 " KIT_TORCH_PEER, extra, KIT_LEN(extra), &c);
  kit_netbench run;
  kit_netbench_start(&c, "cnn_final", peak_n, &run);
  const kit_data *d = &run.d;

  if (train_n > fmnist_dataset_count(d->train)) train_n = fmnist_dataset_count(d->train);
  fmnist_dataset *small = kit_first(d->train, train_n);
  kit_net_options o = kit_net_defaults();
  o.epochs = 1;
  fmnist_model *m = kit_net_create(run.spec, &c, &o);
  kit_check(fmnist_model_fit(m, small, NULL));
  fmnist_dataset_free(small);

  const size_t n = fmnist_dataset_count(d->test);
  uint8_t *pred = kit_alloc(n, 1);
  double runs[KIT_MAX_RUNS];
  kit_check(fmnist_model_predict(m, fmnist_dataset_images(d->test), 256, pred)); /* warm-up */
  for (size_t r = 0; r < c.runs; r++) {
    kit_gemm_record(r == 0);
    double t0 = kit_now();
    kit_check(fmnist_model_predict(m, fmnist_dataset_images(d->test), n, pred));
    runs[r] = kit_now() - t0;
    kit_gemm_record(0);
    if (r == 0)
      kit_gemm_report(run.layers, run.n_layers, 1, run.peak1, runs[r], "predicts of the test set");
  }
  double ours = kit_median(runs, c.runs), acc, f1;
  kit_score(d->test, pred, &acc, &f1);
  double rss = kit_peak_rss_mb();
  fmnist_model_free(m);
  free(pred);

  kit_side peer = kit_side_none();
  if (c.peer)
    kit_peer(&c, d, &peer, "--layers '%s' --batches %zu --warmup 0", run.spec, (train_n + 31) / 32);
  char load1[128];
  kit_loadavg(load1, sizeof load1);
  printf("\ncnn_final_infer (test %zu images, %zu threads; ours: median of %zu predicts after a "
         "fit on %zu images; peer: median of 3 passes, chunks of 256)\n",
         n, c.threads, c.runs, train_n);
  printf("load average before: %s; after: %s\n", run.load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "images/s", "peak_rss_mb", "test_acc", "ratio");
  kit_netbench_row("libfmnist", (double)n / ours, rss, acc, 1.0);
  kit_netbench_row("pytorch", (double)n / peer.predict_s, peer.rss_mb, peer.accuracy,
                   ours / peer.predict_s);
  printf("predict seconds: ours %.3f, PyTorch %.3f; ratio = our images/s / PyTorch's (target "
         ">= 2)\n",
         ours, peer.predict_s);
  char ex[200];
  snprintf(ex, sizeof ex, " ours_img_s=%.0f peer_img_s=%.0f threads=%zu", (double)n / ours,
           (double)n / peer.predict_s, c.threads);
  kit_bench_result("cnn_final_infer", ours, peer.predict_s, "", ex);
  kit_data_free(&run.d);
  return 0;
}
