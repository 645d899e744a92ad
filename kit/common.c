/* Helpers shared by the example programs (see common.h). */
#include "common.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef EX_MPI
#include <fmnist_mpi.h>
#endif

/* ---- flags ---- */

static void usage(const char *prog, const char *purpose, const char *operands,
                  const ex_flag *tabs[2], const size_t n[2]) {
  static const char *const metavar[] = {"N", "X", "TEXT", "", "N", "N"};
  printf("usage: %s [--flag VALUE ...]%s%s\n%s\n\n", prog, operands ? " " : "",
         operands ? operands : "", purpose);
  int width = 18; /* the flag column: as wide as the longest "--name METAVAR" */
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n[k]; i++) {
      int len = (int)(strlen(tabs[k][i].name) + strlen(metavar[tabs[k][i].type]) + 3);
      if (len > width) width = len;
    }
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n[k]; i++) {
      const ex_flag *f = &tabs[k][i];
      const void *v = f->value;
      char left[64];
      snprintf(left, sizeof left, "--%s %s", f->name, metavar[f->type]);
      printf("  %-*s %s (default: ", width, left, f->help);
      switch (f->type) {
        case EX_INT: printf("%d)\n", *(const int *)v); break;
        case EX_DOUBLE: printf("%g)\n", *(const double *)v); break;
        case EX_BOOL: printf("%s)\n", *(const int *)v ? "on" : "off"); break;
        case EX_SIZE: printf("%zu)\n", *(const size_t *)v); break;
        case EX_U64: printf("%" PRIu64 ")\n", *(const uint64_t *)v); break;
        case EX_STRING: {
          const char *const *sp = v;
          printf("%s)\n", *sp ? *sp : "none");
        }
      }
    }
  printf("  %-*s this text\n", width, "--help");
}

/* Stores text into f; 0 if it is not a valid value of f's type. */
static int set_value(const ex_flag *f, const char *text) {
  char *end;
  errno = 0;
  if (f->type == EX_STRING) {
    *(const char **)f->value = text;
  } else if (f->type == EX_BOOL) {
    if (strcmp(text, "0") && strcmp(text, "1")) return 0;
    *(int *)f->value = text[0] == '1';
  } else if (f->type == EX_DOUBLE) {
    double v = strtod(text, &end);
    if (errno || *end || end == text || !isfinite(v)) return 0;
    *(double *)f->value = v;
  } else if (f->type == EX_INT) {
    long v = strtol(text, &end, 10);
    if (errno || *end || end == text || v < INT_MIN || v > INT_MAX) return 0;
    *(int *)f->value = (int)v;
  } else {
    if (strchr(text, '-')) return 0; /* strtoull would wrap negatives */
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || end == text) return 0;
    if (f->type == EX_U64) *(uint64_t *)f->value = (uint64_t)v;
    else if (v > SIZE_MAX) return 0;
    else *(size_t *)f->value = (size_t)v;
  }
  return 1;
}

void ex_parse_flags(int argc, char **argv, const char *purpose, ex_common *c,
                    const ex_flag *extra, size_t n_extra) {
  ex_parse_args(argc, argv, purpose, NULL, c, extra, n_extra);
}

void ex_parse_args(int argc, char **argv, const char *purpose, const char *operands,
                   ex_common *c, const ex_flag *extra, size_t n_extra) {
  *c = (ex_common){NULL, 42, 0, 0, NULL, NULL, ".", NULL, 0, 0, 0, 1};
  const ex_flag common[] = {
      {"data", EX_STRING, &c->data, "data directory ($FMNIST_DATA, else "
                                    "the Debian package's)"},
      {"seed", EX_U64, &c->seed, "seed of every random choice"},
      {"threads", EX_SIZE, &c->threads, "threads, 0 = all cores"},
      {"limit", EX_SIZE, &c->limit, "use the first N images of each set, "
                                    "0 = all"},
      {"out", EX_STRING, &c->out, "directory for the CSV files and plots"},
  };
  const ex_flag *tabs[2] = {common, extra};
  const size_t n[2] = {sizeof common / sizeof common[0], extra ? n_extra : 0};
  /* Operands are gathered, in order, at the front of argv (slots already
   * read), so c->operands needs no memory of its own. */
  c->operands = argv + 1;
  int after_dashes = 0;
  for (int i = 1; i < argc; i++) {
    char *arg = argv[i];
    if (operands && !after_dashes && !strcmp(arg, "--")) {
      after_dashes = 1;
      continue;
    }
    /* an operand: after "--", or not a flag ("-" alone is a name too) */
    if (operands && (after_dashes || arg[0] != '-' || !strcmp(arg, "-"))) {
      c->operands[c->n_operands++] = arg;
      continue;
    }
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      usage(argv[0], purpose, operands, tabs, n);
      exit(0);
    }
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const ex_flag *f = NULL;
    for (int k = 0; k < 2 && !f && arg[0] == '-' && arg[1] == '-'; k++)
      for (size_t j = 0; j < n[k]; j++)
        if (strlen(tabs[k][j].name) == len - 2 &&
            !strncmp(tabs[k][j].name, arg + 2, len - 2))
          f = &tabs[k][j];
    if (!f) {
      fprintf(stderr, "%s: unknown flag '%s' (try --help)\n", argv[0], arg);
      exit(2);
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value && f->type == EX_BOOL) value = "1";
    if (!value && i + 1 < argc) value = argv[++i];
    if (!value || !set_value(f, value)) {
      static const char *const want[] = {"an integer", "a finite number",
                                         "a value", "0 or 1",
                                         "an integer >= 0", "an integer >= 0"};
      fprintf(stderr, "%s: --%s needs %s, got '%s'\n", argv[0], f->name,
              want[f->type], value ? value : "nothing");
      exit(2);
    }
  }
  if (c->mpi) ex_mpi_begin(c);
}

