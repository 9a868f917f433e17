"""The notebook API over a tdw results tree (docs/formats/results-tree.md).

    import tdw
    fam = tdw.load_family("modulo_addition_1layer")        # results/ or $TDW_RESULTS
    v = fam.get_variant(prime=113, seed=999, data_seed=598, train_fraction=0.5)
    v.train_losses, v.checkpoint_epochs
    w = v.load_checkpoint(600)                              # {name: ndarray}
    nm = v.artifacts.load("neuron_freq_norm", "norm_matrix")
    it = v.artifacts(probe="train").load("input_trace")     # the analyses over another probe
    tokens, labels = v.probe("train")                       # a probe's rows, hash-checked
    cache = v.run_with_cache(600, v.make_probe([[3, 5]]), hooks="blocks.*.mlp.hook_post")

Everything is read from the files on each access, so a notebook sees a run
that is still going.
"""

import json
import os

import numpy as np

from . import probes as _probes
from .artifacts import Artifacts
from .forward import find_host, run_forward
from .safetensors import load_safetensors


class NotFound(LookupError):
    """A family, variant or checkpoint that is not in the results tree; the
    message says what is."""


class Results:
    """A results tree: ``path``, else $TDW_RESULTS, else ./results."""

    def __init__(self, path=None):
        self.path = os.path.abspath(str(path or os.environ.get("TDW_RESULTS") or "results"))
        if not os.path.isdir(self.path):
            raise NotFound(f"results folder {self.path} does not exist (pass a path or set TDW_RESULTS)")

    def families(self):
        """Names of the families with a folder here, sorted."""
        return sorted(e.name for e in os.scandir(self.path) if e.is_dir() and not e.name.startswith("."))

    def family(self, name):
        """The Family ``name``; NotFound lists the families there are."""
        d = os.path.join(self.path, name)
        if name.startswith(".") or os.sep in name or not os.path.isdir(d):
            raise NotFound(f"no family {name!r} in {self.path} (have {self.families()})")
        return Family(self, name)

    def __repr__(self):
        return f"Results({self.path!r})"


def open_results(path=None):
    """The results tree at ``path`` (default: $TDW_RESULTS, else ./results)."""
    return Results(path)


def load_family(name, results=None):
    """The family ``name`` of the results tree ``results`` (a path or Results)."""
    r = results if isinstance(results, Results) else Results(results)
    return r.family(name)


class Family:
    """One family's folder of variants."""

    def __init__(self, results, name):
        self.results, self.name = results, name
        self.dir = os.path.join(results.path, name)

    def variants(self):
        """Every variant (a folder holding metadata.json), sorted by name."""
        out = []
        for e in sorted(os.scandir(self.dir), key=lambda e: e.name):
            if e.is_dir() and not e.name.startswith(".") and os.path.exists(os.path.join(e.path, "metadata.json")):
                out.append(Variant(self, e.name))
        return out

    list_variants = variants

    def variant(self, name):
        """The variant whose folder is ``name``."""
        if os.sep in name or name.startswith(".") or not os.path.exists(os.path.join(self.dir, name, "metadata.json")):
            raise NotFound(f"no variant {name!r} in family {self.name} (have {[v.name for v in self.variants()]})")
        return Variant(self, name)

    def get_variant(self, **params):
        """The one variant whose parameters include ``params``
        (e.g. ``prime=113, seed=999``). NotFound when none or several match,
        listing the candidates."""
        match = [v for v in self.variants() if all(_same(v.params.get(k), want) for k, want in params.items())]
        if len(match) == 1:
            return match[0]
        if not match:
            raise NotFound(f"family {self.name}: no variant with {params} (have {[v.params for v in self.variants()]})")
        raise NotFound(f"family {self.name}: {len(match)} variants match {params}: {[v.name for v in match]}; give more parameters")

    def __repr__(self):
        return f"Family({self.name!r}, {len(self.variants())} variants)"


def _same(have, want):
    if isinstance(want, float) or isinstance(have, float):
        return have is not None and not isinstance(have, (str, bool)) and float(have) == float(want)
    return have == want


