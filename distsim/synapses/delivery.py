"""Delivery of spikes into postsynaptic variables through ring buffers."""
import numpy as np


class AdditivePathway:
    """``x_post += weight``: each spike adds its synapses' weights to ``x``
    of their targets, ``delay`` steps later.

    The ring buffer has one row per step of the longest local delay (plus the
    current step) and one column per local target neuron.
    """

    def __init__(self, synapses, variable, weights, current_step, previous=None):
        self.synapses = synapses
        self.variable = variable
        self.store = synapses.store
        self.source_offset = synapses.source.id_offset
        self.target_values = synapses.target._local_state[variable]
        self.weights = weights
        max_delay = int(self.store.delay_steps.max()) if len(self.store) else 0
        self.ring = np.zeros((max_delay + 1, synapses.target.n_local), dtype=np.float64)
        if previous is not None:
            # Spikes queued by an earlier run still arrive, even if the
            # longest delay (and so the ring's length) changed in between.
            old = previous.ring
            for step in range(current_step, current_step + old.shape[0]):
                if step - current_step < self.ring.shape[0]:
                    self.ring[step % self.ring.shape[0]] += old[step % old.shape[0]]
                elif old[step % old.shape[0]].any():
                    raise RuntimeError(f"Synapses '{synapses.name}': delays were shortened "
                                       "while spikes were still on their way")

    def push(self, spike_ids, spike_steps):
        """Queue the effects of gathered spikes (network-wide ids, sorted)."""
        if len(spike_ids) and len(self.store):
            self.store.deliver(self.weights, spike_ids - self.source_offset, spike_steps,
                               self.ring)

    def apply(self, step):
        """Add what arrives now to the target variable."""
        slot = self.ring[step % self.ring.shape[0]]
        self.target_values += slot
        slot[:] = 0.0
