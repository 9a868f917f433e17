#!/usr/bin/python3
"""Arrays written by numpy itself, for artifact's Go tests (Go reads what numpy
writes). Values follow formulas that the Go test recomputes:
v[i] = (i - n//2) * 0.375, cast to the dtype (bool: i % 3 == 0).

Rerun with /usr/bin/python3 host/artifact/testdata/make_fixtures.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def vals(n):
    return (np.arange(n, dtype=np.float64) - n // 2) * 0.375


def arrays():
    return {
        "f64": vals(6).reshape(2, 3),
        "f32": vals(24).astype(np.float32).reshape(2, 3, 4),
        "f16": vals(5).astype(np.float16),
        "i64": (vals(4) * 8).astype(np.int64).reshape(4, 1),
        "i32": (vals(3) * 8).astype(np.int32),
        "u8": np.arange(3, dtype=np.uint8) * 100,
        "bool": (np.arange(7) % 3 == 0),
        "scalar": np.array(vals(1)[0] + 2.5),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "blocks.0.attn.hook_pattern": vals(2 * 2 * 3 * 3).astype(np.float32).reshape(2, 2, 3, 3),
    }


def reference_arrays():
    """The dtypes the reference project's artifacts hold beyond tdw's own:
    read by tdw as int32 (int16, int8) or as a trailing (real, imag) axis
    (complex)."""
    v = vals(6)
    return {
        "i16": (v * 8).astype(np.int16).reshape(2, 3),
        "i8": (v * 8).astype(np.int8),
        "c128": (v + 1j * (v + 1)).reshape(3, 2),
        "c64": (v[:2] - 2j).astype(np.complex64),
        "f16_scalar": np.float16(1.5) * np.ones((), dtype=np.float16),
        "bool_scalar": np.array(True),
    }


def main():
    a = arrays()
    np.savez(os.path.join(HERE, "numpy_savez.npz"), **a)
    np.savez_compressed(os.path.join(HERE, "numpy_savez_compressed.npz"), **a)
    np.save(os.path.join(HERE, "numpy_c.npy"), a["f32"])
    # Fortran order: numpy writes the transposed memory and fortran_order True.
    np.save(os.path.join(HERE, "numpy_fortran.npy"), np.asfortranarray(a["f32"]))
    np.save(os.path.join(HERE, "numpy_bigendian.npy"), a["f32"].astype(">f4"))
    np.save(os.path.join(HERE, "numpy_uint16.npy"), np.zeros(2, dtype=np.uint16))
    np.savez_compressed(os.path.join(HERE, "numpy_reference.npz"), **reference_arrays())


if __name__ == "__main__":
    main()
