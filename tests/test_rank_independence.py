"""Identical results on 1, 2 and 3 ranks for a network that uses every
connect form, indexing form, heterogeneous delays, subgroups and inputs."""
import h5py
import numpy as np
import pytest

from conftest import mpirun


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("forms")
    results = {}
    for n in (1, 2, 3):
        base = str(directory / f"forms{n}")
        run = mpirun(n, ["tests/models/synapse_forms.py", base])
        assert run.returncode == 0, run.stdout + run.stderr
        results[n] = (dict(np.load(base + ".npz")), base + ".h5")
    return results


def test_the_network_is_not_trivial(outputs):
    arrays, _ = outputs[1]
    assert len(arrays["fixed.i"]) == 6000
    assert 500 < len(arrays["G.spikes.i"]) and 50 < len(arrays["drive.spikes.i"])
    assert len(np.unique(arrays["fixed.delay"])) > 20  # heterogeneous delays


@pytest.mark.parametrize("n", [2, 3])
def test_every_array_is_identical_across_rank_counts(outputs, n):
    reference, _ = outputs[1]
    arrays, _ = outputs[n]
    assert set(arrays) == set(reference)
    for key in reference:
        assert np.array_equal(arrays[key], reference[key]), key


@pytest.mark.parametrize("n", [2, 3])
def test_the_spike_files_are_identical(outputs, n):
    def read(path):
        with h5py.File(path, "r") as f:
            return {name: (g["node_ids"][:], g["timestamps"][:]) for name, g in f["spikes"].items()}
    reference, other = read(outputs[1][1]), read(outputs[n][1])
    assert reference.keys() == other.keys()
    for name in reference:
        assert np.array_equal(reference[name][0], other[name][0])
        assert np.array_equal(reference[name][1], other[name][1])
