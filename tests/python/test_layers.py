"""neurofuse.layers against keras-spiking's forward pass.

keras-spiking itself needs TensorFlow, which this suite does not install; the
reference here is keras-spiking's layer code written out in numpy float32 (the
dtype Keras computes in), step by step as its RNN cells do:
SpikingActivationCell: rates = activation(x); v = v + rates * dt; n = floor(v);
v -= n; spikes = n / dt. LowpassCell: y = (1 - a) x + a y... with
a = exp(-dt/tau) (keras-spiking stores it through a sigmoid of its logit, which
rounds a by an ulp or so: filters are compared to 1e-6 relative).
"""
import numpy as np
import pytest

import neurofuse as nf
from neurofuse import layers

DT = np.float32(0.001)


def keras_spiking_activation(x, activation, v0, dt=DT):
    """keras-spiking's SpikingActivation forward pass, float32, (batch, time, units)."""
    f = {"relu": lambda a: np.maximum(a, np.float32(0)),
         "sigmoid": lambda a: np.float32(1) / (np.float32(1) + np.exp(-a)),
         "tanh": np.tanh}[activation]
    v = v0.astype(np.float32).copy()
    out = np.empty_like(x, dtype=np.float32)
    for t in range(x.shape[1]):
        rates = f(x[:, t]).astype(np.float32)
        v = (v + rates * np.float32(dt)).astype(np.float32)
        n = np.floor(v)
        v = (v - n).astype(np.float32)
        out[:, t] = n / np.float32(dt)
    return out


def keras_lowpass(x, tau, y0, dt=DT):
    a = np.float32(np.exp(-dt / tau))
    y = y0.astype(np.float32).copy()
    out = np.empty_like(x, dtype=np.float32)
    for t in range(x.shape[1]):
        y = (np.float32(1) - a) * x[:, t] + a * y
        out[:, t] = y
    return out


def inputs(batch=3, time=200, units=6, seed=0, scale=3.0):
    return (np.random.default_rng(seed).normal(size=(batch, time, units)) * scale).astype(
        np.float32)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_spiking_activation_equals_keras_spiking(activation, backend):
    # relu at rates up to a few spikes per step; sigmoid and tanh (at most 1 Hz) at a
    # long dt, so that both give many spikes (tanh negative ones too)
    dt = np.float32(0.001 if activation == "relu" else 0.05)
    x = inputs(scale=3000.0 if activation == "relu" else 3.0)
    v0 = np.random.default_rng(1).uniform(size=(3, 6)).astype(np.float32)
    layer = layers.SpikingActivation(activation, dt=float(dt), backend=backend, seed=7)
    got = layer(x, initial_state=v0)
    want = keras_spiking_activation(x, activation, v0, dt)
    assert got.shape == x.shape and got.dtype == np.float32
    if backend == "cpu":
        np.testing.assert_array_equal(got, want)
    else:  # CUDA's expf / tanhf may differ by an ulp, moving a spike by a step
        assert np.abs(got.sum(1) - want.sum(1)).max() <= 2 / dt
    counts = np.unique(np.round(got * dt))
    assert len(counts) >= (2 if activation == "sigmoid" else 3), counts
    assert activation != "tanh" or counts.min() < 0


def test_sigmoid_tanh_rates_are_the_plain_functions():
    x = inputs(units=4)
    for activation, f in (("sigmoid", lambda a: 1 / (1 + np.exp(-a))), ("tanh", np.tanh)):
        layer = layers.SpikingActivation(activation, spiking_aware_training=False)
        np.testing.assert_allclose(layer(x, training=True), f(x), rtol=1e-6, atol=1e-7)
        spikes = layer(x)                       # not training: spikes, height 1/dt
        assert set(np.unique(np.abs(spikes))) <= {0.0, np.float32(1) / DT}


def test_spiking_activation_rate_over_time_matches_activation():
    x = np.full((2, 4000, 3), 0.5, np.float32)
    out = layers.SpikingActivation("sigmoid", seed=3)(x)
    rate = out.mean(axis=1)
    np.testing.assert_allclose(rate, 1 / (1 + np.exp(-0.5)), atol=1 / 4.0)


@pytest.mark.parametrize("tau", [0.005, 0.05])
def test_lowpass_equals_keras_spiking(tau, backend):
    x = inputs()
    got = layers.Lowpass(tau, backend=backend)(x)
    np.testing.assert_allclose(got, keras_lowpass(x, tau, np.zeros((3, 6))), rtol=1e-5,
                               atol=1e-5)


def test_alpha_is_two_lowpasses_with_unit_gain():
    x = np.ones((1, 3000, 2), np.float32)
    y = layers.Alpha(0.01)(x)
    assert y[0, -1] == pytest.approx(1.0, abs=1e-5)  # unit DC gain
    t = np.arange(1, 3001) * 0.001
    impulse = np.zeros((1, 3000, 1), np.float32)
    impulse[0, 0] = 1 / 0.001
    h = layers.Alpha(0.01)(impulse)[0, :, 0]
    np.testing.assert_allclose(h[50:300], (t / 0.01**2 * np.exp(-t / 0.01))[50:300], rtol=0.1)


def test_return_sequences_time_major_and_stateful():
    x = inputs(batch=2, time=50, units=3)
    full = layers.Lowpass(0.01)(x)
    last = layers.Lowpass(0.01, return_sequences=False)(x)
    np.testing.assert_array_equal(last, full[:, -1])
    tm = layers.Lowpass(0.01, time_major=True)(np.swapaxes(x, 0, 1).copy())
    np.testing.assert_array_equal(np.swapaxes(tm, 0, 1), full)
    stateful = layers.Lowpass(0.01, stateful=True)
    halves = np.concatenate([stateful(x[:, :25]), stateful(x[:, 25:])], axis=1)
    np.testing.assert_allclose(halves, full, rtol=1e-6)
    stateful.reset_states()
    np.testing.assert_array_equal(stateful(x), full)
    stateless = layers.Lowpass(0.01)
    np.testing.assert_array_equal(stateless(x), stateless(x))


