"""MPI layer: the communicator, neuron partitioning, spike exchange and
collective error handling. Nothing above this package imports mpi4py."""
from .comm import get_comm, set_comm, rank, size
from .workers import ForkedRankError
from .partition import block_range
from .errors import collective, CollectiveError
from .exchange import SpikeExchange
from .guard import CollectiveMismatchError, CollectiveTimeoutError, collective_call

__all__ = ["ForkedRankError", "get_comm", "set_comm", "rank", "size", "block_range",
           "collective", "CollectiveError", "SpikeExchange", "collective_call",
           "CollectiveMismatchError", "CollectiveTimeoutError"]
