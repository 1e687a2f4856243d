"""One name resolver: what an identifier in a group's or synapses' code means.

Every piece of code an object runs (equations, threshold, reset,
run_regularly, assignments, index conditions, connect conditions, pathways,
summed variables, generated kernels) resolves its names here, so a name
means the same thing in each of them and at the same time. In order:

1. the object's own variables (its `Variables` table): kind ``element_kind``
   ('neuron' or 'synapse') for per-element values, 'shared' for one value,
   'derived' for values the owner computes (``i``, ``j``, delays in time);
2. its subexpressions ('subexpression');
3. sizes ('size': ``N``; ``N_pre``, ``N_post``) and the clock ('clock': ``t``,
   ``dt``);
4. for synapses: ``x_pre`` ('pre') and ``x_post`` ('post') variables of the
   source and target groups; an unsuffixed name that is not synaptic is the
   postsynaptic variable, as in Brian2;
5. everything else is 'external': a constant or function of the object's
   namespace, the run's namespace or the script (resolved when used, with an
   error naming the object and the code).
"""
from __future__ import annotations

from typing import Callable, Iterable, NamedTuple

from ..model.namespace import raw_value, resolve_external
from ..units import DIMENSIONLESS, Dimension, get_dimensions, second


class Resolution(NamedTuple):
    """What a name refers to: its kind, and the variable's name in the table
    that holds it (without a ``_pre``/``_post`` suffix)."""
    kind: str
    variable: str


NEURON_STATE = ("pre", "post")


class Resolver:
    """Resolves the identifiers of one object's code.

    Parameters
    ----------
    owner : str
        How errors name the object (``"NeuronGroup 'exc'"``).
    variables : Variables
        The object's variable table.
    subexpressions : list of SingleEquation
        Its subexpressions, in evaluation order.
    sizes : dict
        Size names and their values (``{'N': 100}``; ``N_pre``, ``N_post``).
    namespaces : callable
        ``namespaces(run_namespace)``: where external names are looked up.
    element_kind : str
        The kind of the object's per-element variables.
    pre, post : Variables, optional
        Tables of the source and target groups (synapses only).
    """

    def __init__(self, owner: str, variables, subexpressions, sizes: dict,
                 namespaces: Callable, element_kind: str, pre=None, post=None):
        self.owner = owner
        self.variables = variables
        self.subexpressions = list(subexpressions)
        self._subexpression_dims = {eq.name: eq.dim for eq in self.subexpressions}
        self.sizes = dict(sizes)
        self.namespaces = namespaces
        self.element_kind = element_kind
        self.neighbours = [(suffix, kind, table) for suffix, kind, table in
                           (("_post", "post", post), ("_pre", "pre", pre)) if table is not None]
        self._cache = {}

    # -- meaning of one name ---------------------------------------------------
    def resolve(self, name: str) -> Resolution:
        """What ``name`` refers to (see the module's docstring)."""
        found = self._cache.get(name)
        if found is None:
            found = self._cache[name] = self._resolve(name)
        return found

    def _resolve(self, name):
        if name in self._subexpression_dims:
            return Resolution("subexpression", name)
        variable = self.variables.get(name)
        if variable is not None:
            if variable.derived or "delay" in variable.flags:
                return Resolution("derived", name)
            return Resolution("shared" if variable.shared else self.element_kind, name)
        if name in self.sizes:
            return Resolution("size", name)
        if name in ("t", "dt"):
            return Resolution("clock", name)
        for suffix, kind, table in self.neighbours:
            if name.endswith(suffix) and name[:-len(suffix)] in table.arrays:
                return Resolution(kind, name[:-len(suffix)])
        for suffix, kind, table in self.neighbours:
            if kind == "post" and name in table.arrays:
                return Resolution("post", name)
        return Resolution("external", name)

    def neighbour_table(self, kind: str):
        """The source ('pre') or target ('post') group's table."""
        return next(table for _, k, table in self.neighbours if k == kind)

    def dimension_of(self, run_namespace: dict, code: str) -> Callable[[str], Dimension]:
        """``dim_of(name)`` for unit checks of ``code``."""
        def dim_of(name):
            kind, variable = self.resolve(name)
            if kind == "subexpression":
                return self._subexpression_dims[name]
            if kind in ("pre", "post"):
                return self.neighbour_table(kind).dims[variable]
            if kind == "clock":
                return second.dim
            if kind == "size":
                return DIMENSIONLESS
            if kind == "external":
                return get_dimensions(self.external(name, run_namespace, code))
            return self.variables[variable].dim
        return dim_of

    def external(self, name: str, run_namespace: dict, code: str | None = None):
        """The value of an external name (a constant or a function)."""
        return resolve_external(name, self.namespaces(run_namespace), self.owner, code)

    def constants(self, identifiers: Iterable[str], run_namespace: dict,
                  code: str | None = None) -> dict:
        """Raw (SI) values of the external constants among ``identifiers``
        (noise symbols ``xi`` are the integrator's)."""
        return {name: raw_value(self.external(name, run_namespace, code))
                for name in self.with_subexpressions(identifiers)
                if self.resolve(name).kind == "external" and not name.startswith("xi")}

    # -- what a piece of code needs --------------------------------------------
    def with_subexpressions(self, identifiers: Iterable[str]) -> set:
        """``identifiers`` and every name they use through subexpressions."""
        needed = set(identifiers)
        for eq in reversed(self.subexpressions):
            if eq.name in needed:
                needed |= eq.expr.identifiers
        return needed

    def plan(self, identifiers: Iterable[str]):
        """What evaluating code with ``identifiers`` needs, resolved once:
        ([(name, kind, variable)] sorted by name, the subexpressions it uses
        in evaluation order)."""
        needed = self.with_subexpressions(identifiers)
        reads = [(name,) + tuple(self.resolve(name)) for name in sorted(needed)]
        return reads, [eq for eq in self.subexpressions if eq.name in needed]

    def reads_neuron_state(self, identifiers: Iterable[str]) -> bool:
        """Whether code with ``identifiers`` reads variables of the source or
        target group (values that may change before deferred work runs)."""
        return any(self.resolve(name).kind in NEURON_STATE
                   for name in self.with_subexpressions(identifiers))

    def neuron_variables(self, identifiers: Iterable[str], kind: str) -> list:
        """The ``kind`` ('pre' or 'post') group's variables that code with
        ``identifiers`` reads, including through subexpressions; sorted."""
        return sorted({variable for k, variable in map(self.resolve,
                                                       self.with_subexpressions(identifiers))
                       if k == kind})
