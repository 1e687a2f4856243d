"""What a NeuronGroup runs at each step: its state update ('groups' slot),
threshold ('thresholds') and reset ('resets'), as code objects.

Each is prepared once per run from the group's checked model
(`NeuronGroup.before_run`) and picks its implementation then: a compiled
loop where the model and ``prefs.codegen.target`` allow it (the pre-built
exact step, or a generated kernel from distsim/codegen), else numpy
evaluating the expressions. All implementations compute the same values.
"""
import ast

import numpy as np

from .._ext import neuron_kernels, step_loop
from ..codegen.kernels import (FixedArray, Untranslatable, address, exact_update_kernel,
                               neuron_update_kernel, threshold_kernel)
from ..core.clock import defaultclock
from ..core.preferences import compiled_target
from ..core.random import stream_key
from ..core.scheduling import CodeObject
from ..model.expressions import Expression

_NO_SPIKES = np.empty(0, dtype=np.int64)


def constant_value(expr, constants):
    """The value of ``expr`` if it uses only the given constants (no
    variables, no functions, no random numbers), else None."""
    if expr.random_sites or expr.called or not expr.identifiers <= set(constants):
        return None
    return float(expr.evaluate(dict(constants)))


def _resolve(group):
    """(kind, dtype) of each name, as the group's resolver and variable table
    say: what generated kernels need to write a name."""
    def resolve(name):
        variable = group.variables.get(name)
        return group.resolver.resolve(name).kind, (variable.dtype if variable else None)
    return resolve


class _SpikingCode(CodeObject):
    """A group's code that may find spikes: ``spikes`` holds the local
    indices found in the current step, in `found` (a step_loop.Spikes,
    where compiled loops write them and compiled operations read them)."""

    writes_other_groups = False  # its own group's variables only

    def __init__(self, group, role):
        self.group = group
        self.order = group.order
        self.name = f"{group.name}_{role}"
        self.found = step_loop.Spikes(group.n_local)
        self._buffer = self.found.buffer

    @property
    def spikes(self):
        """Local indices (int64) of the neurons found spiking in the current step."""
        return self.found.get()

    @spikes.setter
    def spikes(self, local):
        self.found.set(local)


