"""keras-spiking's layers on numpy arrays: SpikingActivation, Lowpass, Alpha and chains.

Each layer is a callable on an array ``(batch, time, units)`` (``time_major``:
``(time, batch, units)``) that returns a new float32 array, the whole sequence
(``return_sequences=True``, keras-spiking's default) or the last step
``(batch, units)``. The arguments are keras-spiking's where they exist; the work
is one nf_layer_apply (or, for ``chain``, one nf_layer_chain_apply) call.

Semantics (keras-spiking's forward pass, exactly):

- SpikingActivation: ``r = activation(x)``; ``v += r dt; n = floor(v); v -= n;
  out = n / dt``. "relu", "sigmoid", "tanh" are the plain functions (keras
  semantics); "lif_rate", "softlif_rate" are nengo's, with their parameters.
  The initial v is uniform in [0, 1) drawn from ``seed`` (keras-spiking draws it
  with TensorFlow's generator, so the draws differ: pass ``initial_state`` for
  equal outputs).
- Lowpass: ``y = a y + (1 - a) x``, ``a = exp(-dt/tau)`` (ZOH); Alpha: the ZOH
  alpha filter. ``initial_level``: the filter's starting output, per unit.
- ``training=True`` in a call is keras-spiking's training phase: a
  SpikingActivation with ``spiking_aware_training=False`` outputs
  ``activation(x)`` instead of spikes, and a filter with
  ``apply_during_training=False`` passes its input through.

Not applicable: gradients (neurofuse has no autodiff, so ``spiking_aware_training``
chooses only the forward pass above), ``return_state`` (use ``get_state``),
``unroll``, trainable ``tau``/``initial_level``.
"""
from __future__ import annotations

import secrets
from typing import Optional, Sequence

import numpy as np

from ._lib import (BACKENDS, MODELS, MODES, STATES, as_f32, choose, closed, enum_names, error,
                   fbuf, ffi, integer, invalid, lib, real, shaped, text)
from .objects import RateStats, _percentiles, _to_stats

_KINDS = enum_names("nf_layer_kind", "NF_LAYER_")
_ACTIVATIONS = {k: MODELS[k] for k in ("relu", "sigmoid", "tanh", "lif_rate", "softlif_rate")}


