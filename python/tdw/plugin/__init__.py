"""Writing a tdw analyzer in Python: numpy in, numpy out, over the same
protocol as tdw's Go plugins (docs/writing-a-python-analyzer.md).

    from tdw.plugin import Analyzer, Result, serve_analyzer

    class RowNorm(Analyzer):
        name, version = "row_norm", "0.1.0"
        def analyze(self, cp):
            h = cp.hooks["blocks.0.mlp.hook_post"]
            return Result(arrays={"norm": np.linalg.norm(h, axis=-1).astype(np.float32)})

    if __name__ == "__main__":
        serve_analyzer(RowNorm())

tdw.plugin.testing runs an analyzer in-process through the real protocol.
"""

from ._serve import serve_analyzer, serve_cross_epoch
from ._server import PROTOCOL_VERSION
from ._types import (CROSS_EPOCH, PER_CHECKPOINT, Analyzer, Checkpoint, CrossEpochAnalyzer, EvalResult, GradResult,
                     Host, ModelConfig, Result, Run, Stacked)

__all__ = ["serve_analyzer", "serve_cross_epoch", "Analyzer", "CrossEpochAnalyzer", "Run", "Checkpoint", "Result",
           "Stacked", "Host", "EvalResult", "GradResult", "ModelConfig", "PER_CHECKPOINT", "CROSS_EPOCH", "PROTOCOL_VERSION"]
