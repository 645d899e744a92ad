/* Plots for the examples: data always as CSV, and a PNG drawn by gnuplot
 * when it is installed. Public API only; prints and may exit. */
#ifndef FMNIST_EXAMPLES_PLOT_H
#define FMNIST_EXAMPLES_PLOT_H

#include <stdio.h>

/* Opens path for a CSV file and writes the header line; exits on error. */
FILE *ex_csv_open(const char *path, const char *header);

/* Renders png with gnuplot: the terminal, output and CSV separator are set,
 * then `script` (gnuplot commands reading the CSV files) runs. Returns 1 if
 * the PNG was written; if gnuplot is missing it says so once on stderr and
 * returns 0 (the CSV files are still there). */
int ex_plot(const char *png, const char *script);

#endif
