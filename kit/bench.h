/* The benchmarks' course: their flags (the shared table's benchmark
 * column), the report's data (kept for peers run by hand with
 * --split-dir), our side's timed runs of fit and predict, and the table
 * and RESULT line comparing it with a peer (kit/peer.h). */
#ifndef FMNIST_KIT_BENCH_H
#define FMNIST_KIT_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <fmnist.h>

#include "kit/data.h"
#include "kit/flags.h"

/* Most timed runs of a side (--runs is bounded to 1..KIT_MAX_RUNS). */
#define KIT_MAX_RUNS 16

/* kit_parse for a benchmark: its purpose, its defaults over the table's
 * benchmark column ("name=value ...", or NULL), its own flags; then --runs
 * bounded. */
void kit_bench_parse(int argc, char **argv, const char *purpose, const char *defaults,
                     const kit_flag *flags, size_t n_flags, kit_common *c);

/* The report's protocol (kit_load_protocol). With --split-dir, also writes
 * the three sets there as raw files (train_x.u8, train_y.u8, valid_x.u8,
 * valid_y.u8, test_x.u8, test_y.u8) and, if layers is not NULL, the layer
 * spec the run trains (layers.txt), for peers run by hand
 * (bench/peers/torch_train.py). */
void kit_bench_data(const kit_common *c, kit_data *d, const char *layers);

/* The kernels OpenBLAS runs (its core name: Haswell, SkylakeX, ...). */
const char *kit_blas_core(void);
/* Accuracy and macro F1 of predictions on ds. */
void kit_score(const fmnist_dataset *ds, const uint8_t *pred, double *accuracy,
               double *macro_f1);

/* The figures of a side (ours or a peer's); NaN: not measured. */
typedef struct kit_side {
  double fit_s, predict_s, accuracy, macro_f1, rss_mb;
  char extra[128]; /* further " key=value" pairs for the RESULT line (the
                      peer's own get a peer_ prefix) */
} kit_side;
/* A side not measured. */
kit_side kit_side_none(void);

/* A fresh model of the benchmark, options set. */
typedef fmnist_model *(*kit_make_fn)(const kit_common *c, void *user);
/* c->runs fits of make(c, user) on d->train, then c->runs predictions of
 * d->test by the last model; fills *ours with the median wall seconds of
 * each (fit_s, predict_s), their median CPU seconds (ours_fit_cpu_s,
 * ours_predict_cpu_s in extra), the accuracy and macro F1, the peak RSS.
 * Returns the last model; the caller frees it. */
fmnist_model *kit_time_ours(const kit_common *c, const kit_data *d, kit_make_fn make,
                            void *user, kit_side *ours);

/* Prints the table (ours, peer) with the ratio peer/ours of the timed
 * column ("fit" or "predict"), then
 *   RESULT bench=<name> ours_s=.. peer_s=.. ratio=.. ours_acc=.. peer_acc=..
 *          blas_core=..
 * followed by ours->extra and peer->extra (e.g. CPU seconds, which a
 * shared machine disturbs less than wall seconds).
 * A peer that did not run (NULL) shows as n/a. */
void kit_bench_report(const char *name, const char *timed, const char *config,
                      const kit_side *ours, const kit_side *peer);

/* The RESULT line of every benchmark:
 *   RESULT bench=<name> ours_s=%.4f peer_s=%.4f ratio=%.3f<pairs> blas_core=..<extra>
 * ratio = peer_s / ours_s; pairs and extra are " key=value ..." text. */
void kit_bench_result(const char *name, double ours_s, double peer_s, const char *pairs,
                      const char *extra);

#endif
