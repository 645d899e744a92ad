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

#include "kit/check.h"
#include "kit/clock.h"
#include "kit/plot.h"
#include "kit/progress.h"
#include "kit/ranks.h"
#include "kit/report.h"
#include "kit/result.h"
#include "kit/text.h"

enum { MAX_SETTINGS = 4096, MAX_LINE = 4096 };

/* The settings of a grid file (copied into lines); exits 2 if it cannot
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
    lines[n++] = kit_format("%s", p);
  }
  fclose(f);
  if (!n) {
    fprintf(stderr, "%s: no settings\n", path);
    exit(2);
  }
  return n;
}

int main(int argc, char **argv) {
  kit_common c;
  const char *grid = NULL, *name = "knn_5";
  const kit_flag extra[] = {
      {"grid", KIT_STRING, &grid, "file of settings, one \"key=value ...\" per line"},
      {"model", KIT_STRING, &name, "the report's model the settings change"},
  };
  kit_parse_example(argc, argv, "An option sweep over the ranks of mpirun.", extra,
                    KIT_LEN(extra), &c);
  if (!grid) {
    fprintf(stderr, "%s: --grid FILE is needed (try --help)\n", argv[0]);
    return 2;
  }
  c.mpi = 1;
  kit_mpi_begin(&c);
  const kit_report_model *row = kit_report_find(name);
  if (!row) return 2;
  static char *settings[MAX_SETTINGS];
  size_t n = read_grid(grid, settings);
  kit_data d;
  kit_load_protocol(&c, &d);
  fmnist_model *base = kit_report_create(row, &c, 0);
  fmnist_metrics **metrics = kit_alloc(n, sizeof *metrics);
  double *seconds = kit_alloc(n, sizeof *seconds);
  double t0 = kit_now();
  kit_check(fmnist_mpi_sweep(MPI_COMM_WORLD, base, (const char *const *)settings, n, d.train,
                            d.valid, metrics, seconds));
  double wall_s = kit_now() - t0;
  kit_progress_clear();

  const char *csv_path = kit_out_path(&c, "sweep_%s.csv", name);
  FILE *csv = kit_csv_open(csv_path, "setting,accuracy,macro_f1,fit_s");
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

  kit_result res;
  kit_result_init(&res);
  kit_result_str(&res, "model", row->name);
  kit_result_double(&res, "accuracy", fmnist_metrics_accuracy(metrics[best]));
  kit_result_double(&res, "macro_f1",
                   fmnist_metrics_average(metrics[best], FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO));
  kit_result_int(&res, "best", (long long)best + 1);
  kit_result_int(&res, "settings", (long long)n);
  kit_result_int(&res, "ranks", c.ranks);
  kit_result_double(&res, "wall_s", wall_s);
  kit_result_print(&res);
  for (size_t i = 0; i < n; i++) {
    fmnist_metrics_free(metrics[i]);
    free(settings[i]);
  }
  free(metrics);
  free(seconds);
  fmnist_model_free(base);
  kit_data_free(&d);
  return 0;
}
