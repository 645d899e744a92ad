/* The output of a robustness study (examples/robustness): each model's
 * table of test accuracy per corruption and severity, the CSV of them
 * all, and the plot of accuracy against severity, a panel per corruption
 * and a line per model. */
#ifndef FMNIST_KIT_ROBUST_H
#define FMNIST_KIT_ROBUST_H

#include <stdio.h>

#include "kit/flags.h"

#define KIT_SEVERITIES 5

/* A corruption: its name, its transform op and the op's value at
 * severities 0..KIT_SEVERITIES-1. */
typedef struct kit_corruption {
  const char *name, *op;
  double level[KIT_SEVERITIES];
} kit_corruption;

typedef struct kit_study {
  const kit_corruption *corr;
  size_t n_corr;
  const char **specs; /* "op:level", corruption-major: fmnist_robustness's specs */
  size_t n_specs;     /* n_corr * KIT_SEVERITIES */
  char *csv_path;
  FILE *csv;
  const char **models; /* the names added, for the plot */
  size_t n_models, cap;
} kit_study;

/* Makes the specs and opens <--out>/robustness.csv. */
void kit_study_open(kit_study *s, const kit_common *c, const kit_corruption *corr, size_t n_corr);
/* Prints the table of a model (name, as the report labels it) from its
 * accuracies acc[corruption * KIT_SEVERITIES + severity], writes its CSV
 * rows; returns the mean accuracy over severities 1.. of every
 * corruption. name must live until kit_study_close. */
double kit_study_add(kit_study *s, const char *name, const char *label, const double *acc);
/* Closes the CSV, draws <--out>/robustness.png, frees s. */
void kit_study_close(kit_study *s, const kit_common *c);

#endif
