"""Delivery of spikes into postsynaptic variables through ring buffers.

All pathways that add to the same variable of the same NeuronGroup (e.g. the
8 projections onto one population of the microcircuit, each a Synapses
object onto a subgroup) share one `TargetBuffer`: one ring per variable,
applied once per step. A `DeliveryPlan` (ext/delivery.pyx) pushes the spikes
of a window through all pathways of a run in one compiled call.
"""
import weakref

import numpy as np

from .._ext import delivery as delivery_kernels
from ..core.scheduling import CodeObject, check_slot


class TargetBuffer(CodeObject):
    """What arrives at one variable of a NeuronGroup's local neurons:
    ``ring[step % n_slots, local neuron]``.

    A code object of the 'synapses' slot (or its pathways'
    ``Synapses.arrival_slot``) with the order of presynaptic pathways (-1,
    as Brian2's), named after the first of the pathways that share it
    (``<synapses>_pre``): it adds what arrives now.
    """

    when = "synapses"
    order = -1
    writes_other_groups = False  # its ``group``'s variable only

    def __init__(self, group, variable, n_slots, when="synapses"):
        # Weak: a network keeps its buffers across runs, and a group the
        # script dropped must not stay alive through them (registry.py).
        self._group = weakref.ref(group)
        self.variable = variable
        self.values = group.variables.arrays[variable]
        self.mask = group.write_mask(variable)  # not_refractory, for '(unless refractory)'
        self.ring = np.zeros((n_slots, group.n_local), dtype=np.float64)
        self._ring_slot = None  # made when first applied, dropped when the ring is replaced
        self.name = None
        self.when = check_slot(when, f"'{group.name}.{variable}' input")

    @property
    def group(self):
        """The NeuronGroup (None once the script dropped it)."""
        return self._group()

    def add_pathway(self, pathway):
        """Note that ``pathway`` delivers here (its name may name the buffer)."""
        name = f"{pathway.synapses.name}_pre"
        self.name = name if self.name is None else min(self.name, name)

    def resize(self, n_slots, current_step):
        """Make room for longer delays; what is queued still arrives."""
        old = self.ring
        if n_slots <= old.shape[0]:
            return
        self.ring = np.zeros((n_slots, old.shape[1]), dtype=np.float64)
        self._ring_slot = None
        for step in range(current_step, current_step + old.shape[0]):
            self.ring[step % n_slots] = old[step % old.shape[0]]

    def rows_from(self, step):
        """The ring's slots in arrival order from ``step`` on: row k is what
        arrives at ``step + k`` (n_slots x local neurons, a copy)."""
        n = self.ring.shape[0]
        return self.ring[[(step + k) % n for k in range(n)]]

    def load(self, arriving, step):
        """Set the ring from ``arriving`` (local neurons x slots, column k
        arriving at ``step + k``; as `rows_from` gave, transposed)."""
        n = self.ring.shape[0]
        if np.any(arriving[:, n:]):  # (a target's input comes through its own synapses)
            raise ValueError(f"'{self.group.name}.{self.variable}': the checkpoint holds "
                             f"input more than {n} steps ahead; the delays are shorter now")
        arriving = arriving[:, :n]
        self.ring[...] = 0.0
        for k in range(arriving.shape[1]):
            self.ring[(step + k) % n] = arriving[:, k]

    def _slot(self):
        """The compiled slot application (one for both step loops)."""
        if self._ring_slot is None:
            self._ring_slot = delivery_kernels.RingSlot(self.values, self.ring, self.mask)
        return self._ring_slot

    def compiled_op(self):
        if self.values.dtype != np.float64 or not self.values.flags.c_contiguous:
            return None
        return self._slot()

    def run(self, step, t, dt):
        """Add what arrives now to the variable (and empty the slot); what
        arrives at a refractory neuron's held variable is dropped (Brian2)."""
        if self.values.dtype == np.float64 and self.values.flags.c_contiguous:
            self._slot().apply(step)
            return
        row = self.ring[step % self.ring.shape[0]]
        np.add(self.values, row, out=self.values, where=True if self.mask is None else self.mask)
        row[...] = 0.0


class AdditivePathway:
    """``x_post += weight``: each spike adds its synapses' weights to ``x`` of
    their targets, ``delay`` steps later, through the target's shared buffer.
    """

    def __init__(self, synapses, variable, weights):
        self.synapses = synapses
        self.variable = variable
        self.store = synapses.store
        self.source_offset = synapses.source.id_offset
        self.target = getattr(synapses.target, "parent", synapses.target)
        # Where the target (sub)group's local neurons start in the group's.
        self.column_offset = synapses.target.root_local_offset
        self.weights = weights
        self.slots_needed = (int(self.store.delay_steps.max()) if len(self.store) else 0) + 1
        self.buffer = None

    def plan_entry(self):
        """What the compiled delivery loop needs of this pathway."""
        store = self.store
        return (store.row_start, (store.row_sources, store.row_bits), store.n_sources,
                store.local_targets, store.delay_steps, self.weights, self.source_offset,
                self.buffer.ring, self.column_offset)


def make_delivery_plan(pathways):
    """The compiled delivery of ``pathways`` (in this order), once their
    buffers are assigned. ``plan.deliver(ids, steps)`` queues the effects of
    a window's gathered spikes (network-wide ids, sorted by step then id).
    Rebuild it when a store, a weight array or a buffer is replaced."""
    return delivery_kernels.DeliveryPlan([p.plan_entry() for p in pathways])
