#!/usr/bin/env python3
"""PyTorch side of tdw's GPU timing (bench/gpu/run.sh).

The calibration model of /work/shared/reference.md §1 (1-layer modular
addition, p=113: d_model 128, 4 heads of 32, d_mlp 512, relu, no LayerNorm,
n_ctx 3, TransformerLens "gpt2" init N(0, 0.8/sqrt(d_model)), biases zero and
frozen), AdamW lr 1e-3, weight decay 1.0, betas (0.9, 0.98), eps 1e-8, full
batch, loss at the last position with log-softmax in float64, on one CUDA
device in float32 (TF32 off, as tdw computes in float32). Modes:

  epoch:         one full-batch training step at train fraction 0.3 (3,830
                 inputs), the loss read back with .item() as a training loop
                 reports it (tdw's Trainer.Epoch);
  loop:          an epoch as the reference project's loop runs it: the test
                 set's loss and accuracy (8,939 inputs, no grad), then the
                 step (tdw's BenchmarkCudaCalibration/train_loop_epoch);
  forward:       all p^2 inputs, every TransformerLens hook kept at the last
                 position plus hook_pattern at every position, as contiguous
                 GPU tensors (tdw's forward workload, left on the device);
  forward_host:  the same, copied to host memory (tdw hands the cache to the
                 host: its forward timing includes that copy);
  forward_logits: the logits only, on the device.

Each mode runs once to warm up, then --runs times, synchronizing the device
around each run. Prints one JSON line per mode: {"mode", "runs_s",
"median_s", "device"}.
"""
import argparse
import json
import math
import statistics
import time

import torch


def make_params(p, dev, d_model=128, n_heads=4, d_head=32, d_mlp=512, n_ctx=3, seed=999):
    g = torch.Generator().manual_seed(seed)
    std = 0.8 / math.sqrt(d_model)

    def w(*shape):
        return (torch.randn(*shape, generator=g) * std).to(dev).requires_grad_(True)

    def b(*shape):
        return torch.zeros(*shape, device=dev)  # frozen, as the reference project

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
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool, device=tok.device), diagonal=1)
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


def all_inputs(p, dev):
    a = torch.arange(p, device=dev).repeat_interleave(p)
    b = torch.arange(p, device=dev).repeat(p)
    tok = torch.stack([a, b, torch.full_like(a, p)], dim=1)
    return tok, (a + b) % p


def kept_hooks(P, tok):
    hooks = {}
    logits = forward(P, tok, hooks)
    kept = {k: v[:, -1].contiguous() for k, v in hooks.items() if k != "blocks.0.attn.hook_pattern"}
    kept["blocks.0.attn.hook_attn_scores"] = hooks["blocks.0.attn.hook_attn_scores"][:, :, -1].contiguous()
    kept["blocks.0.attn.hook_pattern_all"] = hooks["blocks.0.attn.hook_pattern"].contiguous()
    kept["logits"] = logits[:, -1].contiguous()
    return kept


def loss_fn(P, tok, lab):
    logits = forward(P, tok)[:, -1].to(torch.float64)
    return -torch.log_softmax(logits, dim=-1).gather(-1, lab[:, None]).mean(), logits


def make_step(P, tok, lab):
    trainable = [v for v in P.values() if v.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98), eps=1e-8)

    def step():
        loss, _ = loss_fn(P, tok, lab)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.item()

    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["epoch", "loop", "forward", "forward_host", "forward_logits"], action="append")
    ap.add_argument("--p", type=int, default=113)
    ap.add_argument("--frac", type=float, default=0.3)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--device", default="cuda", help="torch device (cpu: a smoke test without a GPU)")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(a.device)
    if dev.type == "cuda":
        name, sync = torch.cuda.get_device_name(dev), torch.cuda.synchronize
    else:
        name, sync = "cpu", lambda: None
    for mode in a.mode or ["epoch", "loop", "forward", "forward_host", "forward_logits"]:
        torch.manual_seed(0)
        P = make_params(a.p, dev)
        tok, lab = all_inputs(a.p, dev)
        ntrain = int(a.frac * a.p * a.p)
        perm = torch.randperm(a.p * a.p, generator=torch.Generator().manual_seed(598)).to(dev)
        train, test = perm[:ntrain], perm[ntrain:]
        if mode == "epoch":
            fn = make_step(P, tok[train], lab[train])
        elif mode == "loop":
            step = make_step(P, tok[train], lab[train])
            ttok, tlab = tok[test], lab[test]

            def fn():
                with torch.no_grad():
                    tl, logits = loss_fn(P, ttok, tlab)
                    acc = (logits.argmax(-1) == tlab).double().mean()
                    tl.item(), acc.item()
                return step()
        elif mode == "forward":
            fn = lambda: kept_hooks(P, tok)
        elif mode == "forward_host":
            fn = lambda: {k: v.to("cpu") for k, v in kept_hooks(P, tok).items()}
        else:
            fn = lambda: forward(P, tok)[:, -1].contiguous()
        grad = mode in ("epoch", "loop")
        with torch.set_grad_enabled(grad), torch.inference_mode(not grad):
            fn()
            runs = []
            for _ in range(a.runs):
                sync()
                t0 = time.perf_counter()
                out = fn()
                sync()
                runs.append(time.perf_counter() - t0)
                del out
        print(json.dumps({"mode": mode, "runs_s": runs, "median_s": statistics.median(runs), "device": name}), flush=True)


if __name__ == "__main__":
    main()
