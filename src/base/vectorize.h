/* Lets gcc vectorize the elementwise loops of the file that includes this.
 *
 * gcc 12 at -O2 uses the "very-cheap" vectorizer cost model, which only
 * vectorizes a loop whose trip count is known to be a multiple of the
 * vector width, so every elementwise loop over a batch (length unknown)
 * stays scalar. Kernels whose time matters (layers, im2col, Adam) ask for
 * -O3 here instead of the whole library needing it. clang vectorizes such
 * loops at -O2 already. no-trapping-math lets a select on a float
 * comparison (relu, dropout, max-pool) become a vector blend: the library
 * never inspects floating-point exception flags. (sqrtf needs
 * -fno-math-errno, which a pragma cannot set: the Makefile passes it.)
 * no-tree-loop-distribute-patterns keeps short copy and clear loops (a
 * pixel's run of images, a tile's row) inline instead of turning them
 * into memcpy and memset calls, which cost more than the copy. No
 * fast-math: results and NaN/Inf semantics are unchanged. */
#ifndef FMNIST_SRC_BASE_VECTORIZE_H
#define FMNIST_SRC_BASE_VECTORIZE_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3", "no-trapping-math", "no-tree-loop-distribute-patterns")
#endif

/* A function whose loops are most of a training step's time outside
 * sgemm (the Winograd tile and weight passes, the batch-norm and
 * fused-tail passes, Adam)
 * is built twice, for x86-64 and for x86-64-v3 (AVX2), and the loader
 * picks the second where the processor has it (a GNU ifunc): the library
 * still runs on any x86-64. Without FMA contraction (-std=c11 keeps it
 * off) both do the same operations in the same order: the same results.
 * Measured on a Zen 5: the Winograd passes took 17 % less time. Not
 * under ThreadSanitizer: an ifunc resolver runs before its runtime is up
 * (the statically linked TSan test crashed at start). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    defined(__OPTIMIZE__) && !defined(__SANITIZE_THREAD__)
#define FMNIST__VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FMNIST__VECTOR_CLONES
#endif

#endif
