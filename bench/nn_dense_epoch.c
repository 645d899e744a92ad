/* nn_dense_epoch: one training epoch of the report's dense network
 * (flatten, dense 128, relu, dense 10; batch 32, Adam 0.001) against
 * PyTorch and scikit-learn's MLPClassifier on the same split and thread
 * count. Ours and PyTorch time whole epochs after --warmup batches (scaled);
 * scikit-learn times --sk-epochs epochs of MLPClassifier.fit. Also the
 * GFLOP/s of both layers' sgemms inside the steps (see kit/gemm.h). */
#include <math.h>
#include <stdio.h>

#include "kit/clock.h"
#include "kit/netbench.h"
#include "kit/peer.h"

int main(int argc, char **argv) {
  kit_common c;
  kit_epoch_flags f = {.net = kit_net_defaults(), .warmup = 20, .peak_n = 2048};
  f.net.epochs = 1;
  size_t sk = 1;
  const kit_flag extra[] = {
      KIT_EPOCH_FLAGS(f),
      {"sk-epochs", KIT_SIZE, &sk, "epochs of scikit-learn's MLPClassifier (0: skip it)"},
  };
  kit_bench_parse(argc, argv, "One epoch of the dense network against PyTorch and scikit-learn.",
                  "runs=3 " KIT_TORCH_PEER, extra, KIT_LEN(extra), &c);
  kit_netbench r;
  kit_netbench_start(&c, "dense", f.peak_n, &r);
  size_t n_batches = 0, timed = 0;
  double per_batch = kit_netbench_epoch(&c, &r, &f, &n_batches, &timed);
  double ours = per_batch * (double)n_batches, rss = kit_peak_rss_mb();

  kit_side torch = kit_side_none(), skl = torch;
  if (c.peer) {
    kit_peer(&c, &r.d, &torch, "--layers '%s' --batch %zu --batches %zu --warmup %zu", r.spec,
             f.net.batch, f.peer_batches, f.warmup);
    if (sk)
      kit_peer(&c, &r.d, &skl, "--layers '%s' --sklearn --sk-epochs %zu --batch %zu", r.spec, sk,
               f.net.batch);
  }
  char load1[128];
  kit_loadavg(load1, sizeof load1);
  printf("\nnn_dense_epoch (train %zu = %zu batches of %zu, %zu threads; ours: %zu batches after "
         "%zu warm-up, median of %zu, scaled to the epoch; scikit-learn: %zu epoch(s))\n",
         fmnist_dataset_count(r.d.train), n_batches, f.net.batch, c.threads, timed, f.warmup,
         c.runs, sk);
  printf("load average before: %s; after: %s\n", r.load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "epoch_s", "peak_rss_mb", "test_acc", "ratio");
  kit_netbench_row("libfmnist", ours, rss, NAN, 1.0);
  kit_netbench_row("pytorch", torch.fit_s, torch.rss_mb, torch.accuracy, torch.fit_s / ours);
  kit_netbench_row("scikit-learn", skl.fit_s, skl.rss_mb, skl.accuracy, skl.fit_s / ours);
  printf("ratio = peer epoch seconds / libfmnist epoch seconds (targets: PyTorch >= 4, "
         "scikit-learn >= 2); test_acc after one epoch, a sanity check\n");
  char ex[200];
  snprintf(ex, sizeof ex, " sklearn_s=%.4f sklearn_ratio=%.3f threads=%zu", skl.fit_s,
           skl.fit_s / ours, c.threads);
  kit_bench_result("nn_dense_epoch", ours, torch.fit_s, "", ex);
  kit_data_free(&r.d);
  return 0;
}
