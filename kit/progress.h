/* The progress bar on stderr (only if stderr is a terminal). */
#ifndef FMNIST_KIT_PROGRESS_H
#define FMNIST_KIT_PROGRESS_H

#include <stddef.h>

#include <fmnist.h>

/* An fmnist_progress_fn: draws "epoch 3/20 [#####.....] 812/1563", at most
 * ~10 times a second; user is ignored (pass NULL). Never cancels. */
int kit_progress(void *user, fmnist_stage stage, size_t done, size_t total);
/* Erases the bar if one is drawn; call before printing to stdout. */
void kit_progress_clear(void);

#endif
