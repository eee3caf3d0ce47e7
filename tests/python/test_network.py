"""Network, its objects and their methods, on each backend."""
import math

import numpy as np
import pytest

import neurofuse as nf


def test_network_properties_and_context_manager(backend):
    with nf.Network(dt=0.002, batch=3, seed=5, backend=backend) as net:
        assert net.backend == backend
        assert net.batch == 3
        assert net.dt == 0.002
        assert net.mode == "spiking"
        assert net.step_count == 0
        net.dt = 0.001
        assert net.dt == 0.001
        net.mode = "rate"
        assert net.mode == "rate"
        net.mode = "SPIKING"
        assert net.mode == "spiking"
        net.run(7)
        assert net.step_count == 7
        net.reset()
        assert net.step_count == 0
        assert "batch=3" in repr(net)
    assert net.closed
    assert "closed" in repr(net)
    with pytest.raises(nf.StateError, match="closed"):
        net.run(1)
    with pytest.raises(nf.StateError):
        net.batch
    net.close()  # a second close does nothing


def test_objects_keep_their_network_alive():
    def make():
        net = nf.Network(batch=2)
        pop = net.add_population("relu", 4)
        return pop
    pop = make()
    with pytest.raises(nf.InvalidArgumentError, match="read only"):
        pop.set_state("output", 0)
    assert pop.get_state("output").shape == (2, 4)
    assert pop.network.batch == 2


def test_run_with_progress(capsys):
    net = nf.Network()
    net.add_population("tanh", 3)
    net.run(250, progress=True)
    assert net.step_count == 250


@pytest.mark.parametrize("model", ["relu", "sigmoid", "tanh", "lif_rate", "softlif_rate", "lif",
                                   "leaky_rate", "izhikevich", "theta", "adaptive_lif"])
def test_every_model_runs_and_reports_its_state(model, backend):
    net = nf.Network(batch=2, seed=3, backend=backend)
    pop = net.add_population(model, 5, filter=nf.Lowpass(0.01))
    assert pop.n == 5 and pop.size == 5 and pop.model == model
    drive = net.add_input(5)
    drive.set(np.full(5, 2.0))
    net.connect(drive, pop, kind="identity")
    net.run(20)
    out = pop.get_state("output")
    assert out.shape == (2, 5) and out.dtype == np.float32 and np.isfinite(out).all()
    assert pop.get_state("filter").shape == (2, 5)
    state = {"lif": "voltage", "izhikevich": "recovery", "theta": "voltage",
             "leaky_rate": "x", "adaptive_lif": "adaptation"}.get(model)
    if state:
        values = np.linspace(0, 0.5, 10, dtype=np.float32).reshape(2, 5)
        pop.set_state(state, values)
        np.testing.assert_array_equal(pop.get_state(state), values)
    else:
        with pytest.raises(nf.InvalidArgumentError):
            pop.get_state("voltage")


def test_population_parameters_forms_and_presets():
    net = nf.Network(dt=0.0005)
    lif = net.add_population("lif", 10, form="nicola_clopath", tau_m=0.02, v_peak=-45)
    izh = net.add_population("izhikevich", 10, preset="fs", order="nengo")
    sig = net.add_population("sigmoid", 3, tau_ref=1.0, amplitude=2.0, gain=0.5, bias=0.1,
                             spiking=True)
    assert sig.spiking
    with pytest.raises(nf.InvalidArgumentError, match="not a parameter of relu"):
        net.add_population("relu", 3, tau_rc=0.02)
    with pytest.raises(nf.InvalidArgumentError, match="form is a LIF parameter"):
        net.add_population("relu", 3, form="nengo")
    with pytest.raises(nf.InvalidArgumentError, match="model must be one of"):
        net.add_population("hodgkin_huxley", 3)
    net.run(5)
    assert lif.get_state("voltage").shape == (1, 10)
    assert izh.get_state("recovery").shape == (1, 10)


def test_gains_biases_and_rate_stats(backend):
    net = nf.Network(batch=2, backend=backend)
    pop = net.add_population("relu", 4, gains=[1, 2, 3, 4], biases=[0.5, 0.5, 0.5, 0.5])
    net.run(1)
    np.testing.assert_allclose(pop.get_state("output"), 0.5)
    pop.set_gain_bias(biases=np.arange(4))
    pop.enable_rate_stats()
    with pytest.raises(nf.StateError):
        pop.rate_stats()
    net.run(10)
    stats = pop.rate_stats(percentiles=[0, 50, 100], rates=True)
    assert stats.steps == 10 and stats.neurons == 4
    np.testing.assert_allclose(stats.rates, [0, 1, 2, 3])
    assert stats.mean == pytest.approx(1.5)
    assert stats.percentiles == {0.0: 0.0, 50.0: 1.5, 100.0: 3.0}
    pop.enable_rate_stats(False)


