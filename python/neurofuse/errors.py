"""Exceptions: one class per nf_status, each carrying the C message and status.

Every failing C call raises the class of its status with the library's own
message (nf_network_last_error, nf_layer_last_error or the call's message
buffer), so the text names the argument, the bad value and what was expected.
"""


class NeurofuseError(Exception):
    """A neurofuse call failed.

    Attributes: ``status`` (the nf_status value, an int, or None for a check made
    in Python), ``status_name`` (e.g. ``"NF_ERR_INVALID_ARGUMENT"``) and
    ``message`` (the library's message).
    """

    status = None
    status_name = None
    message = ""

    def __str__(self):
        return self.message or super().__str__()


class InvalidArgumentError(NeurofuseError, ValueError):
    """NF_ERR_INVALID_ARGUMENT: an argument is out of range, the wrong shape or inconsistent."""


class OutOfMemoryError(NeurofuseError, MemoryError):
    """NF_ERR_OUT_OF_MEMORY: a host or device allocation failed (nothing leaked)."""


class NoDeviceError(NeurofuseError):
    """NF_ERR_NO_DEVICE: CUDA asked for, but no usable GPU (or a build without CUDA)."""


class BackendError(NeurofuseError):
    """NF_ERR_BACKEND: a backend library call (CUDA, cuBLAS, BLAS) failed."""


class StateError(NeurofuseError):
    """NF_ERR_STATE: the call does not fit the current state (also: a closed network)."""


class NumericError(NeurofuseError):
    """NF_ERR_NUMERIC: a non-finite value appeared during a run.

    ``step`` is the step that produced it; the network is left as it was after
    the step before (``net.step_count == step``) and stays usable.
    """

    step = None


class FileIOError(NeurofuseError, OSError):
    """NF_ERR_IO: a file could not be read or written (an ``OSError``)."""


class UnsupportedError(NeurofuseError):
    """NF_ERR_UNSUPPORTED: valid, but this backend or model cannot do it."""


def make_error(cls, message, status=None, status_name=None, step=None):
    """An instance of `cls` with the attributes set (one-argument construction,
    so that OSError's own argument parsing never sees the status)."""
    err = cls(message)
    err.message = message
    err.status = status
    err.status_name = status_name
    if step is not None:
        err.step = step
    return err
