"""The C library through ctypes (ABI mode: nothing to compile).

Finds libfmnist.so.1 in $FMNIST_LIBRARY, next to this package, or on the
system's library path, in that order; checks its version; declares the
prototypes used; turns a failing status into a Python exception carrying
fmnist_last_error()'s text. ctypes releases the GIL around every call.
"""

import ctypes
import os

from . import _errors

SONAME = "libfmnist.so.1"
#: The oldest library this package works with (presets and net layers: 1.1).
MIN_VERSION = (1, 1)

c_size_p = ctypes.POINTER(ctypes.c_size_t)
c_u8_p = ctypes.POINTER(ctypes.c_uint8)
c_float_p = ctypes.POINTER(ctypes.c_float)
handle_p = ctypes.POINTER(ctypes.c_void_p)

#: int (*)(void *user, fmnist_stage stage, size_t done, size_t total)
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                               ctypes.c_size_t, ctypes.c_size_t)

# Constants of the headers, which the library cannot report at run time:
# each NAME here is the header's FMNIST_NAME, with its value, and
# tests/test_library_facts.py checks every one against the headers (and
# that no stage, set or history field of theirs is missing here).
# fmnist_stage (fmnist/base.h)
STAGE_BATCH = 0
STAGE_EPOCH = 1
STAGE_TREE = 2
STAGE_PREDICT = 3
STAGE_FOLD = 4
STAGE_STEP = 5
# fmnist_set (fmnist/dataset.h)
SET_TRAIN = 0
SET_TEST = 1
# image and label sizes (fmnist/dataset.h)
PIXELS = 784
CLASSES = 10
# fmnist_history_field (fmnist/model.h)
HISTORY_TRAIN_LOSS = 0
HISTORY_TRAIN_ACCURACY = 1
HISTORY_VALID_LOSS = 2
HISTORY_VALID_ACCURACY = 3
HISTORY_SECONDS = 4

_status = ctypes.c_int
_PROTOTYPES = {
    # name: (restype, argtypes); a restype of _status is checked
    "fmnist_version": (ctypes.c_char_p, []),
    "fmnist_last_error": (ctypes.c_char_p, []),
    "fmnist_status_name": (ctypes.c_char_p, [ctypes.c_int]),
    "fmnist_strerror": (ctypes.c_char_p, [ctypes.c_int]),
    "fmnist_cpu_count": (ctypes.c_size_t, []),
    "fmnist_default_data_dir": (ctypes.c_char_p, []),
    "fmnist_class_name": (ctypes.c_char_p, [ctypes.c_int]),
    "fmnist_dataset_load": (_status, [ctypes.c_char_p, ctypes.c_int, handle_p]),
    "fmnist_dataset_from_memory": (_status, [c_u8_p, c_u8_p, ctypes.c_size_t, handle_p]),
    "fmnist_dataset_free": (None, [ctypes.c_void_p]),
    "fmnist_dataset_count": (ctypes.c_size_t, [ctypes.c_void_p]),
    "fmnist_dataset_images": (ctypes.c_void_p, [ctypes.c_void_p]),
    "fmnist_dataset_labels": (ctypes.c_void_p, [ctypes.c_void_p]),
    "fmnist_dataset_split": (_status, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                       ctypes.c_uint64, handle_p, handle_p]),
    "fmnist_model_create": (_status, [ctypes.c_char_p, handle_p]),
    "fmnist_model_create_preset": (_status, [ctypes.c_char_p, handle_p]),
    "fmnist_model_preset_name": (ctypes.c_char_p, [ctypes.c_size_t]),
    "fmnist_model_free": (None, [ctypes.c_void_p]),
    "fmnist_model_family": (ctypes.c_char_p, [ctypes.c_void_p]),
    "fmnist_model_set": (_status, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]),
    "fmnist_model_get": (_status, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                   ctypes.c_size_t]),
    "fmnist_model_option_name": (ctypes.c_char_p, [ctypes.c_void_p, ctypes.c_size_t]),
    "fmnist_model_set_progress": (_status, [ctypes.c_void_p, PROGRESS_FN, ctypes.c_void_p]),
    "fmnist_model_fit": (_status, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
    "fmnist_model_is_fitted": (ctypes.c_int, [ctypes.c_void_p]),
    "fmnist_model_predict": (_status, [ctypes.c_void_p, c_u8_p, ctypes.c_size_t, c_u8_p]),
    "fmnist_model_proba": (_status, [ctypes.c_void_p, c_u8_p, ctypes.c_size_t, c_float_p]),
    "fmnist_model_save": (_status, [ctypes.c_void_p, ctypes.c_char_p]),
    "fmnist_model_load": (_status, [ctypes.c_char_p, handle_p]),
    "fmnist_model_save_buffer": (_status, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                           c_size_p]),
    "fmnist_model_load_buffer": (_status, [ctypes.c_char_p, ctypes.c_size_t, handle_p]),
    "fmnist_ensemble_create": (_status, [handle_p, ctypes.c_size_t, handle_p]),
    "fmnist_ensemble_size": (_status, [ctypes.c_void_p, c_size_p]),
    "fmnist_model_epochs": (ctypes.c_size_t, [ctypes.c_void_p]),
    "fmnist_model_history": (_status, [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                       ctypes.POINTER(ctypes.c_double)]),
}


