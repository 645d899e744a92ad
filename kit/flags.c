/* The kit's flag parser and the table of the shared flags (see flags.h). */
#include "kit/flags.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/ranks.h"

/* The flags programs share, with each kind's default as flag text (""
 * leaves the value unset: none, 0) or NULL where that kind does not take
 * the flag: the one home of these defaults. A program changes one of them
 * through kit_program.defaults, which --help then shows. */
#define FIELD(name) offsetof(kit_common, name)
static const struct shared_flag {
  const char *name;
  kit_type type;
  size_t field;
  const char *def[KIT_KINDS]; /* [KIT_EXAMPLE], [KIT_BENCH] */
  const char *help;
} shared[] = {
    /* flag         type        field             examples  benchmarks */
    {"data",        KIT_STRING, FIELD(data),      {"",      ""},
     "data directory ($FMNIST_DATA, else the Debian package's)"},
    {"seed",        KIT_U64,    FIELD(seed),      {"42",    "42"}, "seed of every random choice"},
    /* benchmarks: a fixed count, given to both sides (the peer's too), so
       that a figure means the same on a machine with more cores */
    {"threads",     KIT_SIZE,   FIELD(threads),   {"0",     "2"},  "threads, 0 = all cores"},
    {"runs",        KIT_SIZE,   FIELD(runs),      {NULL,    "1"},
     "timed runs of our side (median)"},
    {"limit",       KIT_SIZE,   FIELD(limit),     {"0",     "0"},
     "use the first N images of each set, 0 = all"},
    {"peer",        KIT_SIZE,   FIELD(peer),      {NULL,    "1"},  "1: run the peer, 0: ours only"},
    {"python",      KIT_STRING, FIELD(python),    {NULL,    "/usr/bin/python3"},
     "interpreter of the peer"},
    {"peer-script", KIT_STRING, FIELD(script),    {NULL,    "bench/peers/sklearn_peer.py"},
     "the peer program"},
    {"split-dir",   KIT_STRING, FIELD(split_dir), {NULL,    ""},
     "also write the split's raw files to DIR"},
    {"out",         KIT_STRING, FIELD(out),       {".",     NULL},
     "directory for the CSV files and plots"},
};
#define N_SHARED (sizeof shared / sizeof shared[0])

static void usage(const char *prog, const kit_program *p, const kit_flag *tabs[2],
                  const size_t n[2]) {
  static const char *const metavar[] = {"N", "X", "TEXT", "", "N", "N"};
  printf("usage: %s [--flag VALUE ...]%s%s\n%s\n\n", prog, p->operands ? " " : "",
         p->operands ? p->operands : "", p->purpose);
  int width = 18; /* the flag column: as wide as the longest "--name METAVAR" */
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n[k]; i++) {
      int len = (int)(strlen(tabs[k][i].name) + strlen(metavar[tabs[k][i].type]) + 3);
      if (len > width) width = len;
    }
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < n[k]; i++) {
      const kit_flag *f = &tabs[k][i];
      const void *v = f->value;
      char left[64];
      snprintf(left, sizeof left, "--%s %s", f->name, metavar[f->type]);
      printf("  %-*s %s (default: ", width, left, f->help);
      switch (f->type) {
        case KIT_INT: printf("%d)\n", *(const int *)v); break;
        case KIT_DOUBLE: printf("%g)\n", *(const double *)v); break;
        case KIT_BOOL: printf("%s)\n", *(const int *)v ? "on" : "off"); break;
        case KIT_SIZE: printf("%zu)\n", *(const size_t *)v); break;
        case KIT_U64: printf("%" PRIu64 ")\n", *(const uint64_t *)v); break;
        case KIT_STRING: {
          const char *const *sp = v;
          printf("%s)\n", *sp ? *sp : "none");
        }
      }
    }
  printf("  %-*s this text\n", width, "--help");
}

/* Stores text into f; 0 if it is not a valid value of f's type. */
static int set_value(const kit_flag *f, const char *text) {
  char *end;
  errno = 0;
  if (f->type == KIT_STRING) {
    *(const char **)f->value = text;
  } else if (f->type == KIT_BOOL) {
    if (strcmp(text, "0") && strcmp(text, "1")) return 0;
    *(int *)f->value = text[0] == '1';
  } else if (f->type == KIT_DOUBLE) {
    double v = strtod(text, &end);
    if (errno || *end || end == text || !isfinite(v)) return 0;
    *(double *)f->value = v;
  } else if (f->type == KIT_INT) {
    long v = strtol(text, &end, 10);
    if (errno || *end || end == text || v < INT_MIN || v > INT_MAX) return 0;
    *(int *)f->value = (int)v;
  } else {
    if (strchr(text, '-')) return 0; /* strtoull would wrap negatives */
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || end == text) return 0;
    if (f->type == KIT_U64) *(uint64_t *)f->value = (uint64_t)v;
    else if (v > SIZE_MAX) return 0;
    else *(size_t *)f->value = (size_t)v;
  }
  return 1;
}

