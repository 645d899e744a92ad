"""Fashion-MNIST as numpy arrays, loaded and split by the C library."""

import ctypes

import numpy as np

from . import _arrays
from ._lib import PIXELS, SET_TEST, SET_TRAIN, Handle, check, lib, new_handle, text

_SETS = {"train": SET_TRAIN, "test": SET_TEST}


def _arrays_of(ds):
    """Copies of a C dataset's images (n, 784) and labels (n,)."""
    n = lib.fmnist_dataset_count(ds.ptr)
    X = np.empty((n, PIXELS), dtype=np.uint8)
    y = np.empty(n, dtype=np.uint8)
    if n:
        ctypes.memmove(X.ctypes.data, lib.fmnist_dataset_images(ds.ptr), n * PIXELS)
        ctypes.memmove(y.ctypes.data, lib.fmnist_dataset_labels(ds.ptr), n)
    return X, y


def dataset(X, y):
    """A C dataset holding copies of checked X and y."""
    X = _arrays.images(X)
    y = _arrays.labels(y, X.shape[0])
    return new_handle(lib.fmnist_dataset_from_memory, _arrays.u8_ptr(X), _arrays.u8_ptr(y),
                      X.shape[0], free=lib.fmnist_dataset_free)


def default_data_dir():
    """$FMNIST_DATA if set, else Debian's /usr/share/datasets/fashion-mnist."""
    return lib.fmnist_default_data_dir().decode()


def load(set="train", data_dir=None):
    """The official train (60 000) or test (10 000) set as ``(X, y)``:
    ``X`` uint8 of shape (n, 784), ``y`` uint8 labels 0..9. ``data_dir``
    None: :func:`default_data_dir`. A missing file raises
    FileNotFoundError, a malformed one an OSError (FileFormatError)."""
    if set not in _SETS:
        raise ValueError("set must be 'train' or 'test', got %r" % (set,))
    ds = new_handle(lib.fmnist_dataset_load, None if data_dir is None else text(data_dir),
                    _SETS[set], free=lib.fmnist_dataset_free)
    return _arrays_of(ds)


def split(X, y, n_first, seed=42):
    """Stratified random split as the C library (and the report: 50 000
    of the 60 000 training images for training, the rest for validation):
    returns ``X_first, X_second, y_first, y_second``, in the order of
    scikit-learn's train_test_split. The same seed gives the same split
    as ``fmnist_dataset_split`` and the C examples."""
    ds = dataset(X, y)
    n = lib.fmnist_dataset_count(ds.ptr)
    if not 0 <= n_first <= n:
        raise ValueError("n_first must be in 0..%d, got %r" % (n, n_first))
    first, second = ctypes.c_void_p(), ctypes.c_void_p()
    check(lib.fmnist_dataset_split(ds.ptr, int(n_first), 1, int(seed), ctypes.byref(first),
                                   ctypes.byref(second)))
    a = Handle(first.value, lib.fmnist_dataset_free)
    b = Handle(second.value, lib.fmnist_dataset_free)
    (X1, y1), (X2, y2) = _arrays_of(a), _arrays_of(b)
    return X1, X2, y1, y2
