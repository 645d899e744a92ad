"""Classifiers with scikit-learn's conventions over the C model families.

Every keyword of ``__init__`` is stored as given and read again at fit
(``get_params`` / ``set_params`` / ``clone`` work as for scikit-learn's
estimators); fit builds a fresh C model from them, so changing a
parameter never touches a fitted model. The keywords' defaults are the
library's own: each class reads the options of a fresh C model of its
family when it is defined, so the signature shows the values a C program
gets (a few differ on purpose, named in the class). The fitted C handle is
``model_``, freed with the estimator; pickling and copying go through the
library's model file format, in memory (fmnist_model_save_buffer and
fmnist_model_load_buffer).
"""

import ctypes
import math
import numbers
import os
import threading

import numpy as np

from . import _arrays, _data, _errors
from ._lib import (CLASSES, HISTORY_SECONDS, HISTORY_TRAIN_ACCURACY, HISTORY_TRAIN_LOSS,
                   HISTORY_VALID_ACCURACY, HISTORY_VALID_LOSS, PIXELS, STATUS, check, lib,
                   new_handle, text)
from ._progress import Call

try:  # scikit-learn's own bases when it is installed: its clone, repr and tags
    from sklearn.base import BaseEstimator as _Base, ClassifierMixin as _Mixin
except ImportError:  # numpy alone: the same conventions, written out
    import inspect

    class _Base:
        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for k, v in params.items():
                if k not in valid:
                    raise ValueError("invalid parameter %r for estimator %s; valid parameters "
                                     "are %s" % (k, type(self).__name__, valid))
                setattr(self, k, v)
            return self

        def __repr__(self):
            args = ", ".join("%s=%r" % kv for kv in self.get_params().items())
            return "%s(%s)" % (type(self).__name__, args)

    class _Mixin:
        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            pred = self.predict(X)
            w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
            return float(np.average(pred == np.asarray(y), weights=w))


# ---- from Python values to option text, and back ----

def _threads(n_jobs):
    """scikit-learn's n_jobs as the library's threads: -1 all cores, -2 all
    but one, ...; None also all cores (the library's default; scikit-learn
    reads None as 1)."""
    if n_jobs is None or n_jobs == -1:
        return 0
    if not isinstance(n_jobs, numbers.Integral) or n_jobs == 0:
        raise ValueError("n_jobs must be None, -1 or a non-zero integer, got %r" % (n_jobs,))
    return int(n_jobs) if n_jobs > 0 else max(1, lib.fmnist_cpu_count() + 1 + int(n_jobs))


def _seed(random_state):
    """scikit-learn's random_state: an int is the seed; None draws one from
    numpy's global generator (a new model each fit); a RandomState or
    Generator draws one from itself."""
    if random_state is None:
        return int(np.random.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError("random_state must be a non-negative integer, got %r"
                             % (random_state,))
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**63 - 1, dtype=np.int64))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise ValueError("random_state must be None, an int, a RandomState or a Generator, got %r"
                     % (random_state,))


def _option_text(value):
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return value
    raise TypeError("option value %r: expected a number or a string" % (value,))


def _max_features(v):
    """scikit-learn's max_features: "sqrt", "log2", None (all), an int, or
    a fraction of the 784 pixels."""
    if v == "sqrt":
        return "sqrt"
    if v == "log2":
        return str(int(math.log2(PIXELS)))
    if v is None:
        return str(PIXELS)
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return str(int(v))
    if isinstance(v, numbers.Real) and 0 < v <= 1:
        return str(max(1, int(v * PIXELS)))
    raise ValueError("max_features must be 'sqrt', 'log2', None, an int or a fraction in "
                     "(0, 1], got %r" % (v,))


def _algorithm(v):
    """scikit-learn's algorithm names: every exact search ("auto",
    "ball_tree", "kd_tree") is the library's pruned search; "brute" is
    brute force."""
    exact = {"auto": "pruned", "ball_tree": "pruned", "kd_tree": "pruned", "pruned": "pruned",
             "brute": "brute"}
    if v not in exact:
        raise ValueError("algorithm must be one of %s, got %r" % (sorted(exact), v))
    return exact[v]


def _none_is(word):
    return lambda v: word if v is None else _option_text(v)


# ---- from option text to Python values ----

def _flag(v):
    return v not in ("0", "false")


def _option(handle, option):
    """An option's text of a C model (a layer spec can be long: the buffer
    grows until it fits)."""
    size = 4096
    while True:
        buf = ctypes.create_string_buffer(size)
        status = lib.fmnist_model_get(handle.ptr, text(option), buf, size)
        if status != STATUS["E_BUFFER"] or size >= 1 << 24:
            check(status)
            return buf.value.decode()
        size *= 4