/* ---- MPI ---- */

#ifdef EX_MPI
static int mpi_active; /* ex_check agrees over MPI_COMM_WORLD */

static void mpi_end(void) {
  int finalized;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void ex_mpi_begin(ex_common *c) {
  MPI_Init(NULL, NULL);
  atexit(mpi_end);
  mpi_active = c->mpi = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
  MPI_Comm_size(MPI_COMM_WORLD, &c->ranks);
  if (c->threads == 0) { /* the node's cores shared by its ranks */
    MPI_Comm node;
    int here;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &here);
    MPI_Comm_free(&node);
    c->threads = fmnist_cpu_count() / (size_t)here ? fmnist_cpu_count() / (size_t)here : 1;
  }
  if (c->rank != 0 && !freopen("/dev/null", "w", stdout)) exit(1); /* rank 0 speaks */
}

double ex_fit(const ex_common *c, fmnist_model *m, const fmnist_dataset *train,
              const fmnist_dataset *valid) {
  double allreduce_s = 0;
  ex_check(c->mpi ? fmnist_mpi_fit(MPI_COMM_WORLD, m, train, valid, &allreduce_s)
                  : fmnist_model_fit(m, train, valid));
  return allreduce_s;
}

fmnist_status ex_cross_validate(const ex_common *c, const fmnist_model *m,
                                const fmnist_dataset *ds, size_t k, uint64_t seed,
                                fmnist_cv **out) {
  return c->mpi ? fmnist_mpi_cross_validate(MPI_COMM_WORLD, m, ds, k, seed, out)
                : fmnist_cross_validate(m, ds, k, seed, out);
}
#else
void ex_mpi_begin(ex_common *c) {
  (void)c;
  fprintf(stderr, "error: --mpi: this program was built without Open MPI (apt-get install "
                  "libopenmpi-dev openmpi-bin, then make examples)\n");
  exit(2);
}

double ex_fit(const ex_common *c, fmnist_model *m, const fmnist_dataset *train,
              const fmnist_dataset *valid) {
  (void)c;
  ex_check(fmnist_model_fit(m, train, valid));
  return 0;
}

fmnist_status ex_cross_validate(const ex_common *c, const fmnist_model *m,
                                const fmnist_dataset *ds, size_t k, uint64_t seed,
                                fmnist_cv **out) {
  (void)c;
  return fmnist_cross_validate(m, ds, k, seed, out);
}
#endif

/* ---- progress bar ---- */

static struct {
  int tty;                 /* stderr is a terminal: 1, not: 0, unknown: -1 */
  int drawn;               /* a bar is on screen */
  double last;             /* when it was drawn */
  size_t epoch, epochs;    /* epochs done / total, from FMNIST_STAGE_EPOCH */
} bar = {-1, 0, 0.0, 0, 0};

void ex_progress_clear(void) {
  if (bar.drawn) fputs("\r\033[K", stderr);
  bar.drawn = 0;
}

int ex_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  static const char *const what[] = {"batch", "epoch", "tree",
                                     "predict", "fold", "step"};
  (void)user;
  if (stage == FMNIST_STAGE_EPOCH) { /* the heading of later batches */
    bar.epoch = done < total ? done : 0;
    bar.epochs = done < total ? total : 0; /* a fit ended: forget it */
  }
  if (bar.tty < 0) bar.tty = isatty(2);
  if (!bar.tty) return 0;
  /* A finished epoch's batches are not the end; the epoch count's is. */
  int last = done >= total && (stage != FMNIST_STAGE_BATCH || !bar.epochs);
  double now = ex_now();
  if (last) {
    ex_progress_clear();
    return 0;
  }
  if (bar.drawn && now - bar.last < 0.1) return 0; /* ~10 redraws a second */
  char head[48], hashes[21];
  if (stage == FMNIST_STAGE_BATCH && bar.epochs)
    snprintf(head, sizeof head, "epoch %zu/%zu", bar.epoch + 1, bar.epochs);
  else
    snprintf(head, sizeof head, "%s", (unsigned)stage < 6 ? what[stage] : "");
  size_t fill = total ? (done > total ? total : done) * 20 / total : 0;
  for (size_t i = 0; i < 20; i++) hashes[i] = i < fill ? '#' : '.';
  hashes[20] = '\0';
  fprintf(stderr, "\r\033[K%s [%s] %zu/%zu", head, hashes, done, total);
  fflush(stderr);
  bar.drawn = 1;
  bar.last = now;
  return 0;
}

