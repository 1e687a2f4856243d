"""NeuronGroup: neurons defined by equations, split over the ranks.

Each rank holds the state of its contiguous block [start, stop) of the
group's N neurons; neuron i has the network-wide id ``id_offset + i``.
"""

import numpy as np

from ._ext import neuron_kernels
from .codegen.kernels import Untranslatable, address, neuron_update_kernel, threshold_kernel
from .core.base import SimulationObject
from .core.random import stream_key
from .core.variableview import VariableView
from .model.equations import EquationError, Equations
from .model.expressions import (ANY_DIMENSION, Expression, ExpressionError, RandomContext,
                                Statements)
from .model.integration import make_state_updater
from .model.namespace import bind_functions, raw_value, resolve_external
from .parallel import block_range, get_comm
from .units import (DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions,
                    second)

__all__ = ["NeuronGroup"]

# Network-wide neuron ids: each group takes the next block, in creation order
# (the same on every rank).
_next_id_offset = [0]


def reset_id_offsets():
    """Number the neurons of the groups created from now on from 0 again."""
    _next_id_offset[0] = 0

_NEURON_FLAGS = {"unless refractory", "constant", "shared", "constant over dt", "linked"}


def _dtype_for(var_type):
    return {"float": np.float64, "boolean": np.bool_, "integer": np.int64}[var_type]


def _constant_value(expr, constants):
    """The value of ``expr`` if it uses only the given constants (no
    variables, no functions, no random numbers), else None."""
    if expr.random_sites or expr.called or not expr.identifiers <= set(constants):
        return None
    return float(expr.evaluate(dict(constants)))


def _timestep(t, dt):
    # Brian2's timestep(): robust conversion of a time to a step count.
    return np.floor((np.asarray(t) + 1e-3 * dt) / dt).astype(np.int64)


class Group(SimulationObject):
    """Variable access shared by neuron groups and synapses.

    Subclasses provide ``_variable_dims`` (name -> Dimension),
    ``_local_state`` (name -> local array), ``_local_index(index)`` and
    ``_gather(array)``.
    """

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        dims = self.__dict__.get("_variable_dims")
        if dims is not None:
            if name in dims:
                return VariableView(self, name)
            if name.endswith("_") and name[:-1] in dims:
                return VariableView(self, name[:-1], raw=True)
        raise AttributeError(f"{type(self).__name__} '{self.__dict__.get('name')}' has no "
                             f"attribute or variable '{name}'")

    def __setattr__(self, name, value):
        dims = self.__dict__.get("_variable_dims")
        if dims is not None and not name.startswith("_"):
            if name in dims:
                self.set_variable(name, slice(None), value)
                return
            if name.endswith("_") and name[:-1] in dims:
                self.set_variable(name[:-1], slice(None), value, raw=True)
                return
            if self.__dict__.get("_frozen") and name not in self.__dict__ \
                    and not hasattr(type(self), name):
                raise AttributeError(f"{type(self).__name__} '{self.name}' has no variable "
                                     f"'{name}'; variables are defined in its equations")
        object.__setattr__(self, name, value)

    def _with_units(self, name, values):
        dim = self._variable_dims[name]
        return Quantity(values, dim) if dim is not DIMENSIONLESS and values.dtype.kind == "f" \
            else values

    def _check_value_units(self, name, value):
        dim = self._variable_dims[name]
        if get_dimensions(value) is not dim:
            bare = not isinstance(value, Quantity) and np.all(np.asarray(value) == 0)
            if not bare:
                raise DimensionMismatchError(
                    f"{self.name}.{name} = ...: the value has the wrong units", dim,
                    get_dimensions(value))


