"""A variant's probes: probes/probes.json and one folder of .npy files per
probe (docs/formats/probes.md), read as tdw reads them: a file whose sha256
is not the one recorded is refused, never used."""

import hashlib
import json
import os
import re

import numpy as np

PROBES_FORMAT = 1
_NAME = re.compile(r"^[a-z0-9_]{1,100}$")


class ProbeError(ValueError):
    """A probe file that does not match what probes.json records, or a
    probes.json this package cannot read; the message names the file."""


def read_index(variant_dir):
    """probes/probes.json as a dict ({"default": "", "probes": {}} when the
    variant has recorded none yet)."""
    path = os.path.join(variant_dir, "probes", "probes.json")
    try:
        with open(path) as f:
            ix = json.load(f)
    except FileNotFoundError:
        return {"format_version": 0, "default": "", "probes": {}}
    if ix.get("format_version", 0) > PROBES_FORMAT:
        raise ProbeError(f"{path}: format_version {ix['format_version']} is newer than this package reads "
                         f"({PROBES_FORMAT}); update tdw")
    ix.setdefault("probes", {})
    return ix


def analysis_dir(variant_dir, name=None):
    """The analysis folder of the analyses over probe ``name`` (None or the
    default probe: analysis/ itself, else analysis/probes/NAME). A probe the
    variant does not hold raises LookupError naming those it has."""
    base = os.path.join(variant_dir, "analysis")
    ix = read_index(variant_dir)
    if name is None or name == "" or name == ix.get("default"):
        return base
    if not _NAME.match(name):
        raise ValueError(f"probe {name!r} is not a probe name (want one or more of [a-z0-9_])")
    if name not in ix["probes"]:
        raise LookupError(f"variant {os.path.basename(variant_dir)} has no probe {name!r} (it has {sorted(ix['probes'])})")
    return os.path.join(base, "probes", name)


def load(variant_dir, name):
    """(tokens, labels) of probe ``name`` as int64 arrays (labels None for a
    probe added without), after checking each file's sha256."""
    ix = read_index(variant_dir)
    rec = ix["probes"].get(name)
    if rec is None:
        raise LookupError(f"variant {os.path.basename(variant_dir)} has no probe {name!r} (it has {sorted(ix['probes'])})")
    out = []
    for key in ("tokens", "labels"):
        f = rec.get(key)
        if f is None:
            out.append(None)
            continue
        path = os.path.join(variant_dir, "probes", *f["file"].split("/"))
        with open(path, "rb") as fh:
            data = fh.read()
        got = hashlib.sha256(data).hexdigest()
        if got != f["sha256"]:
            raise ProbeError(f"probe {name}: {path} has sha256 {got[:12]}, but probes.json records {f['sha256'][:12]}: "
                             "the file was changed after the probe was recorded")
        out.append(np.load(path, allow_pickle=False))
    return out[0], out[1]
