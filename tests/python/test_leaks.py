"""No leaks: 10,000 create/destroy cycles (closed explicitly, or left to garbage
collection) leave the resident set size flat."""
import gc
import os
import resource

import numpy as np
import pytest

import neurofuse as nf

CYCLES = 10_000


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def cycle(i):
    net = nf.Network(batch=2, seed=i)
    pop = net.add_population("lif", 16, filter=nf.Lowpass(0.005))
    inp = net.add_input(16)
    inp.set(np.ones(16))
    net.connect(inp, pop, kind="identity")
    probe = net.probe(pop, "filtered")
    net.run(2)
    probe.read()
    layer = nf.layers.Lowpass(0.01)
    layer(np.ones((1, 3, 4), np.float32))
    if i % 2:
        net.close()            # the other half is freed by garbage collection
        layer.close()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_create_destroy_cycles_keep_rss_flat():
    for i in range(1000):      # warm-up: allocator pools, numpy caches
        cycle(i)
    gc.collect()
    before = rss_bytes()
    for i in range(CYCLES):
        cycle(i)
    gc.collect()
    grown = rss_bytes() - before
    # a leak of one network's few kilobytes per cycle would be tens of megabytes
    assert grown < 4 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB over {CYCLES} cycles"
