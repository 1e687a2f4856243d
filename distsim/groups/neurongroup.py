"""NeuronGroup: neurons defined by equations, split over the ranks.

Each rank holds the state of its share of the group's N neurons (`share`:
dealt out round-robin or a block, parallel/partition.py); neuron i has the network-wide id ``id_offset + i``. The
group declares its variables in its table, checks its model at the start
of each run (`before_run`) and hands the network its code objects (state
update, threshold, reset, run_regularly operations).
"""
import numpy as np

from ..core import registry
from ..core.variables import Variables, dtype_for
from ..io.checkpoint_file import Block, Replicated
from ..parallel.partition import PARTITIONS
from ..model.equations import EquationError, Equations
from ..model.expressions import ANY_DIMENSION, Expression, Statements
from ..model.integration import make_state_updater
from ..model.namespace import bind_functions
from ..parallel import get_comm
from ..units import DIMENSIONLESS, DimensionMismatchError, get_dimensions, second
from .events import EventDetector, EventOperation
from .neuron_code import NeuronReset, NeuronStateUpdate, NeuronThreshold
from .population import NeuronPopulation
from .resolver import Resolver

__all__ = ["NeuronGroup"]

# Network-wide neuron ids: each group takes the next block, in creation order
# (the same on every rank).
_next_id_offset = [0]


def reset_id_offsets():
    """Number the neurons of the groups created from now on from 0 again."""
    _next_id_offset[0] = 0


registry.on_start_scope(reset_id_offsets)

def _own_dt(owner, dt):
    """A group's own ``dt`` (Brian2's ``dt=``/``clock=``) in seconds, or None
    (the default clock). Groups of a run may have different dts when each is
    a whole multiple of the smallest (network/clocks.py)."""
    if dt is None:
        return None
    if get_dimensions(dt) is not second.dim:
        raise DimensionMismatchError(f"{owner}: dt must be a time", second.dim,
                                     get_dimensions(dt))
    if not float(dt / second) > 0:
        raise ValueError(f"{owner}: dt must be positive, got {dt}")
    return float(dt / second)


_NEURON_FLAGS = {"unless refractory", "constant", "shared", "constant over dt", "linked"}


