"""The user-facing ``Synapses`` object (Brian2's names and signatures)."""
import warnings

import numpy as np

from ..codegen.kernels import address
from ..core.clock import defaultclock
from ..core.random import stream_key
from ..groups import Group, NeuronPopulation, _dtype_for
from ..model.equations import (DIFFERENTIAL_EQUATION, PARAMETER, SUBEXPRESSION, EquationError,
                               Equations)
from ..model.expressions import ANY_DIMENSION, Expression, RandomContext
from ..model.integration import EventDrivenUpdater
from ..model.namespace import caller_namespace, raw_value, resolve_external
from ..parallel import collective, get_comm
from ..units import DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions, second
from . import connect as rules
from . import construction
from . import generators
from .delivery import AdditivePathway
from .dynamics import ClockDrivenUpdate, SummedVariable
from .pathways import SynapticPathway
from .store import MAX_DELAY_STEPS, SynapseStore


# Synapses evaluated together when an expression is assigned to all of them:
# the temporaries (8 MB each) stay in the caches.
SYNAPSES_PER_CHUNK = 1 << 20


class Synapses(Group):
    """Synapses from ``source`` to ``target`` (Brian2's ``Synapses``).

    Parameters
    ----------
    source, target : NeuronGroup
        ``target`` defaults to ``source``.
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
    name : str, optional
    """

    when = "synapses"

    def __init__(self, source, target=None, model=None, on_pre=None, pre=None, on_post=None,
                 post=None, delay=None, namespace=None, method=None, name="synapses*"):
        super().__init__(name, namespace)
        target = source if target is None else target
        for role, group in (("source", source), ("target", target)):
            if not isinstance(group, NeuronPopulation):
                raise TypeError(f"Synapses '{self.name}': the {role} must be a NeuronGroup or "
                                "a subgroup, "
                                f"got {type(group).__name__}")
        self.source, self.target = source, target
        owner = f"Synapses '{self.name}'"
        if pre is not None or post is not None:
            raise TypeError(f"{owner}: 'pre'/'post' are Brian 1 names; use on_pre/on_post")
        try:
            self.equations = Equations(model or "")
        except EquationError as exc:
            raise EquationError(f"{owner}: {exc}") from None
        self.method = method
        self._classify_equations(owner)
        self._delay_dt = None
        self._pathway_objects = self._make_pathways(on_pre, on_post, owner)
        self._initial_values = self._homogeneous_delays(delay, owner)
        store_variables = {name: np.float64 for name in self.equations.diff_eq_names}
        for eq in self.equations:
            if eq.kind == PARAMETER and "shared" not in eq.flags:
                store_variables[eq.name] = _dtype_for(eq.var_type)
        if self.event_driven is not None:
            store_variables["lastupdate"] = np.float64
        for pathway in self._pathway_objects.values():
            if pathway.delay_variable != "delay":
                store_variables[pathway.delay_variable] = np.uint16
        self._store = SynapseStore(source.N, target.start, store_variables)
        self._connect_calls = 0
        self._assignment_counts = {}
        self.pathways = []
        self.event_pathways = []
        self.clock_driven_update = None
        self.summed_updates = []
        self._frozen = True

    def _classify_equations(self, owner):
        """Sort the model's equations as Brian2 does: event-driven and
        clock-driven differential equations, summed variables, shared values."""
        eqs = self.equations
        self._variable_dims = {eq.name: eq.dim for eq in eqs
                               if eq.kind != SUBEXPRESSION}
        self.event_driven_names = {eq.name for eq in eqs if eq.kind == DIFFERENTIAL_EQUATION
                                   and "event-driven" in eq.flags}
        clock_driven = {eq.name for eq in eqs if eq.kind == DIFFERENTIAL_EQUATION
                        and eq.name not in self.event_driven_names}
        self._summed = [eq for eq in eqs if "summed" in eq.flags]
        self._subexpressions = [eq for eq in eqs.ordered_subexpressions()
                                if "summed" not in eq.flags]
        subexpression_names = {eq.name for eq in self._subexpressions}
        self._shared_values = {eq.name: np.zeros(1, dtype=_dtype_for(eq.var_type))
                               for eq in eqs if eq.kind == PARAMETER and "shared" in eq.flags}
        for eq in eqs:
            if "unless refractory" in eq.flags or "linked" in eq.flags:
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
            self._variable_dims["lastupdate"] = second.dim
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
                if name in pathways or hasattr(type(self), name) or name in self._variable_dims:
                    raise ValueError(f"{owner}: the pathway name '{name}' is already used")
                # Brian2: S.delay is the delay of the pathway named 'pre'.
                delay_variable = "delay" if name == "pre" else f"_delay_{name}"
                pathways[name] = SynapticPathway(self, name, prepost, code, delay_variable)
                self._variable_dims[delay_variable] = second.dim
                object.__setattr__(self, name, pathways[name])
        return pathways

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
        """This rank's synapses (built first if connect or assignment work is
        queued: a collective step, see construction.py)."""
        construction.build_pending()
        return self._store

    # -- sizes -------------------------------------------------------------
    @property
    def N(self):
        """Total number of synapses (all ranks)."""
        return int(get_comm().allreduce(len(self.store)))

    def __len__(self):
        return self.N

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
    def connect(self, condition=None, i=None, j=None, p=1.0, n=1, skip_if_invalid=False,
                namespace=None, level=0, fixed_total_number=None):
        """Create synapses (Brian2's ``Synapses.connect``).

        Forms: ``connect()`` (all to all), ``connect(p=0.1)``,
        ``connect('i < 5 and j >= 5', p=...)``, ``p='exp(-abs(i-j)*.1)'``,
        ``connect(i=..., j=...)`` with arrays, ``connect(j='i')``, generator
        syntax (``j='k for k in range(i-3, i+4) if k != i'``,
        ``j='k for k in sample(N_post, p=0.1)'``, ``sample(N_post, size=5)``)
        and ``n=`` synapses per pair. Each rank makes the synapses of the
        targets it owns; the result is the same for any number of ranks.

        Extension: ``connect(fixed_total_number=K)`` draws K synapses, each
        with a uniformly random source and target, multapses allowed (NEST's
        ``fixed_total_number`` rule, used by the cortical microcircuit).
        """
        owner = f"Synapses '{self.name}'.connect"
        call = self._connect_calls
        self._connect_calls += 1
        run_namespace = namespace if namespace is not None else caller_namespace(level)
        key = stream_key(self.name, "connect", call)
        rule = self._connection_rule(condition, i, j, p, n, fixed_total_number,
                                     run_namespace, owner)
        if rule is not None and not self._uses_neuron_variables(rule.expressions):
            # Checked now; drawn by every rank for its own targets when the
            # synapses are next needed (see construction.py).
            construction.defer(f"{owner}(...) call {call + 1}",
                               lambda: self._add_synapses(*rule(key)))
            return
        construction.build_pending()
        with collective(owner):
            given_positions = None
            if rule is not None:
                sources, targets = rule(key)
            elif i is not None or (j is not None and not isinstance(j, str)):
                if condition is not None or isinstance(j, str) or isinstance(i, str):
                    raise TypeError(f"{owner}: give either i and j arrays or a condition")
                sources, targets, given_positions = self._explicit_pairs(
                    i, j, n, skip_if_invalid, run_namespace, owner)
            else:
                if condition is not None:
                    raise TypeError(f"{owner}: give either j='...' or a condition")
                sources, targets = generators.targets_from_j(self, j, key, run_namespace, owner,
                                                             skip_if_invalid)
                sources, targets = self._multiply(sources, targets, n, run_namespace, owner)
            self._add_synapses(sources, targets, given_positions)

    def _add_synapses(self, sources, targets, given_positions=None):
        initial = dict(self._initial_values)
        initial["delay_steps"] = initial.pop("delay", 0)
        self.store.add(sources, targets, initial, given_positions)
        in_flight = [name for name, pathway in self._pathway_objects.items() if pathway.pending]
        if in_flight:
            # Queued events name store positions, which the new synapses move.
            warnings.warn(f"Synapses '{self.name}': connect() between runs drops the events "
                          f"still in flight on pathway(s) {in_flight}", stacklevel=4)
        for pathway in self._pathway_objects.values():
            pathway.pending.clear()

    def _connection_rule(self, condition, i, j, p, n, fixed_total_number, run_namespace,
                         owner):
        """A connect call by rule (p, condition, fixed_total_number; not i/j
        arrays or generator syntax), its input checked: a function of the
        call's key giving this rank's (sources, targets), with the
        expressions it evaluates in ``.expressions``. None for other forms."""
        if i is not None or j is not None:
            return None
        n_expr = Expression(n) if isinstance(n, str) else None
        if n_expr is None and (int(n) != n or n < 0):
            raise ValueError(f"{owner}: n must be a non-negative integer, got {n!r}")
        if fixed_total_number is not None:
            if condition is not None or p != 1.0:
                raise TypeError(f"{owner}: fixed_total_number takes no condition or p")
            total = int(fixed_total_number)
            if total != fixed_total_number or total < 0:
                raise ValueError(f"{owner}: fixed_total_number must be a non-negative "
                                 f"integer, got {fixed_total_number!r}")

            def pairs(key):
                return rules.fixed_total_number(key, self.source.N, self.target.N,
                                                self.target.start, self.target.stop, total)
            expressions = []
        else:
            checked = self._check_rule(condition, p, run_namespace, owner)
            expressions = [e for e in checked[:2] if e is not None] if checked else []

            def pairs(key):
                return self._generate(checked, key, run_namespace, owner)

        def draw(key):
            return self._multiply(*pairs(key), n, run_namespace, owner)
        draw.expressions = expressions + ([n_expr] if n_expr is not None else [])
        return draw

    @staticmethod
    def _uses_neuron_variables(expressions):
        """Whether any of the expressions reads x_pre or x_post (gathered
        from the neurons when evaluated, so not deferrable)."""
        return any(name.endswith(("_pre", "_post")) for expr in expressions
                   for name in expr.identifiers)

    def _explicit_pairs(self, i, j, n, skip_if_invalid, run_namespace, owner):
        if i is None or j is None:
            raise TypeError(f"{owner}: give both i and j")
        i_arr, j_arr = np.broadcast_arrays(np.asarray(i, dtype=np.int64),
                                           np.asarray(j, dtype=np.int64))
        i_arr, j_arr = i_arr.reshape(-1), j_arr.reshape(-1)
        valid = (i_arr >= 0) & (i_arr < self.source.N) & (j_arr >= 0) & (j_arr < self.target.N)
        if not valid.all():
            if not skip_if_invalid:
                bad = np.flatnonzero(~valid)[0]
                raise IndexError(f"{owner}: pair (i={i_arr[bad]}, j={j_arr[bad]}) is outside "
                                 f"the groups ({self.source.N} sources, {self.target.N} targets)")
            i_arr, j_arr = i_arr[valid], j_arr[valid]
        # Every rank holds the user's arrays: expand n= on all of them so that
        # each synapse's position in the call is known everywhere.
        i_arr, j_arr = self._multiply(i_arr, j_arr, n, run_namespace, owner)
        mine = np.flatnonzero((j_arr >= self.target.start) & (j_arr < self.target.stop))
        order = mine[np.argsort(j_arr[mine], kind="stable")]
        return i_arr[order], j_arr[order], order

    def _pair_namespace(self, sources, targets, run_namespace, expr, owner, extra=None):
        ns = {"i": sources, "j": targets, "N_pre": self.source.N, "N_post": self.target.N}
        ns.update(extra or {})
        for name in expr.identifiers - set(ns):
            values = self._neuron_variable(name, sources, targets, owner, expr.code)
            if values is not None:
                ns[name] = values
                continue
            ns[name] = raw_value(resolve_external(name, self._namespaces(run_namespace), owner,
                                                  expr.code))
        return ns

    def _neuron_variable(self, name, sources, targets, owner, code):
        """Values of a presynaptic (``v_pre``) or postsynaptic (``v_post``)
        neuron variable for the given pairs; None if ``name`` is neither.

        Targets are this rank's own neurons; presynaptic values come from a
        gather of the source group's variable (neurons, never synapses).
        """
        for suffix, group, indices in (("_pre", self.source, sources),
                                       ("_post", self.target, targets)):
            variable = name[:-len(suffix)]
            if not name.endswith(suffix) or variable not in group._local_state:
                continue
            if indices is None:
                raise NotImplementedError(f"{owner}: '{name}' cannot be used in '{code}'")
            if suffix == "_post":
                return group._local_state[variable][indices - group.start]
            return np.concatenate(get_comm().allgather(group._local_state[variable]))[indices]
        if name.endswith(("_pre", "_post")):
            raise KeyError(f"{owner}: '{name}' in '{code}' is not a variable of the "
                           f"{'source' if name.endswith('_pre') else 'target'} group")
        return None

    def _namespaces(self, run_namespace):
        return self.namespaces(run_namespace)

    def _check_dimensionless(self, expr, run_namespace, owner, what):
        dim_of = self._synapse_dim_of(run_namespace, expr.code, owner)
        dim = expr.dimension(dim_of)
        if dim not in (DIMENSIONLESS, ANY_DIMENSION):
            raise DimensionMismatchError(f"{owner}: the {what} '{expr.code}' must be "
                                         "dimensionless", dim)

    def _check_rule(self, condition, p, run_namespace, owner):
        """The condition and probability of a connect call, checked: returns
        (condition expression or None, p expression or None, p as a number),
        or None when the condition is False (no synapses)."""
        cond_expr = None
        if condition is False:
            return None
        if isinstance(condition, str):
            cond_expr = Expression(condition)
            self._check_dimensionless(cond_expr, run_namespace, owner, "condition")
        elif condition not in (None, True):
            raise TypeError(f"{owner}: the condition must be a string or a bool, got {condition!r}")
        p_expr = None
        if isinstance(p, str):
            p_expr = Expression(p)
            self._check_dimensionless(p_expr, run_namespace, owner, "probability")
            p_scalar = 1.0
        else:
            p_scalar = float(p)
            if not 0.0 <= p_scalar <= 1.0:
                raise ValueError(f"{owner}: p must be between 0 and 1, got {p_scalar}")
        return cond_expr, p_expr, p_scalar

    def _generate(self, rule, key, run_namespace, owner):
        """This rank's (sources, targets) of a checked condition/p rule."""
        if rule is None:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        cond_expr, p_expr, p_scalar = rule
        local_targets = self.target.local_indices
        found_sources, found_targets = [], []
        for chunk in rules.target_chunks(local_targets, self.source.N, p_scalar):
            sources, targets = rules.bernoulli_candidates(key, self.source.N, chunk, p_scalar)
            if cond_expr is not None and len(sources):
                ns = self._pair_namespace(sources, targets, run_namespace, cond_expr, owner)
                keep = np.broadcast_to(np.asarray(cond_expr.evaluate(ns), dtype=bool), sources.shape)
                sources, targets = sources[keep], targets[keep]
            if p_expr is not None and len(sources):
                ns = self._pair_namespace(sources, targets, run_namespace, p_expr, owner)
                probability = np.broadcast_to(p_expr.evaluate(ns), sources.shape)
                keep = rules.pair_uniform(stream_key(self.name, "connect-p", key), sources,
                                          targets) < probability
                sources, targets = sources[keep], targets[keep]
            found_sources.append(sources)
            found_targets.append(targets)
        if not found_sources:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(found_sources), np.concatenate(found_targets)

    def _multiply(self, sources, targets, n, run_namespace, owner):
        if isinstance(n, str):
            expr = Expression(n)
            ns = self._pair_namespace(sources, targets, run_namespace, expr, owner)
            counts = np.broadcast_to(np.asarray(expr.evaluate(ns)), sources.shape).astype(np.int64)
        else:
            if int(n) != n or n < 0:
                raise ValueError(f"{owner}: n must be a non-negative integer, got {n!r}")
            if n == 1:
                return sources, targets
            counts = int(n)
        return np.repeat(sources, counts), np.repeat(targets, counts)

    # -- variables ---------------------------------------------------------------
    #: Read-only per-synapse values computed from the connectivity.
    #: ``_source_i``/``_target_j`` (Brian2's names for synapses between
    #: subgroups) are the indices in the underlying groups, as ``_synaptic_pre/post``.
    DERIVED = ("i", "j", "N_incoming", "N_outgoing", "_synaptic_pre", "_synaptic_post",
               "_source_i", "_target_j")

    def _local_values(self, name, chunk=slice(None)):
        """This rank's values of a per-synapse variable (or derived value)
        for the store positions ``chunk`` (a slice: only those are made)."""
        store = self.store
        if name in self._delay_variables:
            return self._delay_steps_array(name)[chunk] * (self._delay_dt or 0.0)
        if name in self._shared_values:
            return np.broadcast_to(self._shared_values[name], (len(store),))[chunk]
        if name in ("i", "_synaptic_pre", "_source_i"):
            return store.sources_in(chunk) + (getattr(self.source, "sub_start", 0)
                                              if name != "i" else 0)
        if name in ("j", "_synaptic_post", "_target_j"):
            return store.local_targets[chunk].astype(np.int64) + store.target_start + \
                (getattr(self.target, "sub_start", 0) if name != "j" else 0)
        if name == "N_incoming":  # all synapses of a target are on its rank
            counts = np.bincount(store.local_targets, minlength=max(self.target.n_local, 1))
            return counts[store.local_targets[chunk]].astype(np.int64)
        if name == "N_outgoing":
            counts = np.bincount(store.sources, minlength=self.source.N).astype(np.int64)
            totals = np.empty_like(counts)
            get_comm().Allreduce(counts, totals)
            return totals[store.sources_in(chunk)]
        return store.variables[name][chunk]

    def global_indices(self):
        """Each local synapse's index in Brian2's creation order: connect
        calls in order; within a call source-major, then target (explicit i/j
        arrays: the order given). Computed with a few collectives over
        per-source counts, never with a global synapse array."""
        comm = get_comm()
        result = np.empty(len(self.store), dtype=np.int64)
        call_offset = 0
        for call, positions, sources, within_source in self.store.call_segments():
            if call.given_positions is not None:
                result[positions] = call_offset + call.given_positions
            else:
                counts = call.counts_by_source
                totals = np.empty_like(counts)
                comm.Allreduce(counts, totals)
                # Within a source, targets on lower ranks come first.
                on_lower_ranks = np.zeros_like(counts)
                comm.Exscan(counts, on_lower_ranks)
                if comm.Get_rank() == 0:
                    on_lower_ranks[:] = 0
                first_of_source = np.cumsum(totals) - totals + on_lower_ranks
                result[positions] = call_offset + first_of_source[sources] + within_source
            call_offset += comm.allreduce(len(positions))
        return result

    def _match(self, values, index, group, owner):
        """Mask of ``values`` (neuron indices) selected by one part of a
        ``S[i_index, j_index]`` index: int, slice, array or subgroup."""
        if isinstance(index, NeuronPopulation):
            base = getattr(group, "sub_start", 0)
            first = getattr(index, "sub_start", 0) - base
            if getattr(index, "parent", index) is not getattr(group, "parent", group) or \
                    first < 0 or first + index.N > group.N:
                raise IndexError(f"{owner}: {index!r} is not part of {group!r}")
            return (values >= first) & (values < first + index.N)
        if isinstance(index, slice):
            start, stop, step = index.indices(group.N)
            return (values >= start) & (values < stop) & ((values - start) % step == 0)
        wanted = np.asarray(index, dtype=np.int64).reshape(-1)
        return np.isin(values, np.where(wanted < 0, wanted + group.N, wanted))

    def _selection(self, index, owner, run_namespace=None):
        """Which local synapses ``index`` selects, and the position of each in
        the selection's own order (the order values are read or given in).

        Returns (mask or slice(None), positions or None, selection size,
        requested or None). ``positions`` None means: the selection's global
        creation order. For an index array (possibly unordered or repeated)
        the selection is its distinct indices and ``requested[k]`` is where
        the k-th requested index stands among them.
        """
        if isinstance(index, slice) and index == slice(None):
            return slice(None), None, self.N, None
        if isinstance(index, str):
            expr = Expression(index)
            values = self._evaluate_per_synapse(expr, run_namespace or {}, ("index",),
                                                slice(None), owner)
            mask = np.broadcast_to(np.asarray(values, dtype=bool), (len(self.store),))
            return mask, None, get_comm().allreduce(int(mask.sum())), None
        if isinstance(index, tuple):
            if len(index) != 2:
                raise IndexError(f"{owner}: index synapses as S[i, j]")
            mask = self._match(self.store.sources, index[0], self.source, owner) & \
                self._match(self.store.targets, index[1], self.target, owner)
            return mask, None, get_comm().allreduce(int(mask.sum())), None
        total = self.N
        g = self.global_indices()
        if isinstance(index, slice):
            start, stop, step = index.indices(total)
            if step < 0:
                raise IndexError(f"{owner}: negative slice steps are not supported")
            mask = (g >= start) & (g < stop) & ((g - start) % step == 0)
            size = len(range(start, stop, step))
            return mask, (g[mask] - start) // step, size, None
        wanted = np.asarray(index)
        if wanted.dtype == bool:
            if wanted.shape != (total,):
                raise IndexError(f"{owner}: boolean index of length {wanted.size} for {total} "
                                 "synapses")
            mask = wanted[g]
            return mask, None, int(wanted.sum()), None
        wanted = wanted.astype(np.int64).reshape(-1)
        wanted = np.where(wanted < 0, wanted + total, wanted)
        if np.any((wanted < 0) | (wanted >= total)):
            raise IndexError(f"{owner}: synapse index out of range for {total} synapses")
        unique, requested = np.unique(wanted, return_inverse=True)
        found = np.searchsorted(unique, g)
        mask = (found < len(unique)) & (unique[np.minimum(found, len(unique) - 1)] == g)
        return mask, found[mask], len(unique), requested

    def _selection_positions(self, mask):
        """Positions of the selected local synapses in global creation order
        among all selected ones (one allgather of the selected indices)."""
        g = self.global_indices()[mask]
        everything = np.sort(np.concatenate(get_comm().allgather(g)))
        return np.searchsorted(everything, g)

    def get_variable(self, name, index=slice(None)):
        """Values in Brian2's creation order (or the order of an index array),
        on every rank."""
        owner = f"Synapses '{self.name}'"
        if name in self._shared_values:
            return self._with_units(name, self._shared_values[name])[0]
        mask, positions, size, requested = self._selection(index, owner, caller_namespace())
        values = self._local_values(name)[mask]
        if positions is None:
            positions = self._selection_positions(mask) if not isinstance(mask, slice) else \
                self.global_indices()
        parts = get_comm().allgather((positions, values))
        result = np.empty(size, dtype=values.dtype)
        for where, part in parts:
            result[where] = part
        if requested is not None:  # values in the order of the index array
            result = result[requested]
        if name in self.DERIVED:
            return result
        return self._with_units(name, result)

    def __getattr__(self, name):
        if name in self.DERIVED:
            return self.get_variable(name)
        if name in ("delay", "delay_") and not self._has_pre_pathway():
            self._no_pre_pathway()
        return super().__getattr__(name)

    def __setattr__(self, name, value):
        if name in ("delay", "delay_") and not self._has_pre_pathway():
            self._no_pre_pathway()
        super().__setattr__(name, value)

    def _has_pre_pathway(self):
        return "delay" in self.__dict__.get("_variable_dims", {"delay": None})

    def _no_pre_pathway(self):
        raise AttributeError(f"Synapses '{self.name}' have no 'pre' pathway, so 'delay' refers "
                             "to nothing; set the delay of a pathway with "
                             f"S.<pathway>.delay (pathways: {sorted(self._pathway_objects)})")

    def __getitem__(self, index):
        """``S[:, 3]``, ``S[2, :]``, ``S['i > j']``: a selection of synapses,
        e.g. for ``StateMonitor(S, 'w', record=S[:, 3])``."""
        return SynapseSelection(self, index)

    def set_variable(self, name, index, value, raw=False):
        owner = f"Synapses '{self.name}'"
        if name not in self._variable_dims or name == "lastupdate":
            raise AttributeError(f"{owner}: '{name}' cannot be set")
        run_namespace = caller_namespace()
        if name in self._shared_values:
            self._set_shared(name, index, value, raw, run_namespace, owner)
            return
        if isinstance(value, str):
            count = self._assignment_counts.get(name, 0)
            self._assignment_counts[name] = count + 1
            expr = Expression(value)
            dim_of = self._synapse_dim_of(run_namespace, expr.code, owner)
            if raw:
                for identifier in expr.identifiers:  # unknown names fail now
                    dim_of(identifier)
            else:
                dim = expr.dimension(dim_of)
                if dim is not ANY_DIMENSION and dim is not self._variable_dims[name]:
                    raise DimensionMismatchError(f"{owner}.{name} = '{value}': wrong units",
                                                 self._variable_dims[name], dim)

            purpose = ("assign", name, count)
            everything = isinstance(index, slice) and index == slice(None)
            if everything and not self._uses_neuron_variables([expr]) and \
                    "N_outgoing" not in expr.identifiers:
                # Checked now; evaluated by every rank for its own synapses
                # when they are next needed (see construction.py).
                construction.defer(f"{owner}.{name} = '{value}'", lambda: self._assign_in_chunks(
                    name, expr, run_namespace, purpose, owner))
            elif everything:
                self._assign_in_chunks(name, expr, run_namespace, purpose, owner)
            else:
                selected = self._selection(index, owner, run_namespace)[0]
                values = self._evaluate_per_synapse(expr, run_namespace, purpose, selected, owner)
                self._store_values(name, selected, np.broadcast_to(
                    np.asarray(values, dtype=np.float64), (int(np.sum(selected)),)), owner)
            return
        selected, positions, size, requested = self._selection(index, owner, run_namespace)
        if not raw:
            self._check_value_units(name, value)
        values = np.asarray(value.view(np.ndarray) if isinstance(value, Quantity) else value,
                            dtype=np.float64)
        if values.ndim:
            values = values.reshape(-1)
            if requested is not None:
                # Values in the order of an index array: the last of a
                # repeated index wins, as in numpy.
                if len(values) != len(requested):
                    raise ValueError(f"{owner}.{name}: {len(values)} values for "
                                     f"{len(requested)} synapses")
                last = np.zeros(size, dtype=np.int64)
                last[requested] = np.arange(len(requested))
                values = values[last]
            elif len(values) != size:
                raise ValueError(f"{owner}.{name}: {len(values)} values for {size} synapses")
            if positions is None:
                positions = self.global_indices() if isinstance(selected, slice) else \
                    self._selection_positions(selected)
            values = values[positions]
        self._store_values(name, selected, values, owner)

    def _set_shared(self, name, index, value, raw, run_namespace, owner):
        """A ``(shared)`` variable: one value for all synapses, on every rank."""
        if not (isinstance(index, slice) and index == slice(None)):
            raise IndexError(f"{owner}.{name} is shared: it has one value, no index")
        if isinstance(value, str):
            expr = Expression(value)
            dim_of = self._synapse_dim_of(run_namespace, expr.code, owner)
            per_synapse = [n for n in expr.identifiers if self._resolve(n)[0] != "external"]
            if per_synapse or expr.random_sites:
                raise ValueError(f"{owner}.{name} = '{value}': a shared variable takes one "
                                 f"value; {per_synapse or 'rand()'} differ between synapses")
            dim = expr.dimension(dim_of)
            if not raw and dim is not ANY_DIMENSION and dim is not self._variable_dims[name]:
                raise DimensionMismatchError(f"{owner}.{name} = '{value}': wrong units",
                                             self._variable_dims[name], dim)
            value = expr.evaluate(self._constants_for(expr.identifiers, run_namespace,
                                                      value, owner))
        elif not raw:
            self._check_value_units(name, value)
        if np.ndim(value) != 0:
            raise ValueError(f"{owner}.{name} is shared: assign one value")
        self._shared_values[name][0] = np.asarray(
            value.view(np.ndarray) if isinstance(value, Quantity) else value)

    def _store_values(self, name, selected, values, owner):
        if name in self._delay_variables:
            # self._store: this also runs while the queued construction builds.
            array = self._store.delay_steps if name == "delay" else self._store.variables[name]
            array[selected] = self._delay_to_steps(Quantity(values, second.dim), owner)
        else:
            self._store.variables[name][selected] = values

    def _synapse_dim_of(self, run_namespace, code, owner):
        subexpressions = {eq.name: eq.dim for eq in self._subexpressions}

        def dim_of(name):
            kind, variable = self._resolve(name)
            if kind in ("synapse", "shared", "derived") and name in self._variable_dims:
                return self._variable_dims[name]
            if kind == "subexpression":
                return subexpressions[name]
            if name in ("t", "dt", "lastupdate"):
                return second.dim
            if kind in ("derived", "size"):
                return DIMENSIONLESS
            if kind == "post":
                return self._root(self.target)._variable_dims[variable]
            if kind == "pre":
                return self._root(self.source)._variable_dims[variable]
            return get_dimensions(resolve_external(name, self._namespaces(run_namespace),
                                                   owner, code))
        return dim_of

    # -- names in synaptic code ------------------------------------------------
    @staticmethod
    def _root(group):
        return getattr(group, "parent", group)

    @property
    def _delay_variables(self):
        return {p.delay_variable for p in self._pathway_objects.values()} | {"delay"}

    def _delay_steps_array(self, name):
        """The per-synapse delays (in steps) of delay variable ``name``."""
        return self.store.delay_steps if name == "delay" else self.store.variables[name]

    def _resolve(self, name):
        """What a name in synaptic code refers to, as (kind, variable):
        'synapse' (per-synapse array), 'shared', 'derived' (i, j, delay, ...),
        'subexpression', 'size' (N_pre, N_post), 'clock' (t, dt), 'post' or
        'pre' (a variable of the target or source group; an unsuffixed name
        that is not synaptic is postsynaptic, as in Brian2) or 'external'."""
        if name in self._store.variables and name not in self._delay_variables:
            return "synapse", name
        if name in self._shared_values:
            return "shared", name
        if name in self.DERIVED or name in self._delay_variables:
            return "derived", name
        if any(eq.name == name for eq in self._subexpressions):
            return "subexpression", name
        if name in ("N_pre", "N_post"):
            return "size", name
        if name in ("t", "dt"):
            return "clock", name
        for suffix, group, kind in (("_post", self.target, "post"), ("_pre", self.source, "pre")):
            if name.endswith(suffix) and name[:-len(suffix)] in self._root(group)._local_state:
                return kind, name[:-len(suffix)]
        if name in self._root(self.target)._local_state:
            return "post", name
        return "external", name

    def _constants_for(self, identifiers, run_namespace, code, owner):
        """Raw values of the external constants among ``identifiers``."""
        return {name: raw_value(resolve_external(name, self._namespaces(run_namespace), owner,
                                                 code))
                for name in identifiers
                if self._resolve(name)[0] == "external" and not name.startswith("xi")}

    def _presynaptic_names(self, identifiers):
        """Source-group variables that code with ``identifiers`` reads
        (including through the model's subexpressions)."""
        names = set(identifiers)
        for eq in reversed(self._subexpressions):
            if eq.name in names:
                names |= eq.expr.identifiers
        return sorted({v for kind, v in map(self._resolve, names) if kind == "pre"})

    def _gather_presynaptic(self, variables):
        """The source group's current values of ``variables``, all neurons
        (an allgather per variable: a collective whenever variables are
        given). Neuron arrays, never synapse arrays."""
        root = self._root(self.source)
        return {v: np.concatenate(get_comm().allgather(root._local_state[v])) for v in variables}

    def postsynaptic_index(self, positions):
        """Index of each synapse's target in the target group's local arrays."""
        return self.store.local_targets[positions].astype(np.int64) + \
            self.target.root_local_offset

    def namespace_plan(self, identifiers):
        """What evaluating code with ``identifiers`` needs, resolved once:
        ([(name, kind, variable)], subexpressions in evaluation order)."""
        needed = set(identifiers)
        for eq in reversed(self._subexpressions):
            if eq.name in needed:
                needed |= eq.expr.identifiers
        reads = [(name,) + self._resolve(name) for name in sorted(needed)]
        return reads, [eq for eq in self._subexpressions if eq.name in needed]

    def _synapse_namespace(self, plan, positions, constants, t, dt, presynaptic):
        """Values for evaluating synaptic code (``plan`` from namespace_plan)
        on the synapses at store ``positions`` (an index array, or a slice:
        then the per-synapse arrays are views that write through)."""
        reads, subexpressions = plan
        ns = dict(constants)
        ns.update(t=t, dt=dt, N_pre=self.source.N, N_post=self.target.N)
        store = self.store
        sources = post_index = None
        for name, kind, variable in reads:
            if kind == "synapse":
                ns[name] = store.variables[name][positions]
            elif kind == "shared":
                ns[name] = self._shared_values[name][0]
            elif kind == "derived":
                ns[name] = self._local_values(name)[positions] \
                    if not isinstance(positions, slice) else self._local_values(name, positions)
            elif kind == "post":
                if post_index is None:
                    post_index = self.postsynaptic_index(positions)
                ns[name] = self._root(self.target)._local_state[variable][post_index]
            elif kind == "pre":
                if sources is None:
                    sources = store.sources_in(positions) if isinstance(positions, slice) \
                        else np.searchsorted(store.row_start, positions, side="right") - 1
                ns[name] = presynaptic[variable][sources + getattr(self.source, "sub_start", 0)]
        for eq in subexpressions:
            ns[eq.name] = eq.expr.evaluate(ns)
        return ns

    def kernel_values(self, constants):
        """Constants, shared values and group sizes by name: the scalar
        arguments of generated kernels."""
        values = dict(constants)
        values.update({name: value[0] for name, value in self._shared_values.items()})
        values.update(N_pre=self.source.N, N_post=self.target.N)
        return values

    def float_model(self, reads):
        """Whether the per-synapse variables and the group variables among
        ``reads`` (a namespace plan's) are all float64: generated kernels
        handle only those."""
        groups = {"post": self._root(self.target), "pre": self._root(self.source)}
        arrays = [a for name, a in self.store.variables.items()
                  if name not in self._delay_variables]
        arrays += [groups[kind]._local_state[v] for _, kind, v in reads if kind in groups]
        return all(a.dtype == np.float64 for a in arrays)

    def kernel_array_addresses(self, keys):
        """Addresses of a kernel's per-synapse and target-group arrays, which
        stay in place during a run; other keys (presynaptic values, random
        draws) are kept, to be resolved at each call (`kernel_arrays`)."""
        root = self._root(self.target)
        return [address(self.store.variables[key[1]]) if key[0] == "synapse" else
                address(root._local_state[key[1]]) if key[0] == "post" else key
                for key in keys]

    @staticmethod
    def kernel_arrays(addresses, fresh):
        """The array addresses of one kernel call: ``fresh`` maps the keys
        that `kernel_array_addresses` left open to this call's arrays."""
        return tuple(address(fresh[a]) if isinstance(a, tuple) else a for a in addresses)

    def _synapses_by_target(self):
        """This rank's synapses grouped by local target: (row start per
        target, store positions in store order within each target)."""
        store = self.store
        order = np.argsort(store.local_targets, kind="stable").astype(np.int64)
        counts = np.bincount(store.local_targets, minlength=self.target.n_local)
        row_start = np.zeros(self.target.n_local + 1, dtype=np.int64)
        np.cumsum(counts, out=row_start[1:])
        return row_start, order

    def _evaluate_per_synapse(self, expr, run_namespace, purpose, selected, owner,
                              within_target=None):
        """Evaluate ``expr`` for the selected local synapses (a mask, or a
        slice of store positions). Only the per-synapse arrays the expression
        uses are built. ``within_target``: each selected synapse's rank among
        its target's synapses, if the caller has it (else computed)."""
        positions = selected if isinstance(selected, slice) else np.flatnonzero(selected)
        # Names resolve as in every synaptic code (_resolve): per-synapse,
        # shared, derived, pre- and postsynaptic values, constants.
        plan = self.namespace_plan(expr.identifiers)
        ns = self._synapse_namespace(
            plan, positions, self._constants_for(expr.identifiers, run_namespace, expr.code,
                                                 owner), defaultclock.t_, defaultclock.dt_,
            self._gather_presynaptic(self._presynaptic_names(expr.identifiers)))
        rng = None
        if expr.random_sites:
            # A synapse's random numbers are keyed by (target, its rank among
            # the target's synapses): the same on any number of ranks.
            if within_target is None:
                within_target = self.store.index_within_target()[selected]
            base = (self.name,) + tuple(purpose)
            rng = RandomContext(lambda site: stream_key(*base, site),
                                self._local_values("j")[positions]
                                if not isinstance(positions, slice)
                                else self._local_values("j", positions), within_target)
        return expr.evaluate(ns, rng)

    def _assign_in_chunks(self, name, expr, run_namespace, purpose, owner):
        """``S.name = expr`` for all local synapses, a chunk at a time: the
        temporaries of the expression stay in cache and memory stays bounded
        (the values are those of a single evaluation)."""
        store = self.store
        n = len(store)
        seen_per_target = np.zeros(max(self.target.n_local, 1), dtype=np.int64)
        for begin in range(0, n, SYNAPSES_PER_CHUNK):
            chunk = slice(begin, min(n, begin + SYNAPSES_PER_CHUNK))
            within_target = store.index_within_target(chunk, seen_per_target) \
                if expr.random_sites else None
            values = self._evaluate_per_synapse(expr, run_namespace, purpose, chunk, owner,
                                                within_target)
            self._store_values(name, chunk, np.broadcast_to(
                np.asarray(values, dtype=np.float64), (chunk.stop - chunk.start,)), owner)

    # -- simulation --------------------------------------------------------------
    def written_neuron_variables(self):
        """(root group, variable) pairs that the pathways and summed
        variables change during a run."""
        root = self._root(self.target)
        written = {(root, eq.name[:-len("_post")]) for eq in self._summed
                   if eq.name.endswith("_post")}
        for pathway in self._pathway_objects.values():
            for target in pathway.statements.written:
                kind, variable = self._resolve(target)
                if kind == "post":
                    written.add((root, variable))
        return written

    @property
    def min_delay_steps(self):
        """Smallest delay (in steps) of a presynaptic pathway on this rank,
        None without synapses or presynaptic pathways: the spike exchange can
        wait this long."""
        delays = [self._delay_steps_array(p.delay_variable)
                  for p in self._pathway_objects.values() if p.prepost == "pre"]
        if not delays or not len(self.store):
            return None
        return min(int(d.min()) for d in delays)

    def before_run(self, run_namespace, clock):
        owner = f"Synapses '{self.name}'"
        if self._delay_dt is not None and abs(self._delay_dt - clock.dt_) > 1e-12 * clock.dt_:
            raise ValueError(f"{owner}: delays were set with dt = {self._delay_dt * 1e3:g} ms, "
                             f"but the run uses dt = {clock.dt_ * 1e3:g} ms; set dt first")
        if self._clock_driven_equations is not None or self.event_driven is not None:
            self.equations.only(set(self.equations.equations) - {e.name for e in self._summed}) \
                .check_units(self._synapse_dim_of(run_namespace, str(self.equations), owner))
        self._event_driven_constants = self._constants_for(
            self.event_driven.parameters, run_namespace, str(self.equations), owner) \
            if self.event_driven is not None else {}
        self.clock_driven_update = ClockDrivenUpdate(
            self, self._clock_driven_equations, self.method, run_namespace, clock) \
            if self._clock_driven_equations is not None else None
        self.summed_updates = [SummedVariable(self, eq, run_namespace) for eq in self._summed]
        self.pathways, self.event_pathways = [], []
        additive = self._additive_pathway(run_namespace, owner)
        if additive is not None:
            self.pathways.append(additive)
            return
        for pathway in self._pathway_objects.values():
            pathway.prepare(run_namespace)
            self.event_pathways.append(pathway)

    def _additive_pathway(self, run_namespace, owner):
        """The compiled path (delivery.py) when it gives the same results as
        the general one: a model without dynamics whose single 'on_pre' adds
        per-synapse constants (``x_post += w``) to postsynaptic variables.
        Returns the AdditivePathway, or None for the general path."""
        if len(self._pathway_objects) != 1 or self.event_driven is not None or \
                self._clock_driven_equations is not None:
            return None
        (pathway,) = self._pathway_objects.values()
        if pathway.prepost != "pre" or len(pathway.statements.statements) != 1:
            return None
        ((target_name, op, expr),) = pathway.statements.statements
        kind, variable = self._resolve(target_name)
        if kind != "post" or op not in ("Add", "Sub") or expr.random_sites or any(
                self._resolve(n)[0] not in ("synapse", "shared", "external", "size")
                for n in expr.identifiers):
            return None
        pathway.prepare(run_namespace)  # checks names and units
        weights = np.asarray(self._evaluate_per_synapse(expr, run_namespace, ("on_pre",),
                                                        slice(None), owner), dtype=np.float64)
        weights = np.ascontiguousarray(np.broadcast_to(weights, (len(self.store),)))
        if op == "Sub":
            weights = -weights
        return AdditivePathway(self, variable, weights)


class SynapseSelection:
    """Synapses selected by an index (Brian2's indexed Synapses)."""

    def __init__(self, synapses, index):
        self.synapses = synapses
        self.index = index

    def synapse_indices(self):
        """Global indices (creation order) of the selected synapses, sorted;
        the same on every rank."""
        S = self.synapses
        mask = S._selection(self.index, f"Synapses '{S.name}'")[0]
        mine = S.global_indices()[mask]
        return np.sort(np.concatenate(get_comm().allgather(mine)))

    def __len__(self):
        return len(self.synapse_indices())

    def __array__(self, dtype=None, copy=None):
        values = self.synapse_indices()
        return values.astype(dtype) if dtype is not None else values