def _keyword_values(keywords, handle):
    """{keyword: value} of the options of a C model (a fresh one, a preset
    or a loaded file)."""
    return {keyword: parse(_option(handle, option)) for keyword, option, parse, _ in keywords}


def _new_family_model(family):
    return new_handle(lib.fmnist_model_create, text(family), free=lib.fmnist_model_free)


def _library_defaults(family, keywords, **on_purpose):
    """The keywords' defaults: the options of a fresh C model of family,
    except those given in on_purpose (defaults that differ from the C
    library's deliberately)."""
    defaults = _keyword_values(keywords, _new_family_model(family))
    defaults.update(on_purpose)
    return defaults


def _preset(name):
    return new_handle(lib.fmnist_model_create_preset, text(name), free=lib.fmnist_model_free)


class _Classifier(_Mixin, _Base):
    """What the four families share. A subclass names its family, its
    keywords: (keyword, C option, option text -> value, value -> option
    text or None for _option_text), and their defaults (_library_defaults)."""

    _family = None
    _keywords = ()

    # ---- configuration ----

    def _new_model(self):
        m = _new_family_model(self._family)
        options = [("threads", str(_threads(self.n_jobs))), ("seed", str(_seed(self.random_state)))]
        for keyword, option, _, to_text in self._keywords:
            value = getattr(self, keyword)
            if value is None and to_text is None:
                continue  # the library's default
            options.append((option, (to_text or _option_text)(value)))
        for option, value in options:
            check(lib.fmnist_model_set(m.ptr, text(option), text(value)))
        return m

    @classmethod
    def report(cls, name):
        """The report's model `name` (a preset of the C library, see
        :func:`fmnist.presets`) as an estimator of this class, its options
        as keywords (random_state 42, as the C examples)."""
        return cls._from_preset(name, _preset(name))

    @classmethod
    def _from_preset(cls, name, m):
        family = lib.fmnist_model_family(m.ptr).decode()
        if family != cls._family:
            raise ValueError("preset %r is a %s model, not a %s one (use fmnist.report(%r))"
                             % (name, family, cls.__name__, name))
        return cls(**_keyword_values(cls._keywords, m), random_state=42)

    # ---- fitting and predicting ----

    def _call(self, handle, verbose_desc):
        return Call(handle, getattr(self, "verbose", 0), verbose_desc)

    def _lock(self):
        lock = self.__dict__.get("_lock_")
        if lock is None:
            lock = self.__dict__.setdefault("_lock_", threading.Lock())
        return lock

    def fit(self, X, y):
        """Fits on images X ((n, 784) or (n, 28, 28) uint8) and labels y
        (0..9); returns self."""
        return self._fit(X, y, None)

    def _fit(self, X, y, valid):
        train = _data.dataset(X, y)
        m = self._new_model()
        with self._lock(), self._call(m, "fit"):
            check(lib.fmnist_model_fit(m.ptr, train.ptr, valid.ptr if valid else None))
        self._set_fitted(m)
        return self

    def _set_fitted(self, m):
        self.model_ = m
        self.classes_ = np.arange(CLASSES)
        self.n_features_in_ = PIXELS

    def _fitted(self):
        m = self.__dict__.get("model_")
        if m is None:
            raise _errors.NotFittedError(
                "This %s instance is not fitted yet. Call 'fit' with appropriate arguments "
                "before using this estimator." % type(self).__name__)
        return m

    def _predicting(self, m):
        """Sets the fitted C model's test-time augmentation to the
        ``tta`` keyword as it is now: a prediction setting, which the
        library changes without unfitting, so ``set_params(tta=...)``
        applies to the next prediction without a new fit."""
        check(lib.fmnist_model_set(m.ptr, b"tta", text(self.tta)))

    def predict(self, X):
        """Labels (uint8, shape (n,)) of images X (with ``tta``, the
        class of the highest mean probability over the views)."""
        m = self._fitted()
        X = _arrays.images(X)
        out = np.empty(X.shape[0], dtype=np.uint8)
        with self._lock(), self._call(m, "predict"):
            self._predicting(m)
            check(lib.fmnist_model_predict(m.ptr, _arrays.u8_ptr(X), X.shape[0],
                                           _arrays.u8_ptr(out)))
        return out

    def predict_proba(self, X):
        """Class probabilities (float32, shape (n, 10), rows summing to 1;
        the library computes in float32); columns follow classes_. With
        ``tta`` ("flip", "flip_shift"), the mean over the views of each
        image."""
        m = self._fitted()
        X = _arrays.images(X)
        out = np.empty((X.shape[0], CLASSES), dtype=np.float32)
        with self._lock(), self._call(m, "predict"):
            self._predicting(m)
            check(lib.fmnist_model_proba(m.ptr, _arrays.u8_ptr(X), X.shape[0],
                                         _arrays.f32_ptr(out)))
        return out

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    # ---- files, pickling and copying: the library's model format ----

    def save(self, path):
        """Writes the fitted model as the C library does (fmnist_model_save):
        C programs and ``./examples/predict --load`` read it."""
        check(lib.fmnist_model_save(self._fitted().ptr, text(os.fspath(path))))

    @staticmethod
    def _load_handle(path):
        return new_handle(lib.fmnist_model_load, text(os.fspath(path)),
                          free=lib.fmnist_model_free)

    def __getstate__(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("model_", "_lock_")}
        m = self.__dict__.get("model_")
        if m is not None:  # the bytes of its model file, made in memory
            size = ctypes.c_size_t()
            check(lib.fmnist_model_save_buffer(m.ptr, None, 0, ctypes.byref(size)))
            buf = ctypes.create_string_buffer(size.value)
            check(lib.fmnist_model_save_buffer(m.ptr, buf, size.value, ctypes.byref(size)))
            state["model_"] = buf.raw
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("model_", None)
        self.__dict__.update(state)
        if data is not None:
            self.model_ = new_handle(lib.fmnist_model_load_buffer, data, len(data),
                                     free=lib.fmnist_model_free)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"X_types": ["2darray"], "requires_positive_X": True, "non_deterministic": False}


