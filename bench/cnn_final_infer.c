/* cnn_final_infer: inference (fmnist_model_predict) of the 10000 test
 * images by the report's final CNN against PyTorch (eval mode, no_grad,
 * chunks of 256) on the same thread count. Inference speed does not depend
 * on the weights, so both sides train only --train-batches batches first.
 * Also the GFLOP/s of each layer's sgemms inside predict (see nnbench.h). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "nnbench.h"

int main(int argc, char **argv) {
  bu_common c;
  size_t train_n = 2048, peak_n = 2048;
  const bu_flag extra[] = {
      {"train-images", BU_SIZE, &train_n, "images of the short fit before (1 epoch)"},
      {"peak-n", BU_SIZE, &peak_n, "size of the square sgemm measuring the peak"},
  };
  bu_parse(argc, argv, "Final CNN inference of the test set against PyTorch.", 3,
           "bench/peers/torch_peer.py", &c, extra, sizeof extra / sizeof extra[0]);
  nb_run run;
  nb_start(&c, "cnn_final", peak_n, &run);
  const char *spec = run.spec;
  bu_data d = run.d;
  char load1[128];

  size_t n_train = fmnist_dataset_count(d.train);
  if (train_n > n_train) train_n = n_train;
  size_t *idx = malloc(train_n * sizeof *idx);
  if (!idx) return 1;
  for (size_t i = 0; i < train_n; i++) idx[i] = i;
  fmnist_dataset *small;
  bu_check(fmnist_dataset_subset(d.train, idx, train_n, &small));
  free(idx);
  fmnist_model *m = nb_model(spec, &c, 32, 1, NULL);
  bu_check(fmnist_model_fit(m, small, NULL));
  fmnist_dataset_free(small);

  const size_t n = fmnist_dataset_count(d.test);
  uint8_t *pred = malloc(n);
  if (!pred) return 1;
  double runs[BU_MAX_RUNS];
  size_t nr = c.runs;
  bu_check(fmnist_model_predict(m, fmnist_dataset_images(d.test), 256, pred)); /* warm-up */
  for (size_t r = 0; r < nr; r++) {
    nb_record(r == 0);
    double t0 = ex_now();
    bu_check(fmnist_model_predict(m, fmnist_dataset_images(d.test), n, pred));
    runs[r] = ex_now() - t0;
    nb_record(0);
    if (r == 0) nb_report_gemms(nb_cnn_final_layers, 6, 1, run.peak1, runs[r], "predicts of the test set");
  }
  double ours = bu_median(runs, nr), acc, f1;
  bu_score(d.test, pred, &acc, &f1);
  double rss = bu_peak_rss_mb();
  fmnist_model_free(m);
  free(pred);

  bu_side peer = {NAN, NAN, NAN, NAN, NAN, ""};
  if (c.peer)
    bu_peer(&c, &d, &peer, "--layers '%s' --batches %zu --warmup 0", spec, (train_n + 31) / 32);
  nb_loadavg(load1, sizeof load1);
  printf("\ncnn_final_infer (test %zu images, %zu threads; ours: median of %zu predicts after a "
         "fit on %zu images; peer: median of 3 passes, chunks of 256)\n",
         n, c.threads, nr, train_n);
  printf("load average before: %s; after: %s\n", run.load0, load1);
  printf("%-14s %11s %11s %11s %11s\n", "side", "images/s", "peak_rss_mb", "test_acc", "ratio");
  nb_row("libfmnist", (double)n / ours, rss, acc, 1.0);
  nb_row("pytorch", (double)n / peer.predict_s, peer.rss_mb, peer.accuracy,
         ours / peer.predict_s);
  printf("predict seconds: ours %.3f, PyTorch %.3f; ratio = our images/s / PyTorch's (target "
         ">= 2)\n",
         ours, peer.predict_s);
  char ex[200];
  snprintf(ex, sizeof ex, " ours_img_s=%.0f peer_img_s=%.0f threads=%zu", (double)n / ours,
           (double)n / peer.predict_s, c.threads);
  nb_result("cnn_final_infer", ours, peer.predict_s, ex);
  bu_data_free(&d);
  return 0;
}
