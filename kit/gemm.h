/* The sgemm products inside a net's real steps, per layer: this part of
 * the kit defines cblas_sgemm itself. The library (libfmnist.so) calls
 * cblas_sgemm through the PLT, and the executable's definition comes first
 * in the global lookup scope, so every library sgemm lands here, is timed
 * while recording, and goes on to OpenBLAS's (dlsym(RTLD_NEXT)). OpenBLAS's
 * own internal calls are not affected. The overhead is two clock reads per
 * sgemm. Only a program that calls these functions links this member of
 * the kit's archive, and with it the interposition: the net benchmarks. */
#ifndef FMNIST_KIT_GEMM_H
#define FMNIST_KIT_GEMM_H

#include <stddef.h>

#include <fmnist.h>

/* A layer with GEMMs: outputs, inputs (C*k*k for conv), columns per sample
 * (H_out*W_out for conv, 1 for dense). */
typedef struct kit_gemm_layer {
  char name[96]; /* "conv2 64@3x3", "dense1 128" */
  long out, in, cols;
  int wino; /* a 3x3 conv, whose products may take the Winograd path */
} kit_gemm_layer;

/* The conv and dense layers of net m, read from the library's layer
 * inspection (fmnist_net_layer: kinds, output shapes, parameters), into
 * out[0..cap-1]; returns their number. */
size_t kit_gemm_layers(const fmnist_model *m, kit_gemm_layer *out, size_t cap);

/* Starts (on: 1, forgetting what was recorded) or stops recording. */
void kit_gemm_record(int on);

/* Measures and prints the sgemm peak (GFLOP/s of the best of three n x n x
 * n sgemms) on one thread and on `threads`; returns the one-thread figure,
 * which the per-layer tables compare with (every part of a split product
 * runs on one thread). */
double kit_sgemm_peaks(size_t threads, size_t n);

/* Prints what was recorded over `steps` steps (of step_s wall seconds),
 * per layer and product: thread-time per step, GFLOP/s per thread against
 * peak1; what names the steps ("training steps"). Returns the sgemm
 * thread-seconds. */
double kit_gemm_report(const kit_gemm_layer *ls, size_t n_ls, size_t steps, double peak1,
                       double step_s, const char *what);

#endif
