"""libfmnist from Python: Fashion-MNIST data and classifiers with
scikit-learn's conventions, over the C library (libfmnist.so.1, loaded with
ctypes: set FMNIST_LIBRARY to use a particular build).

    import fmnist
    X, y = fmnist.load("train")
    X_train, X_valid, y_train, y_valid = fmnist.split(X, y, 50000, seed=42)
    knn = fmnist.KNeighborsClassifier(n_neighbors=5).fit(X_train, y_train)
    knn.score(X_valid, y_valid)
"""

from ._errors import (BufferSizeError, CancelledError, ChecksumError, FileFormatError,
                      FmnistError, FormatVersionError, InvalidArgumentError,
                      LibraryFileNotFoundError, LibraryIOError, LibraryMemoryError,
                      NotFittedError, NumericalError, OptionError, PeerError, StateError,
                      UnsupportedError)
from ._lib import lib as _clib, version as library_version
from ._data import default_data_dir, load, split
from ._estimators import (EnsembleClassifier, KNeighborsClassifier, LogisticRegression,
                          NetClassifier, RandomForestClassifier, load_model, presets, report)

#: The package's version (pyproject.toml reads it); library_version is the
#: C library's, checked at import against _lib.MIN_VERSION.
__version__ = "0.1.0"
#: Class names of labels 0..9 ("T-shirt/top", ... "Ankle boot"), from the C library.
CLASS_NAMES = tuple(_clib.fmnist_class_name(i).decode() for i in range(10))

__all__ = [
    "BufferSizeError", "CLASS_NAMES", "CancelledError", "ChecksumError", "EnsembleClassifier",
    "FileFormatError",
    "FmnistError", "FormatVersionError", "InvalidArgumentError", "KNeighborsClassifier",
    "LibraryFileNotFoundError", "LibraryIOError", "LibraryMemoryError", "LogisticRegression",
    "NetClassifier", "NotFittedError", "NumericalError", "OptionError", "PeerError",
    "RandomForestClassifier", "StateError", "UnsupportedError", "default_data_dir", "library_version", "load",
    "load_model", "presets", "report", "split",
]