# Test-time augmentation: every family's, a prediction setting (predict
# and predict_proba apply the keyword as it is when they run).
_TTA = (("tta", "tta", str, None),)
_COMMON = (("standardize", "standardize", str, None),) + _TTA


class LogisticRegression(_Classifier):
    """Multinomial logistic regression with an L2 penalty (the "logreg"
    family): scikit-learn's ``LogisticRegression(multi_class="multinomial")``
    with ``C``, ``solver`` ("sag" or "sgd"), ``max_iter`` and ``tol``."""

    _family = "logreg"
    _keywords = (("C", "C", float, None), ("solver", "solver", str, None),
                 ("max_iter", "max_iter", int, None), ("tol", "tol", float, None)) + _COMMON
    _defaults = _library_defaults(_family, _keywords)

    def __init__(self, C=_defaults["C"], solver=_defaults["solver"],
                 max_iter=_defaults["max_iter"], tol=_defaults["tol"],
                 standardize=_defaults["standardize"], tta=_defaults["tta"], n_jobs=None,
                 random_state=None, verbose=0):
        self.C = C
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.standardize = standardize
        self.tta = tta
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @property
    def n_iter_(self):
        return np.array([lib.fmnist_model_epochs(self._fitted().ptr)])


class KNeighborsClassifier(_Classifier):
    """k nearest neighbours, Euclidean on standardized pixels (the "knn"
    family): ``n_neighbors``, ``weights`` ("uniform" or "distance"),
    ``algorithm`` (exact either way: "auto" = pruned search, "brute"), and
    ``ties``, the rule for a vote tie: "smallest_label" (the default here:
    scikit-learn's rule, so that this class predicts what scikit-learn's
    does) or "nearest" (the C library's default: the class whose voters
    are nearer in sum)."""

    _family = "knn"
    _keywords = (("n_neighbors", "k", int, None), ("weights", "weights", str, None),
                 ("algorithm", "algorithm", lambda v: "auto" if v == "pruned" else v,
                  _algorithm),
                 ("ties", "ties", str, None)) + _COMMON
    _defaults = _library_defaults(_family, _keywords, ties="smallest_label")

    def __init__(self, n_neighbors=_defaults["n_neighbors"], weights=_defaults["weights"],
                 algorithm=_defaults["algorithm"], ties=_defaults["ties"],
                 standardize=_defaults["standardize"], tta=_defaults["tta"], n_jobs=None,
                 random_state=None, verbose=0):
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.ties = ties
        self.standardize = standardize
        self.tta = tta
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose


class RandomForestClassifier(_Classifier):
    """Random forest of CART trees on the raw pixels (the "forest" family),
    with scikit-learn's keywords."""

    _family = "forest"
    _keywords = (("n_estimators", "n_trees", int, None), ("criterion", "criterion", str, None),
                 ("max_depth", "max_depth", lambda v: None if v == "none" else int(v),
                  _none_is("none")),
                 ("min_samples_split", "min_samples_split", int, None),
                 ("min_samples_leaf", "min_samples_leaf", int, None),
                 ("max_features", "max_features", lambda v: v if v == "sqrt" else int(v),
                  _max_features),
                 ("bootstrap", "bootstrap", _flag, None)) + _TTA
    _defaults = _library_defaults(_family, _keywords)

    def __init__(self, n_estimators=_defaults["n_estimators"], criterion=_defaults["criterion"],
                 max_depth=_defaults["max_depth"],
                 min_samples_split=_defaults["min_samples_split"],
                 min_samples_leaf=_defaults["min_samples_leaf"],
                 max_features=_defaults["max_features"], bootstrap=_defaults["bootstrap"],
                 tta=_defaults["tta"], n_jobs=None, random_state=None, verbose=0):
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.max_depth = max_depth
        self.min_samples_split = min_samples_split
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.bootstrap = bootstrap
        self.tta = tta
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose


class NetClassifier(_Classifier):
    """Dense and convolutional networks trained with Adam or SGD (the
    "net" family). ``layers`` is the library's layer spec
    (``"conv:32:3 bn relu pool:2 flatten dense:128 relu dense:10"``;
    ``NetClassifier.report("cnn_final")`` is the report's final CNN).
    Keywords follow scikit-learn's MLPClassifier for the same concepts:
    ``max_iter`` is the number of epochs, ``batch_size``,
    ``learning_rate_init``, ``solver`` ("adam" or "sgd"), ``beta_1``,
    ``beta_2``, ``epsilon`` (Adam's), ``momentum`` and
    ``nesterovs_momentum`` (SGD's); PyTorch's for the others:
    ``weight_decay`` (Adam: L2 added to the gradient; SGD: decoupled, as
    AdamW), ``label_smoothing`` (CrossEntropyLoss's); ``init``,
    ``lr_schedule`` ("constant", "cosine", "linear", "onecycle"),
    ``warmup`` (the fraction of the steps that warm the rate up),
    ``ema_decay`` (averaged weights for validation and prediction),
    ``conv_algorithm``, ``augment`` and ``tta`` (test-time augmentation)
    are the library's options (docs/guide.md section 4). The default
    ``layers`` is the report's dense net (the "dense" preset; the C
    library's default is no layers)."""

    _family = "net"
    _keywords = (("layers", "layers", str, None), ("max_iter", "epochs", int, None),
                 ("batch_size", "batch", int, None), ("solver", "optimizer", str, None),
                 ("learning_rate_init", "lr", float, None),
                 ("beta_1", "beta1", float, None), ("beta_2", "beta2", float, None),
                 ("epsilon", "eps", float, None), ("momentum", "momentum", float, None),
                 ("nesterovs_momentum", "nesterov", _flag, None),
                 ("weight_decay", "weight_decay", float, None),
                 ("init", "init", str, None), ("lr_schedule", "lr_schedule", str, None),
                 ("warmup", "warmup", float, None),
                 ("label_smoothing", "label_smoothing", float, None),
                 ("ema_decay", "ema_decay", float, None),
                 ("conv_algorithm", "conv_algorithm", str, None),
                 ("augment", "augment", lambda v: v or None, _none_is(""))) + _COMMON
    _defaults = _library_defaults(_family, _keywords, layers=_option(_preset("dense"), "layers"))

    def __init__(self, layers=_defaults["layers"], max_iter=_defaults["max_iter"],
                 batch_size=_defaults["batch_size"], solver=_defaults["solver"],
                 learning_rate_init=_defaults["learning_rate_init"], beta_1=_defaults["beta_1"],
                 beta_2=_defaults["beta_2"], epsilon=_defaults["epsilon"],
                 momentum=_defaults["momentum"],
                 nesterovs_momentum=_defaults["nesterovs_momentum"],
                 weight_decay=_defaults["weight_decay"], init=_defaults["init"],
                 lr_schedule=_defaults["lr_schedule"], warmup=_defaults["warmup"],
                 label_smoothing=_defaults["label_smoothing"], ema_decay=_defaults["ema_decay"],
                 conv_algorithm=_defaults["conv_algorithm"], augment=_defaults["augment"],
                 standardize=_defaults["standardize"], tta=_defaults["tta"], n_jobs=None,
                 random_state=None, verbose=0):
        self.layers = layers
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.solver = solver
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.weight_decay = weight_decay
        self.init = init
        self.lr_schedule = lr_schedule
        self.warmup = warmup
        self.label_smoothing = label_smoothing
        self.ema_decay = ema_decay
        self.conv_algorithm = conv_algorithm
        self.augment = augment
        self.standardize = standardize
        self.tta = tta
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, validation_data=None):
        """Fits on X, y; ``validation_data=(X_valid, y_valid)`` adds their
        loss and accuracy to ``history_`` after each epoch (never trained
        on)."""
        valid = _data.dataset(*validation_data) if validation_data is not None else None
        self._fit(X, y, valid)
        m = self.model_
        fields = {"loss": HISTORY_TRAIN_LOSS, "accuracy": HISTORY_TRAIN_ACCURACY,
                  "val_loss": HISTORY_VALID_LOSS, "val_accuracy": HISTORY_VALID_ACCURACY,
                  "seconds": HISTORY_SECONDS}
        out = ctypes.c_double()
        history = {k: [] for k in fields}
        for e in range(lib.fmnist_model_epochs(m.ptr)):
            for k, f in fields.items():
                check(lib.fmnist_model_history(m.ptr, e, f, ctypes.byref(out)))
                history[k].append(out.value)
        self.history_ = history
        return self


