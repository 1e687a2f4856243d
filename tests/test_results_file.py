"""The results file: SONATA layout, dtypes, units and metadata."""
import h5py
import numpy as np

import distsim
from distsim import NeuronGroup, SpikeMonitor, load, ms, run, save


def small_run(tmp_path):
    G = NeuronGroup(5, "dv/dt = (I - v)/tau : 1\nI : 1", threshold="v > 1", reset="v = 0",
                    method="exact", name="cells", namespace={"tau": 10 * ms})
    G.I = "1.5 + 0.2*i"
    mon = SpikeMonitor(G)
    run(40 * ms)
    filename = str(tmp_path / "out.h5")
    save(filename)
    return G, mon, filename


def test_sonata_spike_layout(tmp_path):
    G, mon, filename = small_run(tmp_path)
    with h5py.File(filename, "r") as f:
        assert f.attrs["magic"] == 0x0A7A and f.attrs["magic"].dtype == np.uint32
        assert list(f.attrs["version"]) == [0, 1] and f.attrs["version"].dtype == np.uint32
        population = f["spikes/cells"]
        sorting = population.attrs["sorting"]
        assert h5py.check_enum_dtype(population.attrs.get_id("sorting").dtype) == \
            {"none": 0, "by_id": 1, "by_time": 2}
        assert sorting == 2
        assert population["node_ids"].dtype == np.uint64
        assert population["timestamps"].dtype == np.float64
        assert population["timestamps"].attrs["units"] == "ms"
        assert population["node_ids"].chunks is not None
        assert np.array_equal(population["node_ids"][:], mon.i)
        assert np.allclose(population["timestamps"][:], np.asarray(mon.t_) * 1e3)
        assert np.all(np.diff(population["timestamps"][:]) >= 0)
        meta = f["distsim"].attrs
        assert meta["seed"] == 12345 and meta["n_ranks"] == 1
        assert meta["dt"] == 0.1 and meta["dt_units"] == "ms"
        assert meta["t_end"] == 40.0
        assert "numpy" in meta["versions"] and meta["script"] is not None
        assert f["distsim/populations"].attrs["cells"] == 5


def test_load_gives_the_spikes_with_units(tmp_path):
    G, mon, filename = small_run(tmp_path)
    assert mon.num_spikes > 10
    with load(filename) as results:
        cells = results.spikes["cells"]
        assert cells.sorting == "by_time" and cells.n_nodes == 5
        assert np.array_equal(cells.node_ids, mon.i)
        assert np.allclose(np.asarray(cells.timestamps), np.asarray(mon.t))
        assert results.metadata["versions"]["distsim"] == distsim.__version__


def test_info_command(tmp_path, capsys):
    G, mon, filename = small_run(tmp_path)
    from distsim.io.cli import main
    main(["info", filename])
    out = capsys.readouterr().out
    assert "cells" in out and str(mon.num_spikes) in out
