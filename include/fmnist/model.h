/* libfmnist models: one verb set for every classifier family.
 *
 * Families (name given to fmnist_model_create):
 *   "logreg"  multinomial logistic regression, L2 penalty, SAG or SGD solver
 *   "knn"     k-nearest neighbours, Euclidean on standardized pixels
 *   "forest"  random forest of CART trees on the raw 8-bit pixels
 *   "net"     dense and convolutional neural networks (see net.h)
 *   "ensemble" the mean of the probabilities of fitted models, made by
 *             fmnist_ensemble_create rather than fitted (see ensemble.h;
 *             since 1.1)
 *
 * Options are text key/value pairs (fmnist_model_set), so that adding one
 * never changes the ABI; fmnist_model_get reports every option of the
 * family with its value. One line per option below, "key = default" and
 * then the words it takes (a|b) or what it is; docs/guide.md section 4
 * gives each range and more (python/tests/test_library_facts.py checks
 * both lists against the library).
 *
 * Every family:
 *   threads = 0              0 = all cores
 *   seed = 42                unsigned 64-bit seed of every random choice
 *   standardize = pixel      pixel|global: input scaling per pixel, or
 *                            one for all pixels
 *   tta = none               none|flip|flip_shift: test-time augmentation,
 *                            proba and predict average the probabilities
 *                            of the image and its mirror (flip), each
 *                            also moved one pixel up-left and one
 *                            down-right (flip_shift: 6 views); changing
 *                            it keeps a model fitted. Since 1.1.
 * logreg:
 *   C = 1                    inverse strength of the L2 penalty
 *   solver = sag             sag|sgd
 *   max_iter = 100           epochs at most
 *   tol = 0.0001             stop once the weights change by less
 *   lr = 0.01                sgd step
 *   batch = 32               sgd mini-batch
 * knn:
 *   k = 5                    neighbours that vote
 *   weights = uniform        uniform|distance: one vote each, or 1/distance
 *   algorithm = pruned       pruned|brute: two exact searches
 *   ties = nearest           nearest|smallest_label: a vote tie goes to the
 *                            class whose voters are nearer in sum (then
 *                            the smaller label), or to the smallest label
 *                            (scikit-learn's rule). Since 1.1.
 * forest:
 *   n_trees = 100            trees
 *   criterion = gini         gini|entropy
 *   max_depth = none         a depth limit, or none
 *   min_samples_split = 2    a node with fewer samples is a leaf
 *   min_samples_leaf = 1     samples each child of a split keeps at least
 *   max_features = sqrt      pixels tried per node, or sqrt (28)
 *   bootstrap = 1            1: each tree on n draws with replacement, 0:
 *                            on the whole set
 * net:
 *   layers =                 the layer spec (see net.h); none by default
 *   epochs = 20              passes over the training set
 *   batch = 32               mini-batch size
 *   optimizer = adam         adam|sgd: Adam, or SGD with momentum. Since
 *                            1.1.
 *   lr = 0.001               the optimizer's step (Adam's or SGD's)
 *   beta1 = 0.9              Adam's first-moment decay
 *   beta2 = 0.999            Adam's second-moment decay
 *   eps = 1e-7               Adam's epsilon
 *   momentum = 0.9           SGD's momentum. Since 1.1.
 *   nesterov = 1             1: SGD's momentum is Nesterov's, 0: plain.
 *                            Since 1.1.
 *   weight_decay = 0         on conv and dense weights: Adam adds it times
 *                            the weights to the gradient (L2); SGD shrinks
 *                            the weights by lr times it each step
 *                            (decoupled, as AdamW)
 *   init = he                he|glorot
 *   lr_schedule = constant   constant|cosine|linear|onecycle (PyTorch's
 *                            OneCycleLR; linear and onecycle since 1.1)
 *   warmup = 0               fraction of the steps that warm the rate up
 *                            from lr/W (onecycle: its rise from lr/25,
 *                            OneCycleLR's pct_start). Since 1.1.
 *   label_smoothing = 0      e: the training loss's target is (1 - e)
 *                            onehot + e/10. Since 1.1.
 *   ema_decay = 0            decay of averaged weights (an exponential
 *                            moving average), which validation, predict
 *                            and save use; 0: none. Since 1.1.
 *   conv_algorithm = auto    auto|im2col (auto: Winograd for 3x3 same
 *                            convs of 8 or more channels on planes of 4x4,
 *                            7x7 and larger)
 *   augment =                transform spec (see transform.h) applied to
 *                            every training batch; none by default
 *
 * Every model standardizes its input itself (mean and standard deviation
 * per pixel, or global, fitted on the training set and saved with the
 * model), so predict takes raw uint8 images (FMNIST_PIXELS bytes each, as in a
 * dataset). The forest splits the raw pixels and ignores it.
 *
 * Thread safety: a model may be used for prediction by several threads at
 * once; fit, set and free need the model to themselves. The thread count of
 * OpenBLAS is process-wide, so concurrent models share it.
 */
