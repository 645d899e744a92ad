/* Dynamic assignment of tasks (folds, settings) over the ranks, and the
 * table of their results that every rank receives. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_impl.h"

void fmnist_mpi__row_put(double *row, const fmnist_metrics *metrics, double seconds) {
  double loss;
  row[ROW_RAN] = 1;
  row[ROW_HAS_LOSS] = fmnist_metrics_log_loss(metrics, &loss) == FMNIST_OK;
  row[ROW_LOSS] = row[ROW_HAS_LOSS] ? loss : 0;
  row[ROW_SECONDS] = seconds;
  for (int t = 0; t < FMNIST_CLASSES; t++)
    for (int p = 0; p < FMNIST_CLASSES; p++)
      row[ROW_CONFUSION + t * FMNIST_CLASSES + p] = (double)fmnist_metrics_confusion(metrics, t, p);
}

fmnist_status fmnist_mpi__row_get(const double *row, fmnist_metrics **out, double *seconds) {
  if (row[ROW_RAN] != 1) return fmnist_set_error(FMNIST_E_STATE, "fmnist_mpi: a task did not run");
  uint64_t confusion[FMNIST_CLASSES * FMNIST_CLASSES];
  for (int i = 0; i < FMNIST_CLASSES * FMNIST_CLASSES; i++)
    confusion[i] = (uint64_t)row[ROW_CONFUSION + i];
  *seconds = row[ROW_SECONDS];
  return fmnist_metrics_from_confusion(confusion, row[ROW_HAS_LOSS] ? row[ROW_LOSS] : NAN, out);
}

/* Messages: a rank asks with its state (REQUEST: FIRST, or how its last
 * task went) and gets a task number, NO_TASK, or NO_TASK_STOPPED when a
 * STOP was sent to it before. STOP tells a rank in the middle of a task
 * that a task failed elsewhere: its progress callback then cancels it. */
enum { TAG_REQUEST = 1, TAG_TASK = 2, TAG_STOP = 3 };
enum { ASK_FIRST = 0, ASK_AFTER_SUCCESS = 1, ASK_AFTER_FAILURE = 2 };
#define NO_TASK (-1L)
#define NO_TASK_STOPPED (-2L)

typedef struct queue {
  const fmnist_mpi__comm *c;
  size_t n, next, done;
  int stopped;          /* a task failed or was cancelled: hand out no more */
  int finished;         /* ranks told there is no task */
  char *told, *stop_sent; /* rank 0: per rank, told no task / sent a STOP */
  int stop_seen;        /* this rank cancelled its task for a STOP */
  fmnist_status error;  /* an MPI failure of the coordinator */
  fmnist_progress_fn progress; /* the caller's, and its user pointer */
  void *user;
} queue;

/* Rank 0: hands out no more tasks and stops the ranks still working. */
static void stop(queue *q) {
  if (q->stopped) return;
  q->stopped = 1;
  for (int r = 1; r < q->c->size; r++) {
    if (q->told[r]) continue;
    int none = 0;
    int rc = MPI_Send(&none, 1, MPI_INT, r, TAG_STOP, q->c->comm);
    if (rc != MPI_SUCCESS && !q->error) q->error = fmnist_mpi__error("MPI_Send", rc);
    q->stop_sent[r] = 1;
  }
}

/* Rank 0: answers one request from `from` in state `ask`. */
static void answer(queue *q, int from, int ask) {
  if (ask != ASK_FIRST) q->done++;
  if (ask == ASK_AFTER_FAILURE) stop(q);
  long task = !q->stopped && q->next < q->n ? (long)q->next++
              : q->stop_sent[from]           ? NO_TASK_STOPPED
                                             : NO_TASK;
  if (task < 0) {
    q->finished++;
    q->told[from] = 1;
  }
  int rc = MPI_Send(&task, 1, MPI_LONG, from, TAG_TASK, q->c->comm);
  if (rc != MPI_SUCCESS && !q->error) q->error = fmnist_mpi__error("MPI_Send", rc);
}

/* Rank 0: answers every request already waiting (never blocks). */
static void serve(queue *q) {
  for (;;) {
    int waiting = 0, ask;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, q->c->comm, &waiting, &st) != MPI_SUCCESS ||
        !waiting)
      return;
    MPI_Recv(&ask, 1, MPI_INT, st.MPI_SOURCE, TAG_REQUEST, q->c->comm, MPI_STATUS_IGNORE);
    answer(q, st.MPI_SOURCE, ask);
  }
}

/* The progress callback of the tasks: rank 0 serves the queue, the others
 * look for a STOP; a stopped rank cancels its task; else the caller's
 * callback decides. */
static int serving_progress(void *user, fmnist_stage stage, size_t done, size_t total) {
  queue *q = user;
  if (q->c->rank == 0) {
    serve(q);
    if (q->stopped) return 1;
  } else if (!q->stop_seen) {
    int waiting = 0;
    MPI_Iprobe(0, TAG_STOP, q->c->comm, &waiting, MPI_STATUS_IGNORE);
    if (waiting) {
      int none;
      MPI_Recv(&none, 1, MPI_INT, 0, TAG_STOP, q->c->comm, MPI_STATUS_IGNORE);
      q->stop_seen = 1;
    }
  }
  if (q->stop_seen) return 1;
  return q->progress ? q->progress(q->user, stage, done, total) : 0;
}