def test_input_broadcasting_rules():
    net = nf.Network(batch=3)
    pop = net.add_population("relu", 2)
    inp = net.add_input(2)
    net.connect(inp, pop, kind="identity")
    probe = net.probe(inp, "input")
    assert probe.dim == 2
    inp.set([1.0, 2.0])                              # (dim,): held every step
    net.run(3)
    got = probe.read()
    assert got.shape == (3, 3, 2)
    np.testing.assert_array_equal(got, np.broadcast_to([1.0, 2.0], (3, 3, 2)))
    inp.set(np.arange(8, dtype=np.float64).reshape(4, 2))   # (steps, dim): over the batch
    net.run(4)
    got = probe.read()
    np.testing.assert_array_equal(got[:, 1], np.arange(8).reshape(4, 2))
    np.testing.assert_array_equal(got[:, 0], got[:, 2])
    full = np.random.default_rng(0).normal(size=(5, 3, 2))   # (steps, batch, dim)
    inp.set(full)
    net.run(5)
    np.testing.assert_array_equal(probe.read(), full.astype(np.float32))
    with pytest.raises(nf.InvalidArgumentError):
        net.run(1)                                    # past the rows given
    inp.set(7)                                        # a scalar: every value, every step
    net.run(2)
    assert (probe.read() == 7).all()
    with pytest.raises(nf.InvalidArgumentError, match="does not fit"):
        inp.set(np.zeros((5, 2, 2)))                  # batch 2 of 3
    with pytest.raises(nf.InvalidArgumentError):
        inp.set(np.zeros((1, 1, 1, 2)))


def test_dense_connection_weights_shared_and_per_batch(backend):
    net = nf.Network(batch=2, backend=backend, seed=1)
    a = net.add_population("relu", 3)
    b = net.add_population("relu", 2)
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    c = net.connect(a, b, w)
    assert c.kind == "dense" and c.weight_count == 6
    np.testing.assert_array_equal(c.weights, w)
    c.weights = w * 2
    np.testing.assert_array_equal(c.weights, w * 2)
    pb = net.connect(a, b, w, per_batch=True)
    assert pb.weights.shape == (2, 2, 3)
    pb.weights = np.stack([w, -w])
    np.testing.assert_array_equal(pb.weights[1], -w)
    z = net.connect(a, b)                              # no weights: zeros
    assert not z.weights.any()
    g = net.connect(a, b, init="normal", g=1.5, p=1.0)
    assert g.weights.std() > 0
    u = net.connect(a, b, init="uniform", low=-1, high=1)
    assert (np.abs(u.weights) <= 1).all()
    i = net.connect(b, b, kind="identity", scale=0.5)
    assert i.weights.shape == () and float(i.weights) == 0.5
    with pytest.raises(nf.InvalidArgumentError, match="does not fit"):
        net.connect(a, b, np.zeros((3, 2)))
    with pytest.raises(nf.InvalidArgumentError, match="identity connection takes no weights"):
        net.connect(b, b, np.eye(2), kind="identity")


def test_sparse_connection_from_scipy():
    sparse = pytest.importorskip("scipy.sparse")
    net = nf.Network(batch=1)
    a = net.add_population("relu", 4, bias=1.0)
    b = net.add_population("relu", 3)
    dense = np.array([[0, 1, 0, 2], [0, 0, 0, 0], [3, 0, 0, 0]], np.float32)
    c = net.connect(a, b, sparse.csr_matrix(dense))
    assert c.kind == "sparse" and c.weight_count == 3
    np.testing.assert_array_equal(c.weights, [1, 2, 3])
    net.run(2)
    np.testing.assert_array_equal(b.get_state("output"), [[3, 0, 3]])
    c.weights = [1, 1, 1]
    with pytest.raises(nf.InvalidArgumentError):
        net.connect(a, b, sparse.csr_matrix(np.ones((4, 3))))
    gen = net.connect(a, b, kind="sparse", init="normal", p=0.5)
    assert gen.kind == "sparse"


