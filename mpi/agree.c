/* Agreement between the ranks: on an outcome (fmnist_mpi_agree), and on
 * the configuration and data every rank was given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_impl.h"

fmnist_status fmnist_mpi__error(const char *call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "code %d", code);
  char message[MPI_MAX_ERROR_STRING + 64];
  snprintf(message, sizeof message, "%s: %s", call, text);
  return fmnist_set_error(FMNIST_E_IO, message);
}

fmnist_status fmnist_mpi__open(MPI_Comm comm, fmnist_mpi__comm *c) {
  int rc = MPI_Comm_dup(comm, &c->comm);
  if (rc != MPI_SUCCESS) return fmnist_mpi__error("MPI_Comm_dup", rc);
  MPI_Comm_set_errhandler(c->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(c->comm, &c->rank);
  MPI_Comm_size(c->comm, &c->size);
  return FMNIST_OK;
}

void fmnist_mpi__close(fmnist_mpi__comm *c) { MPI_Comm_free(&c->comm); }

/* The agreed failure's status and message travel together. */
typedef struct outcome {
  int status;
  char message[512];
} outcome;

fmnist_status fmnist_mpi__agree(const fmnist_mpi__comm *c, fmnist_status s) {
  /* The lowest failing rank, preferring one whose failure is its own. */
  int mine[4] = {s ? c->rank : c->size, s && s != FMNIST_E_PEER ? c->rank : c->size, (int)s,
                 -(int)s},
      low[4];
  int rc = MPI_Allreduce(mine, low, 4, MPI_INT, MPI_MIN, c->comm);
  if (rc != MPI_SUCCESS) return fmnist_mpi__error("MPI_Allreduce", rc);
  if (low[0] == c->size) return FMNIST_OK;
  if (low[2] == -low[3]) return s; /* every rank failed alike: already agreed */
  int origin = low[1] < c->size ? low[1] : low[0];
  outcome o = {(int)s, ""};
  if (c->rank == origin) snprintf(o.message, sizeof o.message, "%s", fmnist_last_error());
  rc = MPI_Bcast(&o, (int)sizeof o, MPI_BYTE, origin, c->comm);
  if (rc != MPI_SUCCESS) return fmnist_mpi__error("MPI_Bcast", rc);
  char message[sizeof o.message + 32];
  snprintf(message, sizeof message, "rank %d: %s", origin, o.message);
  return fmnist_set_error((fmnist_status)o.status, message);
}

FMNIST_MPI_API fmnist_status fmnist_mpi_agree(MPI_Comm comm, fmnist_status status) {
  fmnist_mpi__comm c;
  fmnist_status s = fmnist_mpi__open(comm, &c);
  if (s) return s;
  s = fmnist_mpi__agree(&c, status);
  fmnist_mpi__close(&c);
  return s;
}

/* 64-bit FNV-1a. */
static uint64_t fnv(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* The hash of what every rank must share; FMNIST_E_NOMEM or an option
 * that cannot be read is a failure. */
static fmnist_status fingerprint(const fmnist_model *m, const fmnist_dataset *const *sets,
                                 size_t n_sets, const char *const *texts, size_t n_texts,
                                 uint64_t number, uint64_t *out) {
  uint64_t h = fnv(0xcbf29ce484222325ull, &number, sizeof number);
  const char *family = fmnist_model_family(m);
  h = fnv(h, family, strlen(family) + 1);
  size_t cap = 1 << 16;
  char *value = malloc(cap);
  if (!value) return fmnist_set_error(FMNIST_E_NOMEM, "fmnist_mpi: out of memory");
  fmnist_status s = FMNIST_OK;
  for (size_t i = 0; !s && fmnist_model_option_name(m, i); i++) {
    const char *name = fmnist_model_option_name(m, i);
    if (!strcmp(name, "threads")) continue; /* each rank spreads its own work */
    s = fmnist_model_get(m, name, value, cap);
    h = fnv(fnv(h, name, strlen(name) + 1), value, strlen(value) + 1);
  }
  free(value);
  for (size_t i = 0; i < n_sets; i++) {
    uint64_t count = fmnist_dataset_count(sets[i]);
    h = fnv(h, &count, sizeof count);
    if (count) {
      h = fnv(h, fmnist_dataset_images(sets[i]), count * FMNIST_PIXELS);
      h = fnv(h, fmnist_dataset_labels(sets[i]), count);
    }
  }
  for (size_t i = 0; i < n_texts; i++) h = fnv(h, texts[i], strlen(texts[i]) + 1);
  *out = h;
  return s;
}

fmnist_status fmnist_mpi__same_everywhere(const fmnist_mpi__comm *c, const fmnist_model *m,
                                          const fmnist_dataset *const *sets, size_t n_sets,
                                          const char *const *texts, size_t n_texts,
                                          uint64_t number) {
  uint64_t mine = 0, first;
  fmnist_status s = fingerprint(m, sets, n_sets, texts, n_texts, number, &mine);
  first = mine;
  int rc = MPI_Bcast(&first, 1, MPI_UINT64_T, 0, c->comm);
  if (rc != MPI_SUCCESS) return fmnist_mpi__error("MPI_Bcast", rc);
  if (!s && mine != first)
    s = fmnist_set_error(FMNIST_E_INVALID, "options, data or settings differ from rank 0's");
  return fmnist_mpi__agree(c, s);
}
