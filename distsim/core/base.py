"""What every simulation object shares: a unique name, registration (so
``run()`` simulates it) and the script namespace it was created in."""
from ..utils.frames import caller_namespace, constants_of
from . import registry


class SimulationObject:
    """Base of groups, synapses, inputs and monitors.

    Subclasses implement ``before_run(run_namespace, clock)`` and
    ``code_objects()``; the network runs the code objects in the schedule's
    order (core/scheduling.py). ``order`` orders them within their slot.
    """

    #: Brian2-like scheduling slot; the network orders objects by it.
    when = "groups"
    order = 0
    #: Whether a new object of this kind makes ``run()`` start a new
    #: simulation (Brian2's; monitors do not).
    invalidates_magic_network = True

    def __init__(self, name, namespace=None):
        self.name = registry.unique_name(name)
        self.namespace = namespace
        # Constants are resolved at run time (as Brian2 does); the creating
        # frame is a fallback for objects created inside functions.
        self._creation_namespace = constants_of(caller_namespace())
        self.active = True
        self._network = None  # the id of the network it ran in (Brian2's _network)
        registry.register(self)

    def namespaces(self, run_namespace):
        """Where external names are looked up, in order."""
        if self.namespace is not None:
            return [self.namespace]
        return [run_namespace, self._creation_namespace]

    def before_run(self, run_namespace, clock):
        """Check and prepare the object for a run (all ranks)."""

    # -- checkpoints (network/checkpoint.py); objects without state keep these
    def checkpoint_parts(self):
        """The object's state for a checkpoint: name -> Block or Replicated
        (io/checkpoint_file.py), in layouts that do not depend on the ranks."""
        return {}

    def restore_parts(self, reader, prefix):
        """Set the state from a checkpoint (``reader.block``/``replicated``
        under ``prefix``)."""

    def random_counters(self):
        """Counters the object's next random draws depend on (with the seed)."""
        return {}

    def set_random_counters(self, counters):
        """Set what `random_counters` returned."""

    def code_objects(self):
        """What the object runs at each step (`distsim.core.scheduling.CodeObject`s),
        prepared by `before_run`; none by default."""
        return []

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"
