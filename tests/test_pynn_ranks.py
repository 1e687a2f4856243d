"""distsim.pynn gives the same results on 1, 2 and 3 ranks (PyNN's
``parallel_safe`` promise, kept for everything drawn during the run too),
including populations with fewer cells than ranks (PyNN#767)."""
import numpy as np
import pytest

from conftest import mpirun


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pynn")
    results = {}
    for n in (1, 2, 3):
        base = str(directory / f"pynn{n}")
        run = mpirun(n, ["tests/models/pynn_network.py", base], timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        results[n] = dict(np.load(base + ".npz"))
    return results


def test_the_network_is_not_trivial(outputs):
    arrays = outputs[1]
    spikes = {name: sum(len(v) for k, v in arrays.items() if k.startswith(name + ".spikes"))
              for name in ("exc", "inh", "adex", "hh")}
    assert spikes["exc"] > 20 and spikes["inh"] > 0 and spikes["adex"] > 0 and spikes["hh"] > 0
    assert arrays["exc.v"].shape == (801, 30) and arrays["exc.gsyn_exc"].shape == (801, 5)
    for name, count in (("total", 50), ("array", 29), ("file", 3)):
        assert len(arrays[f"connector.{name}"]) == count, name
    assert 0 < len(arrays["connector.distance"]) < 144
    assert len(arrays["connector.index"]) == 48  # (i + j) % 3 == 0 of 16 x 9
    weights = arrays["plastic.weights"][:, 2]
    assert np.ptp(weights) > 1e-4  # STDP moved them (w_max = 0.01)


@pytest.mark.parametrize("n", [2, 3])
def test_identical_on_every_rank_count(outputs, n):
    reference, arrays = outputs[1], outputs[n]
    assert set(arrays) == set(reference)
    for key in reference:
        assert np.array_equal(arrays[key], reference[key]), key
