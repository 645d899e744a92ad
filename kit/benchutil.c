/* Benchmark helpers (see benchutil.h). */
#include "benchutil.h"

#include <cblas.h>
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(const char *prog, const char *purpose, const bu_flag *f, size_t n) {
  printf("%s: %s\n\nflags (--name VALUE or --name=VALUE):\n", prog, purpose);
  for (size_t i = 0; i < n; i++) {
    char def[64] = "";
    switch (f[i].type) {
    case BU_SIZE: snprintf(def, sizeof def, "%zu", *(size_t *)f[i].value); break;
    case BU_U64: snprintf(def, sizeof def, "%llu", (unsigned long long)*(uint64_t *)f[i].value); break;
    case BU_DOUBLE: snprintf(def, sizeof def, "%g", *(double *)f[i].value); break;
    case BU_STRING: {
      const char *s = *(const char **)f[i].value;
      snprintf(def, sizeof def, "%s", s ? s : "(none)");
      break;
    }
    }
    printf("  --%-20s %s (default %s)\n", f[i].name, f[i].help, def);
  }
}

static int parse_value(const bu_flag *f, const char *v) {
  char *end;
  errno = 0;
  switch (f->type) {
  case BU_SIZE:
  case BU_U64: {
    if (v[0] == '-' || v[0] == '\0') return 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || errno) return 0;
    if (f->type == BU_SIZE) *(size_t *)f->value = (size_t)x;
    else *(uint64_t *)f->value = (uint64_t)x;
    return 1;
  }
  case BU_DOUBLE: {
    double x = strtod(v, &end);
    if (v[0] == '\0' || *end || errno || !isfinite(x)) return 0;
    *(double *)f->value = x;
    return 1;
  }
  case BU_STRING: *(const char **)f->value = v; return 1;
  }
  return 0;
}

void bu_parse(int argc, char **argv, const char *purpose, size_t default_runs,
              const char *default_script, bu_common *c, const bu_flag *extra, size_t n_extra) {
  c->data = NULL;
  c->seed = 42;
  c->threads = 2;
  c->runs = default_runs;
  c->limit = 0;
  c->peer = 1;
  c->python = "/usr/bin/python3";
  c->script = default_script;
  c->split_dir = NULL;
  bu_flag all[64] = {
      {"data", BU_STRING, &c->data, "data directory"},
      {"seed", BU_U64, &c->seed, "seed of the split, the models and the peer"},
      {"threads", BU_SIZE, &c->threads, "threads of both sides"},
      {"runs", BU_SIZE, &c->runs, "timed runs of our side (median)"},
      {"limit", BU_SIZE, &c->limit, "first N images of each official set (0 = all)"},
      {"peer", BU_SIZE, &c->peer, "1: run the peer, 0: ours only"},
      {"python", BU_STRING, &c->python, "interpreter of the peer"},
      {"peer-script", BU_STRING, &c->script, "the peer program"},
      {"split-dir", BU_STRING, &c->split_dir, "also write the split's raw files to DIR"},
  };
  size_t n = 9;
  for (size_t i = 0; i < n_extra && n < 64; i++) all[n++] = extra[i];
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(argv[0], purpose, all, n);
      exit(0);
    }
    if (strncmp(a, "--", 2) != 0) {
      fprintf(stderr, "%s: unexpected argument %s (try --help)\n", argv[0], a);
      exit(2);
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    size_t k = 0;
    while (k < n && !(strlen(all[k].name) == len && strncmp(all[k].name, name, len) == 0)) k++;
    if (k == n) {
      fprintf(stderr, "%s: unknown flag --%.*s (try --help)\n", argv[0], (int)len, name);
      exit(2);
    }
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v || !parse_value(&all[k], v)) {
      fprintf(stderr, "%s: bad value for --%s\n", argv[0], all[k].name);
      exit(2);
    }
  }
  if (c->runs == 0) c->runs = 1;
  if (c->runs > BU_MAX_RUNS) c->runs = BU_MAX_RUNS;
}

void bu_check(fmnist_status s) {
  if (s == FMNIST_OK) return;
  fprintf(stderr, "error: %s (%s)\n", fmnist_last_error(), fmnist_status_name(s));
  exit(1);
}

static fmnist_dataset *load_set(const bu_common *c, fmnist_set set) {
  fmnist_dataset *ds;
  bu_check(fmnist_dataset_load(c->data, set, &ds));
  if (c->limit && c->limit < fmnist_dataset_count(ds)) {
    size_t *idx = malloc(c->limit * sizeof *idx);
    fmnist_dataset *sub;
    if (!idx) exit(1);
    for (size_t i = 0; i < c->limit; i++) idx[i] = i;
    bu_check(fmnist_dataset_subset(ds, idx, c->limit, &sub));
    free(idx);
    fmnist_dataset_free(ds);
    ds = sub;
  }
  return ds;
}

