"""StateMonitor: variables of neurons or synapses over time (Brian2's
``StateMonitor``).

Each rank records the elements it owns; reading ``mon.v`` gathers them into
the order of ``record``, the same for any number of ranks. In the results
file it is a SONATA report: ``/report/<population>/data`` (time x element)
with ``mapping/node_ids``, ``index_pointers``, ``element_ids`` and ``time``.
"""
import numpy as np

from .._ext import step_loop
from ..core.scheduling import CodeObject, check_slot
from ..core.variableview import plain_index
from ..io.checkpoint_file import Replicated
from ..groups import NeuronPopulation
from ..io import sonata
from ..parallel import collective_call, get_comm
from ..units import DIMENSIONLESS, Quantity, second
from .base import Monitor, appended_bytes, create_rows

REPORT_ROWS_PER_CHUNK = 256


class StateMonitor(Monitor):
    """Record ``variables`` of ``source`` every ``dt``.

    Parameters
    ----------
    source : NeuronGroup, subgroup or Synapses
    variables : str, list of str or True (all)
    record : bool, int, array of int, or ``S[i, j]`` for synapses
        Which elements (neuron indices, or synapse indices in creation order).
    dt : Quantity, optional
        Recording interval (a multiple of the clock's dt; default: every step).
    clock : Clock, optional
        Brian2's alternative to ``dt`` (its ``dt`` is used).
    when : str
        The slot of the step where values are recorded (default 'start').
    order : int
        The order within the slot.
    name : str, optional
    """

    def __init__(self, source, variables, record, dt=None, clock=None, when="start", order=0,
                 name="statemonitor*"):
        super().__init__(name)
        self.when = check_slot(when, f"StateMonitor '{self.name}'")
        self.order = order
        if dt is None and clock is not None:
            dt = clock.dt
        from ..synapses.synapses import Synapses
        owner = f"StateMonitor '{self.name}'"
        self.source = source
        self.is_synaptic = isinstance(source, Synapses)
        if not (self.is_synaptic or isinstance(source, NeuronPopulation)):
            raise TypeError(f"{owner}: the source must be a NeuronGroup, subgroup or Synapses")
        if variables is True:
            variables = [v for v, variable in source.variables.items() if not variable.derived
                         and v not in ("lastspike", "not_refractory")]
        variables = [variables] if isinstance(variables, str) else list(variables)
        #: Recorded neuron variables of a Synapses' targets: name -> the
        #: target group's variable (read through each synapse's target).
        self._postsynaptic = {}
        for var in variables:
            if var not in source.variables:
                target_variable = self._postsynaptic_variable(source, var) \
                    if self.is_synaptic else None
                if target_variable is None:
                    raise KeyError(f"{owner}: '{var}' is not a variable of {source.name}")
                self._postsynaptic[var] = target_variable
        self.record_variables = variables
        self.record = record
        self.interval = dt
        self._traces = {var: [] for var in variables}
        self._steps = []
        self._n_flushed = 0

    @staticmethod
    def _postsynaptic_variable(source, name):
        """The target group's variable that ``name`` (``g`` or ``g_post``)
        names through Synapses ``source``, or None."""
        from ..synapses.namespace import root_of
        kind, variable = source.resolver.resolve(name)
        target = root_of(source.target)
        if kind != "post" or variable not in target.variables.arrays:
            return None
        return variable

    def _variable(self, var):
        """The recorded variable's entry in its owner's table."""
        if var in self._postsynaptic:
            from ..synapses.namespace import root_of
            return root_of(self.source.target).variables[self._postsynaptic[var]]
        return self.source.variables[var]

    # -- which elements ------------------------------------------------------
    def _recorded_indices(self):
        size = self.source.N
        record = self.record
        if hasattr(record, "synapse_indices"):
            record = record.synapse_indices()
        record = plain_index(record, self.source)  # (a part of a morphology)
        if record is True:
            return np.arange(size, dtype=np.int64)
        if record is False or record is None:
            return np.empty(0, dtype=np.int64)
        indices = np.asarray(record, dtype=np.int64).reshape(-1)
        if np.any((indices < 0) | (indices >= size)):
            raise IndexError(f"StateMonitor '{self.name}': record indices outside 0..{size - 1}")
        return indices

    def before_run(self, run_namespace, clock):
        self._dt = clock.dt_
        self._run_namespace = run_namespace  # the constants of recorded subexpressions
        # Without dt, every step of its source's clock (a group on a slower
        # clock than the run's records less often, as in Brian2).
        self._every = getattr(getattr(self.source, "parent", self.source), "clock_period", 1) \
            if self.interval is None else max(
            1, int(round(float(self.interval / second) / clock.dt_)))
        self._select_local()

    def _select_local(self):
        """Which recorded elements this rank holds (``_local``) and their
        columns in record order (``_columns``). Collective for synapses."""
        recorded = self._recorded_indices()
        if hasattr(self, "indices") and not np.array_equal(recorded, self.indices):
            raise ValueError(f"StateMonitor '{self.name}': the recorded elements changed")
        self.indices = recorded
        if self.is_synaptic:
            # Local synapses that are recorded, and their columns in `record` order.
            global_ids = self.source.global_indices()
            order = np.argsort(recorded, kind="stable")
            where = np.searchsorted(recorded[order], global_ids)
            hit = (where < len(recorded)) & \
                (recorded[order][np.minimum(where, len(recorded) - 1)] == global_ids)
            self._local = np.flatnonzero(hit)
            self._columns = order[where[hit]]
            sort = np.argsort(self._columns)
            self._local, self._columns = self._local[sort], self._columns[sort]
        else:
            mine = self.source.owns(recorded)
            self._columns = np.flatnonzero(mine)
            self._local = self.source.local_positions(recorded[mine])

    # -- checkpoints -----------------------------------------------------------
    def checkpoint_parts(self):
        """The recorded steps and values so far (flushed or not), all
        recorded elements in record order. Collective."""
        if not hasattr(self, "indices"):  # never run: nothing recorded
            return {"steps": Replicated(np.empty(0, np.int64))}
        parts = {"steps": Replicated(np.rint(self.t_ / self._dt).astype(np.int64)),
                 "indices": Replicated(self.indices.copy())}
        for var in self.record_variables:
            parts[f"values_{var}"] = Replicated(np.asarray(self._values(var)))
        return parts

    def restore_parts(self, reader, prefix):
        """Take the recorded data of a checkpoint; each rank keeps the
        columns of the elements it holds (collective for synapses)."""
        self._changed()
        steps = reader.replicated(f"{prefix}/steps")
        if not len(steps):  # stored before anything was recorded: nothing now
            self._file_group = self._writer = None
            self._forget_recorded()
            return
        self._dt = reader.meta["dt"]
        if hasattr(self, "indices"):
            del self.indices  # recorded elements: the checkpoint's
        self._select_local()
        if not np.array_equal(self.indices, reader.replicated(f"{prefix}/indices")):
            raise ValueError(f"StateMonitor '{self.name}': the checkpoint recorded other "
                             "elements")
        self._steps = [int(s) for s in steps]
        for var in self.record_variables:
            values = reader.replicated(f"{prefix}/values_{var}")  # recorded x steps
            self._traces[var] = list(np.ascontiguousarray(values[self._columns].T))
        self._file_group = self._writer = None
        self._n_flushed = 0

    def _forget_recorded(self):
        self._steps = []
        self._traces = {var: [] for var in self.record_variables}
        self._n_flushed = 0

    def code_objects(self):
        """Records at the start of each step (Brian2's slot 'start')."""
        return [_Recorder(self)]

    def _plain_arrays(self):
        """The float64 arrays the recorded variables are (read in place by
        the compiled loop), or None where a value is computed (a
        subexpression, a delay, an index...)."""
        arrays = []
        for var in self.record_variables:
            source = self.source
            if var in self._postsynaptic:
                return None
            if self.is_synaptic:
                plain = var not in source._delay_variables and \
                    not source.variables[var].shared and var in source.store.variables
                array = source.store.variables[var] if plain else None
            else:
                plain = "subexpression" not in source.variables[var].flags
                array = source.variables.arrays[var] if plain else None
            if array is None or array.dtype != np.float64 or array.ndim != 1 or \
                    not array.flags.c_contiguous:
                return None
            arrays.append(array)
        return arrays

    def _local_variable(self, var, t):
        if var in self._postsynaptic:
            from ..synapses.namespace import root_of
            values = root_of(self.source.target).variables.arrays[self._postsynaptic[var]]
            return values[self.source.postsynaptic_index(slice(None))]
        if self.is_synaptic:
            return self.source.local_values(var)
        if "subexpression" in self.source.variables[var].flags:
            return self.source.subexpression_values(var, self._run_namespace, t)
        return self.source.variables.arrays[var]

    def record_step(self, step, t=None):
        if step % self._every:
            return
        self._changed()
        self._steps.append(step)
        for var in self.record_variables:
            self._traces[var].append(self._local_variable(var, t)[self._local]
                                     .astype(np.float64))

    def _take_records(self, steps, values):
        """Records made by the compiled loop: ``values`` (records x
        variables x this rank's recorded elements)."""
        if not len(steps):
            return
        self._changed()
        self._steps.extend(steps.tolist())
        for k, var in enumerate(self.record_variables):
            self._traces[var].extend(values[:, k, :])

    # -- reading ---------------------------------------------------------------
    @property
    def t_(self):
        return self._cached_read("t_", self._times)

    def _times(self):
        steps = np.asarray(self._steps, dtype=np.int64)
        flushed = self._read_flushed_times()
        return np.concatenate([flushed, steps * self._dt]) if flushed is not None else \
            steps * self._dt

    @property
    def t(self):
        return Quantity(self.t_, second.dim)

    def _read_flushed_times(self):
        if self._file_group is None or self._n_flushed == 0:
            return None
        start, _, dt = self._time_mapping
        return start * 1e-3 + np.arange(self._n_flushed) * dt * 1e-3

    def _values(self, var):
        """(n_recorded, n_times) raw values of ``var`` in record order.
        Collective (unless read before and unchanged since): each rank
        recorded its own neurons or synapses."""
        return self._cached_read(("values", var), lambda: self._gathered_values(var))

    def _gathered_values(self, var):
        local = np.array(self._traces[var]).reshape(len(self._steps), len(self._local))
        with collective_call(f"reading {self.name}.{var}"):
            parts = get_comm().allgather((self._columns, local))
        buffered = np.empty((len(self._steps), len(self.indices)))
        for columns, values in parts:
            buffered[:, columns] = values
        if self._n_flushed:
            flushed = self._read_report(var)
            buffered = np.concatenate([flushed, buffered], axis=0)
        return buffered.T

    def _read_report(self, var):
        filename, _ = self._file_group
        path = self._report_paths[var]
        if self._writer is not None and self._writer.is_open:
            data = self._writer.file[path]["data"][...]
        else:
            import h5py
            with h5py.File(filename, "r") as f:
                data = f[path]["data"][...]
        _, factor = sonata.file_units(self._variable(var).dim)
        return data.astype(np.float64) / factor

    def __getattr__(self, name):
        variables = self.__dict__.get("record_variables", ())
        raw = name.endswith("_") and name[:-1] in variables
        var = name[:-1] if raw else name
        if var in variables:
            values = self._values(var)
            dim = self._variable(var).dim
            return values if raw or dim is DIMENSIONLESS else Quantity(values, dim)
        raise AttributeError(name)

    def __getitem__(self, index):
        """``mon[5].v``: the trace of recorded element 5 (also a one-compartment
        part of a morphology: ``mon[morpho.axon[40*um]].v``)."""
        if hasattr(index, "_indices"):  # a part of a morphology
            index = plain_index(index, self.source).reshape(-1)
            if len(index) != 1:
                raise IndexError(f"StateMonitor '{self.name}': index one compartment at a "
                                 f"time, got {len(index)}")
            index = int(index[0])
        where = np.flatnonzero(self.indices == int(index))
        if len(where) == 0:
            raise IndexError(f"StateMonitor '{self.name}': element {index} is not recorded")
        return _RecordedElement(self, int(where[0]))

    # -- results file ----------------------------------------------------------------
    def report_names(self):
        base = self.source.name
        return {var: base if len(self.record_variables) == 1 else f"{base}.{var}"
                for var in self.record_variables}

    def create_in(self, writer):
        """One SONATA report ``/report/<population>`` per recorded variable."""
        groups = {var: writer.new_group("report", name, self)
                  for var, name in self.report_names().items()}
        self.create_datasets(groups)
        self.attach(writer, groups[self.record_variables[0]])
        return groups

    def create_datasets(self, report_groups):
        """``report_groups``: variable -> its /report/<population> group."""
        self._changed()
        self._report_paths = {}
        for var, group in report_groups.items():
            unit, _ = sonata.file_units(self._variable(var).dim)
            group.attrs["variable"] = var
            group.attrs["source"] = self.source.name
            # SONATA reports are float32 (libsonata insists); the script's
            # in-memory values are float64 until flushed.
            create_rows(group, "data", np.float32,
                        tail=(len(self.indices),), attrs={"units": unit},
                        chunk_rows=REPORT_ROWS_PER_CHUNK)
            mapping = group.create_group("mapping")
            n = len(self.indices)
            mapping.create_dataset("node_ids", data=self.indices.astype(np.uint64))
            mapping.create_dataset("index_pointers", data=np.arange(n + 1, dtype=np.uint64))
            mapping.create_dataset("element_ids", data=np.zeros(n, dtype=np.uint32))
            time = mapping.create_dataset("time", data=np.zeros(3))
            time.attrs["units"] = sonata.TIME_UNITS
            self._report_paths[var] = group.name
        self._n_flushed = 0

    def pending_file_bytes(self):
        """Bytes the next flush appends: a float32 row of every recorded
        element per recorded step and variable (the steps are the same on
        every rank)."""
        return len(self.record_variables) * appended_bytes(
            self._n_flushed, len(self._steps), 4 * len(self.indices),
            chunk_rows=REPORT_ROWS_PER_CHUNK)

    def _column_selection(self):
        """This rank's columns of the report (ascending) as HDF5 selects them
        best: one slice where they are evenly spaced (a block of neurons, or
        a share dealt out round-robin), else the list."""
        columns = self._columns
        steps = np.diff(columns)
        if len(columns) == 1 or (len(steps) and np.all(steps == steps[0])):
            step = int(steps[0]) if len(steps) else 1
            return slice(int(columns[0]), int(columns[-1]) + 1, step)
        return columns

    def flush_to(self, report_groups):
        self._changed()
        n_new = len(self._steps)
        if n_new and self._n_flushed == 0:
            self._time_mapping = (self._steps[0] * self._dt * 1e3, 0.0, self._every * self._dt * 1e3)
        for var, group in report_groups.items():
            data = group["data"]
            old = data.shape[0]
            data.resize(old + n_new, axis=0)
            _, factor = sonata.file_units(self._variable(var).dim)
            local = np.array(self._traces[var]).reshape(n_new, len(self._local)) * factor
            if n_new and len(self._columns):
                data[old:old + n_new, self._column_selection()] = local
            if n_new or self._n_flushed:
                start, _, dt = self._time_mapping
                group["mapping/time"][...] = [start, start + (old + n_new) * dt, dt]
            self._traces[var] = []
        self._n_flushed += n_new
        self._steps = []


class _RecordedElement:
    def __init__(self, monitor, column):
        self._monitor, self._column = monitor, column

    def __getattr__(self, name):
        if name in ("t", "t_"):  # the times of every recording (Brian2's mon[0].t)
            return getattr(self._monitor, name)
        return getattr(self._monitor, name)[self._column]


class _Recorder(CodeObject):
    """A StateMonitor's recording at each step (its slot and order), in C
    where the recorded variables are plain float64 arrays."""

    writes_other_groups = False

    def __init__(self, monitor):
        self.monitor = monitor
        self.name, self.when, self.order = monitor.name, monitor.when, monitor.order
        self.compiled = None

    def run(self, step, t, dt):
        self.monitor.record_step(step, t)

    def compiled_op(self):
        arrays = self.monitor._plain_arrays()
        if arrays is None:
            return None
        self.compiled = step_loop.RecordState(arrays, np.ascontiguousarray(
            self.monitor._local, dtype=np.int64), self.monitor._every)
        return self.compiled

    def sync_from_compiled(self):
        """Hand what the compiled loop recorded to the monitor."""
        if self.compiled is not None:
            self.monitor._take_records(*self.compiled.take())

    def end_compiled_run(self):
        self.sync_from_compiled()
        self.compiled = None
