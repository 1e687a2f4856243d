"""The network: which objects run, the schedule of a step, and the main loop.

Each object hands the network its code objects (`code_objects()`), each with
a slot, an order and a name (core/scheduling.py); the network sorts them as
Brian2 does (slot, order, name) and runs them at every step. The spike
exchange is one of them (network/window.py), at the end of each min-delay
window. Pathways that add per-synapse constants (``x_post += w``) share one
ring buffer per target variable (synapses/delivery.py), itself a code object
of the 'synapses' slot.
"""
import contextlib
import itertools
import os
import time
import warnings

from ..core import IMPORT_TIME, registry
from ..core.base import SimulationObject
from ..core.clock import Clock, defaultclock
from ..core.scheduling import check_slot, comes_before, schedule
from ..groups import NeuronGroup
from ..groups.linked import place_refreshes
from ..groups.neuron_code import separate_interleaved
from ..inputs import PoissonInput
from ..io.writer import ResultsWriter
from ..monitors import PopulationRateMonitor, SpikeMonitor
from ..monitors.base import Monitor
from ..parallel import collective, get_comm
from ..parallel.guard import collective_call
from ..synapses import Synapses, construction
from ..synapses.as_group import SynapsesAsGroup
from ..synapses.delivery import TargetBuffer, make_delivery_plan
from ..units import DimensionMismatchError, Quantity, get_dimensions, second
from ..utils.frames import caller_namespace
from . import checkpoint
from .clocks import assign_periods, check_supported, periodic, run_clocks
from .compiled_loop import make_step_loop, run_steps
from .interruptions import RunCheckpoints
from .reporting import Reporter
from .operations import NetworkOperation
from .window import MONITOR_BATCH_STEPS, SpikeWindow

# Each network's id (Brian2's): which network an object ran in.
_network_ids = itertools.count(1)

# Longest window without a synaptic constraint: bounds the spike buffer.
MAX_WINDOW_STEPS = 1000


