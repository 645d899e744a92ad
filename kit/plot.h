/* A program's files: paths under --out, CSV files, and PNG plots drawn by
 * gnuplot when it is installed (the data are always in the CSV). */
#ifndef FMNIST_KIT_PLOT_H
#define FMNIST_KIT_PLOT_H

#include <stdio.h>

#include "kit/flags.h"

/* "<--out DIR>/<name>", name printf(fmt, ...), the directory made if it is
 * missing (exits 1 if it cannot be); static storage, valid until four more
 * calls. On a rank other than 0 of --mpi: "/dev/null" (rank 0 writes the
 * files). */
const char *kit_out_path(const kit_common *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Opens path for a CSV file and writes the header line; exits on error. */
FILE *kit_csv_open(const char *path, const char *header);

/* Renders png with gnuplot: the terminal, output and CSV separator are set,
 * then `script` (gnuplot commands reading the CSV files) runs. Returns 1 if
 * the PNG was written; if gnuplot is missing it says so once on stderr and
 * returns 0 (the CSV files are still there). */
int kit_plot(const char *png, const char *script);

#endif
