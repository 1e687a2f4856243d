"""PyNN's current sources: currents added to the ``i_inj`` of the cells they
are injected into.

One network operation (`apply_currents`, at the start of every step) asks
each source for its amplitude at the step's time and adds the change since
the previous step to the cells this rank owns. Parameters stay in PyNN's
units (nA, ms). Noise is drawn with distsim's counter-based generator,
keyed by source, cell and sample: the same on any number of ranks.
"""
from collections import defaultdict

import numpy as np
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import build_translations, electrodes

from ..core.random import normal, stream_key
from ..network.operations import NetworkOperation
from . import simulator

_NANOAMP = 1e-9


class CurrentSource:
    """What the distsim sources share: targets, bookkeeping, the step update."""

    def __init__(self, **parameters):
        object.__setattr__(self, "_native", {})
        object.__setattr__(self, "_targets", defaultdict(list))   # root population -> indices
        object.__setattr__(self, "_local", [])                    # (group, positions, ids)
        object.__setattr__(self, "_applied", {})      # group name -> nA applied per local cell
        object.__setattr__(self, "_number", len(simulator.state.current_sources))
        object.__setattr__(self, "_recorded", None)   # amplitudes per step, once recording
        super().__init__(**parameters)
        space = ParameterSpace(dict(self.default_parameters), self.get_schema(), shape=(1,))
        space.update(**parameters)
        self.set_native_parameters(self.translate(space))
        simulator.state.add_current_source(self)

    # PyNN's parameter protocol (native = PyNN's units here).
    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        for name, value in parameters.items():
            self._native[name] = np.asarray(value.value if isinstance(value, Sequence)
                                            else value, dtype=float)

    def get_native_parameters(self):
        return ParameterSpace({k: (v.copy() if v.ndim else float(v))
                               for k, v in self._native.items()})

    def inject_into(self, cells):
        """Inject into a Population, PopulationView, Assembly or list of IDs."""
        for cell in cells:
            if not cell.celltype.injectable:
                raise TypeError("Can't inject current into a spike source.")
            self._targets[cell.parent].append(cell.parent.id_to_index(cell))
        if simulator.state.running:
            self._finalize()

    def _finalize(self):
        """This rank's target cells, as positions in its block of each group."""
        local = []
        for population, indices in self._targets.items():
            group = population.group
            indices = np.unique(np.asarray(indices, dtype=np.int64))
            mine = indices[group.owns(indices)]
            local.append((group, group.local_positions(mine), mine + int(population.first_id)))
            self._applied.setdefault(group.name, np.zeros(group.n_local))
        object.__setattr__(self, "_local", local)

    def _reset(self):
        """Time went back to 0 and ``i_inj`` to its value then (0)."""
        for applied in self._applied.values():
            applied[:] = 0.0
        if self._recorded is not None:
            object.__setattr__(self, "_recorded", [])

    def _update(self, t_ms: float, step: int):
        amplitude = self._amplitude(t_ms)
        if self._recorded is not None:
            self._recorded.append(amplitude)
        for group, positions, _ in self._local:
            applied = self._applied[group.name]
            change = amplitude - applied[positions]
            if np.any(change):
                group.variables.arrays["i_inj"][positions] += change * _NANOAMP
                applied[positions] = amplitude

    def record(self):
        """Record the amplitude at every step (``get_data()`` returns it)."""
        if self._recorded is None:
            object.__setattr__(self, "_recorded", [0.0] * int(round(simulator.state.t /
                                                                     simulator.state.dt)))

    def _get_data(self):
        """(times in ms, amplitudes in nA): every step so far and now."""
        values = list(self._recorded or []) + [self._amplitude(simulator.state.t)]
        return np.arange(len(values)) * simulator.state.dt, np.asarray(values)

    def _amplitude(self, t_ms: float) -> float:
        """The current (nA) at time ``t_ms``."""
        raise NotImplementedError


def current_sources_operation():
    """The network operation that applies a session's current sources."""
    return NetworkOperation(apply_currents, when="start", name="pynn_current_sources")


def apply_currents(t):
    """The network operation of a PyNN session: every source's change."""
    t_ms = float(t / simulator.ms)
    step = int(round(t_ms / simulator.state.dt))  # noqa: F841
    for source in simulator.state.current_sources:
        source._update(t_ms, step)


class DCSource(CurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = build_translations(("amplitude", "amplitude"), ("start", "start"),
                                      ("stop", "stop"))

    def _amplitude(self, t_ms):
        p = self._native
        return float(p["amplitude"]) if p["start"] <= t_ms < p["stop"] else 0.0


class StepCurrentSource(CurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = build_translations(("amplitudes", "amplitudes"), ("times", "times"))

    def set_native_parameters(self, parameters):
        """Times must be non-negative and increasing; they are moved to the
        time grid, and of several that land on one step the last counts."""
        super().set_native_parameters(parameters)
        times, amplitudes = self._native["times"], self._native["amplitudes"]
        if times.shape != amplitudes.shape:
            raise ValueError(f"StepCurrentSource: {times.size} times but "
                             f"{amplitudes.size} amplitudes")
        if np.any(times < 0) or np.any(np.diff(times) <= 0):
            raise ValueError(f"StepCurrentSource: times must be non-negative and "
                             f"increasing, got {times.tolist()}")
        grid = np.rint(times / simulator.state.dt) * simulator.state.dt
        last = np.append(np.diff(grid) > 1e-9, True)
        self._native["times"], self._native["amplitudes"] = grid[last], amplitudes[last]

    def _amplitude(self, t_ms):
        times, amplitudes = self._native["times"], self._native["amplitudes"]
        k = np.searchsorted(times, t_ms + 1e-9, side="right") - 1
        return float(amplitudes[k]) if k >= 0 else 0.0


class ACSource(CurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = build_translations(*[(n, n) for n in electrodes.ACSource.default_parameters])

    def _amplitude(self, t_ms):
        p = self._native
        if not p["start"] <= t_ms < p["stop"]:
            return 0.0
        phase = 2 * np.pi * (p["frequency"] * (t_ms - p["start"]) / 1000.0 + p["phase"] / 360.0)
        return float(p["offset"] + p["amplitude"] * np.sin(phase))


class NoisyCurrentSource(CurrentSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = build_translations(*[(n, n) for n in
                                        electrodes.NoisyCurrentSource.default_parameters])

    def _amplitude(self, t_ms):
        p = self._native
        if not p["start"] <= t_ms < p["stop"]:
            return 0.0
        # One value per sample for all target cells (as PyNN's NEURON and
        # Brian2 backends play one vector), keyed by source and sample.
        sample = int(np.floor((t_ms - p["start"]) / p["dt"] + 1e-9))
        key = stream_key("pynn", "NoisyCurrentSource", self._number)
        return float(p["mean"] + p["stdev"] * normal(key, [sample])[0])
