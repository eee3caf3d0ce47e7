"""Networks: populations, inputs, connections, readouts, FORCE learners and probes.

A thin layer over the C API (include/neurofuse.h): every method is one or a few
C calls; arrays go in as C-contiguous float32 (converted once) and come out as
fresh numpy arrays the C call fills. All state is laid out [batch][n].
"""
from __future__ import annotations

from dataclasses import dataclass, field
import os
import sys
from typing import Optional, Sequence, Union

import numpy as np

from ._lib import (BACKENDS, MODELS, MODES, STATES, as_f32, choose, closed, dbuf, enum_names,
                   error, fbuf, ffi, integer, invalid, lib, name_of, path_bytes, real, shaped,
                   text)

_LIF_FORMS = enum_names("nf_lif_form", "NF_LIF_")
_IZH_ORDERS = enum_names("nf_izhikevich_order", "NF_IZHIKEVICH_")
_IZH_PRESETS = enum_names("nf_izhikevich_preset", "NF_IZHIKEVICH_")
_CONNECTION_KINDS = enum_names("nf_connection_kind", "NF_CONNECTION_")
_INITS = enum_names("nf_weights_init", "NF_WEIGHTS_")
_PROPAGATIONS = enum_names("nf_propagation", "NF_PROPAGATION_")
_LEARNERS = enum_names("nf_learner_kind", "NF_LEARNER_")
_PRECISIONS = enum_names("nf_precision", "NF_PRECISION_")
_RULES = enum_names("nf_rls_rule", "NF_RLS_")
_PROBES = enum_names("nf_probe_kind", "NF_PROBE_")
_UINT64_MAX = 2**64 - 1
_INT64 = (-(2**63), 2**63 - 1)

ArrayLike = Union[np.ndarray, Sequence, float]
PathLike = Union[str, bytes, os.PathLike]

# Model parameters accepted as keywords by Network.add_population, by model:
# keyword -> (sub-struct or None, field) of nf_population_desc.
_COMMON_PARAMS = {"amplitude": (None, "amplitude")}
_MODEL_PARAMS = {
    "relu": {},
    "sigmoid": {"tau_ref": (None, "tau_ref")},
    "tanh": {"tau_ref": (None, "tau_ref")},
    "lif_rate": {"tau_rc": (None, "tau_rc"), "tau_ref": (None, "tau_ref")},
    "softlif_rate": {"tau_rc": (None, "tau_rc"), "tau_ref": (None, "tau_ref"),
                     "sigma": (None, "sigma")},
    "lif": {"tau_rc": (None, "tau_rc"), "tau_ref": (None, "tau_ref"),
            "min_voltage": (None, "min_voltage"), "tau_m": ("nc_lif", "tau_m"),
            "v_reset": ("nc_lif", "v_reset"), "v_peak": ("nc_lif", "v_peak"),
            "v_init_max": ("nc_lif", "v_init_max")},
    "leaky_rate": {"tau": (None, "tau"), "x_init_scale": (None, "x_init_scale")},
    "izhikevich": {k: ("izh", k) for k in ("C", "k", "v_r", "v_t", "a", "b", "c", "d",
                                           "v_peak")},
    "theta": {},
}


# --- filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Lowpass:
    """Lowpass synapse (ZOH): ``y = a y + (1 - a) u``, ``a = exp(-dt/tau)``; tau 0 is the
    identity. ``spiking_only``: the identity while the network is in rate mode."""

    tau: float
    spiking_only: bool = False

    def _fill(self, f):
        f.kind = lib.NF_FILTER_LOWPASS
        f.tau = real(self.tau, "Lowpass tau")


@dataclass(frozen=True)
class Alpha:
    """Alpha synapse (ZOH), impulse response ``(t/tau^2) exp(-t/tau)``."""

    tau: float
    spiking_only: bool = False

    def _fill(self, f):
        f.kind = lib.NF_FILTER_ALPHA
        f.tau = real(self.tau, "Alpha tau")


@dataclass(frozen=True)
class DoubleExp:
    """Nicola & Clopath's double-exponential synapse, rise and decay time constants
    (rise 0: a single exponential)."""

    rise: float
    decay: float
    spiking_only: bool = False

    def _fill(self, f):
        f.kind = lib.NF_FILTER_DOUBLE_EXP
        f.tau_rise = real(self.rise, "DoubleExp rise")
        f.tau_decay = real(self.decay, "DoubleExp decay")


Filter = Union[Lowpass, Alpha, DoubleExp]


@dataclass
class RateStats:
    """Firing-rate statistics (nf_rate_stats): per-neuron rate = mean |output| over the
    batch and the steps counted; ``percentiles`` maps each requested q to its value;
    ``rates`` holds the per-neuron rates when asked for."""

    steps: int
    neurons: int
    mean: float
    min: float
    max: float
    percentiles: dict = field(default_factory=dict)
    rates: np.ndarray = None


