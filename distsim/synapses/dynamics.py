"""What synapses do at every step: clock-driven equations and summed variables.

Both act on this rank's synapses only (each target's synapses are on its
rank), in store order, so the results do not depend on the number of ranks.
"""
import numpy as np

from .._ext import neuron_kernels, step_loop
from ..codegen.kernels import (Untranslatable, address, summed_variable_kernel,
                               synapse_update_kernel)
from ..core.random import stream_key
from ..core.preferences import compiled_target
from ..core.scheduling import CodeObject, check_slot
from ..model.expressions import ANY_DIMENSION, RandomContext
from ..model.integration import make_state_updater
from ..units import DimensionMismatchError


class SynapseLoop:
    """A generated loop over all of a rank's synapses in store order
    (codegen/kernels.py: synapse_update_kernel, summed_variable_kernel), with
    its arguments resolved: the store's and the target's arrays once, the
    presynaptic values and noise draws at each call."""

    def __init__(self, synapses, kernel, values):
        self.synapses = synapses
        self.kernel = kernel
        self.scalars = tuple(float(values[name]) for name in kernel.scalars)
        self.addresses = synapses.kernel_array_addresses(kernel.arrays)

    def run(self, t, dt, presynaptic, draws=None):
        S = self.synapses
        store = S.store
        fresh = {key: presynaptic[key[1]] if key[0] == "pre" else draws[key]
                 for key in self.addresses if isinstance(key, tuple)}
        self.kernel.run(*_row_arguments(store), address(store.local_targets, np.int32),
                        S.target.root_local_offset, store.target_start, store.target_stride,
                        getattr(S.source, "sub_start", 0), t, dt,
                        S.kernel_arrays(self.addresses, fresh), self.scalars)


def _row_arguments(store):
    """The row index arguments of a generated synapse loop (kernels.py's
    ``_synapse_loop``): rows, their starts, their sources (0: dense)."""
    row_sources = store.row_sources
    return (store.n_rows, address(store.row_start, np.int64),
            0 if row_sources is None else address(row_sources, np.int64))


def _synapse_loop(synapses, make_kernel, plan, constants):
    """A SynapseLoop from ``make_kernel(values)``, or None where the numpy
    path must run the code."""
    values = synapses.kernel_values(constants)
    try:
        if not compiled_target():
            raise Untranslatable("prefs.codegen.target is 'numpy'")
        reason = synapses.uncompilable(plan[0])
        if reason:
            raise Untranslatable(reason)
        return SynapseLoop(synapses, make_kernel(values), values)
    except Untranslatable:
        return None


class ClockDrivenUpdate(CodeObject):
    """Integrates the synapses' clock-driven differential equations every step
    (Brian2's synaptic ``StateUpdater``, in the 'groups' slot)."""

    when = "groups"
    writes_other_groups = False  # per-synapse variables only

    def __init__(self, synapses, equations, method, run_namespace, clock):
        self.synapses = synapses
        self.order = synapses.order
        self.name = f"{synapses.name}_stateupdater"
        code = str(equations)
        owner = f"Synapses '{synapses.name}'"
        self.identifiers = set(equations.identifiers) | set(equations.equations)
        self.constants = synapses.resolver.constants(equations.identifiers, run_namespace, code)
        self.updater = make_state_updater(equations, method, self.constants, owner)
        self.presynaptic = synapses.resolver.neuron_variables(self.identifiers, "pre")
        self.plan = synapses.resolver.plan(self.identifiers)
        if self.updater.name == "exact":
            store = synapses.store
            parameters = {p: store.variables.get(p, self.constants.get(p))
                          for p in self.updater.parameters}
            for p in parameters:  # a shared synaptic variable: its one value
                if parameters[p] is None and p in synapses.variables and \
                        synapses.variables[p].shared:
                    parameters[p] = float(synapses.variables[p].values[0])
            missing = [p for p, v in parameters.items() if v is None]
            if missing:
                raise NotImplementedError(f"{owner}: the exact update of '{code}' uses "
                                          f"{missing}, which are not synaptic parameters "
                                          "or constants; choose method='euler' or 'rk4'")
            self.updater.prepare(parameters, clock.dt_, len(store))
            # Synaptic parameters that pathways change during the run: the
            # update is prepared again from them at every step.
            written = synapses.written_synapse_variables() | synapses.changed_by_others
            self._prepare_every_step = (parameters, clock.dt_) \
                if written & set(self.updater.parameters) else None
        self.noisy = bool(getattr(self.updater, "noise", None))
        self.within_target = synapses.store.index_within_target() if self.noisy else None
        self.loop = None if self.updater.name == "exact" else _synapse_loop(
            synapses, lambda values: synapse_update_kernel(self.updater, self.plan[0], values),
            self.plan, self.constants)

    def compiled_op(self):
        """The exact update with coefficients fixed for the run, as an
        operation of the compiled step loop (the store's arrays stay in
        place during a run); None for the other paths."""
        if self.updater.name != "exact" or self._prepare_every_step is not None:
            return None
        store = self.synapses.store
        compiled = self.updater.compiled_arguments(
            {name: store.variables[name] for name in self.updater.variables})
        if compiled is None or any(not v.flags.c_contiguous or v.dtype != np.float64
                                   for v in compiled[2]):
            return None
        matrix, held, values, offsets, held_offsets = compiled
        return neuron_kernels.ExactUpdate(matrix, held, values, np.empty(0, np.uint8),
                                          offsets, held_offsets)

    def _random(self, step):
        S = self.synapses
        key = (S.name, "noise", step)
        return RandomContext(lambda site: stream_key(*key, site), S.local_values("j"),
                             self.within_target)

    def run(self, step, t, dt):
        S = self.synapses
        presynaptic = S.gather_presynaptic(self.presynaptic)
        store = S.store
        if self.loop is not None:
            # the numpy updater's draws: randn() of noise j, times sqrt(dt)
            draws = {key: self._random(step).randn(key[1]) * np.sqrt(dt)
                     for key in self.loop.addresses if isinstance(key, tuple)
                     and key[0] == "noise"}
            self.loop.run(t, dt, presynaptic, draws)
            return
        if self.updater.name == "exact":
            if self._prepare_every_step is not None:
                parameters, clock_dt = self._prepare_every_step
                self.updater.prepare(parameters, clock_dt, len(store))
            namespace = {name: store.variables[name] for name in self.updater.variables}
        else:
            # Views of the store's arrays: the updater writes through them.
            namespace = S.namespace_for(self.plan, slice(None), self.constants, t, dt,
                                             presynaptic)
        self.updater.update(namespace, None, t, dt, self._random(step) if self.noisy else None)


