"""Checkpoint files: one HDF5 file written and read by all ranks together.

The file knows nothing of groups or synapses: it stores named arrays in
layouts that do not depend on the number of ranks (network/checkpoint.py
decides them):

- a `Block` is this rank's contiguous slab ``[offset, offset + len)`` of a
  global array (leading axis): every rank writes its own slab, and on
  restore every rank reads the slab of its own (new) partition;
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

import numpy as np

from ..parallel import collective, get_comm
from ..parallel.errors import abort_from_parallel_io
from .disk import free_bytes, no_room_error

FORMAT = "distsim-checkpoint"
VERSION = 1
# Room for HDF5's metadata and the attributes beyond the arrays.
METADATA_BYTES = 1 << 20


@dataclass
class Block:
    """This rank's slab of a global array (see the module's docstring)."""
    values: np.ndarray
    offset: int
    total: int


@dataclass
class Replicated:
    """An array every rank holds the same."""
    values: np.ndarray


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
            for path, part in sorted(arrays.items()):
                _write_array(group, path, part, comm)
    except Exception as error:  # noqa: BLE001 - the others may wait inside HDF5
        abort_from_parallel_io(error, f"writing checkpoint '{name}' to '{writing}' failed: "
                                      f"{type(error).__name__}: {error}. The previous "
                                      f"checkpoints in '{filename}' are untouched.")
    comm.Barrier()
    with collective(f"Replacing '{filename}' by the new checkpoint"):
        if comm.Get_rank() == 0:
            os.replace(writing, filename)


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
    values = np.asarray(part.values)
    if isinstance(part, Replicated):
        return values.nbytes
    return part.total * values.dtype.itemsize * int(np.prod(values.shape[1:]))


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
              sorted((path, type(part).__name__, np.asarray(part.values).dtype.str,
                      (part.total,) + np.shape(part.values)[1:] if isinstance(part, Block)
                      else np.shape(part.values)) for path, part in arrays.items()))
    layouts = comm.allgather(layout)
    for rank, other in enumerate(layouts):
        if other != layouts[0]:
            differing = sorted(set(map(str, other[1])) ^ set(map(str, layouts[0][1])))[:3]
            raise RuntimeError(f"the checkpoint's layout differs between rank 0 and rank "
                               f"{rank} ({differing or 'metadata'}): a bug in distsim")


def _write_array(group, path, part, comm):
    if isinstance(part, Replicated):
        values = np.ascontiguousarray(part.values)
        dataset = group.create_dataset(path, shape=values.shape, dtype=values.dtype)
        if comm.Get_rank() == 0 and values.size:
            dataset[...] = values
        return
    values = np.ascontiguousarray(part.values)
    dataset = group.create_dataset(path, shape=(part.total,) + values.shape[1:],
                                   dtype=values.dtype)
    if len(values):
        dataset[part.offset:part.offset + len(values)] = values


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