class NeuronStateUpdate(_SpikingCode):
    """Refractoriness and the integration of the group's equations.

    With the compiled exact step (exact integration with coefficients shared
    by all neurons, refractoriness as a time, a threshold ``v > constant``),
    one compiled pass also finds the threshold crossings, which
    `NeuronThreshold` then hands on.
    """

    when = "groups"

    def __init__(self, group):
        _SpikingCode.__init__(self, group, "stateupdater")
        self.compiled_step = self._compiled_step()
        self.kernel = self._update_kernel() if self.compiled_step is None else None

    def _compiled_step(self):
        """The arguments of ext/neuron_kernels.exact_step, or None where the
        model does not allow it."""
        G = self.group
        updater = G.state_updater
        if getattr(updater, "name", None) != "exact" or G._update_parameters is not None:
            return None
        arguments = updater.compiled_arguments(G._local_state)
        if arguments is None or G._refractory_condition is not None or \
                G.threshold is None or G.threshold.random_sites:
            return None
        body = G.threshold.tree.body
        if not (isinstance(body, ast.Compare) and len(body.ops) == 1 and
                type(body.ops[0]).__name__ in neuron_kernels.THRESHOLD_OPS and
                isinstance(body.left, ast.Name)):
            return None
        variable = G._local_state.get(body.left.id)
        level = constant_value(Expression(ast.unparse(body.comparators[0])),
                               G._threshold_constants)
        if variable is None or variable.dtype != np.float64 or G._is_shared(body.left.id) \
                or level is None:
            return None
        state = G._local_state
        steps = G._refractory_steps if G._refractory_steps is not None else \
            np.empty(0, dtype=np.int64)
        return arguments + (state["not_refractory"].view(np.uint8), state["lastspike"],
                            steps, variable, neuron_kernels.THRESHOLD_OPS[
                                type(body.ops[0]).__name__], level)

    def _update_kernel(self):
        """The generated loop of a numerical (non-exact) update and its
        arguments, or None: noise other than additive, rand() or non-float
        variables keep the numpy updaters."""
        G = self.group
        updater = G.state_updater
        if not compiled_target() or updater is None:
            return None
        try:
            if updater.name == "exact":
                kernel = self._exact_kernel()
                if kernel is None:
                    return None
            else:
                kernel = neuron_update_kernel(updater, G._update_constants, _resolve(G))
        except Untranslatable:
            return None
        bound, self._streams = bind_neuron_kernel(G, kernel, G._update_constants)
        return bound

    def _exact_kernel(self):
        """The generated exact update (b evaluated per neuron and step), or
        None where the coefficient matrix changes during the run (its
        propagators are made again by the updater's own path)."""
        G = self.group
        updater = G.state_updater
        if G._update_parameters is not None and \
                G._update_changing & updater.matrix_parameters:
            return None
        return exact_update_kernel(updater, G._update_constants, _resolve(G))

    def compiled_op(self):
        G = self.group
        if self.compiled_step is None and G.state_updater is None:  # (a PoissonGroup)
            if G._refractory_condition is not None:
                return None
            return [] if G._refractory_steps is None else [neuron_kernels.RefractoryFlags(
                G._local_state["lastspike"], G._refractory_steps,
                G._local_state["not_refractory"].view(np.uint8))]
        if self.kernel is not None:
            kernel, arrays, scalars, flags = self.kernel
            if G._refractory_condition is not None:
                return None
            update = kernel.bind((*G.share.kernel_arguments(), flags), arrays, scalars,
                                 keep_alive=(G._local_state, self._streams))
            if G._refractory_steps is None:
                return update
            return [neuron_kernels.RefractoryFlags(
                G._local_state["lastspike"], G._refractory_steps,
                G._local_state["not_refractory"].view(np.uint8)), update]
        if self.compiled_step is None:
            return None
        (matrix, held, variables, offsets, held_offsets, not_refractory, lastspike, steps,
         variable, op, level) = self.compiled_step
        dt = getattr(self, "own_dt", None) or defaultclock.dt_  # (its group's clock)
        return neuron_kernels.ExactStep(matrix, held, variables, offsets, held_offsets,
                                        not_refractory, lastspike, dt, steps,
                                        variable, op, level, self.found.slot())

    def separate_threshold(self):
        """Leave the threshold to its own slot (no crossings found here)."""
        self.compiled_step = None
        self.kernel = self._update_kernel()

    def run(self, step, t, dt):
        G = self.group
        state = G._local_state
        if self.compiled_step is not None:
            (matrix, held, variables, offsets, held_offsets, not_refractory, lastspike, steps,
             variable, op, level) = self.compiled_step
            n = neuron_kernels.exact_step(matrix, held, variables, offsets, held_offsets,
                                          not_refractory, lastspike, t, dt, steps, variable, op,
                                          level, self._buffer)
            self.found.count = n
            return
        if G._refractory_condition is not None:
            # A spike makes a neuron refractory; the condition only lets it
            # leave (Brian2: not_refractory = not_refractory or not cond).
            condition, constants = G._refractory_condition
            state["not_refractory"] |= ~np.broadcast_to(np.asarray(condition.evaluate(
                G._namespace(constants, t=t, dt=dt)), dtype=bool), (G.n_local,))
        elif G._refractory_steps is not None:
            neuron_kernels.refractory_flags(state["lastspike"], t, dt, G._refractory_steps,
                                            state["not_refractory"].view(np.uint8))
        if self.kernel is not None:
            kernel, arrays, scalars, flags = self.kernel
            kernel.run(*G.share.kernel_arguments(), flags, step, t, dt, arrays, scalars)
        elif G.state_updater is not None:
            updater = G.state_updater
            if G._update_parameters is not None:
                updater.prepare(G._update_parameters, dt, G.n_local, G._update_changing)
            # The exact updater needs only the state; the others evaluate the
            # right-hand sides, whose namespace holds views that write through.
            namespace = state if updater.name == "exact" else \
                G._namespace(G._update_constants, t=t, dt=dt)
            updater.update(namespace, state["not_refractory"] if G._refractoriness else None,
                           t, dt, G._random("noise", G.local_indices, step))


def separate_interleaved(schedule):
    """A group's compiled exact step finds the threshold crossings while it
    updates. Where code that may write the group runs between its update and
    its threshold (input arriving 'before_thresholds', a run_regularly or an
    operation placed there), the threshold must see what that code wrote:
    such a group finds its crossings in the threshold slot instead."""
    position = {id(code): k for k, code in enumerate(schedule)}
    for k, code in enumerate(schedule):
        if isinstance(code, NeuronThreshold) and \
                code.state_update.compiled_step is not None and \
                any(other.writes_other_groups or getattr(other, "group", None) is code.group
                    for other in schedule[position[id(code.state_update)] + 1:k]):
            code.state_update.separate_threshold()
            code.kernel = code._threshold_kernel()


def bind_neuron_kernel(G, kernel, constants):
    """A per-neuron kernel's arguments, once per run (the state arrays stay
    in place during the run): ``((kernel, arrays, scalars, not_refractory
    address), streams)``; keep ``streams`` alive while the kernel runs."""
    arrays, streams = _kernel_arguments(G, kernel.arrays)
    scalars = tuple(float(constants[name]) for name in kernel.scalars)
    flags = address(G._local_state["not_refractory"].view(np.uint8), np.uint8)
    return (kernel, tuple(arrays), scalars, flags), streams


