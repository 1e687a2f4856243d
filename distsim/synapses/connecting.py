"""``Synapses.connect``: every rank creates the synapses onto its own
targets, by rule (p=, a condition, fixed numbers), from i/j arrays or by
generator syntax; the synapses are the same on any number of ranks.

Rule-based calls whose expressions read no neuron state are queued and built
by all ranks together when the synapses are next needed (construction.py).
Names in conditions resolve as in all synaptic code (the Synapses' resolver):
``i``, ``j``, ``N_pre``, ``N_post``, ``x_pre``, ``x_post`` (or unsuffixed
postsynaptic names) and constants.
"""
import re
import warnings

import numpy as np

from .._ext import synapse_store
from ..core.random import stream_key
from ..core.variableview import plain_index
from ..model.expressions import ANY_DIMENSION, Expression
from ..parallel import collective, get_comm
from ..parallel.guard import collective_call
from ..units import DIMENSIONLESS, DimensionMismatchError
from ..utils.frames import caller_namespace, constants_of
from . import connect as rules
from . import construction
from . import queued_calls
from . import generators


class Connecting:
    """``connect()`` and the connection rules of `Synapses` (a mixin)."""

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
        # Brian2's argument types: a float n or bool p is an error, not a
        # silently truncated number.
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer, str)):
            raise TypeError(f"{owner}: n must be an integer or a string, got {n!r}")
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.number, str)):
            raise TypeError(f"{owner}: p must be a number or a string, got {p!r}")
        # A part of a morphology (``j=morpho.L[-1]``) stands for its compartments.
        i, j = plain_index(i, self.source), plain_index(j, self.target)
        call = self._connect_calls
        self._connect_calls += 1
        # Only the script's constants: the queued call must not keep the
        # script's other objects alive (the magic network forgets dropped ones).
        run_namespace = namespace if namespace is not None else \
            constants_of(caller_namespace(level))
        key = stream_key(self.name, "connect", call)
        rule = self._connection_rule(condition, i, j, p, n, fixed_total_number,
                                     run_namespace, owner)
        if rule is not None and not self._onto_synapses and not self.resolver.reads_neuron_state(
                {name for expr in rule.expressions for name in expr.identifiers}):
            # Checked now; drawn by every rank for its own targets when the
            # synapses are next needed (see construction.py).
            construction.defer(f"{owner}(...) call {call + 1}",
                               lambda: self._add_synapses(*rule(key)), synapses=self,
                               expected_synapses=rule.expected_local)
            return
        if rule is None and condition is None and queued_calls.queue_explicit_call(
                self, i, j, n, skip_if_invalid, run_namespace, owner,
                f"{owner}(i=..., j=...) call {call + 1}"):
            return
        with collective_call(f"{owner}(...) call {call + 1}"):
            self._connect_now(condition, i, j, n, skip_if_invalid, run_namespace, owner, key,
                              rule)

    def _connect_now(self, condition, i, j, n, skip_if_invalid, run_namespace, owner, key,
                     rule):
        """A connect call that all ranks make together (it reads neuron state
        or gathers): built at once, after any queued work."""
        construction.build_pending()
        with collective(owner):
            codes = [e.code for e in getattr(rule, "expressions", ())] + \
                [a for a in (i, j, n) if isinstance(a, str)]
            self._gathered_pre = self._gather_presynaptic(codes)
            given_positions = None
            if rule is not None:
                sources, targets = rule(key)
            elif i is not None or (j is not None and not isinstance(j, str)):
                if condition is not None or isinstance(j, str) or isinstance(i, str):
                    raise TypeError(f"{owner}: give either i and j arrays or a condition")
                sources, targets, given_positions, _ = self._explicit_pairs(
                    i, j, n, skip_if_invalid, run_namespace, owner)
            else:
                if condition is not None:
                    raise TypeError(f"{owner}: give either j='...' or a condition")
                sources, targets = generators.targets_from_j(self, j, key, run_namespace, owner,
                                                             skip_if_invalid)
                sources, targets = self._multiply(sources, targets, n, run_namespace, owner)
            self._add_synapses(sources, targets, given_positions)
            self._gathered_pre = {}
        self._count_synapses()

    def _gather_presynaptic(self, codes):
        """The source group's variables that a connect call's expressions
        name (``x_pre``), gathered at once, before the loops whose number of
        passes differs between ranks (chunks of local targets). Collective."""
        gathered = {}
        for name in sorted({w for code in codes for w in re.findall(r"[A-Za-z_]\w*", code)}):
            kind, variable = self.resolver.resolve(name)
            if kind == "pre" and variable not in gathered:
                gathered[variable] = self.source.gather_state(variable)
        return gathered

    def connect_local(self, sources, targets, values=None):
        """Add synapses that this rank chose for its own targets (front-ends
        that decide connectivity per target: PyNN's connectors, SONATA edge
        files). Collective: every rank calls it once, with its own pairs.

        The call's synapses are numbered by target, and a target's synapses
        in the order given: the numbering one rank gives a front-end that
        walks the targets in order, the same for any number of ranks and any
        partition.

        Parameters
        ----------
        sources, targets : int arrays
            Indices in the source and target groups; every target must be
            one this rank owns.
        values : dict, optional
            name -> one value per synapse (floats in SI units; delays in
            seconds), in the order of the pairs.
        """
        owner = f"Synapses '{self.name}'.connect_local"
        with collective_call(owner):
            self._connect_local(sources, targets, values, owner)

    def _connect_local(self, sources, targets, values, owner):
        construction.build_pending()
        with collective(owner):
            if self._onto_synapses:
                raise NotImplementedError(f"{owner}: Synapses connected to Synapses are "
                                          "connected with connect()")
            sources = _indices(np.asarray(sources).reshape(-1), "sources", owner)
            targets = _indices(np.asarray(targets).reshape(-1), "targets", owner)
            if len(sources) != len(targets):
                raise ValueError(f"{owner}: {len(sources)} sources but {len(targets)} targets")
            if len(sources) and (sources.min() < 0 or sources.max() >= self.source.N):
                raise IndexError(f"{owner}: a source index is outside the source group "
                                 f"({self.source.N} neurons)")
            foreign = ~self.target.owns(targets)
            if foreign.any():
                raise IndexError(f"{owner}: target {targets[np.argmax(foreign)]} is not one "
                                 f"this rank owns ({self.target.share.describe()})")
            values = dict(values or {})
            for name, column in values.items():
                if name not in self._delay_variables and name not in self._store.variables:
                    raise KeyError(f"{owner}: '{name}' is not a per-synapse variable")
                if np.shape(column) != sources.shape:
                    raise ValueError(f"{owner}: {np.shape(column)} values of '{name}' for "
                                     f"{len(sources)} synapses")
        with collective(owner):
            order = np.argsort(targets, kind="stable")
            sources, targets = sources[order], targets[order]
            self._add_synapses(sources, targets, self._numbered_by_target(targets))
            if values:
                # The call's synapses are the last segment of the store's calls.
                *_, (_, store_positions, _, _) = self._store.call_segments()
                _, call_order = synapse_store.group_by_source(sources, self.source.N)
                for name, column in values.items():
                    column = np.asarray(column, dtype=np.float64)[order][call_order]
                    self._store_values(name, store_positions, column, owner)
        self._count_synapses()

    def _numbered_by_target(self, targets):
        """Each of this rank's pairs' position among all ranks' pairs, ordered
        by target (``targets``: sorted), a target's pairs in their order.
        Collective: the per-target counts of all ranks (one Allgatherv)."""
        local = self.target.local_positions(targets)
        counts = np.bincount(local, minlength=self.target.n_local).astype(np.int64)
        every_target = self.target.gather_local(counts)
        before = np.cumsum(every_target) - every_target  # synapses on smaller targets
        first_of_target = before[self.target.local_indices][local]
        rank_in_target = np.arange(len(targets), dtype=np.int64) - \
            np.searchsorted(local, local)  # (sorted: the first of its target)
        return first_of_target + rank_in_target

    @property
    def _onto_synapses(self):
        """Whether the source or the target is another Synapses (as_group.py)."""
        return self._store.target_ids is not None or \
            getattr(self.source, "owner_kind", None) == "Synapses"

    def _add_synapses(self, sources, targets, given_positions=None):
        if self._store.target_ids is not None:
            # Targets are another Synapses' synapses (ids): numbered as
            # Brian2 numbers them, source-major then target id, counting
            # the pairs of all ranks; stored by their store positions there.
            self.target.check_unchanged(f"Synapses '{self.name}'")
            if given_positions is None:
                given_positions = rules.positions_in_call(sources, targets, self.target.N)
            targets = self.target.local_positions(targets)
        if getattr(self.source, "owner_kind", None) == "Synapses":
            self.source.check_unchanged(f"Synapses '{self.name}'")
        self._store.add(sources, targets, self._initial_store_values(), given_positions)
        self._synapses_added()

    def _initial_store_values(self):
        """The values a new synapse starts with (store names)."""
        initial = dict(self._initial_values)
        initial["delay_steps"] = initial.pop("delay", 0)
        return initial

    def _synapses_added(self):
        in_flight = [name for name, pathway in self._pathway_objects.items() if pathway.pending]
        if in_flight:
            # Queued events name store positions, which the new synapses move.
            warnings.warn(f"Synapses '{self.name}': connect() between runs drops the events "
                          f"still in flight on pathway(s) {in_flight}", stacklevel=5)
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
        checked = None
        if fixed_total_number is not None:
            if condition is not None or p != 1.0:
                raise TypeError(f"{owner}: fixed_total_number takes no condition or p")
            total = int(fixed_total_number)
            if total != fixed_total_number or total < 0:
                raise ValueError(f"{owner}: fixed_total_number must be a non-negative "
                                 f"integer, got {fixed_total_number!r}")

            if self._onto_synapses:
                raise NotImplementedError(f"{owner}: fixed_total_number between Synapses "
                                          "and Synapses; give a condition or p")

            def pairs(key):
                return rules.fixed_total_number(key, self.source.N, self.target.N,
                                                self.target.share, total)
            expressions = []
        else:
            checked = self._check_rule(condition, p, run_namespace, owner)
            expressions = [e for e in checked[:2] if e is not None] if checked else []

            def pairs(key):
                return self._generate(checked, key, run_namespace, owner)

        def draw(key):
            return self._multiply(*pairs(key), n, run_namespace, owner)
        draw.expressions = expressions + ([n_expr] if n_expr is not None else [])
        draw.expected_local = self._expected_local(fixed_total_number, checked, n)
        return draw

    def _expected_local(self, fixed_total_number, checked, n):
        """About how many synapses this rank gets from a rule (None when the
        rule has a condition or a p expression that only drawing can tell;
        with an n expression, the count for n = 1)."""
        n = 1 if isinstance(n, str) else n
        local = self.target.n_local
        if fixed_total_number is not None:
            return int(fixed_total_number) * local / max(1, self.target.N) * n
        if checked is None:
            return 0
        cond_expr, p_expr, p_scalar = checked
        if cond_expr is not None or p_expr is not None:
            return None
        return self.source.N * local * p_scalar * n

    def _explicit_pairs(self, i, j, n, skip_if_invalid, run_namespace, owner):
        """This rank's pairs of an i/j call: (sources, targets, their
        positions in the call, the call's synapses on all ranks). Local:
        every rank holds the user's arrays."""
        if i is None or j is None:
            raise TypeError(f"{owner}: give both i and j")
        i_arr, j_arr = np.broadcast_arrays(_indices(i, "i", owner), _indices(j, "j", owner))
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
        # This rank's pairs in the order given: numbered by their position
        # (Brian2's), so no order by target is needed (a target's synapses
        # keep the given order within a source either way).
        mine = np.flatnonzero(self.target.owns(j_arr))
        return i_arr[mine], j_arr[mine], mine, len(j_arr)

    def _pair_namespace(self, sources, targets, run_namespace, expr, owner, extra=None):
        """Values for evaluating a connect expression on candidate pairs
        (``sources``, ``targets``: indices in the source and target groups)."""
        ns = {"i": sources, "j": targets, "N_pre": self.source.N, "N_post": self.target.N}
        ns.update(extra or {})
        for name in expr.identifiers - set(ns):
            kind, variable = self.resolver.resolve(name)
            if kind in ("pre", "post"):
                ns[name] = self._neuron_values(kind, variable, sources, targets, owner,
                                               expr.code)
            elif kind == "external":
                if name.endswith(("_pre", "_post")):
                    raise KeyError(f"{owner}: '{name}' in '{expr.code}' is not a variable of "
                                   f"the {'source' if name.endswith('_pre') else 'target'} "
                                   "group")
                ns[name] = self.resolver.constants([name], run_namespace, expr.code)[name]
            else:
                raise NotImplementedError(f"{owner}: '{name}' ({kind}) cannot be used in "
                                          f"'{expr.code}': the synapses do not exist yet")
        return ns

    def _neuron_values(self, kind, variable, sources, targets, owner, code):
        """A source ('pre') or target ('post') neuron variable for the given
        pairs. Targets are this rank's own neurons; presynaptic values come
        from a gather of the source group's variable (neurons, never
        synapses): a collective."""
        group, indices = (self.source, sources) if kind == "pre" else (self.target, targets)
        if indices is None:
            raise NotImplementedError(f"{owner}: '{variable}_{kind}' cannot be used in "
                                      f"'{code}'")
        if kind == "post":
            return group.variables.arrays[variable][group.local_positions(indices)]
        gathered = self.__dict__.get("_gathered_pre", {})
        if variable in gathered:
            return gathered[variable][indices]
        return group.gather_state(variable)[indices]

    def _check_dimensionless(self, expr, run_namespace, owner, what):
        dim_of = self.resolver.dimension_of(run_namespace, expr.code)
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
        if cond_expr is not None and p_expr is None and p_scalar == 1.0:
            solved = self._solve_index_equality(cond_expr, local_targets, run_namespace, owner)
            if solved is not None:
                return solved
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

    def _solve_index_equality(self, cond_expr, local_targets, run_namespace, owner):
        """This rank's pairs of a condition ``'i == expr'`` (expr of the
        target) or ``'expr == j'`` (expr of the source) without testing every
        pair: the pairs for which the condition holds, in the order the pair
        by pair evaluation gives them (by target). None for other conditions."""
        found = rules.index_equality(cond_expr)
        if found is None:
            return None
        index, code = found
        other = Expression(code)
        if other.random_sites:
            return None
        # The other side must not depend on the solved index (nor on the
        # variables of its group).
        side = "pre" if index == "i" else "post"
        for name in other.identifiers:
            if name == index or (name not in ("i", "j", "N_pre", "N_post")
                                 and self.resolver.resolve(name).kind == side):
                return None
        if index == "i":
            ns = self._pair_namespace(None, local_targets, run_namespace, other, owner)
            values = np.broadcast_to(other.evaluate(ns), local_targets.shape)
            valid, sources = rules.equal_indices(values, self.source.N)
            return sources, local_targets[valid]
        all_sources = np.arange(self.source.N, dtype=np.int64)
        ns = self._pair_namespace(all_sources, None, run_namespace, other, owner)
        values = np.broadcast_to(other.evaluate(ns), all_sources.shape)
        valid, targets = rules.equal_indices(values, self.target.N)
        sources = all_sources[valid]
        mine = self.target.owns(targets)
        sources, targets = sources[mine], targets[mine]
        order = np.argsort(targets, kind="stable")  # by target, as chunks of targets give
        return sources[order], targets[order]

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


def _indices(values, name, owner):
    """Neuron indices given to connect(): integers (as Brian2 requires;
    floats or booleans would be truncated silently), as int64."""
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.signedinteger):
        raise TypeError(f"{owner}: {name} must be given as integers, got {array.dtype} "
                        f"({values!r})")
    return array.astype(np.int64)
