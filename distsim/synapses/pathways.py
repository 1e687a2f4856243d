"""Synaptic pathways that run statements per synapse (Brian2's ``SynapticPathway``).

A pathway is triggered by the spikes of the source group (``on_pre``) or of
the target group (``on_post``). After its delay it runs its statements for
each synapse of the spiking neuron: the event-driven variables are first
brought up to ``t``, then the statements run, then ``lastupdate = t``.

Every synapse lives on the rank of its target, so ``on_post`` needs only this
rank's spikes, and ``on_pre`` takes the spikes of all ranks from the window's
exchange. Events are queued by arrival step and run in store order, which
orders the synapses of one target the same way on any number of ranks: the
results do not depend on the rank count.

The statements ``x_post += w`` of a synapse model without dynamics take the
compiled path instead (delivery.py); this module is the general one.
"""
import numpy as np

from .._ext.event_queue import EventQueue
from ..codegen.kernels import Untranslatable, address, pathway_kernel
from ..core.clock import defaultclock
from ..core.random import stream_key
from ..core.preferences import compiled_target
from ..core.scheduling import CodeObject
from ..core.variableview import VariableView
from ..model.expressions import ANY_DIMENSION, ExpressionError, RandomContext, Statements
from ..parallel import get_comm
from ..units import DIMENSIONLESS, DimensionMismatchError
from .namespace import root_of

# What ``x op= value`` does to an element that several synapses hit in the
# same step: applied once per synapse, in order (numpy's unbuffered ufuncs).
_AUGMENTED = {"Add": np.add, "Sub": np.subtract, "Mult": np.multiply, "Div": np.divide}
_EMPTY_INDEX = np.empty(0, dtype=np.int64)


def expand_rows(row_start, rows):
    """Positions ``row_start[r]:row_start[r+1]`` of every row in ``rows``,
    concatenated, and how many each row has."""
    starts = row_start[rows]
    counts = row_start[rows + 1] - starts
    total = int(counts.sum())
    first_in_output = np.cumsum(counts) - counts
    positions = np.repeat(starts - first_in_output, counts) + np.arange(total, dtype=np.int64)
    return positions, counts