def _kernel_arguments(G, keys):
    """A neuron kernel's array arguments: a state array's address (it stays
    in place during the run), a fixed array's (a TimedArray's values), or a
    random stream's key, in a uint64 array (key ('stream', purpose, site):
    what ``G._random(purpose, ...)`` draws from). Returns the addresses and
    the arrays made here (to keep alive while the addresses are used)."""
    addresses, made = [], []
    for key in keys:
        if isinstance(key, FixedArray):
            addresses.append(address(key.values))
        elif isinstance(key, tuple) and key[0] == "stream":
            made.append(np.array([stream_key(G.name, key[1], key[2])], dtype=np.uint64))
            addresses.append(address(made[-1], np.uint64))
        else:
            addresses.append(address(G._local_state[key]))
    return addresses, made


class NeuronThreshold(_SpikingCode):
    """Finds the neurons that spike now: ``spikes`` holds their local
    indices (int64) until the next step; the spike exchange, the resets,
    monitors and postsynaptic pathways read it."""

    when = "thresholds"

    def __init__(self, group, state_update):
        _SpikingCode.__init__(self, group, "spike_thresholder")
        self.state_update = state_update
        self.kernel = self._threshold_kernel() if state_update.compiled_step is None else None

    def _threshold_kernel(self):
        """The generated loop of the threshold and its arguments, or None
        where numpy must evaluate it."""
        G = self.group
        if not compiled_target() or G.threshold is None:
            return None
        reads, subexpressions = G.resolver.plan(G.threshold.identifiers)
        try:
            kernel = threshold_kernel(G.threshold, subexpressions, G._threshold_constants,
                                      _resolve(G), G._refractoriness)
        except Untranslatable:
            return None
        arrays, self._streams = _kernel_arguments(G, kernel.arrays)
        scalars = tuple(float(G._threshold_constants[name]) for name in kernel.scalars)
        return kernel, tuple(arrays), scalars

    def run(self, step, t, dt):
        if self.state_update.compiled_step is not None:  # found by the compiled pass
            self.found.set(self.state_update.found.buffer[:self.state_update.found.count])
            return
        local = self._spikes(step, t, dt)
        if local is not None:  # (None: the kernel wrote them into the buffer)
            self.found.set(local)

    def compiled_op(self):
        if self.state_update.compiled_step is not None:
            return step_loop.CopySpikes(self.state_update.found, self.found)
        if self.kernel is None or type(self)._spikes is not NeuronThreshold._spikes:
            return None
        kernel, arrays, scalars = self.kernel
        G = self.group
        flags = address(G._local_state["not_refractory"].view(np.uint8), np.uint8)
        return kernel.bind((*G.share.kernel_arguments(), flags, address(self._buffer, np.int64)),
                           arrays, scalars, spikes=self.found.slot(),
                           keep_alive=(G._local_state, self._streams))

    def _spikes(self, step, t, dt):
        G = self.group
        if G.threshold is None:
            return _NO_SPIKES
        if self.kernel is not None:
            kernel, arrays, scalars = self.kernel
            flags = G._local_state["not_refractory"].view(np.uint8)
            n = kernel.run(*G.share.kernel_arguments(), address(flags, np.uint8), step, t, dt,
                           address(self._buffer, np.int64), arrays, scalars)
            self.found.count = n
            return None
        ns = G._namespace(G._threshold_constants, t=t, dt=dt)
        crossed = np.broadcast_to(np.asarray(
            G.threshold.evaluate(ns, G._random("threshold", G.local_indices, step)),
            dtype=bool), (G.n_local,))
        if G._refractoriness:
            crossed = crossed & G._local_state["not_refractory"]
        local = np.flatnonzero(crossed).astype(np.int64)
        if len(local):
            G._local_state["lastspike"][local] = t
            if G._refractoriness:
                G._local_state["not_refractory"][local] = False
        return local


class NeuronReset(CodeObject):
    """Runs the reset statements for the neurons that spiked this step."""

    when = "resets"

    def __init__(self, group, threshold):
        self.group = group
        self.order = group.order
        self.name = f"{group.name}_spike_resetter"
        self.threshold = threshold
        self.constant_assignments = self._constant_assignments()

    def _constant_assignments(self):
        """For a reset that only assigns constants (``v = v_r``): the arrays
        and values to assign, so that no expression is evaluated per step."""
        G = self.group
        assignments = []
        for target, op, expr in G.reset.statements:
            value = constant_value(expr, G._reset_constants)
            if op is not None or value is None:
                return None
            assignments.append((G._local_state[target], value))
        return assignments

    def compiled_op(self):
        assignments = self.constant_assignments
        if assignments is None or any(values.dtype != np.float64 or
                                      not values.flags.c_contiguous
                                      for values, _ in assignments):
            return None
        return step_loop.ConstantReset(self.threshold.found,
                                       [values for values, _ in assignments],
                                       [value for _, value in assignments])

    def run(self, step, t, dt):
        local = self.threshold.spikes
        if len(local) == 0:
            return
        if self.constant_assignments is not None:
            for values, value in self.constant_assignments:
                values[local] = value
            return
        G = self.group
        ns = G._namespace(G._reset_constants, local, t=t, dt=dt)
        written = G.reset.execute(ns, G._random("reset", G.local_indices[local], step))
        for name, value in written.items():
            G._local_state[name][local] = value
