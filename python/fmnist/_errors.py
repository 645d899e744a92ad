"""Exceptions: one library error class, mixed with the built-in exception a
Python user catches for the same kind of failure."""


class FmnistError(Exception):
    """A failing libfmnist call; ``status`` is the C status name
    ("E_OPTION"), the message is fmnist_last_error()'s text."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class InvalidArgumentError(FmnistError, ValueError):
    """E_INVALID: an argument the library refused."""


class OptionError(FmnistError, ValueError):
    """E_OPTION: an unknown option or a bad option value."""


class FileFormatError(FmnistError, OSError):
    """E_FORMAT, E_CHECKSUM, E_VERSION: a malformed, corrupted or too new
    file (an OSError, as gzip's BadGzipFile)."""


class LibraryIOError(FmnistError, OSError):
    """E_IO: reading or writing a file failed."""


class LibraryFileNotFoundError(FmnistError, FileNotFoundError):
    """E_NOTFOUND: a file that does not exist."""


class NumericalError(FmnistError, ArithmeticError):
    """E_NUMERIC: training diverged (NaN or infinite loss)."""


class StateError(FmnistError, ValueError):
    """E_STATE: the handle is not in a state that allows the call (a net
    with no layers)."""


class NotFittedError(FmnistError, ValueError, AttributeError):
    """The estimator is not fitted yet (as scikit-learn's NotFittedError,
    both a ValueError and an AttributeError)."""


class CancelledError(FmnistError):
    """E_CANCELLED: the progress callback stopped the call."""


class LibraryMemoryError(FmnistError, MemoryError):
    """E_NOMEM."""


_BY_STATUS = {
    "E_INVALID": InvalidArgumentError,
    "E_NOMEM": LibraryMemoryError,
    "E_IO": LibraryIOError,
    "E_FORMAT": FileFormatError,
    "E_BUFFER": InvalidArgumentError,
    "E_OPTION": OptionError,
    "E_STATE": StateError,
    "E_NUMERIC": NumericalError,
    "E_CANCELLED": CancelledError,
    "E_VERSION": FileFormatError,
    "E_CHECKSUM": FileFormatError,
    "E_NOTFOUND": LibraryFileNotFoundError,
}


def from_status(status, name, message):
    return _BY_STATUS.get(name, FmnistError)(message or name, name)
