"""The row index of the synapse store (distsim/synapses/row_index.py): a
compressed index keeps rows only for the sources a rank has synapses from,
so its memory follows those sources, not the source group's size, and every
result is the one the dense index gives."""
import numpy as np
import pytest

import distsim as ds
from distsim.synapses import row_index
from distsim.synapses.store import SynapseStore


def test_compress_and_expand_are_inverse_and_auto_picks_by_size():
    counts = np.zeros(1000, dtype=np.int64)
    counts[[3, 17, 999]] = [2, 5, 1]
    dense = np.concatenate([[0], np.cumsum(counts)])
    sources, rows = row_index.compress(dense, "compressed")
    assert list(sources) == [3, 17, 999] and list(rows) == [0, 2, 7, 8]
    assert np.array_equal(row_index.expand(sources, rows, 1000), dense)
    assert row_index.compress(dense, "auto")[0] is not None       # 3 of 1000 sources
    assert row_index.compress(dense, "dense")[0] is None
    full = np.arange(11, dtype=np.int64)                             # every source
    assert row_index.compress(full, "auto")[0] is None
    assert list(row_index.rows_of(sources, np.array([0, 3, 17, 500, 999]))) == [-1, 0, 1, -1, 2]
    assert list(row_index.rows_of(None, np.array([4, 7]))) == [4, 7]
    bits = row_index.presence_bits(sources, 1000)
    assert len(bits) == 16 and bits.dtype == np.uint64
    assert [s for s in range(1000) if (int(bits[s // 64]) >> (s % 64)) & 1] == [3, 17, 999]


def test_the_environment_variable_is_checked(monkeypatch):
    monkeypatch.setenv("DISTSIM_ROW_INDEX", "sparse")
    with pytest.raises(ValueError, match="DISTSIM_ROW_INDEX='sparse'"):
        row_index.chosen_form()


def _store(form, monkeypatch, n_sources=100_000):
    """Synapses from 300 of ``n_sources`` sources, in three connect calls
    (merged into one store), and one slice assignment to the newest."""
    monkeypatch.setenv("DISTSIM_ROW_INDEX", form)
    rng = np.random.default_rng(11)
    used = rng.choice(n_sources, 300, replace=False)
    store = SynapseStore(n_sources, 0, {"w": np.float64})
    for call in range(3):
        sources = rng.choice(used, 2000)
        targets = rng.integers(0, 40, 2000)
        order = np.argsort(targets, kind="stable")
        store.add(sources[order], targets[order], {"w": float(call)})
    return store


def test_a_sparse_store_keeps_rows_for_its_sources_only(monkeypatch):
    dense, compressed = _store("dense", monkeypatch), _store("auto", monkeypatch)
    assert compressed.row_sources is not None and dense.row_sources is None
    assert compressed.n_rows == 300 and dense.n_rows == 100_000
    # 16 bytes per source it has synapses from (+8), not 8 per source neuron
    index_bytes = compressed.row_start.nbytes + compressed.row_sources.nbytes
    assert index_bytes == 300 * 16 + 8 and dense.row_start.nbytes == 100_001 * 8
    assert dense.index_nbytes >= 4 * 100_001 * 8     # the rows and 3 calls' counts
    # and a bit per source neuron, to turn away spikes without synapses here
    assert compressed.row_bits.nbytes == (100_000 + 63) // 64 * 8
    assert compressed.index_nbytes <= 4 * (300 * 16 + 8) + compressed.row_bits.nbytes
    assert dense.nbytes - compressed.nbytes == dense.index_nbytes - compressed.index_nbytes
    # the same synapses in the same order, found the same way
    assert np.array_equal(dense.local_targets, compressed.local_targets)
    assert np.array_equal(dense.variables["w"], compressed.variables["w"])
    assert np.array_equal(dense.sources, compressed.sources)
    for chunk in (slice(100, 4100), slice(5999, 6000), np.array([5, 4000, 17, 5999])):
        assert np.array_equal(dense.sources_in(chunk), compressed.sources_in(chunk))
    assert np.array_equal(dense.merged_row_start(), compressed.merged_row_start())
    for (_, p1, s1, w1), (_, p2, s2, w2) in zip(dense.call_segments(),
                                                compressed.call_segments()):
        assert np.array_equal(p1, p2) and np.array_equal(s1, s2) and np.array_equal(w1, w2)
    # a connect call remembers its sources, not a count per source neuron
    call, dense_call = compressed.calls[0], dense.calls[0]
    assert call.nbytes <= 300 * 16 + 8 and dense_call.nbytes == 100_001 * 8
    assert call.n_local == 2000 and len(call.counts_by_source) == 100_000
    assert np.array_equal(call.counts_by_source, dense_call.counts_by_source)


def _explicit_store(form, monkeypatch, n_sources):
    """Three explicit i/j connect calls (given positions) from 300 sources."""
    monkeypatch.setenv("DISTSIM_ROW_INDEX", form)
    rng = np.random.default_rng(12)
    used = rng.choice(n_sources, 300, replace=False)
    store = SynapseStore(n_sources, 0, {"w": np.float64})
    for call in range(3):
        sources, targets = rng.choice(used, 2000), rng.integers(0, 40, 2000)
        order = np.argsort(targets, kind="stable")
        store.add(sources[order], targets[order], {"w": float(call)}, order)
    return store


def test_building_a_sparse_store_costs_its_synapses_not_the_source_group(monkeypatch):
    import tracemalloc
    tracemalloc.start()
    try:
        store = _explicit_store("auto", monkeypatch, 20_000_000)
        segments = list(store.call_segments())
        assert store.n_rows == 300
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # a dense step (row starts or counts per source) would take 160 MB
    assert peak < 8 * 2**20 + store.row_bits.nbytes, peak
    dense = _explicit_store("dense", monkeypatch, 20_000)
    auto = _explicit_store("auto", monkeypatch, 20_000)
    assert auto.row_sources is not None
    assert np.array_equal(dense.local_targets, auto.local_targets)
    assert np.array_equal(dense.variables["w"], auto.variables["w"])
    for (c1, p1, s1, w1), (c2, p2, s2, w2) in zip(dense.call_segments(), auto.call_segments()):
        assert np.array_equal(c1.given_positions, c2.given_positions)
        assert np.array_equal(p1, p2) and np.array_equal(s1, s2) and np.array_equal(w1, w2)
    assert len(segments) == 3
    with pytest.raises(IndexError, match=r"synapse \(20000, 0\) is outside the store"):
        auto.add(np.array([20_000]), np.array([0]), {})


def _sparse_network():
    """20,000 spike sources, 60 targets, each target with synapses from a few
    sources: plastic (pre and post pathways), with a clock-driven synaptic
    trace summed into the targets."""
    ms = ds.ms
    n_sources = 20_000
    rng = np.random.default_rng(4)
    indices = rng.integers(0, n_sources, 3000)
    times = np.sort(rng.uniform(0, 95, 3000)) * ms
    source = ds.SpikeGeneratorGroup(n_sources, indices, times, name="many_sources")
    target = ds.NeuronGroup(60, """dv/dt = (I_syn - v)/(10*ms) : 1
                                   I_syn : 1""", threshold="v > 0.12", reset="v = 0",
                            method="exact", name="few_targets")
    S = ds.Synapses(source, target, """w : 1
                                       dx/dt = -x/(3*ms) : 1 (clock-driven)
                                       I_syn_post = w*x : 1 (summed)
                                       dapre/dt = -apre/(20*ms) : 1 (event-driven)
                                       dapost/dt = -apost/(20*ms) : 1 (event-driven)""",
                    on_pre="""x += 1
                              apre += 0.01
                              w = clip(w + apost, 0, 1)""",
                    on_post="""apost -= 0.012
                               w = clip(w + apre, 0, 1)""",
                    method="exact", name="sparse_synapses")
    S.connect(p=0.0015)
    S.w = "0.2 + 0.6*rand()"
    S.delay = "(0.1 + 2*rand())*ms"
    fast = ds.Synapses(source, target, on_pre="v_post += 0.05", name="sparse_direct")
    fast.connect(i=indices[:200], j=np.arange(200) % 60)
    spikes = ds.SpikeMonitor(target, name="few_spikes")
    return ds.Network(source, target, S, fast, spikes), S, fast, target, spikes


@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_a_compressed_index_gives_the_dense_index_results(target, monkeypatch):
    results = []
    for form in ("dense", "auto"):
        monkeypatch.setenv("DISTSIM_ROW_INDEX", form)
        ds.start_scope()
        ds.prefs.codegen.target = target
        try:
            ds.seed(8)
            net, S, fast, G, spikes = _sparse_network()
            net.run(100 * ds.ms)
        finally:
            ds.prefs.codegen.target = "auto"
        assert (S.store.row_sources is None) == (form == "dense")
        assert (fast.store.row_sources is None) == (form == "dense")
        results.append({"i": spikes.i[:], "t": spikes.t_[:], "w": np.asarray(S.w[:]),
                        "Si": np.asarray(S.i[:]), "v": G.v_[:], "apost": S.apost[:],
                        "w_01": np.asarray(S.w[S.i[:][:5], S.j[:][:5]])})
    dense, compressed = results
    assert len(dense["i"]) > 30 and np.ptp(dense["w"]) > 0.5
    assert not np.allclose(dense["w"], 0.2 + 0.6 * 0.5)
    for key in dense:
        assert np.array_equal(dense[key], compressed[key]), key
