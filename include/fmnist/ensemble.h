/* libfmnist ensembles: several fitted models as one.
 *
 * An ensemble is a model of family "ensemble" made from fitted (or
 * loaded) models, its members, of any families (nets, KNN, forests,
 * logistic regression, other ensembles): its probabilities are the mean
 * of the members' probabilities (soft voting, as scikit-learn's
 * VotingClassifier(voting="soft") with equal weights), and its labels the
 * class of the highest mean. Every verb of fmnist/model.h works on it:
 * proba, predict, evaluate, save and load (the file holds each member's
 * model file), fmnist_robustness, and the option "tta" (test-time
 * augmentation of the mean). It is made, not fitted: fmnist_model_fit on
 * an ensemble is FMNIST_E_UNSUPPORTED, and setting an option keeps it
 * made (of its common options only "tta" changes what it computes; each
 * member predicts with its own options, its threads and its tta among
 * them). fmnist_model_clone_config and fmnist_model_create("ensemble")
 * give an ensemble without members, which predicts nothing
 * (FMNIST_E_STATE), so cross validation does not apply. ONNX export
 * (fmnist_model_export_onnx): one graph holding every member's, if no
 * member is (or holds) a KNN, else FMNIST_E_UNSUPPORTED. Since 1.1.
 */
#ifndef FMNIST_ENSEMBLE_H
#define FMNIST_ENSEMBLE_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most members of an ensemble. */
#define FMNIST_ENSEMBLE_MAX_MEMBERS 1024

/* A new ensemble of the n fitted models members[0..n): the library copies
 * each one (through the model file format, as fmnist_model_save_buffer
 * and fmnist_model_load_buffer would), so the caller keeps, may change or
 * free its models; *out is to be freed with fmnist_model_free. Errors:
 * FMNIST_E_INVALID (members or out NULL, a NULL member, n 0 or above
 * FMNIST_ENSEMBLE_MAX_MEMBERS), FMNIST_E_STATE (a member not fitted; the
 * message gives its index), FMNIST_E_NOMEM; nothing is made on error.
 * Since 1.1. */
FMNIST_API fmnist_status fmnist_ensemble_create(const fmnist_model *const *members,
                                                size_t n, fmnist_model **out);
/* The number of members of an ensemble into *count. Another family:
 * FMNIST_E_INVALID; an ensemble without members: FMNIST_E_STATE. Since
 * 1.1. */
FMNIST_API fmnist_status fmnist_ensemble_size(const fmnist_model *m, size_t *count);
/* Member i of an ensemble (0-based) into *member: the ensemble's own
 * copy, valid until the ensemble is freed, for predictions (proba,
 * predict, evaluate, save, fmnist_model_get) by the const verbs. Another
 * family or i out of range: FMNIST_E_INVALID; an ensemble without
 * members: FMNIST_E_STATE. Since 1.1. */
FMNIST_API fmnist_status fmnist_ensemble_member(const fmnist_model *m, size_t i,
                                                const fmnist_model **member);

#ifdef __cplusplus
}
#endif
#endif