class NeuronPopulation(Group):
    """Neurons whose state a rank holds for its block [start, stop) of 0..N-1:
    a NeuronGroup or a contiguous Subgroup of one. Provides variable access
    (``G.v``, ``G.v[idx] = ...``, string assignments) on that block."""

    owner_kind = "NeuronGroup"
    #: Where this population's local neurons start among its NeuronGroup's.
    root_local_offset = 0

    def __len__(self):
        return self.N

    def __getitem__(self, item):
        """``G[a:b]``: a Subgroup sharing this group's state."""
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError(f"{self.name}: subgroups are contiguous slices G[a:b]")
        start, stop, _ = item.indices(self.N)
        if stop <= start:
            raise IndexError(f"{self.name}[{item.start}:{item.stop}] is empty")
        return Subgroup(self, start, stop)

    @property
    def local_indices(self):
        """Group indices i of the neurons this rank owns (int64, read-only;
        made once: the state update and threshold use it every step)."""
        cached = self.__dict__.get("_local_indices")
        if cached is None:
            cached = np.arange(self.start, self.stop, dtype=np.int64)
            cached.setflags(write=False)
            object.__setattr__(self, "_local_indices", cached)
        return cached

    def _parse(self, kind, code, what):
        if code is None:
            return None
        try:
            return kind(code)
        except ExpressionError as exc:
            raise ExpressionError(f"{self.owner_kind} '{self.name}', {what}: {exc}") from None

    # -- identifiers and units ------------------------------------------
    def _dim_of(self, run_namespace, code):
        def dim_of(name):
            if name in self._variable_dims:
                return self._variable_dims[name]
            if name in self.equations:
                return self.equations[name].dim
            if name in ("t", "dt"):
                return second.dim
            if name == "N":
                return DIMENSIONLESS
            return get_dimensions(resolve_external(name, self.namespaces(run_namespace),
                                                   f"{self.owner_kind} '{self.name}'", code))
        return dim_of

    def _constants(self, identifiers, run_namespace, code):
        known = set(self._variable_dims) | set(self.equations.equations) | {"t", "dt", "N", "i"}
        return {name: raw_value(resolve_external(name, self.namespaces(run_namespace),
                                                 f"{self.owner_kind} '{self.name}'", code))
                for name in identifiers if name not in known and not name.startswith("xi")}

    def _namespace(self, constants, index=slice(None), t=0.0, dt=0.0):
        ns = dict(constants)
        for name, values in self._local_state.items():
            ns[name] = values[index]
        ns["i"] = self.local_indices[index]
        ns["N"] = self.N
        ns["t"] = t
        ns["dt"] = dt
        for eq in self._subexpressions():
            if eq.name not in self._stochastic_subexpressions:
                ns[eq.name] = eq.expr.evaluate(ns)
        return ns

    def _subexpressions(self):
        """The equations' subexpressions in evaluation order (sorted once)."""
        ordered = self.__dict__.get("_ordered_subexpressions")
        if ordered is None:
            ordered = self.equations.ordered_subexpressions()
            object.__setattr__(self, "_ordered_subexpressions", ordered)
        return ordered

    @property
    def _stochastic_subexpressions(self):
        """Subexpressions that use noise (``xi``), directly or through others:
        only the integrator evaluates them, with the noise it draws."""
        found = self.__dict__.get("_stochastic")
        if found is None:
            found = set()
            for eq in self._subexpressions():
                if any(n == "xi" or n.startswith("xi_") or n in found
                       for n in eq.expr.identifiers):
                    found.add(eq.name)
            object.__setattr__(self, "_stochastic", found)
        return found

    def _random(self, purpose, element_ids, draw=0):
        base = (self.name, purpose)
        return RandomContext(lambda site: stream_key(*base, site), element_ids, draw)

    # -- reading and writing variables ------------------------------------
    def _local_positions(self, index):
        """Local positions of the global ``index`` (int, slice, array, bool mask)."""
        if isinstance(index, slice):
            global_ids = np.arange(self.N, dtype=np.int64)[index]
        else:
            index = np.asarray(index)
            if index.dtype == bool:
                if index.shape != (self.N,):
                    raise IndexError(f"{self.name}: boolean index of length {len(index)} "
                                     f"for {self.N} neurons")
                global_ids = np.flatnonzero(index)
            else:
                global_ids = index.astype(np.int64).reshape(-1)
                global_ids = np.where(global_ids < 0, global_ids + self.N, global_ids)
                if np.any((global_ids < 0) | (global_ids >= self.N)):
                    raise IndexError(f"{self.name}: index out of range for {self.N} neurons")
        mine = (global_ids >= self.start) & (global_ids < self.stop)
        return global_ids, mine, global_ids[mine] - self.start

    def _is_shared(self, name):
        return name in self.equations and "shared" in self.equations[name].flags

    def _is_linked(self, name):
        return name in self.equations and "linked" in self.equations[name].flags

    def _link(self, name, index, value):
        """``G.v = linked_var(H, 'v')``: ``G.v`` reads ``H.v`` (Brian2's
        linked variables). Both groups have the same size, so each rank owns
        the same neurons of both: ``G`` uses ``H``'s array itself, and reads
        it live, as Brian2 does."""
        owner = f"{self.owner_kind} '{self.name}'"
        if not isinstance(value, LinkedVariable):
            raise TypeError(f"{owner}: '{name}' is a linked variable; assign "
                            f"linked_var(group, 'variable') to it, not {type(value).__name__}")
        if not isinstance(self, NeuronGroup) or not (isinstance(index, slice) and
                                                     index == slice(None)):
            raise IndexError(f"{owner}: link '{name}' of the whole group "
                             f"({self.name}.{name} = linked_var(...))")
        source = value.group
        if value.index is not None or not isinstance(source, NeuronGroup) or \
                source.N != self.N:
            raise NotImplementedError(
                f"{owner}: '{name}' can be linked to a variable of a whole NeuronGroup of the "
                f"same size ({self.N}) only; an index= or a subgroup is not supported yet")
        if value.name not in source._local_state or source._is_shared(value.name):
            raise KeyError(f"{owner}: '{source.name}' has no per-neuron variable "
                           f"'{value.name}' to link '{name}' to")
        if source._variable_dims[value.name] is not self._variable_dims[name]:
            raise DimensionMismatchError(f"{owner}: '{name}' and {source.name}.{value.name} "
                                         "have different units", self._variable_dims[name],
                                         source._variable_dims[value.name])
        self._local_state[name] = source._local_state[value.name]
        self._links[name] = (source, value.name)

    def get_variable(self, name, index=slice(None)):
        if self._is_shared(name):
            # One value for the whole group (stored alongside each neuron).
            values = np.concatenate(get_comm().allgather(self._local_state[name][:1]))
            return self._with_units(name, values[:1])[0] if len(values) else None
        if name == "i":
            values = np.arange(self.N, dtype=np.int64)
            return values[index]
        comm = get_comm()
        parts = comm.allgather(self._local_state[name])
        values = np.concatenate(parts)
        if isinstance(index, str):
            index = self._condition_mask(index)
        return self._with_units(name, values[index])

    def _condition_mask(self, condition, run_namespace=None):
        expr = self._parse(Expression, condition, "index")
        ns = self._namespace(self._constants(expr.identifiers, run_namespace or {}, condition))
        local = np.broadcast_to(np.asarray(expr.evaluate(ns), dtype=bool), (self.n_local,))
        return np.concatenate(get_comm().allgather(np.ascontiguousarray(local)))

    def set_variable(self, name, index, value, raw=False, level=0):
        if name not in self._local_state or name == "i":
            raise AttributeError(f"{self.name}: '{name}' cannot be set")
        if self._is_linked(name) or isinstance(value, LinkedVariable):
            if not self._is_linked(name):
                raise TypeError(f"{self.name}: '{name}' is not declared '(linked)'")
            if name in getattr(self, "_links", {}):
                raise TypeError(f"{self.name}.{name} is linked to "
                                f"{self._links[name][0].name}.{self._links[name][1]}; "
                                "set that variable instead")
            self._link(name, index, value)
            return
        target = self._local_state[name]
        if self._is_shared(name):
            if not (isinstance(index, slice) and index == slice(None)):
                raise IndexError(f"{self.name}.{name} is shared: it has one value, no index")
            if not isinstance(value, str) and np.ndim(value) != 0:
                raise ValueError(f"{self.name}.{name} is shared: assign one value")
        if isinstance(index, str):
            index = self._condition_mask(index)
        global_ids, mine, local = self._local_positions(index)
        if isinstance(value, str):
            count = self._assignment_counts.get(name, 0)
            self._assignment_counts[name] = count + 1
            expr = self._parse(Expression, value, f"assignment to {name}")
            from .model.namespace import caller_namespace
            run_namespace = caller_namespace()
            dim = expr.dimension(self._dim_of(run_namespace, value))
            if not raw and dim is not ANY_DIMENSION and dim is not self._variable_dims[name]:
                raise DimensionMismatchError(
                    f"{self.name}.{name} = '{value}': the expression has the wrong units",
                    self._variable_dims[name], dim)
            ns = self._namespace(self._constants(expr.identifiers, run_namespace, value), local)
            rng = self._random(("assign", name, count), global_ids[mine])
            result = expr.evaluate(ns, rng)
            target[local] = np.broadcast_to(result, local.shape)
            return
        if not raw:
            self._check_value_units(name, value)
        raw_values = np.asarray(value.view(np.ndarray) if isinstance(value, Quantity) else value)
        if raw_values.ndim == 0:
            target[local] = raw_values
        else:
            if raw_values.shape != global_ids.shape:
                raise ValueError(f"{self.name}.{name}: {raw_values.size} values for "
                                 f"{global_ids.size} elements")
            target[local] = raw_values[mine]



