"""The plugin side of shared memory: regions the host asked it to map.

The host owns each region (a file under /dev/shm) and writes tensors into it;
the plugin maps it read-only on AttachShared and unmaps it on ReleaseShared
(docs/protocol.md, "Shared memory")."""

import mmap
import os
import threading


class Mappings:
    """The regions attached so far, by id; safe for concurrent calls."""

    def __init__(self):
        self._lock = threading.Lock()
        self._maps = {}

    def attach(self, region, path, size):
        """Maps ``path`` read-only. Raises OSError or ValueError naming the path."""
        if size <= 0:
            raise ValueError(f"shm: region {path} has invalid size {size}")
        fd = os.open(path, os.O_RDONLY)
        try:
            have = os.fstat(fd).st_size
            if have < size:
                raise ValueError(f"shm: region {path} holds {have} bytes, host said {size}")
            m = mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
        finally:
            os.close(fd)
        with self._lock:
            old = self._maps.pop(region, None)
            self._maps[region] = m
        _close(old)

    def release(self, region):
        """Unmaps a region the host has closed (no-op for an unknown one)."""
        with self._lock:
            m = self._maps.pop(region, None)
        _close(m)

    def resolve(self, ref, nbytes):
        """A read-only memoryview of ``nbytes`` at ``ref.offset`` of region ``ref.region``."""
        with self._lock:
            m = self._maps.get(ref.region)
        if m is None:
            raise ValueError(f"shared-memory region {ref.region} was never attached")
        if ref.offset < 0 or nbytes < 0 or ref.offset + nbytes > len(m):
            raise ValueError(f"shm: bytes [{ref.offset}, {ref.offset}+{nbytes}) outside a {len(m)}-byte region")
        return memoryview(m)[ref.offset:ref.offset + nbytes]


def _close(m):
    if m is None:
        return
    try:
        m.close()
    except BufferError:
        # An analyzer still holds a view: the mapping goes when the view does.
        pass
