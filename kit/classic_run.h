/* The run shared by examples/logreg.c, knn.c and forest.c: fit (or load)
 * one model on the report's 50k split, then validation and official-test
 * figures, the Figure 3 table and one RESULT line. Public API only. */
#ifndef FMNIST_EXAMPLES_CLASSIC_RUN_H
#define FMNIST_EXAMPLES_CLASSIC_RUN_H

#include "common.h"

/* Fits (or, with --load, loads) a model of `family` named `name` for the
 * RESULT line; kv: "key", "value", ... NULL (the family's options from
 * flags). Returns the program's exit status. */
int classic_run(const char *family, const char *name, const char *const *kv, const ex_common *c);

#endif
