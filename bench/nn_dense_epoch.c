/* nn_dense_epoch: one training epoch of the report's dense network
 * (flatten, dense 128, relu, dense 10; batch 32, Adam 0.001) against
 * PyTorch and scikit-learn's MLPClassifier on the same split and thread
 * count. Ours and PyTorch time whole epochs after --warmup batches (scaled);
 * scikit-learn times --sk-epochs epochs of MLPClassifier.fit. Also the
 * GFLOP/s of both layers' sgemms inside the steps (see nnbench.h). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "nnbench.h"

int main(int argc, char **argv) {
  bu_common c;
  size_t batches = 0, warmup = 20, peer_batches = 0, batch = 32, peak_n = 2048, sk = 1;
  const bu_flag extra[] = {
      {"batches", BU_SIZE, &batches, "timed batches of ours (0: the rest of the epoch)"},
      {"warmup", BU_SIZE, &warmup, "untimed batches before them (both sides)"},
      {"peer-batches", BU_SIZE, &peer_batches, "timed batches of PyTorch (0: whole epoch)"},
      {"batch", BU_SIZE, &batch, "mini-batch size"},
      {"sk-epochs", BU_SIZE, &sk, "epochs of scikit-learn's MLPClassifier (0: skip it)"},
      {"peak-n", BU_SIZE, &peak_n, "size of the square sgemm measuring the peak"},
  };
  bu_parse(argc, argv, "One epoch of the dense network against PyTorch and scikit-learn.", 3,
           "bench/peers/torch_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  const char *spec = ex_report_layers("dense");
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
    if (r == 0) nb_report_gemms(nb_nn_dense_layers, 2, w.timed, peak1, runs[r], "training steps");
  }
  double per_batch = bu_median(runs, nr), ours = per_batch * (double)n_batches;
  double rss = bu_peak_rss_mb();

  bu_side torch = {NAN, NAN, NAN, NAN, NAN, ""}, skl = torch;
  if (c.peer) {
    bu_peer(&c, &d, &torch, "--layers '%s' --batch %zu --batches %zu --warmup %zu", spec, batch,
            peer_batches, warmup);
    if (sk)
      bu_peer(&c, &d, &skl, "--layers '%s' --sklearn --sk-epochs %zu --batch %zu", spec, sk,
              batch);
  }
  nb_loadavg(load1, sizeof load1);
  printf("\nnn_dense_epoch (train %zu = %zu batches of %zu, %zu threads; ours: %zu batches after "
         "%zu warm-up, median of %zu, scaled to the epoch; scikit-learn: %zu epoch(s))\n",
         fmnist_dataset_count(d.train), n_batches, batch, c.threads, timed, warmup, nr, sk);
  printf("load average before: %s; after: %s\n", load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "epoch_s", "peak_rss_mb", "test_acc", "ratio");
  nb_row("libfmnist", ours, rss, NAN, 1.0);
  nb_row("pytorch", torch.fit_s, torch.rss_mb, torch.accuracy, torch.fit_s / ours);
  nb_row("scikit-learn", skl.fit_s, skl.rss_mb, skl.accuracy, skl.fit_s / ours);
  printf("ratio = peer epoch seconds / libfmnist epoch seconds (targets: PyTorch >= 4, "
         "scikit-learn >= 2); test_acc after one epoch, a sanity check\n");
  char ex[200];
  snprintf(ex, sizeof ex, " sklearn_s=%.4f sklearn_ratio=%.3f threads=%zu", skl.fit_s,
           skl.fit_s / ours, c.threads);
  nb_result("nn_dense_epoch", ours, torch.fit_s, ex);
  bu_data_free(&d);
  return 0;
}
