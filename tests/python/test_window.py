"""Batch windows from Python (Network(window=(first, count))): a window draws and
computes what the same elements of the whole batch's window do, bit for bit."""
import numpy as np
import pytest

import neurofuse as nf


def build(window, backend):
    net = nf.Network(batch=5, seed=3, backend=backend, window=window)
    lif = net.add_population("lif", 17)
    res = net.add_population("leaky_rate", 9, x_init_scale=0.5)
    drive = net.add_input(4)
    net.connect(drive, lif, init="normal", scale=2.0, p=0.5, per_batch=True)
    net.connect(lif, res, init="uniform", low=-0.1, high=0.1)
    first, count, _ = net.batch_window
    g = np.arange(first, first + count, dtype=np.float32)
    drive.set(1.0 + 0.1 * g[None, :, None] * np.ones((20, count, 4), np.float32))
    return net, lif, res, drive


def test_windows_equal_the_whole_batch(backend):
    whole, wl, wr, _ = build((0, 5), backend)
    assert whole.batch_window == (0, 5, 5)
    whole.run(20)
    for first, count in [(0, 2), (2, 3), (4, 1)]:
        net, lif, res, drive = build((first, count), backend)
        assert net.batch == count and net.batch_window == (first, count, 5)
        assert drive.size == 4
        net.run(20)
        for mine, ref, name in [(lif, wl, "voltage"), (res, wr, "x")]:
            got = mine.get_state(name)
            want = ref.get_state(name)[first:first + count]
            assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), (first, name)


def test_a_window_outside_the_batch_is_refused():
    with pytest.raises(nf.InvalidArgumentError, match="nf_network_create_window"):
        nf.Network(batch=4, window=(3, 2))
    assert nf.Network(batch=3).batch_window == (0, 3, 3)


def test_statistics_and_energy_over_windows_add_up_to_the_whole_batch():
    """Windows' rate sums added in element order give the whole batch's statistics bit
    for bit; their source rates, weighted by the windows' shares, its energy."""
    def run(window):
        net, lif, res, _ = build(window, "cpu")
        for p in (lif, res):
            p.enable_rate_stats()
        net.run(20)
        return net, lif, res

    whole, wl, wr = run((0, 5))
    parts = [run(w) for w in [(0, 2), (2, 3)]]
    for k, ref in [(1, wl), (2, wr)]:
        sums = np.concatenate([p[k].rate_sums()[0] for p in parts])
        totals = np.zeros(sums.shape[1])
        for row in sums:  # element order, from 0.0, as the core adds them
            totals += row
        got = nf.rate_stats_from_sums(totals, 5, 20, percentiles=[50.0], rates=True)
        want = ref.rate_stats(percentiles=[50.0], rates=True)
        assert (got.mean, got.min, got.max, got.percentiles) == \
            (want.mean, want.min, want.max, want.percentiles)
        assert np.array_equal(got.rates, want.rates)
    rates = sum(nf.energy_source_rates(p[0]) * (p[0].batch / 5) for p in parts)
    want = nf.energy_estimate(whole, "loihi", 10, 0.001)
    assert nf.energy_estimate(whole, "loihi", 10, 0.001,
                              rates=nf.energy_source_rates(whole)) == want
    assert abs(nf.energy_estimate(parts[0][0], "loihi", 10, 0.001, rates=rates) - want) \
        <= 1e-12 * want
    assert "J/inf (loihi)" in nf.energy_summary(whole, "loihi", 10, 0.001, rates=rates)
    with pytest.raises(nf.InvalidArgumentError, match="nf_rate_stats_from_sums"):
        nf.rate_stats_from_sums([1.0], 0, 20)


def test_weight_layouts_and_gains_read_back():
    net = nf.Network(batch=3, seed=1, backend="cpu", window=(1, 2))
    pop = net.add_population("tanh", 4)
    drive = net.add_input(2)
    shared = net.connect(drive, pop, init="zero")
    mine = net.connect(drive, pop, init="zero", per_batch=True)
    assert not shared.stored_per_batch and mine.stored_per_batch
    ro = net.add_readout(pop, 3, per_batch=True)
    assert ro.weight_count == 2 * 3 * 4
    pop.set_gain_bias(gains=[1.0, 2.0, 3.0, 4.0], biases=-0.5)
    g, b = pop.get_gain_bias()
    assert g.tolist() == [1.0, 2.0, 3.0, 4.0] and b.tolist() == [-0.5] * 4


def digest_net(window, biases):
    net = nf.Network(batch=5, seed=3, backend="cpu", window=window)
    pop = net.add_population("tanh", 3, biases=biases)
    drive = net.add_input(2)
    conn = net.connect(drive, pop, weights=np.array([[0.5, -0.0], [1.0, 2.0], [0.25, 1e-40]],
                                                     np.float32))
    return net, pop, conn


def test_digests_are_equal_across_windows_and_name_what_differs():
    biases = np.array([0.1, 0.2, 0.3], np.float32)
    a, pa, ca = digest_net((0, 2), biases)
    b, pb, cb = digest_net((2, 3), biases)
    assert a.object_count == b.object_count == 3
    assert a.object_digest() == b.object_digest()
    assert a.object_digest()[0] == "network"
    for x, y in [(pa, pb), (ca, cb)]:
        assert a.object_digest(x) == b.object_digest(y)
    kind, parts = a.object_digest(pa)
    assert kind == "population" and list(parts) == ["parameters", "gains", "biases"]
    kind, parts = a.object_digest(ca)
    assert kind == "connection" and list(parts) == ["parameters", "weights"]
    # one ulp of one bias: only that part's hash changes
    c, pc, _ = digest_net((2, 3), np.nextafter(biases, 1, dtype=np.float32) * [1, 0, 0]
                          + biases * [0, 1, 1])
    got, want = c.object_digest(pc)[1], a.object_digest(pa)[1]
    assert [k for k in want if got[k] != want[k]] == ["biases"]
    with pytest.raises(nf.InvalidArgumentError, match="object of this network"):
        a.object_digest(pb)


# the KeyboardInterrupt below is reported by cffi as unraisable: expected
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_run_check_runs_after_each_structural_change_only():
    net, pop, _ = digest_net(None, None)
    calls = []
    net.set_run_check(lambda: calls.append(net.step_count))
    net.run(2)
    net.run(3)
    assert calls == [0]
    net.add_input(1)
    net.run(1)
    assert calls == [0, 5]

    def refuse():
        raise nf.InvalidArgumentError("the replicas differ")

    net.set_run_check(refuse)
    with pytest.raises(nf.InvalidArgumentError, match="nf_network_run: the replicas differ"):
        net.run(4)
    assert net.step_count == 6

    def interrupted():
        raise KeyboardInterrupt

    net.set_run_check(interrupted)  # not caught by the check's wrapper: still a refusal
    with pytest.raises(nf.StateError, match="nf_network_run"):
        net.run(4)
    assert net.step_count == 6
    net.set_run_check(None)
    net.run(4)
    assert net.step_count == 10
