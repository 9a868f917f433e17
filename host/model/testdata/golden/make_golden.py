#!/usr/bin/python3
"""Golden fixtures for tdw's transformer engine.

Implements TransformerLens HookedTransformer semantics independently of the Go
code (PyTorch in float64), for four tiny models with random non-zero biases,
and writes for each one a folder with:

  config.json          TransformerLens HookedTransformerConfig keys
  weights.safetensors  state dict under TransformerLens names, written by the
                       tiny safetensors writer below (not the safetensors
                       package), including the blocks.L.attn.mask (bool) and
                       blocks.L.attn.IGNORE (0-rank float32) buffers that a
                       TransformerLens state dict holds and the engine ignores
  tokens.npy           int64 [batch, n_ctx]
  expected.npz         float64: "logits" and every hook at every position,
                       under its exact TransformerLens name

The stored weights of two fixtures are not float32: one is F64, one F16, one
BF16. Expectations are computed from the weights the engine will actually use:
F16 and BF16 values widen to float32 exactly; F64 values are rounded to float32
first, as the engine's reader converts them.

Run from anywhere with Debian's python3-torch and python3-numpy:
    /usr/bin/python3 host/model/testdata/golden/make_golden.py
It is seeded: a rerun rewrites byte-identical files.
"""

import json
import math
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))

# Tiny sizes shared by every fixture.
BASE = dict(d_model=8, n_heads=2, d_head=4, d_mlp=16, d_vocab=11, n_ctx=5)
BATCH = 6

FIXTURES = [
    # name, overrides, storage dtype
    ("one_layer_relu", dict(n_layers=1, act_fn="relu", normalization_type=None,
                            attn_only=False, d_vocab_out=11), "F32"),
    ("two_layer_ln_gelu", dict(n_layers=2, act_fn="gelu", normalization_type="LN",
                               attn_only=False, d_vocab_out=11), "F64"),
    ("attn_only_ln", dict(n_layers=1, act_fn="relu", normalization_type="LN",
                          attn_only=True, d_vocab_out=11, d_mlp=None), "F16"),
    ("two_layer_relu_vocab_out", dict(n_layers=2, act_fn="relu", normalization_type=None,
                                      attn_only=False, d_vocab_out=7), "BF16"),
]

EPS = 1e-5  # TransformerLens LayerNorm eps


# ---------------------------------------------------------------- safetensors
ST_DTYPE = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
    torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        # numpy has no bfloat16: reinterpret the bits.
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.bool:
        return t.numpy().astype(np.uint8).tobytes()
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata):
    """Safetensors as the format specifies: u64 LE header length, JSON header
    padded with spaces to a multiple of 8, then the tensors' bytes. Data is
    laid out in name order (which leaves some tensors unaligned after the bool
    mask: the Go reader must cope)."""
    header = {"__metadata__": metadata}
    chunks = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name]
        b = tensor_bytes(t)
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in chunks:
            f.write(b)
    os.replace(tmp, path)


# ---------------------------------------------------------------- parameters
def make_params(cfg, gen):
    """Random weights and non-zero biases under TransformerLens names (float64)."""
    dm, h, dh, dv, dvo, nc = (cfg["d_model"], cfg["n_heads"], cfg["d_head"],
                              cfg["d_vocab"], cfg["d_vocab_out"], cfg["n_ctx"])
    std = 0.8 / math.sqrt(dm) * 1.5

    def w(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    def b(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * 0.2

    def lnw():
        return 1.0 + 0.2 * torch.randn(dm, generator=gen, dtype=torch.float64)

    p = {"embed.W_E": w(dv, dm), "pos_embed.W_pos": w(nc, dm)}
    for L in range(cfg["n_layers"]):
        a = f"blocks.{L}."
        if cfg["normalization_type"] == "LN":
            p[a + "ln1.w"], p[a + "ln1.b"] = lnw(), b(dm)
        for m in "QKV":
            p[a + f"attn.W_{m}"] = w(h, dm, dh)
            p[a + f"attn.b_{m}"] = b(h, dh)
        p[a + "attn.W_O"] = w(h, dh, dm)
        p[a + "attn.b_O"] = b(dm)
        if not cfg["attn_only"]:
            if cfg["normalization_type"] == "LN":
                p[a + "ln2.w"], p[a + "ln2.b"] = lnw(), b(dm)
            dmlp = cfg["d_mlp"]
            p[a + "mlp.W_in"] = w(dm, dmlp)
            p[a + "mlp.b_in"] = b(dmlp)
            p[a + "mlp.W_out"] = w(dmlp, dm)
            p[a + "mlp.b_out"] = b(dm)
    if cfg["normalization_type"] == "LN":
        p["ln_final.w"], p["ln_final.b"] = lnw(), b(dm)
    p["unembed.W_U"] = w(dm, dvo)
    p["unembed.b_U"] = b(dvo)
    return p


def stored_and_effective(p, dtype):
    """Returns (tensors to store, float64 weights the engine will compute with)."""
    stored, eff = {}, {}
    for k, v in p.items():
        if dtype == "F32":
            s = v.float()
            e = s.double()
        elif dtype == "F64":
            s = v
            e = v.float().double()  # the reader converts F64 to float32
        elif dtype == "F16":
            s = v.half()
            e = s.double()
        elif dtype == "BF16":
            s = v.bfloat16()
            e = s.double()
        stored[k], eff[k] = s, e
    return stored, eff


# ---------------------------------------------------------------- forward
def layer_norm(x, w, b, name, hooks):
    x = x - x.mean(-1, keepdim=True)
    scale = (x.pow(2).mean(-1, keepdim=True) + EPS).sqrt()
    hooks[name + ".hook_scale"] = scale
    out = x / scale * w + b
    hooks[name + ".hook_normalized"] = out
    # Cross-check against PyTorch's own LayerNorm (biased variance, same eps).
    ref = torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, EPS)
    assert torch.allclose(out, ref, rtol=1e-12, atol=1e-12), name
    return out


def act(cfg, x):
    if cfg["act_fn"] == "relu":
        return torch.relu(x)
    if cfg["act_fn"] == "gelu":
        y = 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))  # exact, not tanh
        assert torch.allclose(y, torch.nn.functional.gelu(x), rtol=1e-12, atol=1e-15)
        return y
    raise ValueError(cfg["act_fn"])