def test_readout_weights_and_z(backend):
    net = nf.Network(batch=2, backend=backend)
    pop = net.add_population("relu", 3, bias=1.0)
    ro = net.add_readout(pop, 2, weights=np.ones((2, 3)))
    assert ro.weights.shape == (2, 3)
    net.run(1)
    np.testing.assert_array_equal(ro.z, np.full((2, 2), 3.0))
    ro.z = [[1, 2], [3, 4]]
    np.testing.assert_array_equal(ro.z, [[1, 2], [3, 4]])
    pb = net.add_readout(pop, 1, per_batch=True)
    assert pb.weights.shape == (2, 1, 3) and not pb.weights.any()
    pb.weights = np.ones((2, 1, 3))
    out = net.probe(ro, "output", every=2)
    net.run(4)
    assert out.read().shape == (2, 2, 2)


def sussillo(net, n=200, train=600, test=200, per_batch=False):
    """Sussillo & Abbott's FORCE task as examples/tasks/sussillo.c builds it."""
    pop = net.add_population("leaky_rate", n, tau=1.0, x_init_scale=0.5)
    net.connect(pop, pop, kind="sparse", init="normal", g=1.5, p=0.1, scale=0.0,
                per_batch=per_batch)
    ro = net.add_readout(pop, 1, per_batch=per_batch, z_init_scale=0.5)
    net.connect(ro, pop, init="uniform", low=-1.0, high=1.0, per_batch=per_batch)
    w = math.pi / 60.0
    f = [(1.3 / 1.5) * (math.sin(w * t) + math.sin(2 * w * t) / 2 + math.sin(3 * w * t) / 6
                        + math.sin(4 * w * t) / 3)
         for t in ((k + 1) * net.dt for k in range(train + test))]
    target = net.add_input(1)
    target.set(np.asarray(f, np.float64).astype(np.float32).reshape(-1, 1))
    learner = net.add_learner("readout", readout=ro, target=target, alpha=1.0, every=2,
                              stop=train)
    err = net.probe(learner, "error")
    out = net.probe(ro, "output")
    return pop, ro, learner, err, out


def test_force_learner_trains_and_exposes_p(backend):
    net = nf.Network(dt=0.1, batch=2, seed=2009, backend=backend)
    pop, ro, learner, err, out = sussillo(net, n=300, train=8000, test=1200, per_batch=True)
    assert learner.enabled
    p0 = learner.P
    assert p0.shape == (2, 300, 300) and p0.dtype == np.float32
    np.testing.assert_array_equal(p0[0], np.eye(300, dtype=np.float32))
    net.run(9200)
    e = err.read()
    assert e.shape == (9200, 2, 1)
    assert np.abs(e[7000:8000]).mean() < 0.05       # tracking the target while learning
    trained = np.abs(e[8000:]).mean()
    untrained_net = nf.Network(dt=0.1, batch=2, seed=2009, backend=backend)
    *_, untrained_learner, untrained_err, _ = sussillo(untrained_net, n=300, train=8000,
                                                      test=1200, per_batch=True)
    untrained_learner.enabled = False
    untrained_net.run(9200)
    assert trained < 0.6 * np.abs(untrained_err.read()[8000:]).mean()
    p = learner.get_P(np.float64)
    assert p.dtype == np.float64
    np.testing.assert_allclose(p[0], p[0].T, atol=1e-6)
    learner.P = np.broadcast_to(np.eye(300, dtype=np.float32), (2, 300, 300))
    learner.set_P(np.eye(300))                     # float64 broadcast to the copies
    np.testing.assert_array_equal(learner.P[1], np.eye(300))
    learner.enabled = False
    assert not learner.enabled
    w = ro.weights.copy()
    net.reset()                                       # rewinds the target; keeps W and P
    np.testing.assert_array_equal(ro.weights, w)
    net.run(10)
    np.testing.assert_array_equal(ro.weights, w)
    assert learner.p_count == 2 * 300 * 300


def test_f64_learner_precision():
    net = nf.Network(dt=0.1, seed=1)
    pop, ro, _, _, _ = sussillo(net, n=30, train=50, test=0)
    net2 = nf.Network(dt=0.1, seed=1)
    pop2 = net2.add_population("tanh", 5)
    ro2 = net2.add_readout(pop2, 1)
    t2 = net2.add_input(1)
    l2 = net2.add_learner(readout=ro2, target=t2, precision="f64", rule="nicola_clopath")
    assert l2.precision == "f64" and l2.P.dtype == np.float64
    assert l2.get_P(np.float32).dtype == np.float32
    with pytest.raises(nf.InvalidArgumentError):
        l2.get_P(np.int32)


