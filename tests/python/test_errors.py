"""Errors: each status maps to its class with the library's message, and bad input of
every kind (dtypes, shapes, non-contiguous and read-only arrays, None, NaN, huge
sizes) raises an exception instead of crashing the interpreter."""
import numpy as np
import pytest

import neurofuse as nf
from neurofuse import _lib


def test_status_classes_and_python_bases():
    assert issubclass(nf.InvalidArgumentError, ValueError)
    assert issubclass(nf.OutOfMemoryError, MemoryError)
    assert issubclass(nf.FileIOError, OSError)
    for cls in (nf.InvalidArgumentError, nf.OutOfMemoryError, nf.NoDeviceError,
                nf.BackendError, nf.StateError, nf.NumericError, nf.FileIOError,
                nf.UnsupportedError):
        assert issubclass(cls, nf.NeurofuseError)
    lib = _lib.lib
    for status, cls in ((lib.NF_ERR_INVALID_ARGUMENT, nf.InvalidArgumentError),
                        (lib.NF_ERR_OUT_OF_MEMORY, nf.OutOfMemoryError),
                        (lib.NF_ERR_NO_DEVICE, nf.NoDeviceError),
                        (lib.NF_ERR_BACKEND, nf.BackendError),
                        (lib.NF_ERR_STATE, nf.StateError),
                        (lib.NF_ERR_NUMERIC, nf.NumericError),
                        (lib.NF_ERR_IO, nf.FileIOError),
                        (lib.NF_ERR_UNSUPPORTED, nf.UnsupportedError)):
        err = _lib.error(status, "the message")
        assert type(err) is cls and err.status == status and str(err) == "the message"
        assert err.status_name.startswith("NF_ERR_")


def test_invalid_argument_carries_the_c_message():
    with pytest.raises(nf.InvalidArgumentError) as info:
        nf.Network(dt=-1.0)
    assert "dt" in str(info.value) and info.value.status == _lib.lib.NF_ERR_INVALID_ARGUMENT
    net = nf.Network()
    with pytest.raises(nf.InvalidArgumentError) as info:
        net.add_population("lif", 10, tau_rc=-0.02)
    assert "tau_rc" in str(info.value)


def test_no_device_error():
    if nf.backend_available("cuda"):
        pytest.skip("a CUDA device is usable here")
    with pytest.raises(nf.NoDeviceError) as info:
        nf.Network(backend="cuda")
    assert info.value.status == _lib.lib.NF_ERR_NO_DEVICE and str(info.value)


def test_numeric_error_names_the_step_and_leaves_a_usable_network():
    net = nf.Network(batch=1)
    pop = net.add_population("relu", 1, bias=1.0)
    conn = net.connect(pop, pop, [[1e20]])          # 1, 1e20, 1e40 = inf in float32
    net.run(1)
    with pytest.raises(nf.NumericError) as info:
        net.run(10)
    assert info.value.step == 2 and net.step_count == 2
    assert "step 2" in str(info.value)
    np.testing.assert_array_equal(pop.get_state("output"), [[np.float32(1e20) + 1]])
    conn.weights = [[0.5]]
    net.run(10)
    assert net.step_count == 12


def test_state_error_and_unsupported():
    net = nf.Network()
    pop = net.add_population("relu", 2)
    with pytest.raises(nf.StateError):
        pop.rate_stats()


BAD_VALUES = [None, "text", ["a", "b"], [1, None], {"a": 1}, np.array([1 + 2j, 0]),
              np.array(["x", "y"]), object(), np.zeros((2, 2), dtype=object)]


@pytest.mark.parametrize("bad", BAD_VALUES, ids=lambda v: type(v).__name__)
def test_bad_arrays_raise(bad):
    net = nf.Network(batch=2)
    pop = net.add_population("relu", 2)
    inp = net.add_input(2)
    conn = net.connect(pop, pop)
    ro = net.add_readout(pop, 1)
    calls = [lambda: inp.set(bad), lambda: pop.set_state("filter", bad),
             lambda: setattr(conn, "weights", bad), lambda: setattr(ro, "weights", bad),
             lambda: setattr(ro, "z", bad),
             lambda: pop.set_gain_bias(gains=bad if bad is not None else "x"),
             lambda: nf.layers.Lowpass(0.01)(bad), lambda: nf.write_npy("/tmp/x.npy", bad)]
    for call in calls:
        with pytest.raises((nf.NeurofuseError, ValueError, TypeError)):
            call()
    net.run(1)  # still usable


