"""What synapses do at every step: clock-driven equations and summed variables.

Both act on this rank's synapses only (each target's synapses are on its
rank), in store order, so the results do not depend on the number of ranks.
"""
import numpy as np

from ..core.random import stream_key
from ..model.expressions import ANY_DIMENSION, RandomContext
from ..model.integration import make_state_updater
from ..units import DimensionMismatchError


class ClockDrivenUpdate:
    """Integrates the synapses' clock-driven differential equations every step
    (Brian2's synaptic ``StateUpdater``, in the 'groups' slot)."""

    def __init__(self, synapses, equations, method, run_namespace, clock):
        self.synapses = synapses
        code = str(equations)
        owner = f"Synapses '{synapses.name}'"
        self.identifiers = set(equations.identifiers) | set(equations.equations)
        self.constants = synapses._constants_for(equations.identifiers, run_namespace, code,
                                                 owner)
        self.updater = make_state_updater(equations, method, self.constants, owner)
        self.presynaptic = synapses._presynaptic_names(self.identifiers)
        self.plan = synapses.namespace_plan(self.identifiers)
        if self.updater.name == "exact":
            store = synapses.store
            parameters = {p: store.variables.get(p, self.constants.get(p))
                          for p in self.updater.parameters}
            missing = [p for p, v in parameters.items() if v is None]
            if missing:
                raise NotImplementedError(f"{owner}: the exact update of '{code}' uses "
                                          f"{missing}, which are not synaptic parameters "
                                          "or constants; choose method='euler' or 'rk4'")
            self.updater.prepare(parameters, clock.dt_, len(store))
        self.noisy = bool(getattr(self.updater, "noise", None))
        self.within_target = synapses.store.index_within_target() if self.noisy else None

    def update(self, step, t, dt):
        S = self.synapses
        presynaptic = S._gather_presynaptic(self.presynaptic)
        store = S.store
        if self.updater.name == "exact":
            namespace = {name: store.variables[name] for name in self.updater.variables}
        else:
            # Views of the store's arrays: the updater writes through them.
            namespace = S._synapse_namespace(self.plan, slice(None), self.constants, t, dt,
                                             presynaptic)
        rng = None
        if self.noisy:
            key = (S.name, "noise", step)
            rng = RandomContext(lambda site: stream_key(*key, site), S._local_values("j"),
                                self.within_target)
        self.updater.update(namespace, None, t, dt, rng)


class SummedVariable:
    """``x_post = expression : unit (summed)``: before the target group's
    update, its variable ``x`` becomes the sum of the expression over each
    neuron's incoming synapses (0 without synapses), as in Brian2."""

    def __init__(self, synapses, equation, run_namespace):
        self.synapses = synapses
        self.equation = equation
        owner = f"Synapses '{synapses.name}', summed variable '{equation.line}'"
        if equation.name.endswith("_pre"):
            raise NotImplementedError(f"{owner}: summed variables onto the presynaptic group "
                                      "are not supported (their synapses live on other ranks)")
        target = synapses.target
        root = getattr(target, "parent", target)
        self.variable = equation.name[:-len("_post")]
        if self.variable not in root._local_state or self.variable in root.equations.diff_eq_names \
                or root._is_shared(self.variable):
            raise KeyError(f"{owner}: '{self.variable}' must be a parameter of the target group "
                           f"'{root.name}' (declared as '{self.variable} : unit')")
        expected = root._variable_dims[self.variable]
        if equation.dim is not expected:
            raise DimensionMismatchError(f"{owner}: the declared unit is not the unit of "
                                         f"'{self.variable}'", expected, equation.dim)
        got = equation.expr.dimension(synapses._synapse_dim_of(run_namespace,
                                                               equation.expr.code, owner))
        if got is not ANY_DIMENSION and got is not expected:
            raise DimensionMismatchError(f"{owner}: '{equation.expr.code}' does not have the "
                                         f"units of '{self.variable}'", expected, got)
        self.root = root
        self.identifiers = equation.expr.identifiers
        self.constants = synapses._constants_for(self.identifiers, run_namespace,
                                                 equation.expr.code, owner)
        self.presynaptic = synapses._presynaptic_names(self.identifiers)
        self.plan = synapses.namespace_plan(self.identifiers)

    @property
    def target_range(self):
        """(root group, variable, first, stop): the neurons it sets, as
        indices of the root group (the same on every rank)."""
        first = getattr(self.synapses.target, "sub_start", 0)
        return self.root, self.variable, first, first + self.synapses.target.N

    def update(self, step, t, dt):
        S = self.synapses
        presynaptic = S._gather_presynaptic(self.presynaptic)
        store = S.store
        ns = S._synapse_namespace(self.plan, slice(None), self.constants, t, dt, presynaptic)
        values = np.broadcast_to(np.asarray(self.equation.expr.evaluate(ns), dtype=np.float64),
                                 (len(store),))
        # bincount adds in store order: per target, the same order on any
        # number of ranks.
        sums = np.bincount(store.local_targets, weights=values, minlength=S.target.n_local)
        first = S.target.root_local_offset
        self.root._local_state[self.variable][first:first + S.target.n_local] = sums
