"""SpikeMonitor: the spikes of a group (Brian2's ``SpikeMonitor``).

It records from the exchanged spike stream, which every rank receives in the
same order, so ``.i`` and ``.t`` are available on every rank without further
communication and do not depend on the number of ranks.
"""
import numpy as np

from ..core.base import SimulationObject
from ..groups import NeuronPopulation
from ..units import Quantity, second


class SpikeMonitor(SimulationObject):
    """Record the spikes of ``source``.

    Parameters
    ----------
    source : NeuronGroup
    variables : None
        Recording variables at spike time is not supported yet.
    record : bool or array of int
        All neurons (True), none (False; counts are still kept), or these indices.
    name : str, optional
    """

    when = "thresholds"

    def __init__(self, source, variables=None, record=True, name="spikemonitor*"):
        super().__init__(name)
        if not isinstance(source, NeuronPopulation):
            raise TypeError(f"SpikeMonitor '{self.name}': the source must be a NeuronGroup, "
                            f"got {type(source).__name__}")
        if variables:
            raise NotImplementedError(f"SpikeMonitor '{self.name}': recording variables at "
                                      "spike time is not supported yet")
        self.source = source
        self.record = record
        self._recorded = np.ones(source.N, dtype=bool)
        if record is False:
            self._recorded[:] = False
        elif record is not True:
            indices = np.asarray(record, dtype=np.int64).reshape(-1)
            if np.any((indices < 0) | (indices >= source.N)):
                raise IndexError(f"SpikeMonitor '{self.name}': record indices outside "
                                 f"0..{source.N - 1}")
            self._recorded[:] = False
            self._recorded[indices] = True
        self._i_chunks = []
        self._step_chunks = []
        self._count = np.zeros(source.N, dtype=np.int64)
        self._dt = None

    def before_run(self, run_namespace, clock):
        if self._dt is not None and self._dt != clock.dt_:
            raise ValueError(f"SpikeMonitor '{self.name}': dt changed between runs")
        self._dt = clock.dt_

    def record_spikes(self, spike_ids, spike_steps):
        """Take this group's spikes from the exchanged (id, step) stream."""
        offset = self.source.id_offset
        mine = (spike_ids >= offset) & (spike_ids < offset + self.source.N)
        if not mine.any():
            return
        indices = spike_ids[mine] - offset
        steps = spike_steps[mine]
        np.add.at(self._count, indices, 1)
        keep = self._recorded[indices]
        if keep.any():
            self._i_chunks.append(indices[keep])
            self._step_chunks.append(steps[keep])

    def _concatenated(self):
        if len(self._i_chunks) > 1:
            self._i_chunks = [np.concatenate(self._i_chunks)]
            self._step_chunks = [np.concatenate(self._step_chunks)]
        if not self._i_chunks:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return self._i_chunks[0], self._step_chunks[0]

    @property
    def i(self):
        """Neuron index of each spike, in time order (ties by index)."""
        return self._concatenated()[0]

    @property
    def t_(self):
        return self._concatenated()[1] * (self._dt or 0.0)

    @property
    def t(self):
        """Time of each spike."""
        return Quantity(self.t_, second.dim)

    @property
    def it(self):
        return self.i, self.t

    @property
    def count(self):
        """Number of spikes of each neuron."""
        return self._count.copy()

    @property
    def num_spikes(self):
        return int(len(self.i))

    def spike_trains(self):
        """Dictionary from neuron index to its spike times."""
        i, t = self.i, self.t_
        order = np.argsort(i, kind="stable")
        splits = np.searchsorted(i[order], np.arange(self.source.N + 1))
        times = t[order]
        return {k: Quantity(times[splits[k]:splits[k + 1]], second.dim)
                for k in range(self.source.N)}