def _timestep(t, dt):
    # Brian2's timestep(): robust conversion of a time to a step count.
    return np.floor((np.asarray(t) + 1e-3 * dt) / dt).astype(np.int64)


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
    order : int, optional
        Order of its code among objects of the same slot (Brian2's).
    name : str, optional
    partition : {'blocks', 'dealt'}, optional
        A distsim extension: how the neurons are spread over the ranks
        (parallel/partition.py; default ``DISTSIM_PARTITION``, else
        'blocks'). Results do not depend on it.
    """

    when = "groups"
    #: Steps of the run between two steps of this group's clock (set by the
    #: network at each run: network/clocks.py; 1 unless on a slower clock).
    clock_period = 1

    def __init__(self, N, model, method=None, threshold=None, reset=None, refractory=False,
                 namespace=None, dtype=None, name="neurongroup*", events=None, order=0,
                 dt=None, clock=None, codeobj_class=None, partition=None):
        super().__init__(name, namespace)
        if partition is not None and partition not in PARTITIONS:
            raise ValueError(f"NeuronGroup '{self.name}': partition={partition!r}; use one of "
                             f"{', '.join(PARTITIONS)}")
        self.partition = partition
        self.own_dt = _own_dt(self.owner, dt if clock is None else clock.dt)
        # A float with an integer value (N = 10000.0, from arithmetic) is an
        # integer, as Brian2 takes it; 10.5 neurons are an error.
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer, float,
                                                                  np.floating)) \
                or not float(N).is_integer() or N < 1:
            raise ValueError(f"{self.owner}: N must be a positive integer, got {N!r}")
        self.N = int(N)
        self.order = order
        try:
            self.equations = model if isinstance(model, Equations) else Equations(model)
        except EquationError as exc:
            raise EquationError(f"{self.owner}: {exc}") from None
        for eq in self.equations:
            bad = set(eq.flags) - _NEURON_FLAGS
            if bad:
                raise EquationError(f"{self.owner}: flag(s) {sorted(bad)} are not allowed in "
                                    f"a NeuronGroup ('{eq.line}')")
        self.method = method
        self.threshold = self._parse(Expression, threshold, "threshold")
        if events is not None and not isinstance(events, dict):
            raise TypeError(f"{self.owner}: events must be a dict of conditions by name")
        if "spike" in (events or {}):
            raise ValueError(f"{self.owner}: the event 'spike' is the threshold's; give "
                             "threshold= instead")
        #: Custom events: name -> condition (Brian2's ``events``).
        self.events = {name: self._parse(Expression, condition, f"event '{name}'")
                       for name, condition in (events or {}).items()}
        self.event_operations = []  # from run_on_event
        self.event_detectors = {}   # made by before_run
        self.reset = self._parse(Statements, reset, "reset")
        self.refractory = refractory
        self._refractory_expr = None
        if isinstance(refractory, str):
            self._refractory_expr = self._parse(Expression, refractory, "refractory")
        elif refractory is not False and refractory is not None and \
                get_dimensions(refractory) is not second.dim:
            raise DimensionMismatchError(f"{self.owner}: refractory must be a time",
                                         second.dim, get_dimensions(refractory))
        self.id_offset = _next_id_offset[0]
        _next_id_offset[0] += self.N
        comm = get_comm()
        self.share = self.share_for(comm.Get_rank(), comm.Get_size())
        self.n_local = self.share.n
        self.variables = self._declare_variables()
        # Brian2's conditional writes: with refractoriness, code other than
        # the state update and the reset (synapses, inputs, run_regularly)
        # leaves '(unless refractory)' variables alone while refractory.
        self.held_while_refractory = frozenset(
            eq.name for eq in self.equations
            if eq.kind == "differential equation" and "unless refractory" in eq.flags) \
            if refractory is not False and refractory is not None else frozenset()
        self.resolver = Resolver(self.owner, self.variables,
                                 self.equations.ordered_subexpressions(), {"N": self.N},
                                 self.namespaces, "neuron")
        self._assignment_counts = {}
        self.state_updater = None
        self.regular_operations = []
        self._links = {}  # linked variable -> (source group, its variable)
        self._remote_links = {}  # those read from other ranks: name -> RemoteLink
        self.changed_during_run = set()
        self._code_objects = []
        self.state_update_code = self.threshold_code = None  # prepared by before_run
        self._frozen = True

    def _declare_variables(self):
        """The group's variable table: the model's variables (this rank's
        block), its subexpressions, ``lastspike``, ``not_refractory`` and the
        index ``i``."""
        table = Variables(self.name)
        for eq in self.equations:
            if eq.kind == "subexpression":  # computed when read (G.I, StateMonitor)
                table.add_derived(eq.name, eq.dim, dtype_for(eq.var_type),
                                  flags=tuple(eq.flags) + ("subexpression",))
            else:
                table.add_array(eq.name, eq.dim,
                                np.zeros(self.n_local, dtype=dtype_for(eq.var_type)),
                                shared="shared" in eq.flags, flags=eq.flags)
        table.add_array("lastspike", second.dim, np.full(self.n_local, -1e4), read_only=True)
        table.add_array("not_refractory", DIMENSIONLESS, np.ones(self.n_local, dtype=bool),
                        read_only=True)
        table.add_derived("i", DIMENSIONLESS)
        return table

    # -- preparing a run --------------------------------------------------------
    def before_run(self, run_namespace, clock):
        """Check the model and prepare its code for a run (all ranks)."""
        for operation in self.regular_operations:
            operation.before_run(run_namespace, clock)
        self._check_links()
        bind_functions(self._expressions(), self.namespaces(run_namespace), self.owner)
        self._prepare_update(run_namespace, clock)
        self._prepare_threshold(run_namespace)
        self._prepare_reset(run_namespace)
        self._prepare_refractoriness(run_namespace, clock)
        state_update = NeuronStateUpdate(self)
        threshold = self._threshold_code(state_update)
        self.event_detectors = {
            name: EventDetector(self, name, condition, self.resolver.constants(
                condition.identifiers, run_namespace, condition.code))
            for name, condition in self.events.items()}
        for operation in self.event_operations:
            operation.before_run(run_namespace)
        self._code_objects = [state_update, threshold] + \
            ([NeuronReset(self, threshold)] if self.reset is not None else []) + \
            list(self.regular_operations) + list(self.event_detectors.values()) + \
            list(self.event_operations)
        self.state_update_code, self.threshold_code = state_update, threshold

    def write_mask(self, name):
        """Which local neurons code other than the update and the reset may
        write ``name`` to now (their ``not_refractory``), or None: all."""
        return self._local_state["not_refractory"] if name in self.held_while_refractory \
            else None

    def _threshold_code(self, state_update):
        return NeuronThreshold(self, state_update)

    def code_objects(self):
        """What the group runs at each step (prepared by `before_run`)."""
        return self._code_objects

    @property
    def spikes_now(self):
        """Local indices of this rank's neurons that spiked in the current step."""
        return self.threshold_code.spikes

    def events_now(self, event):
        """Local indices of this rank's neurons where ``event`` ('spike' or a
        custom event) happened in the current step."""
        if event == "spike":
            return self.spikes_now
        return self.event_detectors[event].now

    def run_on_event(self, event, code, when="after_resets", order=None):
        """Run statements for the neurons where ``event`` happens (Brian2's
        ``run_on_event``; ``'spike'`` is the reset's event).

        Parameters
        ----------
        event : str
            A custom event of the group (``events=``) or 'spike'.
        code : str
            Statements assigning to the group's variables.
        when : str
            The slot (default 'after_resets').
        order : int, optional
            The order within the slot (default: the group's).

        Returns
        -------
        EventOperation
        """
        if event != "spike" and event not in self.events:
            raise ValueError(f"{self.owner}: unknown event '{event}' (events: "
                             f"{sorted(self.events) + (['spike'] if self.threshold else [])})")
        if event == "spike" and self.threshold is None:
            raise ValueError(f"{self.owner}: unknown event 'spike'. Did you forget to define "
                             "a threshold?")
        if any(op.event == event for op in self.event_operations):
            raise ValueError(f"{self.owner}: code for the event '{event}' was already added")
        operation = EventOperation(self, event, self._parse(Statements, code,
                                                            f"run_on_event('{event}')"),
                                   when, order)
        self.event_operations.append(operation)
        return operation

    def _written_during_run(self):
        """Variables that the reset, run_regularly, synapses and inputs change."""
        return set(self.reset.written if self.reset is not None else ()) | \
            {name for op in self.regular_operations + self.event_operations
             for name in op.statements.written} | \
            set(self.changed_during_run)

    def _check_links(self):
        for eq in self.equations:
            if "linked" in eq.flags and eq.name not in self._links:
                raise ValueError(f"{self.owner}: the linked variable '{eq.name}' was never "
                                 f"linked; write {self.name}.{eq.name} = "
                                 "linked_var(group, 'variable')")
        written = self._written_during_run() & set(self._links)
        if written:
            raise ValueError(f"{self.owner}: linked variable(s) {sorted(written)} cannot be "
                             "written (by a reset, run_regularly or synapses); write the "
                             "variable they are linked to")

    def _prepare_update(self, run_namespace, clock):
        resolver = self.resolver
        self.equations.check_units(resolver.dimension_of(run_namespace, str(self.equations)))
        constants = resolver.constants(self.equations.identifiers, run_namespace,
                                       str(self.equations))
        self.state_updater = self._state_updater_for(constants)
        self._update_parameters = None
        if self.state_updater is not None:
            known = dict(constants, i=self.local_indices.astype(np.float64), N=self.N)
            params = {p: (self._local_state[p] if p in self._local_state else known[p])
                      for p in self.state_updater.parameters}
            self.state_updater.prepare(params, clock.dt_, self.n_local)
            # Parameters changed during the run (their source may change at
            # any time for a link): the update is prepared again at every step.
            changing = self._written_during_run() | set(self._links)
            if changing & set(self.state_updater.parameters):
                self._update_parameters = params
                self._update_changing = changing & set(self.state_updater.parameters)
        self._update_constants = constants

    def _state_updater_for(self, constants):
        """The state updater for these constants: built once (deriving a
        Runge-Kutta scheme takes tens of ms), again only if they change."""
        try:
            key = tuple(sorted((name, float(value)) for name, value in constants.items()))
        except (TypeError, ValueError):  # arrays, functions: not cached
            return make_state_updater(self.equations, self.method, constants, self.owner)
        cached = getattr(self, "_cached_state_updater", None)
        if cached is None or cached[0] != key:
            cached = (key, make_state_updater(self.equations, self.method, constants,
                                              self.owner))
            self._cached_state_updater = cached
        return cached[1]

    def _prepare_threshold(self, run_namespace):
        self._threshold_constants = {}
        if self.threshold is None:
            return
        code = self.threshold.code
        dim = self.threshold.dimension(self.resolver.dimension_of(run_namespace, code))
        if dim not in (DIMENSIONLESS, ANY_DIMENSION):
            raise DimensionMismatchError(
                f"{self.owner}: the threshold '{code}' must be a condition", dim)
        self._threshold_constants = self.resolver.constants(self.threshold.identifiers,
                                                            run_namespace, code)

    def _prepare_reset(self, run_namespace):
        self._reset_constants = {}
        if self.reset is None:
            return
        for target in self.reset.written:
            variable = self.variables.get(target)
            if variable is not None and variable.shared:
                raise EquationError(f"{self.owner}: the reset '{self.reset.code}' assigns to "
                                    f"the shared variable '{target}'")
            if target not in self._local_state:
                raise EquationError(f"{self.owner}: the reset '{self.reset.code}' assigns to "
                                    f"'{target}', which is not a variable of the group")
        self.reset.check_units(self.resolver.dimension_of(run_namespace, self.reset.code))
        self._reset_constants = self.resolver.constants(self.reset.identifiers, run_namespace,
                                                        self.reset.code)

    def _prepare_refractoriness(self, run_namespace, clock):
        """Refractoriness as steps per neuron (a time), as a condition, or none."""
        self._refractory_steps = None
        self._refractory_condition = None
        if self._refractory_expr is not None:
            code = self._refractory_expr.code
            dim = self._refractory_expr.dimension(self.resolver.dimension_of(run_namespace,
                                                                             code))
            constants = self.resolver.constants(self._refractory_expr.identifiers,
                                                run_namespace, code)
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
                raise DimensionMismatchError(f"{self.owner}: refractory '{code}' must be a "
                                             "time or a condition", dim)
        elif self.refractory is not False and self.refractory is not None:
            self._refractory_steps = _timestep(float(self.refractory / second), clock.dt_)
        if self._refractory_steps is not None:  # one per neuron, or one for all
            self._refractory_steps = np.ascontiguousarray(
                np.atleast_1d(self._refractory_steps), dtype=np.int64)
        self._refractoriness = self._refractory_steps is not None or \
            self._refractory_condition is not None

    def _expressions(self):
        """Every expression of the group's code (to bind user functions)."""
        found = [eq.expr for eq in self.equations if eq.expr is not None]
        found += [e for e in (self.threshold, self._refractory_expr) if e is not None]
        if self.reset is not None:
            found += self.reset.expressions
        for operation in self.regular_operations + self.event_operations:
            found += operation.statements.expressions
        return found + list(self.events.values())

    # -- checkpoints -----------------------------------------------------------
    def checkpoint_parts(self):
        """The group's state for a checkpoint: every stored variable of its
        table, by global neuron index (this rank's share), shared values
        once. Local: no communication."""
        parts = {}
        for name, variable in self.variables.items():
            if not variable.stored:
                continue
            values = variable.values
            parts[name] = Replicated(values[:1].copy()) if variable.shared else \
                Block(values.copy(), self.share.first, self.N, self.share.stride)
        return parts

    def restore_parts(self, reader, prefix):
        """Set the stored variables from a checkpoint (this rank's share of
        the new partition)."""
        for name, variable in self.variables.items():
            if not variable.stored:
                continue
            path = f"{prefix}/{name}"
            if variable.shared:
                stored = reader.replicated(path)
                if len(stored):
                    variable.values[...] = stored[0]
                elif self.n_local:
                    raise ValueError(f"{self.owner}: the checkpoint holds no value of the "
                                     f"shared variable '{name}' (rank 0 held none of the "
                                     "group's neurons when it was written)")
            else:
                variable.values[...] = reader.block(path, self.share.first, self.n_local,
                                                    self.share.stride)

    def random_counters(self):
        """What the random numbers of the next string assignments depend on
        (with the seed)."""
        return {"assign": dict(self._assignment_counts)}

    def set_random_counters(self, counters):
        self._assignment_counts.clear()
        self._assignment_counts.update(counters.get("assign", {}))