/* The flag of tabs named by the len characters at name, or NULL. */
static const kit_flag *find(const kit_flag *tabs[2], const size_t n[2], const char *name,
                            size_t len) {
  for (int k = 0; k < 2; k++)
    for (size_t j = 0; j < n[k]; j++)
      if (strlen(tabs[k][j].name) == len && !strncmp(tabs[k][j].name, name, len))
        return &tabs[k][j];
  return NULL;
}

static void bad_value(const char *prog, const kit_flag *f, const char *value) {
  static const char *const want[] = {"an integer", "a finite number", "a value", "0 or 1",
                                     "an integer >= 0", "an integer >= 0"};
  fprintf(stderr, "%s: --%s needs %s, got '%s'\n", prog, f->name, want[f->type],
          value ? value : "nothing");
  exit(2);
}

/* Applies p->defaults ("name=value ..."; the values point into a copy
 * that lives as long as the program). */
static void program_defaults(const char *prog, const kit_program *p, const kit_flag *tabs[2],
                             const size_t n[2]) {
  static char text[512];
  if (!p->defaults) return;
  if (strlen(p->defaults) >= sizeof text) {
    fprintf(stderr, "%s: defaults longer than %zu characters\n", prog, sizeof text - 1);
    exit(2);
  }
  strcpy(text, p->defaults);
  char *save = NULL;
  for (char *tok = strtok_r(text, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(tok, '=');
    const kit_flag *f = eq ? find(tabs, n, tok, (size_t)(eq - tok)) : NULL;
    if (!f) {
      fprintf(stderr, "%s: default '%s' names no flag\n", prog, tok);
      exit(2);
    }
    if (!set_value(f, eq + 1)) bad_value(prog, f, eq + 1);
  }
}

void kit_parse(int argc, char **argv, const kit_program *p, kit_common *c) {
  *c = (kit_common){.ranks = 1};
  kit_flag common[N_SHARED];
  size_t n_common = 0;
  for (size_t i = 0; i < N_SHARED; i++) {
    const struct shared_flag *s = &shared[i];
    if (!s->def[p->kind]) continue;
    kit_flag f = {s->name, s->type, (char *)c + s->field, s->help};
    const char *def = s->def[p->kind];
    if (*def && !set_value(&f, def)) bad_value(argv[0], &f, def);
    common[n_common++] = f;
  }
  const kit_flag *tabs[2] = {common, p->flags};
  const size_t n[2] = {n_common, p->flags ? p->n_flags : 0};
  program_defaults(argv[0], p, tabs, n);
  /* Operands are gathered, in order, at the front of argv (slots already
   * read), so c->operands needs no memory of its own. */
  c->operands = argv + 1;
  int after_dashes = 0;
  for (int i = 1; i < argc; i++) {
    char *arg = argv[i];
    if (p->operands && !after_dashes && !strcmp(arg, "--")) {
      after_dashes = 1;
      continue;
    }
    /* an operand: after "--", or not a flag ("-" alone is a name too) */
    if (p->operands && (after_dashes || arg[0] != '-' || !strcmp(arg, "-"))) {
      c->operands[c->n_operands++] = arg;
      continue;
    }
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      usage(argv[0], p, tabs, n);
      exit(0);
    }
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const kit_flag *f = arg[0] == '-' && arg[1] == '-' ? find(tabs, n, arg + 2, len - 2) : NULL;
    if (!f) {
      fprintf(stderr, "%s: unknown flag '%s' (try --help)\n", argv[0], arg);
      exit(2);
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value && f->type == KIT_BOOL) value = "1";
    if (!value && i + 1 < argc) value = argv[++i];
    if (!value || !set_value(f, value)) bad_value(argv[0], f, value);
  }
  if (c->mpi) kit_mpi_begin(c);
}

void kit_parse_example(int argc, char **argv, const char *purpose, const kit_flag *flags,
                       size_t n_flags, kit_common *c) {
  const kit_program p = {.kind = KIT_EXAMPLE, .purpose = purpose, .flags = flags,
                         .n_flags = n_flags};
  kit_parse(argc, argv, &p, c);
}