class SynapticPathway(CodeObject):
    """One pathway of a Synapses object: ``S.pre``, ``S.post``, or a name
    given in an ``on_pre``/``on_post`` dict (Brian2's names).

    ``S.<name>.delay`` is the pathway's per-synapse delay; it reads and
    writes like ``S.delay`` (e.g. ``S.pre_plasticity.delay[:, :] = 3*ms``).

    Parameters
    ----------
    synapses : Synapses
    name : str
    prepost : {'pre', 'post'}
        Whose spikes trigger the pathway.
    code : str
        The statements.
    delay_variable : str
        The Synapses variable holding this pathway's delays.

    In the schedule: the 'synapses' slot, order -1 for presynaptic and +1
    for postsynaptic pathways, named ``<synapses>_<pathway>`` (Brian2's).
    """

    when = "synapses"

    def __init__(self, synapses, name, prepost, code, delay_variable):
        self.synapses = synapses
        self.name = name
        self.prepost = prepost
        self.event = "spike"  # or a custom event of the group (Synapses on_event=)
        self.code = code
        self.owner = f"Synapses '{synapses.name}', on_{prepost} pathway '{name}'"
        try:
            self.statements = Statements(code)
        except ExpressionError as exc:
            raise ExpressionError(f"{self.owner}: {exc}") from None
        self.delay_variable = delay_variable
        self.order = -1 if prepost == "pre" else 1
        # arrival step -> arrays of store positions; kept across runs, so
        # that what is in flight at the end of a run still arrives. During a
        # run of the compiled loop the events wait in `compiled_queue`.
        self.pending = {}
        self.compiled_queue = None

    @property
    def delay(self):
        return VariableView(self.synapses, self.delay_variable)

    @delay.setter
    def delay(self, value):
        self.synapses.set_variable(self.delay_variable, slice(None), value)

    @property
    def delay_(self):
        """The delays without units (seconds)."""
        return VariableView(self.synapses, self.delay_variable, raw=True)

    def __repr__(self):
        return f"<SynapticPathway '{self.name}' of '{self.synapses.name}': {self.code!r}>"

    # -- preparation ------------------------------------------------------
    def prepare(self, run_namespace):
        """Check the statements against the model and resolve what they
        name (at the start of each run)."""
        S = self.synapses
        self.temporaries = self.statements.temporaries(
            lambda name: S.resolver.resolve(name).kind != "external")
        dim_of = self.statements.dimensions_with_temporaries(
            S.resolver.dimension_of(run_namespace, self.code), self.temporaries)
        self.destinations = {}
        for target, op, expr in self.statements.statements:
            if target in self.temporaries:
                self.destinations[target] = ("temporary", target)
                continue
            kind, variable = S.resolver.resolve(target)
            if kind not in ("synapse", "post", "pre"):
                raise KeyError(f"{self.owner}: '{target}' in '{self.code}' cannot be written "
                               "(it is not a per-synapse, presynaptic or postsynaptic "
                               "variable)")
            self.destinations[target] = (kind, variable)
            target_dim = dim_of(target)
            # *= and /= take a dimensionless factor
            expected = target_dim if op in (None, "Add", "Sub") else DIMENSIONLESS
            got = expr.dimension(dim_of)
            if got is not ANY_DIMENSION and got is not expected:
                raise DimensionMismatchError(
                    f"{self.owner}: in '{self.code}', '{expr.code}' does not have the units "
                    f"of {target}", expected, got)
        self.identifiers = self.statements.identifiers - set(self.temporaries)
        self.constants = S.resolver.constants(self.identifiers, run_namespace, self.code)
        # The event-driven solution reads its parameters too (per-synapse
        # time constants, as PyNN's STDP gives each synapse its own).
        self.plan = S.resolver.plan(self.identifiers | S.event_driven_names |
                                    (set(S.event_driven.parameters) if S.event_driven else set()))
        root = root_of(S.target)
        self.post_masks = {variable: root.write_mask(variable)
                           for kind, variable in self.destinations.values() if kind == "post"}
        self.post_arrays = {variable: root_of(S.target).variables.arrays[variable]
                            for kind, variable in self.destinations.values() if kind == "post"}
        self.pre_arrays = self._presynaptic_destinations()
        self.delays = S.delay_steps(self.delay_variable)
        # One delay for all of this rank's synapses (the common case): no
        # per-event look-up. A rank-local shortcut: the arrival steps are
        # the same either way, and no collective is needed. (min == max: a
        # pass over the delays; np.unique sorted or hashed 10^8 of them.)
        delays = np.asarray(self.delays).ravel()
        self.homogeneous_delay = (int(delays[0]) if len(delays) and delays.min() == delays.max()
                                  else None)
        self.kernel = self._compiled_kernel()
        self.presynaptic = S.resolver.neuron_variables(self.identifiers, "pre")
        self.within_target = S.store.index_within_target() if any(
            expr.random_sites for expr in self.statements.expressions) else None
        if self.prepost == "post":
            self._by_target = S.synapses_by_target()

    def _presynaptic_destinations(self):
        """The source group's local arrays that the statements write
        (``x_pre += 1``, Wang 2002's NMDA rise), by variable. Collective (a
        check that every rank can write them).

        A rank holds the synapses of its targets and can write only its own
        source neurons. A presynaptic write is supported where each synapse
        joins neurons of the same index in groups of the same size
        (``connect(j='i')``, as in Brian2's examples): then its source lives
        on its rank for any number of ranks, and the model is accepted or
        refused the same way on 1 rank as on many."""
        S = self.synapses
        written = sorted({variable for kind, variable in self.destinations.values()
                          if kind == "pre"})
        if not written:
            return {}
        source = root_of(S.source)
        everywhere = slice(None)
        aligned = source.N == root_of(S.target).N and bool(np.array_equal(
            S.local_values("_source_i", everywhere), S.local_values("_target_j", everywhere)))
        if not all(get_comm().allgather(aligned)):
            raise NotImplementedError(
                f"{self.owner}: '{self.code}' writes the presynaptic variable(s) {written}; "
                "a pathway writes presynaptic variables only where every synapse joins a "
                f"neuron of '{source.name}' to the neuron of the same index in a group of "
                "the same size (connect(j='i')), whose rank holds both. Write the variable "
                "from a pathway of Synapses whose target is that group instead")
        return {variable: source.variables.arrays[variable] for variable in written}

    def _compiled_kernel(self):
        """The pathway as one generated loop (codegen/kernels.py), or None
        where the numpy path must run it (TimedArrays, non-float variables...)."""
        S = self.synapses
        values = S.kernel_values(dict(self.constants, **S.event_driven_constants))
        try:
            if not compiled_target():
                raise Untranslatable("prefs.codegen.target is 'numpy'")
            if any(mask is not None for mask in self.post_masks.values()):
                raise Untranslatable("a conditional write (unless refractory)")
            reason = S.uncompilable(self.plan[0])
            if reason:
                raise Untranslatable(reason)
            if self.temporaries:
                raise Untranslatable("temporaries (x = ... for a name of no variable)")
            if self.pre_arrays:
                raise Untranslatable("writes to presynaptic variables")
            kernel = pathway_kernel(self.statements.statements, self.destinations,
                                    self.plan[0], self.plan[1], S.event_driven, values,
                                    self.statements._site_offsets)
        except Untranslatable:
            return None
        self._kernel_scalars = tuple(float(values[name]) for name in kernel.scalars)
        # Store and target arrays stay in place during a run: their addresses
        # once; presynaptic values are gathered anew at every step.
        self._kernel_addresses = S.kernel_array_addresses(kernel.arrays)
        self._kernel_uses = {part: part in kernel.source
                             for part in ("[pre]", "i_values[k]", "j_values[k]")}
        return kernel

    def _presynaptic_index(self, positions):
        """Index of each synapse's source in the source group's local arrays
        (all on this rank: `_presynaptic_destinations` checked it)."""
        S = self.synapses
        return root_of(S.source).local_positions(
            S.store.sources_in(positions) + getattr(S.source, "sub_start", 0))

    def _random_context(self, positions, step):
        """rand()/randn() of the events at ``positions``: keyed by (synapses,
        pathway, step, call site), counted by (target, the synapse's rank
        among its target's synapses), the same on any number of ranks."""
        S = self.synapses
        key = (S.name, self.name, step)
        return RandomContext(lambda site: stream_key(*key, site),
                             S.local_values("j", positions), self.within_target[positions])

    def _run_kernel(self, positions, step, t, dt, presynaptic):
        S = self.synapses
        store = S.store
        rng = self._random_context(positions, step) if self.within_target is not None \
            else None
        # Presynaptic values are gathered, random numbers drawn, anew each step.
        fresh = {key: presynaptic[key[1]] if key[0] == "pre" else
                 getattr(rng, key[1])(key[2]) for key in self._kernel_addresses
                 if isinstance(key, tuple)}
        arrays = S.kernel_arrays(self._kernel_addresses, fresh)
        uses = self._kernel_uses
        sources = store.sources_in(positions) \
            if uses["[pre]"] or uses["i_values[k]"] else _EMPTY_INDEX
        pre_index = sources + getattr(S.source, "sub_start", 0) if uses["[pre]"] \
            else _EMPTY_INDEX
        j_values = S.local_values("j", positions) if uses["j_values[k]"] else _EMPTY_INDEX
        self.kernel.run(address(positions, np.int64), len(positions),
                        address(store.local_targets, np.int32), S.target.root_local_offset,
                        address(pre_index, np.int64), address(sources, np.int64),
                        address(j_values, np.int64), t, dt, arrays, self._kernel_scalars)

    # -- events -------------------------------------------------------------
    def _queue(self, positions, arrival_steps):
        if not len(positions):
            return
        if np.all(arrival_steps == arrival_steps[0]):
            self.pending.setdefault(int(arrival_steps[0]), []).append(positions)
            return
        order = np.argsort(arrival_steps, kind="stable")
        steps = arrival_steps[order]
        boundaries = np.flatnonzero(np.diff(steps)) + 1
        for chunk in np.split(order, boundaries):
            self.pending.setdefault(int(arrival_steps[chunk[0]]), []).append(positions[chunk])

    def queue_presynaptic(self, ids, steps):
        """Queue the synapses of a window's spikes (network-wide ids, all
        ranks) that come from this pathway's source."""
        if self.compiled_queue is not None:
            self.compiled_queue.queue_spikes(ids, steps)
            return
        S = self.synapses
        store = S.store
        sources = ids - S.source.id_offset
        mine = (sources >= 0) & (sources < store.n_sources)
        rows = store.rows_of(sources[mine])
        mine[mine] = rows >= 0
        if not mine.any():
            return
        positions, counts = expand_rows(store.row_start, rows[rows >= 0])
        spike_steps = steps[mine]
        if self.homogeneous_delay is not None and np.all(spike_steps == spike_steps[0]):
            self._queue(positions, np.array([spike_steps[0] + self.homogeneous_delay]))
            return
        self._queue(positions, np.repeat(spike_steps, counts) + self.delays[positions])

    def _queue_postsynaptic(self, local_spikes, step):
        """Queue the synapses onto this rank's target neurons that spiked."""
        S = self.synapses
        rows = local_spikes - S.target.root_local_offset
        rows = rows[(rows >= 0) & (rows < S.target.n_local)]
        if not len(rows):
            return
        target_row_start, by_target = self._by_target
        positions = by_target[expand_rows(target_row_start, rows)[0]]
        if self.homogeneous_delay is not None:
            self._queue(positions, np.array([step + self.homogeneous_delay]))
            return
        self._queue(positions, step + self.delays[positions].astype(np.int64))

    @property
    def writes_neurons(self) -> bool:
        """Whether the statements write a pre- or postsynaptic variable:
        then several events of one step may meet in one neuron, and their
        order decides the result (a sum's rounding, the last write). Events
        that write only their own synapse's variables (and draw random
        numbers keyed by the synapse) give the same result in any order."""
        return any(kind in ("pre", "post") for kind, _ in self.destinations.values())

    @property
    def schedule_name(self):
        return f"{self.synapses.name}_{self.name}"

    # -- the compiled step loop --------------------------------------------
    def compiled_op(self):
        """The event queue (ext/event_queue.pyx) and the kernel as
        operations of the compiled loop, where the kernel needs nothing
        drawn or gathered per step (random numbers, presynaptic values,
        i/j); the events in flight move into the queue until
        `end_compiled_run`."""
        S = self.synapses
        uses = getattr(self, "_kernel_uses", {})
        if self.kernel is None or self.within_target is not None or self.presynaptic or \
                self.event != "spike" or any(uses.values()) or \
                any(isinstance(a, tuple) for a in self._kernel_addresses):
            return None
        store = S.store
        root = root_of(S.target)
        step = defaultclock.timestep
        longest = self.homogeneous_delay if self.homogeneous_delay is not None else \
            int(self.delays.max(initial=0))
        ahead = max([longest] + [arrival - step for arrival in self.pending])
        if self.prepost == "pre":
            queue = EventQueue(store.row_start, None, self._queue_delays(), self._delay_or_zero(),
                               len(store), ahead + 1, S.source.id_offset,
                               row_sources=store.row_sources, row_bits=store.row_bits,
                               n_sources=store.n_sources,
                               store_order=self.writes_neurons)
        else:
            target_row_start, by_target = self._by_target
            queue = EventQueue(target_row_start, by_target, self._queue_delays(),
                               self._delay_or_zero(), len(store), ahead + 1,
                               S.target.root_local_offset, root.threshold_code.found,
                               store_order=self.writes_neurons)
        for arrival, chunks in self.pending.items():
            queue.put(arrival, np.concatenate(chunks).astype(np.int64))
        self.pending = {}
        self.compiled_queue = queue
        kernel = self.kernel.bind(
            (address(queue.arrived, np.int64), address(store.local_targets, np.int32),
             S.target.root_local_offset, 0, 0, 0),
            self._kernel_addresses, self._kernel_scalars, spikes=queue.arrivals(),
            keep_alive=(store, root.variables.arrays))
        return [queue, kernel]

    def _queue_delays(self):
        return np.empty(0, np.int64) if self.homogeneous_delay is not None else self.delays

    def _delay_or_zero(self):
        return self.homogeneous_delay if self.homogeneous_delay is not None else 0

    def in_flight(self):
        """{arrival step: [store positions, ...]} of the events queued and
        not yet run (wherever they wait)."""
        if self.compiled_queue is None:
            return self.pending
        return {arrival: [positions] for arrival, positions in
                self.compiled_queue.take_all(defaultclock.timestep, keep=True).items()}

    def end_compiled_run(self):
        """The events still in flight go back to `pending` (for a Python
        run, a checkpoint or a changed model)."""
        if self.compiled_queue is not None:
            pending = self.compiled_queue.take_all(defaultclock.timestep)
            self.pending = {arrival: [positions] for arrival, positions in pending.items()}
            self.compiled_queue = None

    def run(self, step, t, dt):
        """Run the statements for the synapses whose events arrive now.
        Called on every rank at every step (it may gather presynaptic
        values: a collective)."""
        S = self.synapses
        if self.prepost == "post":
            self._queue_postsynaptic(root_of(S.target).events_now(self.event), step)
        presynaptic = S.gather_presynaptic(self.presynaptic)
        arrived = self.pending.pop(step, None)
        if arrived is None:
            return
        # Store order, always: a chunk queued by one window lists its events
        # in spike order, and whether a step's events came in one chunk or
        # several depends on which synapses a rank holds.
        positions = np.sort(np.concatenate(arrived))
        self._execute(positions, step, t, dt, presynaptic)

    def _execute(self, positions, step, t, dt, presynaptic):
        if self.kernel is not None:
            self._run_kernel(positions, step, t, dt, presynaptic)
            return
        S = self.synapses
        store = S.store
        ns = S.namespace_for(self.plan, positions, self.constants, t, dt, presynaptic)
        if S.event_driven is not None:
            lastupdate = store.variables["lastupdate"]
            elapsed = t - lastupdate[positions]
            new = S.event_driven.advance(ns, elapsed, dict(S.event_driven_constants, **ns))
            for name, values in zip(S.event_driven.variables, new):
                store.variables[name][positions] = values
                ns[name] = values
        post_index = S.postsynaptic_index(positions) if self.post_arrays else None
        pre_index = self._presynaptic_index(positions) if self.pre_arrays else None
        rng = self._random_context(positions, step) if self.within_target is not None \
            else None
        for (target, op, expr), offset in zip(self.statements.statements,
                                              self.statements._site_offsets):
            value = np.broadcast_to(expr.evaluate(ns, rng.shifted(offset) if rng else None),
                                    positions.shape)
            kind, variable = self.destinations[target]
            if kind == "temporary":
                ns[target] = value
                continue
            if kind == "synapse":
                array = store.variables[variable]
                updated = value if op is None else _AUGMENTED[op](ns[target], value)
                array[positions] = updated
                ns[target] = array[positions]
                continue
            if kind == "pre":
                array, mask, index = self.pre_arrays[variable], \
                    root_of(S.source).write_mask(variable), pre_index
            else:
                array, mask, index = self.post_arrays[variable], self.post_masks[variable], \
                    post_index
            where, written = (index, value) if mask is None else \
                (index[mask[index]], value[mask[index]])
            if op is None:
                array[where] = written  # the last synapse of a neuron wins, as in Brian2
            else:
                _AUGMENTED[op].at(array, where, written)
            ns[target] = array[index]
        if S.event_driven is not None:
            store.variables["lastupdate"][positions] = t
