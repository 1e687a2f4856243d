"""SONATA circuits read by distsim.sonata: the public example 300_pointneurons
(tests/reference/sonata_300_pointneurons, as NEST's wheel ships it) against
NEST 3.10 simulating the same circuit (tests/reference/
sonata_300_pointneurons_nest.py made the reference counts); identical
results on 1, 2 and 3 ranks; each rank reads only its edges."""
import json
import os

import h5py
import numpy as np
import pytest

from conftest import ROOT, mpirun

EXAMPLE = os.path.join(ROOT, "tests", "reference", "sonata_300_pointneurons")
CIRCUIT = os.path.join(EXAMPLE, "circuit_config.json")
SIMULATION = os.path.join(EXAMPLE, "simulation_config.json")


def spike_counts(path, population="internal", n=300):
    with h5py.File(path, "r") as f:
        ids = f[f"spikes/{population}/node_ids"][...]
        times = f[f"spikes/{population}/timestamps"][...]
    return np.bincount(ids, minlength=n), ids, times


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sonata")
    run = mpirun(1, ["tests/models/sonata_run.py", CIRCUIT, SIMULATION, str(directory), "1500"],
                 timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return os.path.join(directory, "spikes.h5")


def test_the_example_fires_as_in_nest(full_run):
    reference = np.array(json.load(open(os.path.join(
        ROOT, "tests", "reference", "sonata_300_pointneurons_nest.json")))["spike_counts"])
    counts, ids, times = spike_counts(full_run)
    assert reference.sum() > 10000  # 42 Hz over 300 neurons for 1.5 s
    # The same circuit and integration (exact, iaf_psc_alpha): the counts
    # agree neuron by neuron, to a spike or two where timing rounds apart.
    assert abs(counts.sum() - reference.sum()) <= 0.005 * reference.sum()
    assert np.mean(np.abs(counts - reference) <= 2) > 0.95
    assert times.min() >= 0 and times.max() < 1500


def test_the_output_keeps_populations_and_node_ids(full_run):
    with h5py.File(full_run, "r") as f:
        assert set(f["spikes"]) == {"internal"}   # virtual nodes are inputs only
        ids = f["spikes/internal/node_ids"][...]
        assert ids.min() >= 0 and ids.max() < 300 and len(np.unique(ids)) > 250


@pytest.fixture(scope="module")
def rank_runs(tmp_path_factory):
    outputs = {}
    for n in (1, 2, 3):
        directory = tmp_path_factory.mktemp(f"sonata{n}")
        run = mpirun(n, ["tests/models/sonata_run.py", CIRCUIT, SIMULATION, str(directory),
                         "300"], timeout=900)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        outputs[n] = spike_counts(os.path.join(directory, "spikes.h5"))
    return outputs


@pytest.mark.parametrize("n", [2, 3])
def test_identical_on_every_rank_count(rank_runs, n):
    _, ids, times = rank_runs[n]
    _, ref_ids, ref_times = rank_runs[1]
    assert len(ref_ids) > 1000
    order, ref_order = np.lexsort((ids, times)), np.lexsort((ref_ids, ref_times))
    assert np.array_equal(ids[order], ref_ids[ref_order])
    assert np.array_equal(times[order], ref_times[ref_order])


def test_a_rank_reads_only_the_edges_onto_its_neurons():
    # With the target index and by scanning: the same edges, and only those.
    from distsim.sonata import network as sonata
    path = os.path.join(EXAMPLE, "network", "internal_internal_edges.h5")
    with h5py.File(path, "r") as f:
        edges = f["edges/internal_to_internal"]
        targets = edges["target_node_id"][...]
        indexed = sonata._local_edge_ranges(edges, 100, 200)
        old = sonata.EDGES_PER_CHUNK
        try:
            sonata.EDGES_PER_CHUNK = 1000

            class NoIndex:
                def __init__(self, group):
                    self.group = group

                def get(self, name):
                    return None

                def __getitem__(self, name):
                    return self.group[name]
            scanned = sonata._local_edge_ranges(NoIndex(edges), 100, 200)
        finally:
            sonata.EDGES_PER_CHUNK = old
    expected = np.flatnonzero((targets >= 100) & (targets < 200))

    def ids(ranges):
        return np.concatenate([np.arange(a, b) for a, b in ranges])
    assert np.array_equal(ids(indexed), expected) and np.array_equal(ids(scanned), expected)
    assert len(indexed) < 10  # a few contiguous reads, not one per edge
