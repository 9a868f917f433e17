#!/usr/bin/env python3
"""PyTorch side of tdw's calibration benchmark (make bench).

Times, for the 1-layer modular-addition model at p=113 with
torch.set_num_threads(2):
  forward: all p^2 inputs, keeping every TransformerLens hook at the last
           position plus hook_pattern at every position (contiguous copies,
           as a cache that is then saved);
  epoch:   one full-batch AdamW training step at train fraction 0.3, loss at
           the last position with log-softmax in float64, biases frozen.
The model is a plain re-implementation with TransformerLens semantics
(no LayerNorm, relu, causal attention scaled by 1/sqrt(d_head)).

Prints one JSON line: {"mode", "runs_s": [...], "median_s", "median_cpu_s",
"peak_rss_kb"}; median_cpu_s is the process CPU time (user + sys) per run.
"""
import argparse
import json
import math
import resource
import statistics
import time

import torch


def make_params(p, d_model=128, n_heads=4, d_head=32, d_mlp=512, n_ctx=3, seed=999):
    g = torch.Generator().manual_seed(seed)
    std = 0.8 / math.sqrt(d_model)

    def w(*shape):
        return (torch.randn(*shape, generator=g) * std).requires_grad_(True)

    def b(*shape):
        return torch.zeros(*shape)  # frozen: not trained, as the reference project

    return {
        "W_E": w(p + 1, d_model), "W_pos": w(n_ctx, d_model),
        "W_Q": w(n_heads, d_model, d_head), "W_K": w(n_heads, d_model, d_head),
        "W_V": w(n_heads, d_model, d_head), "W_O": w(n_heads, d_head, d_model),
        "b_Q": b(n_heads, d_head), "b_K": b(n_heads, d_head), "b_V": b(n_heads, d_head),
        "b_O": b(d_model), "W_in": w(d_model, d_mlp), "b_in": b(d_mlp),
        "W_out": w(d_mlp, d_model), "b_out": b(d_model), "W_U": w(d_model, p), "b_U": b(p),
    }


def forward(P, tok, hooks=None):
    """TransformerLens-semantics forward; fills hooks (name -> tensor) if given."""
    def hook(name, x):
        if hooks is not None:
            hooks[name] = x
        return x

    n = tok.shape[1]
    embed = hook("hook_embed", P["W_E"][tok])
    pos = hook("hook_pos_embed", P["W_pos"][:n].unsqueeze(0).expand(tok.shape[0], -1, -1))
    resid = hook("blocks.0.hook_resid_pre", embed + pos)
    q = hook("blocks.0.attn.hook_q", torch.einsum("bpd,hde->bphe", resid, P["W_Q"]) + P["b_Q"])
    k = hook("blocks.0.attn.hook_k", torch.einsum("bpd,hde->bphe", resid, P["W_K"]) + P["b_K"])
    v = hook("blocks.0.attn.hook_v", torch.einsum("bpd,hde->bphe", resid, P["W_V"]) + P["b_V"])
    scores = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    scores = hook("blocks.0.attn.hook_attn_scores", scores.masked_fill(mask, float("-inf")))
    pattern = hook("blocks.0.attn.hook_pattern", torch.softmax(scores, dim=-1))
    z = hook("blocks.0.attn.hook_z", torch.einsum("bhqk,bkhe->bqhe", pattern, v))
    attn_out = hook("blocks.0.hook_attn_out", torch.einsum("bqhe,hed->bqd", z, P["W_O"]) + P["b_O"])
    mid = hook("blocks.0.hook_resid_mid", resid + attn_out)
    pre = hook("blocks.0.mlp.hook_pre", mid @ P["W_in"] + P["b_in"])
    post = hook("blocks.0.mlp.hook_post", torch.relu(pre))
    mlp_out = hook("blocks.0.hook_mlp_out", post @ P["W_out"] + P["b_out"])
    resid_post = hook("blocks.0.hook_resid_post", mid + mlp_out)
    return resid_post @ P["W_U"] + P["b_U"]


def all_inputs(p):
    a = torch.arange(p).repeat_interleave(p)
    b = torch.arange(p).repeat(p)
    tok = torch.stack([a, b, torch.full_like(a, p)], dim=1)
    return tok, (a + b) % p


def run_forward(P, tok):
    with torch.inference_mode():
        hooks = {}
        logits = forward(P, tok, hooks)
        kept = {k: v[:, -1].contiguous() for k, v in hooks.items() if k != "blocks.0.attn.hook_pattern"}
        kept["blocks.0.attn.hook_attn_scores"] = hooks["blocks.0.attn.hook_attn_scores"][:, :, -1].contiguous()
        kept["blocks.0.attn.hook_pattern_all"] = hooks["blocks.0.attn.hook_pattern"].contiguous()
        kept["logits"] = logits[:, -1].contiguous()
    return kept


def make_step(P, tok, lab):
    trainable = [v for v in P.values() if v.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98), eps=1e-8)

    def step():
        logits = forward(P, tok)[:, -1].to(torch.float64)
        loss = -torch.log_softmax(logits, dim=-1).gather(-1, lab[:, None]).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()

    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["forward", "epoch"], required=True)
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--frac", type=float, default=0.3)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    P = make_params(a.p)
    tok, lab = all_inputs(a.p)
    if a.mode == "forward":
        fn = lambda: run_forward(P, tok)
    else:
        ntrain = int(a.frac * a.p * a.p)
        perm = torch.randperm(a.p * a.p, generator=torch.Generator().manual_seed(598))
        idx = perm[:ntrain]
        fn = make_step(P, tok[idx], lab[idx])
    fn()  # warm-up
    runs, cpu = [], []
    for _ in range(a.runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        del out
    print(json.dumps({
        "mode": a.mode, "runs_s": runs, "median_s": statistics.median(runs),
        "median_cpu_s": statistics.median(cpu),
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == "__main__":
    main()
