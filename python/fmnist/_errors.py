"""Exceptions: a class for every status of the library, each mixed with the
built-in exception a Python user catches for the same kind of failure.

The codes come from the library itself (_lib reads fmnist_status_name for
1, 2, ... at import); BY_NAME below gives each name its class, and
tests/test_library_facts.py fails if the library has a status that
BY_NAME lacks, so a new status cannot be forgotten."""


class FmnistError(Exception):
    """A failing libfmnist call: ``status`` is the C status name
    ("E_OPTION"), ``code`` its number, the message fmnist_last_error()'s
    text (the status's generic text if the library left none)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code


class InvalidArgumentError(FmnistError, ValueError):
    """E_INVALID: an argument the library refused."""


class LibraryMemoryError(FmnistError, MemoryError):
    """E_NOMEM: the library ran out of memory (it released what it took)."""


class LibraryIOError(FmnistError, OSError):
    """E_IO: reading or writing a file failed."""


class FileFormatError(FmnistError, OSError):
    """E_FORMAT: a malformed file (an OSError, as gzip's BadGzipFile); its
    subclasses ChecksumError and FormatVersionError say more."""


class BufferSizeError(InvalidArgumentError):
    """E_BUFFER: an output buffer too small for the result."""


class OptionError(FmnistError, ValueError):
    """E_OPTION: an unknown option or a bad option value."""


class StateError(FmnistError, ValueError):
    """E_STATE: the handle is not in a state that allows the call (a net
    with no layers)."""


class NumericalError(FmnistError, ArithmeticError):
    """E_NUMERIC: training diverged (NaN or infinite loss)."""


class CancelledError(FmnistError):
    """E_CANCELLED: the progress callback stopped the call."""


class FormatVersionError(FileFormatError):
    """E_VERSION: a file of a format version this library does not read."""


class ChecksumError(FileFormatError):
    """E_CHECKSUM: a file whose checksum does not match its contents."""


class LibraryFileNotFoundError(FmnistError, FileNotFoundError):
    """E_NOTFOUND: a file that does not exist."""


class PeerError(FmnistError):
    """E_PEER: this member of a data-parallel group stopped because another
    member failed or was cancelled."""


class UnsupportedError(FmnistError, NotImplementedError):
    """E_UNSUPPORTED: the model's family does not support the operation
    (the ONNX export of a knn model, or of an ensemble with one)."""


class NotFittedError(FmnistError, ValueError, AttributeError):
    """The estimator is not fitted yet (as scikit-learn's NotFittedError,
    both a ValueError and an AttributeError); raised by the package, not
    a library status."""


#: Every status of the library (its name without the FMNIST_ prefix) and
#: its class.
BY_NAME = {
    "E_INVALID": InvalidArgumentError,
    "E_NOMEM": LibraryMemoryError,
    "E_IO": LibraryIOError,
    "E_FORMAT": FileFormatError,
    "E_BUFFER": BufferSizeError,
    "E_OPTION": OptionError,
    "E_STATE": StateError,
    "E_NUMERIC": NumericalError,
    "E_CANCELLED": CancelledError,
    "E_VERSION": FormatVersionError,
    "E_CHECKSUM": ChecksumError,
    "E_NOTFOUND": LibraryFileNotFoundError,
    "E_PEER": PeerError,
    "E_UNSUPPORTED": UnsupportedError,
}


def from_status(code, name, message, generic):
    """The exception of a failing status; a status newer than this package
    (a newer library) is a plain FmnistError."""
    return BY_NAME.get(name, FmnistError)(message or generic, name, code)
