/* cnn_final_epoch: one training epoch of the report's final CNN (batch 32,
 * Adam 0.001, 50000 images = 1563 batches) against PyTorch on the same
 * split and thread count. Both sides time --batches mini-batches after
 * --warmup untimed ones and scale to the whole epoch; ours also reports the
 * GFLOP/s of each layer's sgemms inside those steps against this machine's
 * sgemm peak (see nnbench.h). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "nnbench.h"

int main(int argc, char **argv) {
  bu_common c;
  nb_epoch_flags f = {0, 20, 0, 32, 2048, NULL, NULL};
  const bu_flag extra[] = {NB_EPOCH_FLAGS(f)};
  bu_parse(argc, argv, "One epoch of the final CNN against PyTorch.", 1,
           "bench/peers/torch_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  nb_run r;
  nb_start(&c, "cnn_final", f.peak_n, &r);
  size_t n_batches = 0, timed = 0;
  double per_batch = nb_time_epoch(&c, &r, &f, nb_cnn_final_layers, 6, &n_batches, &timed);
  double ours = per_batch * (double)n_batches, rss = bu_peak_rss_mb();

  bu_side peer = {NAN, NAN, NAN, NAN, NAN, ""};
  if (c.peer)
    bu_peer(&c, &r.d, &peer, "--layers '%s' --batch %zu --batches %zu --warmup %zu", r.spec,
            f.batch, f.peer_batches, f.warmup);
  char load1[128];
  nb_loadavg(load1, sizeof load1);
  printf("\ncnn_final_epoch (train %zu = %zu batches of %zu, %zu threads; ours: %zu batches "
         "after %zu warm-up, median of %zu, scaled to the epoch; peer: %zu batches)\n",
         fmnist_dataset_count(r.d.train), n_batches, f.batch, c.threads, timed, f.warmup, c.runs,
         f.peer_batches);
  printf("load average before: %s; after: %s\n", r.load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "epoch_s", "peak_rss_mb", "test_acc", "ratio");
  nb_row("libfmnist", ours, rss, NAN, 1.0);
  nb_row("pytorch", peer.fit_s, peer.rss_mb, peer.accuracy, peer.fit_s / ours);
  printf("ours %.2f ms per batch; ratio = PyTorch epoch seconds / libfmnist epoch seconds "
         "(target >= 2)\n",
         1e3 * per_batch);
  char ex[160];
  snprintf(ex, sizeof ex, " ours_ms_per_batch=%.3f threads=%zu", 1e3 * per_batch, c.threads);
  nb_result("cnn_final_epoch", ours, peer.fit_s, ex);
  bu_data_free(&r.d);
  return 0;
}
