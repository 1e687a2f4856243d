"""Identical results on 1 and on 2, 3, 4 and 8 ranks (oversubscribed on
this machine's 2 cores): the microcircuit at scale 0.1, the network that
uses every connect form, and a group with fewer neurons than ranks (ranks
that own nothing must neither hang nor fail)."""
import h5py
import numpy as np
import pytest

from conftest import mpirun


def _spikes(filename):
    with h5py.File(filename, "r") as f:
        return {name: (f[f"spikes/{name}/node_ids"][:], f[f"spikes/{name}/timestamps"][:])
                for name in f["spikes"]}


def _assert_identical(expected, produced):
    assert expected.keys() == produced.keys()
    for name, (ids, times) in expected.items():
        assert np.array_equal(ids, produced[name][0]), name
        assert np.array_equal(times, produced[name][1]), name


@pytest.fixture(scope="module")
def microcircuit_on_one_rank(tmp_path_factory):
    output = str(tmp_path_factory.mktemp("mc") / "one.h5")
    result = mpirun(1, ["examples/microcircuit.py", "--scale", "0.1", "--duration", "0.1",
                        "--output", output, "--report", ""])
    assert result.returncode == 0, result.stderr
    return _spikes(output)


@pytest.mark.parametrize("n_ranks", [2, 3, 4, 8])
def test_the_microcircuit_is_identical_on_2_3_4_and_8_ranks(tmp_path, microcircuit_on_one_rank,
                                                        n_ranks):
    output = str(tmp_path / "many.h5")
    result = mpirun(n_ranks, ["examples/microcircuit.py", "--scale", "0.1", "--duration", "0.1",
                              "--output", output, "--report", ""], timeout=600)
    assert result.returncode == 0, result.stderr
    assert sum(len(ids) for ids, _ in microcircuit_on_one_rank.values()) > 1000
    _assert_identical(microcircuit_on_one_rank, _spikes(output))


def test_every_connect_form_is_identical_on_8_ranks(tmp_path):
    arrays = {}
    for n in (1, 8):
        base = str(tmp_path / f"forms{n}")
        result = mpirun(n, ["tests/models/synapse_forms.py", base], timeout=600)
        assert result.returncode == 0, result.stderr
        arrays[n] = dict(np.load(base + ".npz"))
    assert arrays[1].keys() == arrays[8].keys()
    for key, values in arrays[1].items():
        assert np.array_equal(values, arrays[8][key]), key


FEWER_NEURONS_THAN_RANKS = """
import sys
from distsim import *
seed(2)
G = NeuronGroup(3, "dv/dt = (I - v)/(10*ms) : 1\\nI : 1", threshold="v > 1", reset="v = 0",
                method="exact", name="few")
G.I = "1.5 + 0.5*rand()"
S = Synapses(G, G, "w : 1", on_pre="v_post += w")
S.connect(condition="i != j")
S.w = 0.1
S.delay = "j*ms"
spikes = SpikeMonitor(G)
state = StateMonitor(G, "v", record=True)
run(50*ms)
assert len(S) == 6 and G.v[:].shape == (3,)
save(sys.argv[1])
"""


def test_a_group_with_fewer_neurons_than_ranks_runs_on_8_ranks(tmp_path):
    script = tmp_path / "few.py"
    script.write_text(FEWER_NEURONS_THAN_RANKS)
    results = {}
    for n in (1, 8):
        output = str(tmp_path / f"few{n}.h5")
        result = mpirun(n, [str(script), output], timeout=300)
        assert result.returncode == 0, result.stderr
        with h5py.File(output, "r") as f:
            results[n] = (_spikes(output), f["report/few/data"][:])
    assert len(results[1][0]["few"][0]) > 10
    _assert_identical(results[1][0], results[8][0])
    assert np.array_equal(results[1][1], results[8][1])
