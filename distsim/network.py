"""The network: which objects run, in which order, and the main loop.

Schedule per time step, as Brian2's: state updates -> thresholds -> (spike
exchange at the end of each min-delay window) -> synaptic delivery ->
resets. The exchange of a window's spikes happens before any of them is due:
the window is never longer than the smallest delay (one step when delays are
zero, so that zero-delay synapses act in the same step, as in Brian2).
"""
import sys
import time
import warnings

import numpy as np

from .core import registry
from .core.base import SimulationObject
from .core.clock import defaultclock
from .groups import NeuronGroup
from .inputs import PoissonInput
from .model.namespace import caller_namespace
from .monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from .parallel import SpikeExchange, collective, get_comm
from .synapses import construction
from .synapses.delivery import TargetBuffer, make_delivery_plan
from .synapses.synapses import Synapses
from .units import second

__all__ = ["Network", "run", "MagicNetwork", "magic_network"]

# Longest window without a synaptic constraint: bounds the spike buffer.
MAX_WINDOW_STEPS = 1000
# Exchanged spikes reach the spike and rate monitors in batches of this many
# steps (and before every flush and at the end of a run): a Python call per
# monitor and window cost more than the recording itself.
MONITOR_BATCH_STEPS = 100


class Network:
    """A set of objects simulated together (Brian2's ``Network``).

    Parameters
    ----------
    *objects
        Groups, synapses, monitors, or lists/tuples/dicts of them.
    """

    def __init__(self, *objects, name="network"):
        self.name = name
        self.objects = []
        self.wall_times = {"simulate": 0.0}  # seconds: build, prepare, simulate
        self.writer = None
        self.buffers = {}
        self.add(*objects)

    def add(self, *objects):
        """Add objects (or containers of objects); adding one twice is harmless."""
        for obj in objects:
            if isinstance(obj, (list, tuple, set)):
                self.add(*obj)
            elif isinstance(obj, dict):
                self.add(*obj.values())
            elif isinstance(obj, Network):
                self.add(*obj.objects)
            elif isinstance(obj, SimulationObject):
                if not any(o is obj for o in self.objects):
                    self.objects.append(obj)
            else:
                raise TypeError(f"Cannot add {obj!r} of type {type(obj).__name__} to a Network")

    def remove(self, *objects):
        for obj in objects:
            self.objects = [o for o in self.objects if o is not obj]

    def __contains__(self, obj):
        return any(o is obj for o in self.objects)

    @property
    def t(self):
        return defaultclock.t

    def _of_type(self, kind):
        return [o for o in self.objects if isinstance(o, kind) and o.active]

    def _warn_about_omitted(self):
        omitted = [o.name for o in registry.registered_objects() if o not in self]
        if omitted:
            warnings.warn(f"Network '{self.name}' does not include these objects, which will not "
                          f"be simulated: {', '.join(omitted)}", stacklevel=3)

    def before_run(self, run_namespace):
        clock = defaultclock
        construction.build_pending()  # queued connect/assignment work, all ranks at once
        with collective(f"Preparing the run of network '{self.name}'"):
            self._tell_groups_what_changes()
            for obj in self.objects:
                obj.before_run(run_namespace, clock)
        self.groups = self._of_type(NeuronGroup)
        # Brian2 sorts objects of one slot by order, then name.
        operations = sorted((op for g in self.groups for op in g.regular_operations),
                            key=lambda op: (op.order, op.name))
        self.operations = {when: [op for op in operations if op.when == when]
                           for when in ("start", "end")}
        self.spike_monitors = self._of_type(SpikeMonitor)
        self.value_monitors = [m for m in self.spike_monitors if m.record_variables]
        self.state_monitors = self._of_type(StateMonitor)
        self.rate_monitors = self._of_type(PopulationRateMonitor)
        synapses = self._of_type(Synapses)
        for s in synapses:
            for group in (s.source, s.target):
                group = getattr(group, "parent", group)  # a subgroup lives in its parent
                if group not in self:
                    raise ValueError(f"Synapses '{s.name}' connect group '{group.name}', which "
                                     f"is not part of network '{self.name}'")
        self.pathways = [p for s in synapses for p in s.pathways]
        # Brian2's order in the 'synapses' slot: presynaptic pathways, then
        # postsynaptic ones, each by name ('<synapses>_<pathway>').
        self.event_pathways = sorted((p for s in synapses for p in s.event_pathways),
                                     key=lambda p: (p.prepost != "pre",
                                                    f"{p.synapses.name}_{p.name}"))
        self.clock_driven_updates = [s.clock_driven_update for s in synapses
                                     if s.clock_driven_update is not None]
        self.summed_updates = [u for s in synapses for u in s.summed_updates]
        _check_summed_targets(self.summed_updates)
        self._assign_buffers()
        self.delivery_plan = make_delivery_plan(self.pathways)
        self.poisson_inputs = self._of_type(PoissonInput)
        local_min = min((s.min_delay_steps for s in synapses if s.min_delay_steps is not None),
                        default=MAX_WINDOW_STEPS)
        min_delay = get_comm().allreduce(local_min, op=_mpi_min())
        self.window_steps = max(1, min(int(min_delay), MAX_WINDOW_STEPS))
        self.exchange = SpikeExchange()

    def _tell_groups_what_changes(self):
        """Each NeuronGroup learns which of its variables synapses and inputs
        change during the run: its exact update reads those parameters at
        every step instead of once per run."""
        written = {}
        for obj in self.objects:
            if isinstance(obj, Synapses):
                pairs = obj.written_neuron_variables()
            elif isinstance(obj, PoissonInput):
                pairs = {(getattr(obj.target, "parent", obj.target), obj.target_var)}
            else:
                continue
            for group, variable in pairs:
                written.setdefault(id(group), set()).add(variable)
        for group in self._of_type(NeuronGroup):
            group._changed_during_run = written.get(id(group), set())

    def _assign_buffers(self):
        """One ring buffer per (NeuronGroup, variable) that pathways add to,
        kept across runs so that spikes in flight still arrive."""
        needed = {}
        for pathway in self.pathways:
            key = (id(pathway.target), pathway.variable)
            needed[key] = max(needed.get(key, 1), pathway.slots_needed)
        for pathway in self.pathways:
            key = (id(pathway.target), pathway.variable)
            buffer = self.buffers.get(key)
            if buffer is None:
                buffer = self.buffers[key] = TargetBuffer(pathway.target, pathway.variable,
                                                          needed[key])
            buffer.resize(needed[key], defaultclock.timestep)
            pathway.buffer = buffer
        self.active_buffers = [self.buffers[key] for key in needed]

    def run(self, duration, report=None, report_period=10 * second, namespace=None, level=0,
            output=None, flush_interval=None):
        """Simulate for ``duration``, continuing from the current time.

        Parameters
        ----------
        duration : Quantity
            Biological time to simulate.
        report : None, 'text' or 'stdout'
            Print progress (on rank 0) every ``report_period`` of wall time.
        namespace : dict, optional
            Constants for the models (else the calling script's namespace).
        output : str, optional
            Results file to stream the monitors into (written by all ranks;
            kept open for further runs until ``save()``). A distsim extension.
        flush_interval : Quantity, optional
            Biological time between flushes of the monitors to ``output``
            (default: only at the end of the run). After each flush the file
            is complete up to that time, even if the run is killed later.
        """
        preparing = time.perf_counter()
        run_namespace = namespace if namespace is not None else caller_namespace(level)
        if not isinstance(self, MagicNetwork):
            self._warn_about_omitted()
        self.before_run(run_namespace)
        prepared = time.perf_counter()
        # "prepare": the queued synapse construction and the runs' set-up;
        # "build" (written to the results file): from import to the first step.
        self.wall_times["prepare"] = self.wall_times.get("prepare", 0.0) + prepared - preparing
        if "build" not in self.wall_times:
            from .core import IMPORT_TIME
            self.wall_times["build"] = prepared - IMPORT_TIME
        if output is not None:
            self._open_output(output)
        flush_steps = None
        if flush_interval is not None:
            if self.writer is None or not self.writer.is_open:
                raise ValueError("flush_interval needs output= (a results file)")
            flush_steps = max(1, defaultclock.steps_for(flush_interval))
        clock = defaultclock
        dt = clock.dt_
        n_steps = clock.steps_for(duration)
        first, stop = clock.timestep, clock.timestep + n_steps
        reporter = _Reporter(report, float(report_period / second), n_steps, dt)
        started = time.perf_counter()
        window_ids, window_steps = [], []
        window_start = first
        self._unrecorded, self._unrecorded_first = [], first
        next_flush = first + flush_steps if flush_steps else None
        for step in range(first, stop):
            t = step * dt
            for operation in self.operations["start"]:
                operation.run(step, t, dt)
            for monitor in self.state_monitors:
                monitor.record_step(step)
            for summed in self.summed_updates:  # before the groups, as in Brian2
                summed.update(step, t, dt)
            for group in self.groups:
                group.update_state(step, t, dt)
            for update in self.clock_driven_updates:
                update.update(step, t, dt)
            local_spikes = []
            for group in self.groups:
                local = group.spikes(step, t, dt)
                local_spikes.append(local)
                if len(local):
                    window_ids.append(local + (group.start + group.id_offset))
                    window_steps.append(np.full(len(local), step, dtype=np.int64))
            for monitor in self.value_monitors:
                root = getattr(monitor.source, "parent", monitor.source)
                monitor.record_values(local_spikes[self.groups.index(root)], step)
            if step - window_start + 1 == self.window_steps or step == stop - 1:
                self._exchange(window_ids, window_steps)
                window_ids, window_steps = [], []
                window_start = step + 1
                flushing = next_flush is not None and step + 1 >= next_flush
                if flushing or step + 1 - self._unrecorded_first >= MONITOR_BATCH_STEPS \
                        or step == stop - 1:
                    self._record_exchanged(step + 1)
                if flushing:
                    self.writer.flush()
                    next_flush += flush_steps
            for buffer in self.active_buffers:
                buffer.apply(step)
            if self.event_pathways:
                spikes_by_group = {id(g): local for g, local in zip(self.groups, local_spikes)}
                for pathway in self.event_pathways:
                    pathway.run_step(step, t, dt, spikes_by_group)
            for poisson_input in self.poisson_inputs:
                poisson_input.apply(step)
            for group, local in zip(self.groups, local_spikes):
                group.apply_reset(local, step, t, dt)
            for operation in self.operations["end"]:
                operation.run(step, t, dt)
            clock.timestep = step + 1
            reporter.maybe_report(step + 1 - first)
        elapsed = time.perf_counter() - started
        self.wall_times["simulate"] += elapsed
        reporter.finish(n_steps, elapsed)
        if self.writer is not None and self.writer.is_open:
            self.writer.flush()

    def _open_output(self, filename, script=None):
        """Make ``filename`` this network's open results file (keeping it if
        it already is; closing another one)."""
        import os
        from .io.writer import ResultsWriter
        if self.writer is not None and self.writer.is_open and \
                self.writer.filename == os.path.abspath(filename):
            return
        if self.writer is not None:
            self.writer.close()
        self.writer = ResultsWriter(filename, self, script)

    def _exchange(self, window_ids, window_steps):
        """Gather a window's spikes from all ranks and queue their effects."""
        ids = np.concatenate(window_ids) if window_ids else np.empty(0, np.int64)
        steps = np.concatenate(window_steps) if window_steps else np.empty(0, np.int64)
        ids, steps = self.exchange.exchange(ids, steps, one_step=self.window_steps == 1)
        self.delivery_plan.deliver(ids, steps)
        for pathway in self.event_pathways:
            if pathway.prepost == "pre":
                pathway.queue_presynaptic(ids, steps)
        if len(ids):
            self._unrecorded.append((ids, steps))

    def _record_exchanged(self, stop):
        """Hand the spikes exchanged since the last call (steps up to
        ``stop``) to the spike and rate monitors."""
        first = self._unrecorded_first
        if self._unrecorded:
            ids = np.concatenate([ids for ids, _ in self._unrecorded])
            steps = np.concatenate([steps for _, steps in self._unrecorded])
        else:
            ids = steps = np.empty(0, np.int64)
        for monitor in self.spike_monitors:
            monitor.record_spikes(ids, steps)
        for monitor in self.rate_monitors:
            monitor.record_window(ids, steps, first, stop)
        self._unrecorded, self._unrecorded_first = [], stop


