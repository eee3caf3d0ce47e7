"""A 100-neuron LIF ensemble against nengo's rate formula.

100 nengo LIF neurons (tau_rc 20 ms, tau_ref 2 ms) with nengo-style tuning (max
rates uniform in [200, 400] Hz, intercepts uniform in [-1, 1], encoders +-1) are
driven by 41 constant inputs x in [-1, 1] at once, one per batch element, for 2 s.
Each neuron's spike rate is compared with nengo's LIFRate
r(J) = 1 / (tau_ref + tau_rc log1p(1 / (J - 1))), J = gain e x + bias; with nengo
installed, with nengo.LIFRate().rates itself.

Usage: python lif_ensemble.py
"""
import numpy as np

import neurofuse as nf

TAU_RC, TAU_REF, DT, SECONDS = 0.02, 0.002, 0.001, 2.0


def lif_rate(J):
    out = np.zeros_like(J)
    j = J - 1
    out[j > 0] = 1 / (TAU_REF + TAU_RC * np.log1p(1 / j[j > 0]))
    return out


def main():
    rng = np.random.default_rng(0)
    n, xs = 100, np.linspace(-1, 1, 41)
    max_rates = rng.uniform(200, 400, n)
    intercepts = rng.uniform(-1, 1, n)
    encoders = rng.choice([-1.0, 1.0], n)
    # nengo's LIFRate.gain_bias: J(intercept) = 1, J(1) = the current giving max_rate
    j_max = 1 / (1 - np.exp((TAU_REF - 1 / max_rates) / TAU_RC))
    gain = (j_max - 1) / (1 - intercepts)
    bias = 1 - gain * intercepts

    with nf.Network(dt=DT, batch=xs.size, seed=1) as net:
        pop = net.add_population("lif", n, tau_rc=TAU_RC, tau_ref=TAU_REF, gains=gain,
                                 biases=bias)
        x = net.add_input(n)
        x.set((xs[:, None] * encoders[None, :])[None])      # (1 step, batch, n): held
        net.connect(x, pop, kind="identity")
        v0 = pop.get_state("voltage")                        # drawn from the seed
        spikes = net.probe(pop, "output")
        net.run(int(SECONDS / DT))
        rates = spikes.read().mean(axis=0)                   # (batch, n), Hz

    J = gain[None, :] * (xs[:, None] * encoders[None, :]) + bias[None, :]
    want = lif_rate(J)
    try:
        import nengo
        want = nengo.LIFRate(tau_rc=TAU_RC, tau_ref=TAU_REF).rates(
            xs[:, None] * encoders[None, :], gain, bias)
        source = f"nengo {nengo.__version__} LIFRate.rates"
    except ImportError:
        source = "nengo's LIFRate formula (nengo not installed)"
    err = np.abs(rates - want)
    print(f"{n} LIF neurons x {xs.size} inputs, {SECONDS} s at dt {DT} s, against {source}")
    print(f"spike rates vs rate formula: max |difference| {err.max():.2f} Hz "
          f"(one spike in {SECONDS} s is {1 / SECONDS:.1f} Hz), mean {err.mean():.3f} Hz")
    assert err.max() <= 2.0 / SECONDS + 1e-6, "spike rates differ from the rate formula"
    if source.startswith("nengo "):
        # nengo's own LIF simulation (float64) from the same initial voltages
        lif = nengo.LIF(tau_rc=TAU_RC, tau_ref=TAU_REF)
        out, v, ref = np.zeros_like(J), v0.astype(np.float64), np.zeros_like(J)
        counts = np.zeros_like(J)
        for _ in range(int(SECONDS / DT)):
            lif.step(DT, J, out, v, ref)
            counts += out * DT
        diff = np.abs(counts - rates * SECONDS)
        print(f"spike counts vs nengo.LIF's simulation: {int((diff == 0).sum())} of {diff.size} "
              f"equal, max |difference| {diff.max():.0f} spike(s)")


if __name__ == "__main__":
    main()
