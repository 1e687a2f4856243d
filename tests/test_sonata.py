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

from distsim.parallel.partition import Share
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
        indexed = sonata._local_edge_ranges(edges, Share(100, 1, 100))
        # a share dealt out round-robin (every third node from 101): many ranges
        dealt = sonata._local_edge_ranges(edges, Share(101, 3, 150))
        old_many = sonata.MANY_RANGES
        try:
            direct = sonata._read_ranges(edges["source_node_id"], dealt)
            sonata.MANY_RANGES = 0
            by_span = sonata._read_ranges(edges["source_node_id"], dealt)
        finally:
            sonata.MANY_RANGES = old_many
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
            scanned = sonata._local_edge_ranges(NoIndex(edges), Share(100, 1, 100))
            dealt_scanned = sonata._local_edge_ranges(NoIndex(edges), Share(101, 3, 150))
        finally:
            sonata.EDGES_PER_CHUNK = old
    expected = np.flatnonzero((targets >= 100) & (targets < 200))

    def ids(ranges):
        return np.concatenate([np.arange(a, b) for a, b in ranges])
    assert np.array_equal(ids(indexed), expected) and np.array_equal(ids(scanned), expected)
    expected = np.flatnonzero((targets >= 101) & (targets < 101 + 450)
                              & ((targets - 101) % 3 == 0))
    assert len(dealt) > 64 and np.array_equal(ids(dealt), expected)
    assert np.array_equal(ids(dealt_scanned), expected)
    with h5py.File(path, "r") as f:
        sources = f["edges/internal_to_internal/source_node_id"][...]
    assert np.array_equal(direct, sources[expected])
    assert np.array_equal(by_span, direct)
    assert len(indexed) < 10  # a few contiguous reads, not one per edge


# -- 300_intfire: NEURON's IntFire1 as BioNet builds it -------------------------------
INTFIRE = os.path.join(ROOT, "tests", "reference", "sonata_300_intfire")