class EnsembleClassifier(_Classifier):
    """Soft voting over models of this package (the "ensemble" family):
    its probabilities are the mean of its members' probabilities, its
    labels the class of the highest mean, as scikit-learn's
    ``VotingClassifier(voting="soft")`` with equal weights. ``fit(X, y)``
    fits a fresh copy of each estimator of ``estimators`` (a list of
    estimators of this package, any families, kept unfitted as given) and
    keeps them in ``estimators_``; ``EnsembleClassifier.of(fitted)`` makes
    one from estimators already fitted or loaded, without fitting. The C
    library keeps its own copies of the members (fmnist_ensemble_create),
    so it predicts, saves and loads as one model; ``tta`` averages the
    mean over the views of each image too. A loaded ensemble
    (``load_model``) has ``estimators`` None: its members live in its
    file."""

    _family = "ensemble"
    _keywords = _TTA
    _defaults = _library_defaults(_family, _keywords)

    def __init__(self, estimators=None, tta=_defaults["tta"], verbose=0):
        self.estimators = estimators
        self.tta = tta
        self.verbose = verbose

    @classmethod
    def of(cls, fitted, tta=_defaults["tta"]):
        """An ensemble of estimators already fitted (or loaded), not refitted."""
        fitted = list(fitted)
        est = cls(estimators=None, tta=tta)
        est._make(fitted)
        return est

    def _make(self, members):
        if not members:
            raise ValueError("an ensemble needs at least one member")
        handles = (ctypes.c_void_p * len(members))(*[e._fitted().ptr for e in members])
        h = new_handle(lib.fmnist_ensemble_create,
                       ctypes.cast(handles, ctypes.POINTER(ctypes.c_void_p)), len(members),
                       free=lib.fmnist_model_free)
        self.estimators_ = members
        self._set_fitted(h)

    def fit(self, X, y):
        """Fits a copy of each of ``estimators`` on X, y and makes the
        ensemble of them; returns self."""
        if not self.estimators:
            raise ValueError("EnsembleClassifier.fit needs estimators, a non-empty list")
        members = [type(e)(**e.get_params()).fit(X, y) for e in self.estimators]
        self._make(members)
        return self

    @property
    def n_members_(self):
        count = ctypes.c_size_t()
        check(lib.fmnist_ensemble_size(self._fitted().ptr, ctypes.byref(count)))
        return count.value


_BY_FAMILY = {c._family: c for c in (LogisticRegression, KNeighborsClassifier,
                                     RandomForestClassifier, NetClassifier, EnsembleClassifier)}


def presets():
    """Names of the report's models (the C library's presets)."""
    names, i = [], 0
    while True:
        name = lib.fmnist_model_preset_name(i)
        if name is None:
            return names
        names.append(name.decode())
        i += 1


def report(name):
    """The report's model `name` as an estimator of its family's class."""
    m = _preset(name)
    return _BY_FAMILY[lib.fmnist_model_family(m.ptr).decode()]._from_preset(name, m)


def load_model(path):
    """An estimator holding the fitted model of a file written by
    ``save`` or by the C library (fmnist_model_save), its keywords read
    from the file's options."""
    h = _Classifier._load_handle(path)
    cls = _BY_FAMILY[lib.fmnist_model_family(h.ptr).decode()]
    est = cls(**_keyword_values(cls._keywords, h))
    est._set_fitted(h)
    return est

