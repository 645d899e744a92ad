/* The progress bar (see progress.h). */
#include "kit/progress.h"

#include <stdio.h>
#include <unistd.h>

#include "kit/clock.h"

static struct {
  int tty;              /* stderr is a terminal: 1, not: 0, unknown: -1 */
  int drawn;            /* a bar is on screen */
  double last;          /* when it was drawn */
  size_t epoch, epochs; /* epochs done / total, from FMNIST_STAGE_EPOCH */
} bar = {-1, 0, 0.0, 0, 0};

void kit_progress_clear(void) {
  if (bar.drawn) fputs("\r\033[K", stderr);
  bar.drawn = 0;
}

int kit_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  static const char *const what[] = {"batch", "epoch", "tree", "predict", "fold", "step"};
  (void)user;
  if (stage == FMNIST_STAGE_EPOCH) { /* the heading of later batches */
    bar.epoch = done < total ? done : 0;
    bar.epochs = done < total ? total : 0; /* a fit ended: forget it */
  }
  if (bar.tty < 0) bar.tty = isatty(2);
  if (!bar.tty) return 0;
  /* A finished epoch's batches are not the end; the epoch count's is. */
  int last = done >= total && (stage != FMNIST_STAGE_BATCH || !bar.epochs);
  double now = kit_now();
  if (last) {
    kit_progress_clear();
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