def _candidates():
    env = os.environ.get("FMNIST_LIBRARY")
    if env:
        return [env]  # an explicit choice is not second-guessed
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), SONAME)
    return ([here] if os.path.exists(here) else []) + [SONAME]


def _open():
    errors = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("fmnist: cannot load %s (%s); install libfmnist (make install, then "
                      "ldconfig) or set FMNIST_LIBRARY to its path" % (SONAME, "; ".join(errors)))


def _declare(lib):
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            f = getattr(lib, name)
        except AttributeError:
            raise ImportError("fmnist: %s lacks %s: the library is older than %d.%d"
                              % (lib._name, name, *MIN_VERSION)) from None
        f.restype, f.argtypes = restype, argtypes


lib = _open()
_declare(lib)
version = lib.fmnist_version().decode()
_have = tuple(int(x) for x in version.split(".")[:2])
if _have[0] != MIN_VERSION[0] or _have < MIN_VERSION:
    raise ImportError("fmnist: %s is version %s; this package needs %d.x, x >= %d"
                      % (lib._name, version, MIN_VERSION[0], MIN_VERSION[1]))


def _statuses():
    """{name: code} of every failing status, from the library: its codes
    are 1, 2, ... (fixed forever, new ones appended), and
    fmnist_status_name names any other "UNKNOWN"."""
    out, code = {}, 1
    while True:
        name = lib.fmnist_status_name(code).decode()
        if name == "UNKNOWN":
            return out
        out[name] = code
        code += 1


#: Every failing status of the loaded library, {"E_INVALID": 1, ...}.
STATUS = _statuses()


def check(status):
    """Raises the exception of a failing status with the library's message."""
    if status:
        raise _errors.from_status(status, lib.fmnist_status_name(status).decode(),
                                  lib.fmnist_last_error().decode(),
                                  lib.fmnist_strerror(status).decode())


def text(s):
    return s if isinstance(s, bytes) else str(s).encode()


class Handle:
    """Owns one C object, freed with the Python object (or by close())."""

    __slots__ = ("ptr", "_free")

    def __init__(self, ptr, free):
        self.ptr, self._free = ptr, free

    def close(self):
        if self.ptr:
            self._free(self.ptr)
            self.ptr = None

    def __del__(self):
        self.close()


def new_handle(create, *args, free):
    out = ctypes.c_void_p()
    check(create(*args, ctypes.byref(out)))
    return Handle(out.value, free)
