"""frequency_ablation: how much the model needs each frequency of its token
embedding, measured causally.

For each frequency k, the cos(2πk·x/p) and sin(2πk·x/p) directions are
projected out of the residue rows of W_E (over the token axis, so every
embedding dimension loses its frequency-k component), and the host evaluates
the model with that embedding: the rise in loss is what frequency k carries.
A grokked model relies on a handful of key frequencies (Nanda et al. 2023)
and ablating any one of them hurts; before grokking, or in a memorizing
model, no single frequency matters much. dominant_frequencies reads the same
embedding by norm; this analyzer asks the model instead, through the host's
Evaluate callback (tdw's engine, not a copy of the model in Python).
"""

import numpy as np

from tdw.plugin import Analyzer, Result, serve_analyzer


class FrequencyAblation(Analyzer):
    name, version = "frequency_ablation", "0.1.0"

    def begin(self, run):
        if run.host is None:
            raise RuntimeError("the host offers no Evaluate callback: this analyzer needs tdw-host analyze")
        self.host = run.host
        self.basis = run.context["fourier_basis"]
        self.split = run.settings["split"]
        self.threshold = float(run.settings["threshold"])

    def analyze(self, cp):
        we = cp.weights["embed.W_E"]
        p = self.basis.shape[0]
        if we.ndim != 2 or we.shape[0] < p:
            raise ValueError(f"embed.W_E has shape {we.shape}, want (d_vocab >= p = {p}, d_model)")
        base = self.host.evaluate(split=self.split)
        nf = (p - 1) // 2
        rise, acc = np.zeros(nf), np.zeros(nf)
        emb = we[:p].astype(np.float64)
        for k in range(1, nf + 1):
            f = self.basis[[2 * k - 1, 2 * k]]  # orthonormal rows: cos k, sin k
            ablated = np.array(we, dtype=np.float32)
            ablated[:p] = (emb - f.T @ (f @ emb)).astype(np.float32)
            r = self.host.evaluate(replace={"embed.W_E": ablated}, split=self.split)
            rise[k - 1], acc[k - 1] = r.loss - base.loss, r.accuracy
        return Result(
            arrays={"loss_increase": rise, "accuracy": acc},
            summary={
                "base_loss": base.loss,
                "base_accuracy": base.accuracy,
                "top_freq": int(np.argmax(rise)) + 1,
                "key_freq_count": int((rise >= self.threshold).sum()),
            })


if __name__ == "__main__":
    serve_analyzer(FrequencyAblation())
