"""The Python analyzers shipped in analyzers/, through the harness, on inputs
with known answers. (make test also runs them through tdw-host on a real
variant and compares neuron_freq_norm_py with the Go neuron_freq_norm.)"""

import importlib.util
import os
import unittest

import numpy as np

from tdw.plugin import EvalResult, ModelConfig
from tdw.plugin.testing import AnalyzerHarness, PluginError

# The repository's analyzers/ (TDW_REPO_ANALYZERS when the tests run from a copy).
ROOT = os.environ.get("TDW_REPO_ANALYZERS") or os.path.join(os.path.dirname(__file__), "..", "..", "analyzers")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, name, "analyzer.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def basis(p):
    """The Fourier basis of sdk/fourier: const, cos1, sin1, cos2, ... with unit rows."""
    x = np.arange(p)
    rows = [np.full(p, 1 / np.sqrt(p))]
    for k in range(1, (p - 1) // 2 + 1):
        th = 2 * np.pi * (k * x % p) / p
        rows += [np.sqrt(2 / p) * np.cos(th), np.sqrt(2 / p) * np.sin(th)]
    return np.array(rows)


class NeuronFreqNormTest(unittest.TestCase):
    def test_known_fractions(self):
        # The cases of the Go analyzer's TestKnownFractions.
        p = 23
        a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
        w = lambda k, x: 2 * np.pi * (k * x % p) / p
        rng = np.random.default_rng(21)
        cols = [
            2 + np.cos(w(2, a + b)),                       # pure k=2: low
            np.sin(w(5, a)) + np.cos(w(5, b)),             # pure k=5: mid
            np.cos(w(9, a)) * np.sin(w(9, b)),             # pure k=9: high
            np.cos(w(1, a)) + np.cos(w(10, b)),            # half 1, half 10
            np.zeros((p, p)),                              # dead
            rng.standard_normal((p, p)),                   # noise
            np.maximum(np.cos(w(4, a)) + np.cos(w(4, b)), 0),  # ReLU'd k=4
        ]
        post = np.stack([c.reshape(-1) for c in cols], axis=1).astype(np.float32)
        with AnalyzerHarness(load("neuron_freq_norm_py").NeuronFreqNorm()) as h:
            h.begin(settings={"threshold": 0.9}, model=ModelConfig(n_layers=1), context={"fourier_basis": basis(p)})
            res = h.analyze(7, hooks={"blocks.0.mlp.hook_post": post})
        nm = res.arrays["norm_matrix"]
        self.assertEqual((nm.shape, nm.dtype), ((11, 7), np.float32))
        want = {0: {2: 1}, 1: {5: 1}, 2: {9: 1}, 3: {1: 0.5, 10: 0.5}, 4: {}}
        for n, ws in want.items():
            for k in range(1, 12):
                self.assertAlmostEqual(float(nm[k - 1, n]), ws.get(k, 0.0), delta=1e-5, msg=f"neuron {n}, k={k}")
        self.assertLess(nm[:, 5].sum(), 0.4)
        self.assertTrue(0.9 <= nm[3, 6] <= 0.99, nm[3, 6])
        s = res.summary
        self.assertEqual(list(s["specialized_per_freq"]), [0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0])
        self.assertEqual([int(s[k]) for k in ("specialized_count", "low_count", "mid_count", "high_count")], [4, 1, 2, 1])
        self.assertEqual(s["low_count"].shape, ())

    def test_bad_hook(self):
        with AnalyzerHarness(load("neuron_freq_norm_py").NeuronFreqNorm()) as h:
            h.begin(settings={"threshold": 0.9}, model=ModelConfig(n_layers=1), context={"fourier_basis": basis(5)})
            with self.assertRaises(PluginError) as c:
                h.analyze(40, hooks={"blocks.0.mlp.hook_post": np.zeros((24, 3), np.float32)})
            self.assertIn("blocks.0.mlp.hook_post has shape (24, 3)", c.exception.message)


class EmbeddingHost:
    """Loss = how much of the frequency-3 component of W_E's residue rows is
    missing: a host whose answer the test can predict."""

    def __init__(self, we, f):
        self.we, self.f = we, f

    def evaluate(self, replace=None, split="all", return_logits=False):
        we = replace.get("embed.W_E", self.we) if replace else self.we
        p = self.f.shape[1]
        kept = np.linalg.norm(self.f[[5, 6]] @ we[:p].astype(np.float64))
        full = np.linalg.norm(self.f[[5, 6]] @ self.we[:p].astype(np.float64))
        return EvalResult(loss=1.0 + (full - kept), accuracy=0.25 if split == "test" else 0.0)


class FrequencyAblationTest(unittest.TestCase):
    def test_finds_the_key_frequency(self):
        p, d = 11, 6
        f = basis(p)
        rng = np.random.default_rng(3)
        we = np.zeros((p + 1, d), np.float32)
        we[:p] = (f[[5, 6]].T @ rng.standard_normal((2, d)) * 3 + 0.01 * rng.standard_normal((p, d))).astype(np.float32)
        host = EmbeddingHost(we, f)
        with AnalyzerHarness(load("frequency_ablation").FrequencyAblation(), host=host) as h:
            h.begin(settings={"split": "test", "threshold": 0.5}, context={"fourier_basis": f})
            res = h.analyze(100, weights={"embed.W_E": we})
        rise = res.arrays["loss_increase"]
        self.assertEqual(rise.shape, (5,))
        self.assertGreater(rise[2], 1.0)
        self.assertTrue(np.all(np.abs(np.delete(rise, 2)) < 1e-5), rise)
        self.assertEqual(int(res.summary["top_freq"]), 3)
        self.assertEqual(int(res.summary["key_freq_count"]), 1)
        self.assertEqual(float(res.summary["base_loss"]), 1.0)
        np.testing.assert_array_equal(res.arrays["accuracy"], np.full(5, 0.25))

    def test_needs_the_host(self):
        with AnalyzerHarness(load("frequency_ablation").FrequencyAblation()) as h:
            with self.assertRaises(PluginError) as c:
                h.begin(settings={"split": "test", "threshold": 0.5}, context={"fourier_basis": basis(5)})
            self.assertIn("no Evaluate callback", c.exception.message)


if __name__ == "__main__":
    unittest.main()
