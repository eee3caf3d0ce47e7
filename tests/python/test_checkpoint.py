"""Network.save / Network.load: run, save, load, run on: the loaded network continues
bit for bit (CPU), its objects reached through counterpart()."""
import numpy as np
import pytest

import neurofuse as nf


def build(net):
    pop = net.add_population("leaky_rate", 40, tau=1.0, x_init_scale=0.5)
    net.connect(pop, pop, kind="sparse", init="normal", g=1.5, p=0.2, per_batch=True)
    ro = net.add_readout(pop, 2, per_batch=True, z_init_scale=0.3)
    net.connect(ro, pop, init="uniform", low=-1, high=1, per_batch=True)
    target = net.add_input(2)
    target.set(np.sin(np.arange(400)[:, None] * [0.05, 0.11]))
    learner = net.add_learner(readout=ro, target=target, every=2)
    probe = net.probe(ro, "output")
    return pop, ro, learner, probe


def test_save_load_continues_bit_for_bit(tmp_path):
    path = tmp_path / "net.npz"
    with nf.Network(dt=0.1, batch=2, seed=4, backend="cpu") as net:
        pop, ro, learner, probe = build(net)
        net.run(150)
        probe.read()
        try:
            net.save(path)
        except nf.UnsupportedError:
            pytest.skip("the library was built without libzip: no checkpoints")
        assert sorted(np.load(path).files)           # numpy reads it
        net.run(100)
        want = probe.read(), ro.weights, learner.P, pop.get_state("x")
        with nf.Network.load(path, backend="cpu") as loaded:
            assert loaded.step_count == 150 and loaded.batch == 2
            lprobe = loaded.counterpart(probe)
            lro, lpop = loaded.counterpart(ro), loaded.counterpart(pop)
            assert lro.population.network is loaded and lprobe.read().shape[0] == 0
            loaded.run(100)
            got = lprobe.read(), lro.weights, loaded.counterpart(learner).P, lpop.get_state("x")
            for a, b in zip(want, got):
                np.testing.assert_array_equal(a, b)
            with pytest.raises(nf.InvalidArgumentError):
                loaded.counterpart("population")
        other = nf.Network(batch=2)
        small = other.add_population("relu", 3)
        with pytest.raises(nf.InvalidArgumentError):
            net.counterpart(small)


def test_load_errors(tmp_path):
    with pytest.raises((nf.FileIOError, nf.UnsupportedError)):
        nf.Network.load(tmp_path / "missing.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip file")
    with pytest.raises((nf.FileIOError, nf.InvalidArgumentError, nf.UnsupportedError)):
        nf.Network.load(tmp_path / "bad.npz")
    net = nf.Network()
    with pytest.raises((nf.FileIOError, nf.UnsupportedError)):
        net.save(tmp_path / "no" / "such" / "dir" / "net.npz")