class NeuronGroup(NeuronPopulation):
    """A group of N neurons (Brian2's ``NeuronGroup``).

    Parameters
    ----------
    N : int
        Number of neurons (any size: ids are int64).
    model : str or Equations
        The equations.
    method : str, optional
        Integration method ('exact', 'euler', 'rk2', 'rk4'); chosen
        automatically if omitted.
    threshold : str, optional
        Spiking condition, e.g. ``'v > Vt'``.
    reset : str, optional
        Statements run for neurons that spiked, e.g. ``'v = Vr'``.
    refractory : Quantity or str, optional
        Refractory period (a time, or a string expression giving a time).
        Variables flagged ``(unless refractory)`` are held meanwhile.
    namespace : dict, optional
        Constants for the model (else the script's namespace at run time).
    name : str, optional
    """

    when = "groups"

    def __init__(self, N, model, method=None, threshold=None, reset=None, refractory=False,
                 namespace=None, dtype=None, name="neurongroup*", events=None):
        super().__init__(name, namespace)
        if events:
            raise NotImplementedError(f"{self.owner_kind} '{self.name}': custom events "
                                      "(events=...) are not supported yet; see "
                                      "docs/porting.md")
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer)) or N < 1:
            raise ValueError(f"{self.owner_kind} '{self.name}': N must be a positive integer, got {N!r}")
        self.N = int(N)
        try:
            self.equations = model if isinstance(model, Equations) else Equations(model)
        except EquationError as exc:
            raise EquationError(f"{self.owner_kind} '{self.name}': {exc}") from None
        for eq in self.equations:
            bad = set(eq.flags) - _NEURON_FLAGS
            if bad:
                raise EquationError(f"{self.owner_kind} '{self.name}': flag(s) {sorted(bad)} are not "
                                    f"allowed in a NeuronGroup ('{eq.line}')")
        self.method = method
        self.threshold = self._parse(Expression, threshold, "threshold")
        self.reset = self._parse(Statements, reset, "reset")
        self.refractory = refractory
        if isinstance(refractory, str):
            self._refractory_expr = self._parse(Expression, refractory, "refractory")
        elif refractory is False or refractory is None:
            self._refractory_expr = None
        else:
            if get_dimensions(refractory) is not second.dim:
                raise DimensionMismatchError(
                    f"{self.owner_kind} '{self.name}': refractory must be a time", second.dim,
                    get_dimensions(refractory))
            self._refractory_expr = None
        self.id_offset = _next_id_offset[0]
        _next_id_offset[0] += self.N
        comm = get_comm()
        self.start, self.stop = block_range(self.N, comm.Get_rank(), comm.Get_size())
        self.n_local = self.stop - self.start
        self._variable_dims = {}
        self._local_state = {}
        for eq in self.equations:
            if eq.kind != "subexpression":
                self._variable_dims[eq.name] = eq.dim
                self._local_state[eq.name] = np.zeros(self.n_local, dtype=_dtype_for(eq.var_type))
        self._variable_dims["lastspike"] = second.dim
        self._local_state["lastspike"] = np.full(self.n_local, -1e4)
        self._variable_dims["not_refractory"] = DIMENSIONLESS
        self._local_state["not_refractory"] = np.ones(self.n_local, dtype=bool)
        self._variable_dims["i"] = DIMENSIONLESS
        self._assignment_counts = {}
        self.state_updater = None
        self.regular_operations = []
        self._links = {}  # linked variable -> (source group, its variable)
        self._frozen = True

    # -- simulation ------------------------------------------------------
    def before_run(self, run_namespace, clock):
        owner = f"{self.owner_kind} '{self.name}'"
        for eq in self.equations:
            if "linked" in eq.flags and eq.name not in self._links:
                raise ValueError(f"{owner}: the linked variable '{eq.name}' was never linked; "
                                 f"write {self.name}.{eq.name} = linked_var(group, 'variable')")
        for operation in self.regular_operations:
            operation.before_run(run_namespace, clock)
        written = set(self.reset.written if self.reset is not None else ()) | \
            {name for op in self.regular_operations for name in op.statements.written} | \
            set(getattr(self, "_changed_during_run", ()))
        if written & set(self._links):
            raise ValueError(f"{owner}: linked variable(s) {sorted(written & set(self._links))} "
                             "cannot be written (by a reset, run_regularly or synapses); write "
                             "the variable they are linked to")
        bind_functions(self._expressions(), self.namespaces(run_namespace), owner)
        self.equations.check_units(self._dim_of(run_namespace, str(self.equations)))
        ids = set(self.equations.identifiers)
        constants = self._constants(ids, run_namespace, str(self.equations))
        self.state_updater = make_state_updater(self.equations, self.method, constants, owner)
        self._update_parameters = None
        if self.state_updater is not None:
            known = dict(constants, i=self.local_indices.astype(np.float64), N=self.N)
            params = {p: (self._local_state[p] if p in self._local_state else known[p])
                      for p in self.state_updater.parameters}
            self.state_updater.prepare(params, clock.dt_, self.n_local)
            # Parameters that synapses, inputs or the reset change during the
            # run: the update is prepared again from them at every step.
            changing = set(getattr(self, "_changed_during_run", ())) | \
                set(self.reset.written if self.reset is not None else ()) | \
                {name for op in self.regular_operations for name in op.statements.written} | \
                set(self._links)  # their source may change at any time
            if changing & set(self.state_updater.parameters):
                self._update_parameters = params
        self._update_constants = constants
        self._threshold_constants = {}
        if self.threshold is not None:
            dim = self.threshold.dimension(self._dim_of(run_namespace, self.threshold.code))
            if dim not in (DIMENSIONLESS, ANY_DIMENSION):
                raise DimensionMismatchError(
                    f"{owner}: the threshold '{self.threshold.code}' must be a condition", dim)
            self._threshold_constants = self._constants(self.threshold.identifiers,
                                                        run_namespace, self.threshold.code)
        self._reset_constants = {}
        if self.reset is not None:
            for target in self.reset.written:
                if self._is_shared(target):
                    raise EquationError(f"{owner}: the reset '{self.reset.code}' assigns to the "
                                        f"shared variable '{target}'")
                if target not in self._local_state:
                    raise EquationError(f"{owner}: the reset '{self.reset.code}' assigns to "
                                        f"'{target}', which is not a variable of the group")
            self.reset.check_units(self._dim_of(run_namespace, self.reset.code))
            self._reset_constants = self._constants(self.reset.identifiers, run_namespace,
                                                    self.reset.code)
        self._refractory_steps = None
        self._refractory_condition = None
        if self._refractory_expr is not None:
            code = self._refractory_expr.code
            dim = self._refractory_expr.dimension(self._dim_of(run_namespace, code))
            constants = self._constants(self._refractory_expr.identifiers, run_namespace, code)
            if dim in (DIMENSIONLESS, ANY_DIMENSION):
                # A condition: after a spike, refractory until it no longer holds.
                self._refractory_condition = (self._refractory_expr, constants)
            elif dim is second.dim:
                value = self._refractory_expr.evaluate(self._namespace(constants),
                                                       self._random("refractory",
                                                                    self.local_indices))
                self._refractory_steps = _timestep(np.broadcast_to(value, (self.n_local,)),
                                                   clock.dt_)
            else:
                raise DimensionMismatchError(f"{owner}: refractory '{code}' must be a time or "
                                             "a condition", dim)
        elif self.refractory is not False and self.refractory is not None:
            self._refractory_steps = _timestep(float(self.refractory / second), clock.dt_)
        if self._refractory_steps is not None:  # one per neuron, or one for all
            self._refractory_steps = np.ascontiguousarray(
                np.atleast_1d(self._refractory_steps), dtype=np.int64)
        self._refractoriness = self._refractory_steps is not None or \
            self._refractory_condition is not None
        self._compiled_step = self._compiled_step_for()
        self._update_kernel = self._update_kernel_for(self._update_constants)
        self._threshold_kernel = self._threshold_kernel_for() \
            if self._compiled_step is None else None
        self._spike_buffer = np.empty(self.n_local, dtype=np.int64)
        self._constant_reset = self._constant_reset_for()

    def run_regularly(self, code, dt=None, when="start", order=0, name=None):
        """Run statements on the group's neurons every ``dt`` (Brian2's
        ``run_regularly``), e.g. ``G.run_regularly('v = v_r + rand()*mV', dt=1*ms)``.

        Parameters
        ----------
        code : str
            Statements assigning to the group's variables.
        dt : Quantity, optional
            A multiple of the clock's dt (default: every step).
        when : {'start', 'end'}
            Before the state update (Brian2's default) or after the resets.
        order : int
            Order among operations of the same ``when`` (then by name).
        name : str, optional
            Default ``<group>_run_regularly``, numbered from the second one.

        Returns
        -------
        RegularOperation
        """
        if when not in RegularOperation.SLOTS:
            raise NotImplementedError(f"{self.owner_kind} '{self.name}': run_regularly(when="
                                      f"{when!r}) is not supported; use one of "
                                      f"{RegularOperation.SLOTS}")
        if name is None:
            name = f"{self.name}_run_regularly"
            if self.regular_operations:
                name += f"_{len(self.regular_operations)}"
        operation = RegularOperation(self, self._parse(Statements, code, "run_regularly"), dt,
                                     when, order, name)
        self.regular_operations.append(operation)
        return operation

    def _update_kernel_for(self, constants):
        """The generated loop of a numerical (non-exact) update and its
        arguments, or None: exact updates have their own compiled pass, and
        noise, rand() or non-float variables keep the numpy updaters."""
        updater = self.state_updater
        if updater is None or updater.name == "exact":
            return None
        try:
            kernel = neuron_update_kernel(updater, self._subexpressions(), constants,
                                          {n: a.dtype for n, a in self._local_state.items()})
        except Untranslatable:
            return None
        # The state arrays stay in place during the run: addresses once;
        # noise draws are made anew at every step.
        arrays = [key if isinstance(key, tuple) else address(self._local_state[key])
                  for key in kernel.arrays]
        scalars = tuple(float(constants[name]) for name in kernel.scalars)
        flags = address(self._local_state["not_refractory"].view(np.uint8), np.uint8)
        return kernel.run, arrays, scalars, flags

    def _threshold_kernel_for(self):
        """The generated loop of the threshold (codegen/kernels.py) and its
        arguments, or None where the numpy path must evaluate it."""
        if self.threshold is None:
            return None
        needed = set(self.threshold.identifiers)
        for eq in reversed(self._subexpressions()):
            if eq.name in needed:
                needed |= eq.expr.identifiers
        subexpressions = [eq for eq in self._subexpressions() if eq.name in needed]
        try:
            kernel = threshold_kernel(self.threshold, subexpressions, self._threshold_constants,
                                      {n: a.dtype for n, a in self._local_state.items()},
                                      self._refractoriness)
        except Untranslatable:
            return None
        arrays = [key if isinstance(key, tuple) else address(self._local_state[key])
                  for key in kernel.arrays]
        scalars = tuple(float(self._threshold_constants[name]) for name in kernel.scalars)
        return kernel.run, arrays, scalars

    def _constant_reset_for(self):
        """For a reset that only assigns constants (``v = v_r``): the arrays
        and values to assign, so that no expression is evaluated per step."""
        if self.reset is None:
            return None
        assignments = []
        for target, op, expr in self.reset.statements:
            value = _constant_value(expr, self._reset_constants)
            if op is not None or value is None:
                return None
            assignments.append((self._local_state[target], value))
        return assignments

    def _expressions(self):
        """Every expression of the group's code (to bind user functions)."""
        found = [eq.expr for eq in self.equations if eq.expr is not None]
        found += [e for e in (self.threshold, self._refractory_expr) if e is not None]
        if self.reset is not None:
            found += self.reset.expressions
        for operation in self.regular_operations:
            found += operation.statements.expressions
        return found

    def _compiled_step_for(self):
        """The arguments of one compiled pass for refractoriness, the exact
        update and the threshold (ext/neuron_kernels.exact_step), when the
        group's model allows it: exact integration with coefficients shared by
        all neurons, refractoriness as a time (or none) and a threshold
        ``variable > constant`` (or >=, <, <=). None otherwise: the general
        path evaluates the expressions."""
        import ast
        updater = self.state_updater
        arguments = updater.compiled_arguments(self._local_state) \
            if getattr(updater, "name", None) == "exact" and self._update_parameters is None \
            else None
        if arguments is None or self._refractory_condition is not None or \
                self.threshold is None or self.threshold.random_sites:
            return None
        body = self.threshold.tree.body
        if not (isinstance(body, ast.Compare) and len(body.ops) == 1 and
                type(body.ops[0]).__name__ in neuron_kernels.THRESHOLD_OPS and
                isinstance(body.left, ast.Name)):
            return None
        variable = self._local_state.get(body.left.id)
        level = _constant_value(Expression(ast.unparse(body.comparators[0])),
                                self._threshold_constants)
        if variable is None or variable.dtype != np.float64 or self._is_shared(body.left.id) \
                or level is None:
            return None
        state = self._local_state
        steps = self._refractory_steps if self._refractory_steps is not None else \
            np.empty(0, dtype=np.int64)
        return arguments + (state["not_refractory"].view(np.uint8), state["lastspike"],
                            steps, variable, neuron_kernels.THRESHOLD_OPS[
                                type(body.ops[0]).__name__], level)

    def update_state(self, step, t, dt):
        state = self._local_state
        if self._compiled_step is not None:
            (matrix, held, variables, offsets, held_offsets, not_refractory, lastspike, steps,
             variable, op, level) = self._compiled_step
            n = neuron_kernels.exact_step(matrix, held, variables, offsets, held_offsets,
                                          not_refractory, lastspike, t, dt, steps, variable, op,
                                          level, self._spike_buffer)
            self._compiled_spikes = self._spike_buffer[:n].copy()
            return
        if self._refractory_condition is not None:
            # A spike makes a neuron refractory; the condition only lets it
            # leave (Brian2: not_refractory = not_refractory or not cond).
            condition, constants = self._refractory_condition
            state["not_refractory"] |= ~np.broadcast_to(np.asarray(condition.evaluate(
                self._namespace(constants, t=t, dt=dt)), dtype=bool), (self.n_local,))
        elif self._refractory_steps is not None:
            neuron_kernels.refractory_flags(state["lastspike"], t, dt, self._refractory_steps,
                                            state["not_refractory"].view(np.uint8))
        if self._update_kernel is not None:
            run, arrays, scalars, flags = self._update_kernel
            rng = self._random("noise", self.local_indices, step)
            # the numpy updater's draws: randn() of noise j, times sqrt(dt)
            draws = {key: rng.randn(key[1]) * np.sqrt(dt) for key in arrays
                     if isinstance(key, tuple)}
            run(self.n_local, self.start, flags, t, dt,
                tuple(address(draws[a]) if isinstance(a, tuple) else a for a in arrays),
                scalars)
        elif self.state_updater is not None:
            if self._update_parameters is not None:
                self.state_updater.prepare(self._update_parameters, dt, self.n_local)
            # The exact updater needs only the state; the others evaluate the
            # right-hand sides, whose namespace holds views that write through.
            namespace = state if self.state_updater.name == "exact" else \
                self._namespace(self._update_constants, t=t, dt=dt)
            self.state_updater.update(
                namespace, state["not_refractory"] if self._refractoriness else None,
                t, dt, self._random("noise", self.local_indices, step))

    def spikes(self, step, t, dt):
        """Local indices (int64) of the neurons that cross threshold now."""
        if self._compiled_step is not None:
            return self._compiled_spikes  # found by update_state's compiled pass
        if self.threshold is None:
            return np.empty(0, dtype=np.int64)
        if self._threshold_kernel is not None:
            run, arrays, scalars = self._threshold_kernel
            draws = {}
            if any(isinstance(a, tuple) for a in arrays):
                rng = self._random("threshold", self.local_indices, step)
                draws = {a: getattr(rng, a[1])(a[2]) for a in arrays if isinstance(a, tuple)}
            flags = self._local_state["not_refractory"].view(np.uint8)
            n = run(self.n_local, self.start, address(flags, np.uint8), t, dt,
                    address(self._spike_buffer, np.int64),
                    tuple(address(draws[a]) if isinstance(a, tuple) else a for a in arrays),
                    scalars)
            return self._spike_buffer[:n].copy()
        ns = self._namespace(self._threshold_constants, t=t, dt=dt)
        crossed = np.broadcast_to(np.asarray(
            self.threshold.evaluate(ns, self._random("threshold", self.local_indices, step)),
            dtype=bool), (self.n_local,))
        if self._refractoriness:
            crossed = crossed & self._local_state["not_refractory"]
        local = np.flatnonzero(crossed).astype(np.int64)
        if len(local):
            self._local_state["lastspike"][local] = t
            if self._refractoriness:
                self._local_state["not_refractory"][local] = False
        return local

    def apply_reset(self, local, step, t, dt):
        if self.reset is None or len(local) == 0:
            return
        if self._constant_reset is not None:
            for values, value in self._constant_reset:
                values[local] = value
            return
        ns = self._namespace(self._reset_constants, local, t=t, dt=dt)
        written = self.reset.execute(ns, self._random("reset", local + self.start, step))
        for name, value in written.items():
            self._local_state[name][local] = value



