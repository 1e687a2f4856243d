"""Reading a results file back in Python (no MPI needed).

Datasets are read when first asked for, in chunks, so a file larger than
memory can be browsed: ``len(results.spikes['L4E'])`` reads nothing,
``results.spikes['L4E'].timestamps`` reads one population.
"""
import json
import sys

import numpy as np

from ..units import Quantity, all_units, get_dimensions, hertz, second
from . import sonata

# Rows read per chunk; a progress line is printed for reads longer than this.
READ_CHUNK = 1 << 24


def _read(dataset, progress=False):
    """A whole dataset, read in chunks (with a progress line for big ones)."""
    n = dataset.shape[0]
    if n <= READ_CHUNK:
        return dataset[...]
    out = np.empty(dataset.shape, dataset.dtype)
    for start in range(0, n, READ_CHUNK):
        out[start:start + READ_CHUNK] = dataset[start:start + READ_CHUNK]
        if progress:
            print(f"\rreading {dataset.name}: {min(n, start + READ_CHUNK) / n:.0%}",
                  end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return out


def _with_units(values, unit_name):
    factor = sonata.si_factor(unit_name)
    name = unit_name.decode() if isinstance(unit_name, bytes) else unit_name
    dim = get_dimensions(all_units[name]) if name in all_units else None
    values = values * factor
    return Quantity(values, dim) if dim is not None and not dim.is_dimensionless else values


class SpikePopulation:
    """The spikes of one population; arrays are read when first asked for."""

    def __init__(self, name, group, n_nodes, progress=False):
        self.name = name
        self._group = group
        self.n_nodes = n_nodes
        self.progress = progress
        self.sorting = {v: k for k, v in sonata.SORTING_VALUES.items()}.get(
            int(group.attrs.get("sorting", 0)), "none")

    @property
    def node_ids(self):
        return _read(self._group["node_ids"], self.progress).astype(np.int64)

    @property
    def timestamps(self):
        """Spike times as a Quantity."""
        data = self._group["timestamps"]
        return _with_units(_read(data, self.progress), data.attrs.get("units", "ms"))

    def __getattr__(self, name):
        # variables recorded at spike time
        group = self.__dict__["_group"]
        if name in group and name not in ("node_ids", "timestamps"):
            return _with_units(_read(group[name]), group[name].attrs.get("units", "1"))
        raise AttributeError(name)

    def __len__(self):
        return self._group["node_ids"].shape[0]

    def rates(self, duration):
        """Spike count of each node divided by ``duration`` (a time)."""
        counts = np.bincount(self.node_ids, minlength=self.n_nodes or 0)
        return Quantity(counts / float(duration / second), hertz.dim)


class Report:
    """A continuous report (StateMonitor): ``data`` is (time, element)."""

    def __init__(self, name, group):
        self.name = name
        self._group = group
        self.variable = group.attrs.get("variable", name)
        self.source = group.attrs.get("source", name)
        self.node_ids = group["mapping/node_ids"][...].astype(np.int64)
        start, stop, dt = group["mapping/time"][...]
        self.times = Quantity((start + np.arange(group["data"].shape[0]) * dt) * 1e-3, second.dim)

    @property
    def data(self):
        data = self._group["data"]
        return _with_units(_read(data), data.attrs.get("units", "1"))


class Results:
    """An open results file: ``results.spikes['neurongroup'].timestamps``,
    ``results.reports``, ``results.rates``, ``results.metadata['seed']``.
    Use as a context manager or call close()."""

    def __init__(self, filename, progress=False):
        import h5py
        self.filename = filename
        self._file = h5py.File(filename, "r")
        meta = self._file.get(sonata.METADATA_GROUP)
        self.metadata = dict(meta.attrs) if meta is not None else {}
        if "versions" in self.metadata:
            self.metadata["versions"] = json.loads(self.metadata["versions"])
        sizes = dict(meta["populations"].attrs) if meta is not None and "populations" in meta else {}
        self.spikes = {name: SpikePopulation(name, group, sizes.get(name), progress)
                       for name, group in self._file.get("spikes", {}).items()}
        self.reports = {name: Report(name, group)
                        for name, group in self._file.get("report", {}).items()}
        self.rates = {}
        for name, group in self._file.get("rates", {}).items():
            rate = Quantity(group["rate"][...], hertz.dim)
            start, dt = group.attrs.get("start", 0.0), group.attrs.get("dt", 0.0)
            self.rates[name] = (Quantity((start + np.arange(len(rate)) * dt) * 1e-3, second.dim),
                                rate)

    @property
    def duration(self):
        """Simulated time covered by the file."""
        return Quantity(float(self.metadata.get("t_end", 0.0)) * 1e-3, second.dim)

    def to_neo(self):
        """The spikes as a ``neo.Block`` (one Segment; a SpikeTrain per
        recorded neuron, annotated with population and node id) and the
        reports as AnalogSignals, for Elephant and other neo-based tools."""
        import neo
        import quantities as pq
        block = neo.Block(name=str(self.filename))
        segment = neo.Segment(name="run")
        block.segments.append(segment)
        t_stop = float(self.metadata.get("t_end", 0.0)) * pq.ms
        for name, population in self.spikes.items():
            ids = population.node_ids
            times = np.asarray(population.timestamps) * 1e3
            order = np.argsort(ids, kind="stable")
            splits = np.searchsorted(ids[order], np.arange((population.n_nodes or
                                                             (ids.max() + 1 if len(ids) else 0)) + 1))
            for node in range(len(splits) - 1):
                train = neo.SpikeTrain(times[order][splits[node]:splits[node + 1]] * pq.ms,
                                       t_stop=t_stop, name=f"{name}[{node}]")
                train.annotate(population=name, node_id=node)
                segment.spiketrains.append(train)
        for name, report in self.reports.items():
            data = report.data
            unit = str(self._file["report"][name]["data"].attrs.get("units", "dimensionless"))
            raw = np.asarray(self._file["report"][name]["data"][...])
            dt = float(self._file["report"][name]["mapping/time"][2])
            signal = neo.AnalogSignal(raw, units=unit if unit != "1" else "dimensionless",
                                      sampling_period=dt * pq.ms,
                                      t_start=float(report.times[0] / second) * pq.s
                                      if len(report.times) else 0 * pq.s, name=name)
            signal.array_annotate(node_id=report.node_ids)
            segment.analogsignals.append(signal)
        return block

    def close(self):
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def load(filename, progress=False):
    """Open a distsim results file for analysis (one process; no MPI).

    Parameters
    ----------
    filename : str
    progress : bool
        Print progress while reading large datasets.

    Returns
    -------
    Results
        ``spikes[population]``, ``reports``, ``rates``, ``metadata``,
        ``to_neo()``; use as a context manager to close the file.
    """
    return Results(filename, progress)
