"""The user-facing ``Synapses`` object (Brian2's names and signatures)."""
import numpy as np

from ..core.random import stream_key
from ..groups import Group, NeuronGroup
from ..model.equations import EquationError, Equations, PARAMETER
from ..model.expressions import ANY_DIMENSION, Expression, ExpressionError, RandomContext, Statements
from ..model.namespace import caller_namespace, raw_value, resolve_external
from ..parallel import collective, get_comm
from ..units import DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions, second
from . import connect as rules
from .delivery import AdditivePathway
from .store import MAX_DELAY_STEPS, SynapseStore


class Synapses(Group):
    """Synapses from ``source`` to ``target`` (Brian2's ``Synapses``).

    Parameters
    ----------
    source, target : NeuronGroup
        ``target`` defaults to ``source``.
    model : str, optional
        Per-synapse parameters, e.g. ``'w : siemens'``.
    on_pre : str, optional
        What a presynaptic spike does, e.g. ``'ge += w'``. Statements that add
        to (or subtract from) a postsynaptic variable are supported.
    delay : Quantity, optional
        Homogeneous delay (Brian2's default is 0 ms); set ``S.delay`` for
        per-synapse delays.
    namespace : dict, optional
    name : str, optional
    """

    when = "synapses"

    def __init__(self, source, target=None, model=None, on_pre=None, pre=None, on_post=None,
                 post=None, delay=None, namespace=None, method=None, name="synapses*"):
        super().__init__(name, namespace)
        target = source if target is None else target
        for role, group in (("source", source), ("target", target)):
            if not isinstance(group, NeuronGroup):
                raise TypeError(f"Synapses '{self.name}': the {role} must be a NeuronGroup, "
                                f"got {type(group).__name__}")
        self.source, self.target = source, target
        owner = f"Synapses '{self.name}'"
        try:
            self.equations = Equations(model or "")
        except EquationError as exc:
            raise EquationError(f"{owner}: {exc}") from None
        for eq in self.equations:
            if eq.kind != PARAMETER:
                raise NotImplementedError(
                    f"{owner}: '{eq.line}' - synaptic {eq.kind}s (event-driven or clock-driven "
                    "variables, summed variables) are not supported yet; only per-synapse "
                    "parameters such as 'w : siemens' are")
        if pre is not None or post is not None:
            raise TypeError(f"{owner}: 'pre'/'post' are Brian 1 names; use on_pre/on_post")
        if on_post is not None:
            raise NotImplementedError(f"{owner}: on_post (postsynaptic pathways) is not "
                                      "supported yet")
        if on_pre is not None and not isinstance(on_pre, str):
            raise NotImplementedError(f"{owner}: several pathways (on_pre as a dict) are not "
                                      "supported yet")
        try:
            self.on_pre = Statements(on_pre) if on_pre else None
        except ExpressionError as exc:
            raise ExpressionError(f"{owner}, on_pre: {exc}") from None
        self._variable_dims = {eq.name: eq.dim for eq in self.equations}
        self._variable_dims["delay"] = second.dim
        self.store = SynapseStore(source.N, target.start,
                                  {name: np.float64 for name in self.equations.parameter_names})
        self._delay_dt = None
        self._homogeneous_delay_steps = 0
        if delay is not None:
            if isinstance(delay, (str, dict)):
                raise TypeError(f"{owner}: delay= takes one time; set S.delay = '...' after "
                                "connect() for per-synapse delays")
            self._homogeneous_delay_steps = self._delay_to_steps(delay, owner)
        self._connect_calls = 0
        self._assignment_counts = {}
        self.pathways = []
        self._frozen = True

    # -- sizes -------------------------------------------------------------
    @property
    def N(self):
        """Total number of synapses (all ranks)."""
        return int(get_comm().allreduce(len(self.store)))

    def __len__(self):
        return self.N

    # -- delays --------------------------------------------------------------
    def _delay_to_steps(self, delay, owner):
        from ..core.clock import defaultclock
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
                namespace=None, level=0):
        """Create synapses (Brian2's ``Synapses.connect``).

        Forms: ``connect()`` (all to all), ``connect(p=0.1)``,
        ``connect('i < 5 and j >= 5', p=...)``, ``p='exp(-abs(i-j)*.1)'``,
        ``connect(i=..., j=...)`` with arrays, ``connect(j='i')`` and ``n=``
        synapses per pair. Each rank makes the synapses of the targets it
        owns; the result is the same for any number of ranks.
        """
        owner = f"Synapses '{self.name}'.connect"
        call = self._connect_calls
        self._connect_calls += 1
        run_namespace = namespace if namespace is not None else caller_namespace(level)
        key = stream_key(self.name, "connect", call)
        with collective(owner):
            if i is not None or (j is not None and not isinstance(j, str)):
                if condition is not None or isinstance(j, str) or isinstance(i, str):
                    raise TypeError(f"{owner}: give either i and j arrays or a condition")
                sources, targets = self._explicit_pairs(i, j, skip_if_invalid, owner)
            elif isinstance(j, str):
                if condition is not None:
                    raise TypeError(f"{owner}: give either j='...' or a condition")
                sources, targets = self._targets_from_expression(j, run_namespace, owner)
            else:
                sources, targets = self._generate(condition, p, key, run_namespace, owner)
            sources, targets = self._multiply(sources, targets, n, run_namespace, owner)
            self.store.add(sources, targets, {"delay_steps": self._homogeneous_delay_steps})

    def _explicit_pairs(self, i, j, skip_if_invalid, owner):
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
        mine = (j_arr >= self.target.start) & (j_arr < self.target.stop)
        return i_arr[mine], j_arr[mine]

    def _pair_namespace(self, sources, targets, run_namespace, expr, owner):
        ns = {"i": sources, "j": targets, "N_pre": self.source.N, "N_post": self.target.N}
        for name in expr.identifiers - set(ns):
            if name.endswith("_pre") or name.endswith("_post"):
                raise NotImplementedError(f"{owner}: '{name}' in '{expr.code}' - pre/post "
                                          "variables in connection rules are not supported yet")
            ns[name] = raw_value(resolve_external(name, self._namespaces(run_namespace), owner,
                                                  expr.code))
        return ns

    def _namespaces(self, run_namespace):
        return self.namespaces(run_namespace)

    def _check_dimensionless(self, expr, run_namespace, owner, what):
        def dim_of(name):
            if name in ("i", "j", "N_pre", "N_post"):
                return DIMENSIONLESS
            return get_dimensions(resolve_external(name, self._namespaces(run_namespace), owner,
                                                   expr.code))
        dim = expr.dimension(dim_of)
        if dim not in (DIMENSIONLESS, ANY_DIMENSION):
            raise DimensionMismatchError(f"{owner}: the {what} '{expr.code}' must be "
                                         "dimensionless", dim)

    def _generate(self, condition, p, key, run_namespace, owner):
        cond_expr = None
        if condition is False:
            return np.empty(0, np.int64), np.empty(0, np.int64)
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

    def _targets_from_expression(self, j_code, run_namespace, owner):
        if " for " in f" {j_code} ":
            raise NotImplementedError(f"{owner}: generator syntax j='{j_code}' is not "
                                      "supported yet")
        expr = Expression(j_code)
        self._check_dimensionless(expr, run_namespace, owner, "target expression")
        sources = np.arange(self.source.N, dtype=np.int64)
        ns = self._pair_namespace(sources, None, run_namespace, expr, owner)
        targets = np.broadcast_to(np.asarray(expr.evaluate(ns)), sources.shape).astype(np.int64)
        keep = (targets >= self.target.start) & (targets < self.target.stop)
        sources, targets = sources[keep], targets[keep]
        order = np.argsort(targets, kind="stable")
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
    def _local_values(self, name):
        if name == "delay":
            return self.store.delay_steps * (self._delay_dt or 0.0)
        if name == "i":
            return self.store.sources
        if name == "j":
            return self.store.targets
        return self.store.variables[name]

    def get_variable(self, name, index=slice(None)):
        """Values of all synapses, ordered by (i, j) as Brian2 creates them in
        one connect call. (Gathers the values of every rank.)"""
        comm = get_comm()
        parts = comm.allgather((self.store.sources, self.store.targets, self._local_values(name)))
        sources = np.concatenate([p[0] for p in parts])
        targets = np.concatenate([p[1] for p in parts])
        values = np.concatenate([p[2] for p in parts])
        order = np.lexsort((targets, sources))
        values = values[order]
        if isinstance(index, str):
            expr = Expression(index)
            ns = {"i": sources[order], "j": targets[order]}
            index = np.broadcast_to(np.asarray(expr.evaluate(ns), dtype=bool), values.shape)
        values = values[index]
        if name in ("i", "j"):
            return values
        return self._with_units(name, values)

    def __getattr__(self, name):
        if name in ("i", "j"):
            return self.get_variable(name)
        return super().__getattr__(name)

    def set_variable(self, name, index, value, raw=False):
        owner = f"Synapses '{self.name}'"
        if name not in self._variable_dims:
            raise AttributeError(f"{owner}: '{name}' cannot be set")
        if isinstance(index, slice) and index == slice(None):
            selected = slice(None)
        elif isinstance(index, str):
            expr = Expression(index)
            ns = {"i": self.store.sources, "j": self.store.targets}
            selected = np.broadcast_to(np.asarray(expr.evaluate(ns), dtype=bool), (len(self.store),))
        else:
            raise NotImplementedError(f"{owner}.{name}[...]: assignment by synapse index is not "
                                      "supported yet; use a condition string such as 'i > j'")
        n_selected = len(self.store) if isinstance(selected, slice) else int(np.sum(selected))
        if isinstance(value, str):
            count = self._assignment_counts.get(name, 0)
            self._assignment_counts[name] = count + 1
            run_namespace = caller_namespace()
            expr = Expression(value)
            values = self._evaluate_per_synapse(expr, run_namespace, ("assign", name, count),
                                                selected, owner)
            if not raw:
                dim = expr.dimension(self._synapse_dim_of(run_namespace, expr.code, owner))
                if dim is not ANY_DIMENSION and dim is not self._variable_dims[name]:
                    raise DimensionMismatchError(f"{owner}.{name} = '{value}': wrong units",
                                                 self._variable_dims[name], dim)
            values = np.broadcast_to(values, (n_selected,))
            if not raw and name == "delay":
                values = Quantity(values, second.dim)
        else:
            if not raw:
                self._check_value_units(name, value)
            if np.ndim(value) != 0:
                raise NotImplementedError(f"{owner}.{name} = array: assignment of arrays in "
                                          "synapse order is not supported yet")
            values = value
        if name == "delay":
            steps = self._delay_to_steps(values if not raw else Quantity(values, second.dim), owner)
            self.store.delay_steps[selected] = steps
        else:
            raw_values = np.asarray(values.view(np.ndarray) if isinstance(values, Quantity) else values)
            self.store.variables[name][selected] = raw_values

    def _synapse_dim_of(self, run_namespace, code, owner):
        def dim_of(name):
            if name in self._variable_dims:
                return self._variable_dims[name]
            if name in ("i", "j", "N_pre", "N_post"):
                return DIMENSIONLESS
            if name.endswith("_post") and name[:-5] in self.target._variable_dims:
                return self.target._variable_dims[name[:-5]]
            return get_dimensions(resolve_external(name, self._namespaces(run_namespace),
                                                   owner, code))
        return dim_of

    def _evaluate_per_synapse(self, expr, run_namespace, purpose, selected, owner):
        ns = {"i": self.store.sources[selected], "j": self.store.targets[selected],
              "N_pre": self.source.N, "N_post": self.target.N}
        for name in self._variable_dims:
            if name != "delay":
                ns[name] = self.store.variables[name][selected]
        ns["delay"] = self._local_values("delay")[selected]
        for name in expr.identifiers - set(ns):
            if name.endswith("_pre") or name.endswith("_post"):
                raise NotImplementedError(f"{owner}: '{name}' in '{expr.code}' - pre/post "
                                          "variables in synaptic expressions are not supported yet")
            ns[name] = raw_value(resolve_external(name, self._namespaces(run_namespace), owner,
                                                  expr.code))
        within_target = self.store.index_within_target()[selected]
        base = (self.name,) + tuple(purpose)
        rng = RandomContext(lambda site: stream_key(*base, site), ns["j"], within_target)
        return expr.evaluate(ns, rng)

    # -- simulation --------------------------------------------------------------
    @property
    def min_delay_steps(self):
        """Smallest delay (in steps) on this rank, None if it has no synapse."""
        return int(self.store.delay_steps.min()) if len(self.store) else None

    def before_run(self, run_namespace, clock):
        owner = f"Synapses '{self.name}'"
        if self._delay_dt is not None and abs(self._delay_dt - clock.dt_) > 1e-12 * clock.dt_:
            raise ValueError(f"{owner}: delays were set with dt = {self._delay_dt * 1e3:g} ms, "
                             f"but the run uses dt = {clock.dt_ * 1e3:g} ms; set dt first")
        previous = {p.variable: p for p in self.pathways}
        self.pathways = []
        if self.on_pre is None:
            return
        dim_of = self._synapse_dim_of(run_namespace, self.on_pre.code, owner)
        for target_name, op, expr in self.on_pre.statements:
            variable = target_name[:-5] if target_name.endswith("_post") else target_name
            if target_name in self._variable_dims or variable not in self.target._local_state:
                raise NotImplementedError(
                    f"{owner}: on_pre statement '{target_name} ...= {expr.code}' - only statements "
                    "that add to a postsynaptic variable ('x_post += expr') are supported yet")
            if op not in ("Add", "Sub"):
                raise NotImplementedError(
                    f"{owner}: on_pre statement on '{target_name}' must use += or -=")
            target_dim = self.target._variable_dims[variable]
            dim = expr.dimension(dim_of)
            if dim is not ANY_DIMENSION and dim is not target_dim:
                raise DimensionMismatchError(
                    f"{owner}: in on_pre '{self.on_pre.code}', '{expr.code}' does not have the "
                    f"units of {variable}", target_dim, dim)
            weights = np.asarray(self._evaluate_per_synapse(expr, run_namespace, ("on_pre",),
                                                            slice(None), owner), dtype=np.float64)
            weights = np.ascontiguousarray(np.broadcast_to(weights, (len(self.store),)))
            if op == "Sub":
                weights = -weights
            self.pathways.append(AdditivePathway(self, variable, weights, clock.timestep,
                                                 previous.get(variable)))