#ifndef FMNIST_MODEL_H
#define FMNIST_MODEL_H

#include "dataset.h"
#include "metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A classifier of one family: options, and once fitted, its parameters. */
typedef struct fmnist_model fmnist_model;

/* New unfitted model of a family ("logreg", "knn", "forest", "net") with
 * default options ("ensemble": one without members, which
 * fmnist_ensemble_create makes instead). Unknown family: FMNIST_E_OPTION. */
FMNIST_API fmnist_status fmnist_model_create(const char *family,
                                             fmnist_model **out);
/* New unfitted model configured as one of the report's models (its Figure
 * 5 rows; options as in its section 3): "logreg_1000", "logreg_5000",
 * "knn_5", "knn_7", "forest_70", "forest_80", "dense", "cnn_single",
 * "cnn_three", "cnn_three_nbn", "cnn_final". fmnist_model_get reads its
 * options (the nets' "layers"); any may be changed after. Unknown name:
 * FMNIST_E_OPTION, the message lists the names. Since 1.1. */
FMNIST_API fmnist_status fmnist_model_create_preset(const char *name,
                                                    fmnist_model **out);

/* Name of the i-th preset of fmnist_model_create_preset, in the report's
 * order; NULL past the end. Static storage. Since 1.1. */
FMNIST_API const char *fmnist_model_preset_name(size_t i);

/* Frees a model; NULL is allowed. */
FMNIST_API void fmnist_model_free(fmnist_model *m);
/* Family name; static storage; NULL for NULL. */
FMNIST_API const char *fmnist_model_family(const fmnist_model *m);

/* Sets one option from text. Unknown key or bad value: FMNIST_E_OPTION with
 * the key named in fmnist_last_error(); the option keeps its old value.
 * Setting an option after fit (or load) makes the model unfitted again,
 * except "threads", which only changes how the work is spread, and
 * "tta", which only changes how a fitted model predicts; an ensemble
 * keeps its members whatever is set. */
FMNIST_API fmnist_status fmnist_model_set(fmnist_model *m, const char *key,
                                          const char *value);
/* Sets several options from one text, "key=value key=value ...", in
 * order; a value runs up to the next word that holds an '=' (layer and
 * transform specs have spaces but no '='), so "k=5 weights=distance" and
 * "layers=conv:32:3 relu dense:10 epochs=3" both work. All or nothing: on
 * an error (FMNIST_E_OPTION naming the key, or a word without '=') no
 * option changes. Since 1.1. */
FMNIST_API fmnist_status fmnist_model_set_options(fmnist_model *m,
                                                  const char *text);
/* Writes an option's current value as text into buf (len bytes with the
 * terminating NUL; too small: FMNIST_E_BUFFER). */
FMNIST_API fmnist_status fmnist_model_get(const fmnist_model *m,
                                          const char *key, char *buf,
                                          size_t len);
/* Name of the i-th option of the family (for listing), NULL past the end. */
FMNIST_API const char *fmnist_model_option_name(const fmnist_model *m,
                                                size_t i);
/* New unfitted model with the same family and options. */
FMNIST_API fmnist_status fmnist_model_clone_config(const fmnist_model *m,
                                                   fmnist_model **out);

/* Progress callback of fit and predict (NULL: none). */
FMNIST_API fmnist_status fmnist_model_set_progress(fmnist_model *m,
                                                   fmnist_progress_fn fn,
                                                   void *user);
/* The callback and user pointer set by fmnist_model_set_progress (NULL
 * and NULL if none), for code that drives a model and reports its own
 * progress to the same place. Since 1.1. */
FMNIST_API fmnist_status fmnist_model_get_progress(const fmnist_model *m,
                                                   fmnist_progress_fn *fn,
                                                   void **user);

/* Trains on train; valid (may be NULL) is used for per-epoch validation
 * figures of iterative families. Errors: FMNIST_E_INVALID (NULL or empty
 * train set; knn with k above the training count), FMNIST_E_OPTION (a net
 * whose last layer is not dense:10), FMNIST_E_STATE (a net with no
 * layers), FMNIST_E_NUMERIC (diverging training: NaN/Inf loss),
 * FMNIST_E_CANCELLED (the progress callback asked to stop),
 * FMNIST_E_NOMEM. On failure the model is unfitted. An ensemble is made,
 * not fitted: FMNIST_E_UNSUPPORTED, the ensemble unchanged. */