def test_wrong_shapes_raise_before_any_c_call():
    net = nf.Network(batch=2)
    pop = net.add_population("relu", 3)
    conn = net.connect(pop, pop)
    for bad in (np.zeros(2), np.zeros((3, 2)), np.zeros((2, 3, 3, 1)), np.zeros((4, 3, 3))):
        with pytest.raises(nf.InvalidArgumentError):
            conn.weights = bad
    with pytest.raises(nf.InvalidArgumentError):
        pop.set_state("filter", np.zeros((3, 3)))
    with pytest.raises(nf.InvalidArgumentError):
        net.add_input(3).set(np.zeros((0, 3)))


def test_non_contiguous_read_only_and_other_dtypes_are_accepted():
    net = nf.Network(batch=2)
    pop = net.add_population("relu", 3)
    conn = net.connect(pop, pop)
    w = np.arange(18, dtype=np.float64).reshape(3, 6)[:, ::2]   # non-contiguous float64
    conn.weights = w
    np.testing.assert_array_equal(conn.weights, w.astype(np.float32))
    ro = np.asfortranarray(np.eye(3, dtype=np.int64))
    ro.setflags(write=False)                                       # read-only, Fortran order
    conn.weights = ro
    np.testing.assert_array_equal(conn.weights, np.eye(3))
    conn.weights = np.ones((3, 3), bool)
    conn.weights = [[1, 2, 3]] * 3                                 # nested lists
    bias = np.full(3, 0.25, np.float32)
    bias.setflags(write=False)
    pop.set_gain_bias(biases=bias)
    net.add_input(3).set(np.broadcast_to(np.float16(1), (4, 3)))    # a broadcast view


def test_nan_and_huge_sizes_raise():
    with pytest.raises(nf.InvalidArgumentError):
        nf.Network(dt=float("nan"))
    with pytest.raises(nf.InvalidArgumentError):
        nf.Network(batch=2**40)
    with pytest.raises(nf.InvalidArgumentError):
        nf.Network(batch=0)
    with pytest.raises(nf.InvalidArgumentError):
        nf.Network(seed=-1)
    with pytest.raises(nf.InvalidArgumentError):
        nf.Network(batch=1.5)
    net = nf.Network()
    with pytest.raises(nf.InvalidArgumentError):
        net.add_population("relu", 2**31)
    with pytest.raises(nf.InvalidArgumentError):
        net.add_population("relu", -5)
    with pytest.raises(nf.OutOfMemoryError):
        nf.Network(batch=2**20).add_population("relu", 2**20)   # 2^40 floats: refused
    with pytest.raises(nf.InvalidArgumentError):
        net.add_input(0)
    pop = net.add_population("lif", 3)
    with pytest.raises(nf.InvalidArgumentError):
        pop.set_state("voltage", [np.nan, 0, 0])
    with pytest.raises(nf.InvalidArgumentError):
        net.run(-1)
    with pytest.raises(nf.InvalidArgumentError):
        net.run(2**70)
    with pytest.raises(nf.InvalidArgumentError):
        net.run("ten")
    with pytest.raises(nf.InvalidArgumentError):
        net.dt = 0.0
    with pytest.raises(nf.InvalidArgumentError):
        net.probe(pop, "voltage", every=0)
    with pytest.raises(nf.InvalidArgumentError):
        nf.layers.SpikingActivation("relu", dt=float("inf"))(np.zeros((1, 1, 1)))


def test_objects_of_another_network_are_refused():
    a, b = nf.Network(), nf.Network()
    pa = a.add_population("relu", 2)
    pb = b.add_population("relu", 2)
    with pytest.raises(nf.InvalidArgumentError, match="another network"):
        a.connect(pa, pb)
    with pytest.raises(nf.InvalidArgumentError):
        a.add_readout(pb, 1)
    with pytest.raises(nf.InvalidArgumentError):
        a.probe(pb)
    with pytest.raises(nf.InvalidArgumentError):
        a.connect(pa, "population")
