"""A variant's analysis artifacts, read as tdw's own loader reads them.

Only what ``analysis/manifest.json`` records as complete counts (a file a
killed run left behind is not trusted); see docs/formats/analysis.md.
"""

import json
import os

import numpy as np

MANIFEST_FORMAT = 3


class ArtifactError(LookupError):
    """An artifact that is not there; the message names the analyzer and what exists."""


class Stacked:
    """An analyzer's arrays over epochs: ``epochs`` (int64, one per row) and
    ``arrays`` ({name: ndarray with a leading epoch axis}). ``s["name"]`` is
    ``s.arrays["name"]``."""

    def __init__(self, epochs, arrays):
        self.epochs = np.asarray(epochs, dtype=np.int64)
        self.arrays = arrays

    def __getitem__(self, name):
        return self.arrays[name]

    def __contains__(self, name):
        return name in self.arrays

    def keys(self):
        return self.arrays.keys()

    def __repr__(self):
        fields = ", ".join(f"{k}{tuple(v.shape)}" for k, v in sorted(self.arrays.items()))
        return f"Stacked({len(self.epochs)} epochs: {fields})"


class Artifacts:
    """The artifacts under one variant's ``analysis/`` folder (or, for
    another probe than the default, ``analysis/probes/NAME/``). Called with
    ``probe=NAME`` it gives that probe's (when made by Variant.artifacts)."""

    def __init__(self, analysis_dir, checkpoint_hashes=None, probe=None, probe_sha256=None, default=True, select=None):
        self.dir = str(analysis_dir)
        # epoch -> sha256 of the checkpoint file, from metadata.json, for status().
        self._hashes = checkpoint_hashes or {}
        # The probe the folder's analyses are over and the sha256 probes.json
        # records for it: analyses over other content are stale in status().
        self.probe, self._probe_sha, self._default = probe, probe_sha256, default
        self._select = select

    def __call__(self, probe=None):
        """The Artifacts of the analyses over ``probe`` (None: the default)."""
        if self._select is None:
            raise TypeError("these Artifacts were not made by Variant.artifacts: open another probe's folder directly")
        return self._select(probe)

    def _probe_current(self, manifest):
        """Whether the manifest's records were computed over the probe content
        probes.json records now (a manifest from before probes were recorded
        is over the default probe)."""
        mp = manifest.get("probe")
        if self._probe_sha is None:
            return True
        if mp is None:
            return self._default
        return mp.get("sha256") == self._probe_sha and mp.get("name") == self.probe

    @property
    def manifest(self):
        """The parsed manifest.json ({} when no analysis has run). A newer
        format than this package reads raises ValueError."""
        path = os.path.join(self.dir, "manifest.json")
        try:
            with open(path) as f:
                m = json.load(f)
        except FileNotFoundError:
            return {}
        if m.get("format_version", 0) > MANIFEST_FORMAT:
            raise ValueError(f"{path}: format_version {m['format_version']} is newer than this package reads "
                             f"({MANIFEST_FORMAT}); update tdw")
        return m

    def _record(self, name):
        recs = self.manifest.get("analyzers") or {}
        if name not in recs:
            raise ArtifactError(f"{self.dir}: no artifacts of analyzer {name!r} (have {sorted(recs)})")
        return recs[name]

    def available(self):
        """Analyzers with at least one completed artifact, sorted."""
        recs = self.manifest.get("analyzers") or {}
        return sorted(n for n, r in recs.items() if r.get("epochs") or r.get("cross_epoch"))

    def epochs(self, name):
        """The epochs analyzer ``name`` has completed artifacts for, ascending."""
        return sorted(int(e) for e in (self._record(name).get("epochs") or {}))

    def load_epoch(self, name, epoch, fields=None):
        """{array: ndarray} of analyzer ``name`` at one epoch; only ``fields``
        (a name or a list of names) when given."""
        rec = (self._record(name).get("epochs") or {}).get(str(int(epoch)))
        if rec is None:
            raise ArtifactError(f"analyzer {name} has no artifact for epoch {epoch} (has {self.epochs(name)})")
        return _read(os.path.join(self.dir, rec["file"]), fields)

    def load(self, name, fields=None):
        """Analyzer ``name``'s arrays stacked over every completed epoch
        (leading axis = epoch), restricted to ``fields`` when given."""
        eps = self.epochs(name)
        if not eps:
            raise ArtifactError(f"analyzer {name} has no per-epoch artifacts")
        per = [self.load_epoch(name, e, fields) for e in eps]
        arrays = {}
        for k in sorted(per[0]):
            rows = []
            for e, d in zip(eps, per):
                if k not in d:
                    raise ArtifactError(f"analyzer {name}: array {k!r} missing at epoch {e}")
                if d[k].shape != per[0][k].shape:
                    raise ValueError(f"analyzer {name}: array {k!r} is {d[k].shape} at epoch {e} "
                                     f"but {per[0][k].shape} at epoch {eps[0]}")
                rows.append(d[k])
            arrays[k] = np.stack(rows)
        return Stacked(eps, arrays)

    def summary(self, name, fields=None):
        """Analyzer ``name``'s per-epoch statistics from summary.npz."""
        path = os.path.join(self.dir, name, "summary.npz")
        if not os.path.exists(path):
            raise ArtifactError(f"analyzer {name} has no summary ({path} does not exist)")
        d = _read(path, None)
        epochs = d.pop("epochs")
        if fields is not None:
            d = {k: d[k] for k in _names(fields)}
        return Stacked(epochs, d)

    def cross_epoch(self, name, fields=None):
        """{array: ndarray} of cross-epoch analyzer ``name``."""
        rec = self._record(name).get("cross_epoch")
        if rec is None:
            raise ArtifactError(f"analyzer {name} has no cross-epoch artifact")
        return _read(os.path.join(self.dir, rec["file"]), fields)

    def status(self, checkpoint_epochs, installed=None):
        """What exists and what is stale, without running anything.

        ``checkpoint_epochs`` are the variant's checkpoints; ``installed`` maps
        analyzer names to their analyzer.json (dicts), when known. Returns
        {analyzer: {"kind", "done", "missing", "stale", "failed"}} (for a
        cross-epoch analyzer "cross" is "done", "missing" or "stale"), with
        "not_applicable", the reason, for one the last run skipped (the
        model lacks a site it requires, the probe a context entry). An
        epoch is stale when its record was computed from another checkpoint
        file (sha256), by another version or kind of the analyzer than the
        installed one, or over another content of the probe than the one
        probes.json records; settings are not judged here (``tdw-host
        artifacts`` judges them).
        """
        man = self.manifest
        recs = man.get("analyzers") or {}
        probe_ok = self._probe_current(man)
        names = sorted(set(recs) | set(installed or {}))
        out = {}
        for n in names:
            rec, inst = recs.get(n), (installed or {}).get(n)
            kind = (inst or rec or {}).get("kind", "per-checkpoint")
            current = rec is not None and probe_ok and (inst is None or (rec.get("version") == inst.get("version")
                                                                         and rec.get("kind") == inst.get("kind")))
            st = {"kind": kind, "done": [], "missing": [], "stale": [], "failed": {}}
            if rec and rec.get("not_applicable"):
                st["not_applicable"] = rec["not_applicable"]
            if rec:
                st["failed"] = {int(e): msg for e, msg in (rec.get("errors") or {}).items()}
            if kind == "cross-epoch":
                cross = (rec or {}).get("cross_epoch")
                if not cross or not os.path.exists(os.path.join(self.dir, cross["file"])):
                    st["cross"] = "missing"
                else:
                    st["cross"] = "done" if current else "stale"
                out[n] = st
                continue
            for e in checkpoint_epochs:
                er = ((rec or {}).get("epochs") or {}).get(str(e))
                if er is None or not os.path.exists(os.path.join(self.dir, er["file"])):
                    st["missing"].append(e)
                elif current and er.get("checkpoint_sha256") == self._hashes.get(e):
                    st["done"].append(e)
                else:
                    st["stale"].append(e)
            out[n] = st
        return out


def _names(fields):
    return [fields] if isinstance(fields, str) else list(fields)


def _read(path, fields):
    """Reads the arrays of an .npz into memory (all, or ``fields``)."""
    with np.load(path, allow_pickle=False) as z:
        names = z.files if fields is None else _names(fields)
        out = {}
        for k in names:
            if k not in z.files:
                raise ArtifactError(f"{path}: no array {k!r} (has {sorted(z.files)})")
            out[k] = z[k]
        return out