FMNIST_API fmnist_status fmnist_model_fit(fmnist_model *m,
                                          const fmnist_dataset *train,
                                          const fmnist_dataset *valid);
/* 1 if the model is fitted (or loaded), else 0. */
FMNIST_API int fmnist_model_is_fitted(const fmnist_model *m);

/* Predicted labels of n images (n * FMNIST_PIXELS bytes) into labels[n].
 * With test-time augmentation (option "tta" other than none), for every
 * family, the class of the highest mean probability over the views
 * (fmnist_model_proba); without, the family's rule (the argmax of the
 * probabilities; KNN breaks vote ties by its option "ties"). */
FMNIST_API fmnist_status fmnist_model_predict(const fmnist_model *m,
                                              const uint8_t *images, size_t n,
                                              uint8_t *labels);
/* Class probabilities of n images into proba[n * FMNIST_CLASSES] (rows sum
 * to 1). With the option "tta" (test-time augmentation), the mean of the
 * family's probabilities of each view of each image: the image and its
 * left-right mirror (flip), and each of the two also moved by one pixel
 * up and left and by one pixel down and right, the uncovered border 0
 * (flip_shift); the work grows with the views (2 or 6). */
FMNIST_API fmnist_status fmnist_model_proba(const fmnist_model *m,
                                            const uint8_t *images, size_t n,
                                            float *proba);
/* Predicts every image of ds and computes metrics (with log loss), with
 * test-time augmentation as fmnist_model_predict. */
FMNIST_API fmnist_status fmnist_model_evaluate(const fmnist_model *m,
                                               const fmnist_dataset *ds,
                                               fmnist_metrics **out);

/* Saves a fitted model (options, standardization, parameters, history). */
FMNIST_API fmnist_status fmnist_model_save(const fmnist_model *m,
                                           const char *path);
/* Loads a model saved by any version of this library's format that it reads;
 * a truncated, corrupted, foreign or newer file is an error
 * (E_FORMAT, E_CHECKSUM, E_VERSION), never a crash. */
FMNIST_API fmnist_status fmnist_model_load(const char *path,
                                           fmnist_model **out);

/* Models in memory: the bytes of a model file, in a caller's buffer.
 *
 * Saves a fitted model into buf, byte for byte the file fmnist_model_save
 * would write: *size gets the number of bytes and, if buf is not NULL,
 * they are copied into buf (len bytes; fewer than needed:
 * FMNIST_E_BUFFER, nothing written). Call it with buf NULL to learn the
 * size, then with a buffer of that size (the model is serialized by each
 * call). The caller owns buf; the library keeps no pointer to it.
 * Errors: FMNIST_E_STATE (not fitted), FMNIST_E_BUFFER, FMNIST_E_NOMEM,
 * FMNIST_E_INVALID (m or size NULL). Since 1.1. */
FMNIST_API fmnist_status fmnist_model_save_buffer(const fmnist_model *m,
                                                  void *buf, size_t len,
                                                  size_t *size);
/* Loads a model from the len bytes at data, as fmnist_model_load reads a
 * file: the same format and the same checks (magic, version, the payload
 * length against len: data holds one model and nothing after it, CRC,
 * every field), with the same statuses (E_FORMAT, E_CHECKSUM, E_VERSION,
 * E_NOMEM; messages name "model buffer"), never a crash. data is read
 * during the call only: the model copies what it keeps, so the caller
 * may free or reuse data on return. Since 1.1. */
FMNIST_API fmnist_status fmnist_model_load_buffer(const void *data,
                                                  size_t len,
                                                  fmnist_model **out);

