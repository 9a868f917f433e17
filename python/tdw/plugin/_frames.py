"""Tensors as they travel: a TensorHeader, then the raw little-endian C-order
bytes in chunks of at most 1 MiB, or only a header whose SharedRef points into
a shared-memory region the receiver has attached (docs/protocol.md)."""

import numpy as np

from tdw.v1 import tensor_pb2

CHUNK_SIZE = 1 << 20

# Protocol dtype names -> numpy dtypes. bfloat16 has none: it is widened to
# float32 on receipt and never sent.
_NUMPY = {
    "float64": np.dtype("<f8"), "float32": np.dtype("<f4"), "float16": np.dtype("<f2"),
    "int64": np.dtype("<i8"), "int32": np.dtype("<i4"), "uint8": np.dtype("u1"), "bool": np.dtype("?"),
}
_ITEM = {**{k: v.itemsize for k, v in _NUMPY.items()}, "bfloat16": 2}


class MalformedStream(ValueError):
    """A stream whose frames do not assemble into tensors; the message names the tensor."""


def protocol_dtype(a):
    """The protocol's name for ndarray a's dtype, or ValueError."""
    for name, dt in _NUMPY.items():
        # Any byte order of a travelling kind and size (as_array makes it little-endian).
        if a.dtype.kind == dt.kind and a.dtype.itemsize == dt.itemsize:
            return name
    raise ValueError(f"dtype {a.dtype} does not travel (float64/32/16, int64/32, uint8 and bool do)")


def as_array(value, what):
    """value as a C-contiguous little-endian ndarray of a protocol dtype.
    Python and numpy scalars become 0-d arrays (float -> float64, int ->
    int64, bool -> bool). Raises ValueError naming ``what``."""
    if isinstance(value, (bool, np.bool_)):
        a = np.asarray(value, dtype=np.bool_)
    elif isinstance(value, int):
        a = np.asarray(value, dtype=np.int64)
    elif isinstance(value, float):
        a = np.asarray(value, dtype=np.float64)
    else:
        a = np.asarray(value)
    try:
        name = protocol_dtype(a)
    except ValueError as e:
        raise ValueError(f"{what}: {e}") from None
    # np.asarray, not ascontiguousarray, which turns a 0-d array into 1-d.
    return np.asarray(a, dtype=_NUMPY[name], order="C"), name


def tensor_frames(group, name, value, ref=None):
    """Yields the TensorFrames of one tensor: its header, then its chunks, or
    the header alone with ``ref`` (a SharedRef) when the bytes are shared."""
    a, dtype = as_array(value, f"tensor {group}/{name}")
    h = tensor_pb2.TensorHeader(group=group, name=name, dtype=dtype, shape=list(a.shape), nbytes=a.nbytes)
    if ref is not None:
        h.shared.CopyFrom(ref)
    yield tensor_pb2.TensorFrame(header=h)
    if ref is not None:
        return
    buf = memoryview(a.reshape(-1).view(np.uint8)) if a.size else memoryview(b"")
    for off in range(0, a.nbytes, CHUNK_SIZE):
        yield tensor_pb2.TensorFrame(chunk=bytes(buf[off:off + CHUNK_SIZE]))


def group_frames(group, arrays):
    """Yields the frames of every tensor of ``arrays`` under ``group``, in name
    order (so that streams are deterministic)."""
    for name in sorted(arrays):
        yield from tensor_frames(group, name, arrays[name])


class Assembler:
    """Rebuilds tensors from frames. ``resolve(ref, nbytes)`` returns the
    buffer a shared reference points at; None rejects references."""

    def __init__(self, resolve=None):
        self.resolve = resolve
        self.done = []  # (group, name, ndarray), in arrival order
        self._cur = None  # [group, name, dtype, shape, bytearray, filled]

    def add(self, frame):
        part = frame.WhichOneof("part")
        if part == "header":
            self._close()
            self._start(frame.header)
        elif part == "chunk":
            cur = self._cur
            if cur is None:
                raise MalformedStream("tensor bytes arrived before any tensor header")
            if cur[4] is None:
                raise MalformedStream(f"tensor {cur[0]}/{cur[1]}: bytes arrived for a shared-memory tensor")
            n = len(frame.chunk)
            if n > len(cur[4]) - cur[5]:
                raise MalformedStream(f"tensor {cur[0]}/{cur[1]}: more bytes than the {len(cur[4])} its header announced")
            cur[4][cur[5]:cur[5] + n] = frame.chunk
            cur[5] += n
        else:
            raise MalformedStream("empty tensor frame")

    def _start(self, h):
        key = f"{h.group}/{h.name}"
        if not h.name:
            raise MalformedStream(f"tensor in group {h.group!r} has no name")
        item = _ITEM.get(h.dtype)
        if item is None:
            raise MalformedStream(f"tensor {key}: unknown dtype {h.dtype!r}")
        shape = list(h.shape)
        if any(d < 0 for d in shape):
            raise MalformedStream(f"tensor {key}: negative dimension in shape {shape}")
        want = item * int(np.prod(shape, dtype=object)) if shape else item
        if h.nbytes != want:
            raise MalformedStream(f"tensor {key}: {h.dtype}{shape} needs {want} bytes, header says {h.nbytes}")
        if h.HasField("shared"):
            if self.resolve is None:
                raise MalformedStream(f"tensor {key}: shared-memory reference where none was negotiated")
            try:
                buf = self.resolve(h.shared, want)
            except (ValueError, KeyError) as e:
                raise MalformedStream(f"tensor {key}: {e}") from None
            self.done.append((h.group, h.name, _view(buf, h.dtype, shape)))
            return
        self._cur = [h.group, h.name, h.dtype, shape, bytearray(want), 0]

    def _close(self):
        cur, self._cur = self._cur, None
        if cur is None:
            return
        if cur[5] != len(cur[4]):
            raise MalformedStream(f"tensor {cur[0]}/{cur[1]}: stream ended after {cur[5]} of {len(cur[4])} bytes")
        self.done.append((cur[0], cur[1], _view(cur[4], cur[2], cur[3])))

    def finish(self):
        """Completes the last tensor and returns [(group, name, ndarray)]."""
        self._close()
        out, self.done = self.done, []
        return out


def _view(buf, dtype, shape):
    if dtype == "bfloat16":
        return (np.frombuffer(buf, "<u2").astype("<u4") << 16).view("<f4").reshape(shape)
    return np.frombuffer(buf, _NUMPY[dtype]).reshape(shape)


def group_tensors(tensors, allowed, copy=False):
    """{group: {name: ndarray}} for every group in ``allowed``; a tensor of
    another group or sent twice raises MalformedStream. ``copy`` makes
    writable copies (for tensors that outlive the call)."""
    out = {g: {} for g in allowed}
    for group, name, a in tensors:
        if group not in out:
            raise MalformedStream(f"tensor {group}/{name}: unexpected group {group!r} (want one of {list(allowed)})")
        if name in out[group]:
            raise MalformedStream(f"tensor {group}/{name} sent twice")
        if copy:
            a = np.array(a)
        else:
            a.flags.writeable = False
        out[group][name] = a
    return out
