"""Multi-rank behaviour, run under mpirun -n 2 and -n 3 (pytest-mpi)."""
import numpy as np
import pytest

from distsim import NeuronGroup, SpikeMonitor, Synapses, mV, ms, run, save
from distsim.parallel import CollectiveError, SpikeExchange, collective, get_comm
from distsim.synapses import connect as rules

pytestmark = pytest.mark.mpi(min_size=2)


def test_neurons_are_partitioned_in_contiguous_blocks(monkeypatch):
    monkeypatch.setenv("DISTSIM_PARTITION", "blocks")
    comm = get_comm()
    G = NeuronGroup(1001, "v : volt")
    blocks = comm.allgather((G.start, G.stop))
    assert blocks[0][0] == 0 and blocks[-1][1] == 1001
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    assert max(b - a for a, b in blocks) - min(b - a for a, b in blocks) <= 1
    assert np.array_equal(G.local_indices, np.arange(G.start, G.stop))


def test_neurons_are_dealt_out_round_robin(monkeypatch):
    # NEST's way: every part of a group (a population written as a
    # subgroup) is spread evenly over the ranks.
    monkeypatch.setenv("DISTSIM_PARTITION", "dealt")
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    G = NeuronGroup(1001, "v : volt")
    assert np.array_equal(G.local_indices, np.arange(rank, 1001, size))
    shares = comm.allgather(G.local_indices)
    assert np.array_equal(np.sort(np.concatenate(shares)), np.arange(1001))
    population = G[100:300]  # a subgroup: a contiguous part of each rank's storage
    assert np.array_equal(population.local_indices + 100,
                          G.local_indices[(G.local_indices >= 100) & (G.local_indices < 300)])
    assert abs(population.n_local - 200 / size) < 1
    with pytest.raises(NotImplementedError, match="DISTSIM_PARTITION=blocks"):
        G.start  # noqa: B018 - code that needs a contiguous block says so, on every rank


def test_assignment_and_reading_are_global():
    G = NeuronGroup(10, "v : volt")
    G.v = "i*mV"
    assert np.allclose(np.asarray(G.v_), np.arange(10) * 1e-3)
    G.v[2:4] = -1 * mV
    G.v["i > 8"] = 5 * mV
    expected = np.arange(10) * 1e-3
    expected[2:4] = -1e-3
    expected[9] = 5e-3
    assert np.allclose(np.asarray(G.v_), expected)
    G.v = "rand()*mV"
    values = np.asarray(G.v_)
    # every rank reads the same values
    assert all(np.array_equal(values, other) for other in get_comm().allgather(values))


def test_each_rank_stores_only_its_targets_and_the_union_is_the_serial_set():
    pre = NeuronGroup(300, "v : 1", name="pre")
    post = NeuronGroup(200, "v : 1", name="post")
    S = Synapses(pre, post, on_pre="v += 1")
    S.connect(p=0.1)
    targets = S.store.targets
    assert np.all(post.owns(targets))
    # The serial set: the same keyed generation for all targets at once.
    from distsim.core.random import stream_key
    sources_all, targets_all = rules.bernoulli_candidates(stream_key(S.name, "connect", 0), 300,
                                                          np.arange(200, dtype=np.int64), 0.1)
    assert S.N == len(sources_all)
    pairs = sorted(zip(np.asarray(S.i), np.asarray(S.j)))
    assert pairs == sorted(zip(sources_all, targets_all))


def test_exchange_gives_every_rank_all_spikes_sorted():
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    ids = np.array([100 * rank + 5, 100 * rank + 1], dtype=np.int64)
    steps = np.array([3, 7], dtype=np.int64)
    all_ids, all_steps = SpikeExchange().exchange(ids, steps)
    expected = sorted((s, i) for r in range(size) for i, s in ((100 * r + 5, 3), (100 * r + 1, 7)))
    assert list(zip(all_steps, all_ids)) == expected


def test_the_exchange_counts_the_time_a_rank_waits_for_the_others():
    # What examples/microcircuit.py reports as waiting in the spike exchange.
    import time
    comm = get_comm()
    exchange = SpikeExchange()
    none = np.empty(0, dtype=np.int64)
    exchange.exchange(none, none)
    before = exchange.wait_seconds
    if comm.Get_rank() == 1:
        time.sleep(0.3)
    exchange.exchange(none, none)
    waited = exchange.wait_seconds - before
    assert (waited < 0.2) if comm.Get_rank() == 1 else (waited > 0.2)


def test_exchange_grows_when_a_window_does_not_fit():
    # Rank 1 spikes far more than the fixed block holds: the lists go by
    # Allgatherv, the block grows, and the next windows use it.
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    exchange = SpikeExchange()
    first_capacity = exchange.capacity
    for window, many in enumerate((3, 5 * first_capacity, 3 * first_capacity, 0)):
        n = many if rank == 1 else 2
        ids = (rank * 100_000 + np.arange(n) * 7).astype(np.int64)
        steps = np.full(n, window, dtype=np.int64)
        all_ids, all_steps = exchange.exchange(ids, steps)
        expected = np.sort(np.concatenate([r * 100_000 + np.arange(many if r == 1 else 2) * 7
                                           for r in range(size)]))
        assert np.array_equal(all_ids, expected) and np.all(all_steps == window)
    assert exchange.capacity >= 5 * first_capacity
    assert exchange.spikes_exchanged == sum(2 * (size - 1) + m
                                            for m in (3, 5 * first_capacity, 3 * first_capacity, 0))


def test_an_error_on_one_rank_is_raised_on_every_rank():
    rank = get_comm().Get_rank()
    with pytest.raises((ValueError, CollectiveError)) as info:
        with collective("the test step"):
            if rank == 1:
                raise ValueError("bad input on rank 1")
    if rank != 1:
        assert "rank 1" in str(info.value) and "bad input" in str(info.value)


