/* The kit's flag parser: --name VALUE or --name=VALUE, the flags programs
 * share with their defaults (one table, kit/flags.c), each program's own.
 * The kit (kit/) serves every program of examples/ and bench/; it uses the
 * public API only and, being for programs, prints and exits. */
#ifndef FMNIST_KIT_FLAGS_H
#define FMNIST_KIT_FLAGS_H

#include <stddef.h>
#include <stdint.h>

/* What a flag's value points to: int, double (finite), const char * (into
 * argv), int (bool: --name sets 1, --name=0|1 also works), size_t,
 * uint64_t. */
typedef enum kit_type { KIT_INT, KIT_DOUBLE, KIT_STRING, KIT_BOOL, KIT_SIZE, KIT_U64 } kit_type;
typedef struct kit_flag {
  const char *name; /* without the leading "--" */
  kit_type type;
  void *value; /* holds the default before parsing */
  const char *help;
} kit_flag;

/* The kinds of program; each takes its own set of the shared flags, with
 * its own defaults (the table in kit/flags.c). */
typedef enum kit_kind { KIT_EXAMPLE, KIT_BENCH, KIT_KINDS } kit_kind;

/* The shared flags (which kind takes which: kit/flags.c), and what the
 * parse and --mpi learn. */
typedef struct kit_common {
  const char *data;  /* --data DIR; NULL: fmnist_default_data_dir() */
  uint64_t seed;     /* --seed N */
  size_t threads;    /* --threads N (0 = all cores) */
  size_t limit;      /* --limit N: first N images of each set (0 = all) */
  const char *out;   /* --out DIR: where CSV files and plots go (examples) */
  size_t runs;       /* --runs N: timed runs of our side (benchmarks) */
  size_t peer;       /* --peer 0 skips the peer (benchmarks) */
  const char *python, *script; /* --python, --peer-script: the peer (benchmarks) */
  const char *split_dir;       /* --split-dir DIR: also keep the split there */
  const char *save, *load;     /* KIT_SAVE_FLAG, KIT_LOAD_FLAG: a model file */
  char **operands;   /* the arguments that are not flags (kit_program.operands); */
  size_t n_operands; /* n_operands of them, not NULL-terminated */
  int mpi;           /* --mpi (KIT_MPI_FLAG): the ranks of mpirun share the work */
  int rank, ranks;   /* this process's rank and their number (0 and 1 alone) */
} kit_common;

/* --save FILE and --load FILE, for the programs that honour them: put
 * them in the program's own flag table. */
#define KIT_SAVE_FLAG(c) {"save", KIT_STRING, &(c).save, "save the fitted model to FILE"}
#define KIT_LOAD_FLAG(c) {"load", KIT_STRING, &(c).load, "load the model from FILE, skip fitting"}
/* --mpi, for the programs built with Open MPI (kit/ranks.h). */
#define KIT_MPI_FLAG(c) {"mpi", KIT_BOOL, &(c).mpi, "share the work over the ranks of mpirun"}

/* A program as the parser sees it. */
typedef struct kit_program {
  kit_kind kind;        /* which shared flags, with which defaults */
  const char *purpose;  /* a sentence for --help */
  const char *operands; /* how --help names the operands ("[IMAGE...]"); NULL: takes none */
  const char *defaults; /* "name=value ..." replacing the table's defaults for this program;
                           NULL: none */
  const kit_flag *flags; /* the program's own, after the shared ones */
  size_t n_flags;
} kit_program;

/* The number of rows of a flag table. */
#define KIT_LEN(table) (sizeof(table) / sizeof((table)[0]))

/* Fills *c with the defaults of p's kind and p->defaults, then parses argv
 * into it and into p's own flags. With p->operands, every argument that is
 * not a flag, and everything after "--", goes to c->operands. --help
 * prints the purpose and every flag with its default, exit 0; an unknown
 * flag or a bad value prints a message on stderr, exit 2. --mpi starts
 * MPI (kit_mpi_begin). */
void kit_parse(int argc, char **argv, const kit_program *p, kit_common *c);
/* kit_parse of an example that takes no operands: its purpose and flags. */
void kit_parse_example(int argc, char **argv, const char *purpose, const kit_flag *flags,
                       size_t n_flags, kit_common *c);

#endif
