"""Spike exchange: every rank's spikes of one window, gathered onto every rank.

The protocol (one Allgather of a fixed block per window, an Allgatherv when
a rank's spikes do not fit, the result sorted by (step, id)) is written once,
in C: ext/spike_exchange.pyx. `SpikeExchange` is its Python face; the
compiled step loop calls the same object through `capsule`.
"""
from .._ext import spike_exchange
from .comm import get_comm

INITIAL_CAPACITY = spike_exchange.INITIAL_CAPACITY
MAX_CAPACITY = spike_exchange.MAX_CAPACITY


class SpikeExchange:
    """Gathers every rank's spikes of one window onto every rank.

    Each spike is a pair (network-wide neuron id, time step), both int64. The
    result is sorted by (step, id): the same array on every rank and for any
    number of ranks, which fixes the order of synaptic delivery.
    """

    def __init__(self, comm=None):
        self.comm = comm if comm is not None else get_comm()
        self.n_ranks = self.comm.Get_size()
        handle = 0
        if self.n_ranks > 1:
            from mpi4py import MPI
            handle = MPI._handleof(self.comm)
        self._exchanger = spike_exchange.Exchanger(handle, self.n_ranks)

    def exchange(self, ids, steps):
        """All ranks' (ids, steps), sorted by step then id. Collective."""
        return self._exchanger.exchange(ids, steps)

    def capsule(self):
        """The exchange for the compiled step loop (a capsule)."""
        return self._exchanger.capsule()

    @property
    def capacity(self):
        """Spikes per rank that fit the fixed-size block now."""
        return self._exchanger.capacity

    @property
    def windows(self):
        return self._exchanger.windows

    @property
    def spikes_exchanged(self):
        return self._exchanger.spikes_exchanged

    @property
    def wait_seconds(self):
        """Seconds this rank spent in the exchanges' collective calls: mostly
        waiting for the other ranks to reach the exchange."""
        return self._exchanger.wait_seconds
