/* The net benchmarks' course (nn_dense_epoch, cnn_final_epoch,
 * cnn_final_infer): the report's network as the library's preset spells
 * it, the load average, the data and the sgemm peaks; timing part of an
 * epoch through the progress callback, with the per-layer sgemm table of
 * the timed steps (kit/gemm.h); their table rows. The peer is PyTorch
 * (bench/peers/torch_peer.py), which builds the same spec
 * (bench/peers/torch_net.py). */
#ifndef FMNIST_KIT_NETBENCH_H
#define FMNIST_KIT_NETBENCH_H

#include "kit/bench.h"
#include "kit/gemm.h"
#include "kit/net_options.h"

/* The defaults every net benchmark gives kit_bench_parse: PyTorch's peer. */
#define KIT_TORCH_PEER "peer-script=bench/peers/torch_peer.py"

/* Flags of the epoch benchmarks. */
typedef struct kit_epoch_flags {
  kit_net_options net; /* kit_net_defaults() for one epoch; batch, conv_algorithm and augment
                          are flags (ours only: the peer does not augment) */
  size_t batches, warmup, peer_batches, peak_n;
} kit_epoch_flags;

#define KIT_EPOCH_FLAGS(f)                                                                       \
  {"batches", KIT_SIZE, &(f).batches, "timed batches of ours (0: the rest of the epoch)"},       \
      {"warmup", KIT_SIZE, &(f).warmup, "untimed batches before them (both sides)"},             \
      {"peer-batches", KIT_SIZE, &(f).peer_batches, "timed batches of PyTorch (0: whole epoch)"}, \
      {"batch", KIT_SIZE, &(f).net.batch, "mini-batch size"}, KIT_PEAK_FLAG((f).peak_n),         \
      {"conv-algorithm", KIT_STRING, &(f).net.conv_algorithm, "ours: auto|im2col (none: auto)"}, \
      {"augment", KIT_STRING, &(f).net.augment, "ours: transform spec of every batch (none)"}
#define KIT_PEAK_FLAG(n) {"peak-n", KIT_SIZE, &(n), "size of the square sgemm measuring the peak"}

/* What every net benchmark sets up. */
typedef struct kit_netbench {
  const char *spec;       /* the report's network */
  char load0[128];        /* the load average before */
  kit_data d;             /* the data (with --split-dir, kept beside the spec) */
  double peak1;           /* one thread's sgemm peak */
  kit_gemm_layer layers[32]; /* the spec's layers with GEMMs (the first 32; the products
                                of any later one show as "?") */
  size_t n_layers;
} kit_netbench;

/* Sets up *r for the report's network `row` ("cnn_final", "dense"). */
void kit_netbench_start(const kit_common *c, const char *row, size_t peak_n, kit_netbench *r);

/* Our epoch: c->runs windows of f->batches training batches after
 * f->warmup, the sgemm table of the first; returns seconds per batch (the
 * median) and sets *n_batches (of the epoch) and *timed (batches per
 * window). */
double kit_netbench_epoch(const kit_common *c, const kit_netbench *r, const kit_epoch_flags *f,
                          size_t *n_batches, size_t *timed);

/* One row of the net benchmarks' table: the timed figure (seconds, or
 * images/s), peak RSS, test accuracy, ratio against ours. */
void kit_netbench_row(const char *side, double value, double rss, double acc, double ratio);

#endif