void bu_data_free(bu_data *d) {
  fmnist_dataset_free(d->train);
  fmnist_dataset_free(d->valid);
  fmnist_dataset_free(d->test);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
    fprintf(stderr, "error: cannot write %s\n", path);
    exit(1);
  }
}

static const char *const split_files[] = {"train_x.u8", "train_y.u8", "test_x.u8", "test_y.u8"};

static void write_set(const char *dir, const char *name, const fmnist_dataset *ds) {
  char file[64];
  size_t n = fmnist_dataset_count(ds);
  snprintf(file, sizeof file, "%s_x.u8", name);
  write_file(dir, file, fmnist_dataset_images(ds), n * FMNIST_PIXELS);
  snprintf(file, sizeof file, "%s_y.u8", name);
  write_file(dir, file, fmnist_dataset_labels(ds), n);
}

void bu_load(const bu_common *c, bu_data *d) {
  fmnist_dataset *full = load_set(c, FMNIST_SET_TRAIN);
  bu_check(fmnist_dataset_split(full, fmnist_dataset_count(full) * 5 / 6, 1, c->seed, &d->train,
                                &d->valid));
  fmnist_dataset_free(full);
  d->test = load_set(c, FMNIST_SET_TEST);
  if (c->split_dir) {
    if (mkdir(c->split_dir, 0755) != 0 && errno != EEXIST) {
      fprintf(stderr, "error: cannot create %s: %s\n", c->split_dir, strerror(errno));
      exit(1);
    }
    write_set(c->split_dir, "train", d->train);
    write_set(c->split_dir, "valid", d->valid);
    write_set(c->split_dir, "test", d->test);
  }
}

void bu_write_layers(const bu_common *c, const char *spec) {
  if (c->split_dir) write_file(c->split_dir, "layers.txt", spec, strlen(spec));
}

/* Writes d->train and d->test into a fresh temporary directory for a peer;
 * returns the directory (static storage). */
static const char *write_split(const bu_data *d) {
  static char dir[512];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/fmnist-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    fprintf(stderr, "error: cannot create %s\n", dir);
    exit(1);
  }
  write_set(dir, "train", d->train);
  write_set(dir, "test", d->test);
  return dir;
}

static void remove_split(const char *dir) {
  char path[600];
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, split_files[i]);
    remove(path);
  }
  rmdir(dir);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bu_median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double bu_peak_rss_mb(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_maxrss / 1024.0; /* Linux: kilobytes */
}

