#!/usr/bin/python3
"""Writes python_written.safetensors: one tensor per dtype tdw reads, with
values given by formulas that checkpoint's Go test recomputes, written by a
safetensors writer of a few lines (numpy only, no safetensors package).

Like a state dict saved from PyTorch it has no alignment padding between
tensors (data in name order) and holds a 0-rank tensor. Rerun with
    /usr/bin/python3 host/checkpoint/testdata/make_interop.py
"""
import json
import os
import struct

import numpy as np


def values(n):
    """The formula the Go test mirrors: v[i] = (i - n/2) * 0.375 (exact in f16/bf16)."""
    return (np.arange(n, dtype=np.float64) - n // 2) * 0.375


def tensors():
    t = {}
    t["f64"] = ("F64", [2, 3], (values(6) / 3.0).astype("<f8"))
    t["f32"] = ("F32", [3, 2, 2], values(12).astype("<f4"))
    t["f16"] = ("F16", [5], values(5).astype("<f2"))
    # bfloat16: the top half of the float32 bit pattern (exact for these values).
    t["bf16"] = ("BF16", [2, 2], (values(4).astype("<f4").view("<u4") >> 16).astype("<u2"))
    t["i64"] = ("I64", [4], (np.arange(4, dtype=np.int64) - 2) * 10**12)
    t["i32"] = ("I32", [3], (np.arange(3, dtype=np.int32) - 1) * 70000)
    t["u8"] = ("U8", [3, 1], np.array([0, 127, 255], dtype=np.uint8))
    t["mask"] = ("BOOL", [3, 3], np.tril(np.ones((3, 3), dtype=np.uint8)))
    t["IGNORE"] = ("F32", [], np.array(-np.inf, dtype="<f4"))
    t["empty"] = ("F32", [0, 4], np.zeros((0, 4), dtype="<f4"))
    return t


def main():
    header = {"__metadata__": {"format": "pt", "written_by": "make_interop.py"}}
    blobs, off = [], 0
    for name in sorted(tensors()):
        dt, shape, arr = tensors()[name]
        b = arr.tobytes()
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()  # default separators: spaces, as json.dumps writes
    h += b" " * ((8 - len(h) % 8) % 8)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_written.safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


if __name__ == "__main__":
    main()
