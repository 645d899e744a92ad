/* sweep: an option sweep over the ranks of mpirun (libfmnist_mpi). A
 * model of the report (--model) under each setting of a grid file (one
 * "key=value ..." per line; blank lines and '#' comments skipped), each
 * fitted on the report's 50k training split and scored on its 10k
 * validation split by whichever rank is free; prints the table in the
 * file's order and writes it as CSV (sweep_<model>.csv in --out).
 *
 *   mpirun -np 4 ./examples/sweep --grid grid.txt --model knn_5 --threads 1
 *
 * Run without mpirun it is one process doing every setting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fmnist_mpi.h>

#include "plot.h"
#include "report.h"

enum { MAX_SETTINGS = 4096, MAX_LINE = 4096 };

/* The settings of a grid file (strdup'd into lines); exits 2 if it cannot
 * be read. */
static size_t read_grid(const char *path, char **lines) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(2);
  }
  char line[MAX_LINE];
  size_t n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line + strspn(line, " \t");
    if (!*p || *p == '#') continue;
    if (n == MAX_SETTINGS) {
      fprintf(stderr, "%s: more than %d settings\n", path, MAX_SETTINGS);
      exit(2);
    }
    lines[n++] = strdup(p);
  }
  fclose(f);
  if (!n) {
    fprintf(stderr, "%s: no settings\n", path);
    exit(2);
  }
  return n;
}

int main(int argc, char **argv) {
  ex_common c;
  const char *grid = NULL, *name = "knn_5";
  const ex_flag extra[] = {
      {"grid", EX_STRING, &grid, "file of settings, one \"key=value ...\" per line"},
      {"model", EX_STRING, &name, "the report's model the settings change"},
  };
  ex_parse_flags(argc, argv, "An option sweep over the ranks of mpirun.", &c, extra,
                 sizeof extra / sizeof extra[0]);
  if (!grid) {
    fprintf(stderr, "%s: --grid FILE is needed (try --help)\n", argv[0]);
    return 2;
  }
  c.mpi = 1;
  ex_mpi_begin(&c);
  const ex_report_model *row = ex_report_find(name);
  if (!row) return 2;
  static char *settings[MAX_SETTINGS];
  size_t n = read_grid(grid, settings);
  ex_data d;
  ex_load_protocol(&c, &d);
  fmnist_model *base = ex_report_create(row, &c, 0);
  fmnist_metrics **metrics = calloc(n, sizeof *metrics);
  double *seconds = calloc(n, sizeof *seconds);
  if (!metrics || !seconds) return 1;
  double t0 = ex_now();
  ex_check(fmnist_mpi_sweep(MPI_COMM_WORLD, base, (const char *const *)settings, n, d.train,
                            d.valid, metrics, seconds));
  double wall_s = ex_now() - t0;
  ex_progress_clear();

  char csv_name[128];
  snprintf(csv_name, sizeof csv_name, "sweep_%s.csv", name);
  const char *csv_path = ex_out_path(&c, csv_name);
  FILE *csv = ex_csv_open(csv_path, "setting,accuracy,macro_f1,fit_s");
  printf("sweep of %s over %zu settings on %d ranks x %zu threads (seed %llu; validation "
         "split, %zu images)\n",
         row->label, n, c.ranks, c.threads, (unsigned long long)c.seed,
         fmnist_dataset_count(d.valid));
  printf("%4s  %-48s %9s %9s %8s\n", "#", "setting", "accuracy", "macro F1", "fit s");
  size_t best = 0;
  for (size_t i = 0; i < n; i++) {
    double acc = fmnist_metrics_accuracy(metrics[i]);
    double f1 = fmnist_metrics_average(metrics[i], FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
    printf("%4zu  %-48s %9.4f %9.4f %8.1f\n", i + 1, settings[i], acc, f1, seconds[i]);
    fprintf(csv, "\"%s\",%.4f,%.4f,%.2f\n", settings[i], acc, f1, seconds[i]);
    if (acc > fmnist_metrics_accuracy(metrics[best])) best = i;
  }
  fclose(csv);
  printf("best: #%zu \"%s\"; table in %s\n", best + 1, settings[best], csv_path);

  ex_result res;
  ex_result_init(&res);
  ex_result_str(&res, "model", row->name);
  ex_result_double(&res, "accuracy", fmnist_metrics_accuracy(metrics[best]));
  ex_result_double(&res, "macro_f1",
                   fmnist_metrics_average(metrics[best], FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO));
  ex_result_int(&res, "best", (long long)best + 1);
  ex_result_int(&res, "settings", (long long)n);
  ex_result_int(&res, "ranks", c.ranks);
  ex_result_double(&res, "wall_s", wall_s);
  ex_result_print(&res);
  for (size_t i = 0; i < n; i++) {
    fmnist_metrics_free(metrics[i]);
    free(settings[i]);
  }
  free(metrics);
  free(seconds);
  fmnist_model_free(base);
  ex_data_free(&d);
  return 0;
}