class _Layer:
    """What the three layers share: lazy creation at the first call (units come from
    the input), mode per call, state, statistics."""

    _kind = None
    _state_names = ()

    def __init__(self, *, dt, return_sequences, stateful, time_major, backend, device,
                 rate_stats):
        self.dt = real(dt, "dt")
        self.return_sequences = bool(return_sequences)
        self.stateful = bool(stateful)
        self.time_major = bool(time_major)
        self.backend_requested = choose(BACKENDS, backend, "backend")
        self.device = integer(device, "device")
        self.rate_stats_enabled = bool(rate_stats)
        self._layer = None
        self._units = None
        self._mode = None
        self._batch = None

    # -- subclass hooks --

    def _fill(self, d, units):
        raise NotImplementedError

    def _training_mode(self, training):
        raise NotImplementedError

    # -- creation --

    def build(self, units):
        """Creates the C layer for ``units`` units (done by the first call)."""
        units = integer(units, "units")
        if self._layer is not None:
            if units != self._units:
                raise invalid(f"{type(self).__name__} was built for {self._units} units, "
                              f"got {units}")
            return
        d = lib.nf_layer_defaults(_KINDS[self._kind], units)
        d.dt = self.dt
        d.backend = self.backend_requested
        d.device = self.device
        d.stateful = 1 if self.stateful else 0
        d.rate_stats = 1 if self.rate_stats_enabled else 0
        keep = self._fill(d, units)
        out = ffi.new("nf_layer **")
        msg = ffi.new("char[]", 1024)
        st = lib.nf_layer_create_ex(ffi.addressof(d), out, msg, len(msg))
        del keep
        if st != lib.NF_OK:
            raise error(st, text(msg))
        self._layer = ffi.gc(out[0], lib.nf_layer_destroy)
        self._units = units
        self._mode = d.mode

    @property
    def _p(self):
        if self._layer is None:
            raise closed(f"{type(self).__name__} (not built yet, or closed)")
        return self._layer

    def _check(self, status):
        if status != lib.NF_OK:
            raise error(status, text(lib.nf_layer_last_error(self._layer)))

    def close(self):
        """Frees the C layer now; the next call builds a new one."""
        p, self._layer = self._layer, None
        if p is not None:
            ffi.release(p)

    @property
    def units(self):
        return self._units

    @property
    def backend(self):
        """"cpu" or "cuda" once built (None before)."""
        if self._layer is None:
            return None
        return text(lib.nf_backend_name(lib.nf_layer_backend(self._layer)))

    def _set_mode(self, mode):
        if mode != self._mode:
            self._check(lib.nf_layer_set_mode(self._p, mode))
            self._mode = mode

    # -- calling --

    def _prepare(self, inputs):
        x = as_f32(inputs, "inputs")
        if x.ndim != 3:
            raise invalid(f"inputs: shape (batch, time, units) (time_major: (time, batch, "
                          f"units)) expected, got {x.shape}")
        time, batch = (x.shape[0], x.shape[1]) if self.time_major else (x.shape[1],
                                                                        x.shape[0])
        return x, batch, time, x.shape[2]

    def _out(self, batch, time, units):
        if not self.return_sequences:
            return np.empty((batch, units), np.float32)
        return np.empty((time, batch, units) if self.time_major else (batch, time, units),
                        np.float32)

    def __call__(self, inputs, training: bool = False, initial_state=None) -> np.ndarray:
        """Applies the layer: ``inputs`` (batch, time, units) -> the output sequence (or
        its last step). ``initial_state`` (batch, units): the state this call starts
        from (a SpikingActivation's v, a filter's output level)."""
        x, batch, time, units = self._prepare(inputs)
        self.build(units)
        self._set_mode(self._training_mode(training))
        if initial_state is not None:
            self.set_state(initial_state, batch=batch)
        out = self._out(batch, time, units)
        st = lib.nf_layer_apply(self._p, fbuf(x) if x.size else ffi.NULL,
                                fbuf(out) if out.size else ffi.NULL, batch, time, units,
                                _layout(self.time_major), lib.NF_MEMORY_HOST,
                                1 if self.return_sequences else 0)
        self._check(st)
        self._batch = batch
        if initial_state is not None and not self.stateful:
            self._check(lib.nf_layer_reset(self._p))
        return out

    def reset_states(self, states=None) -> None:
        """Back to the initial state (keras' reset_states); with ``states`` (batch,
        units), the next call starts from those instead."""
        self._check(lib.nf_layer_reset(self._p))
        if states is not None:
            self.set_state(states)

    def get_state(self, name: Optional[str] = None, batch: Optional[int] = None) -> np.ndarray:
        """The state after the last call, (batch, units): SpikingActivation
        "spike_accumulator" (v); filters "filter" (the output level) or "filter_aux"
        (Alpha's second variable)."""
        which = self._which(name)
        batch = integer(batch if batch is not None else (self._batch or 1), "batch")
        out = np.empty((batch, self._units or 0), np.float32)
        self._check(lib.nf_layer_get_state(self._p, which, batch, fbuf(out)))
        return out

    def set_state(self, values, name: Optional[str] = None, batch: Optional[int] = None) -> None:
        """Makes the next call start from ``values`` (broadcast to (batch, units))."""
        which = self._which(name)
        if self._layer is None:
            a = as_f32(values, "state")
            self.build(a.shape[-1] if a.ndim else 1)
        a = as_f32(values, "state")
        if batch is None:
            batch = a.shape[0] if a.ndim == 2 else (self._batch or 1)
        batch = integer(batch, "batch")
        a = shaped(a, (batch, self._units), "state")
        self._check(lib.nf_layer_set_state(self._p, which, batch, fbuf(a)))
        self._batch = batch

    def _which(self, name):
        name = name or self._state_names[0]
        if name not in self._state_names:
            raise invalid(f"{type(self).__name__} state is one of {self._state_names}, "
                          f"got {name!r}")
        return STATES[name]

    def rate_stats(self, percentiles: Sequence[float] = ()) -> RateStats:
        """Rate statistics over the last call (needs ``rate_stats=True``)."""
        q = _percentiles(percentiles)
        stats = ffi.new("nf_rate_stats *")
        rates = np.empty(self._units or 0, np.float32)
        self._check(lib.nf_layer_rate_stats(self._p, ffi.from_buffer("double[]", q)
                                            if q.size else ffi.NULL, q.size, stats,
                                            fbuf(rates) if rates.size else ffi.NULL))
        return _to_stats(stats, q, rates)


