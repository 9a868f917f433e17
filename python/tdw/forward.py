"""Activations of a checkpoint, computed by tdw's engine (``tdw-host forward``).

The notebook gets exactly the activations the analyzers see, not those of a
second implementation of the model.
"""

import os
import shutil
import subprocess
import tempfile

import numpy as np


class ForwardError(RuntimeError):
    """tdw-host could not be found or failed; the message holds its error."""


def find_host(hint=None, results_dir=None):
    """The tdw-host binary: ``hint``, else $TDW_HOST, else tdw-host on PATH,
    else bin/tdw-host beside the results folder (the layout ``make`` leaves).
    Raises ForwardError naming what was tried."""
    tried = []
    for cand in (hint, os.environ.get("TDW_HOST"), shutil.which("tdw-host"),
                 os.path.join(os.path.dirname(os.path.abspath(results_dir)), "bin", "tdw-host") if results_dir else None):
        if not cand:
            continue
        tried.append(cand)
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    raise ForwardError("tdw-host not found (tried %s): run make, put bin/ on PATH or set TDW_HOST"
                       % (", ".join(tried) or "$TDW_HOST and PATH"))


def run_forward(host, checkpoint, config, tokens, hooks=None, positions="all", batch=0):
    """Runs ``tdw-host forward`` and returns {name: ndarray}: "logits" and each
    kept hook under its TransformerLens name.

    tokens: integer array [batch, pos]. hooks: None (every hook), a glob or a
    list of globs ("*" also matches dots: ``blocks.*.mlp.hook_post``).
    positions: "all" (TransformerLens' shapes) or "last".
    """
    tokens = np.asarray(tokens)
    if tokens.ndim == 1:
        tokens = tokens[None, :]
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens are {tokens.dtype}{list(tokens.shape)}; want an integer [batch, pos] array")
    if isinstance(hooks, str):
        hooks = [hooks]
    with tempfile.TemporaryDirectory(prefix="tdw-forward-") as tmp:
        tok, out = os.path.join(tmp, "tokens.npy"), os.path.join(tmp, "cache.npz")
        np.save(tok, tokens.astype(np.int64))
        cmd = [host, "forward", "--checkpoint", str(checkpoint), "--config", str(config),
               "--tokens", tok, "--out", out, "--positions", positions]
        if hooks:
            cmd += ["--hooks", ",".join(hooks)]
        if batch:
            cmd += ["--batch", str(int(batch))]
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise ForwardError(f"tdw-host forward failed (exit {p.returncode}): {p.stderr.strip()}")
        with np.load(out, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
