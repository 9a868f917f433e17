"""neuron_freq_norm in numpy: per MLP neuron, the fraction of its activation
variance over the (a, b) grid that each frequency of Z_p explains.

A port of the Go analyzer (plugins/analyzers/neuron_freq_norm and
sdk/fourier); its outputs equal the Go one's to float32 round-off, which
`make test` checks on a real run. It exists to show, and to measure, a
Python analyzer doing the same work as a Go one.
"""

import numpy as np

from tdw.plugin import Analyzer, Result, serve_analyzer

# A grid whose variance is below this fraction of its energy is constant up
# to rounding (sdk/fourier's noiseFloor).
NOISE_FLOOR = 1e-24


def neuron_fractions(basis, post):
    """frac [n_freq, m]: the share of each column's variance over the p x p
    grid (post is [p*p, m], row a*p+b) in each frequency block
    {0, 2k-1, 2k}^2 without the (0, 0) cell; 0 for a constant column."""
    p = basis.shape[0]
    nf = (p - 1) // 2
    g = post.astype(np.float64).reshape(p, p, -1)
    m = g.shape[2]
    w = (basis @ g.reshape(p, p * m)).reshape(p, p, m)  # w[i, b, c] = sum_a F[i, a] g[a, b, c]
    sq = np.square(np.matmul(basis, w))  # C[i, j, c]^2, C = F g F^T per column
    c, s = 2 * np.arange(1, nf + 1) - 1, 2 * np.arange(1, nf + 1)
    energy = (sq[0, c] + sq[0, s] + sq[c, 0] + sq[s, 0]
              + sq[c, c] + sq[c, s] + sq[s, c] + sq[s, s])
    flat = g.reshape(p * p, m)
    total = np.square(flat - flat.mean(axis=0)).sum(axis=0)
    total[total <= NOISE_FLOOR * np.square(flat).sum(axis=0)] = 0
    frac = np.zeros_like(energy)
    np.divide(energy, total, out=frac, where=total > 0)
    return frac


class NeuronFreqNorm(Analyzer):
    name, version = "neuron_freq_norm_py", "0.1.0"

    def begin(self, run):
        self.basis = run.context["fourier_basis"]
        self.layers = run.model.n_layers
        self.threshold = float(run.settings["threshold"])
        if not 0 < self.threshold <= 1:
            raise ValueError(f"parameter 'threshold' is {self.threshold}, want a value in (0, 1]")

    def analyze(self, cp):
        p = self.basis.shape[0]
        fracs = []
        for layer in range(self.layers):
            hook = f"blocks.{layer}.mlp.hook_post"
            post = cp.hooks[hook]
            if post.ndim != 2 or post.shape[0] != p * p:
                raise ValueError(f"hook {hook} has shape {post.shape}, want (p² = {p * p}, d_mlp) at the last position")
            fracs.append(neuron_fractions(self.basis, post))
        frac = np.concatenate(fracs, axis=1)  # neurons layer-major
        nf = frac.shape[0]
        per_freq = (frac >= self.threshold).sum(axis=1).astype(np.int64)
        low_max, mid_max = nf // 3, 2 * nf // 3
        return Result(
            arrays={"norm_matrix": frac.astype(np.float32)},
            summary={
                "specialized_per_freq": per_freq,
                "specialized_count": int(per_freq.sum()),
                "low_count": int(per_freq[:low_max].sum()),
                "mid_count": int(per_freq[low_max:mid_max].sum()),
                "high_count": int(per_freq[mid_max:].sum()),
            })


if __name__ == "__main__":
    serve_analyzer(NeuronFreqNorm())
