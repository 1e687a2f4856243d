"""Connectors whose PyNN versions depend on the number of MPI processes.

PyNN's ``FixedTotalNumberConnector`` splits the n connections between
processes with binomial draws from the process count (its code says: "todo:
support the parallel_safe flag"), so the network changes with the rank
count. distsim's version draws the n (source, target) pairs identically on
every rank, from the connector's RNG, and each rank keeps the pairs onto its
own cells: the same network on any number of ranks.
"""
import numpy as np
from pyNN import connectors


class FixedTotalNumberConnector(connectors.FixedTotalNumberConnector):
    __doc__ = connectors.FixedTotalNumberConnector.__doc__

    def connect(self, projection):
        if not self.with_replacement or self.allow_self_connections is not True:
            raise NotImplementedError(
                "distsim.pynn: FixedTotalNumberConnector supports with_replacement=True and "
                "allow_self_connections=True (the defaults) only")
        n = int(self.n.next()) if hasattr(self.n, "next") else int(self.n)
        # Every rank draws all pairs (the same numbers: the RNG is shared).
        sources = np.asarray(self.rng.next(n, "uniform_int",
                                           {"low": 0, "high": projection.pre.size}, mask=None),
                             dtype=np.int64).reshape(-1)
        targets = np.asarray(self.rng.next(n, "uniform_int",
                                           {"low": 0, "high": projection.post.size}, mask=None),
                             dtype=np.int64).reshape(-1)
        order = np.argsort(targets, kind="stable")
        bounds = np.searchsorted(targets[order], np.arange(projection.post.size + 1))
        columns = [sources[order[bounds[j]:bounds[j + 1]]] for j in range(projection.post.size)]

        def source_lists(mask=None):
            return columns if mask is None else [c for c, m in zip(columns, mask) if m]
        self._standard_connect(projection, source_lists)
