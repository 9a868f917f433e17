#!/usr/bin/env python3
"""Summarize a bench/gpu/run.sh output folder: tdw's timings on the GPU
(Go benchmark lines of tdw-bench.txt) against PyTorch's (JSON lines of
torch.txt), the tests' verdicts, and the canonical preset's projected wall
time from the 2,500-epoch run. Usage: summarize.py OUT."""
import json
import re
import sys
from pathlib import Path

CANONICAL_EPOCHS = 25000
MEASURED_EPOCHS = 2500

# tdw benchmark -> PyTorch mode it is compared with.
PAIRS = [
    ("epoch", "epoch", "one full-batch epoch (3,830 inputs)"),
    ("train_loop_epoch", "loop", "train-loop epoch: test-set loss and accuracy + step"),
    ("forward/fresh", "forward_host", "forward, all hooks at the last position + pattern, to host memory"),
    ("forward/reuse", "forward_host", "same, cache tensors reused"),
    ("forward/fresh", "forward", "same vs PyTorch keeping the hooks on the GPU"),
    ("forward_logits", "forward_logits", "forward, logits only"),
]


def tdw_times(text):
    out = {}
    for m in re.finditer(r"^BenchmarkCudaCalibration/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", text, re.M):
        out[m.group(1)] = float(m.group(2)) * 1e-9
    return out


def torch_times(text):
    out, device = {}, "?"
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            out[r["mode"]] = r["median_s"]
            device = r.get("device", device)
    return out, device


def verdicts(text):
    passed = re.findall(r"^--- PASS: (\S+)", text, re.M)
    failed = re.findall(r"^--- FAIL: (\S+)", text, re.M)
    skipped = re.findall(r"^--- SKIP: (\S+)", text, re.M)
    return passed, failed, skipped


def read(out, name):
    p = out / name
    return p.read_text(errors="replace") if p.exists() else ""


def main():
    out = Path(sys.argv[1])
    print("steps:")
    print(read(out, "steps.txt").rstrip())
    for name in ("model-tests", "quick-preset"):
        p, f, s = verdicts(read(out, name + ".txt"))
        print(f"\n{name}: {len(p)} passed, {len(f)} failed, {len(s)} skipped" + (f" (failed: {', '.join(f)})" if f else "")
              + (f" (skipped: {', '.join(s)})" if s else ""))
        for line in read(out, name + ".txt").splitlines():
            if re.search(r"(final weights|worst relative|quick preset:|no CUDA device)", line):
                print("  " + line.strip())
    tdw = tdw_times(read(out, "tdw-bench.txt"))
    torch, device = torch_times(read(out, "torch.txt"))
    print(f"\ntimings on {device} (median seconds; ratio = tdw / PyTorch, goal <= 1.0 for the epoch):")
    for t, p, what in PAIRS:
        a, b = tdw.get(t), torch.get(p)
        ratio = f"{a / b:6.2f}" if a and b else "     ?"
        fa = f"{a:.5f}" if a else "?"
        fb = f"{b:.5f}" if b else "?"
        print(f"  {what:68s} tdw {fa:>9s}  torch[{p}] {fb:>9s}  ratio {ratio}")
    m = re.search(r"^canonical\s+exit\s+0\s+([\d.]+) s", read(out, "steps.txt"), re.M)
    loop = tdw.get("train_loop_epoch")
    print("\ncanonical preset (25,000 epochs) projected:")
    if m:
        s = float(m.group(1))
        print(f"  from `tdw-host train --preset canonical --epochs {MEASURED_EPOCHS}` in {s:.1f} s (process start, "
              f"checkpoints and all): {s * CANONICAL_EPOCHS / MEASURED_EPOCHS:.0f} s")
    if loop:
        print(f"  from the train-loop benchmark: {CANONICAL_EPOCHS * loop:.0f} s plus checkpoint writes")
    if "loop" in torch:
        print(f"  PyTorch loop on the same GPU: {CANONICAL_EPOCHS * torch['loop']:.0f} s")
    print("\ncanonical run output:")
    print("  " + read(out, "canonical.txt").strip().replace("\n", "\n  "))


if __name__ == "__main__":
    main()
