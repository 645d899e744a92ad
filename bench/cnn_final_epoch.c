/* cnn_final_epoch: one training epoch of the report's final CNN (batch 32,
 * Adam 0.001, 50000 images = 1563 batches) against PyTorch on the same
 * split and thread count. Both sides time --batches mini-batches after
 * --warmup untimed ones and scale to the whole epoch; ours also reports the
 * GFLOP/s of each layer's sgemms inside those steps against this machine's
 * sgemm peak (see kit/gemm.h). */
#include <math.h>
#include <stdio.h>

#include "kit/clock.h"
#include "kit/netbench.h"
#include "kit/peer.h"

int main(int argc, char **argv) {
  kit_common c;
  kit_epoch_flags f = {.net = kit_net_defaults(), .warmup = 20, .peak_n = 2048};
  f.net.epochs = 1;
  const kit_flag extra[] = {KIT_EPOCH_FLAGS(f)};
  kit_bench_parse(argc, argv, "One epoch of the final CNN against PyTorch.", KIT_TORCH_PEER, extra,
                  KIT_LEN(extra), &c);
  kit_netbench r;
  kit_netbench_start(&c, "cnn_final", f.peak_n, &r);
  size_t n_batches = 0, timed = 0;
  double per_batch = kit_netbench_epoch(&c, &r, &f, &n_batches, &timed);
  double ours = per_batch * (double)n_batches, rss = kit_peak_rss_mb();

  kit_side peer = kit_side_none();
  if (c.peer)
    kit_peer(&c, &r.d, &peer, "--layers '%s' --batch %zu --batches %zu --warmup %zu", r.spec,
             f.net.batch, f.peer_batches, f.warmup);
  char load1[128];
  kit_loadavg(load1, sizeof load1);
  printf("\ncnn_final_epoch (train %zu = %zu batches of %zu, %zu threads; ours: %zu batches "
         "after %zu warm-up, median of %zu, scaled to the epoch; peer: %zu batches)\n",
         fmnist_dataset_count(r.d.train), n_batches, f.net.batch, c.threads, timed, f.warmup,
         c.runs, f.peer_batches);
  printf("load average before: %s; after: %s\n", r.load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "epoch_s", "peak_rss_mb", "test_acc", "ratio");
  kit_netbench_row("libfmnist", ours, rss, NAN, 1.0);
  kit_netbench_row("pytorch", peer.fit_s, peer.rss_mb, peer.accuracy, peer.fit_s / ours);
  printf("ours %.2f ms per batch; ratio = PyTorch epoch seconds / libfmnist epoch seconds "
         "(target >= 2)\n",
         1e3 * per_batch);
  char ex[160];
  snprintf(ex, sizeof ex, " ours_ms_per_batch=%.3f threads=%zu", 1e3 * per_batch, c.threads);
  kit_bench_result("cnn_final_epoch", ours, peer.fit_s, "", ex);
  kit_data_free(&r.d);
  return 0;
}
