/* Clocks and measures of this process: wall and CPU seconds, peak memory,
 * the machine's load, the median of runs. */
#ifndef FMNIST_KIT_CLOCK_H
#define FMNIST_KIT_CLOCK_H

#include <stddef.h>

double kit_now(void);         /* monotonic clock, seconds */
double kit_cpu_s(void);       /* CPU seconds of this process so far (user + system, all threads) */
double kit_peak_rss_mb(void); /* peak resident memory of this process (getrusage) */
double kit_median(double *v, size_t n); /* sorts v */
/* /proc/loadavg's line ("" if it cannot be read) into out. */
void kit_loadavg(char *out, size_t size);

#endif