double bu_cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
         (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

void bu_score(const fmnist_dataset *ds, const uint8_t *pred, double *accuracy,
              double *macro_f1) {
  fmnist_metrics *m;
  bu_check(fmnist_metrics_compute(fmnist_dataset_labels(ds), pred, NULL,
                                  fmnist_dataset_count(ds), &m));
  *accuracy = fmnist_metrics_accuracy(m);
  *macro_f1 = fmnist_metrics_average(m, FMNIST_SCORE_F1, FMNIST_AVERAGE_MACRO);
  fmnist_metrics_free(m);
}

static int run_peer(const bu_common *c, const char *args, bu_side *out) {
  char cmd[4096], line[1024];
  snprintf(cmd, sizeof cmd, "%s %s %s", c->python, c->script, args);
  fprintf(stderr, "peer: %s\n", cmd);
  FILE *p = popen(cmd, "r");
  int found = 0;
  *out = (bu_side){NAN, NAN, NAN, NAN, NAN, ""};
  if (!p) {
    fprintf(stderr, "peer: cannot run %s\n", cmd);
    return 0;
  }
  while (fgets(line, sizeof line, p)) {
    if (strncmp(line, "PEER ", 5) != 0) continue;
    found = 1;
    char *save = NULL;
    for (char *tok = strtok_r(line + 5, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
      char *eq = strchr(tok, '=');
      if (!eq) continue;
      *eq = '\0';
      double v = strtod(eq + 1, NULL);
      if (strcmp(tok, "fit_s") == 0) out->fit_s = v;
      else if (strcmp(tok, "predict_s") == 0) out->predict_s = v;
      else if (strcmp(tok, "accuracy") == 0) out->accuracy = v;
      else if (strcmp(tok, "macro_f1") == 0) out->macro_f1 = v;
      else if (strcmp(tok, "rss_mb") == 0) out->rss_mb = v;
      else {
        size_t used = strlen(out->extra);
        snprintf(out->extra + used, sizeof out->extra - used, " peer_%s=%s", tok, eq + 1);
      }
    }
  }
  int rc = pclose(p);
  if (!found || rc != 0) {
    fprintf(stderr, "peer: failed (exit status %d)\n", rc);
    return 0;
  }
  return 1;
}

int bu_peer(const bu_common *c, const bu_data *d, bu_side *out, const char *fmt, ...) {
  char args[3072];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  const char *dir = write_split(d);
  if (len > 0 && (size_t)len < sizeof args)
    snprintf(args + len, sizeof args - (size_t)len, " --dir %s --threads %zu --seed %llu", dir,
             c->threads, (unsigned long long)c->seed);
  int ok = run_peer(c, args, out);
  remove_split(dir);
  return ok;
}

fmnist_model *bu_time_ours(const bu_common *c, const bu_data *d, bu_make_fn make, void *user,
                           bu_side *ours) {
  const size_t n = fmnist_dataset_count(d->test);
  double *t = malloc(4 * c->runs * sizeof *t);
  uint8_t *pred = malloc(n ? n : 1);
  if (!t || !pred) exit(1);
  double *fit = t, *fit_cpu = t + c->runs, *predict = t + 2 * c->runs, *predict_cpu = t + 3 * c->runs;
  fmnist_model *m = NULL;
  for (size_t r = 0; r < c->runs; r++) {
    fmnist_model_free(m);
    m = make(c, user);
    double t0 = ex_now(), c0 = bu_cpu_s();
    bu_check(fmnist_model_fit(m, d->train, NULL));
    fit[r] = ex_now() - t0;
    fit_cpu[r] = bu_cpu_s() - c0;
  }
  for (size_t r = 0; r < c->runs; r++) {
    double t0 = ex_now(), c0 = bu_cpu_s();
    bu_check(fmnist_model_predict(m, fmnist_dataset_images(d->test), n, pred));
    predict[r] = ex_now() - t0;
    predict_cpu[r] = bu_cpu_s() - c0;
  }
  *ours = (bu_side){bu_median(fit, c->runs), bu_median(predict, c->runs), 0, 0, bu_peak_rss_mb(),
                    ""};
  bu_score(d->test, pred, &ours->accuracy, &ours->macro_f1);
  snprintf(ours->extra, sizeof ours->extra, " ours_fit_cpu_s=%.3f ours_predict_cpu_s=%.3f",
           bu_median(fit_cpu, c->runs), bu_median(predict_cpu, c->runs));
  free(t);
  free(pred);
  return m;
}

static void cell(double v, const char *fmt) {
  if (isnan(v)) printf(" %10s", "n/a");
  else printf(fmt, v);
}

static void row(const char *side, const bu_side *s, double ratio) {
  printf("%-12s", side);
  cell(s->fit_s, " %10.3f");
  cell(s->predict_s, " %10.3f");
  cell(s->accuracy, " %10.4f");
  cell(s->macro_f1, " %10.4f");
  cell(s->rss_mb, " %10.1f");
  cell(ratio, " %10.2f");
  printf("\n");
}

const char *bu_blas_core(void) { return openblas_get_corename(); }

void bu_report(const char *name, const char *timed, const char *config, const bu_side *ours,
               const bu_side *peer) {
  int fit = strcmp(timed, "fit") == 0;
  double o = fit ? ours->fit_s : ours->predict_s;
  double p = peer ? (fit ? peer->fit_s : peer->predict_s) : NAN;
  printf("\n%s (%s)\n", name, config);
  printf("%-12s %10s %10s %10s %10s %10s %10s\n", "side", "fit_s", "predict_s", "test_acc",
         "macro_f1", "peak_rss_mb", "ratio");
  row("libfmnist", ours, 1.0);
  if (peer) row("scikit-learn", peer, p / o);
  printf("ratio = scikit-learn %s seconds / libfmnist %s seconds\n", timed, timed);
  printf("RESULT bench=%s ours_s=%.4f peer_s=%.4f ratio=%.3f ours_acc=%.4f peer_acc=%.4f "
         "blas_core=%s%s%s\n",
         name, o, p, p / o, ours->accuracy, peer ? peer->accuracy : NAN, bu_blas_core(),
         ours->extra, peer ? peer->extra : "");
  fflush(stdout);
}

void bu_set(fmnist_model *m, const char *key, const char *fmt, ...) {
  char value[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(value, sizeof value, fmt, ap);
  va_end(ap);
  bu_check(fmnist_model_set(m, key, value));
}
