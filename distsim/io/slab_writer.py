"""Writing large arrays into places of a file, as fast as the disk takes them.

The checkpoint file's datasets are allocated by HDF5 when it creates them;
each rank then writes its own slabs of them here, straight into the file
(io/checkpoint_file.py). Two things make that as fast as the disk:

- The page-aligned middle of each slab goes with ``O_DIRECT``: from our
  buffer to the disk, no copy into the page cache (on a virtual machine,
  fresh page-cache pages cost more than the disk's own speed), and the
  data is on the disk when the call returns. The unaligned head and tail
  (and file systems without ``O_DIRECT``, e.g. tmpfs) go the usual way.
- A slab's values are made (`Computed`: the synapses' reorder by target)
  in one of two buffers while the other one's write is under way in a
  second thread: ``os.pwrite`` and the Cython loops both release the GIL.

A value is placed in its buffer at the offset its file position has within
a page, so that page-aligned file positions are page-aligned memory, as
``O_DIRECT`` requires.
"""
from __future__ import annotations

import mmap
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

PAGE = 4096
# One O_DIRECT call at most this large (aligned): a partial write of a
# larger call could leave an unaligned rest.
DIRECT_CHUNK = 64 << 20


class _Buffer:
    """Page-aligned anonymous memory, huge pages asked for (a reorder by
    target writes all over it: with 4 KiB pages nearly every write misses
    the TLB)."""

    def __init__(self, nbytes: int):
        self.memory = mmap.mmap(-1, max(int(nbytes), PAGE),
                                flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        if hasattr(mmap, "MADV_HUGEPAGE"):
            self.memory.madvise(mmap.MADV_HUGEPAGE)

    def array(self, dtype, shape, byte_offset: int) -> np.ndarray:
        dtype = np.dtype(dtype)
        return np.frombuffer(self.memory, dtype=dtype, count=int(np.prod(shape)),
                             offset=byte_offset).reshape(shape)

    def close(self):
        try:
            self.memory.close()
        except BufferError:  # an array still views it: freed with that array
            pass


class SlabWriter:
    """Writes arrays at byte positions of an existing file (one rank's
    slabs; local, no communication). Use as a context manager; `write`
    returns before the data is written, `close` waits for all of it."""

    def __init__(self, filename: str, largest_computed_bytes: int):
        self.buffered = os.open(filename, os.O_WRONLY)
        try:
            self.direct = os.open(filename, os.O_WRONLY | os.O_DIRECT)
        except (OSError, AttributeError):  # no O_DIRECT on this file system
            self.direct = None
        size = largest_computed_bytes + PAGE
        self.buffers = [_Buffer(size), _Buffer(size)]
        self.pending = [None, None]  # the write under way from each buffer
        self.next_buffer = 0
        self.pool = ThreadPoolExecutor(max_workers=1)

    def write(self, position: int, values) -> None:
        """Write ``values`` (an array, or a `Computed` made here) at byte
        ``position`` of the file."""
        from .checkpoint_file import Computed
        if isinstance(values, Computed):
            index = self.next_buffer
            self.next_buffer = 1 - index
            if self.pending[index] is not None:
                self.pending[index].result()  # the buffer is free again
            array = values.into(self.buffers[index].array(values.dtype, values.shape,
                                                          position % PAGE))
            self.pending[index] = self.pool.submit(self._write_now, position, array)
        else:
            self._write_now(position, np.ascontiguousarray(values))

    def write_runs(self, address: int, row_bytes: int, pieces, values) -> None:
        """Write ``values`` (an array or a `Computed`), whose rows lie in the
        file's array at ``address`` in the runs of ``pieces``
        (checkpoint_file.Pieces): a write per run."""
        from .checkpoint_file import Computed
        if len(pieces.starts) == 1:  # one run: the aligned, direct path
            self.write(address + int(pieces.starts[0]) * row_bytes, values)
            return
        if isinstance(values, Computed):
            index = self.next_buffer
            self.next_buffer = 1 - index
            if self.pending[index] is not None:
                self.pending[index].result()
            array = values.into(self.buffers[index].array(values.dtype, values.shape, 0))
            self.pending[index] = self.pool.submit(self._write_runs_now, address, row_bytes,
                                                   pieces, array)
        else:
            self._write_runs_now(address, row_bytes, pieces, np.ascontiguousarray(values))

    def _write_runs_now(self, address, row_bytes, pieces, array):
        data = memoryview(array.reshape(-1).view(np.uint8))
        for start, length, first in zip(pieces.starts, pieces.lengths, pieces.firsts):
            _pwrite_all(self.buffered, data[first * row_bytes:(first + length) * row_bytes],
                        address + start * row_bytes)

    def _write_now(self, position, array):
        data = memoryview(array.reshape(-1).view(np.uint8))
        start = -(-position // PAGE) * PAGE  # the aligned middle [start, stop)
        stop = (position + len(data)) // PAGE * PAGE
        aligned = self.direct is not None and stop > start and \
            (np.frombuffer(data, np.uint8).ctypes.data + start - position) % PAGE == 0
        if not aligned:
            _pwrite_all(self.buffered, data, position)
            return
        _pwrite_all(self.buffered, data[:start - position], position)
        for chunk in range(start, stop, DIRECT_CHUNK):
            end = min(chunk + DIRECT_CHUNK, stop)
            _pwrite_all(self.direct, data[chunk - position:end - position], chunk)
        _pwrite_all(self.buffered, data[stop - position:], stop)

    def close(self):
        try:
            for future in self.pending:
                if future is not None:
                    future.result()  # raises the write's error, if any
        finally:
            self.pool.shutdown(wait=True)
            os.close(self.buffered)
            if self.direct is not None:
                os.close(self.direct)
            for buffer in self.buffers:
                buffer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _pwrite_all(descriptor, data, position):
    """``os.pwrite`` until all of ``data`` is written (one call writes at
    most about 2 GiB)."""
    while len(data):
        written = os.pwrite(descriptor, data, position)
        data, position = data[written:], position + written