# --- objects ---------------------------------------------------------------------------


class _Object:
    """Something a network holds: its id, and the network it keeps alive."""

    __slots__ = ("network", "id")

    def __init__(self, network, id_):
        self.network = network
        self.id = id_

    def __repr__(self):
        return f"<{type(self).__name__} {self.id} of {self.network!r}>"


class Population(_Object):
    """A population of ``n`` neurons of one model (Network.add_population)."""

    __slots__ = ("n", "model", "spiking")

    def __init__(self, network, id_, n, model, spiking):
        super().__init__(network, id_)
        self.n, self.model, self.spiking = n, model, spiking

    def get_state(self, name: str) -> np.ndarray:
        """A state variable, shape (batch, n): "voltage", "refractory", "recovery", "x",
        "spike_accumulator", "output", "filter" or "filter_aux" (those the model has)."""
        net = self.network
        out = np.empty((net.batch, self.n), np.float32)
        net._check(lib.nf_population_get_state(net._p, self.id, choose(STATES, name, "state"),
                                               fbuf(out)))
        return out

    def set_state(self, name: str, values: ArrayLike) -> None:
        """Sets a state variable from an array broadcast to (batch, n)."""
        net = self.network
        which = choose(STATES, name, "state")
        a = shaped(values, (net.batch, self.n), f"{name} values")
        net._check(lib.nf_population_set_state(net._p, self.id, which, fbuf(a)))

    def set_gain_bias(self, gains: Optional[ArrayLike] = None,
                      biases: Optional[ArrayLike] = None) -> None:
        """Per-neuron gains and/or biases, each (n,) (a scalar is broadcast)."""
        net = self.network
        g = None if gains is None else shaped(gains, (self.n,), "gains")
        b = None if biases is None else shaped(biases, (self.n,), "biases")
        net._check(lib.nf_population_set_gain_bias(
            net._p, self.id, ffi.NULL if g is None else fbuf(g),
            ffi.NULL if b is None else fbuf(b)))

    @property
    def size(self) -> int:
        """n, as the library reports it (nf_population_size)."""
        n = ffi.new("int32_t *")
        self.network._check(lib.nf_population_size(self.network._p, self.id, n))
        return n[0]

    def enable_rate_stats(self, enabled: bool = True) -> None:
        """Starts (zeroed now) or stops counting per-neuron mean |output|."""
        net = self.network
        net._check(lib.nf_population_rate_stats_enable(net._p, self.id, 1 if enabled else 0))

    def rate_stats(self, percentiles: Sequence[float] = (), rates: bool = False) -> RateStats:
        """RateStats over the steps since enabling (or the last reset)."""
        net = self.network
        q = _percentiles(percentiles)
        stats = ffi.new("nf_rate_stats *")
        r = np.empty(self.n, np.float32) if rates else None
        net._check(lib.nf_population_rate_stats(
            net._p, self.id, dbuf(q) if q.size else ffi.NULL, q.size, stats,
            fbuf(r) if rates else ffi.NULL))
        return _to_stats(stats, q, r)


def _percentiles(percentiles):
    q = as_f32(list(percentiles), "percentiles", np.float64)
    if q.ndim != 1 or q.size > lib.NF_RATE_STATS_MAX_PERCENTILES:
        raise invalid(f"percentiles: a list of at most {lib.NF_RATE_STATS_MAX_PERCENTILES} "
                      f"values, got shape {q.shape}")
    return q


def _to_stats(stats, q, rates):
    return RateStats(steps=stats.steps, neurons=stats.neurons, mean=stats.mean,
                     min=stats.min, max=stats.max,
                     percentiles={float(q[i]): stats.percentile[i]
                                  for i in range(stats.n_percentiles)},
                     rates=rates)


class Input(_Object):
    """An external input of dimension ``dim`` (Network.add_input)."""

    __slots__ = ("dim",)

    def __init__(self, network, id_, dim):
        super().__init__(network, id_)
        self.dim = dim

    def set(self, values: ArrayLike) -> None:
        """Sets the input's rows and rewinds it to row 0. Shapes:
        ``(steps, batch, dim)`` as it is (batch 1 is broadcast over the batch);
        ``(steps, dim)`` the same row for every batch element; ``(dim,)`` or a scalar:
        one row, held for every step. Each step of a run consumes the next row; one
        row is held for every step; a run longer than the rows left is refused."""
        net = self.network
        a = as_f32(values, "input values")
        if a.ndim <= 1:
            a = a.reshape(1, 1, -1) if a.ndim == 1 else a.reshape(1, 1, 1)
        elif a.ndim == 2:
            a = a[:, None, :]
        elif a.ndim != 3:
            raise invalid(f"input values: 1, 2 or 3 dimensions, got shape {a.shape}")
        a = shaped(a, (a.shape[0], net.batch, self.dim), "input values")
        if a.shape[0] < 1:
            raise invalid("input values: at least one row (step) is needed")
        net._check(lib.nf_input_set(net._p, self.id, a.shape[0], fbuf(a)))