class LinkedVariable:
    """What ``linked_var`` returns: a variable to link to."""

    def __init__(self, group, name, index):
        self.group, self.name, self.index = group, name, index


def linked_var(group_or_variable, name=None, index=None):
    """Link a ``(linked)`` variable to another group's variable (Brian2's
    ``linked_var``): ``G.v = linked_var(H, 'v')`` or ``linked_var(H.v)``."""
    if isinstance(group_or_variable, VariableView):
        if name is not None:
            raise TypeError("linked_var(G.v) takes no variable name")
        return LinkedVariable(group_or_variable.owner, group_or_variable.name, index)
    if not isinstance(group_or_variable, NeuronPopulation) or not isinstance(name, str):
        raise TypeError("linked_var takes a group and a variable name, or G.v")
    return LinkedVariable(group_or_variable, name, index)


class RegularOperation:
    """Statements a NeuronGroup runs every ``dt`` (from ``G.run_regularly``).

    Runs on each rank for its own neurons; ``rand()`` is keyed by (group,
    operation, step) and the neuron's global index, so the values do not
    depend on the number of ranks.
    """

    SLOTS = ("start", "end")

    def __init__(self, group, statements, dt, when, order, name):
        self.group = group
        self.statements = statements
        self.dt = dt
        self.when = when
        self.order = order
        self.name = name

    def before_run(self, run_namespace, clock):
        group = self.group
        owner = f"{group.owner_kind} '{group.name}', run_regularly '{self.statements.code}'"
        for target in self.statements.written:
            if target not in group._local_state or target in ("lastspike", "i") or \
                    group._is_shared(target):
                raise EquationError(f"{owner}: '{target}' is not a variable the statements "
                                    "can assign")
        try:
            self.statements.check_units(group._dim_of(run_namespace, self.statements.code))
        except DimensionMismatchError as exc:
            raise DimensionMismatchError(f"{owner}: {exc.description}", *exc.dims) from None
        self.constants = group._constants(self.statements.identifiers, run_namespace,
                                          self.statements.code)
        self.every = 1
        if self.dt is not None:
            if get_dimensions(self.dt) is not second.dim:
                raise DimensionMismatchError(f"{owner}: dt must be a time", second.dim,
                                             get_dimensions(self.dt))
            ratio = float(self.dt / second) / clock.dt_
            self.every = int(round(ratio))
            if self.every < 1 or abs(ratio - self.every) > 1e-9 * ratio:
                raise ValueError(f"{owner}: dt = {float(self.dt / second) * 1e3:g} ms is not a "
                                 f"multiple of the clock's dt ({clock.dt_ * 1e3:g} ms)")

    def run(self, step, t, dt):
        """Run the statements if ``step`` is one of the operation's ticks."""
        if step % self.every:
            return
        group = self.group
        ns = group._namespace(self.constants, t=t, dt=dt)
        written = self.statements.execute(ns, group._random(("run_regularly", self.name),
                                                            group.local_indices, step))
        for name, value in written.items():
            group._local_state[name][...] = np.broadcast_to(value, (group.n_local,))


