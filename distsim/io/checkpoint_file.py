"""Checkpoint files: one HDF5 file written and read by all ranks together.

The file knows nothing of groups or synapses: it stores named arrays in
layouts that do not depend on the number of ranks (network/checkpoint.py
decides them):

- a `Block` is this rank's contiguous slab ``[offset, offset + len)`` of a
  global array (leading axis): every rank writes its own slab, and on
  restore every rank reads the slab of its own (new) partition. Its values
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

    def materialized(self) -> "Block":
        """The same block with its values computed (a copy of them)."""
        values = self.values.into() if isinstance(self.values, Computed) else \
            np.array(self.values)
        return Block(values, self.offset, self.total)


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
            for path, part in sorted(arrays.items()):
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
            writer.write(address + part.offset * row_bytes, values)


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

    def block(self, path: str, offset: int, count: int) -> np.ndarray:
        """This rank's slab of a Block array."""
        return self.group[path][offset:offset + count]

    def replicated(self, path: str) -> np.ndarray:
        """All of an array."""
        return self.group[path][...]

    def close(self):
        self.file.close()
