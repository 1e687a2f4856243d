"""SpikeMonitor: the spikes of a group (Brian2's ``SpikeMonitor``).

It records from the exchanged spike stream, which every rank receives in the
same order, so ``.i`` and ``.t`` are the same on every rank without further
communication and do not depend on the number of ranks. Variables recorded
at spike time (``variables='v'``) are taken by the rank that owns the
neuron and gathered when read.
"""
import numpy as np

from ..core.scheduling import BoundCode
from ..io.checkpoint_file import Replicated
from ..groups import NeuronPopulation
from ..io import sonata
from ..parallel import collective_call, get_comm
from ..units import Quantity, second
from .base import (Monitor, append_replicated, appended_bytes, create_rows,
                   spike_recording_slot)


class SpikeMonitor(Monitor):
    """Record the spikes of ``source``.

    Parameters
    ----------
    source : NeuronGroup or subgroup
    variables : str or list of str, optional
        Variables to record at each spike (e.g. ``'v'``).
    record : bool or array of int
        All neurons (True), none (False: only counts), or these indices.
    when, order : optional
        The slot (default 'thresholds', order 1, as Brian2): any slot from
        the thresholds on.
    name : str, optional
    """

    #: The event recorded (an EventMonitor records a custom event).
    event = "spike"

    def __init__(self, source, variables=None, record=True, when=None, order=None,
                 name="spikemonitor*"):
        super().__init__(name)
        self.when = spike_recording_slot(when, f"SpikeMonitor '{self.name}'")
        self.order = 1 if order is None else order
        self._named = not name.endswith("*")
        if not isinstance(source, NeuronPopulation):
            raise TypeError(f"SpikeMonitor '{self.name}': the source must be a NeuronGroup, "
                            f"got {type(source).__name__}")
        self.source = source
        self.record = record
        variables = [variables] if isinstance(variables, str) else list(variables or [])
        for var in variables:
            if var not in source.variables.arrays:
                raise KeyError(f"SpikeMonitor '{self.name}': '{var}' is not a variable of "
                               f"{source.name}")
        self.record_variables = variables
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
        self._i_chunks, self._step_chunks = [], []
        # Per variable: (step, index, value) of this rank's own spikes, buffered.
        self._value_chunks = {var: [] for var in variables}
        self._count = np.zeros(source.N, dtype=np.int64)
        self._n_flushed = 0
        self._dt = None

    def before_run(self, run_namespace, clock):
        if self._dt is not None and self._dt != clock.dt_:
            raise ValueError(f"SpikeMonitor '{self.name}': dt changed between runs")
        self._dt = clock.dt_

    # -- recording ---------------------------------------------------------
    def code_objects(self):
        """With recorded variables: their values at this rank's spikes, in
        the monitor's slot (default 'thresholds', order 1, as Brian2's). Spike
        times come from the network's exchange (`record_spikes`)."""
        if not self.record_variables:
            return []
        root = getattr(self.source, "parent", self.source)
        return [BoundCode(self.name, self.when, self.order,
                          lambda step, t, dt: self.record_values(root.events_now(self.event),
                                                                 step), group=root)]

    def record_spikes(self, spike_ids, spike_steps):
        """Take this group's spikes from the exchanged (id, step) stream."""
        self._changed()
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

    def record_values(self, group_local_spikes, step):
        """Values of the recorded variables at this rank's spikes now.

        ``group_local_spikes`` index the local arrays of the source's
        NeuronGroup (the parent, for a subgroup)."""
        self._changed()
        if not self.record_variables or len(group_local_spikes) == 0:
            return
        root = getattr(self.source, "parent", self.source)
        index = root.local_indices[group_local_spikes] - getattr(self.source, "sub_start", 0)
        inside = (index >= 0) & (index < self.source.N)
        index = index[inside]
        index = index[self._recorded[index]]
        if len(index) == 0:
            return
        for var in self.record_variables:
            self._value_chunks[var].append(
                (np.full(len(index), step, dtype=np.int64), index,
                 self.source.variables.arrays[var][self.source.local_positions(index)]
                 .astype(np.float64)))

    # -- reading -------------------------------------------------------------
    @staticmethod
    def _joined(chunks):
        if len(chunks) > 1:
            chunks[:] = [np.concatenate(chunks)]
        return chunks[0] if chunks else np.empty(0, np.int64)

    def _buffered(self):
        return self._joined(self._i_chunks), self._joined(self._step_chunks)

    def _all(self):
        """(i, steps) of every recorded spike, flushed or not."""
        return self._cached_read("all", self._read_all)

    def _read_all(self):
        i, steps = self._buffered()
        flushed_i = self._read_flushed("node_ids")
        if flushed_i is not None and len(flushed_i):
            flushed_t = self._read_flushed("timestamps")
            flushed_steps = np.rint(flushed_t * 1e-3 / self._dt).astype(np.int64)
            return (np.concatenate([flushed_i.astype(np.int64), i]),
                    np.concatenate([flushed_steps, steps]))
        return i, steps

    @property
    def i(self):
        """Neuron index of each spike, in time order (ties by index)."""
        return self._all()[0]

    @property
    def t_(self):
        return self._all()[1] * (self._dt or 0.0)

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
        i, t = self._all()
        t = t * (self._dt or 0.0)
        order = np.argsort(i, kind="stable")
        splits = np.searchsorted(i[order], np.arange(self.source.N + 1))
        times = t[order]
        return {k: Quantity(times[splits[k]:splits[k + 1]], second.dim)
                for k in range(self.source.N)}

    def _values(self, var):
        """Recorded values of ``var``, in the order of ``i`` and ``t``.
        Collective (unless read before and unchanged since)."""
        return self._cached_read(("values", var), lambda: self._gathered_values(var))

    def _gathered_values(self, var):
        chunks = self._value_chunks[var]
        steps, indices, values = (np.concatenate([c[k] for c in chunks]) if chunks else
                                  np.empty(0, dtype) for k, dtype in
                                  enumerate((np.int64, np.int64, np.float64)))
        with collective_call(f"reading {self.name}.{var}"):  # values live on their rank
            parts = get_comm().allgather((steps, indices, values))
        steps = np.concatenate([p[0] for p in parts])
        indices = np.concatenate([p[1] for p in parts])
        values = np.concatenate([p[2] for p in parts])
        order = np.lexsort((indices, steps))
        buffered = values[order]
        flushed = self._read_flushed(var)
        if flushed is not None:
            _, factor = sonata.file_units(self.source.variables[var].dim)
            buffered = np.concatenate([flushed / factor, buffered])
        dim = self.source.variables[var].dim
        return Quantity(buffered, dim)

    def __getattr__(self, name):
        if name in self.__dict__.get("record_variables", ()):
            return self._values(name)
        raise AttributeError(name)

    # -- checkpoints -----------------------------------------------------------
    def checkpoint_parts(self):
        """Everything recorded so far (flushed or not), the same on every
        rank. Collective with recorded variables (their values are on the
        spiking neuron's rank)."""
        i, steps = self._all()
        parts = {"i": Replicated(np.asarray(i, dtype=np.int64)),
                 "steps": Replicated(np.asarray(steps, dtype=np.int64)),
                 "count": Replicated(self._count.copy())}
        for var in self.record_variables:
            parts[f"values_{var}"] = Replicated(np.asarray(self._values(var)))
        return parts

    def restore_parts(self, reader, prefix):
        """Take the recorded data of a checkpoint (kept in memory until the
        next flush); each rank keeps the recorded values of its neurons."""
        self._changed()
        i, steps = reader.replicated(f"{prefix}/i"), reader.replicated(f"{prefix}/steps")
        self._dt = reader.meta["dt"]
        self._i_chunks, self._step_chunks = [i], [steps]
        self._count[...] = reader.replicated(f"{prefix}/count")
        self._file_group = self._writer = None
        self._n_flushed = 0
        mine = self.source.owns(i)
        for var in self.record_variables:
            values = reader.replicated(f"{prefix}/values_{var}")
            self._value_chunks[var] = [(steps[mine], i[mine], values[mine])]

    def _forget_recorded(self):
        # As Brian2's resize(0): the spikes go, the counts stay.
        self._i_chunks, self._step_chunks = [], []
        self._value_chunks = {var: [] for var in self.record_variables}
        self._n_flushed = 0

    # -- results file ------------------------------------------------------
    def population_name(self):
        """The SONATA population: the monitor's name if the script gave one
        (``SpikeMonitor(G[:100], name='L23E')``), else the source's."""
        return self.name if self._named else self.source.name

    def create_in(self, writer):
        """``/spikes/<population>`` (SONATA spikes), and the population's size."""
        group = writer.new_group("spikes", self.population_name(), self)
        writer.meta["populations"].attrs[group.name.rsplit("/", 1)[1]] = self.source.N
        self.create_datasets(group)
        self.attach(writer, group)
        return group

    def create_datasets(self, group):
        self._changed()
        group.attrs.create("sorting", sonata.SORTING_VALUES["by_time"],
                           dtype=sonata.sorting_dtype())
        create_rows(group, "timestamps", np.float64, attrs={"units": sonata.TIME_UNITS})
        create_rows(group, "node_ids", np.uint64)
        for var in self.record_variables:
            unit, _ = sonata.file_units(self.source.variables[var].dim)
            create_rows(group, var, np.float64, attrs={"units": unit})
        self._n_flushed = 0

    def pending_file_bytes(self):
        """Bytes the next flush appends (the buffered spikes are the same on
        every rank): times, ids and one value per recorded variable."""
        n_rows = sum(len(chunk) for chunk in self._i_chunks)
        return appended_bytes(self._n_flushed, n_rows, 8 * (2 + len(self.record_variables)))

    def flush_to(self, group):
        self._changed()
        i, steps = self._buffered()
        append_replicated(group["timestamps"], steps * self._dt * 1e3)
        append_replicated(group["node_ids"], i.astype(np.uint64))
        for var in self.record_variables:
            self._flush_values(group[var], var, i, steps)
        self._n_flushed += len(i)
        self._i_chunks, self._step_chunks = [], []

    def _flush_values(self, dataset, var, i, steps):
        # This rank's spikes are rows of the (sorted) buffered spike list.
        chunks = self._value_chunks[var]
        old = dataset.shape[0]
        dataset.resize(old + len(i), axis=0)
        if chunks:
            my_steps = np.concatenate([c[0] for c in chunks])
            my_i = np.concatenate([c[1] for c in chunks])
            values = np.concatenate([c[2] for c in chunks])
            keys = steps * self.source.N + i
            rows = np.searchsorted(keys, my_steps * self.source.N + my_i)
            order = np.argsort(rows)
            _, factor = sonata.file_units(self.source.variables[var].dim)
            dataset[old + rows[order]] = values[order] * factor
        self._value_chunks[var] = []



class EventMonitor(SpikeMonitor):
    """Record a custom event of ``source`` (Brian2's ``EventMonitor``): the
    same attributes as a SpikeMonitor (``i``, ``t``, ``count``, recorded
    variables). In a results file under ``/events/<population>.<event>``.

    Parameters
    ----------
    source : NeuronGroup or subgroup
    event : str
        One of the group's ``events`` (or 'spike').
    variables, record, when, order, name
        As for `SpikeMonitor`.
    """

    def __init__(self, source, event, variables=None, record=True, when=None, order=None,
                 name="eventmonitor*", codeobj_class=None):
        root = getattr(source, "parent", source)
        if event != "spike" and event not in getattr(root, "events", {}):
            raise ValueError(f"EventMonitor: '{getattr(source, 'name', source)}' has no event "
                             f"'{event}'")
        self.event = event
        super().__init__(source, variables, record, when, order, name)

    def create_in(self, writer):
        """``/events/<population>.<event>`` (SONATA spike layout)."""
        if "events" not in writer.file:
            writer.file.create_group("events")
        group = writer.new_group("events", f"{self.population_name()}.{self.event}", self)
        self.create_datasets(group)
        self.attach(writer, group)
        return group