class Network:
    """A set of objects simulated together (Brian2's ``Network``).

    Parameters
    ----------
    *objects
        Groups, synapses, monitors, or lists/tuples/dicts of them.
    name : str, optional
    """

    #: Warn at run() about created objects that are not part of the network.
    warns_about_omitted = True

    def __init__(self, *objects, name="network"):
        self.name = name
        self.id = next(_network_ids)
        self.timestep = 0  # the network's own time, in steps of the clock (Brian2's t)
        self.own_dt = None  # seconds: its groups' own dt, where it is not the default clock's
        self.running = False
        self.has_operations = False  # network operations: spikes exchanged every step
        self.profile = False
        self._profiled = {}  # code object name -> seconds (run(profile=True))
        self.objects = []
        self.wall_times = {"simulate": 0.0}  # seconds: build, prepare, simulate
        #: Seconds of the simulation this rank waited in the spike exchange.
        self.exchange_wait = 0.0
        self.writer = None
        self.buffers = {}
        self.schedule = []
        self.snapshots = {}       # name -> checkpoint kept in memory (store() without a file)
        self.restored_rings = {}  # (group, variable) -> delayed input to load at the next run
        self.add(*objects)

    def add(self, *objects):
        """Add objects to the network.

        Parameters
        ----------
        *objects
            Groups, synapses, inputs, monitors, networks, or lists, tuples,
            sets and dicts of them; adding one twice is harmless.
        """
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
        """Remove objects from the network.

        Parameters
        ----------
        *objects
            The objects (not containers) to remove.
        """
        for obj in objects:
            self.objects = [o for o in self.objects if o is not obj]

    def __contains__(self, obj):
        return any(o is obj for o in self.objects)

    def __getitem__(self, name):
        """The object named ``name`` (Brian2's ``net['neurons']``)."""
        for obj in self.objects:
            if obj.name == name:
                return obj
        raise KeyError(f"Network '{self.name}' has no object named '{name}' (it has: "
                       f"{', '.join(sorted(o.name for o in self.objects))})")

    @property
    def t(self):
        """The network's time: where its next run starts (Brian2's ``Network.t``)."""
        return Quantity(self.t_, second.dim)

    @property
    def t_(self):
        """The network's time in seconds."""
        return self.timestep * (self.own_dt or defaultclock.dt_)

    def _claim_objects(self):
        """Mark the objects as this network's; an object that ran in another
        network is an error (Brian2's)."""
        for obj in self.objects:
            registry.mark_run(obj)
            if obj._network is None:
                obj._network = self.id
            elif obj._network != self.id:
                raise RuntimeError(f"'{obj.name}' has already been run in the context of another "
                                   "network. Use add/remove to change the objects in a simulated "
                                   "network instead of creating a new one.")

    def _of_type(self, kind):
        return [o for o in self.objects if isinstance(o, kind) and o.active]

    def _warn_about_omitted(self):
        # The garbage collection behind alive_objects() costs 0.1 s in a big
        # heap: skipped when no object was created and the network did not
        # change since the last check (repeated short runs, PyNN callbacks).
        checked = (registry.registrations(), tuple(id(o) for o in self.objects))
        if checked == getattr(self, "_omitted_checked", None):
            return
        self._omitted_checked = checked
        omitted = [o.name for o in registry.alive_objects() if o not in self]
        if omitted:
            warnings.warn(f"Network '{self.name}' does not include these objects, which will not "
                          f"be simulated: {', '.join(omitted)}", stacklevel=3)

    # -- preparing a run -----------------------------------------------------------
    def before_run(self, run_namespace):
        """Build queued synapses, prepare every object and make the schedule
        of a step. Collective."""
        construction.build_pending()  # queued connect/assignment work, all ranks at once
        synapses = self._of_type(Synapses)
        for s in synapses:
            s.check_built()  # the same on every rank: no collective needed
        with collective(f"Preparing the run of network '{self.name}'"):
            self._check_synapse_groups(synapses)
            self._tell_groups_what_changes()
            for group in self._of_type(NeuronGroup):
                group.clock_period = self.clocks.period_of(group)
            for obj in self.objects:
                obj.before_run(run_namespace, self._clock_of(obj))
        self.groups = self._of_type(NeuronGroup)
        code_objects = [code for obj in self.objects if obj.active
                        for code in obj.code_objects()]
        _check_summed_targets([u for s in synapses for u in s.summed_updates])
        pathways = [p for s in synapses for p in s.pathways]
        code_objects += self._assign_buffers(pathways)
        local_min = min((s.min_delay_steps for s in synapses if s.min_delay_steps is not None),
                        default=MAX_WINDOW_STEPS)
        min_delay = get_comm().allreduce(local_min, op=_mpi_min())
        self._check_early_arrivals(synapses)
        # Python code during the run (network operations) sees spikes and
        # monitors as of each step: exchange and record at every step.
        self.has_operations = bool(self._of_type(NetworkOperation))
        self.window = SpikeWindow(
            self.groups, 1 if self.has_operations else max(1, min(int(min_delay),
                                                                 MAX_WINDOW_STEPS)),
            make_delivery_plan(pathways),
            [p for s in synapses for p in s.event_pathways if p.prepost == "pre"],
            self._of_type(SpikeMonitor), self._of_type(PopulationRateMonitor),
            monitor_batch_steps=1 if self.has_operations else MONITOR_BATCH_STEPS,
            event_sources=[(g, event) for g in self.groups for event in g.events])
        self.schedule = schedule(code_objects + [self.window])
        separate_interleaved(self.schedule)
        self.schedule = place_refreshes(self.schedule, self.groups + synapses)
        check_supported(self.clocks, pathways + [p for s in synapses for p in s.event_pathways],
                        self._of_type(PoissonInput),
                        self._of_type(PopulationRateMonitor), self.name)
        assign_periods(self.schedule, self.clocks)

    def _clock_of(self, obj):
        """The clock an object prepares its run with: a NeuronGroup on a
        slower clock gets its own (the steps it sees are its clock's)."""
        if isinstance(obj, NeuronGroup) and self.clocks.period_of(obj) > 1:
            period = self.clocks.period_of(obj)
            clock = Clock(Quantity(self.clocks.base_dt * period, second.dim),
                          name=f"{obj.name}_clock")
            clock.timestep = defaultclock.timestep // period
            return clock
        return defaultclock

    @property
    def window_steps(self):
        """Steps per spike exchange in the last prepared run."""
        return self.window.window_steps

    def _check_synapse_groups(self, synapses):
        for s in synapses:
            for group in (s.source, s.target):
                group = getattr(group, "parent", group)  # a subgroup lives in its parent
                if isinstance(group, SynapsesAsGroup):  # Synapses onto Synapses
                    group = group.synapses
                if group not in self:
                    raise ValueError(f"Synapses '{s.name}' connect group '{group.name}', which "
                                     f"is not part of network '{self.name}'")

    def _tell_groups_what_changes(self):
        """Each NeuronGroup learns which of its variables synapses and inputs
        change during the run (``changed_during_run``): its exact update reads
        those parameters at every step instead of once per run. With network
        operations, every variable may change."""
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
        # A network operation is Python code that may write any variable.
        anything = bool(self._of_type(NetworkOperation))
        for group in self._of_type(NeuronGroup):
            group.changed_during_run = set(group.variables) if anything else \
                written.get(id(group), set())
        # Synapses written by other Synapses (pathways and summed variables
        # onto their synapses): their clock-driven update reads those too.
        for s in self._of_type(Synapses):
            view = s.__dict__.get("_as_group")
            s.changed_by_others = set(s.variables) if anything else \
                written.get(id(view), set()) if view is not None else set()

    @staticmethod
    def _check_early_arrivals(synapses):
        """A spike cannot arrive before the threshold that emits it: synapses
        whose effects arrive before thresholds need delays of a step or more
        (collective; every rank has the same Synapses objects)."""
        early = [s for s in synapses if s.pathways and comes_before(
            check_slot(s.arrival_slot, f"Synapses '{s.name}' arrival_slot"), "thresholds")]
        for s in early:
            local = s.min_delay_steps if s.min_delay_steps is not None else MAX_WINDOW_STEPS
            if get_comm().allreduce(local, op=_mpi_min()) < 1:
                raise ValueError(f"Synapses '{s.name}': arrival_slot={s.arrival_slot!r} needs "
                                 "delays of at least one time step (a delay is 0)")

    def _assign_buffers(self, pathways):
        """One ring buffer per (NeuronGroup, variable) that additive pathways
        add to, kept across runs so that spikes in flight still arrive; the
        buffers of this run (code objects of the 'synapses' slot)."""
        needed = {}
        for pathway in pathways:
            key = (id(pathway.target), pathway.variable)
            needed[key] = max(needed.get(key, 1), pathway.slots_needed)
        for pathway in pathways:
            key = (id(pathway.target), pathway.variable)
            buffer = self.buffers.get(key)
            slot = pathway.synapses.arrival_slot
            if buffer is None:
                buffer = self.buffers[key] = TargetBuffer(pathway.target, pathway.variable,
                                                          needed[key], slot)
            elif buffer.when != slot:
                raise ValueError(
                    f"Synapses '{pathway.synapses.name}' (arrival_slot={slot!r}) and "
                    f"'{buffer.name}' (arrival_slot={buffer.when!r}) add to "
                    f"'{pathway.target.name}.{pathway.variable}' in different slots")
            buffer.resize(needed[key], defaultclock.timestep)
            restored = self.restored_rings.pop((buffer.group.name, buffer.variable), None)
            if restored is not None:
                buffer.load(restored, defaultclock.timestep)
            buffer.add_pathway(pathway)
            pathway.buffer = buffer
        return [self.buffers[key] for key in needed]

    # -- running -------------------------------------------------------------------
    def run(self, duration, report=None, report_period=10 * second, namespace=None, level=0,
            output=None, flush_interval=None, checkpoint=None, checkpoint_interval=None,
            profile=None):
        """Simulate for ``duration``, continuing from the network's time.
        Collective: every rank calls it.

        Parameters
        ----------
        duration : Quantity
            Biological time to simulate.
        report : None, 'text', 'stdout', 'stderr' or a function
            Print progress (on rank 0) every ``report_period`` of wall time,
            or call ``report(elapsed, completed, start, duration)`` (Brian2's
            signature; on rank 0, at the start, then every period, at the end).
        namespace : dict, optional
            Constants for the models (else the calling script's namespace).
        output : str, optional
            Results file to stream the monitors into (written by all ranks;
            kept open for further runs until ``save()``). A distsim extension.
        flush_interval : Quantity, optional
            Biological time between flushes of the monitors to ``output``
            (default: only at the end of the run). After each flush the file
            is complete up to that time, even if the run is killed later.
        checkpoint : str, optional
            A checkpoint file (a distsim extension; see docs/checkpoints.md):
            written every ``checkpoint_interval`` of biological time, and when
            a rank receives SIGTERM or SIGUSR1 (then the run stops at the end
            of the current window, writes it, flushes ``output`` and exits
            with code 85, `CHECKPOINT_EXIT_CODE`).
        checkpoint_interval : Quantity, optional
            Biological time between checkpoints (default: only on a signal).
        profile : bool, optional
            Time each code object on this rank (Brian2's profiling): see
            `profiling_info`.
        """
        self.profile = bool(profile)
        if self.warns_about_omitted:
            self._warn_about_omitted()
        _check_duration(duration, checkpoint, checkpoint_interval)
        with collective_call(f"run() of network '{self.name}'"):
            self._run(duration, report, report_period,
                      namespace if namespace is not None else caller_namespace(level),
                      output, flush_interval, checkpoint, checkpoint_interval)

    def _run(self, duration, report, report_period, run_namespace, output, flush_interval,
             checkpoint=None, checkpoint_interval=None):
        self._claim_objects()
        self.clocks = run_clocks(self.name, self._of_type(NeuronGroup), self._of_type(Synapses),
                                 defaultclock.dt_)
        base = self.clocks.base_dt
        # The run's clock is its groups' where it is not the default clock's (Brian2's dt=).
        self.own_dt = None if abs(base - defaultclock.dt_) <= 1e-12 * defaultclock.dt_ else base
        default = (defaultclock.dt_, defaultclock.timestep)
        if self.own_dt is not None:  # the run's clock is its groups' (Brian2's dt=)
            defaultclock.dt_ = self.own_dt
        defaultclock.timestep = self.timestep
        self.running = True
        try:
            self._run_from_now(duration, report, report_period, run_namespace, output,
                               flush_interval, checkpoint, checkpoint_interval)
        finally:
            self.running = False
            self.timestep = defaultclock.timestep
            if self.own_dt is not None:  # the default clock ran only if used (as in Brian2)
                defaultclock.dt_, defaultclock.timestep = default
                if self.clocks.default_used:
                    defaultclock.timestep = self.timestep // self.clocks.default_period

    def _run_from_now(self, duration, report, report_period, run_namespace, output,
                      flush_interval, checkpoint, checkpoint_interval):
        preparing = time.perf_counter()
        self.before_run(run_namespace)
        prepared = time.perf_counter()
        # "prepare": the queued synapse construction and the runs' set-up;
        # "build" (written to the results file): from import to the first step.
        self.wall_times["prepare"] = self.wall_times.get("prepare", 0.0) + prepared - preparing
        self.wall_times.setdefault("build", prepared - IMPORT_TIME)
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
        reporter = Reporter(report, float(report_period / second), n_steps, dt, first)
        self.window.begin_run(first, stop, flush_steps, self._flush_output)
        checkpoints = RunCheckpoints(
            self, checkpoint, clock.steps_for(checkpoint_interval)
            if checkpoint_interval is not None else None, first, stop) \
            if checkpoint is not None else None
        started, waited = time.perf_counter(), self.window.exchange.wait_seconds
        with checkpoints or contextlib.nullcontext():
            ended = self._steps(first, stop, dt, reporter, checkpoints)
        elapsed = time.perf_counter() - started
        self.wall_times["simulate"] += elapsed
        self.exchange_wait += self.window.exchange.wait_seconds - waited
        reporter.finish(ended - first, elapsed)
        if self.writer is not None and self.writer.is_open:
            self._flush_output()

    def _steps(self, first, stop, dt, reporter, checkpoints):
        """The main loop: every code object of the schedule at every step
        (in C where it can be: network/compiled_loop.py)."""
        clock, window = defaultclock, self.window
        loop = None if self.profile or self.has_operations else \
            make_step_loop(self.schedule, window, clock)
        if loop is not None:
            return run_steps(loop, self.schedule, window, first, stop, dt, clock, reporter,
                             checkpoints)
        runs = [periodic(code, _timed(code, self._profiled) if self.profile else code.run)
                for code in self.schedule]
        self._stopped = Network._globally_stopped = False
        for step in range(first, stop):
            t = step * dt
            for run in runs:
                run(step, t, dt)
            clock.timestep = step + 1
            reporter.maybe_report(step + 1 - first)
            if checkpoints is not None and window.window_start == step + 1:
                checkpoints.at_window_end(step + 1, dt)
            if self.has_operations and self._stop_requested():
                window.end_early(step + 1)
                return step + 1
        return stop

    @property
    def profiling_info(self):
        """Wall time of each code object in the runs with ``profile=True``,
        on this rank: [(name, time)], longest first (Brian2's)."""
        return [(name, seconds * second) for name, seconds in
                sorted(self._profiled.items(), key=lambda item: -item[1])]

    # Brian2's stop(): set by `stop()` (any network) or `Network.stop()`.
    _globally_stopped = False
    _stopped = False

    def stop(self):
        """End the current run after this step (Brian2's ``Network.stop``;
        from a network operation, which every rank runs)."""
        self._stopped = True

    def _stop_requested(self):
        """Whether any rank asked to stop (collective: the ranks stop together)."""
        asked = self._stopped or Network._globally_stopped
        return bool(get_comm().allreduce(int(asked), op=_mpi_max()))

    # -- checkpoints ---------------------------------------------------------------
    def _checkpointed_objects(self):
        return self.objects

    def store(self, name="default", filename=None):
        """Take a checkpoint of the network's whole state (Brian2's
        ``Network.store``). Collective: every rank calls it.

        Parameters
        ----------
        name : str
            Several checkpoints can be kept under different names.
        filename : str, optional
            An HDF5 file written by all ranks together (other names in it are
            kept); restorable on any number of ranks. Without one, the
            checkpoint is kept in memory (for ``restore`` in this run).
        """
        with collective_call(f"store('{name}')"):
            if not self.running:  # (during a run, at a checkpoint, the clock is ahead)
                defaultclock.timestep = self.timestep
            checkpoint.store(self, self._checkpointed_objects(), name, filename)

    def restore(self, name="default", filename=None, restore_random_state=False):
        """Continue from a checkpoint (Brian2's ``Network.restore``):
        variables, synapses' events in flight, delayed input, monitors'
        data and the clock. Collective.

        Parameters
        ----------
        name : str
        filename : str, optional
            A file written by ``store(name, filename)``, by any number of
            ranks; the network must have been built the same way (the same
            objects, sizes and variables: an error names what differs).
        restore_random_state : bool
            Also restore the seed and the counters of string assignments
            and connect calls (draws during runs depend only on the seed and
            the step).
        """
        with collective_call(f"restore('{name}')"):
            checkpoint.restore(self, self._checkpointed_objects(), name, filename,
                               restore_random_state)
            self.timestep = defaultclock.timestep

    def scheduling_summary(self):
        """The code objects of a step in the order they run (slot, order,
        name), as Brian2's ``scheduling_summary``; after a run."""
        return [(code.when, code.order, code.schedule_name) for code in self.schedule]

    # -- results file ----------------------------------------------------------------
    def _open_output(self, filename, script=None):
        """Make ``filename`` this network's open results file (keeping it if
        it already is; closing another one). Collective."""
        if self.writer is not None and self.writer.is_open and \
                self.writer.filename == os.path.abspath(filename):
            return
        self._close_output()
        self.writer = ResultsWriter(filename, script)
        self.writer.add_monitors(self._monitors())

    def _monitors(self):
        return [o for o in self.objects if isinstance(o, Monitor)]

    def _flush_output(self, end_step=None):
        """Append what the monitors buffered (up to ``end_step``, default the
        clock's step) to the results file (collective)."""
        t_end = None if end_step is None else end_step * defaultclock.dt_
        self.writer.flush(self._monitors(), self.wall_times, t_end)

    def close_output(self):
        """Flush and close the results file, if one is open (collective)."""
        self._close_output()

    def _close_output(self):
        """Flush and close the results file, if one is open (collective)."""
        if self.writer is not None:
            self.writer.close(self._monitors(), self.wall_times)

    def save(self, filename, script=None):
        """Write the results so far to ``filename`` and close it. Collective:
        all ranks call it. See `distsim.save`.

        Parameters
        ----------
        filename : str
        script : str, optional
            The model script stored with the results (default ``sys.argv[0]``).
        """
        with collective_call(f"save('{filename}')"):
            if not self.objects:  # save() before any run(): everything created so far
                self.objects = registry.alive_objects()
            self._open_output(filename, script)
            self._close_output()


