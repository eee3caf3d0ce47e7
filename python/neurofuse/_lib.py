"""The C library through cffi, and what every module of the package shares.

Binding: cffi in ABI mode, out of line. ``_ffi.py`` is generated at build time
from include/neurofuse.h (python/gen_ffi.py: the header through the C
preprocessor), and the library is opened with ``ffi.dlopen`` from this folder.
Why ABI mode and not API mode: the package then holds no compiled extension
module, only the C library itself, so a wheel needs no compiler where it is
installed, does not depend on the Python version (one ``py3-none`` wheel per
platform) and cannot disagree with the library about the header (both come
from the same build). The price is libffi's call cost (well under a
microsecond per call, measured in bench/python), which matters only for calls
that do almost nothing; the work of a call (a run, a copy) is the C library's.
"""
import operator
import os

import numpy as np

from . import _build_info
from ._ffi import ffi
from .errors import (BackendError, FileIOError, InvalidArgumentError, NeurofuseError,
                     NoDeviceError, NumericError, OutOfMemoryError, StateError,
                     UnsupportedError, make_error)

LIBRARY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), _build_info.LIBRARY)
lib = ffi.dlopen(LIBRARY_PATH)

if lib.nf_version_number() != lib.NF_VERSION_NUMBER:
    raise ImportError(
        f"neurofuse: the library {LIBRARY_PATH} is version {lib.nf_version_number()}, "
        f"the package was generated from header version {lib.NF_VERSION_NUMBER}")

_ERRORS = {
    lib.NF_ERR_INVALID_ARGUMENT: InvalidArgumentError,
    lib.NF_ERR_OUT_OF_MEMORY: OutOfMemoryError,
    lib.NF_ERR_NO_DEVICE: NoDeviceError,
    lib.NF_ERR_BACKEND: BackendError,
    lib.NF_ERR_STATE: StateError,
    lib.NF_ERR_NUMERIC: NumericError,
    lib.NF_ERR_IO: FileIOError,
    lib.NF_ERR_UNSUPPORTED: UnsupportedError,
}


def status_of(exc):
    """The nf_status of an exception: its own, else its class's (NF_ERR_STATE for others)."""
    if getattr(exc, "status", None):
        return exc.status
    for status, cls in _ERRORS.items():
        if type(exc) is cls:
            return status
    return lib.NF_ERR_STATE


def text(p):
    """A C string as str ("" for NULL)."""
    return "" if p == ffi.NULL else ffi.string(p).decode("utf-8", "replace")


def status_name(status):
    """"NF_ERR_INVALID_ARGUMENT" for 1, from nf_status_string ("NAME: description")."""
    return text(lib.nf_status_string(status)).split(":")[0]


def error(status, message, step=None):
    """The exception for a failed call's status and message."""
    status = int(status)
    name = status_name(status)
    return make_error(_ERRORS.get(status, NeurofuseError), message or text(
        lib.nf_status_string(status)), status, name, step)


def invalid(message):
    """An InvalidArgumentError for a check made in Python before any C call."""
    return make_error(InvalidArgumentError, message)


def closed(what):
    return make_error(StateError, f"{what} is closed")


def enum_names(type_name, prefix):
    """{"lif": NF_MODEL_LIF, ...}: an enum's values by lower-case name, read from the
    header's declaration, so that a new enumerator is a new accepted name."""
    values = ffi.typeof(type_name).relements
    return {k[len(prefix):].lower(): v for k, v in values.items() if k.startswith(prefix)}


def choose(table, value, what):
    """The enum value a name stands for, or InvalidArgumentError listing the names."""
    if isinstance(value, str) and value.lower() in table:
        return table[value.lower()]
    raise invalid(f"{what} must be one of {', '.join(repr(k) for k in table)}, got {value!r}")


def name_of(table, value):
    for k, v in table.items():
        if v == value:
            return k
    return str(value)


BACKENDS = enum_names("nf_backend", "NF_BACKEND_")
MODELS = enum_names("nf_model", "NF_MODEL_")
STATES = enum_names("nf_state_kind", "NF_STATE_")
MODES = enum_names("nf_mode", "NF_MODE_")


def integer(value, what, lo=-(2**31), hi=2**31 - 1):
    """An int in [lo, hi] (int32 by default), or InvalidArgumentError."""
    if isinstance(value, (bool, np.bool_)):
        raise invalid(f"{what} must be an integer, got {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise invalid(f"{what} must be an integer, got {value!r}") from None
    if not lo <= v <= hi:
        raise invalid(f"{what} must be in [{lo}, {hi}], got {v}")
    return v


def real(value, what):
    """A Python float from a real number, or InvalidArgumentError."""
    if isinstance(value, (str, bytes)) or value is None:
        raise invalid(f"{what} must be a number, got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise invalid(f"{what} must be a number, got {value!r}") from None


def as_f32(values, what, dtype=np.float32):
    """`values` (any array-like of real numbers) as one C-contiguous array of dtype,
    converted once (no copy when it already is one)."""
    if values is None:
        raise invalid(f"{what}: an array is needed, got None")
    if not isinstance(values, np.ndarray):
        try:
            values = np.asarray(values)
        except (TypeError, ValueError) as e:
            raise invalid(f"{what}: not an array of numbers ({e})") from None
    if values.dtype.kind not in "biuf":
        raise invalid(f"{what}: dtype {values.dtype} is not a real number type")
    return np.asarray(values, dtype=dtype, order="C")


def shaped(values, shape, what, dtype=np.float32):
    """`values` broadcast (numpy's rules) to exactly `shape`, C-contiguous."""
    a = as_f32(values, what, dtype)
    if a.shape == tuple(shape):
        return a
    try:
        return np.array(np.broadcast_to(a, shape), dtype=dtype, order="C")
    except ValueError:
        raise invalid(f"{what}: an array of shape {a.shape} does not fit "
                      f"shape {tuple(shape)}") from None


def fbuf(a):
    """A float * to a float32 array's data (the array must stay alive)."""
    return ffi.from_buffer("float[]", a)


def dbuf(a):
    return ffi.from_buffer("double[]", a)


def path_bytes(path, what="path"):
    try:
        return os.fsencode(path)
    except TypeError:
        raise invalid(f"{what} must be a str, bytes or os.PathLike, got {path!r}") from None
