"""Identical results on 1, 2 and 3 ranks for a network that uses every
connect form, indexing form, heterogeneous delays, subgroups and inputs;
on 3 ranks with every synapse store's row index compressed
(synapses/row_index.py), and on 2 and 3 ranks with the neurons in contiguous
blocks instead of dealt out (parallel/partition.py): neither may change a
result."""
import h5py
import numpy as np
import pytest

from conftest import mpirun


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("forms")
    results = {}
    for n, row_index, partition in ((1, "auto", "dealt"), (2, "auto", "dealt"),
                                    (3, "auto", "dealt"), (3, "compressed", "dealt"),
                                    (2, "auto", "blocks"), (3, "auto", "blocks")):
        key = n if row_index == "auto" else f"{n}, {row_index} rows"
        key = key if partition == "dealt" else f"{n}, {partition}"
        base = str(directory / f"forms{n}{row_index}{partition}")
        run = mpirun(n, ["tests/models/synapse_forms.py", base],
                     extra_env={"DISTSIM_ROW_INDEX": row_index, "DISTSIM_PARTITION": partition})
        assert run.returncode == 0, run.stdout + run.stderr
        results[key] = (dict(np.load(base + ".npz")), base + ".h5")
    return results


def test_the_network_is_not_trivial(outputs):
    arrays, _ = outputs[1]
    assert len(arrays["fixed.i"]) == 6000
    assert 500 < len(arrays["G.spikes.i"]) and 50 < len(arrays["drive.spikes.i"])
    assert len(np.unique(arrays["fixed.delay"])) > 20  # heterogeneous delays
    # The general synapse models act: plasticity, summed variables, pathways.
    assert len(arrays["H.spikes.i"]) > 50
    assert np.ptp(arrays["plastic.w"], axis=1).min() > 0
    assert np.any(arrays["plastic.Apost"] < 0) and arrays["nmda.gtot"].max() > 0.1
    assert arrays["nmda.arrivals"][:, -1].min() > 0
    # the summed variable sets only the subgroup H[10:50]; on_post counted
    assert np.all(arrays["nmda.drive_sum"][[0, 4]] == 0)
    assert np.all(arrays["nmda.drive_sum"][1:4, -1] != 0) and arrays["sub.c"].max() > 0
    assert len(np.unique(arrays["sub.post.delay"])) == 5
    assert np.ptp(arrays["linked.x"]) > 1  # follows G.v through the link


@pytest.mark.parametrize("n", [2, 3, "3, compressed rows", "2, blocks", "3, blocks"])
def test_every_array_is_identical_across_rank_counts(outputs, n):
    reference, _ = outputs[1]
    arrays, _ = outputs[n]
    assert set(arrays) == set(reference)
    for key in reference:
        assert np.array_equal(arrays[key], reference[key]), key


def file_content(path):
    """Every dataset and attribute outside /distsim (run metadata)."""
    content = {}
    with h5py.File(path, "r") as f:
        def visit(name, item):
            if name.startswith("distsim"):
                return
            for key, value in item.attrs.items():
                content[f"{name}@{key}"] = np.asarray(value)
            if isinstance(item, h5py.Dataset):
                content[name] = item[...]
        f.visititems(visit)
        for key, value in f.attrs.items():
            content[f"@{key}"] = np.asarray(value)
    return content


@pytest.mark.parametrize("n", [2, 3, "3, compressed rows", "2, blocks", "3, blocks"])
def test_the_results_files_are_identical(outputs, n):
    reference, other = file_content(outputs[1][1]), file_content(outputs[n][1])
    assert "spikes/neurongroup/node_ids" in reference and "report/neurongroup.v/data" in reference
    assert "rates/ratemonitor/rate" in reference and "spikes/neurongroup/v" in reference
    assert reference.keys() == other.keys()
    for key in reference:
        assert np.array_equal(reference[key], other[key]), key
