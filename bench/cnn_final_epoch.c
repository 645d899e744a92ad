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
  size_t batches = 0, warmup = 20, peer_batches = 0, batch = 32, peak_n = 2048;
  const bu_flag extra[] = {
      {"batches", BU_SIZE, &batches, "timed batches of ours (0: the rest of the epoch)"},
      {"warmup", BU_SIZE, &warmup, "untimed batches before them (both sides)"},
      {"peer-batches", BU_SIZE, &peer_batches, "timed batches of the peer (0: whole epoch)"},
      {"batch", BU_SIZE, &batch, "mini-batch size"},
      {"peak-n", BU_SIZE, &peak_n, "size of the square sgemm measuring the peak"},
  };
  bu_parse(argc, argv, "One epoch of the final CNN against PyTorch.", 1,
           "bench/peers/torch_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  const char *spec = ex_report_layers("cnn_final");
  char load0[128], load1[128];
  nb_loadavg(load0, sizeof load0);
  bu_data d;
  bu_load(&c, &d);
  bu_write_layers(&c, spec);
  double peak1 = nb_peaks(c.threads, peak_n);

  double runs[16];
  size_t nr = c.runs < 16 ? c.runs : 16, n_batches = 0, timed = 0;
  for (size_t r = 0; r < nr; r++) {
    nb_window w = {warmup, batches, 0, 0, 0};
    runs[r] = nb_time_batches(spec, &c, d.train, batch, &w);
    n_batches = w.n_batches;
    timed = w.timed;
    if (r == 0)
      nb_report_gemms(nb_cnn_final_layers, 6, w.timed, peak1, runs[r], "training steps");
  }
  double per_batch = bu_median(runs, nr), ours = per_batch * (double)n_batches;
  double rss = bu_peak_rss_mb();

  bu_side peer = {NAN, NAN, NAN, NAN, NAN, ""};
  if (c.peer)
    bu_peer(&c, &d, &peer, "--layers '%s' --batch %zu --batches %zu --warmup %zu", spec, batch,
            peer_batches, warmup);
  nb_loadavg(load1, sizeof load1);
  printf("\ncnn_final_epoch (train %zu = %zu batches of %zu, %zu threads; ours: %zu batches "
         "after %zu warm-up, median of %zu, scaled to the epoch; peer: %zu batches)\n",
         fmnist_dataset_count(d.train), n_batches, batch, c.threads, timed, warmup, nr,
         peer_batches);
  printf("load average before: %s; after: %s\n", load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "epoch_s", "peak_rss_mb", "test_acc", "ratio");
  nb_row("libfmnist", ours, rss, NAN, 1.0);
  nb_row("pytorch", peer.fit_s, peer.rss_mb, peer.accuracy, peer.fit_s / ours);
  printf("ours %.2f ms per batch; ratio = PyTorch epoch seconds / libfmnist epoch seconds "
         "(target >= 2)\n",
         1e3 * per_batch);
  char ex[160];
  snprintf(ex, sizeof ex, " ours_ms_per_batch=%.3f threads=%zu", 1e3 * per_batch, c.threads);
  nb_result("cnn_final_epoch", ours, peer.fit_s, ex);
  bu_data_free(&d);
  return 0;
}