def test_probes_read_forget_and_write_npy(tmp_path, backend):
    net = nf.Network(batch=2, backend=backend)
    pop = net.add_population("relu", 3, bias=2.0, filter=nf.Lowpass(0.01))
    probe = net.probe(pop, "output", every=3)
    assert probe.row_size == 6 and probe.dim == 3
    net.run(9)
    assert probe.rows == 3
    assert probe.read().shape == (3, 2, 3)
    assert probe.rows == 0
    assert probe.read().shape == (0, 2, 3)
    net.run(6)
    path = tmp_path / "out.npy"
    probe.write_npy(path)
    assert probe.rows == 0
    np.testing.assert_array_equal(np.load(path), np.full((2, 2, 3), 2.0, np.float32))
    np.testing.assert_array_equal(nf.read_npy(path), np.load(path))
    state = net.probe(pop, "filter")
    net.run(1)
    assert state.read().shape == (1, 2, 3)
    with pytest.raises(nf.FileIOError) as info:
        net.run(3)
        probe.write_npy(tmp_path / "no" / "such" / "dir.npy")
    assert isinstance(info.value, OSError) and probe.rows == 1


def test_npy_functions(tmp_path):
    a = np.random.default_rng(1).normal(size=(2, 3, 4))
    nf.write_npy(tmp_path / "a.npy", a)
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), a.astype(np.float32))
    np.save(tmp_path / "i.npy", np.arange(6, dtype=np.int16).reshape(2, 3))
    np.testing.assert_array_equal(nf.read_npy(tmp_path / "i.npy"), np.arange(6).reshape(2, 3))
    nf.write_npy(tmp_path / "s.npy", 3.5)
    assert nf.read_npy(tmp_path / "s.npy").shape == ()
    with pytest.raises(nf.FileIOError):
        nf.read_npy(tmp_path / "missing.npy")
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    with pytest.raises(nf.InvalidArgumentError):
        nf.read_npy(tmp_path / "bad.npy")


def test_energy_estimate_and_summary():
    net = nf.Network(batch=1)
    inp = net.add_input(4)
    inp.set(np.ones(4))
    pop = net.add_population("relu", 8, spiking=True)
    net.connect(inp, pop, np.ones((8, 4)))
    pop.enable_rate_stats()
    net.run(100)
    joules = nf.energy_estimate(net, "cpu", 1, 0.001)
    assert joules == pytest.approx(8.6e-9 * 32 + 8.6e-9 * 8)
    assert nf.energy_estimate(net, "loihi", 100, 0.001) > 0
    net.register_energy_device("mychip", 1e-12, 2e-12, True)
    assert nf.energy_estimate(net, "mychip", 10, 0.001) > 0
    table = nf.energy_summary(net, ["cpu", "loihi", "mychip"], 10, 0.001)
    assert "loihi" in table and "mychip" in table and len(table.splitlines()) >= 3
    assert "cpu" in nf.energy_summary(net, "cpu")
    with pytest.raises(nf.InvalidArgumentError):
        nf.energy_estimate(net, "abacus", 1, 0.001)
    with pytest.raises(nf.InvalidArgumentError):
        nf.energy_estimate("not a network", "cpu", 1, 0.001)


def test_library_functions():
    assert nf.backend_available("cpu") and nf.backend_available("auto")
    info = nf.device_info("cpu")
    assert info["backend"] == "cpu" and info["count"] == 1 and info["available"]
    cuda = nf.device_info("cuda")
    assert cuda["available"] == nf.backend_available("cuda")
    if not cuda["available"]:
        assert cuda["detail"]
    assert nf.status_string(1).startswith("NF_ERR_INVALID_ARGUMENT")
    assert isinstance(nf.BUILT_WITH_CUDA, bool)


def test_mode_switch_gives_rates():
    net = nf.Network(dt=0.001, seed=4)
    pop = net.add_population("lif", 3, bias=3.0, filter=nf.Lowpass(0.005, spiking_only=True))
    net.mode = "rate"
    net.run(1)
    rate = pop.get_state("output")
    expected = 1.0 / (0.002 + 0.02 * np.log1p(1.0 / (3.0 - 1.0)))
    np.testing.assert_allclose(rate, expected, rtol=1e-5)
    np.testing.assert_array_equal(pop.get_state("filter"), rate)
    with pytest.raises(nf.InvalidArgumentError):
        net.mode = "chaotic"