def _check_duration(duration, checkpoint, checkpoint_interval):
    """Brian2's checks of a run's duration, and of the checkpoint arguments."""
    if get_dimensions(duration) is not second.dim:
        raise DimensionMismatchError("run(duration): the duration must be a time", second.dim,
                                     get_dimensions(duration))
    if not float(duration / second) >= 0:
        raise ValueError(f"run(duration): expected a non-negative duration, got {duration!s}")
    if checkpoint_interval is not None:
        if checkpoint is None:
            raise ValueError("run(checkpoint_interval=...) needs checkpoint= (a file name)")
        if get_dimensions(checkpoint_interval) is not second.dim or \
                not float(checkpoint_interval / second) > 0:
            raise ValueError("run(checkpoint_interval=...): expected a positive time, got "
                             f"{checkpoint_interval}")


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


def _timed(code, totals):
    """``code.run``, adding its wall time to ``totals[name]``."""
    run, name = code.run, code.schedule_name
    totals.setdefault(name, 0.0)

    def timed(step, t, dt):
        started = time.perf_counter()
        run(step, t, dt)
        totals[name] += time.perf_counter() - started
    return timed


def _mpi_min():
    from mpi4py import MPI
    return MPI.MIN


def _mpi_max():
    from mpi4py import MPI
    return MPI.MAX