class SummedUpdaterSettings:
    """Where a summed variable's update runs (Brian2's
    ``S.summed_updaters['x_post'].when = 'after_groups'``): its slot and
    order, read when the run is prepared (order None: the target group's
    order minus one)."""

    def __init__(self):
        self.when = SummedVariable.when
        self.order = None


class SummedVariable(CodeObject):
    """``x_post = expression : unit (summed)``: before the target group's
    update, its variable ``x`` becomes the sum of the expression over each
    neuron's incoming synapses (0 without synapses), as in Brian2 (the
    'groups' slot, order of the target group minus one)."""

    when = "groups"
    writes_other_groups = False  # its target group's (``group``) only

    def __init__(self, synapses, equation, run_namespace, settings=None):
        self.synapses = synapses
        self.equation = equation
        self.name = f"{synapses.name}_summed_variable_{equation.name}"
        owner = f"Synapses '{synapses.name}', summed variable '{equation.line}'"
        if settings is not None:
            self.when = check_slot(settings.when, owner)
        if equation.name.endswith("_pre"):
            raise NotImplementedError(f"{owner}: summed variables onto the presynaptic group "
                                      "are not supported (their synapses live on other ranks)")
        target = synapses.target
        root = getattr(target, "parent", target)
        self.variable = equation.name[:-len("_post")]
        variable = root.variables.get(self.variable)
        if variable is None or variable.derived or variable.shared or variable.read_only or \
                self.variable in root.equations.diff_eq_names:
            raise KeyError(f"{owner}: '{self.variable}' must be a parameter of the target group "
                           f"'{root.name}' (declared as '{self.variable} : unit')")
        expected = root.variables[self.variable].dim
        if equation.dim is not expected:
            raise DimensionMismatchError(f"{owner}: the declared unit is not the unit of "
                                         f"'{self.variable}'", expected, equation.dim)
        got = equation.expr.dimension(synapses.resolver.dimension_of(run_namespace, equation.expr.code))
        if got is not ANY_DIMENSION and got is not expected:
            raise DimensionMismatchError(f"{owner}: '{equation.expr.code}' does not have the "
                                         f"units of '{self.variable}'", expected, got)
        self.root = root
        self.order = root.order - 1 if settings is None or settings.order is None else \
            settings.order
        self.identifiers = equation.expr.identifiers
        self.constants = synapses.resolver.constants(self.identifiers, run_namespace, equation.expr.code)
        self.presynaptic = synapses.resolver.neuron_variables(self.identifiers, "pre")
        self.plan = synapses.resolver.plan(self.identifiers)
        self.values = root.variables[self.variable].values
        self.loop = None if self.values.dtype != np.float64 else \
            _synapse_loop(synapses, lambda values: summed_variable_kernel(
                equation.expr, self.plan[1], self.plan[0], values, self.variable), self.plan,
                self.constants)

    @property
    def group(self):
        """The NeuronGroup whose variable it sets."""
        return self.root

    @property
    def target_range(self):
        """(root group, variable, first, stop): the neurons it sets, as
        indices of the root group (the same on every rank)."""
        first = getattr(self.synapses.target, "sub_start", 0)
        return self.root, self.variable, first, first + self.synapses.target.N

    def compiled_op(self):
        """The neurons set to 0, then the generated loop, as operations of
        the compiled step loop, where the loop needs nothing gathered or
        drawn per step (presynaptic values); else None."""
        loop = self.loop
        if loop is None or self.presynaptic or \
                any(isinstance(key, tuple) for key in loop.addresses):
            return None
        S = self.synapses
        store = S.store
        first = S.target.root_local_offset
        arrays = S.kernel_arrays(loop.addresses, {})
        bound = loop.kernel.bind(
            (*_row_arguments(store), address(store.local_targets, np.int32), first,
             store.target_start, store.target_stride, getattr(S.source, "sub_start", 0)),
            arrays, loop.scalars,
            keep_alive=(store.row_start, store.row_sources, store.local_targets, self.values))
        return [step_loop.FillValues(self.values[first:first + S.target.n_local], 0.0), bound]

    def run(self, step, t, dt):
        S = self.synapses
        presynaptic = S.gather_presynaptic(self.presynaptic)
        store = S.store
        first = S.target.root_local_offset
        if self.loop is not None:
            self.values[first:first + S.target.n_local] = 0.0
            self.loop.run(t, dt, presynaptic)
            return
        ns = S.namespace_for(self.plan, slice(None), self.constants, t, dt, presynaptic)
        values = np.broadcast_to(np.asarray(self.equation.expr.evaluate(ns), dtype=np.float64),
                                 (len(store),))
        # bincount adds in store order: per target, the same order on any
        # number of ranks.
        sums = np.bincount(store.local_targets, weights=values, minlength=S.target.n_local)
        self.values[first:first + S.target.n_local] = sums
