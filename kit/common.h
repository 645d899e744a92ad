/* Helpers shared by the example programs: flags, progress bar, RESULT line,
 * the report's per-class table, the report's data protocol, a clock.
 * Public API only. Programs, not a library: these print and exit. */
#ifndef FMNIST_EXAMPLES_COMMON_H
#define FMNIST_EXAMPLES_COMMON_H

#include <fmnist.h>

/* ---- flags: --name VALUE or --name=VALUE ---- */
/* value points to: int, double (finite), const char * (into argv), int
 * (bool: --name sets 1, --name=0|1 also works), size_t, uint64_t. */
typedef enum ex_type {
  EX_INT, EX_DOUBLE, EX_STRING, EX_BOOL, EX_SIZE, EX_U64
} ex_type;
typedef struct ex_flag {
  const char *name; /* without the leading "--" */
  ex_type type;
  void *value; /* holds the default before parsing */
  const char *help;
} ex_flag;

/* The flags every program takes. */
typedef struct ex_common {
  const char *data; /* --data DIR; NULL: fmnist_default_data_dir() */
  uint64_t seed;    /* --seed N (42) */
  size_t threads;   /* --threads N (0 = all cores) */
  size_t limit;     /* --limit N: first N images of each set (0 = all) */
  const char *save; /* --save FILE */
  const char *load; /* --load FILE */
  const char *out;  /* --out DIR: where CSV files and plots go (".") */
  char **operands;  /* the arguments that are not flags (see ex_parse_args); */
  size_t n_operands; /* n_operands of them, not NULL-terminated */
  int mpi;          /* --mpi (EX_MPI_FLAG): the ranks of mpirun share the work */
  int rank, ranks;  /* this process's rank and their number (0 and 1 alone) */
} ex_common;

/* --save FILE and --load FILE, for the programs that honour them: put
 * them in the program's own flag table. */
#define EX_SAVE_FLAG(c) {"save", EX_STRING, &(c).save, "save the fitted model to FILE"}
#define EX_LOAD_FLAG(c) {"load", EX_STRING, &(c).load, "load the model from FILE, skip fitting"}

/* --mpi, for the programs built with Open MPI (kfold, cnn_final; sweep
 * always runs so): every rank runs the same steps; ex_check agrees on each
 * outcome over the ranks (an error on any rank stops them all, named);
 * only rank 0 prints and writes files; --threads 0 becomes the cores of
 * the node divided among its ranks. A program built without Open MPI
 * refuses the flag. */
#define EX_MPI_FLAG(c) {"mpi", EX_BOOL, &(c).mpi, "share the work over the ranks of mpirun"}
/* Starts MPI for c (called by the flag parser when --mpi is given). */
void ex_mpi_begin(ex_common *c);
/* fmnist_model_fit, data-parallel over the ranks with --mpi; returns the
 * seconds spent in MPI_Allreduce (0 alone). Exits 1 on failure. */
double ex_fit(const ex_common *c, fmnist_model *m, const fmnist_dataset *train,
              const fmnist_dataset *valid);
/* fmnist_cross_validate, its folds spread over the ranks with --mpi. */
fmnist_status ex_cross_validate(const ex_common *c, const fmnist_model *m,
                                const fmnist_dataset *ds, size_t k, uint64_t seed,
                                fmnist_cv **out);

/* Fills *c with defaults, then parses argv into it and into the program's
 * own flags (extra[0..n_extra-1], may be NULL). --help prints purpose and
 * every flag with its default, exit 0; an unknown flag or a bad value
 * prints a message on stderr, exit 2. */
void ex_parse_flags(int argc, char **argv, const char *purpose, ex_common *c,
                    const ex_flag *extra, size_t n_extra);
/* The same for a program that also takes operands (file names, ...): every
 * argument that is not a flag, and everything after "--", goes to
 * c->operands; `operands` names them in the usage line ("IMAGE..."). */
void ex_parse_args(int argc, char **argv, const char *purpose, const char *operands,
                   ex_common *c, const ex_flag *extra, size_t n_extra);

/* ---- progress bar on stderr (only if stderr is a terminal) ---- */
/* An fmnist_progress_fn: draws "epoch 3/20 [#####.....] 812/1563", at most
 * ~10 times a second; user is ignored (pass NULL). Never cancels. */
int ex_progress(void *user, fmnist_stage stage, size_t done, size_t total);
/* Erases the bar if one is drawn; call before printing to stdout. */
void ex_progress_clear(void);

/* ---- the final "RESULT key=value ..." line ---- */
typedef struct ex_result { char buf[1024]; size_t len; } ex_result;
void ex_result_init(ex_result *r);
void ex_result_str(ex_result *r, const char *key, const char *value);
void ex_result_int(ex_result *r, const char *key, long long value);
void ex_result_double(ex_result *r, const char *key, double value);
/* Prints the line on stdout. */
void ex_result_print(const ex_result *r);

/* ---- tables ---- */
/* The report's Figure 3: per class name, label, precision, recall, F1 and
 * support, then accuracy, macro and weighted averages, on stdout. */
void ex_print_class_table(const fmnist_metrics *m);

/* ---- data ---- */
/* The report's protocol: the official train set split stratified (seed)
 * 50000/10000 into train and valid, and the official test set. With
 * --limit N only the first N images of each official set are used (the
 * split keeps the 5:1 ratio). Prints "error: ..." and exits 1 on failure. */
typedef struct ex_data { fmnist_dataset *train, *valid, *test; } ex_data;
void ex_load_protocol(const ex_common *c, ex_data *d);
void ex_data_free(ex_data *d);
/* Loads one official set (honouring --data and --limit); exits 1 on error. */
fmnist_dataset *ex_load_set(const ex_common *c, fmnist_set set);
/* Prints "error: <fmnist_last_error()>" and exits 1 unless s is FMNIST_OK. */
void ex_check(fmnist_status s);

/* Monotonic clock in seconds. */
double ex_now(void);

/* "<--out DIR>/name", the directory made if it is missing (exits 1 if it
 * cannot be); static storage, valid until four more calls. On a rank
 * other than 0 of --mpi: "/dev/null" (rank 0 writes the files). */
const char *ex_out_path(const ex_common *c, const char *name);

#endif
