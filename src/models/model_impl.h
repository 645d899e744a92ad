/* The model object and the table of operations each family provides.
 *
 * model.c owns what is common to every family: options (through the option
 * table below), input standardization, history, progress, save/load
 * framing, the ONNX model around a graph (onnx.c). A family (logreg.c,
 * knn.c, forest.c, net.c) supplies a const fmnist__family with its option
 * table and its fit/proba/save/load, and its ONNX graph if it has one. */
#ifndef FMNIST_SRC_MODELS_MODEL_IMPL_H
#define FMNIST_SRC_MODELS_MODEL_IMPL_H

#include "base/modelfile.h"
#include "base/options.h"
#include "fmnist/model.h"

typedef struct fmnist__epoch {
  double v[FMNIST_HISTORY_FIELDS]; /* indexed by fmnist_history_field */
} fmnist__epoch;

struct fmnist__onnx;

typedef struct fmnist__family {
  const char *name;
  uint32_t id;        /* in model files; fixed forever */
  size_t config_size; /* bytes of the family's config: its option struct,
                         zeroed, then the options' defaults; a field the
                         option table does not hold (a family's own setting,
                         as the net's data-parallel group) stays zero in a
                         new, cloned or loaded model and is never saved */
  const fmnist__option *options; /* terminated by a {NULL} entry */
  /* Trains; m->config holds the options, m->mean/inv_std are already fitted
   * on train. Sets m->state (freed by free_state) on success only. NULL
   * for a family whose models are made from fitted models rather than
   * fitted (the ensemble): fmnist_model_fit refuses them, and no option
   * unfits them. */
  fmnist_status (*fit)(fmnist_model *m, const fmnist_dataset *train,
                       const fmnist_dataset *valid);
  /* n images (raw uint8) -> n*10 probabilities. */
  fmnist_status (*proba)(const fmnist_model *m, const uint8_t *images,
                         size_t n, float *out);
  /* Optional: labels by a rule other than the argmax of proba (NULL:
   * argmax), and the probabilities in the same pass if proba is not NULL. */
  fmnist_status (*predict)(const fmnist_model *m, const uint8_t *images,
                           size_t n, uint8_t *labels, float *proba);
  /* Appends the fitted parameters to w. */
  void (*save)(const fmnist_model *m, fmnist__writer *w);
  /* Reads the parameters written by save into m->state. */
  fmnist_status (*load)(fmnist_model *m, fmnist__reader *r);
  void (*free_state)(void *state);
  /* Optional (NULL: the family has no ONNX form): writes the family's
   * graph body into g (models/onnx.h), from the graph's input through
   * the prologue it needs to one of the epilogues. */
  fmnist_status (*export_onnx)(const fmnist_model *m, struct fmnist__onnx *g);
} fmnist__family;

struct fmnist_model {
  const fmnist__family *family;
  void *config; /* family option struct, config_size bytes */
  void *state;  /* fitted parameters, NULL while unfitted */
  size_t threads; /* option "threads" as set: 0 = all cores */
  uint64_t seed;
  int standardize; /* option "standardize": 0 per pixel, 1 global */
  int tta;         /* option "tta": index in fmnist__tta_levels (models/tta.h) */
  float mean[FMNIST_PIXELS];    /* standardization: (x - mean) * inv_std */
  float inv_std[FMNIST_PIXELS];
  fmnist_progress_fn progress;
  void *progress_user;
  fmnist__epoch *history;
  size_t epochs, epochs_cap;
};

extern const fmnist__family fmnist__logreg_family;
extern const fmnist__family fmnist__knn_family;
extern const fmnist__family fmnist__forest_family;
extern const fmnist__family fmnist__net_family;
extern const fmnist__family fmnist__ensemble_family;
/* The ensemble family's ONNX graph (ensemble_onnx.c, models/onnx.h); the
 * other families declare theirs in their own private headers. */
fmnist_status fmnist__ensemble_export_onnx(const fmnist_model *m, struct fmnist__onnx *g);

/* Thread count to use: the "threads" option resolved (0 = all cores). */
size_t fmnist__model_threads(const fmnist_model *m);
/* Standardizes n raw images into out (n*784 floats), image-major, or
 * pixel-major (784 x n: pixel p of image i at p*n + i, the nets' layout). */
void fmnist__model_standardize(const fmnist_model *m, const uint8_t *images,
                               size_t n, float *out);
void fmnist__model_standardize_pixel_major(const fmnist_model *m, const uint8_t *images,
                                           size_t n, float *out);
/* Calls the progress callback; returns FMNIST_E_CANCELLED (with message) if
 * it asked to stop, else FMNIST_OK. */
fmnist_status fmnist__model_progress(const fmnist_model *m, fmnist_stage stage,
                                     size_t done, size_t total);
/* FMNIST_E_NUMERIC (message naming the family and epoch) if an epoch's mean
 * training cross-entropy is NaN, infinite or above 1000 — an average true
 * class probability below e^-1000, which no float can hold: the training
 * has diverged even where the loss stayed finite. Else FMNIST_OK. */
fmnist_status fmnist__model_check_loss(const fmnist_model *m, double mean_loss,
                                       size_t epoch);
/* Appends one epoch row to the history (visible to a progress callback). */
fmnist_status fmnist__model_add_epoch(fmnist_model *m, const fmnist__epoch *e);

/* The whole model file of a fitted m appended to w, an empty writer
 * (modelfile.h: header, options, standardization, history, the family's
 * parameters, CRC); `what` names the destination in messages. Fails with
 * FMNIST_E_NOMEM only. */
fmnist_status fmnist__model_serialize(const fmnist_model *m, fmnist__writer *w, const char *what);
/* A model from the len bytes of a model file at data, through the one
 * validator (fmnist_model_load_buffer's checks and statuses; `name` names
 * the bytes in messages). */
fmnist_status fmnist__model_parse(const uint8_t *data, size_t len, const char *name,
                                  fmnist_model **out);
/* A copy of a fitted m of its own, made through the model file format
 * (serialize, then parse): what the library keeps of a caller's model.
 * FMNIST_E_NOMEM. */
fmnist_status fmnist__model_copy(const fmnist_model *m, fmnist_model **out);

#endif
