/* libfmnist base: version, status codes, error messages, progress callback.
 *
 * Every fallible function of the library returns an fmnist_status; FMNIST_OK
 * (0) means success and out-parameters are written only then. On failure
 * fmnist_last_error() gives a message in words for the calling thread.
 */
#ifndef FMNIST_BASE_H
#define FMNIST_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(FMNIST_BUILDING) && defined(__GNUC__)
#define FMNIST_API __attribute__((visibility("default")))
#else
#define FMNIST_API
#endif

/* Version of the headers (fmnist_version() gives the library's), in its
 * one home: the Makefile reads these three lines. MAJOR changes only with
 * an incompatible change; a program should reject a library of another
 * MAJOR. */
#define FMNIST_VERSION_MAJOR 1
/* Minor version: grows when functions or options are added. */
#define FMNIST_VERSION_MINOR 1
/* Patch version: fixes that change no interface. */
#define FMNIST_VERSION_PATCH 0
#define FMNIST_STRINGIFY_(x) #x
#define FMNIST_XSTRINGIFY_(x) FMNIST_STRINGIFY_(x)
/* "MAJOR.MINOR.PATCH" of the headers. */
#define FMNIST_VERSION_STRING                                   \
  FMNIST_XSTRINGIFY_(FMNIST_VERSION_MAJOR)                      \
  "." FMNIST_XSTRINGIFY_(FMNIST_VERSION_MINOR) "." FMNIST_XSTRINGIFY_(FMNIST_VERSION_PATCH)

/* Run-time version "MAJOR.MINOR.PATCH" of the library actually loaded; a
 * program should reject only a different MAJOR. Static storage. */
FMNIST_API const char *fmnist_version(void);

/* X(NAME, value, message). Values are fixed forever; new codes go at the end. */
#define FMNIST_STATUS_MAP(X)                                                 \
  X(OK, 0, "success")                                                        \
  X(E_INVALID, 1, "invalid argument")                                        \
  X(E_NOMEM, 2, "out of memory")                                             \
  X(E_IO, 3, "input/output error")                                           \
  X(E_FORMAT, 4, "malformed data")                                           \
  X(E_BUFFER, 5, "output buffer too small")                                  \
  X(E_OPTION, 6, "unknown option or bad option value")                       \
  X(E_STATE, 7, "handle is not in a state that allows this call")            \
  X(E_NUMERIC, 8, "numerical failure (NaN or infinity)")                     \
  X(E_CANCELLED, 9, "cancelled by the progress callback")                    \
  X(E_VERSION, 10, "unsupported format version")                             \
  X(E_CHECKSUM, 11, "checksum mismatch")                                     \
  X(E_NOTFOUND, 12, "file not found")                                       \
  X(E_PEER, 13, "another member of a data-parallel group failed")            \
  X(E_UNSUPPORTED, 14, "not supported for this kind of model")

/* Result of every fallible call: FMNIST_OK (0) or one of the errors above. */
typedef enum fmnist_status {
#define FMNIST_STATUS_ENUM_(name, value, msg) FMNIST_##name = value,
  FMNIST_STATUS_MAP(FMNIST_STATUS_ENUM_)
#undef FMNIST_STATUS_ENUM_
  FMNIST_STATUS_END_ /* not a status: one past the last */
} fmnist_status;

/* Generic text for a status ("out of memory"); static storage, never NULL. */
FMNIST_API const char *fmnist_strerror(fmnist_status status);
/* The status's name without prefix ("E_NOMEM"); static storage, never NULL. */
FMNIST_API const char *fmnist_status_name(fmnist_status status);
/* Message of the last failure on the calling thread, in words ("t.gz: bad
 * magic 0x00000000, expected 0x00000803"); "" if none. Valid until the next
 * failing library call on this thread. */
FMNIST_API const char *fmnist_last_error(void);
/* Makes message the calling thread's last error and returns status, so
 * that code built on the library (a companion library, a callback)
 * reports its failures where the library's own go. Since 1.1. */
FMNIST_API fmnist_status fmnist_set_error(fmnist_status status,
                                          const char *message);

/* Number of threads "0 = all cores" resolves to on this machine. */
FMNIST_API size_t fmnist_cpu_count(void);

/* Stages reported through a progress callback. */
typedef enum fmnist_stage {
  FMNIST_STAGE_BATCH = 0,   /* done/total: mini-batches of this epoch */
  FMNIST_STAGE_EPOCH = 1,   /* done/total: epochs (history has the row) */
  FMNIST_STAGE_TREE = 2,    /* done/total: trees of a forest */
  FMNIST_STAGE_PREDICT = 3, /* done/total: images predicted */
  FMNIST_STAGE_FOLD = 4,    /* done/total: folds of a cross validation */
  FMNIST_STAGE_STEP = 5     /* done/total: generic work units */
} fmnist_stage;

/* Progress callback: called from the thread that called the library, never
 * concurrently. Return 0 to go on, non-zero to cancel (the call then returns
 * FMNIST_E_CANCELLED). */
typedef int (*fmnist_progress_fn)(void *user, fmnist_stage stage, size_t done,
                                  size_t total);

#ifdef __cplusplus
}
#endif
#endif
