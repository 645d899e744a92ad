/* The library's clock: monotonic seconds, for the fit times it records
 * (training history, cross-validation folds). */
#ifndef FMNIST_SRC_BASE_CLOCK_H
#define FMNIST_SRC_BASE_CLOCK_H

/* Seconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double fmnist__now(void);

#endif
