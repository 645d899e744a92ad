/* Lets gcc vectorize the elementwise loops of the file that includes this.
 *
 * gcc 12 at -O2 uses the "very-cheap" vectorizer cost model, which only
 * vectorizes a loop whose trip count is known to be a multiple of the
 * vector width, so every elementwise loop over a batch (length unknown)
 * stays scalar. Kernels whose time matters (layers, im2col, Adam) ask for
 * -O3 here instead of the whole library needing it. clang vectorizes such
 * loops at -O2 already. no-math-errno lets sqrtf become one instruction
 * (errno is never read here). No fast-math: NaN/Inf semantics unchanged. */
#ifndef FMNIST_SRC_VECTORIZE_H
#define FMNIST_SRC_VECTORIZE_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__OPTIMIZE__)
#pragma GCC optimize("O3", "no-math-errno")
#endif

#endif