def _layout(time_major):
    return lib.NF_LAYOUT_TIME_MAJOR if time_major else lib.NF_LAYOUT_BATCH_MAJOR


class SpikingActivation(_Layer):
    """keras-spiking's SpikingActivation: spikes at the rate of ``activation``.

    ``activation``: "relu", "sigmoid", "tanh" (keras: the plain functions), "lif_rate"
    or "softlif_rate" (nengo's, with ``tau_rc``, ``tau_ref``, ``sigma``; ``amplitude``
    scales any of them). ``seed``: the initial v's draw (None: a random seed, as
    keras-spiking). ``spiking_aware_training``: False makes a ``training=True`` call
    output ``activation(x)`` (there are no gradients here).
    """

    _kind = "spiking_activation"
    _state_names = ("spike_accumulator",)

    def __init__(self, activation: str, dt: float = 0.001, seed: Optional[int] = None,
                 spiking_aware_training: bool = True, *, return_sequences: bool = True,
                 stateful: bool = False, time_major: bool = False,
                 amplitude: Optional[float] = None, tau_rc: Optional[float] = None,
                 tau_ref: Optional[float] = None, sigma: Optional[float] = None,
                 backend: str = "auto", device: int = 0, rate_stats: bool = False):
        super().__init__(dt=dt, return_sequences=return_sequences, stateful=stateful,
                         time_major=time_major, backend=backend, device=device,
                         rate_stats=rate_stats)
        self.activation = name = _activation_name(activation)
        self.seed = secrets.randbits(63) if seed is None else integer(seed, "seed", 0,
                                                                      2**64 - 1)
        self.spiking_aware_training = bool(spiking_aware_training)
        self._params = {}
        for key, value in (("amplitude", amplitude), ("tau_rc", tau_rc), ("tau_ref", tau_ref),
                           ("sigma", sigma)):
            if value is not None:
                if key in ("tau_rc", "sigma") and name not in ("lif_rate", "softlif_rate"):
                    raise invalid(f"{key} is not a parameter of {name}")
                if key == "tau_ref" and name == "relu":
                    raise invalid("tau_ref is not a parameter of relu")
                self._params[key] = real(value, key)

    def _fill(self, d, units):
        d.model = _ACTIVATIONS[self.activation]
        d.seed = self.seed
        for key, value in self._params.items():
            setattr(d, key, value)

    def _training_mode(self, training):
        rate = training and not self.spiking_aware_training
        return MODES["rate" if rate else "spiking"]


def _activation_name(activation):
    if isinstance(activation, str) and activation.lower() in _ACTIVATIONS:
        return activation.lower()
    raise invalid(f"activation must be one of {', '.join(_ACTIVATIONS)} (a name; Python "
                  f"callables cannot run in the library), got {activation!r}")


class _Filter(_Layer):
    _state_names = ("filter", "filter_aux")

    def __init__(self, tau, dt, apply_during_training, initial_level, return_sequences,
                 stateful, time_major, backend, device, rate_stats):
        super().__init__(dt=dt, return_sequences=return_sequences, stateful=stateful,
                         time_major=time_major, backend=backend, device=device,
                         rate_stats=rate_stats)
        t = as_f32(tau, "tau")
        if t.ndim > 1:
            raise invalid(f"tau: a number or one per unit, got shape {t.shape}")
        self.tau = t
        self.apply_during_training = bool(apply_during_training)
        self.initial_level = None if initial_level is None else as_f32(initial_level,
                                                                       "initial_level")

    def _fill(self, d, units):
        keep = []
        if self.tau.ndim == 0:
            d.tau = float(self.tau)
        else:
            taus = shaped(self.tau, (units,), "tau")
            keep.append(taus)
            d.taus = fbuf(taus)
        d.spiking_only = 0 if self.apply_during_training else 1
        if self.initial_level is not None:
            level = shaped(self.initial_level, (units,), "initial_level")
            keep.append(level)
            d.initial = fbuf(level)
        return keep

    def _training_mode(self, training):
        return MODES["rate" if training else "spiking"]


