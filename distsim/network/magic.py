"""``run()`` and ``save()`` without a Network: every object created (Brian2's
magic network, but also the objects a script keeps only in lists or dicts)."""
from ..core import registry
from ..units import second
from .network import Network


class MagicNetwork(Network):
    """The network behind ``run()``: every object created (since the last
    ``start_scope()``), wherever the script keeps it."""

    warns_about_omitted = False

    def __init__(self):
        super().__init__(name="magicnetwork")

    def _checkpointed_objects(self):
        self.objects = registry.registered_objects()
        return self.objects

    def run(self, duration, report=None, report_period=10 * second, namespace=None, level=0,
            output=None, flush_interval=None, checkpoint=None, checkpoint_interval=None):
        self.objects = registry.registered_objects()
        super().run(duration, report=report, report_period=report_period, namespace=namespace,
                    level=level, output=output, flush_interval=flush_interval,
                    checkpoint=checkpoint, checkpoint_interval=checkpoint_interval)


magic_network = MagicNetwork()


def _forget_scope():
    """start_scope(): the magic network's ring buffers and in-memory
    checkpoints belong to the objects of the old scope."""
    magic_network.buffers.clear()
    magic_network.snapshots.clear()
    magic_network.restored_rings.clear()


registry.on_start_scope(_forget_scope)


def run(duration, report=None, report_period=10 * second, namespace=None, level=0,
        output=None, flush_interval=None, checkpoint=None, checkpoint_interval=None):
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
                      checkpoint_interval=checkpoint_interval)


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
