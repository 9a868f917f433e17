"""Reading .safetensors files (tdw's checkpoints) with numpy alone.

The format: 8 bytes of little-endian header length N, N bytes of JSON header
({name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}), then the
tensors' bytes (docs/formats/checkpoint.md).
"""

import json
import struct

import numpy as np

# safetensors dtype -> numpy dtype. BF16 has no numpy dtype and is widened.
_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}

_MAX_HEADER = 100 << 20  # the Rust implementation's limit


class FormatError(ValueError):
    """A file that is not a valid safetensors file; the message names it."""


def load_safetensors(path):
    """Returns ``({name: ndarray}, metadata)`` for the safetensors file at path.

    Arrays are read-only views of the file's bytes (``.copy()`` one to modify
    it); BF16 tensors are widened to float32. Raises FormatError naming the
    file and tensor for a malformed file (truncated, offsets outside the data,
    a byte count that does not match dtype and shape).
    """
    path = str(path)
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise FormatError(f"{path}: {len(raw)} bytes, too short for a safetensors file")
    n = struct.unpack("<Q", raw[:8])[0]
    if n > _MAX_HEADER or 8 + n > len(raw):
        raise FormatError(f"{path}: header length {n} exceeds the file ({len(raw)} bytes)")
    try:
        header = json.loads(raw[8:8 + n])
    except ValueError as e:
        raise FormatError(f"{path}: header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise FormatError(f"{path}: header is not a JSON object")
    meta = header.pop("__metadata__", None) or {}
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, info in header.items():
        out[name] = _tensor(path, name, info, data)
    return out, meta


def _tensor(path, name, info, data):
    try:
        dtype, shape, (begin, end) = info["dtype"], [int(d) for d in info["shape"]], info["data_offsets"]
    except (KeyError, TypeError, ValueError):
        raise FormatError(f"{path}: tensor {name!r}: malformed record {info!r}") from None
    if dtype != "BF16" and dtype not in _DTYPES:
        raise FormatError(f"{path}: tensor {name!r}: unknown dtype {dtype!r}")
    item = 2 if dtype == "BF16" else np.dtype(_DTYPES[dtype]).itemsize
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if any(d < 0 for d in shape) or not (0 <= begin <= end <= len(data)) or end - begin != count * item:
        raise FormatError(f"{path}: tensor {name!r}: {dtype}{shape} at bytes [{begin}, {end}) "
                          f"does not fit a {len(data)}-byte data buffer")
    buf = data[begin:end]
    if dtype == "BF16":
        a = (np.frombuffer(buf, "<u2").astype("<u4") << 16).view("<f4")
    else:
        a = np.frombuffer(buf, _DTYPES[dtype])
    return a.reshape(shape)
