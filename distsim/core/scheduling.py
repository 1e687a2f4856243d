"""The schedule of a time step: which code runs when (Brian2's ``when`` and
``order``).

Every object that acts during a run hands the network `CodeObject`s, each
with a slot (``when``), an ``order`` within the slot and a ``name``. The
network runs them sorted as Brian2 sorts its objects: by slot, then order,
then name. The slots are Brian2's: ``start``, ``groups``, ``thresholds``,
``synapses``, ``resets``, ``end``, each with ``before_`` and ``after_``
variants. distsim's spike exchange is a code object too, at the start of
``before_synapses`` (every threshold has run; no spike is due yet).
"""
from __future__ import annotations

SLOTS = ("start", "groups", "thresholds", "synapses", "resets", "end")
_POSITION = {}
for _i, _slot in enumerate(SLOTS):
    _POSITION[f"before_{_slot}"] = 3 * _i
    _POSITION[_slot] = 3 * _i + 1
    _POSITION[f"after_{_slot}"] = 3 * _i + 2


def check_slot(when: str, owner: str) -> str:
    """``when`` if it is a slot of the schedule, else a ValueError naming ``owner``."""
    if when not in _POSITION:
        raise ValueError(f"{owner}: when={when!r} is not a slot of the schedule "
                         f"({', '.join(SLOTS)}, with before_/after_ variants)")
    return when


def comes_before(when: str, other: str) -> bool:
    """Whether slot ``when`` runs before slot ``other`` within a step."""
    return _POSITION[when] < _POSITION[other]


class CodeObject:
    """Code an object runs at every step of its slot (prepared before the run).

    Subclasses set ``when``, ``order`` and ``name`` and implement
    ``run(step, t, dt)``: ``step`` is the clock's step number, ``t = step*dt``
    (seconds) and ``dt`` the step (seconds). ``run`` is called on every rank.
    """

    when = "groups"
    order = 0
    name = ""
    #: Whether it may write variables of NeuronGroups other than its own
    #: group's (a group's compiled step must then not find the threshold
    #: crossings before it runs; see neuron_code.separate_interleaved).
    writes_other_groups = True

    def run(self, step: int, t: float, dt: float) -> None:  # pragma: no cover
        raise NotImplementedError

    def compiled_op(self):
        """Its operation in the compiled step loop (ext/step_loop.pyx), made
        once the run is prepared, or None: the loop calls `run` instead."""
        return None

    @property
    def schedule_name(self) -> str:
        """The name that orders it within its slot and order."""
        return self.name

    def sort_key(self):
        return (_POSITION[self.when], self.order, self.schedule_name)

    def __repr__(self):
        return (f"<{type(self).__name__} {self.schedule_name!r} when={self.when!r} "
                f"order={self.order}>")


class BoundCode(CodeObject):
    """A code object that calls ``function(step, t, dt)`` (for objects whose
    per-step work is one method: inputs, monitors). ``group``: the
    NeuronGroup whose variables it reads or writes, if any."""

    def __init__(self, name: str, when: str, order: int, function, group=None):
        self.name, self.when, self.order = name, when, order
        self.run = function
        self.group = group


def schedule(code_objects):
    """The code objects in the order of a step (slot, order, name)."""
    return sorted(code_objects, key=lambda code: code.sort_key())