class Subgroup(NeuronPopulation):
    """Neurons ``parent[sub_start:sub_stop]`` (Brian2's ``Subgroup``).

    Shares the parent's state (its arrays are views), so it is never simulated
    by itself; it serves as a source or target of synapses, for monitors and
    for setting variables. Index ``i`` counts from the subgroup's start.
    """

    owner_kind = "Subgroup"

    def __init__(self, parent, sub_start, sub_stop):
        root = parent.parent if isinstance(parent, Subgroup) else parent
        offset = parent.sub_start if isinstance(parent, Subgroup) else 0
        set_attr = object.__setattr__
        set_attr(self, "parent", root)
        set_attr(self, "sub_start", offset + sub_start)
        set_attr(self, "sub_stop", offset + sub_stop)
        set_attr(self, "name", f"{root.name}_subgroup_{self.sub_start}_{self.sub_stop}")
        set_attr(self, "namespace", root.namespace)
        set_attr(self, "_creation_namespace", root._creation_namespace)
        set_attr(self, "N", self.sub_stop - self.sub_start)
        set_attr(self, "equations", root.equations)
        set_attr(self, "id_offset", root.id_offset + self.sub_start)
        # This rank's part: the overlap of the parent's block with the subgroup.
        lo = min(max(root.start, self.sub_start), self.sub_stop)
        hi = max(min(root.stop, self.sub_stop), lo)
        set_attr(self, "start", lo - self.sub_start)
        set_attr(self, "stop", hi - self.sub_start)
        set_attr(self, "n_local", hi - lo)
        local = slice(lo - root.start, hi - root.start) if hi > lo else slice(0, 0)
        set_attr(self, "root_local_offset", local.start)
        set_attr(self, "_local_state", {name: values[local]
                                        for name, values in root._local_state.items()})
        set_attr(self, "_assignment_counts", {})
        set_attr(self, "_variable_dims", dict(root._variable_dims))
        set_attr(self, "_frozen", True)

    def _random(self, purpose, element_ids, draw=0):
        # Keyed like the parent's neurons, so a neuron's numbers do not depend
        # on whether the script addressed it through a subgroup.
        return self.parent._random(("subgroup",) + (purpose if isinstance(purpose, tuple)
                                                     else (purpose,)),
                                   np.asarray(element_ids) + self.sub_start, draw)

    def __repr__(self):
        return f"<Subgroup {self.parent.name}[{self.sub_start}:{self.sub_stop}]>"
