"""Library-wide functions: version, backends and devices, .npy files, energy estimates."""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from ._lib import (BACKENDS, as_f32, choose, error, ffi, integer, invalid, lib, path_bytes,
                   real, text)
from .network import Network, _device_name


def version() -> str:
    """The C library's version string, e.g. "0.1.0"."""
    return text(lib.nf_version())


def version_number() -> int:
    """The C library's NF_VERSION_NUMBER (major * 10000 + minor * 100 + patch)."""
    return lib.nf_version_number()


def status_string(status: int) -> str:
    """The name and description of an nf_status value."""
    return text(lib.nf_status_string(integer(status, "status")))


def backend_available(backend: str) -> bool:
    """Whether networks can be created on "cpu", "cuda" (or "auto", always) here."""
    return bool(lib.nf_backend_available(choose(BACKENDS, backend, "backend")))


def device_info(backend: str = "auto", device: int = 0) -> dict:
    """What a backend runs on, as a dict: backend, device, count, name, memory_total,
    memory_free (bytes), processors, compute_capability (CUDA), detail (why the
    query failed or why "auto" chose the CPU) and available (False where CUDA has
    no usable device: no GPU, or a build without CUDA)."""
    info = ffi.new("nf_device_info *")
    st = lib.nf_device_query(choose(BACKENDS, backend, "backend"), integer(device, "device"),
                             info)
    if st not in (lib.NF_OK, lib.NF_ERR_NO_DEVICE):
        raise error(st, text(info.detail) or "nf_device_query failed")
    return {
        "backend": text(lib.nf_backend_name(info.backend)),
        "device": info.device,
        "count": info.count,
        "name": text(info.name),
        "memory_total": info.memory_total,
        "memory_free": info.memory_free,
        "processors": info.processors,
        "compute_capability": (info.cc_major, info.cc_minor),
        "detail": text(info.detail),
        "available": st == lib.NF_OK,
    }


def write_npy(path, array) -> None:
    """Writes an array as float32 to a .npy file (nf_npy_write_f32; numpy reads it)."""
    a = as_f32(array, "array")
    if a.ndim > lib.NF_NPY_MAX_DIMS:
        raise invalid(f"array: at most {lib.NF_NPY_MAX_DIMS} dimensions, got {a.ndim}")
    shape = ffi.new("int64_t[]", list(a.shape) or [0])
    msg = ffi.new("char[]", 1024)
    st = lib.nf_npy_write_f32(path_bytes(path), ffi.from_buffer("float[]", a) if a.size
                              else ffi.NULL, a.ndim, shape, msg, len(msg))
    if st != lib.NF_OK:
        raise error(st, text(msg))


def read_npy(path) -> np.ndarray:
    """Reads a .npy file into a new float32 array (nf_npy_read_f32: float, integer and
    bool dtypes whose values float32 holds)."""
    data = ffi.new("float **")
    ndim = ffi.new("int32_t *")
    shape = ffi.new("int64_t[]", lib.NF_NPY_MAX_DIMS)
    msg = ffi.new("char[]", 1024)
    st = lib.nf_npy_read_f32(path_bytes(path), data, ndim, shape, msg, len(msg))
    if st != lib.NF_OK:
        raise error(st, text(msg))
    try:
        dims = tuple(shape[i] for i in range(ndim[0]))
        count = int(np.prod(dims, dtype=np.int64))
        out = np.empty(dims, np.float32)
        if count:
            ffi.memmove(ffi.from_buffer("float[]", out), data[0], count * 4)
        return out
    finally:
        lib.nf_npy_free(data[0])


def _network(net):
    if not isinstance(net, Network):
        raise invalid(f"net must be a Network, got {net!r}")
    return net


def energy_source_rates(net: Network) -> np.ndarray:
    """The rates the energy estimate reads, one per object id (float64; NaN where not
    measured): a population's mean rate, an input's mean |value|, a readout's mean |z|."""
    net = _network(net)
    count = ffi.new("int32_t *")
    lib.nf_energy_source_rates(net._p, ffi.NULL, 0, count)
    out = np.empty(count[0], np.float64)
    net._check(lib.nf_energy_source_rates(net._p, ffi.from_buffer("double[]", out)
                                          if out.size else ffi.NULL, out.size, count))
    return out


def _given_rates(rates):
    r = as_f32(rates, "rates", np.float64).ravel()
    return r, ffi.from_buffer("double[]", r) if r.size else ffi.NULL


def energy_estimate(net: Network, device: str, steps: int, dt: float,
                    rates=None) -> float:
    """keras-spiking's ModelEnergy estimate, in joules per inference of ``steps`` steps
    of length ``dt``, on ``device`` ("cpu", "gpu", "arm", "loihi", "spinnaker",
    "spinnaker2" or one registered on the network). A spiking device needs measured
    rates: enable the populations' rate statistics and run first, or give ``rates``
    (one per object id, as energy_source_rates; NaN: not measured)."""
    net = _network(net)
    joules = ffi.new("double *")
    steps = integer(steps, "steps", -(2**63), 2**63 - 1)
    if rates is None:
        net._check(lib.nf_energy_estimate(net._p, _device_name(device), steps, real(dt, "dt"),
                                          joules))
    else:
        r, p = _given_rates(rates)
        net._check(lib.nf_energy_estimate_rates(net._p, _device_name(device), steps,
                                                real(dt, "dt"), p, r.size, joules))
    return joules[0]


def energy_summary(net: Network, devices: Union[str, Sequence[str]] = ("cpu", "loihi"),
                   steps: int = 1, dt: float = 0.001, rates=None) -> str:
    """The per-layer energy table (connections, neurons, rates, J per inference on each
    device, then the totals) as a string; ``rates`` as energy_estimate's."""
    net = _network(net)
    if isinstance(devices, str):
        devices = (devices,)
    names = [ffi.new("char[]", _device_name(d)) for d in devices]
    arr = ffi.new("const char *[]", names) if names else ffi.NULL
    steps = integer(steps, "steps", -(2**63), 2**63 - 1)
    dt = real(dt, "dt")
    needed = ffi.new("size_t *")
    capacity = 4096
    while True:
        buf = ffi.new("char[]", capacity)
        if rates is None:
            st = lib.nf_energy_summary(net._p, arr, len(names), steps, dt, buf, capacity,
                                       needed)
        else:
            r, p = _given_rates(rates)
            st = lib.nf_energy_summary_rates(net._p, arr, len(names), steps, dt, p, r.size, buf,
                                             capacity, needed)
        if st == lib.NF_ERR_INVALID_ARGUMENT and needed[0] > capacity:
            capacity = needed[0]
            continue
        net._check(st)
        return text(buf)