class Variant:
    """One trained (or training) variant: its metadata, checkpoints,
    artifacts and the engine's activations."""

    def __init__(self, family, name):
        self.family, self.name = family, name
        self.dir = os.path.join(family.dir, name)

    @property
    def metadata(self):
        """metadata.json as a dict (re-read on each access)."""
        with open(os.path.join(self.dir, "metadata.json")) as f:
            return json.load(f)

    @property
    def params(self):
        """The variant's domain parameters."""
        return self.metadata.get("params", {})

    @property
    def config(self):
        """config.json: the model's TransformerLens HookedTransformerConfig keys."""
        with open(os.path.join(self.dir, "config.json")) as f:
            return json.load(f)

    model_config = config

    @property
    def train_losses(self):
        """float64 array: entry e is the training loss of the weights at epoch e."""
        return np.asarray(self.metadata.get("train_losses", []), dtype=np.float64)

    @property
    def test_losses(self):
        """float64 array: entry e is the test loss of the weights at epoch e."""
        return np.asarray(self.metadata.get("test_losses", []), dtype=np.float64)

    @property
    def test_accuracies(self):
        """float64 array: entry e is the test accuracy at epoch e (empty for an imported variant)."""
        return np.asarray(self.metadata.get("test_accuracies", []), dtype=np.float64)

    @property
    def checkpoint_epochs(self):
        """The epochs with a checkpoint, ascending."""
        return list(self.metadata.get("checkpoint_epochs", []))

    def checkpoint_path(self, epoch):
        """The checkpoint file of ``epoch``; NotFound names the epochs there are."""
        p = os.path.join(self.dir, "checkpoints", "checkpoint_epoch_%05d.safetensors" % int(epoch))
        if not os.path.exists(p):
            raise NotFound(f"variant {self.name} has no checkpoint at epoch {epoch} (has {self.checkpoint_epochs})")
        return p

    def load_checkpoint(self, epoch, with_metadata=False):
        """{TransformerLens name: float32 ndarray} of the checkpoint of
        ``epoch`` (read-only views; ``.copy()`` to modify), and its
        safetensors metadata too when ``with_metadata``."""
        weights, meta = load_safetensors(self.checkpoint_path(epoch))
        return (weights, meta) if with_metadata else weights

    def state_dict(self, epoch):
        """The checkpoint as a torch state dict, which TransformerLens'
        ``HookedTransformer(HookedTransformerConfig(**v.config)).load_state_dict(sd, strict=False)``
        takes (the model builds the attention mask buffers itself). Needs torch."""
        try:
            import torch
        except ImportError:
            raise ImportError("state_dict needs torch (pip install torch, or apt-get install python3-torch); "
                              "load_checkpoint gives numpy arrays without it") from None
        return {k: torch.from_numpy(np.array(v)) for k, v in self.load_checkpoint(epoch).items()}

    @property
    def artifacts(self):
        """The Artifacts of this variant's analyses over its default probe
        (analysis/). Called, ``v.artifacts(probe="train")`` gives those over
        another probe the variant holds (analysis/probes/train/)."""
        return self._artifacts(None)

    def _artifacts(self, probe):
        hashes = {c["epoch"]: c.get("sha256", "") for c in self.metadata.get("checkpoints", [])}
        try:
            d = _probes.analysis_dir(self.dir, probe)
        except LookupError as e:
            raise NotFound(str(e)) from None
        ix = _probes.read_index(self.dir)
        name = probe or ix.get("default") or None
        rec = ix["probes"].get(name) if name else None
        return Artifacts(d, hashes, probe=name, probe_sha256=rec["sha256"] if rec else None,
                         default=d == os.path.join(self.dir, "analysis"), select=self._artifacts)

    @property
    def probes(self):
        """{name: record} of the probes the variant holds (probes/probes.json;
        {} before any is recorded)."""
        return _probes.read_index(self.dir)["probes"]

    @property
    def default_probe(self):
        """The name of the probe whose analyses are in analysis/ itself ("" when
        the variant has recorded no probes yet)."""
        return _probes.read_index(self.dir).get("default", "")

    def probe(self, name):
        """(tokens, labels) of probe ``name``: int64 arrays [rows, n_ctx] and
        [rows] (labels None for a probe added without), each file checked
        against the sha256 probes.json records (ProbeError otherwise)."""
        try:
            return _probes.load(self.dir, name)
        except LookupError as e:
            raise NotFound(str(e)) from None

    def artifact_status(self, analyzers_dir=None):
        """Per analyzer, which checkpoints have up-to-date artifacts (see
        Artifacts.status). ``analyzers_dir`` (default $TDW_ANALYZERS, else
        ./analyzers) supplies the installed analyzers' versions when it exists."""
        installed = {}
        d = analyzers_dir or os.environ.get("TDW_ANALYZERS") or "analyzers"
        if os.path.isdir(d):
            for e in os.scandir(d):
                f = os.path.join(e.path, "analyzer.json")
                if os.path.exists(f):
                    with open(f) as fh:
                        installed[e.name] = json.load(fh)
        return self.artifacts.status(self.checkpoint_epochs, installed)

    def make_probe(self, pairs):
        """Token rows [a, b, =] for the modular-addition family (= is token p)."""
        p = self.params.get("prime")
        if p is None:
            raise ValueError(f"variant {self.name} has no 'prime' parameter: make_probe is for modular addition")
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if pairs.min(initial=0) < 0 or pairs.max(initial=0) >= p:
            raise ValueError(f"pairs must lie in [0, {p})")
        return np.concatenate([pairs, np.full((len(pairs), 1), p, dtype=np.int64)], axis=1)

    def run_with_cache(self, epoch, tokens, hooks=None, positions="all", host=None, batch=0):
        """Runs tdw's engine on the checkpoint of ``epoch`` over ``tokens``
        ([batch, pos] integers) and returns {name: ndarray}: "logits" and the
        hooks matching ``hooks`` (a glob or list of globs; None: every hook) by
        TransformerLens name. ``host`` is the tdw-host binary (see find_host)."""
        exe = find_host(host, self.family.results.path)
        return run_forward(exe, self.checkpoint_path(epoch), os.path.join(self.dir, "config.json"),
                           tokens, hooks=hooks, positions=positions, batch=batch)

    def __repr__(self):
        return f"Variant({self.family.name}/{self.name})"