class Lowpass(_Filter):
    """keras-spiking's Lowpass: ``y = a y + (1 - a) x``, ``a = exp(-dt/tau)`` (ZOH);
    ``tau`` a number or one per unit (tau 0: the identity)."""

    _kind = "lowpass"

    def __init__(self, tau, dt: float = 0.001, apply_during_training: bool = True,
                 initial_level=None, *, return_sequences: bool = True, stateful: bool = False,
                 time_major: bool = False, backend: str = "auto", device: int = 0,
                 rate_stats: bool = False):
        super().__init__(tau, dt, apply_during_training, initial_level, return_sequences,
                         stateful, time_major, backend, device, rate_stats)


class Alpha(_Filter):
    """keras-spiking's Alpha filter (ZOH), impulse response ``(t/tau^2) exp(-t/tau)``."""

    _kind = "alpha"

    def __init__(self, tau, dt: float = 0.001, apply_during_training: bool = True,
                 initial_level=None, *, return_sequences: bool = True, stateful: bool = False,
                 time_major: bool = False, backend: str = "auto", device: int = 0,
                 rate_stats: bool = False):
        super().__init__(tau, dt, apply_during_training, initial_level, return_sequences,
                         stateful, time_major, backend, device, rate_stats)


class chain:
    """Several layers applied in one pass (nf_layer_chain_apply; on CUDA one kernel
    with the values between layers in registers): ``chain([a, b, c])(x)`` equals
    ``c(b(a(x)))`` with full sequences between them. All layers take the same units
    and run on one backend; ``return_sequences`` and ``time_major`` are the chain's
    (default: the last layer's and the first's); each layer keeps its own state,
    statefulness, mode per call and statistics."""

    def __init__(self, layers: Sequence[_Layer], return_sequences: Optional[bool] = None,
                 time_major: Optional[bool] = None):
        self.layers = list(layers)
        if not 1 <= len(self.layers) <= lib.NF_LAYER_CHAIN_MAX:
            raise invalid(f"chain: 1 to {lib.NF_LAYER_CHAIN_MAX} layers, got "
                          f"{len(self.layers)}")
        for layer in self.layers:
            if not isinstance(layer, _Layer):
                raise invalid(f"chain: layers must be neurofuse.layers layers, got {layer!r}")
        self.return_sequences = (self.layers[-1].return_sequences if return_sequences is None
                                 else bool(return_sequences))
        self.time_major = self.layers[0].time_major if time_major is None else bool(time_major)

    def __call__(self, inputs, training: bool = False) -> np.ndarray:
        first = self.layers[0]
        x = as_f32(inputs, "inputs")
        if x.ndim != 3:
            raise invalid(f"inputs: 3 dimensions expected, got shape {x.shape}")
        time, batch = (x.shape[0], x.shape[1]) if self.time_major else (x.shape[1],
                                                                        x.shape[0])
        units = x.shape[2]
        for layer in self.layers:
            layer.build(units)
            layer._set_mode(layer._training_mode(training))
        handles = ffi.new("nf_layer *[]", [layer._p for layer in self.layers])
        if not self.return_sequences:
            out = np.empty((batch, units), np.float32)
        else:
            out = np.empty((time, batch, units) if self.time_major else (batch, time, units),
                           np.float32)
        st = lib.nf_layer_chain_apply(handles, len(self.layers), fbuf(x) if x.size else
                                      ffi.NULL, fbuf(out) if out.size else ffi.NULL, batch,
                                      time, units, _layout(self.time_major),
                                      lib.NF_MEMORY_HOST, 1 if self.return_sequences else 0)
        if st != lib.NF_OK:
            first._check(st)
        for layer in self.layers:
            layer._batch = batch
        return out


__all__ = ["SpikingActivation", "Lowpass", "Alpha", "chain", "RateStats"]