def test_state_get_set_and_initial_level():
    x = inputs(batch=2, time=20, units=3)
    layer = layers.Lowpass(0.01, initial_level=[1.0, 2.0, 3.0])
    y = layer(np.zeros_like(x))
    np.testing.assert_allclose(y[:, 0], np.exp(-0.1) * np.array([[1, 2, 3]] * 2), rtol=1e-6)
    level = layer.get_state("filter")
    assert level.shape == (2, 3)
    layer.set_state(np.ones((2, 3)))
    assert layer(np.ones_like(x))[0, 0, 0] == pytest.approx(1.0)
    act = layers.SpikingActivation("relu", seed=1)
    act(x)
    v = act.get_state()
    assert v.shape == (2, 3) and ((0 <= v) & (v < 1)).all()
    with pytest.raises(nf.InvalidArgumentError):
        act.get_state("filter")


def test_apply_during_training_false_is_identity_in_training():
    x = inputs(batch=1, time=10, units=2)
    f = layers.Lowpass(0.05, apply_during_training=False)
    np.testing.assert_array_equal(f(x, training=True), x)
    assert not np.array_equal(f(x), x)


def test_chain_equals_layers_in_sequence(backend):
    x = inputs(batch=2, time=120, units=5, scale=100.0)
    a = layers.SpikingActivation("relu", seed=9, backend=backend)
    b = layers.Lowpass(0.01, backend=backend)
    c = layers.Alpha(0.005, backend=backend)
    step_by_step = c(b(a(x)))
    for layer in (a, b, c):
        layer.reset_states()
    chained = layers.chain([a, b, c])(x)
    np.testing.assert_allclose(chained, step_by_step, rtol=1e-6, atol=1e-4)
    last = layers.chain([a, b], return_sequences=False)(x)
    assert last.shape == (2, 5)
    with pytest.raises(nf.InvalidArgumentError):
        layers.chain([])
    with pytest.raises(nf.InvalidArgumentError):
        layers.chain([a, "not a layer"])


def test_lif_softlif_activations_and_rate_stats():
    x = inputs(batch=2, time=300, units=4, scale=2.0) + 2.0
    layer = layers.SpikingActivation("lif_rate", tau_rc=0.02, tau_ref=0.002, rate_stats=True,
                                     seed=0)
    out = layer(x)
    stats = layer.rate_stats([50])
    assert stats.neurons == 4 and stats.mean > 0
    np.testing.assert_allclose(stats.rates, np.abs(out).mean(axis=(0, 1)), rtol=1e-4)
    soft = layers.SpikingActivation("softlif_rate", sigma=0.5, seed=0, amplitude=2.0)
    assert soft(x).shape == x.shape
    assert layer.backend in ("cpu", "cuda") and layer.units == 4


def test_layer_argument_errors():
    with pytest.raises(nf.InvalidArgumentError, match="activation must be one of"):
        layers.SpikingActivation(np.tanh)
    with pytest.raises(nf.InvalidArgumentError, match="not a parameter of relu"):
        layers.SpikingActivation("relu", tau_ref=0.1)
    layer = layers.Lowpass(0.01)
    with pytest.raises(nf.InvalidArgumentError, match="shape"):
        layer(np.zeros((4, 3)))
    layer(np.zeros((1, 2, 3)))
    with pytest.raises(nf.InvalidArgumentError, match="built for 3 units"):
        layer(np.zeros((1, 2, 4)))
    with pytest.raises(nf.InvalidArgumentError):
        layers.Alpha(0.0)(np.zeros((1, 2, 3)))     # alpha tau must be > 0
    with pytest.raises(nf.StateError):
        layers.Lowpass(0.01).get_state()           # not built
    layer.close()
    assert layer(np.zeros((1, 2, 5))).shape == (1, 2, 5)   # a new layer after close


def test_against_keras_spiking_itself():
    """With keras-spiking (and TensorFlow) installed, against the package itself.
    relu is bit for bit; TensorFlow's float32 sigmoid and tanh are Eigen's own
    approximations, an ulp or so from libm's, which can move a spike by one step."""
    ks = pytest.importorskip("keras_spiking")
    tf = pytest.importorskip("tensorflow")
    x = inputs(batch=4, time=300, units=8, scale=3.0)
    v0 = np.random.default_rng(2).uniform(size=(4, 8)).astype(np.float32)
    for activation, dt, scale in (("relu", 0.001, 1000.0), ("sigmoid", 0.05, 1.0),
                                  ("tanh", 0.05, 1.0)):
        xs = x * np.float32(scale)
        want = ks.SpikingActivation(activation, dt=dt, return_sequences=True)(
            xs, initial_state=[tf.constant(v0)]).numpy()
        got = layers.SpikingActivation(activation, dt=dt, seed=0)(xs, initial_state=v0)
        if activation == "relu":
            np.testing.assert_array_equal(got, want)
        else:
            moved = np.mean(got != want)
            assert moved < 2e-3, f"{activation}: {moved:.2%} of the outputs differ"
            np.testing.assert_allclose(got.sum(1), want.sum(1), atol=1 / dt + 1e-3)
    for keras_layer, ours in ((ks.Lowpass(0.01, return_sequences=True), layers.Lowpass(0.01)),
                              (ks.Alpha(0.01, return_sequences=True), layers.Alpha(0.01))):
        np.testing.assert_allclose(ours(x), keras_layer(x).numpy(), rtol=1e-4, atol=1e-5)
