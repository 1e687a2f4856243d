"""Spike exchange: every rank's spikes of one window, gathered onto every rank."""
import numpy as np

from .comm import get_comm

# Spikes per rank and window that fit the fixed-size exchange at first; it
# grows (by powers of two, up to MAX_CAPACITY) when a window needs more.
INITIAL_CAPACITY = 64
MAX_CAPACITY = 1 << 16


class SpikeExchange:
    """Gathers every rank's spikes of one window onto every rank.

    Each spike is a pair (network-wide neuron id, time step), both int64. The
    result is sorted by (step, id): the same array on every rank and for any
    number of ranks, which fixes the order of synaptic delivery.

    One Allgather of a fixed-size block per window, ``[count, steps...,
    ids...]``, carries the spikes when every rank's fit (almost always: a
    window is usually one step). When some rank has more, the counts that
    came with the block size an Allgatherv of the full lists, and the block
    grows for the next windows. Every rank sees the same counts, so all take
    the same branch.
    """

    def __init__(self, comm=None):
        self.comm = comm if comm is not None else get_comm()
        self.n_ranks = self.comm.Get_size()
        self.spikes_exchanged = 0
        self.windows = 0
        self._resize(INITIAL_CAPACITY)

    def _resize(self, capacity):
        self.capacity = capacity
        self._send = np.zeros(1 + 2 * capacity, dtype=np.int64)
        self._received = np.empty((self.n_ranks, 1 + 2 * capacity), dtype=np.int64)

    def exchange(self, ids, steps, one_step=False):
        """All ranks' (ids, steps), sorted by step then id. ``one_step``: the
        window is a single step (all steps equal), so only ids are sorted."""
        if self.n_ranks == 1:
            # Nothing to gather (one rank: the call would only copy)
            all_ids, all_steps = np.asarray(ids, np.int64), np.asarray(steps, np.int64)
        else:
            all_ids, all_steps = self._gathered(ids, steps)
        self.windows += 1
        self.spikes_exchanged += len(all_ids)
        if len(all_ids) > 1:
            # By step, then id (ids are unique within a step).
            if one_step:
                return np.sort(all_ids), all_steps
            order = np.lexsort((all_ids, all_steps))
            return all_ids[order], all_steps[order]
        return all_ids, all_steps

    def _gathered(self, ids, steps):
        """Every rank's (ids, steps), rank by rank. Collective."""
        capacity = self.capacity
        n = len(ids)
        send = self._send
        send[0] = n
        if n <= capacity:
            send[1:1 + n] = steps
            send[1 + capacity:1 + capacity + n] = ids
        self.comm.Allgather(send, self._received)
        counts = self._received[:, 0].tolist()
        if max(counts) > capacity:
            gathered = self._exchange_lists(ids, steps, np.array(counts))
            self._resize(min(MAX_CAPACITY, 1 << (max(counts) - 1).bit_length()))
            return gathered
        received = self._received
        return (np.concatenate([received[r, 1 + capacity:1 + capacity + c]
                                for r, c in enumerate(counts)]),
                np.concatenate([received[r, 1:1 + c] for r, c in enumerate(counts)]))

    def _exchange_lists(self, ids, steps, counts):
        """Every rank's full (ids, steps), sized by the known counts."""
        from mpi4py import MPI
        local = np.concatenate([np.asarray(steps, dtype=np.int64),
                                np.asarray(ids, dtype=np.int64)])
        sizes = 2 * counts
        gathered = np.empty(int(sizes.sum()), dtype=np.int64)
        self.comm.Allgatherv([local, MPI.INT64_T],
                             [gathered, (sizes, np.cumsum(sizes) - sizes), MPI.INT64_T])
        all_ids, all_steps = [], []
        start = 0
        for count in counts:
            all_steps.append(gathered[start:start + count])
            all_ids.append(gathered[start + count:start + 2 * count])
            start += 2 * count
        return np.concatenate(all_ids), np.concatenate(all_steps)
