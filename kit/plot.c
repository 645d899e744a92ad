/* CSV files and gnuplot-rendered PNG plots for the examples. */
#define _POSIX_C_SOURCE 200809L
#include "plot.h"

#include <stdlib.h>
#include <string.h>

FILE *ex_csv_open(const char *path, const char *header) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fprintf(f, "%s\n", header);
  return f;
}

int ex_plot(const char *png, const char *script) {
  static int missing;
  if (missing || !strcmp(png, "/dev/null")) return 0; /* a rank that does not write */
  if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fprintf(stderr, "note: gnuplot is not installed; wrote the CSV files only "
                    "(apt-get install gnuplot-nox for PNG plots)\n");
    missing = 1;
    return 0;
  }
  FILE *g = popen("gnuplot", "w");
  if (!g) return 0;
  fprintf(g, "set terminal pngcairo noenhanced size 1000,640 font ',11'\nset output '%s'\n"
             "set datafile separator ','\nset key autotitle columnhead\nset grid\n%s\n",
          png, script);
  int ok = pclose(g) == 0;
  if (!ok) fprintf(stderr, "note: gnuplot failed to draw %s\n", png);
  return ok;
}
