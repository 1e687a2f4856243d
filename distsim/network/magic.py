"""``run()`` and ``save()`` without a Network: Brian2's magic network, over
every object the script can still reach (also those it keeps only in lists
or dicts)."""
import warnings

from ..core import registry
from ..units import second
from ..parallel import get_comm
from ..parallel.errors import CollectiveError
from ..parallel.guard import collective_call
from .network import Network, _network_ids


class MagicError(Exception):
    """``run()`` cannot tell whether the script continues a simulation or
    starts a new one (Brian2's ``MagicError``)."""

    raised_on_every_rank = True  # every rank decides on the same objects


class MagicNetwork(Network):
    """The network behind ``run()``: every object of the current scope that
    the script can still reach, wherever it keeps it (registry.py).

    As Brian2's magic network: when all of them are new (none has run), a
    new simulation starts at t = 0; when they continue a simulation, time
    continues; a mix of both is a `MagicError`. New monitors do not count as
    new objects.
    """

    warns_about_omitted = False

    def __init__(self):
        super().__init__(name="magicnetwork")

    def _update_objects(self):
        """Find the objects of the next run or checkpoint. Collective: a
        garbage collection on every rank, and a check that all found the same."""
        objects = registry.alive_objects()
        dropped = registry.dropped_before_running()
        if dropped:
            warnings.warn(f"{', '.join(dropped)}: created, but the script keeps no reference to "
                          f"{'it' if len(dropped) == 1 else 'them'}, so run() does not simulate "
                          f"{'it' if len(dropped) == 1 else 'them'} (as in Brian2). Assign "
                          "objects to a name, a list or a dict to simulate them.",
                          UserWarning, stacklevel=4)
        names = [obj.name for obj in objects]
        if len({tuple(n) for n in get_comm().allgather(names)}) > 1:
            raise CollectiveError("The ranks found different objects for run(): the script must "
                                  "create and keep the same objects on every rank")
        known = [o for o in objects if o._network == self.id]
        new = [o for o in objects if o._network is None and o.invalidates_magic_network]
        if known and new:
            raise MagicError(
                "The magic network contains a mix of objects that has been run before and new "
                f"objects ({', '.join(o.name for o in new)}); distsim, as Brian2, does not know "
                "whether you want to start a new simulation or continue an old one. Create a "
                "Network object explicitly, or call start_scope() before creating the new "
                "objects. collect() shows which objects run() would include.")
        if new:  # a new simulation: time starts at 0
            self.id = next(_network_ids)
            self.timestep = 0
            _forget_simulation()
        for obj in objects:  # they belong to this simulation now (also for restore())
            if obj._network is None:
                obj._network = self.id
        # Buffers of groups the script dropped (weakly held) go too.
        self.buffers = {key: b for key, b in self.buffers.items() if b.group is not None}
        self.objects = objects
        return objects

    def _release(self):
        """After a run: keep no object alive (Brian2 clears its list), only
        what the next run continues with (buffers hold their groups weakly)."""
        self.scheduling = self.scheduling_summary()
        self.objects = []
        self.schedule = []
        self.groups = []
        self.window = None

    def scheduling_summary(self):
        if self.schedule:
            return super().scheduling_summary()
        return list(getattr(self, "scheduling", []))

    def _checkpointed_objects(self):
        # During a run (a checkpoint at a window's end) the run's objects.
        return self.objects if self.running else self._update_objects()

    def run(self, duration, report=None, report_period=10 * second, namespace=None, level=0,
            output=None, flush_interval=None, checkpoint=None, checkpoint_interval=None,
            profile=None):
        with collective_call(f"run() of network '{self.name}'"):
            self._update_objects()
        try:
            super().run(duration, report=report, report_period=report_period,
                        namespace=namespace, level=level, output=output,
                        flush_interval=flush_interval, checkpoint=checkpoint,
                        checkpoint_interval=checkpoint_interval, profile=profile)
        finally:
            self._release()

    def store(self, name="default", filename=None):
        super().store(name, filename)
        if not self.running:
            self.objects = []

    def restore(self, name="default", filename=None, restore_random_state=False):
        super().restore(name, filename, restore_random_state)
        self.objects = []


magic_network = MagicNetwork()


def _forget_simulation():
    """A new simulation: the magic network's ring buffers and delayed input
    belong to the objects of the old one."""
    magic_network.buffers.clear()
    magic_network.restored_rings.clear()


def _forget_scope():
    """start_scope(): also the in-memory checkpoints, and time starts at 0."""
    _forget_simulation()
    magic_network.snapshots.clear()
    magic_network.timestep = 0
    magic_network.id = next(_network_ids)


registry.on_start_scope(_forget_scope)


def run(duration, report=None, report_period=10 * second, namespace=None, level=0,
        output=None, flush_interval=None, checkpoint=None, checkpoint_interval=None,
        profile=None):
    """Simulate every object created so far (Brian2's ``run``). Collective:
    every rank calls it.

    Parameters
    ----------
    duration : Quantity
    report, report_period, namespace, level, output, flush_interval
        As in `Network.run`; ``output`` and ``flush_interval`` stream the
        monitors into a results file as the run goes.
    checkpoint, checkpoint_interval
        As in `Network.run`: checkpoints during the run, and on SIGTERM or
        SIGUSR1 a checkpoint and a clean exit (code 85).
    """
    magic_network.run(duration, report=report, report_period=report_period,
                      namespace=namespace, level=level, output=output,
                      flush_interval=flush_interval, checkpoint=checkpoint,
                      checkpoint_interval=checkpoint_interval, profile=profile)


def stop():
    """End the current run after this step (Brian2's ``stop``), called from
    a network operation (which every rank runs)."""
    Network._globally_stopped = True


def store(name="default", filename=None):
    """Take a checkpoint of every object created so far (Brian2's ``store``);
    see `Network.store`. Collective."""
    magic_network.store(name, filename)


def restore(name="default", filename=None, restore_random_state=False):
    """Continue from a checkpoint (Brian2's ``restore``); see
    `Network.restore`. Collective."""
    magic_network.restore(name, filename, restore_random_state)


def save(filename, network=None, script=None):
    """Write the results so far to ``filename`` and close it (collective:
    all ranks call it).

    Parameters
    ----------
    filename : str
    network : Network, optional
        Default: the network of ``run()``.
    script : str, optional
        The model script stored with the results (default ``sys.argv[0]``).

    If the network is already writing to ``filename`` (``run(..., output=)``),
    this flushes and closes that file.

    Layout (SONATA spike files): root attributes ``magic`` and ``version``;
    ``/spikes/<population>/timestamps`` (float64, ms) and ``node_ids``
    (uint64) with ``sorting = by_time``; the population is the monitored
    group's name. StateMonitors are SONATA reports under ``/report``;
    PopulationRateMonitors are under ``/rates``. ``/distsim`` holds the run
    metadata as attributes.
    """
    (network if network is not None else magic_network).save(filename, script)