/* ---- RESULT line ---- */

void ex_result_init(ex_result *r) {
  r->len = (size_t)snprintf(r->buf, sizeof r->buf, "RESULT");
}

static void add(ex_result *r, const char *key, const char *value) {
  size_t room = sizeof r->buf - r->len;
  int w = snprintf(r->buf + r->len, room, " %s=", key);
  if (w < 0 || (size_t)w >= room) return;
  r->len += (size_t)w;
  /* Spaces would break key=value parsing of the line. */
  for (; *value && r->len + 1 < sizeof r->buf; value++)
    r->buf[r->len++] = *value == ' ' ? '_' : *value;
  r->buf[r->len] = '\0';
}

void ex_result_str(ex_result *r, const char *key, const char *value) {
  add(r, key, value ? value : "none");
}
void ex_result_int(ex_result *r, const char *key, long long value) {
  char v[32];
  snprintf(v, sizeof v, "%lld", value);
  add(r, key, v);
}
void ex_result_double(ex_result *r, const char *key, double value) {
  char v[32];
  snprintf(v, sizeof v, "%.6g", value); /* NaN prints "nan" or "-nan" */
  add(r, key, isnan(value) ? "nan" : v);
}

void ex_result_print(const ex_result *r) {
  ex_progress_clear();
  printf("%s\n", r->buf);
  fflush(stdout);
}

/* ---- Figure 3 ---- */

void ex_print_class_table(const fmnist_metrics *m) {
  static const fmnist_score cols[] = {FMNIST_SCORE_PRECISION, FMNIST_SCORE_RECALL,
                                      FMNIST_SCORE_F1};
  ex_progress_clear();
  printf("%-13s %5s %9s %7s %8s %8s\n", "Class", "Label", "Precision",
         "Recall", "F1-score", "Support");
  for (int c = 0; c < FMNIST_CLASSES; c++) {
    printf("%-13s %5d", fmnist_class_name(c), c);
    for (int k = 0; k < 3; k++)
      printf(" %*.2f", k == 0 ? 9 : k == 1 ? 7 : 8,
             fmnist_metrics_class(m, c, cols[k]));
    printf(" %8.0f\n", fmnist_metrics_class(m, c, FMNIST_SCORE_SUPPORT));
  }
  size_t n = fmnist_metrics_count(m);
  printf("\n%-13s %5s %9s %7s %8.2f %8zu\n", "accuracy", "", "", "",
         fmnist_metrics_accuracy(m), n);
  static const char *const avg_name[] = {"macro avg", "weighted avg"};
  for (int a = 0; a < 2; a++) {
    printf("%-13s %5s", avg_name[a], "");
    for (int k = 0; k < 3; k++)
      printf(" %*.2f", k == 0 ? 9 : k == 1 ? 7 : 8,
             fmnist_metrics_average(m, cols[k], (fmnist_average)a));
    printf(" %8zu\n", n);
  }
}

/* ---- data ---- */

void ex_check(fmnist_status s) {
  int rank = 0;
#ifdef EX_MPI
  if (mpi_active) { /* every rank checks the same steps: agree, then stop together */
    s = fmnist_mpi_agree(MPI_COMM_WORLD, s);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  }
#endif
  if (s == FMNIST_OK) return;
  ex_progress_clear();
  const char *msg = fmnist_last_error();
  if (rank == 0) fprintf(stderr, "error: %s\n", *msg ? msg : fmnist_strerror(s));
  exit(1);
}

fmnist_dataset *ex_load_set(const ex_common *c, fmnist_set set) {
  fmnist_dataset *ds = NULL, *part = NULL;
  ex_check(fmnist_dataset_load(c->data, set, &ds));
  size_t n = fmnist_dataset_count(ds);
  if (c->limit == 0 || c->limit >= n) return ds;
  size_t *idx = malloc(c->limit * sizeof *idx);
  if (!idx) {
    fprintf(stderr, "error: out of memory\n");
    exit(1);
  }
  for (size_t i = 0; i < c->limit; i++) idx[i] = i;
  ex_check(fmnist_dataset_subset(ds, idx, c->limit, &part));
  free(idx);
  fmnist_dataset_free(ds);
  return part;
}

void ex_load_protocol(const ex_common *c, ex_data *d) {
  fmnist_dataset *full = ex_load_set(c, FMNIST_SET_TRAIN);
  /* 50000 of 60000: the report's ratio, kept under --limit. */
  size_t first = fmnist_dataset_count(full) * 5 / 6;
  ex_check(fmnist_dataset_split(full, first, 1, c->seed, &d->train,
                                &d->valid));
  fmnist_dataset_free(full);
  d->test = ex_load_set(c, FMNIST_SET_TEST);
}

void ex_data_free(ex_data *d) {
  fmnist_dataset_free(d->train);
  fmnist_dataset_free(d->valid);
  fmnist_dataset_free(d->test);
  d->train = d->valid = d->test = NULL;
}

double ex_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *ex_out_path(const ex_common *c, const char *name) {
  static char slots[4][1024];
  static int next;
  if (c->rank != 0) return "/dev/null";
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
