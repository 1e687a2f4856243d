"""The results file: SONATA layout, dtypes, units and metadata."""
import h5py
import pytest
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
    from distsim.cli import main
    main(["info", filename])
    out = capsys.readouterr().out
    assert "cells" in out and str(mon.num_spikes) in out


def monitored_run(path):
    from distsim import PopulationRateMonitor, StateMonitor, Synapses
    G = NeuronGroup(20, "dv/dt = (I - v)/tau : 1\nI : 1", threshold="v > 1", reset="v = 0",
                    method="exact", name="cells", namespace={"tau": 10 * ms})
    G.I = "1.2 + 0.05*i"
    S = Synapses(G, G, "w : 1", on_pre="v_post += w")
    S.connect(p=0.3)
    S.w = "0.05*rand()"
    spikes = SpikeMonitor(G)
    trace = StateMonitor(G, "v", record=[1, 7, 19])
    rate = PopulationRateMonitor(G)
    run(100 * ms, output=path, flush_interval=25 * ms)
    save(path)
    return G, spikes, trace, rate


def test_report_layout_is_sonata(tmp_path):
    path = str(tmp_path / "r.h5")
    G, spikes, trace, rate = monitored_run(path)
    with h5py.File(path, "r") as f:
        report = f["report/cells"]
        assert report["data"].shape == (1000, 3) and report["data"].dtype == np.float32
        assert report["data"].attrs["units"] == "1"
        assert list(report["mapping/node_ids"][:]) == [1, 7, 19]
        assert report["mapping/node_ids"].dtype == np.uint64
        assert list(report["mapping/index_pointers"][:]) == [0, 1, 2, 3]
        assert list(report["mapping/element_ids"][:]) == [0, 0, 0]
        assert np.allclose(report["mapping/time"][:], [0.0, 100.0, 0.1])
        assert report["mapping/time"].attrs["units"] == "ms"
        assert np.allclose(report["data"][:].T, np.asarray(trace.v))
        assert f["rates/ratemonitor/rate"].attrs["units"] == "Hz"


def test_libsonata_reads_spikes_and_reports(tmp_path):
    import libsonata
    path = str(tmp_path / "r.h5")
    G, spikes, trace, rate = monitored_run(path)
    reader = libsonata.SpikeReader(path)
    assert reader.get_population_names() == ["cells"]
    population = reader["cells"]
    assert population.sorting == "by_time"
    pairs = np.array(population.get())
    assert np.array_equal(pairs[:, 0].astype(np.int64), spikes.i)
    assert np.allclose(pairs[:, 1], np.asarray(spikes.t_) * 1e3)
    report = libsonata.ElementReportReader(path)["cells"]
    frame = report.get(node_ids=[7])
    assert np.allclose(np.asarray(frame.data)[:, 0], np.asarray(trace[7].v))


def test_neo_and_elephant_read_the_results(tmp_path):
    import quantities as pq
    from elephant.statistics import mean_firing_rate
    path = str(tmp_path / "r.h5")
    G, spikes, trace, rate = monitored_run(path)
    with load(path) as results:
        block = results.to_neo()
    trains = block.segments[0].spiketrains
    assert len(trains) == 20
    counts = spikes.count
    for k in (0, 10, 19):
        assert trains[k].annotations["node_id"] == k
        expected = counts[k] / 0.1
        assert float(mean_firing_rate(trains[k]).rescale(pq.Hz)) == pytest.approx(expected)
    signal = block.segments[0].analogsignals[0]
    assert signal.shape == (1000, 3)


def test_plot_command_writes_a_png(tmp_path):
    path = str(tmp_path / "r.h5")
    monitored_run(path)
    from distsim.cli import main
    png = str(tmp_path / "raster.png")
    main(["plot", path, "-o", png])
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
