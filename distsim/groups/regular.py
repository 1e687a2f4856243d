"""``G.run_regularly(...)``: statements a NeuronGroup runs every ``dt``."""
import numpy as np

from ..core.scheduling import CodeObject, check_slot
from ..model.equations import EquationError
from ..units import DimensionMismatchError, get_dimensions, second


class RegularOperation(CodeObject):
    """Statements a NeuronGroup runs every ``dt`` (from ``G.run_regularly``).

    Runs on each rank for its own neurons; ``rand()`` is keyed by (group,
    operation, step) and the neuron's global index, so the values do not
    depend on the number of ranks.
    """

    def __init__(self, group, statements, dt, when, order, name):
        self.group = group
        self.statements = statements
        self.dt = dt
        self.when = check_slot(when, f"{group.owner}, run_regularly")
        self.order = order
        self.name = name

    def before_run(self, run_namespace, clock):
        group = self.group
        owner = f"{group.owner}, run_regularly '{self.statements.code}'"
        statements = self.statements
        self.temporaries = statements.temporaries(
            lambda name: group.resolver.resolve(name).kind != "external")
        for target in statements.written:
            variable = group.variables.get(target)
            if target in self.temporaries:
                continue
            if variable is None or variable.read_only or target not in group._local_state:
                raise EquationError(f"{owner}: '{target}' is not a variable the statements "
                                    "can assign")
        self.n_scalar = self._scalar_statements(owner)
        try:
            statements.check_units(statements.dimensions_with_temporaries(
                group.resolver.dimension_of(run_namespace, statements.code), self.temporaries))
        except DimensionMismatchError as exc:
            raise DimensionMismatchError(f"{owner}: {exc.description}", *exc.dims) from None
        self.constants = group.resolver.constants(statements.identifiers - set(self.temporaries),
                                                  run_namespace, statements.code)
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

    def _scalar_statements(self, owner):
        """How many statements at the start are scalar (Brian2's: they assign a
        shared variable, or a temporary, from shared values only, once for
        the whole group). A shared variable assigned later is an error."""
        group, n = self.group, 0
        scalar_names = set()
        for target, op, expr in self.statements.statements:
            shared_target = target in self.temporaries or group._is_shared(target)
            reads = group.resolver.with_subexpressions(expr.identifiers) - {target}
            scalar_reads = all(name in scalar_names or group._is_shared(name)
                               # (a subexpression's own names are among the reads)
                               or group.resolver.resolve(name).kind in (
                                   "external", "clock", "size", "subexpression")
                               for name in reads)
            if shared_target and scalar_reads and n == len(scalar_names):
                scalar_names.add(target)
                n += 1
            elif group._is_shared(target):
                raise EquationError(f"{owner}: the shared variable '{target}' can only be "
                                    "assigned from shared values, before the per-neuron "
                                    "statements")
        return n

    def run(self, step, t, dt):
        """Run the statements if ``step`` is one of the operation's ticks."""
        if step % self.every:
            return
        group = self.group
        ns = group._namespace(self.constants, t=t, dt=dt)
        stream = ("run_regularly", self.name)
        written = {}
        if self.n_scalar:
            # Once for the group: random numbers keyed by element 0, so that
            # every rank (even one without neurons) draws the same values.
            written = self.statements.execute(
                ns, group._random(stream, np.zeros(1, dtype=np.int64), step),
                stop=self.n_scalar)
        written.update(self.statements.execute(
            ns, group._random(stream, group.local_indices, step), start=self.n_scalar))
        for name, value in written.items():
            if name in self.temporaries:
                continue
            values = group._local_state[name]
            mask = group.write_mask(name)  # refractory neurons keep held variables
            value = np.broadcast_to(value, (group.n_local,))
            values[...] = value if mask is None else np.where(mask, value, values)
