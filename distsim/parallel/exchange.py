"""Spike exchange: one Allgatherv of (global id, step) per min-delay window."""
import numpy as np

from .comm import get_comm


class SpikeExchange:
    """Gathers every rank's spikes of one window onto every rank.

    Each spike is a pair (network-wide neuron id, time step), both int64. The
    result is sorted by (step, id): the same array on every rank and for any
    number of ranks, which fixes the order of synaptic delivery.
    """

    def __init__(self, comm=None):
        self.comm = comm if comm is not None else get_comm()
        self.n_ranks = self.comm.Get_size()
        self.spikes_exchanged = 0
        self.windows = 0

    def exchange(self, ids, steps):
        from mpi4py import MPI
        local = np.empty((len(ids), 2), dtype=np.int64)
        local[:, 0] = steps
        local[:, 1] = ids
        counts = np.empty(self.n_ranks, dtype=np.int64)
        self.comm.Allgather(np.array([local.size], dtype=np.int64), counts)
        gathered = np.empty(int(counts.sum()), dtype=np.int64)
        displacements = counts.cumsum() - counts
        self.comm.Allgatherv([local.reshape(-1), MPI.INT64_T],
                             [gathered, (counts, displacements), MPI.INT64_T])
        gathered = gathered.reshape(-1, 2)
        self.windows += 1
        self.spikes_exchanged += len(gathered)
        steps, ids = gathered[:, 0], gathered[:, 1]
        if len(gathered) > 1:
            # By step, then id (ids are unique within a step): one sort key
            # for a one-step window, the common case.
            order = np.argsort(ids) if np.all(steps == steps[0]) else np.lexsort((ids, steps))
            return ids[order], steps[order]
        return ids.copy(), steps.copy()
