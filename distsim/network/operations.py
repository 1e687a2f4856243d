"""Brian2's ``network_operation``: a Python function called during a run.

Rank semantics: the function runs on every rank, at the same steps, like the
rest of the script. What it reads is what every rank can read (``G.v[:]``
gathers all neurons; a monitor holds every rank's spikes), so every rank
computes the same thing; what it writes, each rank writes for the neurons it
owns. To keep monitors and spikes exact at every step, a network with an
operation exchanges spikes at every step (as Brian2 sees them); it costs one
allgather a step.

``stop()`` inside it (or ``Network.stop()``) ends the run after the current
step, on every rank together.
"""
from __future__ import annotations

import inspect

from ..core.base import SimulationObject
from ..core.scheduling import BoundCode, check_slot
from ..units import DimensionMismatchError, Quantity, get_dimensions, second


class NetworkOperation(SimulationObject):
    """Calls ``function()`` or ``function(t)`` during runs (Brian2's
    ``NetworkOperation``).

    Parameters
    ----------
    function : callable
        Takes no argument or the time ``t``.
    dt : Quantity, optional
        Call it every ``dt`` (a multiple of the clock's dt; default every step).
    clock : Clock, optional
        Brian2's alternative to ``dt`` (its ``dt`` is used).
    when : str
        The slot of the step (default 'start', as Brian2).
    order : int
        The order within the slot.
    name : str
    """

    def __init__(self, function, dt=None, clock=None, when="start", order=0,
                 name="networkoperation*"):
        super().__init__(name)
        if not callable(function):
            raise TypeError(f"network_operation: {function!r} is not callable")
        parameters = inspect.signature(function).parameters
        required = [p for p in parameters.values() if p.default is p.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(required) > 1:
            raise TypeError(f"network_operation '{self.name}': the function takes no argument "
                            f"or the time t, not {len(required)} arguments")
        self.function = function
        self.takes_time = len(parameters) >= 1
        if dt is None and clock is not None:
            dt = clock.dt
        if dt is not None and get_dimensions(dt) is not second.dim:
            raise DimensionMismatchError(f"network_operation '{self.name}': dt must be a time",
                                         second.dim, get_dimensions(dt))
        self.dt = dt
        self.when = check_slot(when, f"network_operation '{self.name}'")
        self.order = order
        self._every = 1

    def before_run(self, run_namespace, clock):
        if self.dt is None:
            self._every = 1
            return
        ratio = float(self.dt / second) / clock.dt_
        self._every = int(round(ratio))
        if self._every < 1 or abs(ratio - self._every) > 1e-6:
            raise ValueError(f"network_operation '{self.name}': dt = {self.dt} is not a "
                             f"multiple of the clock's dt ({clock.dt})")

    def code_objects(self):
        code = BoundCode(self.name, self.when, self.order, self._call)
        code.touches_every_group = True  # Python: it may read or write anything
        code.on_default_clock = self.dt is None  # (with several clocks: network/clocks.py)
        return [code]

    def _call(self, step, t, dt):
        if step % self._every:
            return
        if self.takes_time:
            self.function(Quantity(t, second.dim))
        else:
            self.function()


def network_operation(*args, **kwargs):
    """Decorator that makes a function a `NetworkOperation` (Brian2's):
    ``@network_operation`` or ``@network_operation(dt=1*ms, when='end')``."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return NetworkOperation(args[0])

    def decorate(function):
        return NetworkOperation(function, *args, **kwargs)
    return decorate
