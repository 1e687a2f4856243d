"""Custom events of a NeuronGroup (Brian2's ``events={...}``): a condition
checked at every step besides the threshold, and the statements a group
runs for the neurons where it holds (``G.run_on_event``).

Each rank checks its own neurons. The events reach synaptic pathways
(``Synapses(..., on_event={'pre': 'name'})``) and EventMonitors through the
network's spike exchange, which carries every event kind (network/window.py).
"""
from __future__ import annotations

import numpy as np

from ..core.scheduling import CodeObject, check_slot
from ..model.expressions import Expression, Statements

_NONE = np.empty(0, dtype=np.int64)


class EventDetector(CodeObject):
    """Finds the neurons where an event's condition holds (``now``: their
    local indices until the next step). Runs in the 'thresholds' slot, as
    Brian2's thresholder of the event; refractoriness does not hold it back
    (Brian2: only the condition decides)."""

    when = "thresholds"

    def __init__(self, group, event: str, condition: Expression, constants: dict):
        self.group, self.event = group, event
        self.condition, self.constants = condition, constants
        self.order = group.order
        self.name = f"{group.name}_{event}_thresholder"
        self.now = _NONE

    def run(self, step, t, dt):
        G = self.group
        ns = G._namespace(self.constants, t=t, dt=dt)
        holds = np.broadcast_to(np.asarray(
            self.condition.evaluate(ns, G._random(("event", self.event), G.local_indices, step)),
            dtype=bool), (G.n_local,))
        self.now = np.flatnonzero(holds).astype(np.int64)


class EventOperation(CodeObject):
    """Statements run for the neurons where an event happened this step
    (Brian2's ``run_on_event``; a ``Resetter`` named ``<group>_<event>_resetter``)."""

    def __init__(self, group, event: str, statements: Statements, when: str, order):
        self.group, self.event, self.statements = group, event, statements
        self.when = check_slot(when, f"{group.owner}, run_on_event('{event}')")
        self.order = group.order if order is None else order
        self.name = f"{group.name}_{event}_resetter"
        self.constants = {}

    def before_run(self, run_namespace):
        G, owner = self.group, f"{self.group.owner}, run_on_event('{self.event}')"
        for target in self.statements.written:
            variable = G.variables.get(target)
            if variable is None or variable.read_only or target not in G._local_state:
                raise ValueError(f"{owner}: '{target}' is not a variable the statements can "
                                 "assign")
        self.statements.check_units(G.resolver.dimension_of(run_namespace, self.statements.code))
        self.constants = G.resolver.constants(self.statements.identifiers, run_namespace,
                                              self.statements.code)

    def run(self, step, t, dt):
        G = self.group
        local = G.events_now(self.event)
        if len(local) == 0:
            return
        ns = G._namespace(self.constants, local, t=t, dt=dt)
        written = self.statements.execute(ns, G._random(("on_event", self.event),
                                                        G.local_indices[local], step))
        for name, value in written.items():
            values = G._local_state[name]
            mask = G.write_mask(name)  # held variables of refractory neurons
            value = np.broadcast_to(value, local.shape)
            values[local] = value if mask is None else np.where(mask[local], value,
                                                                values[local])
