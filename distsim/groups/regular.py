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
        for target in self.statements.written:
            variable = group.variables.get(target)
            if variable is None or variable.read_only or variable.shared or \
                    target not in group._local_state:
                raise EquationError(f"{owner}: '{target}' is not a variable the statements "
                                    "can assign")
        try:
            self.statements.check_units(group.resolver.dimension_of(run_namespace,
                                                                    self.statements.code))
        except DimensionMismatchError as exc:
            raise DimensionMismatchError(f"{owner}: {exc.description}", *exc.dims) from None
        self.constants = group.resolver.constants(self.statements.identifiers, run_namespace,
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
            values = group._local_state[name]
            mask = group.write_mask(name)  # refractory neurons keep held variables
            value = np.broadcast_to(value, (group.n_local,))
            values[...] = value if mask is None else np.where(mask, value, values)
