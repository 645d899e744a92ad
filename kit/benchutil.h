/* Helpers of the benchmark programs: flags, the report's data split,
 * clocks, peak memory, running a peer (another implementation, e.g.
 * scikit-learn) on the same split, and the comparison table with its
 * RESULT line. Public API of the library only; programs, so they print and
 * exit. */
#ifndef FMNIST_BENCH_BENCHUTIL_H
#define FMNIST_BENCH_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <fmnist.h>

#include "common.h" /* examples/: the clock (ex_now) of every program */

/* ---- flags: --name VALUE or --name=VALUE ---- */
typedef enum bu_type { BU_SIZE, BU_U64, BU_DOUBLE, BU_STRING } bu_type;
typedef struct bu_flag {
  const char *name; /* without "--" */
  bu_type type;
  void *value; /* size_t, uint64_t, double, const char *; holds the default */
  const char *help;
} bu_flag;

/* Most timed runs of a side (--runs is capped to it). */
#define BU_MAX_RUNS 16

/* Flags of every benchmark. */
typedef struct bu_common {
  const char *data;   /* --data DIR (NULL: the library's default) */
  uint64_t seed;      /* --seed (42): split, models, peer */
  size_t threads;     /* --threads (2), ours and the peer's */
  size_t runs;        /* --runs: timed runs of our side, median reported */
  size_t limit;       /* --limit N: first N images of each official set */
  size_t peer;        /* --peer 0 skips the peer */
  const char *python; /* --python (/usr/bin/python3) */
  const char *script; /* --peer-script (bench/peers/sklearn_peer.py) */
  const char *split_dir; /* --split-dir DIR: also keep the split there */
} bu_common;

/* Defaults (runs = default_runs, the peer program default_script), then
 * argv; --help lists every flag and exits 0; an unknown flag or bad value
 * exits 2. */
void bu_parse(int argc, char **argv, const char *purpose, size_t default_runs,
              const char *default_script, bu_common *c, const bu_flag *extra, size_t n_extra);

/* ---- data: the report's protocol ---- */
/* Official train set split stratified (seed) 5:1 (50000/10000) and the
 * official test set (the examples' split). With --split-dir, also writes
 * the three sets there as raw files (train_x.u8, train_y.u8, valid_x.u8,
 * valid_y.u8, test_x.u8, test_y.u8), for peers run by hand
 * (bench/peers/torch_train.py). Exits 1 with a message on error. */
typedef struct bu_data {
  fmnist_dataset *train, *valid, *test;
} bu_data;
void bu_load(const bu_common *c, bu_data *d);
void bu_data_free(bu_data *d);
/* With --split-dir, also writes the layer spec the run trains there
 * (layers.txt, which bench/peers/torch_train.py reads). */
void bu_write_layers(const bu_common *c, const char *spec);

/* ---- measures ---- */
double bu_median(double *v, size_t n); /* sorts v */
const char *bu_blas_core(void);        /* the kernels OpenBLAS runs (its core
                                          name: Haswell, SkylakeX, ...) */
double bu_peak_rss_mb(void);           /* this process, getrusage */
double bu_cpu_s(void);                 /* CPU seconds of this process so far
                                          (user + system, all threads) */
void bu_check(fmnist_status s);        /* prints the error and exits 1 unless OK */
/* fmnist_model_set(m, key, printf(fmt, ...)), through bu_check. */
void bu_set(fmnist_model *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Accuracy and macro F1 of predictions on ds. */
void bu_score(const fmnist_dataset *ds, const uint8_t *pred, double *accuracy,
              double *macro_f1);

/* ---- the peer ---- */
typedef struct bu_side {
  double fit_s, predict_s, accuracy, macro_f1, rss_mb; /* NaN: not measured */
  char extra[128]; /* further " key=value" pairs for the RESULT line (the
                      peer's own get a peer_ prefix) */
} bu_side;
/* Runs "<python> <script> <args> --dir DIR --threads N --seed S" on the
 * split d (train and test as raw uint8 files in a temporary DIR: train_x.u8
 * n x 784, train_y.u8, test_x.u8, test_y.u8) and reads its "PEER key=value
 * ..." line into *out (NaN where it gave none). args is a printf format.
 * Returns 1 on success; 0 (with a message) if the peer failed. */
int bu_peer(const bu_common *c, const bu_data *d, bu_side *out, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- our side, timed ---- */
/* A fresh model of the benchmark, options set. */
typedef fmnist_model *(*bu_make_fn)(const bu_common *c, void *user);
/* c->runs fits of make(c, user) on d->train, then c->runs predictions of
 * d->test by the last model; fills *ours with the median wall seconds of
 * each (fit_s, predict_s), their median CPU seconds (ours_fit_cpu_s,
 * ours_predict_cpu_s in extra), the accuracy and macro F1, the peak RSS.
 * Returns the last model; the caller frees it. */
fmnist_model *bu_time_ours(const bu_common *c, const bu_data *d, bu_make_fn make, void *user,
                           bu_side *ours);

/* ---- report ---- */
/* Prints the table (ours, peer) with the ratio peer/ours of the timed
 * column ("fit" or "predict"), then
 *   RESULT bench=<name> ours_s=.. peer_s=.. ratio=.. ours_acc=.. peer_acc=..
 *          blas_core=..
 * followed by ours->extra and peer->extra (e.g. CPU seconds, which a
 * shared machine disturbs less than wall seconds).
 * A peer that did not run shows as n/a. */
void bu_report(const char *name, const char *timed, const char *config, const bu_side *ours,
               const bu_side *peer);

#endif