/* Task i's status: a cancel this rank's STOP caused is another rank's
 * failure (E_PEER), which the agreement then names. */
static fmnist_status run(queue *q, fmnist_mpi__task_fn fn, void *ctx, const fmnist_model *m,
                         size_t i, double *table) {
  int stopped_before = q->c->rank == 0 ? q->stopped : q->stop_seen;
  fmnist_status s = fn(ctx, m, i, table + i * ROW_DOUBLES);
  int stopped_now = q->c->rank == 0 ? q->stopped : q->stop_seen;
  if (s == FMNIST_E_CANCELLED && stopped_now && !stopped_before)
    s = fmnist_set_error(FMNIST_E_PEER, "fmnist_mpi: stopped, a task failed on another rank");
  return s;
}

fmnist_status fmnist_mpi__run_tasks(const fmnist_mpi__comm *c, const fmnist_model *m, size_t n,
                                    fmnist_mpi__task_fn fn, void *ctx, double *table) {
  queue q = {c, n, 0, 0, 0, 0, NULL, NULL, 0, FMNIST_OK, NULL, NULL};
  fmnist_model *served = NULL;
  memset(table, 0, n * ROW_DOUBLES * sizeof *table);
  q.told = calloc(2 * (size_t)c->size, 1);
  q.stop_sent = q.told ? q.told + c->size : NULL;
  fmnist_status s = q.told ? FMNIST_OK : fmnist_set_error(FMNIST_E_NOMEM, "fmnist_mpi: out of memory");
  if (!s) s = fmnist_model_get_progress(m, &q.progress, &q.user);
  if (!s) s = fmnist_model_clone_config(m, &served);
  if (!s) s = fmnist_model_set_progress(served, serving_progress, &q);
  s = fmnist_mpi__agree(c, s);
  if (s) {
    fmnist_model_free(served);
    free(q.told);
    return s;
  }
  fmnist_status own = FMNIST_OK; /* this rank's first failure */
  if (c->rank == 0) {
    size_t own_done = 0, reported = 0; /* tasks finished, and told to the callback */
    while (q.finished < c->size - 1 || (!q.stopped && q.next < n)) {
      if (!q.stopped && q.next < n) {
        size_t i = q.next++;
        fmnist_status t = run(&q, fn, ctx, served, i, table);
        if (!own) own = t;
        if (t) stop(&q);
        own_done++;
      } else { /* nothing left to run here: wait for the others' requests */
        int ask;
        MPI_Status st;
        int rc = MPI_Recv(&ask, 1, MPI_INT, MPI_ANY_SOURCE, TAG_REQUEST, c->comm, &st);
        if (rc != MPI_SUCCESS) {
          q.error = fmnist_mpi__error("MPI_Recv", rc);
          break;
        }
        answer(&q, st.MPI_SOURCE, ask);
      }
      serve(&q);
      /* q.done counts the others' finished tasks, own_done this rank's. */
      size_t finished = q.done + own_done;
      if (finished > reported && !own && q.progress && !q.stopped) {
        reported = finished;
        if (q.progress(q.user, FMNIST_STAGE_FOLD, finished, n)) {
          own = fmnist_set_error(FMNIST_E_CANCELLED,
                                 "fmnist_mpi: cancelled by the progress callback");
          stop(&q);
        }
      }
    }
    if (!own) own = q.error;
  } else {
    int ask = ASK_FIRST;
    for (;;) {
      long task;
      int rc = MPI_Send(&ask, 1, MPI_INT, 0, TAG_REQUEST, c->comm);
      if (rc == MPI_SUCCESS) rc = MPI_Recv(&task, 1, MPI_LONG, 0, TAG_TASK, c->comm, MPI_STATUS_IGNORE);
      if (rc == MPI_SUCCESS && task == NO_TASK_STOPPED && !q.stop_seen) { /* take the STOP */
        int none;
        rc = MPI_Recv(&none, 1, MPI_INT, 0, TAG_STOP, c->comm, MPI_STATUS_IGNORE);
      }
      if (rc != MPI_SUCCESS) {
        if (!own) own = fmnist_mpi__error("MPI_Send/MPI_Recv", rc);
        break;
      }
      if (task < 0) break;
      fmnist_status t = run(&q, fn, ctx, served, (size_t)task, table);
      if (!own) own = t;
      ask = t ? ASK_AFTER_FAILURE : ASK_AFTER_SUCCESS;
    }
  }
  free(q.told);
  fmnist_model_free(served);
  int rc = MPI_Allreduce(MPI_IN_PLACE, table, (int)(n * ROW_DOUBLES), MPI_DOUBLE, MPI_SUM, c->comm);
  if (rc != MPI_SUCCESS && !own) own = fmnist_mpi__error("MPI_Allreduce", rc);
  return fmnist_mpi__agree(c, own);
}
