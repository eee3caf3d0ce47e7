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
