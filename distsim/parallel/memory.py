"""Will it fit? The memory a rank may use, and the check made before the
synapses are built.

A rank's share is the memory available on its node (the kernel's
``MemAvailable``, or less when the job runs in a memory-limited cgroup, as
SLURM's ``--mem`` makes it, or ``DISTSIM_MEMORY_LIMIT``) divided among the
ranks of the job on that node (and no more than the process's address-space
limit, ``ulimit -v``, allows). Ranks on one node share its memory: more
ranks on the same node do not make room, more nodes do.
"""
from __future__ import annotations

import math
import os

from .comm import get_comm

#: Construction needs at most this much more than the synapses it leaves
#: (temporaries of the chunked draws; measured at most 1.05, connectivity.md).
CONSTRUCTION_PEAK = 1.1

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """Bytes of a size such as ``'512M'``, ``'2G'``, ``'2GiB'`` or ``'1000000'``."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = value[-1] if value and value[-1] in _UNITS else ""
    try:
        number = float(value[:-1] if unit else value)
    except ValueError:
        raise ValueError(f"DISTSIM_MEMORY_LIMIT: '{text}' is not a size (e.g. 4G, 512M)") from None
    return int(number * _UNITS[unit])


def _meminfo_available() -> int:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    raise OSError("no MemAvailable in /proc/meminfo")


def _cgroup_available() -> int | None:
    """What the job's memory cgroup still allows (None: no limit)."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file) as handle:
                limit = handle.read().strip()
            with open(usage_file) as handle:
                usage = int(handle.read().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 2**60:
            return None
        return max(0, int(limit) - usage)
    return None


def node_available_bytes() -> int:
    """Memory this job may still take on this node (local)."""
    override = os.environ.get("DISTSIM_MEMORY_LIMIT")
    if override:
        return parse_size(override)
    available = _meminfo_available()
    cgroup = _cgroup_available()
    return available if cgroup is None else min(available, cgroup)


def process_room_bytes() -> int | None:
    """What this process may still map under its address-space limit
    (``ulimit -v``; None: no limit). Local."""
    import resource
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    from ..utils.memory import virtual_size_bytes
    return max(0, soft - virtual_size_bytes())


_ranks_on_node = None


def ranks_on_this_node() -> int:
    """How many of the job's ranks share this rank's node. Collective on
    first call (a split of the communicator by shared memory)."""
    global _ranks_on_node
    if _ranks_on_node is None:
        from mpi4py import MPI
        node = get_comm().Split_type(MPI.COMM_TYPE_SHARED)
        _ranks_on_node = node.Get_size()
        node.Free()
    return _ranks_on_node


def check_room(needed_bytes: int, what: str) -> None:
    """Raise `MemoryError` on every rank if any rank needs more than its
    share of its node's memory for ``what``. Collective.

    The message names the rank short of memory, its need and its share, the
    total over all ranks, and how many nodes like this one would hold it.
    """
    comm = get_comm()
    share = node_available_bytes() // ranks_on_this_node()
    room = process_room_bytes()
    share = share if room is None else min(share, room)
    needs = comm.allgather((int(needed_bytes), int(share), ranks_on_this_node()))
    short = [(rank, need, room) for rank, (need, room, _) in enumerate(needs) if need > room]
    if not short:
        return
    rank, need, room = max(short, key=lambda entry: entry[1] - entry[2])
    total = sum(need for need, _, _ in needs)
    per_node = room * needs[rank][2]
    error = MemoryError(
        f"{what} needs about {_gib(need)} on rank {rank}, which has {_gib(room)} (its node's "
        f"available memory shared by {needs[rank][2]} rank(s)); {_gib(total)} in all. Ranks "
        f"on one node share its memory: run on at least {math.ceil(total / per_node)} nodes "
        f"like this one (with the ranks spread evenly), or set DISTSIM_MEMORY_LIMIT if the "
        "available memory is wrong. Nothing was built.")
    error.raised_on_every_rank = True
    raise error


def _gib(n_bytes: int) -> str:
    return f"{n_bytes / 2**30:.2f} GiB"
