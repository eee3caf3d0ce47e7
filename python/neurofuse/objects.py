"""What a network holds: populations, inputs, connections, readouts, learners, probes.

Each object keeps its network alive and turns its methods into C calls on it
(include/neurofuse.h); arrays go in as C-contiguous float32 (converted once) and
come out as fresh numpy arrays the C call fills. Also the population filters and
the rate statistics.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import os
from typing import Optional, Sequence, Union

import numpy as np

from ._lib import (STATES, as_f32, choose, dbuf, fbuf, ffi, invalid, lib, path_bytes, real,
                   shaped)

ArrayLike = Union[np.ndarray, Sequence, float]
PathLike = Union[str, bytes, os.PathLike]


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

    def get_gain_bias(self):
        """The per-neuron (gains, biases), each (n,)."""
        net = self.network
        g, b = np.empty(self.n, np.float32), np.empty(self.n, np.float32)
        net._check(lib.nf_population_get_gain_bias(net._p, self.id, fbuf(g), fbuf(b)))
        return g, b

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

    def rate_sums(self):
        """(sums, steps): the sums of |output| behind rate_stats, (batch, n) float64, and
        the steps counted; statistics over several networks' elements add them up
        (rate_stats_from_sums)."""
        net = self.network
        sums = np.empty((net.batch, self.n), np.float64)
        steps = ffi.new("int64_t *")
        net._check(lib.nf_population_rate_sums(net._p, self.id, dbuf(sums), sums.size, steps))
        return sums, steps[0]


def rate_stats_from_sums(totals: ArrayLike, batch: int, steps: int,
                         percentiles: Sequence[float] = (), rates: bool = False) -> RateStats:
    """RateStats from per-neuron totals (n,) of |output| over ``batch`` elements and
    ``steps`` steps, by the rule of Population.rate_stats (nf_rate_stats_from_sums)."""
    t = as_f32(totals, "totals", np.float64).ravel()
    q = _percentiles(percentiles)
    stats = ffi.new("nf_rate_stats *")
    r = np.empty(t.size, np.float32) if rates else None
    msg = ffi.new("char[]", 256)
    st = lib.nf_rate_stats_from_sums(dbuf(t) if t.size else ffi.NULL, t.size, int(batch),
                                     int(steps), dbuf(q) if q.size else ffi.NULL, q.size, stats,
                                     fbuf(r) if rates else ffi.NULL, msg, 256)
    if st != lib.NF_OK:
        raise invalid(ffi.string(msg).decode())
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

    @property
    def size(self) -> int:
        """dim, as the library reports it (nf_input_size)."""
        d = ffi.new("int32_t *")
        self.network._check(lib.nf_input_size(self.network._p, self.id, d))
        return d[0]

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

    @property
    def stored_per_batch(self) -> bool:
        """Whether the library holds one matrix per batch element (nf_connection_per_batch)."""
        flag = ffi.new("int32_t *")
        self.network._check(lib.nf_connection_per_batch(self.network._p, self.id, flag))
        return bool(flag[0])

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

    @property
    def weight_count(self) -> int:
        """Stored weights: dim*n, times batch when per_batch (nf_readout_weight_count)."""
        count = ffi.new("int64_t *")
        self.network._check(lib.nf_readout_weight_count(self.network._p, self.id, count,
                                                        ffi.NULL))
        return count[0]

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
