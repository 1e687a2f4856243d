"""Every rank's block of a distributed array, on every rank."""
import numpy as np

from .comm import get_comm


def allgather_blocks(local: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """The blocks of all ranks, concatenated in rank order. Collective: one
    Allgatherv of the raw values (a copy of ``local`` on one rank), plus an
    allgather of the lengths when ``counts`` (each rank's length) is not
    given."""
    comm = get_comm()
    local = np.ascontiguousarray(local)
    if comm.Get_size() == 1:
        return local.copy()
    if counts is None:
        counts = np.asarray(comm.allgather(len(local)), dtype=np.int64)
    everything = np.empty(int(counts.sum()), dtype=local.dtype)
    comm.Allgatherv(local, [everything, counts])
    return everything
