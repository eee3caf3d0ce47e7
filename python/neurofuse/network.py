"""Networks: a batch of copies of one network of neuron populations, stepped together.

A thin layer over the C API (include/neurofuse.h): every method is one or a few
C calls; the objects it makes are in objects.py. All state is laid out [batch][n].
"""
from __future__ import annotations

import copy
import sys
from typing import Optional, Sequence, Union

import numpy as np

from ._lib import (BACKENDS, MODELS, MODES, STATES, choose, closed, enum_names, error, fbuf,
                   ffi, integer, invalid, lib, name_of, path_bytes, real, shaped, status_of,
                   text)
from .objects import (ArrayLike, Connection, Filter, Input, Learner, PathLike, Population,
                      Probe, Readout, _Object, _size)

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
    "adaptive_lif": {"tau_rc": (None, "tau_rc"), "tau_ref": (None, "tau_ref"),
                     "min_voltage": (None, "min_voltage"), "tau_n": (None, "tau_n"),
                     "inc_n": (None, "inc_n")},
}


# --- network ---------------------------------------------------------------------------


class Network:
    """A batch of ``batch`` independent copies of one network, stepped together.

    ``Network(dt=0.001, batch=1, seed=0, backend="auto", device=0)``: backend "auto"
    (CUDA when a GPU can run this build, else the CPU), "cpu" or "cuda". A context
    manager: leaving the ``with`` block frees the C network, as does garbage
    collection; objects made from it keep it alive. Same seed, same backend, same
    calls: bit-identical results. ``window=(first, count)``: only the elements
    [first, first + count) of the batch (nf_network_create_window, what one MPI rank
    holds): the network then has batch ``count``, and its draws and results are those
    elements' of the whole batch's window.

    Checkpoints: ``net.save(path)`` writes one .npz file; ``Network.load(path)`` makes
    a network from it (any backend), and ``loaded.counterpart(obj)`` gives, for an
    object of the saved network, the same object (same id) in the loaded one.
    """

    def __init__(self, dt: float = 0.001, batch: int = 1, seed: int = 0,
                 backend: str = "auto", device: int = 0, window: Optional[tuple] = None):
        d = lib.nf_network_defaults()
        d.dt = real(dt, "dt")
        d.batch = integer(batch, "batch")
        d.seed = integer(seed, "seed", 0, _UINT64_MAX)
        d.backend = choose(BACKENDS, backend, "backend")
        d.device = integer(device, "device")
        out = ffi.new("nf_network **")
        msg = ffi.new("char[]", 1024)
        if window is None:
            st = lib.nf_network_create_ex(ffi.addressof(d), out, msg, len(msg))
        else:
            first, count = window
            st = lib.nf_network_create_window(ffi.addressof(d), integer(first, "window first"),
                                              integer(count, "window count"), out, msg,
                                              len(msg))
        if st != lib.NF_OK:
            raise error(st, text(msg))
        self._ptr = ffi.gc(out[0], lib.nf_network_destroy)
        self._batch = lib.nf_network_batch(self._ptr)

    @classmethod
    def load(cls, path: PathLike, backend: str = "auto", device: int = 0) -> "Network":
        """A network made from a checkpoint written by ``save`` (nf_network_load), on
        ``backend`` and ``device`` whatever the one it was saved on: every object at
        the same id (see ``counterpart``); the same calls then give the saved network's
        results (bit for bit on the same backend). Raises UnsupportedError where the
        library was built without libzip."""
        out = ffi.new("nf_network **")
        msg = ffi.new("char[]", 1024)
        st = lib.nf_network_load(path_bytes(path), choose(BACKENDS, backend, "backend"),
                                 integer(device, "device"), out, msg, len(msg))
        if st != lib.NF_OK:
            raise error(st, text(msg))
        net = cls.__new__(cls)
        net._ptr = ffi.gc(out[0], lib.nf_network_destroy)
        net._batch = lib.nf_network_batch(net._ptr)
        return net

    def save(self, path: PathLike) -> None:
        """Writes a checkpoint (nf_network_save): one .npz file (``numpy.load`` lists
        its arrays) holding everything that determines the rest of a run, replaced
        whole or not at all. The network is not changed."""
        self._check(lib.nf_network_save(self._p, path_bytes(path)))

    def counterpart(self, obj: _Object) -> _Object:
        """The object with ``obj``'s id in this network, for an object of the network
        this one was loaded from (``obj`` must come from that network: the sizes the
        library reports are checked where it reports them)."""
        if not isinstance(obj, _Object):
            raise invalid(f"counterpart of a Population, Input, Connection, Readout, "
                          f"Learner or Probe, got {obj!r}")
        if obj.network is self:
            return obj
        clone = copy.copy(obj)
        clone.network = self
        for attr in ("population", "pre", "post"):
            inner = getattr(clone, attr, None)
            if isinstance(inner, _Object):
                setattr(clone, attr, self.counterpart(inner))
        if obj.network.batch != self.batch:
            raise invalid(f"batch {self.batch}, the object's network has {obj.network.batch}")
        size = ffi.new("int64_t *")
        n = ffi.new("int32_t *")
        if isinstance(obj, Population):
            self._check(lib.nf_population_size(self._p, obj.id, n))
            same = n[0] == obj.n
        elif isinstance(obj, Input):
            self._check(lib.nf_input_size(self._p, obj.id, n))
            same = n[0] == obj.dim
        elif isinstance(obj, Connection):
            self._check(lib.nf_connection_weight_count(self._p, obj.id, size))
            same = size[0] == obj.weight_count
        elif isinstance(obj, Learner):
            self._check(lib.nf_learner_p_count(self._p, obj.id, size))
            same = size[0] == obj.p_count
        elif isinstance(obj, Probe):
            self._check(lib.nf_probe_row_size(self._p, obj.id, size))
            same = size[0] == obj.row_size
        else:
            same = True  # a readout: its population was checked above
        if not same:
            raise invalid(f"{obj!r} does not match object {obj.id} of this network")
        return clone

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
    def batch_window(self) -> tuple:
        """(first, count, whole batch): the elements this network holds ((0, batch,
        batch) unless it was made with ``window``)."""
        v = ffi.new("int32_t[3]")
        self._check(lib.nf_network_batch_window(self._p, v, v + 1, v + 2))
        return v[0], v[1], v[2]

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

    # -- replicas --

    @property
    def object_count(self) -> int:
        """The objects added so far (their ids are 0 .. object_count - 1)."""
        return lib.nf_network_object_count(self._p)

    def object_digest(self, obj: Optional[_Object] = None) -> tuple:
        """(kind, {part: hash}) of an object, or of the network itself when ``obj`` is
        None (nf_network_object_digest): 64-bit hashes of its parameters and of the
        values the batch shares ("gains", "biases", "weights", "structure", "row scale",
        "mask"), equal in every process that built the same network."""
        if obj is not None and (not isinstance(obj, _Object) or obj.network is not self):
            raise invalid(f"obj must be None or an object of this network, got {obj!r}")
        oid = -1 if obj is None else obj.id
        d = ffi.new("nf_object_digest *")
        self._check(lib.nf_network_object_digest(self._p, oid, d))
        return (ffi.string(d.kind).decode(),
                {ffi.string(d.part[k]).decode(): int(d.hash[k]) for k in range(d.parts)})

    def set_run_check(self, check) -> None:
        """``check()`` is called by ``run`` before the first run and the first after
        each structural change (an object added, dt or mode set); an exception it
        raises refuses the run with its message (the status of a neurofuse error, else
        NF_ERR_STATE). None removes it (nf_network_set_run_check)."""
        if check is None:
            self._check(lib.nf_network_set_run_check(self._p, ffi.NULL, ffi.NULL, ffi.NULL))
            self._run_check = None
            return
        if not callable(check):
            raise invalid(f"check must be callable or None, got {check!r}")

        def call(_net, _context, message, capacity):
            try:
                check()
                return lib.NF_OK
            except Exception as e:  # noqa: BLE001 - the refusal carries any error
                why = str(e).encode("utf-8", "replace")[:max(capacity - 1, 0)]
                ffi.memmove(message, why + b"\0", len(why) + 1)
                return status_of(e)

        # a BaseException that `call` lets through (KeyboardInterrupt, SystemExit) refuses
        # the run too: cffi would return 0 (NF_OK) and mark the structure checked
        callback = ffi.callback("nf_run_check", call, error=lib.NF_ERR_STATE)
        self._check(lib.nf_network_set_run_check(self._p, callback, ffi.NULL, ffi.NULL))
        self._run_check = callback  # kept alive while the network holds it

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
        "softlif_rate", "lif", "leaky_rate", "izhikevich", "theta", "adaptive_lif") with the
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
          C, k, v_r, v_t, a, b, c, d, v_peak (Izhikevich); tau_n, inc_n (adaptive_lif,
          with tau_rc, tau_ref, min_voltage).
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