def _check_summed_targets(summed_updates):
    """Two summed variables must not set the same neurons' variable (Brian2
    refuses this too: one would silently overwrite the other)."""
    seen = []
    for update in summed_updates:
        root, variable, first, stop = update.target_range
        for other, (o_root, o_variable, o_first, o_stop) in seen:
            if o_root is root and o_variable == variable and first < o_stop and o_first < stop:
                raise ValueError(
                    f"Synapses '{update.synapses.name}' and '{other.synapses.name}' both set "
                    f"'{variable}' of '{root.name}' as a summed variable")
        seen.append((update, (root, variable, first, stop)))


def _mpi_min():
    from mpi4py import MPI
    return MPI.MIN


class _Reporter:
    """Brian2-style progress lines, printed by rank 0 only."""

    def __init__(self, report, period, n_steps, dt):
        self.enabled = report in ("text", "stdout", "stderr") and get_comm().Get_rank() == 0
        self.stream = sys.stderr if report == "stderr" else sys.stdout
        self.period = period
        self.dt = dt
        self.n_steps = n_steps
        self.start = time.perf_counter()
        self.next_report = self.start + period
        if report not in (None, "text", "stdout", "stderr"):
            raise ValueError(f"report must be None, 'text', 'stdout' or 'stderr', got {report!r}")
        if self.enabled:
            print(f"Starting simulation of {n_steps * dt:g} s ({n_steps} steps) "
                  f"on {get_comm().Get_size()} rank(s).", file=self.stream, flush=True)

    def maybe_report(self, done):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now >= self.next_report:
            elapsed = now - self.start
            remaining = elapsed / done * (self.n_steps - done)
            print(f"{done * self.dt:g} s ({100.0 * done / self.n_steps:.0f}%) simulated in "
                  f"{elapsed:.1f} s, estimated {remaining:.0f} s remaining.",
                  file=self.stream, flush=True)
            self.next_report = now + self.period

    def finish(self, n_steps, elapsed):
        if self.enabled:
            print(f"{n_steps * self.dt:g} s (100%) simulated in {elapsed:.1f} s.",
                  file=self.stream, flush=True)


class MagicNetwork(Network):
    """The network behind ``run()``: every object created (since the last
    ``start_scope()``), wherever the script keeps it."""

    def __init__(self):
        super().__init__(name="magicnetwork")

    def run(self, duration, report=None, report_period=10 * second, namespace=None, level=0,
            output=None, flush_interval=None):
        self.objects = registry.registered_objects()
        super().run(duration, report=report, report_period=report_period, namespace=namespace,
                    level=level, output=output, flush_interval=flush_interval)


magic_network = MagicNetwork()


def run(duration, report=None, report_period=10 * second, namespace=None, level=0,
        output=None, flush_interval=None):
    """Simulate every object created so far (Brian2's ``run``).

    ``output`` and ``flush_interval`` stream the monitors into a results
    file as the run goes (see `Network.run`)."""
    magic_network.run(duration, report=report, report_period=report_period,
                      namespace=namespace, level=level, output=output,
                      flush_interval=flush_interval)