def test_model_errors_are_raised_on_every_rank_without_hanging():
    G = NeuronGroup(10, "dv/dt = -v : volt")
    with pytest.raises(Exception, match="Inconsistent units"):
        run(1 * ms)


def test_a_network_with_heterogeneous_delays_writes_the_same_file_on_any_rank_count(tmp_path_factory):
    # Compare this run's file with the spikes of a network on one rank,
    # recomputed here on rank 0's view: all ranks see the same monitor data.
    G = NeuronGroup(50, "dv/dt = (2 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                    method="exact")
    G.v = "rand()"
    S = Synapses(G, G, "w : 1", on_pre="v_post += w")
    S.connect(p=0.2)
    S.w = "0.1*randn()"
    S.delay = "rand()*3*ms"
    mon = SpikeMonitor(G)
    run(50 * ms)
    comm = get_comm()
    spikes = (mon.i.copy(), mon.t_.copy())
    views = comm.allgather(spikes)
    assert all(np.array_equal(v[0], spikes[0]) and np.array_equal(v[1], spikes[1]) for v in views)
    path = comm.bcast(str(tmp_path_factory.mktemp("mpi") / "het.h5") if comm.Get_rank() == 0
                      else None)
    save(path)
    import h5py
    with h5py.File(path, "r") as f:
        assert np.array_equal(f["spikes/neurongroup/node_ids"][:], spikes[0])
        assert f["distsim"].attrs["n_ranks"] == comm.Get_size()


def test_seed_thread_methods_agree_on_every_rank_count():
    from models.seed_thread import simulate
    i1, t1, v1 = simulate(1)
    i2, t2, v2 = simulate(2)
    assert np.array_equal(i1, i2) and np.array_equal(t1, t2) and np.array_equal(v1, v2)
    assert len(i1) > 0


def test_an_error_in_queued_synapse_work_on_one_rank_is_raised_on_every_rank():
    # Only the ranks owning targets j >= 8 get negative delays.
    G = NeuronGroup(10, "v : volt", name="cells")
    S = Synapses(G, G, "w : volt", on_pre="v += w", name="late_wiring")
    S.connect(p=0.5)
    S.delay = "(7.5 - j)*ms"
    with pytest.raises((ValueError, CollectiveError)) as info:
        run(1 * ms)
    assert "late_wiring" in str(info.value) and "non-negative" in str(info.value)
    if not G.owns([8, 9]).any():
        assert isinstance(info.value, CollectiveError)


def test_connect_local_numbers_the_synapses_as_one_rank_would():
    # A front-end (PyNN's connectors, SONATA edges) gives each rank the pairs
    # of its own targets; the synapses are numbered by target, as one rank
    # walking the targets in order numbers them (under either partition).
    G = NeuronGroup(10, "v : 1")
    H = NeuronGroup(7, "dv/dt = -v/(10*ms) : 1")
    S = Synapses(G, H, "w : 1", on_pre="v_post += w")
    pairs = [(i, j) for j in range(7) for i in range(10) if (i * 3 + j) % 4 == 0]
    mine = np.array([(i, j) for i, j in pairs if H.owns(j)], dtype=np.int64)
    mine = mine.reshape(-1, 2)
    S.connect_local(mine[:, 0], mine[:, 1],
                    {"w": mine[:, 0] * 10.0 + mine[:, 1], "delay": (mine[:, 0] % 3) * 1e-3})
    i, j = np.asarray(S.i[:]), np.asarray(S.j[:])
    assert list(zip(i, j)) == pairs
    assert np.array_equal(np.asarray(S.w[:]), i * 10.0 + j)
    assert np.allclose(np.asarray(S.delay[:]), (i % 3) * 1e-3)


def test_connect_local_rejects_a_target_of_another_rank_on_every_rank():
    G = NeuronGroup(4, "v : 1")
    H = NeuronGroup(6, "v : 1")
    S = Synapses(G, H, "w : 1", on_pre="v_post += w")
    foreign = np.flatnonzero(~H.owns(np.arange(6)))[0]  # a target another rank owns
    with pytest.raises(Exception, match="not one this rank owns|connect_local"):
        S.connect_local([0], [foreign])


def test_a_condition_on_presynaptic_values_with_uneven_chunks_on_each_rank(monkeypatch):
    # Brian2's Kremer et al. (2011) example: connect('... barrel_x_pre ... ==
    # barrel_idx_post', p=0.5). The ranks split their own targets into
    # chunks, so their numbers of passes differ (7 targets: 3 and 4 on 2
    # ranks, one target a chunk); the presynaptic values are gathered once
    # for the call, not once per chunk (which mismatched the collectives).
    monkeypatch.setattr(rules, "PAIRS_PER_CHUNK", 1)
    pre = NeuronGroup(12, "barrel : integer", name="barrels_pre")
    post = NeuronGroup(7, "barrel_idx : integer", name="barrels_post")
    pre.barrel = "i // 4"
    post.barrel_idx = "i % 3"
    S = Synapses(pre, post, "w : 1", on_pre="w += 1")
    S.connect("barrel_pre == barrel_idx_post")
    pairs = set(zip(np.asarray(S.i[:]).tolist(), np.asarray(S.j[:]).tolist()))
    assert pairs == {(i, j) for i in range(12) for j in range(7) if i // 4 == j % 3}


def test_index_equalities_connect_the_same_synapses_on_every_rank_count():
    from test_connect_forms import index_equality_pairs
    for condition, direct, pair_by_pair, expected in index_equality_pairs():
        assert direct == pair_by_pair, condition
        assert sorted(direct) == sorted(expected), condition
