"""Reading a results file back in Python (no MPI needed)."""
import json

import numpy as np

from ..units import Quantity, second
from . import sonata


class SpikePopulation:
    """The spikes of one population; arrays are read when first asked for."""

    def __init__(self, group, n_nodes):
        self._group = group
        self.n_nodes = n_nodes
        self.sorting = {v: k for k, v in sonata.SORTING_VALUES.items()}.get(
            int(group.attrs.get("sorting", 0)), "none")

    @property
    def node_ids(self):
        return self._group["node_ids"][...].astype(np.int64)

    @property
    def timestamps(self):
        """Spike times as a Quantity."""
        units = self._group["timestamps"].attrs.get("units", "ms")
        scale = {"ms": 1e-3, "s": 1.0}[units if isinstance(units, str) else units.decode()]
        return Quantity(self._group["timestamps"][...] * scale, second.dim)

    def __len__(self):
        return self._group["node_ids"].shape[0]


class Results:
    """An open results file: ``results.spikes['neurongroup'].timestamps``,
    ``results.metadata['seed']``. Use as a context manager or call close()."""

    def __init__(self, filename):
        import h5py
        self.filename = filename
        self._file = h5py.File(filename, "r")
        meta = self._file.get(sonata.METADATA_GROUP)
        self.metadata = dict(meta.attrs) if meta is not None else {}
        if "versions" in self.metadata:
            self.metadata["versions"] = json.loads(self.metadata["versions"])
        sizes = dict(meta["populations"].attrs) if meta is not None and "populations" in meta else {}
        self.spikes = {name: SpikePopulation(group, sizes.get(name))
                       for name, group in self._file.get("spikes", {}).items()}

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def load(filename):
    """Open a distsim results file for analysis."""
    return Results(filename)