/* Exports a fitted model as an ONNX model (ONNX IR version 8, operator
 * set ai.onnx 17, and ai.onnx.ml 3 for a forest: read by ONNX Runtime and
 * by ONNX 1.12 or later). The graph takes what fmnist_model_predict
 * takes and gives what it and fmnist_model_proba give:
 *   input  "images"         uint8 [N, 784]: N raw images, row-major, N
 *                           symbolic (any batch size)
 *   output "probabilities"  float [N, 10]: fmnist_model_proba's, to float
 *                           rounding (1e-4 is what the tests hold them to)
 *   output "label"          int64 [N]: the first class of highest
 *                           probability, as fmnist_model_predict
 * The model's standardization is in the graph (Cast, Sub, Mul with its
 * mean and inverse standard deviation), so the graph takes raw pixels.
 * logreg: Gemm then Softmax. net: its layers as Conv, BatchNormalization,
 * Relu, Tanh, Sigmoid, MaxPool, Flatten and Gemm (dropout and noise are
 * the identity in inference and vanish), a residual block as Add of its
 * layers' output and its input or its projection (1x1 Conv, and
 * BatchNormalization if the block has a bn), then Softmax; with
 * ema_decay, the averaged weights it predicts with. forest: an
 * ai.onnx.ml TreeEnsembleClassifier on the raw pixels with the trees'
 * own leaf class fractions, divided by the number of trees. ensemble:
 * each member's graph in a scope of its own (values "m0/...", "m1/..."),
 * with its own standardization, their probabilities' mean. Labels:
 * ArgMax. The option "tta" is in the graph too: its views (Pad, Slice,
 * the library's byte for byte) go through the model's body as one
 * batch, then ReduceMean over the views, so the graph gives
 * fmnist_model_proba's probabilities at every tta level. The file is
 * written as fmnist_model_save writes (a temporary file renamed over
 * path). Errors: FMNIST_E_UNSUPPORTED for a knn model or an ensemble
 * with one (its model is its training set, and its vote ties have no
 * standard operator; the message names the member), FMNIST_E_STATE (not
 * fitted), FMNIST_E_IO, FMNIST_E_NOMEM, FMNIST_E_INVALID (m or path
 * NULL). Since 1.1. */
FMNIST_API fmnist_status fmnist_model_export_onnx(const fmnist_model *m,
                                                  const char *path);
/* The same ONNX model into a caller's buffer, by the convention of
 * fmnist_model_save_buffer (buf NULL: *size gets the size; len too small:
 * FMNIST_E_BUFFER, nothing written). Since 1.1. */
FMNIST_API fmnist_status fmnist_model_export_onnx_buffer(const fmnist_model *m,
                                                         void *buf, size_t len,
                                                         size_t *size);

/* Training history, one row per epoch of the last fit (iterative families;
 * logreg: solver epochs; forest and knn: none). A net's training loss and
 * accuracy are those of its training batches as it trained on them (with
 * dropout, noise, augmentation, and label smoothing in the loss); its
 * validation loss and accuracy those of the model the epoch ends with (the
 * averaged weights with ema_decay), the loss the plain cross-entropy, on
 * the plain validation images (no test-time augmentation, which would
 * multiply the epoch's validation time). */
/* One column of the training history. */
typedef enum fmnist_history_field {
  FMNIST_HISTORY_TRAIN_LOSS = 0,
  FMNIST_HISTORY_TRAIN_ACCURACY = 1,
  FMNIST_HISTORY_VALID_LOSS = 2,     /* NaN without a validation set */
  FMNIST_HISTORY_VALID_ACCURACY = 3, /* NaN without a validation set */
  FMNIST_HISTORY_SECONDS = 4,        /* wall seconds of the epoch */
  /* The names before 1.1, kept for existing programs. */
  FMNIST_HIST_TRAIN_LOSS = FMNIST_HISTORY_TRAIN_LOSS,         /* = FMNIST_HISTORY_TRAIN_LOSS */
  FMNIST_HIST_TRAIN_ACCURACY = FMNIST_HISTORY_TRAIN_ACCURACY, /* = FMNIST_HISTORY_TRAIN_ACCURACY */
  FMNIST_HIST_VALID_LOSS = FMNIST_HISTORY_VALID_LOSS,         /* = FMNIST_HISTORY_VALID_LOSS */
  FMNIST_HIST_VALID_ACCURACY = FMNIST_HISTORY_VALID_ACCURACY, /* = FMNIST_HISTORY_VALID_ACCURACY */
  FMNIST_HIST_SECONDS = FMNIST_HISTORY_SECONDS                /* = FMNIST_HISTORY_SECONDS */
} fmnist_history_field;

/* Number of history fields (FMNIST_HISTORY_TRAIN_LOSS .. _SECONDS). */
#define FMNIST_HISTORY_FIELDS (FMNIST_HISTORY_SECONDS + 1)

/* Number of epochs recorded (readable from a progress callback). */
FMNIST_API size_t fmnist_model_epochs(const fmnist_model *m);
/* One figure of epoch `epoch` (0-based). */
FMNIST_API fmnist_status fmnist_model_history(const fmnist_model *m,
                                              size_t epoch,
                                              fmnist_history_field field,
                                              double *out);

#ifdef __cplusplus
}
#endif
#endif