def forward(cfg, p, tokens):
    """TransformerLens HookedTransformer.forward with every hook recorded."""
    hooks = {}
    B, n = tokens.shape
    ln = cfg["normalization_type"] == "LN"
    embed = p["embed.W_E"][tokens]
    pos = p["pos_embed.W_pos"][:n].unsqueeze(0).expand(B, n, -1)
    hooks["hook_embed"], hooks["hook_pos_embed"] = embed, pos
    resid = embed + pos
    causal = torch.tril(torch.ones(n, n, dtype=torch.bool))
    for L in range(cfg["n_layers"]):
        a = f"blocks.{L}."
        hooks[a + "hook_resid_pre"] = resid
        x = layer_norm(resid, p[a + "ln1.w"], p[a + "ln1.b"], a + "ln1", hooks) if ln else resid
        q = torch.einsum("bpm,hmd->bphd", x, p[a + "attn.W_Q"]) + p[a + "attn.b_Q"]
        k = torch.einsum("bpm,hmd->bphd", x, p[a + "attn.W_K"]) + p[a + "attn.b_K"]
        v = torch.einsum("bpm,hmd->bphd", x, p[a + "attn.W_V"]) + p[a + "attn.b_V"]
        hooks[a + "attn.hook_q"], hooks[a + "attn.hook_k"], hooks[a + "attn.hook_v"] = q, k, v
        scores = torch.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(cfg["d_head"])
        scores = torch.where(causal, scores, torch.tensor(-math.inf, dtype=scores.dtype))
        hooks[a + "attn.hook_attn_scores"] = scores
        pattern = torch.softmax(scores, dim=-1)
        hooks[a + "attn.hook_pattern"] = pattern
        z = torch.einsum("bhqk,bkhd->bqhd", pattern, v)
        hooks[a + "attn.hook_z"] = z
        attn_out = torch.einsum("bqhd,hdm->bqm", z, p[a + "attn.W_O"]) + p[a + "attn.b_O"]
        hooks[a + "hook_attn_out"] = attn_out
        if cfg["attn_only"]:
            resid = resid + attn_out
        else:
            resid = resid + attn_out
            hooks[a + "hook_resid_mid"] = resid
            x = layer_norm(resid, p[a + "ln2.w"], p[a + "ln2.b"], a + "ln2", hooks) if ln else resid
            pre = x @ p[a + "mlp.W_in"] + p[a + "mlp.b_in"]
            post = act(cfg, pre)
            hooks[a + "mlp.hook_pre"], hooks[a + "mlp.hook_post"] = pre, post
            mlp_out = post @ p[a + "mlp.W_out"] + p[a + "mlp.b_out"]
            hooks[a + "hook_mlp_out"] = mlp_out
            resid = resid + mlp_out
        hooks[a + "hook_resid_post"] = resid
    x = layer_norm(resid, p["ln_final.w"], p["ln_final.b"], "ln_final", hooks) if ln else resid
    logits = x @ p["unembed.W_U"] + p["unembed.b_U"]
    return logits, hooks


# ---------------------------------------------------------------- main
def main():
    for i, (name, over, dtype) in enumerate(FIXTURES):
        cfg = dict(BASE)
        cfg.update(over)
        seed = 1000 + i
        cfg["initializer_range"] = 0.8 / math.sqrt(cfg["d_model"])
        cfg["seed"] = seed
        gen = torch.Generator().manual_seed(seed)
        p = make_params(cfg, gen)
        stored, eff = stored_and_effective(p, dtype)
        # The buffers a TransformerLens state dict holds; the engine ignores them.
        nc = cfg["n_ctx"]
        for L in range(cfg["n_layers"]):
            stored[f"blocks.{L}.attn.mask"] = torch.tril(torch.ones(nc, nc, dtype=torch.bool))
            stored[f"blocks.{L}.attn.IGNORE"] = torch.tensor(-math.inf, dtype=torch.float32)
        tokens = torch.randint(0, cfg["d_vocab"], (BATCH, nc), generator=gen, dtype=torch.int64)
        logits, hooks = forward(cfg, eff, tokens)

        d = os.path.join(HERE, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2, sort_keys=True)
            f.write("\n")
        write_safetensors(os.path.join(d, "weights.safetensors"), stored,
                          {"format": "pt", "fixture": name, "stored_dtype": dtype})
        np.save(os.path.join(d, "tokens.npy"), tokens.numpy().astype("<i8"))
        out = {"logits": logits.numpy()}
        for k, v in hooks.items():
            out[k] = v.contiguous().numpy()
        np.savez(os.path.join(d, "expected.npz"), **out)
        print(f"{name}: {dtype} weights, {len(out)} arrays, logits {tuple(logits.shape)}")


if __name__ == "__main__":
    main()
