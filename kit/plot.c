/* A program's files: --out paths, CSV, gnuplot plots (see plot.h). */
#include "kit/plot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *kit_out_path(const kit_common *c, const char *fmt, ...) {
  static char slots[4][1024];
  static int next;
  if (c->rank != 0) return "/dev/null";
  char name[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(name, sizeof name, fmt, ap);
  va_end(ap);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", c->out);
  for (char *p = dir + 1;; p++) /* mkdir -p: each level in turn */
    if (*p == '/' || *p == '\0') {
      char was = *p;
      *p = '\0';
      if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "error: --out %s: %s: %s\n", c->out, dir, strerror(errno));
        exit(1);
      }
      if (!(*p = was)) break;
    }
  char *p = slots[next++ & 3];
  snprintf(p, sizeof slots[0], "%s/%s", c->out, name);
  return p;
}

FILE *kit_csv_open(const char *path, const char *header) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(1);
  }
  fprintf(f, "%s\n", header);
  return f;
}

int kit_plot(const char *png, const char *script) {
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
