"""The user-facing ``Synapses`` object (Brian2's names and signatures).

The model: its variable table, pathways, delays and what it runs during a
run. Connecting (connecting.py), reading and writing variables by index
(indexing.py) and names in synaptic code (namespace.py) are mixins of their
own; the synapses of a rank live in its `SynapseStore` (store.py).
"""
import numpy as np

from ..core.clock import defaultclock
from ..core.variableview import VariableView
from ..core.variables import Variables, dtype_for
from ..groups import Group, NeuronPopulation, Resolver
from ..io.checkpoint_file import Block, Computed, Pieces, Replicated
from ..model.equations import (DIFFERENTIAL_EQUATION, PARAMETER, SUBEXPRESSION, EquationError,
                               Equations)
from ..model.event_driven import EventDrivenUpdater
from ..parallel import get_comm
from ..parallel.guard import collective_call
from ..units import DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions, second
from . import construction
from .connecting import Connecting
from .delivery import AdditivePathway
from .dynamics import ClockDrivenUpdate, SummedUpdaterSettings, SummedVariable
from .as_group import SynapsesAsGroup
from .indexing import Indexing
from .namespace import SynapticNamespace, root_of
from .neighbour_subexpressions import neighbour_subexpressions
from .pathways import SynapticPathway
from .store import MAX_DELAY_STEPS, SynapseStore


