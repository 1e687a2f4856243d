"""Checkpoint files: one HDF5 file written and read by all ranks together.

The file knows nothing of groups or synapses: it stores named arrays in
layouts that do not depend on the number of ranks (network/checkpoint.py
decides them):

- a `Block` is this rank's slab ``[offset, offset + len)`` of a global
  array (leading axis): every rank writes its own slab, and on restore
  every rank reads the slab of its own (new) partition. A Block with a
  ``stride`` holds the rows ``offset + stride*k`` instead (a group dealt
  out round-robin): such blocks are exchanged into contiguous slabs before
  they are written (they are per-neuron arrays, small beside synapses).
  A Block with `Pieces` holds rows scattered over the global array in
  runs (the synapses of a rank's targets, where the targets interleave):
  each run is written, and read, at its own place. Its values
  may be `Computed` when written (the synapses' reordered arrays): they are
  made one at a time into reused buffers (io/slab_writer.py), so the
  checkpoint never holds a second copy of the network;
- a `Replicated` array is the same on every rank: rank 0 writes it, every
  rank reads all of it.

A checkpoint is written to ``<file>.writing`` and renamed when complete (and
the HDF5 metadata flushed), so a run killed while writing never replaces
the previous good checkpoint. Several checkpoints (``name=``) share a file,
as Brian2's ``store(name, filename)`` does.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..parallel import collective, get_comm
from ..parallel.gather import allgather_blocks
from ..parallel.partition import Share, block_range, positions_in_order
from ..parallel.errors import abort_from_parallel_io
from .disk import free_bytes, no_room_error
from .slab_writer import SlabWriter

FORMAT = "distsim-checkpoint"
VERSION = 1
# Room for HDF5's metadata and the attributes beyond the arrays.
METADATA_BYTES = 1 << 20


class Computed:
    """Values made when they are needed: ``fill(out)`` sets ``out``, an
    uninitialised array of ``shape`` and ``dtype``."""

    def __init__(self, dtype, shape: tuple, fill: Callable[[np.ndarray], object]):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(shape)
        self.fill = fill

    def __len__(self):
        return self.shape[0]

    def into(self, out: np.ndarray | None = None) -> np.ndarray:
        """The values, in ``out`` if given (else a new array)."""
        if out is None:
            out = np.empty(self.shape, self.dtype)
        self.fill(out)
        return out


@dataclass
class Block:
    """This rank's slab of a global array (see the module's docstring)."""
    values: np.ndarray | Computed
    offset: int
    total: int
    stride: int = 1
    pieces: "Pieces | None" = None  # the rows' runs (then offset and stride are unused)

    def materialized(self) -> "Block":
        """The same block with its values computed (a copy of them)."""
        values = self.values.into() if isinstance(self.values, Computed) else \
            np.array(self.values)
        return Block(values, self.offset, self.total, self.stride, self.pieces)

    def contiguous(self) -> "Block":
        """This rank's contiguous slab of the same global array (the blocks
        partition of its rows). Collective where the block has a stride
        (the same paths have strides on every rank): one Allgatherv."""
        if self.stride == 1 or self.pieces is not None:
            return self
        comm = get_comm()
        values = np.ascontiguousarray(self.values)
        row = int(np.prod(values.shape[1:]))
        shares = [Share(*share) for share in
                  comm.allgather((self.offset, self.stride, len(values)))]
        counts = np.array([share.n * row for share in shares], dtype=np.int64)
        gathered = allgather_blocks(values.reshape(-1), counts).reshape((-1,) + values.shape[1:])
        everything = np.empty((self.total,) + values.shape[1:], dtype=values.dtype)
        everything[positions_in_order(shares)] = gathered
        start, stop = block_range(self.total, comm.Get_rank(), comm.Get_size())
        return Block(everything[start:stop].copy(), start, self.total)


class Pieces:
    """Where a rank's rows lie in a global array: runs ``[start, start +
    length)``, in the order of the rank's values. Local."""

    def __init__(self, starts: np.ndarray, lengths: np.ndarray):
        self.starts = np.asarray(starts, dtype=np.int64)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.firsts = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)

    @classmethod
    def of_rows(cls, rows_per_item: np.ndarray, local_items: np.ndarray) -> "Pieces":
        """The runs of ``local_items`` (ascending) in an array that holds
        ``rows_per_item[k]`` rows for each item k in order (every item's),
        adjacent runs joined: a contiguous block is one run."""
        starts = (np.cumsum(rows_per_item) - rows_per_item)[local_items]
        lengths = rows_per_item[local_items]
        starts, lengths = starts[lengths > 0], lengths[lengths > 0]
        if len(starts) > 1:
            joined = np.concatenate([[False], starts[1:] == starts[:-1] + lengths[:-1]])
            run = np.cumsum(~joined) - 1
            lengths = np.bincount(run, weights=lengths).astype(np.int64)
            starts = starts[~joined]
        return cls(starts, lengths)

    def __len__(self) -> int:
        return int(self.firsts[-1])

    def __eq__(self, other) -> bool:
        return isinstance(other, Pieces) and np.array_equal(self.starts, other.starts) \
            and np.array_equal(self.lengths, other.lengths)

    def to_global(self, local: np.ndarray) -> np.ndarray:
        """Global rows of the rank's rows ``local``."""
        local = np.asarray(local, dtype=np.int64)
        run = np.searchsorted(self.firsts, local, side="right") - 1
        return self.starts[run] + (local - self.firsts[run])

    def holds(self, rows: np.ndarray) -> np.ndarray:
        """Whether each global row is one of the rank's."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(self.starts):
            return np.zeros(rows.shape, dtype=bool)
        run = np.maximum(np.searchsorted(self.starts, rows, side="right") - 1, 0)
        return (rows >= self.starts[run]) & (rows < self.starts[run] + self.lengths[run])

    def to_local(self, rows: np.ndarray) -> np.ndarray:
        """The rank's positions of global rows it holds."""
        rows = np.asarray(rows, dtype=np.int64)
        run = np.searchsorted(self.starts, rows, side="right") - 1
        return self.firsts[run] + (rows - self.starts[run])


