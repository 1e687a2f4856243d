"""A rank's synapses: the incoming synapses of the neurons it owns.

Grouped by source (CSR): the synapses of source-group neuron s are
``row_start[s]:row_start[s + 1]``, so the source costs nothing per synapse.
Per synapse: the local target index (int32), the delay in steps (uint16) and
the model's variables (float64 each): 14 bytes for a weighted synapse.
"""
import numpy as np

from .._ext import synapse_store

MAX_DELAY_STEPS = np.iinfo(np.uint16).max


class SynapseStore:
    """The CSR arrays of one Synapses object on one rank.

    Parameters
    ----------
    n_sources : int
        Size of the source group (rows).
    target_start : int
        Global index of the first target neuron this rank owns.
    variables : dict
        name -> numpy dtype of each per-synapse variable.
    """

    def __init__(self, n_sources, target_start, variables):
        self.n_sources = int(n_sources)
        self.target_start = int(target_start)
        self.row_start = np.zeros(self.n_sources + 1, dtype=np.int64)
        self.local_targets = np.empty(0, dtype=np.int32)
        self.delay_steps = np.empty(0, dtype=np.uint16)
        self.variables = {name: np.empty(0, dtype=dtype) for name, dtype in variables.items()}

    def __len__(self):
        return len(self.local_targets)

    @property
    def sources(self):
        """Source index of each synapse (computed, not stored)."""
        return np.repeat(np.arange(self.n_sources, dtype=np.int64), np.diff(self.row_start))

    @property
    def targets(self):
        """Global target index of each synapse."""
        return self.local_targets.astype(np.int64) + self.target_start

    def add(self, sources, targets, initial_values):
        """Add synapses (global source and target indices, int64).

        Existing synapses keep their place before the new ones within each
        source's row; new ones keep their given order.
        """
        n_new = len(sources)
        if n_new == 0:
            return
        all_sources = np.concatenate([self.sources, np.asarray(sources, dtype=np.int64)])
        row_start, order = synapse_store.group_by_source(all_sources, self.n_sources)
        del all_sources
        local = np.asarray(targets, dtype=np.int64) - self.target_start
        self.local_targets = np.concatenate(
            [self.local_targets, local.astype(np.int32)])[order]
        self.delay_steps = np.concatenate(
            [self.delay_steps, np.full(n_new, initial_values.get("delay_steps", 0),
                                       dtype=np.uint16)])[order]
        for name, values in self.variables.items():
            fill = np.full(n_new, initial_values.get(name, 0), dtype=values.dtype)
            self.variables[name] = np.concatenate([values, fill])[order]
        self.row_start = row_start

    def index_within_target(self):
        """For each synapse, its rank among the synapses of its target (in
        store order). With the target id, it names a synapse the same way on
        any number of ranks: the counter of its random numbers."""
        n_local_targets = int(self.local_targets.max()) + 1 if len(self) else 0
        starts, order = synapse_store.group_by_source(self.local_targets.astype(np.int64),
                                                      n_local_targets)
        rank_in_target = np.empty(len(self), dtype=np.int64)
        rank_in_target[order] = np.arange(len(self), dtype=np.int64) - \
            np.repeat(starts[:-1], np.diff(starts))
        return rank_in_target

    def deliver(self, weights, spike_sources, spike_steps, ring):
        """Add the weights of the given spikes' synapses into ``ring``."""
        synapse_store.deliver_spikes(self.row_start, self.local_targets, self.delay_steps,
                                     weights, spike_sources, spike_steps, ring)

    @property
    def nbytes(self):
        return (self.row_start.nbytes + self.local_targets.nbytes + self.delay_steps.nbytes
                + sum(v.nbytes for v in self.variables.values()))
