"""The CUBA example: Brian2's rates, and the same spikes on 1, 2 and 3 ranks."""
import h5py
import numpy as np
import pytest

from conftest import mpirun


@pytest.fixture(scope="module")
def cuba_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cuba")
    files = {}
    for n in (1, 2, 3):
        files[n] = str(directory / f"cuba{n}.h5")
        result = mpirun(n, ["examples/cuba.py", "--duration", "1", "--seed", "4321",
                            "--output", files[n]])
        assert result.returncode == 0, result.stdout + result.stderr
    return files


def spikes(filename):
    with h5py.File(filename, "r") as f:
        population = f["spikes/neurongroup"]
        return population["node_ids"][:], population["timestamps"][:], \
            int(f["distsim"].attrs["n_ranks"])


def test_identical_spikes_for_1_2_and_3_ranks(cuba_files):
    ids1, times1, ranks1 = spikes(cuba_files[1])
    assert ranks1 == 1 and len(ids1) > 1000
    for n in (2, 3):
        ids, times, ranks = spikes(cuba_files[n])
        assert ranks == n
        assert np.array_equal(ids, ids1) and np.array_equal(times, times1)


def test_mean_rate_where_brian2_puts_it(cuba_files):
    # Brian2 2.9 gives 5.5-6.2 Hz for these parameters over four seeds.
    ids, times, _ = spikes(cuba_files[1])
    rate = len(ids) / 4000 / 1.0
    assert 5.0 <= rate <= 7.0, rate
    # Excitatory and inhibitory cells both fire, at similar rates.
    assert 0.5 < np.mean(ids < 3200) / 0.8 < 1.5


def test_other_seeds_give_other_spikes_at_brian2s_rate(tmp_path):
    output = str(tmp_path / "cuba_seed.h5")
    result = mpirun(2, ["examples/cuba.py", "--duration", "1", "--seed", "99",
                        "--output", output])
    assert result.returncode == 0, result.stderr
    ids, times, _ = spikes(output)
    assert 5.0 <= len(ids) / 4000 <= 7.0