class Synapses(Connecting, Indexing, SynapticNamespace, Group):
    """Synapses from ``source`` to ``target`` (Brian2's ``Synapses``).

    Parameters
    ----------
    source, target : NeuronGroup, Subgroup or Synapses
        ``target`` defaults to ``source``. A Synapses stands for its
        synapses (as_group.py): code writes or sums into them as ``x_post``,
        or reads them as ``x_pre``.
    model : str, optional
        The synapse model: per-synapse parameters (``'w : siemens'``),
        ``(shared)`` parameters, differential equations integrated every step
        (``(clock-driven)``, the default) or at each event
        (``(event-driven)``), subexpressions and summed variables
        (``'gtot_post = g : 1 (summed)'``).
    on_pre, on_post : str or dict, optional
        What a presynaptic (postsynaptic) spike does to each of the neuron's
        synapses, e.g. ``'ge += w'``; a dict gives several pathways by name
        (``{'pre_transmission': 'ge += w', 'pre_plasticity': '...'}``), each
        with its own delays (``S.pre_plasticity.delay``).
    delay : Quantity or dict, optional
        Homogeneous delay of the (first) presynaptic pathway (Brian2's default
        is 0 ms), or a dict of delays by pathway name; set ``S.delay`` for
        per-synapse delays.
    method : str, optional
        Integration method of the clock-driven equations.
    namespace : dict, optional
    order : int, optional
        Order of its code among objects of the same slot (Brian2's).
    name : str, optional
    """

    when = "synapses"
    #: The slot in which the effects of ``on_pre = 'x_post += w'`` reach the
    #: target (a distsim extension). 'synapses' is Brian2's: the target's
    #: threshold sees a spike at t with delay d at t + d + dt. NEST's and
    #: NEURON's artificial cells see it at t + d: 'before_thresholds' (the
    #: SONATA reader's nrn:IntFire1).
    arrival_slot = "synapses"
    #: Read-only per-synapse values computed from the connectivity.
    #: ``_source_i``/``_target_j`` (Brian2's names for synapses between
    #: subgroups) are the indices in the underlying groups, as ``_synaptic_pre/post``.
    DERIVED = ("i", "j", "N_incoming", "N_outgoing", "_synaptic_pre", "_synaptic_post",
               "_source_i", "_target_j")

    def __init__(self, source, target=None, model=None, on_pre=None, pre=None, on_post=None,
                 post=None, delay=None, on_event=None, namespace=None, method=None,
                 name="synapses*", order=0, codeobj_class=None, dtype=None,
                 method_options=None):
        super().__init__(name, namespace)
        target = source if target is None else target
        owner = f"Synapses '{self.name}'"
        source, target = (self._as_group(group, role, owner, on_pre if role == "source"
                                         else on_post)
                          for role, group in (("source", source), ("target", target)))
        self.source, self.target = source, target
        if pre is not None or post is not None:
            raise TypeError(f"{owner}: 'pre'/'post' are Brian 1 names; use on_pre/on_post")
        try:
            self.equations = Equations(model or "")
        except EquationError as exc:
            raise EquationError(f"{owner}: {exc}") from None
        self.method = method
        self.order = order
        self.variables = Variables(self.name)
        self._delay_dt = None
        self._pathway_objects = self._make_pathways(on_pre, on_post, owner)
        self._add_neighbour_subexpressions()
        self._classify_equations(owner)
        self._set_pathway_events(on_event, owner)
        self._initial_values = self._homogeneous_delays(delay, owner)
        share = getattr(target, "share", None)  # None: another Synapses' synapses
        self._store = SynapseStore(source.N, share.first if share else 0, self._store_dtypes(),
                                   getattr(target, "ids", None), share.stride if share else 1)
        self._declare_variables()
        self.resolver = Resolver(owner, self.variables, self._subexpressions,
                                 {"N_pre": source.N, "N_post": target.N}, self.namespaces,
                                 "synapse", pre=root_of(source).variables,
                                 post=root_of(target).variables)
        self._N = 0  # all ranks' synapses, known to every rank after each build
        self._remote_links = {}  # linked variable -> RemoteLink (groups/linked.py)
        #: Its variables that other objects write during a run (Synapses onto
        #: these synapses, network operations); set by the network.
        self.changed_by_others = set()
        self._connect_calls = 0
        self._queued_calls = []  # explicit calls waiting in the construction queue
        self._assignment_counts = {}
        self.pathways = []
        self.event_pathways = []
        self.clock_driven_update = None
        self.summed_updates = []
        #: Brian2's ``summed_updaters``: each summed variable's slot and order
        #: (``S.summed_updaters['x_post'].when = 'after_groups'``).
        self.summed_updaters = {eq.name: SummedUpdaterSettings() for eq in self._summed}
        self.event_driven_constants = {}  # constants of the event-driven solution, per run
        self._frozen = True

    @staticmethod
    def _as_group(group, role, owner, events_code):
        """The source or target as the group its code reads: a NeuronGroup
        or subgroup, or another Synapses' synapses (as_group.py)."""
        if isinstance(group, Synapses):
            if events_code is not None:
                raise TypeError(f"{owner}: on_{'pre' if role == 'source' else 'post'} needs "
                                f"spikes of the {role}, and Synapses '{group.name}' has none "
                                "(only a NeuronGroup spikes)")
            return SynapsesAsGroup.of(group)
        if not isinstance(group, NeuronPopulation):
            raise TypeError(f"{owner}: the {role} must be a NeuronGroup, a subgroup or "
                            f"Synapses, got {type(group).__name__}")
        return group

    def _add_neighbour_subexpressions(self):
        """Subexpressions of the source and target groups that the model or
        the pathways read (``F_pre``, ``F_post``, ``F``) become synaptic
        subexpressions (neighbour_subexpressions.py)."""
        used = self.equations.identifiers
        for pathway in self._pathway_objects.values():
            used = used | pathway.statements.identifiers
        defined = set(self.equations.equations) | set(self.DERIVED) | \
            {"t", "dt", "N", "N_pre", "N_post", "delay", "lastupdate"}
        extra = neighbour_subexpressions(used, defined, self.source, self.target, root_of)
        if extra:
            self.equations = Equations(self.equations)
            self.equations.equations.update({eq.name: eq for eq in extra})

    def _store_dtypes(self):
        """The per-synapse arrays of the store (the delay of the 'pre'
        pathway is the store's own ``delay_steps``)."""
        dtypes = {name: np.float64 for name in self.equations.diff_eq_names}
        for eq in self.equations:
            if eq.kind == PARAMETER and not {"shared", "linked"} & set(eq.flags):
                dtypes[eq.name] = dtype_for(eq.var_type)
        if self.event_driven is not None:
            dtypes["lastupdate"] = np.float64
        for pathway in self._pathway_objects.values():
            if pathway.delay_variable != "delay":
                dtypes[pathway.delay_variable] = np.uint16
        return dtypes

    def _declare_variables(self):
        """The variable table: per-synapse variables (held by the store,
        which reallocates as synapses are added), shared values, the delays
        of each pathway (steps in the store; times in code) and the values
        derived from the connectivity."""
        table = self.variables
        for eq in self.equations:
            if eq.kind == SUBEXPRESSION:
                continue
            if "shared" in eq.flags or "linked" in eq.flags:
                # A linked variable reads one neuron's value (groups/linked.py)
                table.add_array(eq.name, eq.dim, np.zeros(1, dtype=dtype_for(eq.var_type)),
                                shared=True, flags=eq.flags)
            else:
                table.add_located(eq.name, eq.dim, self._store_dtypes()[eq.name],
                                  self._store_array(eq.name), flags=eq.flags)
        if self.event_driven is not None:
            table.add_located("lastupdate", second.dim, np.float64,
                              self._store_array("lastupdate"), read_only=True)
        for pathway in self._pathway_objects.values():
            name = pathway.delay_variable
            locate = (lambda: self._store.delay_steps) if name == "delay" else \
                self._store_array(name)
            table.add_located(name, second.dim, np.uint16, locate, flags=("delay",))
        for name in self.DERIVED:
            table.add_derived(name, DIMENSIONLESS)

    def _store_array(self, name):
        return lambda: self._store.variables[name]

    def _classify_equations(self, owner):
        """Sort the model's equations as Brian2 does: event-driven and
        clock-driven differential equations, summed variables, shared values."""
        eqs = self.equations
        self.event_driven_names = {eq.name for eq in eqs if eq.kind == DIFFERENTIAL_EQUATION
                                   and "event-driven" in eq.flags}
        clock_driven = {eq.name for eq in eqs if eq.kind == DIFFERENTIAL_EQUATION
                        and eq.name not in self.event_driven_names}
        self._summed = [eq for eq in eqs if "summed" in eq.flags]
        self._subexpressions = [eq for eq in eqs.ordered_subexpressions()
                                if "summed" not in eq.flags]
        subexpression_names = {eq.name for eq in self._subexpressions}
        for eq in eqs:
            if "unless refractory" in eq.flags or ("linked" in eq.flags and
                                                    eq.kind != PARAMETER):
                raise EquationError(f"{owner}: flag(s) {eq.flags} are not allowed in "
                                    f"Synapses ('{eq.line}')")
            if eq.expr is None:
                continue
            # Brian2's rule: the two kinds of equations cannot depend on each other.
            used = eq.expr.identifiers
            if eq.name in self.event_driven_names and used & clock_driven:
                raise EquationError(f"{owner}: the event-driven equation '{eq.line}' uses the "
                                    f"clock-driven variable(s) {sorted(used & clock_driven)}")
            if (eq.name in clock_driven or eq in self._summed) and \
                    used & self.event_driven_names:
                raise EquationError(f"{owner}: '{eq.line}' uses the event-driven variable(s) "
                                    f"{sorted(used & self.event_driven_names)}, which are "
                                    "only up to date at events; make them (clock-driven)")
        self.event_driven = None
        if self.event_driven_names:
            self.event_driven = EventDrivenUpdater(
                eqs.only(self.event_driven_names | subexpression_names), owner)
        self._clock_driven_equations = eqs.only(
            clock_driven | subexpression_names |
            {eq.name for eq in eqs if eq.kind == PARAMETER}) if clock_driven else None

    def _make_pathways(self, on_pre, on_post, owner):
        """The pathways by name (Brian2's: 'pre', 'post', or the dict keys).
        The first presynaptic pathway's delays are ``S.delay``."""
        pathways = {}
        for prepost, argument in (("pre", on_pre), ("post", on_post)):
            if argument is None:
                continue
            if isinstance(argument, str):
                argument = {prepost: argument}
            if not isinstance(argument, dict):
                raise TypeError(f"{owner}: on_{prepost} must be a string or a dict of strings")
            for name, code in argument.items():
                if not isinstance(name, str) or not name.isidentifier() or \
                        not isinstance(code, str):
                    raise TypeError(f"{owner}: on_{prepost} pathways are given as "
                                    "{'name': 'statements'}")
                if name in pathways or hasattr(type(self), name) or name in self.equations:
                    raise ValueError(f"{owner}: the pathway name '{name}' is already used")
                # Brian2: S.delay is the delay of the pathway named 'pre'.
                delay_variable = "delay" if name == "pre" else f"_delay_{name}"
                pathways[name] = SynapticPathway(self, name, prepost, code, delay_variable)
                object.__setattr__(self, name, pathways[name])
        return pathways

    def _set_pathway_events(self, on_event, owner):
        """Which event triggers each pathway (Brian2's ``on_event``: a name
        for all, or a dict by pathway; default 'spike')."""
        if on_event is None:
            return
        by_pathway = {name: on_event for name in self._pathway_objects} \
            if isinstance(on_event, str) else dict(on_event)
        for name, event in by_pathway.items():
            pathway = self._pathway_objects.get(name)
            if pathway is None:
                raise ValueError(f"{owner}: on_event names an unknown pathway '{name}' "
                                 f"(pathways: {sorted(self._pathway_objects)})")
            group = root_of(self.source if pathway.prepost == "pre" else self.target)
            if event != "spike" and event not in group.events:
                raise ValueError(f"{owner}: pathway '{name}' is triggered by the event "
                                 f"'{event}', which '{group.name}' does not have")
            pathway.event = event

    def _homogeneous_delays(self, delay, owner):
        """Initial delay steps of new synapses, by delay variable."""
        if delay is None:
            return {}
        if isinstance(delay, str):
            raise TypeError(f"{owner}: delay= takes one time (or a dict of times by pathway); "
                            "set S.delay = '...' after connect() for per-synapse delays")
        by_pathway = delay if isinstance(delay, dict) else {"pre": delay}
        initial = {}
        for name, value in by_pathway.items():
            pathway = self._pathway_objects.get(name)
            if pathway is None:
                raise ValueError(f"{owner}: cannot set the delay of pathway '{name}': unknown "
                                 f"pathway (pathways: {sorted(self._pathway_objects)})")
            initial[pathway.delay_variable] = self._delay_to_steps(value, owner)
        return initial

    @property
    def store(self):
        """This rank's synapses. Collective only while connect or assignment
        work is queued (it is built first, by all ranks: construction.py);
        after that a plain attribute read."""
        if construction.has_pending():
            with collective_call(f"building the synapses queued before using '{self.name}'"):
                construction.build_pending()
        self.check_built()
        return self._store

    def check_built(self):
        """Raise if building this object's queued connect or assignment steps
        failed: its synapses would be a part of what the script asked for."""
        failed = self.__dict__.get("_construction_failed")
        if failed is not None:
            raise RuntimeError(
                f"Synapses '{self.name}' is incomplete: building its queued connect/assignment "
                f"steps failed ({failed}); the steps after the failing one were not made. "
                "Create it again (after start_scope()) with input that builds.")

    # -- sizes -------------------------------------------------------------
    @property
    def N(self):
        """Total number of synapses (all ranks). Known to every rank once the
        synapses are built: a local read, collective only while connect work
        is queued (see `store`)."""
        self.store  # noqa: B018 - builds queued work (collective) if any
        return self._N

    def __len__(self):
        return self.N

    def _count_synapses(self):
        """Learn the total number of synapses (collective: every rank calls
        it after the same connect work)."""
        self._N = int(get_comm().allreduce(len(self._store)))

    # -- delays --------------------------------------------------------------
    def _delay_to_steps(self, delay, owner):
        if get_dimensions(delay) is not second.dim:
            raise DimensionMismatchError(f"{owner}: the delay must be a time", second.dim,
                                         get_dimensions(delay))
        dt = defaultclock.dt_
        seconds = np.asarray(delay.view(np.ndarray) if isinstance(delay, Quantity) else delay,
                             dtype=np.float64)
        if np.any(seconds < 0) or not np.all(np.isfinite(seconds)):
            raise ValueError(f"{owner}: delays must be finite and non-negative")
        # Rounded to the nearest step, as Brian2 does (a delay below dt/2
        # becomes 0: delivery in the same step, Brian2's default delay).
        steps = np.rint(seconds / dt)
        if np.any(steps > MAX_DELAY_STEPS):
            raise ValueError(f"{owner}: delays above {MAX_DELAY_STEPS} steps "
                             f"({MAX_DELAY_STEPS * dt:g} s) are not supported")
        self._delay_dt = dt
        return steps.astype(np.uint16) if steps.ndim else int(steps)

    # -- connecting ------------------------------------------------------------
    def __getattr__(self, name):
        if name in self.DERIVED:  # a view: S.j[3, :] indexes it as Brian2's does
            return VariableView(self, name)
        if name in ("N_incoming_post", "N_outgoing_pre"):
            # Brian2's per-neuron counts (of the target, of the source). Collective.
            index, group = ("j", "target") if name == "N_incoming_post" else ("i", "source")
            return np.bincount(np.asarray(self.get_variable(index), dtype=np.int64),
                               minlength=self.__dict__[group].N)
        if name in ("delay", "delay_") and not self._has_pre_pathway():
            self._no_pre_pathway()
        for suffix, group, index in (("_pre", "source", "i"), ("_post", "target", "j")):
            base = name[:-len(suffix)]
            if name.endswith(suffix) and not name.startswith("_") and \
                    base in root_of(self.__dict__.get(group)).variables.arrays:
                # S.x_pre: the source's x for each synapse (Brian2). Collective.
                return self.__dict__[group].get_variable(base)[self.get_variable(index)]
        return super().__getattr__(name)

    def __setattr__(self, name, value):
        if name in ("delay", "delay_") and not self._has_pre_pathway():
            self._no_pre_pathway()
        super().__setattr__(name, value)

    def _has_pre_pathway(self):
        table = self.__dict__.get("variables")
        return table is None or "delay" in table

    def _no_pre_pathway(self):
        raise AttributeError(f"Synapses '{self.name}' have no 'pre' pathway, so 'delay' refers "
                             "to nothing; set the delay of a pathway with "
                             f"S.<pathway>.delay (pathways: {sorted(self._pathway_objects)})")


    def written_neuron_variables(self):
        """(root group, variable) pairs that the pathways and summed
        variables change during a run."""
        root = root_of(self.target)
        written = {(root, eq.name[:-len("_post")]) for eq in self._summed
                   if eq.name.endswith("_post")}
        for pathway in self._pathway_objects.values():
            for target in pathway.statements.written:
                kind, variable = self.resolver.resolve(target)
                if kind == "post":
                    written.add((root, variable))
        return written

    @property
    def runs_on_own_clock(self) -> bool:
        """Whether it has code on its own clock (Brian2's: the default
        clock): clock-driven equations, or summed variables onto other
        Synapses (network/clocks.py)."""
        return self._clock_driven_equations is not None or \
            (bool(self._summed) and isinstance(self.target, SynapsesAsGroup))

    def written_synapse_variables(self):
        """Per-synapse variables that the pathways change during a run."""
        return {name for pathway in self._pathway_objects.values()
                for name in pathway.statements.written
                if self.resolver.resolve(name).kind == "synapse"}

    @property
    def min_delay_steps(self):
        """Smallest delay (in steps) of a presynaptic pathway on this rank,
        None without synapses or presynaptic pathways: the spike exchange can
        wait this long."""
        delays = [self.delay_steps(p.delay_variable)
                  for p in self._pathway_objects.values() if p.prepost == "pre"]
        if not delays or not len(self.store):
            return None
        return min(int(d.min()) for d in delays)

    def before_run(self, run_namespace, clock):
        owner = f"Synapses '{self.name}'"
        for eq in self.equations:
            if "linked" in eq.flags and eq.name not in self._remote_links:
                raise ValueError(f"{owner}: the linked variable '{eq.name}' was never linked; "
                                 f"write {self.name}.{eq.name} = linked_var(group, 'variable')")
        for link in self._remote_links.values():
            link.run_namespace = run_namespace
        for group in (self.source, self.target):
            if isinstance(group, SynapsesAsGroup):
                group.check_unchanged(owner)
        if self._delay_dt is not None and abs(self._delay_dt - clock.dt_) > 1e-12 * clock.dt_:
            raise ValueError(f"{owner}: delays were set with dt = {self._delay_dt * 1e3:g} ms, "
                             f"but the run uses dt = {clock.dt_ * 1e3:g} ms; set dt first")
        if self._clock_driven_equations is not None or self.event_driven is not None:
            self.equations.only(set(self.equations.equations) - {e.name for e in self._summed}) \
                .check_units(self.resolver.dimension_of(run_namespace, str(self.equations)))
        self.event_driven_constants = self.resolver.constants(self.event_driven.parameters, run_namespace, str(self.equations)) \
            if self.event_driven is not None else {}
        self.clock_driven_update = ClockDrivenUpdate(
            self, self._clock_driven_equations, self.method, run_namespace, clock) \
            if self._clock_driven_equations is not None else None
        self.summed_updates = [SummedVariable(self, eq, run_namespace,
                                              self.summed_updaters.get(eq.name))
                               for eq in self._summed]
        self.pathways, self.event_pathways = [], []
        additive = self._additive_pathway(run_namespace, owner)
        if additive is not None:
            self.pathways.append(additive)
            return
        if self.arrival_slot != "synapses":
            raise NotImplementedError(
                f"{owner}: arrival_slot={self.arrival_slot!r} needs a synapse model whose "
                "only effect is 'x_post += w' (per-synapse constants, no dynamics)")
        for pathway in self._pathway_objects.values():
            pathway.prepare(run_namespace)
            self.event_pathways.append(pathway)

    # -- checkpoints -----------------------------------------------------------
    def _target_major(self):
        """Row starts of this rank's synapses in the checkpoints' order (by
        target, then the target's synapses in store order: the same on any
        number of ranks and partition) and where this rank's synapses lie in
        it (`Pieces`: one run where the rank's targets are a block).
        Collective: every target's synapse count (one Allgatherv)."""
        if self._onto_synapses:
            # Their targets are not blocks of ids: target-major order would
            # depend on the number of ranks.
            raise NotImplementedError(
                f"Synapses '{self.name}': checkpoints (store(), restore(), run(checkpoint=)) "
                "of Synapses whose source or target is another Synapses are not supported")
        row_starts = self._store.target_row_starts(self.target.n_local)
        every_target = self.target.gather_local(np.diff(row_starts))
        return row_starts, Pieces.of_rows(every_target, self.target.local_indices)

    def checkpoint_parts(self):
        """The synapses' state for a checkpoint: every stored variable of the
        table in target-major order (each rank's synapses are one slab of
        it; reordered when written, one array at a time), shared values
        once, and each pathway's events in flight as (target-major position,
        arrival step). Collective (offsets)."""
        row_starts, pieces = self._target_major()
        parts = {}
        for name, variable in self.variables.items():
            if not variable.stored:
                continue
            if variable.shared:
                parts[name] = Replicated(variable.values.copy())
                continue
            values = variable.values
            parts[name] = Block(Computed(
                values.dtype, values.shape,
                lambda out, values=values: self._store.to_target_major(values, row_starts, out)),
                0, self.N, pieces=pieces)
        comm = get_comm()
        for pathway in self._pathway_objects.values():
            chunks = [(step, p) for step, step_chunks in pathway.in_flight().items()
                      for p in step_chunks]
            steps = np.concatenate([np.full(len(p), step, np.int64) for step, p in chunks]) \
                if chunks else np.empty(0, np.int64)
            positions = pieces.to_global(self._store.target_major_positions(
                np.concatenate([p for _, p in chunks]) if chunks else np.empty(0, np.int64),
                row_starts))
            sort = np.lexsort((steps, positions))
            events = np.stack([positions[sort], steps[sort]], axis=1)
            first = comm.exscan(len(events)) or 0
            parts[f"events_{pathway.name}"] = Block(events, first, comm.allreduce(len(events)))
        return parts

    def restore_parts(self, reader, prefix):
        """Set the stored variables and the events in flight from a
        checkpoint (the slab of this rank's synapses). Collective."""
        row_starts, pieces = self._target_major()
        self._delay_dt = reader.meta["dt"]  # the delays are steps of this dt
        for name, variable in self.variables.items():
            if not variable.stored:
                continue
            path = f"{prefix}/{name}"
            if variable.shared:
                variable.values[...] = reader.replicated(path)
            else:
                self._store.from_target_major(reader.pieces(path, pieces),
                                              variable.values, row_starts)
        order = None
        for pathway in self._pathway_objects.values():
            events = reader.replicated(f"{prefix}/events_{pathway.name}").reshape(-1, 2)
            mine = pieces.holds(events[:, 0])
            if order is None and mine.any():
                order = self.synapses_by_target()[1]
            positions = order[pieces.to_local(events[mine, 0])] if mine.any() else \
                np.empty(0, np.int64)
            steps = events[mine, 1]
            pathway.pending = {}
            for step in np.unique(steps):
                pathway.pending[int(step)] = [np.sort(positions[steps == step])]

    def random_counters(self):
        """What the random numbers of the next assignments and connect
        calls depend on (with the seed)."""
        return {"assign": dict(self._assignment_counts), "connect": self._connect_calls}

    def set_random_counters(self, counters):
        self._assignment_counts.clear()
        self._assignment_counts.update(counters.get("assign", {}))
        self._connect_calls = counters.get("connect", self._connect_calls)

    def code_objects(self):
        """What the synapses run at each step (prepared by `before_run`):
        summed variables, clock-driven equations, event-driven pathways.
        Additive pathways (``self.pathways``) run through the network's
        shared ring buffers instead."""
        return self.summed_updates + \
            ([self.clock_driven_update] if self.clock_driven_update is not None else []) + \
            self.event_pathways

    def _additive_pathway(self, run_namespace, owner):
        """The compiled path (delivery.py) when it gives the same results as
        the general one: a model without dynamics whose single 'on_pre' adds
        per-synapse constants (``x_post += w``) to postsynaptic variables.
        Returns the AdditivePathway, or None for the general path."""
        if len(self._pathway_objects) != 1 or self.event_driven is not None or \
                self._clock_driven_equations is not None or self._store.target_ids is not None:
            return None
        (pathway,) = self._pathway_objects.values()
        if pathway.prepost != "pre" or len(pathway.statements.statements) != 1 or \
                pathway.event != "spike":
            return None
        ((target_name, op, expr),) = pathway.statements.statements
        kind, variable = self.resolver.resolve(target_name)
        if kind != "post" or op not in ("Add", "Sub") or expr.random_sites or any(
                self.resolver.resolve(n)[0] not in ("synapse", "shared", "external", "size")
                for n in expr.identifiers):
            return None
        pathway.prepare(run_namespace)  # checks names and units
        weights = np.asarray(self._evaluate_per_synapse(expr, run_namespace, ("on_pre",),
                                                        slice(None), owner), dtype=np.float64)
        weights = np.ascontiguousarray(np.broadcast_to(weights, (len(self.store),)))
        if op == "Sub":
            weights = -weights
        return AdditivePathway(self, variable, weights)