@dataclass
class Replicated:
    """An array every rank holds the same."""
    values: np.ndarray

    def materialized(self) -> "Replicated":
        return Replicated(np.array(self.values))


def _open(filename, mode):
    import h5py
    return h5py.File(filename, mode, driver="mpio", comm=get_comm())


def write(filename: str, name: str, meta: dict, arrays: dict) -> None:
    """Write checkpoint ``name`` (``meta``: JSON-able; ``arrays``: path ->
    Block or Replicated, the same paths on every rank) into ``filename``,
    keeping the file's other checkpoints. Collective."""
    comm = get_comm()
    filename = os.path.abspath(filename)
    writing = filename + ".writing"
    with collective(f"Writing checkpoint '{name}' to '{filename}'"):
        _check_layout_agrees(meta, arrays, comm)
        if comm.Get_rank() == 0:
            if os.path.exists(writing):
                os.remove(writing)  # left by a job killed while writing
            # The file is written anew, the other checkpoints in it copied
            # over: replacing a group in place would grow the file at every
            # periodic checkpoint (HDF5 does not reclaim a deleted group).
            others = _other_names(filename, name)
            _check_room(filename, arrays, copied=others)
            if others:
                _copy_checkpoints(filename, writing, others)
    try:
        with _open(writing, "a") as f:
            f.attrs["format"] = FORMAT
            f.attrs["version"] = VERSION
            if name in f:
                del f[name]
            group = f.create_group(name)
            group.attrs["meta"] = json.dumps(meta)
            slabs = []
            arrays = {path: part.contiguous() if isinstance(part, Block) else part
                      for path, part in sorted(arrays.items())}
            for path, part in arrays.items():
                dataset = _create_dataset(group, path, part)
                if isinstance(part, Replicated):
                    values = np.ascontiguousarray(part.values)
                    if comm.Get_rank() == 0 and values.size:
                        dataset[...] = values
                else:
                    slabs.append((path, dataset.id.get_offset(), part))
    except Exception as error:  # noqa: BLE001 - the others may wait inside HDF5
        abort_from_parallel_io(error, f"writing checkpoint '{name}' to '{writing}' failed: "
                                      f"{type(error).__name__}: {error}. The previous "
                                      f"checkpoints in '{filename}' are untouched.")
    with collective(f"Writing checkpoint '{name}' to '{writing}'"):
        _write_slabs(writing, slabs)
    with collective(f"Replacing '{filename}' by the new checkpoint"):
        if comm.Get_rank() == 0:
            os.replace(writing, filename)


def _write_slabs(filename, slabs):
    """Each rank writes its own slabs straight into the closed file, at the
    places HDF5 allocated for them (parallel HDF5 allocates contiguous
    datasets when it creates them): from the buffer to the disk, computed
    values made while the previous ones are written (io/slab_writer.py), and
    the ranks never wait for each other."""
    largest = max((int(np.prod(part.values.shape)) * part.values.dtype.itemsize
                   for _, _, part in slabs if isinstance(part.values, Computed)), default=0)
    with SlabWriter(filename, largest) as writer:
        for path, address, part in slabs:
            values = part.values if isinstance(part.values, Computed) else \
                np.asarray(part.values)
            if not len(values):
                continue
            if address is None:
                raise RuntimeError(f"HDF5 did not allocate '{path}' when creating it: a bug "
                                   "in distsim")
            row_bytes = values.dtype.itemsize * int(np.prod(values.shape[1:]))
            if part.pieces is None:
                writer.write(address + part.offset * row_bytes, values)
            else:
                writer.write_runs(address, row_bytes, part.pieces, values)


def _check_room(filename, arrays, copied):
    """Raise ENOSPC, before anything is written, if the disk lacks room for
    the new file: this checkpoint, and the others it copies (at most the
    size of the old file). On one rank."""
    needed = sum(_global_bytes(part) for part in arrays.values()) + METADATA_BYTES
    if copied:
        needed += os.path.getsize(filename)
    free = free_bytes(filename)
    if needed > free:
        raise no_room_error("checkpoint file", filename, free, needed, "the checkpoint",
                            "The previous checkpoints in the file are untouched")