def intfire_run(n, directory, tstop):
    run = mpirun(n, ["tests/models/sonata_run.py", os.path.join(INTFIRE, "circuit_config.json"),
                     os.path.join(INTFIRE, "simulation_config.json"), str(directory),
                     str(tstop)], timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return spike_counts(os.path.join(directory, "spikes.h5"), population="v1")


def test_intfire_example_spikes_as_in_neuron(tmp_path):
    # tests/reference/sonata_300_intfire_neuron.py ran the circuit in NEURON
    # (it reproduces the example's own BioNet output spike for spike). NEURON
    # delivers events at their exact times, distsim on the 0.1 ms grid: each
    # NEURON spike has a distsim spike of the same cell less than a step away.
    reference = json.load(open(os.path.join(ROOT, "tests", "reference",
                                            "sonata_300_intfire_neuron.json")))
    ref_ids, ref_times = np.array(reference["node_ids"]), np.array(reference["times_ms"])
    counts, ids, times = intfire_run(1, tmp_path, reference["tstop_ms"])
    assert len(ref_ids) > 4000
    assert abs(len(ids) - len(ref_ids)) <= 0.002 * len(ref_ids)
    matched = 0
    for cell in range(300):
        mine = np.sort(times[ids == cell])
        theirs = ref_times[ref_ids == cell]
        if len(mine) and len(theirs):
            nearest = np.clip(np.searchsorted(mine, theirs), 1, len(mine) - 1)
            gap = np.minimum(np.abs(mine[nearest] - theirs), np.abs(mine[nearest - 1] - theirs))
            matched += int(np.sum(gap < 0.1 + 1e-6))
    assert matched >= 0.995 * len(ref_ids)


@pytest.mark.parametrize("n", [2, 3])
def test_intfire_example_identical_on_every_rank_count(tmp_path, n):
    _, ref_ids, ref_times = intfire_run(1, tmp_path / "one", 1000)
    _, ids, times = intfire_run(n, tmp_path / "many", 1000)
    assert len(ref_ids) > 1000
    order, ref_order = np.lexsort((ids, times)), np.lexsort((ref_ids, ref_times))
    assert np.array_equal(ids[order], ref_ids[ref_order])
    assert np.array_equal(times[order], ref_times[ref_order])


# -- libsonata's test data: unsorted edges, the specification's index name, no index ---
LIBSONATA = os.path.join(ROOT, "tests", "reference", "libsonata")


@pytest.mark.parametrize("file", ["edges1.h5", "edges-no-index.h5"])
def test_libsonata_edges_are_read_by_target_ranges(file):
    from distsim.sonata.network import _local_edge_ranges

    def ids(ranges):
        return [(int(a), int(b)) for a, b in ranges]
    with h5py.File(os.path.join(LIBSONATA, file), "r") as f:
        edges = f["edges/edges-AB"]
        # libsonata's own expectations (python/tests/test_population.py)
        assert ids(_local_edge_ranges(edges, Share(1, 1, 1))) == [(0, 1), (2, 4)]
        assert ids(_local_edge_ranges(edges, Share(1, 1, 2))) == [(0, 4), (5, 6)]
        targets = edges["target_node_id"][...]
        for n_ranks in (1, 2, 3):   # the node ranges ranks own: every edge read once
            bounds = np.linspace(0, 4, n_ranks + 1).astype(int)
            read = [np.concatenate([np.arange(a, b) for a, b in
                                    _local_edge_ranges(edges, Share(lo, 1, hi - lo))] or [[]])
                    for lo, hi in zip(bounds[:-1], bounds[1:])]
            for (lo, hi), mine in zip(zip(bounds[:-1], bounds[1:]), read):
                assert sorted(mine) == np.flatnonzero((targets >= lo) & (targets < hi)).tolist()
            assert sorted(np.concatenate(read).tolist()) == list(range(len(targets)))


def test_edge_files_that_do_not_fit_the_circuit_are_named(tmp_path):
    from distsim.sonata import SonataNetwork
    edges_file = str(tmp_path / "edges.h5")
    with h5py.File(os.path.join(LIBSONATA, "edges1.h5"), "r") as original, \
            h5py.File(edges_file, "w") as copy:
        original.copy("edges", copy)
    circuit = tmp_path / "circuit_config.json"
    circuit.write_text(json.dumps({"networks": {"nodes": [], "edges": [
        {"edges_file": edges_file, "edge_types_file": str(tmp_path / "types.csv")}]}}))
    (tmp_path / "types.csv").write_text("edge_type_id syn_weight\n100 1.0\n")
    with pytest.raises(ValueError, match="'edges-AB'.*node population 'nodes-A', which no"):
        SonataNetwork(str(circuit)).build()
    with h5py.File(edges_file, "a") as f:
        del f["edges/edges-AB"]   # edges-AC: only empty groups
    with pytest.raises(ValueError, match="'edges-AC'.*has no source_node_id, target_node_id"):
        SonataNetwork(str(circuit)).build()


def _write_two_group_circuit(directory):
    """4 virtual nodes -> 3 IntFire1 cells; 6 edges in two edge groups: group
    0 gives syn_weight and nsyns per edge, group 1 only delays (its weights
    are its types'); type 11's synaptic model has sign -1; target index in
    the specification's layout."""
    directory.mkdir(exist_ok=True)
    (directory / "cell.json").write_text(json.dumps({"tau": 0.02, "refrac": 0.002}))
    (directory / "inh.json").write_text(json.dumps({"sign": -1}))
    (directory / "node_types.csv").write_text(
        "node_type_id model_type model_template dynamics_params\n"
        "1 point_process nrn:IntFire1 cell.json\n2 virtual NONE NONE\n")
    (directory / "edge_types.csv").write_text(
        "edge_type_id syn_weight delay dynamics_params\n"
        "10 0.5 1.5 exc.json\n11 0.25 2.0 inh.json\n")
    (directory / "exc.json").write_text("{}")
    with h5py.File(directory / "nodes.h5", "w") as f:
        f["nodes/cells/node_type_id"] = [1, 1, 1]
        f["nodes/input/node_type_id"] = [2, 2, 2, 2]
    # edges sorted by target: (source, target, type, group, index in group)
    rows = [(0, 0, 10, 0, 0), (3, 0, 11, 1, 0), (1, 1, 10, 0, 1), (2, 1, 11, 1, 1),
            (2, 2, 10, 0, 2), (0, 2, 11, 1, 2)]
    with h5py.File(directory / "edges.h5", "w") as f:
        edges = f.create_group("edges/input_to_cells")
        for k, column in enumerate(("source_node_id", "target_node_id", "edge_type_id",
                                    "edge_group_id", "edge_group_index")):
            edges[column] = np.array([r[k] for r in rows], dtype=np.uint64)
        edges["source_node_id"].attrs["node_population"] = "input"
        edges["target_node_id"].attrs["node_population"] = "cells"
        edges["0/syn_weight"] = [0.1, 0.2, 0.3]
        edges["0/nsyns"] = [1, 2, 3]
        edges["1/delay"] = [3.0, 4.0, 5.0]
        edges["indices/target_to_source/node_id_to_ranges"] = [[0, 1], [1, 2], [2, 3]]
        edges["indices/target_to_source/range_to_edge_id"] = [[0, 2], [2, 4], [4, 6]]
    config = {"components": {"point_neuron_models_dir": str(directory),
                             "synaptic_models_dir": str(directory)},
              "networks": {"nodes": [{"nodes_file": str(directory / "nodes.h5"),
                                      "node_types_file": str(directory / "node_types.csv")}],
                           "edges": [{"edges_file": str(directory / "edges.h5"),
                                      "edge_types_file": str(directory / "edge_types.csv")}]}}
    (directory / "circuit_config.json").write_text(json.dumps(config))
    return str(directory / "circuit_config.json")


def test_edge_groups_types_signs_and_nsyns(tmp_path):
    from distsim import ms
    from distsim.sonata import SonataNetwork
    network = SonataNetwork(_write_two_group_circuit(tmp_path))
    network.build()
    S = network.projections["input_to_cells"]
    edges = sorted(zip(S.i[:].tolist(), S.j[:].tolist(), np.round(S.weight[:], 12).tolist(),
                       np.round(S.delay[:] / ms, 9).tolist()))
    # group 0: its own weight times nsyns, the type's delay; group 1: the
    # type's weight times the synaptic model's sign, its own delay
    assert edges == sorted([(0, 0, 0.1, 1.5), (3, 0, -0.25, 3.0), (1, 1, 0.4, 1.5),
                            (2, 1, -0.25, 4.0), (2, 2, 0.9, 1.5), (0, 2, -0.25, 5.0)])
    cells = network.populations["cells"]
    assert np.allclose(cells.tau[:] / ms, 20) and np.allclose(cells.refrac[:] / ms, 2)
