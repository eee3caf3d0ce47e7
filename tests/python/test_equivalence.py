"""The Python API gives what the C API gives for the same network, bit for bit on the
CPU backend: against the same calls made on the C functions directly, and against
the neurofuse command's Sussillo & Abbott demo (C code from examples/tasks)."""
import subprocess
import sys

import numpy as np

import neurofuse as nf
from neurofuse._lib import ffi, lib

from test_network import sussillo

N, BATCH, STEPS = 60, 3, 400


def ok(status, net=None):
    assert status == lib.NF_OK, ffi.string(lib.nf_network_last_error(net)) if net else status


def run_with_c_calls(seed):
    d = lib.nf_network_defaults()
    d.batch, d.seed, d.backend = BATCH, seed, lib.NF_BACKEND_CPU
    out = ffi.new("nf_network **")
    ok(lib.nf_network_create(ffi.addressof(d), out))
    net = out[0]
    try:
        pd = lib.nf_population_defaults(lib.NF_MODEL_LIF, N)
        pd.filter.kind, pd.filter.tau = lib.NF_FILTER_LOWPASS, 0.005
        pop, inp, conn, rec, probe, ro, zprobe = (ffi.new("int32_t *") for _ in range(7))
        ok(lib.nf_population_add(net, ffi.addressof(pd), pop), net)
        ok(lib.nf_input_add(net, N, inp), net)
        drive = np.linspace(0.5, 3.0, N, dtype=np.float32)
        ok(lib.nf_input_set(net, inp[0], 1, ffi.from_buffer("float[]", np.tile(drive, BATCH))),
           net)
        cd = lib.nf_connection_defaults()
        cd.kind = lib.NF_CONNECTION_IDENTITY
        ok(lib.nf_connect(net, inp[0], pop[0], ffi.addressof(cd), conn), net)
        cd = lib.nf_connection_defaults()
        cd.init, cd.g, cd.p, cd.scale, cd.per_batch = lib.NF_WEIGHTS_NORMAL, 2.0, 0.3, 0.0, 1
        ok(lib.nf_connect(net, pop[0], pop[0], ffi.addressof(cd), rec), net)
        ok(lib.nf_readout_add(net, pop[0], 2, ffi.NULL, ro), net)
        w = np.random.default_rng(seed).normal(size=(2, N)).astype(np.float32)
        ok(lib.nf_readout_set_weights(net, ro[0], ffi.from_buffer("float[]", w)), net)
        ok(lib.nf_probe_add(net, pop[0], lib.NF_PROBE_FILTERED, 1, probe), net)
        ok(lib.nf_probe_add(net, ro[0], lib.NF_PROBE_OUTPUT, 5, zprobe), net)
        ok(lib.nf_network_run(net, STEPS), net)
        s = np.empty((STEPS, BATCH, N), np.float32)
        z = np.empty((STEPS // 5, BATCH, 2), np.float32)
        rows = ffi.new("int64_t *")
        ok(lib.nf_probe_read(net, probe[0], ffi.from_buffer("float[]", s), s.size, rows), net)
        ok(lib.nf_probe_read(net, zprobe[0], ffi.from_buffer("float[]", z), z.size, rows), net)
        v = np.empty((BATCH, N), np.float32)
        ok(lib.nf_population_get_state(net, pop[0], lib.NF_STATE_VOLTAGE,
                                       ffi.from_buffer("float[]", v)), net)
        return s, z, v
    finally:
        lib.nf_network_destroy(net)


def run_with_python(seed):
    with nf.Network(batch=BATCH, seed=seed, backend="cpu") as net:
        pop = net.add_population("lif", N, filter=nf.Lowpass(0.005))
        inp = net.add_input(N)
        inp.set(np.linspace(0.5, 3.0, N))
        net.connect(inp, pop, kind="identity")
        net.connect(pop, pop, init="normal", g=2.0, p=0.3, scale=0.0, per_batch=True)
        ro = net.add_readout(pop, 2)
        ro.weights = np.random.default_rng(seed).normal(size=(2, N))
        probe = net.probe(pop, "filtered")
        zprobe = net.probe(ro, "output", every=5)
        net.run(STEPS)
        return probe.read(), zprobe.read(), pop.get_state("voltage")


def test_python_equals_the_c_calls_bit_for_bit():
    for seed in (0, 11):
        c, py = run_with_c_calls(seed), run_with_python(seed)
        for a, b in zip(c, py):
            assert a.shape == b.shape
            np.testing.assert_array_equal(a, b)
        assert c[0].any()  # neurons spiked and were filtered


def test_sussillo_equals_the_neurofuse_demo(tmp_path):
    """`python -m neurofuse demo` (the C task) against the same network built in Python."""
    train, test = 600, 200
    done = subprocess.run([sys.executable, "-m", "neurofuse", "demo", "--task", "sussillo",
                           "--backend", "cpu", "--train-steps", str(train), "--test-steps",
                           str(test), "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    with nf.Network(dt=0.1, seed=2009, backend="cpu") as net:
        *_, err, out = sussillo(net, n=1000, train=train, test=test)
        net.run(train + test)
        np.testing.assert_array_equal(out.read(), np.load(tmp_path / "output.npy"))
        np.testing.assert_array_equal(err.read(), np.load(tmp_path / "error.npy"))
