/* The run of the classical-model examples (logreg, knn, forest): fit (or
 * load) one model on the report's 50k split, then validation and
 * official-test figures, the Figure 3 table and one RESULT line. */
#ifndef FMNIST_KIT_CLASSIC_RUN_H
#define FMNIST_KIT_CLASSIC_RUN_H

#include "kit/flags.h"

/* Fits (or, with --load, loads) a model of `family` named `name` for the
 * RESULT line; kv: "key", "value", ... NULL (the family's options from
 * flags). Returns the program's exit status. */
int kit_classic_run(const char *family, const char *name, const char *const *kv,
                    const kit_common *c);

#endif
