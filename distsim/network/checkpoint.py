"""Checkpoints: ``store()`` and ``restore()`` of a whole network (Brian2's API).

A checkpoint holds everything a run needs to continue exactly: every stored
variable of every object (their variable tables), the synapses' events in
flight, the ring buffers of delayed input, the monitors' recorded data, the
clock and the random-number state (the seed and the per-object counters of
string assignments; draws during a run are keyed by the step). It is laid
out by global neuron ids and by a rank-independent synapse order (see
`Synapses.checkpoint_parts`), never by rank, so a checkpoint written by 3
ranks restores on 2 or 1.

Without a filename the checkpoint is kept in memory (any number of names,
as Brian2); with one it goes to an HDF5 file written by all ranks together
(io/checkpoint_file.py). Restoring into a network that differs (other
objects, sizes or variables) is an error naming the difference, on every
rank.
"""
from __future__ import annotations

import numpy as np

from ..core import random as random_numbers
from ..core.clock import defaultclock
from ..io import checkpoint_file
from ..io.checkpoint_file import Block, CheckpointReader
from ..parallel import collective, get_comm
from ..synapses import construction


class MemoryReader:
    """A checkpoint kept in memory, read as a file would be (same ranks)."""

    def __init__(self, name, snapshot):
        self.name = name
        self.meta, self.arrays = snapshot

    def block(self, path, offset, count, stride=1):
        part = self.arrays[path]
        if part.offset != offset or len(part.values) != count or part.stride != stride:
            raise ValueError(f"checkpoint '{self.name}': '{path}' was stored for another "
                             "partition of the ranks")
        return part.values.copy()

    def pieces(self, path, pieces):
        part = self.arrays[path]
        if part.pieces != pieces:
            raise ValueError(f"checkpoint '{self.name}': '{path}' was stored for another "
                             "partition of the ranks")
        return part.values.copy()

    def replicated(self, path):
        return self.arrays[path].values.copy()

    def close(self):
        pass


def describe(objects):
    """What must match between a checkpoint and the network restoring it."""
    return [{"name": obj.name, "type": type(obj).__name__,
             "size": int(getattr(obj, "N", 0) or 0),
             "variables": sorted(name for name, v in getattr(obj, "variables", {}).items()
                                 if v.stored)}
            for obj in objects]


def _differences(saved, current):
    saved_by_name = {d["name"]: d for d in saved}
    current_by_name = {d["name"]: d for d in current}
    found = []
    for name in saved_by_name.keys() - current_by_name.keys():
        d = saved_by_name[name]
        found.append(f"the checkpoint has {d['type']} '{name}', which the network does not have")
    for name in current_by_name.keys() - saved_by_name.keys():
        d = current_by_name[name]
        found.append(f"the network has {d['type']} '{name}', which the checkpoint does not have")
    for name in sorted(saved_by_name.keys() & current_by_name.keys()):
        old, new = saved_by_name[name], current_by_name[name]
        for key, what in (("type", "type"), ("size", "size"), ("variables", "variables")):
            if old[key] != new[key]:
                found.append(f"'{name}' has {what} {old[key]} in the checkpoint, {new[key]} "
                             "in the network")
    return sorted(found)


def store(network, objects, name, filename):
    """Take a checkpoint of ``objects`` (and ``network``'s ring buffers).
    Collective."""
    construction.build_pending()
    for obj in objects:  # an incomplete model is not worth saving (the same on every rank)
        getattr(obj, "check_built", lambda: None)()
    step = defaultclock.timestep
    meta = {"timestep": step, "dt": defaultclock.dt_, "seed": random_numbers.current_seed(),
            "objects": describe(objects),
            "counters": {obj.name: obj.random_counters() for obj in objects}}
    arrays = {}
    with collective(f"Taking checkpoint '{name}'"):
        for obj in objects:
            for key, part in obj.checkpoint_parts().items():
                arrays[f"objects/{obj.name}/{key}"] = part
        for buffer in network.buffers.values():
            if not any(buffer.group is obj for obj in objects):
                continue
            # A rank's ring is as long as its own longest delay: the
            # dataset takes the longest of all (the rest arrives as zeros).
            rows = buffer.rows_from(step)
            n_slots = get_comm().allreduce(rows.shape[0], op=_mpi_max())
            ahead = np.zeros((buffer.group.n_local, n_slots))
            ahead[:, :rows.shape[0]] = rows.T
            share = buffer.group.share
            arrays[f"buffers/{buffer.group.name}/{buffer.variable}"] = Block(
                ahead, share.first, buffer.group.N, share.stride)
    meta["buffers"] = sorted(path for path in arrays if path.startswith("buffers/"))
    if filename is None:
        network.snapshots[name] = (meta, {path: part.materialized()
                                          for path, part in arrays.items()})
    else:
        checkpoint_file.write(filename, name, meta, arrays)


def restore(network, objects, name, filename, restore_random_state):
    """Set ``objects`` (and ``network``'s ring buffers) to a checkpoint.
    Collective."""
    construction.build_pending()
    if filename is None:
        if name not in network.snapshots:
            raise KeyError(f"no checkpoint named '{name}' was stored in memory "
                           f"(stored: {sorted(network.snapshots)})")
        reader = MemoryReader(name, network.snapshots[name])
    else:
        reader = CheckpointReader(filename, name)
    try:
        _restore(network, objects, reader, restore_random_state)
    finally:
        reader.close()


def _restore(network, objects, reader, restore_random_state):
    meta = reader.meta
    with collective(f"Restoring checkpoint '{reader.name}'"):
        if abs(meta["dt"] - defaultclock.dt_) > 1e-12 * meta["dt"]:
            raise ValueError(f"checkpoint '{reader.name}' was taken with dt = "
                             f"{meta['dt'] * 1e3:g} ms, the network uses "
                             f"{defaultclock.dt_ * 1e3:g} ms")
        differences = _differences(meta["objects"], describe(objects))
        if differences:
            raise ValueError(f"checkpoint '{reader.name}' does not fit this network: "
                             + "; ".join(differences))
    defaultclock.timestep = meta["timestep"]
    with collective(f"Restoring checkpoint '{reader.name}'"):
        for obj in objects:
            obj.restore_parts(reader, f"objects/{obj.name}")
        # Delayed input: loaded into the ring buffers when the next run makes
        # them; what the buffers held after the checkpoint is gone.
        for buffer in network.buffers.values():
            buffer.ring[...] = 0.0
        network.restored_rings = {}
        for path in meta["buffers"]:
            _, group_name, variable = path.split("/")
            group = next(o for o in objects if o.name == group_name)
            network.restored_rings[(group_name, variable)] = reader.block(
                path, group.share.first, group.n_local, group.share.stride)
    if restore_random_state:
        random_numbers.seed(meta["seed"])
        for obj in objects:
            obj.set_random_counters(meta["counters"].get(obj.name, {}))



def _mpi_max():
    from mpi4py import MPI
    return MPI.MAX
