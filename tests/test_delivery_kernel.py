"""The compiled delivery (ext/delivery.pyx) against a plain loop over the same
events: every spike's row of every pathway, added into the ring in order."""
import numpy as np
import pytest

from distsim._ext import delivery
from distsim.synapses import row_index


def _pathway(rng, n_sources, n_targets, n_slots, mean_row, form, ring, column_offset):
    lengths = rng.poisson(mean_row, n_sources)
    lengths[rng.random(n_sources) < 0.3] = 0         # sources without synapses here
    lengths[rng.integers(0, n_sources, 3)] = 200     # rows longer than the look-ahead
    row_start = np.zeros(n_sources + 1, dtype=np.int64)
    row_start[1:] = np.cumsum(lengths)
    n_syn = int(row_start[-1])
    targets = rng.integers(0, n_targets, n_syn).astype(np.int32)
    delays = rng.integers(0, n_slots, n_syn).astype(np.uint16)
    weights = rng.normal(1.0, 0.3, n_syn)
    row_sources, rows = row_index.compress(row_start, form)
    bits = row_index.presence_bits(row_sources, n_sources)
    entry = (rows, (row_sources, bits), n_sources, targets, delays, weights, 0, ring,
             column_offset)
    return entry, (row_start, targets, delays, weights)


def _reference(ring, pathways, spike_ids, spike_steps):
    """The events one by one: pathways in order, spikes in order, a row's
    synapses in order (the order of the floating-point sums)."""
    for (row_start, targets, delays, weights), first_source, column_offset in pathways:
        n_slots = ring.shape[0]
        for spike, step in zip(spike_ids, spike_steps):
            source = spike - first_source
            if not 0 <= source < len(row_start) - 1:
                continue
            for syn in range(row_start[source], row_start[source + 1]):
                ring[(step + delays[syn]) % n_slots, column_offset + targets[syn]] += weights[syn]


@pytest.mark.parametrize("form", ["dense", "compressed"])
@pytest.mark.parametrize("mean_row", [3, 40])
def test_delivery_adds_every_event_in_the_plain_loops_order(form, mean_row):
    rng = np.random.default_rng(mean_row)
    n_slots, n_targets = 7, 50
    ring = np.zeros((n_slots, 2 * n_targets))
    entries, plain = [], []
    for k, n_sources in enumerate((120, 90, 300)):
        entry, arrays = _pathway(rng, n_sources, n_targets, n_slots, mean_row, form, ring,
                                 (k % 2) * n_targets)
        first_source = 40 * k
        entry = entry[:6] + (first_source,) + entry[7:]
        entries.append(entry)
        plain.append((arrays, first_source, entry[8]))
    plan = delivery.DeliveryPlan(entries)
    # more spikes than the rows gathered at once (256), repeated ids, ids
    # outside every pathway, several steps
    spike_ids = np.sort(rng.integers(-5, 420, 700)).astype(np.int64)
    spike_steps = rng.integers(0, 40, 700).astype(np.int64)
    plan.deliver(spike_ids, spike_steps)
    expected = np.zeros_like(ring)
    _reference(expected, plain, spike_ids, spike_steps)
    assert np.count_nonzero(expected) > 100
    assert np.array_equal(ring, expected)
