"""PyNN's Recorder over distsim monitors.

PyNN keeps, per variable, the set of *local* cells recorded; the distsim
monitor records the same cells on every rank (it is created from the global
set, which every rank knows because every rank makes the same ``record()``
calls). Reading a monitor is collective, as PyNN's ``get_data()`` is.
"""
from collections import defaultdict

import numpy as np
from pyNN import recording

from ..monitors.spikemonitor import SpikeMonitor
from ..monitors.statemonitor import StateMonitor
from ..units import ms
from . import simulator


class Recorder(recording.Recorder):
    """Records a Population's spikes and state variables."""
    _simulator = simulator

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self._all_recorded = defaultdict(set)   # every rank's cells, by variable
        self._monitors = {}                     # variable name -> monitor

    def record(self, variables, ids, sampling_interval=None, locations=None):
        super().record(variables, ids, sampling_interval, locations)
        for variable in self._localize_variables(variables, locations):
            self._all_recorded[variable.name] |= {int(i) for i in ids}

    def _read_monitors(self):
        """Read every monitor, in one order on every rank (collective).

        PyNN walks the recorded variables in a set's order, which differs
        between processes; after this, the reads it makes hit the
        monitors' read caches and communicate nothing."""
        for name in sorted(self._monitors):
            monitor = self._monitors[name]
            if name == "spikes":
                monitor.i[:], monitor.t_[:]
            else:
                monitor.t_[:]
                getattr(monitor, monitor.record_variables[0] + "_")

    def get(self, variables, gather=False, filter_ids=None, clear=False, annotations=None,
            locations=None):
        self._read_monitors()
        return super().get(variables, gather, filter_ids, clear, annotations, locations)

    def store_to_cache(self, annotations=None):
        self._read_monitors()
        return super().store_to_cache(annotations)

    def count(self, variable, gather=True, filter_ids=None):
        self._read_monitors()
        return super().count(variable, gather, filter_ids)

    def _record(self, variable, new_ids, sampling_interval=None):
        self.sampling_interval = sampling_interval or self._simulator.state.dt

    def _finalize(self):
        """Create the monitors of newly recorded variables (before a run)."""
        population = self.population
        group = population.group
        for name, ids in self._all_recorded.items():
            indices = np.sort(np.fromiter(ids, dtype=np.int64)) - int(population.first_id)
            monitor = self._monitors.get(name)
            if monitor is not None and np.array_equal(monitor._pynn_indices, indices):
                continue
            if name == "spikes":
                monitor = SpikeMonitor(group, record=indices, name=f"{group.name}_spikes*")
            else:
                native = population.celltype.state_variable_translations[name][
                    "translated_name"]
                # Recorded after each step (PyNN's first sample is the initial value).
                monitor = StateMonitor(group, native, record=indices, when="end",
                                       dt=self.sampling_interval * ms,
                                       name=f"{group.name}_{name}*")
            monitor._pynn_indices = indices
            simulator.state.add(monitor)
            self._monitors[name] = monitor

    def _reset(self):
        for monitor in self._monitors.values():
            simulator.state.network.remove(monitor)
        self._monitors = {}
        self._all_recorded = defaultdict(set)

    def _clear_simulator(self):
        for monitor in self._monitors.values():
            monitor.resize(0)

    def _get_spiketimes(self, ids, clear=False):
        """(ids, times in ms) of the given cells' spikes (collective)."""
        monitor = self._monitors.get("spikes")
        if monitor is None:
            return np.empty(0, dtype=np.int64), np.empty(0)
        cells = np.asarray(monitor.i[:], dtype=np.int64) + int(self.population.first_id)
        # On the time grid: rounded to 1e-9 ms so that 150 steps of 0.1 ms
        # read 15.0, not 15.000000000000002.
        times = np.round(np.asarray(monitor.t_[:]) * 1e3, 9)
        keep = np.isin(cells, np.asarray(list(ids), dtype=np.int64))
        return cells[keep], times[keep]

    def _get_all_signals(self, variable, ids, clear=False):
        """Samples x cells of ``variable`` for ``ids`` (PyNN units; the
        first sample is the initial value). Collective."""
        monitor = self._monitors[variable.name]
        translation = self.population.celltype.state_variable_translations[variable.name]
        recorded = list(monitor._pynn_indices + int(self.population.first_id))
        values = np.asarray(getattr(monitor, translation["translated_name"] + "_"))
        columns = [recorded.index(int(i)) for i in ids]
        native = values[columns].T if len(columns) else np.empty((values.shape[1], 0))
        initial = self.population.initial_values[variable.name]
        first = np.asarray(initial.evaluate(simplify=False), float)[
            self.population.id_to_index(np.asarray(ids, dtype=int))] if len(ids) else []
        signals = translation["reverse_transform"](**{translation["translated_name"]: native})
        return np.vstack([np.atleast_2d(first), signals]) if len(ids) else native, None

    def _local_count(self, variable, filter_ids=None):
        ids = self.filter_recorded(variable, filter_ids)
        cells, _ = self._get_spiketimes(ids)
        counts = dict.fromkeys((int(i) for i in ids), 0)
        for cell, n in zip(*np.unique(cells, return_counts=True)):
            counts[int(cell)] = int(n)
        return counts