class Connection(_Object):
    """A connection from a population, input or readout into a population."""

    __slots__ = ("pre", "post", "kind", "per_batch")

    def __init__(self, network, id_, pre, post, kind, per_batch):
        super().__init__(network, id_)
        self.pre, self.post, self.kind, self.per_batch = pre, post, kind, per_batch

    @property
    def weight_count(self) -> int:
        """Stored weights: post*pre (dense) or nnz (sparse), times batch when per_batch;
        1 for identity."""
        count = ffi.new("int64_t *")
        self.network._check(lib.nf_connection_weight_count(self.network._p, self.id, count))
        return count[0]

    def _shape(self):
        count, batch = self.weight_count, self.network.batch
        lead = (batch,) if self.per_batch else ()
        if self.kind == "dense":
            return lead + (self.post.n, _size(self.pre))
        if self.kind == "sparse":
            return lead + (count // batch if self.per_batch else count,)
        return ()

    @property
    def weights(self) -> np.ndarray:
        """Dense: (post, pre), or (batch, post, pre) per batch element; sparse: the CSR
        values (nnz,) or (batch, nnz); identity: the scale, shape ()."""
        out = np.empty(self._shape(), np.float32)
        self.network._check(lib.nf_connection_get_weights(self.network._p, self.id, fbuf(out)))
        return out

    @weights.setter
    def weights(self, values):
        a = shaped(values, self._shape(), "connection weights")
        self.network._check(lib.nf_connection_set_weights(self.network._p, self.id, fbuf(a)))


class Readout(_Object):
    """``z = W_out s`` from a population's filtered output (Network.add_readout)."""

    __slots__ = ("population", "dim", "per_batch")

    def __init__(self, network, id_, population, dim, per_batch):
        super().__init__(network, id_)
        self.population, self.dim, self.per_batch = population, dim, per_batch

    def _wshape(self):
        lead = (self.network.batch,) if self.per_batch else ()
        return lead + (self.dim, self.population.n)

    @property
    def weights(self) -> np.ndarray:
        """W_out, (dim, n), or (batch, dim, n) per batch element."""
        out = np.empty(self._wshape(), np.float32)
        self.network._check(lib.nf_readout_get_weights(self.network._p, self.id, fbuf(out)))
        return out

    @weights.setter
    def weights(self, values):
        a = shaped(values, self._wshape(), "readout weights")
        self.network._check(lib.nf_readout_set_weights(self.network._p, self.id, fbuf(a)))

    @property
    def z(self) -> np.ndarray:
        """The readout's value, (batch, dim): what is fed back before the next step."""
        out = np.empty((self.network.batch, self.dim), np.float32)
        self.network._check(lib.nf_readout_get_state(self.network._p, self.id, fbuf(out)))
        return out

    @z.setter
    def z(self, values):
        a = shaped(values, (self.network.batch, self.dim), "readout z")
        self.network._check(lib.nf_readout_set_state(self.network._p, self.id, fbuf(a)))


class Learner(_Object):
    """A FORCE (recursive least squares) learner (Network.add_learner)."""

    __slots__ = ("kind", "precision", "_n", "_copies", "_enabled")

    def __init__(self, network, id_, kind, precision, n, copies):
        super().__init__(network, id_)
        self.kind, self.precision = kind, precision
        self._n, self._copies, self._enabled = n, copies, True

    @property
    def enabled(self) -> bool:
        """Whether the learner updates during runs (as last set; True when added)."""
        return self._enabled

    @enabled.setter
    def enabled(self, value):
        self.network._check(lib.nf_learner_set_enabled(self.network._p, self.id,
                                                       1 if value else 0))
        self._enabled = bool(value)

    @property
    def p_count(self) -> int:
        """Number of P values: copies * n * n, or (masked) copies * sum of K_i^2."""
        count = ffi.new("int64_t *")
        self.network._check(lib.nf_learner_p_count(self.network._p, self.id, count))
        return count[0]

    def _pshape(self):
        count = self.p_count
        if self.kind == "masked":
            return (self._copies, count // self._copies)
        return (count // (self._n * self._n), self._n, self._n)

    def get_P(self, dtype=None) -> np.ndarray:
        """P: (copies, n, n), or (masked) (copies, sum of K_i^2) with each row's P_i
        after those of the rows before it. dtype float32 or float64 (default: the
        learner's precision); an F64 P is rounded on the way out to float32."""
        dtype = np.dtype(dtype or (np.float64 if self.precision == "f64" else np.float32))
        net = self.network
        out = np.empty(self._pshape(), dtype)
        if dtype == np.float64:
            net._check(lib.nf_learner_get_p_f64(net._p, self.id, dbuf(out)))
        elif dtype == np.float32:
            net._check(lib.nf_learner_get_p(net._p, self.id, fbuf(out)))
        else:
            raise invalid(f"P dtype must be float32 or float64, got {dtype}")
        return out

    def set_P(self, values: ArrayLike) -> None:
        """Sets P (shape as get_P; symmetric and finite). A float64 array goes in as
        doubles (kept exactly by an F64 P), anything else as float32."""
        net = self.network
        if isinstance(values, np.ndarray) and values.dtype == np.float64:
            a = shaped(values, self._pshape(), "P", np.float64)
            net._check(lib.nf_learner_set_p_f64(net._p, self.id, dbuf(a)))
        else:
            a = shaped(values, self._pshape(), "P")
            net._check(lib.nf_learner_set_p(net._p, self.id, fbuf(a)))

    P = property(get_P, set_P, doc="P in the learner's precision (see get_P, set_P).")


class Probe(_Object):
    """Records a quantity every ``every``-th step (Network.probe)."""

    __slots__ = ("dim",)

    def __init__(self, network, id_, dim):
        super().__init__(network, id_)
        self.dim = dim

    @property
    def rows(self) -> int:
        """Rows recorded and not yet read."""
        rows = ffi.new("int64_t *")
        self.network._check(lib.nf_probe_rows(self.network._p, self.id, rows))
        return rows[0]

    @property
    def row_size(self) -> int:
        """Values per row: batch * dim."""
        size = ffi.new("int64_t *")
        self.network._check(lib.nf_probe_row_size(self.network._p, self.id, size))
        return size[0]

    def read(self) -> np.ndarray:
        """Every unread row as a new array (rows, batch, dim), then forgets them."""
        net = self.network
        rows = self.rows
        out = np.empty((rows, net.batch, self.dim), np.float32)
        got = ffi.new("int64_t *")
        net._check(lib.nf_probe_read(net._p, self.id, fbuf(out) if out.size else ffi.NULL,
                                     out.size, got))
        return out[:got[0]]

    def write_npy(self, path: PathLike) -> None:
        """Writes every unread row to a .npy file, shape (rows, batch, dim), then
        forgets them (on failure they stay unread)."""
        net = self.network
        net._check(lib.nf_probe_write_npy(net._p, self.id, path_bytes(path)))


def _size(obj):
    """The output size of a connection's source."""
    if isinstance(obj, Population):
        return obj.n
    return obj.dim


# --- network ---------------------------------------------------------------------------


class Network:
    """A batch of ``batch`` independent copies of one network, stepped together.

    ``Network(dt=0.001, batch=1, seed=0, backend="auto", device=0)``: backend "auto"
    (CUDA when a GPU can run this build, else the CPU), "cpu" or "cuda". A context
    manager: leaving the ``with`` block frees the C network, as does garbage
    collection; objects made from it keep it alive. Same seed, same backend, same
    calls: bit-identical results.

    Checkpoints (``save``/``load``) come with the library's checkpoint support.
    """

    def __init__(self, dt: float = 0.001, batch: int = 1, seed: int = 0,
                 backend: str = "auto", device: int = 0):
        d = lib.nf_network_defaults()
        d.dt = real(dt, "dt")
        d.batch = integer(batch, "batch")
        d.seed = integer(seed, "seed", 0, _UINT64_MAX)
        d.backend = choose(BACKENDS, backend, "backend")
        d.device = integer(device, "device")
        out = ffi.new("nf_network **")
        msg = ffi.new("char[]", 1024)
        st = lib.nf_network_create_ex(ffi.addressof(d), out, msg, len(msg))
        if st != lib.NF_OK:
            raise error(st, text(msg))
        self._ptr = ffi.gc(out[0], lib.nf_network_destroy)
        self._batch = d.batch

    # -- lifetime --

    @property
    def _p(self):
        p = self._ptr
        if p is None:
            raise closed("the network")
        return p

    def close(self) -> None:
        """Frees the C network now (once; later calls do nothing). Methods of the
        network and its objects then raise StateError."""
        p, self._ptr = self._ptr, None
        if p is not None:
            ffi.release(p)

    @property
    def closed(self) -> bool:
        return self._ptr is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self._ptr is None:
            return "<neurofuse.Network (closed)>"
        return (f"<neurofuse.Network backend={self.backend} batch={self.batch} "
                f"dt={self.dt} step={self.step_count}>")

    def _check(self, status):
        """Raises the error of a failed call on this network."""
        if status != lib.NF_OK:
            self._fail(status)

    def _fail(self, status):
        p = self._ptr
        message = text(lib.nf_network_last_error(p)) if p is not None else ""
        step = lib.nf_network_step_count(p) if (p is not None and
                                                 status == lib.NF_ERR_NUMERIC) else None
        raise error(status, message, step)

    # -- properties --

    @property
    def backend(self) -> str:
        """"cpu" or "cuda": the backend the network runs on (never "auto")."""
        return text(lib.nf_backend_name(lib.nf_network_backend(self._p)))

    @property
    def batch(self) -> int:
        return lib.nf_network_batch(self._p)

    @property
    def dt(self) -> float:
        """The timestep; setting it recomputes every dt-dependent constant."""
        return lib.nf_network_dt(self._p)

    @dt.setter
    def dt(self, value: float) -> None:
        self._check(lib.nf_network_set_dt(self._p, real(value, "dt")))

    @property
    def mode(self) -> str:
        """"spiking" (the default) or "rate": rate models and nengo LIF output their
        rates, filters marked spiking_only pass their input through."""
        return name_of(MODES, lib.nf_network_mode(self._p))

    @mode.setter
    def mode(self, value: str) -> None:
        self._check(lib.nf_network_set_mode(self._p, choose(MODES, value, "mode")))

    @property
    def step_count(self) -> int:
        """Steps run since creation or the last reset."""
        return lib.nf_network_step_count(self._p)

    # -- running --

    def run(self, steps: int, progress: bool = False) -> None:
        """Advances ``steps`` steps (0 does nothing). ``progress``: show a progress bar
        (tqdm when installed, else a line on stderr), running in about 100 parts."""
        p = self._ptr
        if p is None:
            raise closed("the network")
        if not progress:
            try:
                st = lib.nf_network_run(p, steps)
            except (TypeError, OverflowError):
                raise invalid(f"steps must be an integer >= 0, got {steps!r}") from None
            if st:
                self._fail(st)
            return
        steps = integer(steps, "steps", *_INT64)
        _run_with_progress(self, steps)

    def reset(self) -> None:
        """Back to the initial state (states redrawn from the seed, probes emptied,
        inputs rewound, step count 0); weights, P and parameters are kept."""
        self._check(lib.nf_network_reset(self._p))

    # -- building --

    def add_population(self, model: str, n: int, *, spiking: bool = False,
                       gain: Optional[float] = None, bias: Optional[float] = None,
                       gains: Optional[ArrayLike] = None, biases: Optional[ArrayLike] = None,
                       filter: Optional[Filter] = None, form: Optional[str] = None,
                       order: Optional[str] = None, preset: Optional[str] = None,
                       **model_params: float) -> Population:
        """Adds ``n`` neurons of ``model`` ("relu", "sigmoid", "tanh", "lif_rate",
        "softlif_rate", "lif", "leaky_rate", "izhikevich", "theta") with the
        references' defaults (nf_population_defaults), changed by:

        - ``spiking``: run a rate model through the spiking conversion;
        - ``gain``, ``bias`` (all neurons; None keeps the model's default: gain 1, bias
          0, Izhikevich 1000, LIF in Nicola & Clopath form -40), or ``gains``,
          ``biases`` arrays (n,);
        - ``filter``: Lowpass(tau), Alpha(tau) or DoubleExp(rise, decay);
        - ``form`` (LIF: "nengo" or "nicola_clopath"), ``preset`` (Izhikevich, nengo's
          "rs", "ib", "ch", "fs", "lts", "rz"), ``order`` (Izhikevich:
          "nicola_clopath" or "nengo");
        - model parameters by name: amplitude; tau_ref (sigmoid, tanh, lif_rate,
          softlif_rate, lif), tau_rc, sigma, min_voltage; tau, x_init_scale
          (leaky_rate); tau_m, v_reset, v_peak, v_init_max (LIF, Nicola & Clopath);
          C, k, v_r, v_t, a, b, c, d, v_peak (Izhikevich).
        """
        m = choose(MODELS, model, "model")
        mname = name_of(MODELS, m)
        n = integer(n, "n")
        d = lib.nf_population_defaults(m, n)
        dp = ffi.addressof(d)
        if form is not None:
            if mname != "lif":
                raise invalid(f"form is a LIF parameter, not {mname}'s")
            self._check_plain(lib.nf_lif_form_apply(dp, choose(_LIF_FORMS, form, "form")),
                              "form")
        if preset is not None:
            if mname != "izhikevich":
                raise invalid(f"preset is an Izhikevich parameter, not {mname}'s")
            self._check_plain(lib.nf_izhikevich_preset_apply(
                dp, choose(_IZH_PRESETS, preset, "preset")), "preset")
        if order is not None:
            if mname != "izhikevich":
                raise invalid(f"order is an Izhikevich parameter, not {mname}'s")
            d.izh.order = choose(_IZH_ORDERS, order, "order")
        allowed = {**_COMMON_PARAMS, **_MODEL_PARAMS[mname]}
        for key, value in model_params.items():
            if key not in allowed:
                raise invalid(f"{key!r} is not a parameter of {mname} (its parameters: "
                              f"{', '.join(sorted(allowed)) or 'none'})")
            sub, name = allowed[key]
            setattr(getattr(d, sub) if sub else d, name, real(value, key))
        d.spiking = 1 if spiking else 0
        if gain is not None:
            d.gain = real(gain, "gain")
        if bias is not None:
            d.bias = real(bias, "bias")
        g = None if gains is None else shaped(gains, (n,), "gains")
        b = None if biases is None else shaped(biases, (n,), "biases")
        if g is not None:
            d.gains = fbuf(g)
        if b is not None:
            d.biases = fbuf(b)
        if filter is not None:
            if not hasattr(filter, "_fill"):
                raise invalid(f"filter must be Lowpass, Alpha or DoubleExp, got {filter!r}")
            filter._fill(d.filter)
            d.filter.spiking_only = 1 if filter.spiking_only else 0
        pid = ffi.new("int32_t *")
        self._check(lib.nf_population_add(self._p, dp, pid))
        return Population(self, pid[0], n, mname, bool(spiking))

    def _check_plain(self, status, what):
        if status != lib.NF_OK:
            raise error(status, f"{what}: refused by the library")

    def add_input(self, dim: int) -> Input:
        """An external input of dimension ``dim`` (zero until set)."""
        iid = ffi.new("int32_t *")
        self._check(lib.nf_input_add(self._p, integer(dim, "dim"), iid))
        return Input(self, iid[0], dim)

    def connect(self, pre: Union[Population, Input, Readout], post: Population,
                weights=None, *, kind: Optional[str] = None, init: Optional[str] = None,
                g: Optional[float] = None, p: Optional[float] = None,
                scale: Optional[float] = None, low: Optional[float] = None,
                high: Optional[float] = None, zero_mean_rows: bool = False,
                per_batch: bool = False, propagation: str = "auto") -> Connection:
        """Connects ``pre`` (a Population, an Input, or a Readout: feedback ``U z``) to
        the population ``post``.

        - ``weights``: dense (post, pre) (or (batch, post, pre) with ``per_batch``), or a
          scipy.sparse matrix (post, pre) for a sparse (CSR) connection;
        - ``kind``: "dense" (default), "sparse" (default for a scipy matrix) or
          "identity" (``post_i += scale pre_i``);
        - ``init``: "given" (default with weights), "zero" (default without), "normal"
          (``scale * N(0, 1) * Bernoulli(p)``; scale None or 0: ``g/sqrt(p n_pre)``) or
          "uniform" (``U(low, high) * Bernoulli(p)``), drawn from the network's seed;
        - ``zero_mean_rows``: shift each generated row's nonzeros to zero mean;
        - ``propagation``: "auto" (event-driven from spiking populations), "dense" or
          "event".
        Parameters left None keep nf_connection_defaults()'s values.
        """
        if not isinstance(post, Population):
            raise invalid(f"post must be a Population, got {post!r}")
        if not isinstance(pre, (Population, Input, Readout)):
            raise invalid(f"pre must be a Population, an Input or a Readout, got {pre!r}")
        for o in (pre, post):
            if o.network is not self:
                raise invalid(f"{o!r} belongs to another network")
        d = lib.nf_connection_defaults()
        n_pre, n_post, batch = _size(pre), post.n, self.batch
        sparse = _is_scipy_sparse(weights)
        kname = kind if kind is not None else ("sparse" if sparse else "dense")
        d.kind = choose(_CONNECTION_KINDS, kname, "kind")
        kname = name_of(_CONNECTION_KINDS, d.kind)
        if init is None:
            init = "given" if (weights is not None or kname == "identity") else (
                "zero" if kname == "dense" else "normal")
        d.init = choose(_INITS, init, "init")
        d.per_batch = 1 if per_batch else 0
        d.propagation = choose(_PROPAGATIONS, propagation, "propagation")
        d.zero_mean_rows = 1 if zero_mean_rows else 0
        if scale is None and name_of(_INITS, d.init) == "normal":
            scale = 0.0  # the std g/sqrt(p n_pre)
        for name, value in (("g", g), ("p", p), ("scale", scale), ("low", low),
                            ("high", high)):
            if value is not None:
                setattr(d, name, real(value, name))
        keep = []
        if weights is not None:
            if name_of(_INITS, d.init) != "given":
                raise invalid(f"weights given with init {init!r}: use init 'given'")
            lead = (batch,) if per_batch else ()
            if kname == "sparse":
                if not sparse:
                    raise invalid("sparse weights: a scipy.sparse matrix of shape "
                                  f"({n_post}, {n_pre}) is needed")
                csr = weights.tocsr(copy=True)
                if csr.shape != (n_post, n_pre):
                    raise invalid(f"sparse weights: shape {csr.shape}, expected "
                                  f"({n_post}, {n_pre})")
                csr.sum_duplicates()
                csr.sort_indices()
                row_ptr = np.ascontiguousarray(csr.indptr, np.int32)
                col_idx = np.ascontiguousarray(csr.indices, np.int32)
                values = shaped(csr.data, lead + (csr.nnz,), "sparse weights")
                keep += [row_ptr, col_idx, values]
                d.row_ptr = ffi.from_buffer("int32_t[]", row_ptr)
                d.col_idx = ffi.from_buffer("int32_t[]", col_idx) if csr.nnz else ffi.NULL
                d.nnz = csr.nnz
                d.weights = fbuf(values) if values.size else ffi.NULL
            elif kname == "dense":
                w = shaped(weights, lead + (n_post, n_pre), "weights")
                keep.append(w)
                d.weights = fbuf(w)
            else:
                raise invalid("an identity connection takes no weights: use scale")
        cid = ffi.new("int32_t *")
        self._check(lib.nf_connect(self._p, pre.id, post.id, ffi.addressof(d), cid))
        return Connection(self, cid[0], pre, post, kname, bool(per_batch))

    def add_readout(self, population: Population, dim: int,
                    weights: Optional[ArrayLike] = None, per_batch: bool = False, *,
                    z_init_scale: float = 0.0) -> Readout:
        """``z = W_out s`` of dimension ``dim`` from a population's filtered output.
        ``weights``: (dim, n), or (batch, dim, n) with ``per_batch``; None: zeros.
        ``z_init_scale``: initial z ~ N(0, scale^2)."""
        if not isinstance(population, Population) or population.network is not self:
            raise invalid(f"population must be a Population of this network, got "
                          f"{population!r}")
        dim = integer(dim, "dim")
        d = ffi.new("nf_readout_desc *")
        d.per_batch = 1 if per_batch else 0
        d.z_init_scale = real(z_init_scale, "z_init_scale")
        w = None
        if weights is not None:
            lead = (self.batch,) if per_batch else ()
            w = shaped(weights, lead + (dim, population.n), "readout weights")
            d.weights = fbuf(w)
        rid = ffi.new("int32_t *")
        self._check(lib.nf_readout_add(self._p, population.id, dim, d, rid))
        return Readout(self, rid[0], population, dim, bool(per_batch))

    def add_learner(self, kind: str = "readout", readout: Optional[Readout] = None,
                    target: Optional[Input] = None, *, alpha: float = 1.0, every: int = 1,
                    start: int = 0, stop: Optional[int] = None,
                    connection: Optional[Connection] = None,
                    row_scale: Optional[ArrayLike] = None,
                    desired: Sequence[Connection] = (), mask: Optional[ArrayLike] = None,
                    rule: str = "sussillo_abbott", precision: str = "f32") -> Learner:
        """A FORCE learner (recursive least squares, P(0) = I/alpha, an update every
        ``every`` steps of the window [start, stop)):

        - "readout": ``readout``'s W_out learns the Input ``target`` (z - f); with
          ``connection`` (a dense connection from the readout's population) its rows
          learn too, row i from ``row_scale[i] . e`` (row_scale (rows, dim), default
          ones);
        - "currents" (full-FORCE): the dense ``connection`` learns W r -> the summed
          currents of the ``desired`` connections;
        - "masked" (BioFORCE): each row of ``connection`` learns over its own inputs
          (``mask`` (rows, pre) for a dense one; default: its nonzero weights) toward
          the per-row Input ``target`` or the ``desired`` currents.
        ``rule``: "sussillo_abbott" or "nicola_clopath"; ``precision`` of P: "f32" or
        "f64".
        """
        d = lib.nf_learner_defaults()
        kname = name_of(_LEARNERS, choose(_LEARNERS, kind, "kind"))
        d.kind = _LEARNERS[kname]
        d.alpha = real(alpha, "alpha")
        d.every = integer(every, "every")
        d.start = integer(start, "start", *_INT64)
        d.stop = 0 if stop is None else integer(stop, "stop", *_INT64)
        d.rule = choose(_RULES, rule, "rule")
        d.p_precision = choose(_PRECISIONS, precision, "precision")
        keep = []
        if readout is not None:
            if not isinstance(readout, Readout) or readout.network is not self:
                raise invalid(f"readout must be a Readout of this network, got {readout!r}")
            d.readout = readout.id
        if target is not None:
            if not isinstance(target, Input) or target.network is not self:
                raise invalid(f"target must be an Input of this network, got {target!r}")
            d.target = target.id
        if connection is not None:
            if not isinstance(connection, Connection) or connection.network is not self:
                raise invalid(f"connection must be a Connection of this network, got "
                              f"{connection!r}")
            d.connection = connection.id
        if row_scale is not None:
            if connection is None or readout is None:
                raise invalid("row_scale needs a readout and a connection")
            rs = shaped(row_scale, (connection.post.n, readout.dim), "row_scale")
            keep.append(rs)
            d.row_scale = fbuf(rs)
        desired = list(desired or ())
        if desired:
            if len(desired) > lib.NF_LEARNER_MAX_DESIRED:
                raise invalid(f"desired: at most {lib.NF_LEARNER_MAX_DESIRED} connections")
            for c in desired:
                if not isinstance(c, Connection) or c.network is not self:
                    raise invalid(f"desired must hold Connections of this network, got {c!r}")
            ids = ffi.new("int32_t[]", [c.id for c in desired])
            keep.append(ids)
            d.desired = ids
            d.n_desired = len(desired)
        if mask is not None:
            if connection is None:
                raise invalid("mask needs a connection")
            m = np.ascontiguousarray(shaped(mask, (connection.post.n, _size(connection.pre)),
                                            "mask") != 0, np.uint8)
            keep.append(m)
            d.mask = ffi.from_buffer("uint8_t[]", m)
        lid = ffi.new("int32_t *")
        self._check(lib.nf_learner_add(self._p, ffi.addressof(d), lid))
        if kname == "readout":
            n = readout.population.n if readout is not None else 1
        else:
            n = _size(connection.pre) if connection is not None else 1
        copies = self.batch if (connection is not None and connection.per_batch) else 1
        return Learner(self, lid[0], kname, name_of(_PRECISIONS, d.p_precision), n, copies)

    def probe(self, target: _Object, what: str = "output", every: int = 1) -> Probe:
        """Records ``what`` of ``target`` at the end of every ``every``-th step:
        "output" (a population's output or a readout's z), "filtered" (a population's
        filtered output), "state" (its primary state), "error" (a learner's), "input"
        (an input's current row), or a state name ("voltage", "refractory", "recovery",
        "x", "spike_accumulator", "output", "filter", "filter_aux") for that variable.
        """
        if not isinstance(target, _Object) or target.network is not self:
            raise invalid(f"target must be an object of this network, got {target!r}")
        every = integer(every, "every")
        pid = ffi.new("int32_t *")
        if isinstance(what, str) and what.lower() in _PROBES:
            self._check(lib.nf_probe_add(self._p, target.id, _PROBES[what.lower()], every, pid))
        elif isinstance(what, str) and what.lower() in STATES:
            self._check(lib.nf_probe_add_state(self._p, target.id, STATES[what.lower()], every,
                                               pid))
        else:
            raise invalid(f"what must be one of {', '.join(list(_PROBES) + list(STATES))}, "
                          f"got {what!r}")
        size = ffi.new("int64_t *")
        self._check(lib.nf_probe_row_size(self._p, pid[0], size))
        return Probe(self, pid[0], size[0] // self.batch)

    def register_energy_device(self, name: str, e_synop: float, e_neuron: float,
                               spiking: bool) -> None:
        """Adds (or replaces) an energy device on this network: J per synaptic
        operation and per neuron update, spiking or not."""
        self._check(lib.nf_energy_device_register(
            self._p, _device_name(name), real(e_synop, "e_synop"), real(e_neuron, "e_neuron"),
            1 if spiking else 0))


def _device_name(name):
    if not isinstance(name, str):
        raise invalid(f"device name must be a str, got {name!r}")
    return name.encode()


def _is_scipy_sparse(x):
    mod = sys.modules.get("scipy.sparse")
    return mod is not None and mod.issparse(x)


def _run_with_progress(net, steps):
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    part = max(1, steps // 100)
    bar = tqdm(total=steps, unit="step") if tqdm else None
    done = 0
    try:
        while done < steps:
            k = min(part, steps - done)
            net._check(lib.nf_network_run(net._p, k))
            done += k
            if bar is not None:
                bar.update(k)
            else:
                print(f"\rneurofuse: step {done}/{steps}", end="", file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
        elif steps:
            print(file=sys.stderr)
