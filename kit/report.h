/* The report's models and its published figures, shared by the programs
 * that compare, cross-validate or stress them, and by the benchmarks (the
 * report's networks as the library's presets spell them). */
#ifndef FMNIST_KIT_REPORT_H
#define FMNIST_KIT_REPORT_H

#include <fmnist.h>

#include "kit/data.h"
#include "kit/flags.h"

/* One model of the report's Figure 5, with the report's own numbers. */
typedef struct kit_report_model {
  const char *name;           /* short name used by --model flags */
  const char *label;          /* as the report's table names it */
  const char *regularization; /* the report's "Regularization" column */
  const char *preset;         /* the library's preset; NULL: the same as name */
  const char *options; /* "key=value ..." over the preset's (variants of a row) */
  double precision, recall, f1; /* the report's Figure 5 (macro averages) */
  int slow;                     /* minutes rather than seconds on 2 cores */
} kit_report_model;

/* The rows of Figure 5, in the report's order; *n receives the count. */
const kit_report_model *kit_report_models(size_t *n);
/* The row named name, or NULL (an unknown name lists the names on stderr). */
const kit_report_model *kit_report_find(const char *name);
/* The layer spec of a net row ("cnn_final", ...); exits if unknown. */
const char *kit_report_layers(const char *name);
/* A variant of a spec: every token of kind (the name before ':', "noise",
 * "bn", "relu") replaced by token, or dropped if token is NULL. Returns a
 * malloc'd string for the caller to free; exits if out of memory. */
char *kit_spec_edit(const char *spec, const char *kind, const char *token);
/* Creates the model of a row with the common flags (--seed, --threads)
 * applied and, for nets, epochs (0 = the report's 20); exits on error. */
fmnist_model *kit_report_create(const kit_report_model *row, const kit_common *c,
                                size_t epochs);

/* Fits row's model on d->train (validation d->valid), or, if cache_dir is
 * set and holds <name>.fmm, loads it instead; a fitted model is saved there.
 * *fit_s receives the fit seconds (0 when loaded). Exits on error. */
fmnist_model *kit_report_fit(const kit_report_model *row, const kit_common *c, size_t epochs,
                             const kit_data *d, const char *cache_dir, double *fit_s);

/* Splits a comma-separated list of row names ("all": every row, "fast":
 * the rows that take seconds) into rows[]; returns the count; exits on an
 * unknown name. */
size_t kit_report_select(const char *list, const kit_report_model **rows, size_t cap);

#endif
