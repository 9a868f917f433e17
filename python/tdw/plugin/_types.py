"""The plain types an analyzer sees (the Python side of package sdk)."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

from tdw.artifacts import Stacked  # noqa: F401  (re-exported: cross-epoch inputs)

PER_CHECKPOINT = "per-checkpoint"
CROSS_EPOCH = "cross-epoch"


@dataclass
class ModelConfig:
    """The model's TransformerLens HookedTransformerConfig keys."""
    n_layers: int = 0
    d_model: int = 0
    n_heads: int = 0
    d_head: int = 0
    d_mlp: int = 0
    d_vocab: int = 0
    d_vocab_out: int = 0
    n_ctx: int = 0
    act_fn: str = ""
    normalization_type: str = ""
    attn_only: bool = False
    initializer_range: float = 0.0
    seed: int = 0
    # "" or "transformer", or "mlp" (one hidden layer on the token pair).
    architecture: str = ""
    # An MLP's input layer: "one_hot_concat" or "embedding_sum".
    input_encoding: str = ""
    d_embed: int = 0


@dataclass
class Run:
    """One analysis run as Begin (or AnalyzeAcross) receives it.

    params: the variant's domain parameters; settings: the analyzer's
    parameters (analyzer.json defaults overridden by ``--set``); integers
    arrive as int, numbers as float. probe: the name of the probe the run's
    checkpoints are run on (its rows are the batch axis of every
    activation). context: the family's analysis-context tensors the analyzer
    declared (writable copies, kept for the run). host: the host's callbacks
    (None when the host offers none).
    """
    family: str = ""
    variant: str = ""
    probe: str = ""
    params: Dict[str, Any] = field(default_factory=dict)
    settings: Dict[str, Any] = field(default_factory=dict)
    model: ModelConfig = field(default_factory=ModelConfig)
    epochs: List[int] = field(default_factory=list)
    context: Dict[str, np.ndarray] = field(default_factory=dict)
    host: Optional["Host"] = None


@dataclass
class Checkpoint:
    """One checkpoint's declared inputs. The arrays are read-only and valid
    until analyze returns (the host reuses shared memory): copy what you keep."""
    epoch: int = 0
    hooks: Dict[str, np.ndarray] = field(default_factory=dict)
    weights: Dict[str, np.ndarray] = field(default_factory=dict)
    logits: Optional[np.ndarray] = None


@dataclass
class Result:
    """What analyze returns: ``arrays`` (the epoch's npz) and ``summary``
    (small per-epoch statistics, stacked into summary.npz). Values are
    ndarrays of float32/64/16, int64/32, uint8 or bool, or Python scalars
    (float -> float64, int -> int64). They must match analyzer.json's outputs
    and summary (name, dtype, shape); the host checks."""
    arrays: Dict[str, Any] = field(default_factory=dict)
    summary: Dict[str, Any] = field(default_factory=dict)


@dataclass
class EvalResult:
    """The outcome of Host.evaluate."""
    loss: float
    accuracy: float
    logits: Optional[np.ndarray] = None


@dataclass
class GradResult:
    """The outcome of Host.gradient: the mean cross-entropy on the split and
    {state-dict name: d(loss)/dW}, float32 arrays shaped like the weights."""
    loss: float
    grads: Dict[str, np.ndarray] = field(default_factory=dict)


class Host:
    """The host's callbacks during a run (``run.host``): the model of the
    current checkpoint, run by tdw's engine."""

    def evaluate(self, replace=None, split="all", return_logits=False):
        """Loss and accuracy over the family's probe on ``split`` ("all",
        "train" or "test") with the weights in ``replace`` ({state-dict name:
        ndarray}) replaced. Returns an EvalResult."""
        raise NotImplementedError

    def forward(self, hooks, positions="all"):
        """{hook name: ndarray} of the current checkpoint over the probe
        ("logits" for the logits) at ``positions`` ("all" or "last")."""
        raise NotImplementedError

    def gradient(self, names=None, split="all"):
        """The gradient of the mean cross-entropy on ``split`` with respect to
        the weights named in ``names`` (state-dict names; all when None or
        empty), by the engine's backward pass with no optimizer step.
        Returns a GradResult."""
        raise NotImplementedError


class Analyzer:
    """Base of a per-checkpoint analyzer: set ``name`` and ``version`` (as in
    analyzer.json) and override analyze; begin and end are optional. Methods
    are never called concurrently."""
    name = ""
    version = ""
    kind = PER_CHECKPOINT

    def begin(self, run):
        """Called once per run, before any checkpoint."""

    def analyze(self, checkpoint):
        """Returns a Result (or a dict of arrays, meaning Result(arrays=dict))."""
        raise NotImplementedError

    def end(self):
        """Called once after the run's last checkpoint."""


class CrossEpochAnalyzer:
    """Base of a cross-epoch analyzer: override analyze_across(run, inputs),
    where inputs maps each declared artifact ("name" or "name/summary") to a
    Stacked (epochs, arrays with a leading epoch axis); it returns a dict of
    arrays (cross_epoch.npz)."""
    name = ""
    version = ""
    kind = CROSS_EPOCH

    def analyze_across(self, run, inputs):
        raise NotImplementedError