def _global_bytes(part):
    dtype, shape = _dtype_and_shape(part)
    return dtype.itemsize * int(np.prod(shape))


def _dtype_and_shape(part):
    """The dtype and global shape of a part's dataset."""
    values = part.values if isinstance(part.values, Computed) else np.asarray(part.values)
    if isinstance(part, Replicated):
        return values.dtype, tuple(values.shape)
    return values.dtype, (part.total,) + tuple(values.shape[1:])


def _other_names(filename, name):
    """The checkpoints other than ``name`` in an existing file (one process
    reads it); an error if the file is not a checkpoint file."""
    if not os.path.exists(filename):
        return []
    import h5py
    try:
        with h5py.File(filename, "r") as f:
            if f.attrs.get("format") == FORMAT:
                return [other for other in f.keys() if other != name]
    except OSError:
        pass  # not HDF5 at all
    raise FileExistsError(f"'{filename}' exists and is not a distsim checkpoint file; "
                          "choose another name")


def _copy_checkpoints(source, target, names):
    """A new checkpoint file ``target`` holding ``names`` of ``source``."""
    import h5py
    with h5py.File(source, "r") as old, h5py.File(target, "w") as new:
        for key, value in old.attrs.items():
            new.attrs[key] = value
        for name in names:
            old.copy(old[name], new, name=name)


def _check_layout_agrees(meta, arrays, comm):
    """Parallel HDF5 needs every rank to create the same datasets: a
    disagreement would hang in the file's close, so it is an error here."""
    layout = (json.dumps(meta, sort_keys=True),
              sorted((path, type(part).__name__, _dtype_and_shape(part)[0].str,
                      _dtype_and_shape(part)[1]) for path, part in arrays.items()))
    layouts = comm.allgather(layout)
    for rank, other in enumerate(layouts):
        if other != layouts[0]:
            differing = sorted(set(map(str, other[1])) ^ set(map(str, layouts[0][1])))[:3]
            raise RuntimeError(f"the checkpoint's layout differs between rank 0 and rank "
                               f"{rank} ({differing or 'metadata'}): a bug in distsim")


def _create_dataset(group, path, part):
    dtype, shape = _dtype_and_shape(part)
    # Never filled: every element is written (by its rank), and a fill would
    # write the whole file once more.
    return group.create_dataset(path, shape=shape, dtype=dtype, fill_time="never")


class CheckpointReader:
    """Checkpoint ``name`` of ``filename``, open for reading by all ranks."""

    def __init__(self, filename: str, name: str):
        self.filename = os.path.abspath(filename)
        self.name = name
        with collective(f"Opening checkpoint '{name}' of '{self.filename}'"):
            if not os.path.exists(self.filename):
                raise FileNotFoundError(f"no checkpoint file '{self.filename}'")
            self.file = _open(self.filename, "r")
            if self.file.attrs.get("format") != FORMAT:
                self.file.close()
                raise ValueError(f"'{self.filename}' is not a distsim checkpoint file")
            if name not in self.file:
                names = sorted(self.file.keys())
                self.file.close()
                raise KeyError(f"'{self.filename}' has no checkpoint named '{name}' "
                               f"(it has {names})")
        self.group = self.file[name]
        self.meta = json.loads(self.group.attrs["meta"])

    def has(self, path: str) -> bool:
        return path in self.group

    def total(self, path: str) -> int:
        """The global length of an array."""
        return self.group[path].shape[0]

    def block(self, path: str, offset: int, count: int, stride: int = 1) -> np.ndarray:
        """This rank's slab of a Block array: ``count`` rows from ``offset``,
        ``stride`` apart."""
        if stride == 1 or count <= 1:
            return self.group[path][offset:offset + count]
        return self.group[path][offset:offset + stride * (count - 1) + 1:stride]

    def pieces(self, path: str, pieces: Pieces) -> np.ndarray:
        """This rank's rows of a Block array written with ``pieces``, in
        order: a read per run, straight from the file where HDF5 stored the
        array in one piece (as checkpoints do), else through HDF5."""
        dataset = self.group[path]
        out = np.empty((len(pieces),) + dataset.shape[1:], dtype=dataset.dtype)
        address = dataset.id.get_offset()
        if address is None or len(pieces.starts) <= 1:
            for start, length, first in zip(pieces.starts, pieces.lengths, pieces.firsts):
                out[first:first + length] = dataset[start:start + length]
            return out
        row_bytes = out.itemsize * int(np.prod(out.shape[1:]))
        flat = out.reshape(-1).view(np.uint8)
        descriptor = os.open(self.filename, os.O_RDONLY)
        try:
            for start, length, first in zip(pieces.starts, pieces.lengths, pieces.firsts):
                view = memoryview(flat[first * row_bytes:(first + length) * row_bytes])
                done = 0
                while done < len(view):
                    done += os.preadv(descriptor, [view[done:]],
                                      address + start * row_bytes + done)
        finally:
            os.close(descriptor)
        return out

    def replicated(self, path: str) -> np.ndarray:
        """All of an array."""
        return self.group[path][...]

    def close(self):
        self.file.close()
