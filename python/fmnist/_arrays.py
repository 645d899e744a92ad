"""Checking and converting the arrays handed to the library: images as
contiguous uint8 (n, 784), labels as uint8 0..9."""

import ctypes

import numpy as np

from ._lib import CLASSES, PIXELS

SIDE = 28


def images(X, name="X"):
    """(n, 784) or (n, 28, 28) pixels 0..255 as a C-contiguous uint8 array
    (no copy when X already is one). Integer arrays within 0..255 are
    converted; floats and booleans are refused: the models standardize
    raw pixels themselves, and a silent cast of scaled data would be
    wrong."""
    X = np.asarray(X)
    if X.dtype == np.bool_ or not (np.issubdtype(X.dtype, np.integer)):
        hint = (" (scaled floats? pass the raw pixels, or (X * 255).round().astype(np.uint8))"
                if np.issubdtype(X.dtype, np.floating) else "")
        raise TypeError("%s must hold uint8 pixels 0..255, got dtype %s%s" % (name, X.dtype, hint))
    if X.ndim == 3 and X.shape[1:] == (SIDE, SIDE):
        X = X.reshape(X.shape[0], PIXELS)
    if X.ndim != 2 or X.shape[1] != PIXELS:
        raise ValueError("%s must have shape (n, %d) or (n, %d, %d), got %s"
                         % (name, PIXELS, SIDE, SIDE, X.shape))
    if X.dtype != np.uint8:
        if X.size and (X.min() < 0 or X.max() > 255):
            raise ValueError("%s holds values outside 0..255 (%s..%s)" % (name, X.min(), X.max()))
        X = X.astype(np.uint8)
    return np.ascontiguousarray(X)


def labels(y, n, name="y"):
    """n labels 0..9 as contiguous uint8."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError("%s must have shape (%d,) to match X, got %s" % (name, n, y.shape))
    if y.dtype == np.bool_ or not np.issubdtype(y.dtype, np.integer):
        if not (np.issubdtype(y.dtype, np.floating) and np.all(np.mod(y, 1) == 0)):
            raise TypeError("%s must hold integer class labels 0..%d, got dtype %s"
                            % (name, CLASSES - 1, y.dtype))
    if y.size and (y.min() < 0 or y.max() >= CLASSES):
        raise ValueError("%s holds labels outside 0..%d (%s..%s): Fashion-MNIST has %d classes"
                         % (name, CLASSES - 1, y.min(), y.max(), CLASSES))
    return np.ascontiguousarray(y, dtype=np.uint8)


def u8_ptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))


def f32_ptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
