"""Explicit connect calls and the ``[-k:]`` assignments after them, made by
each rank alone and queued (distsim/synapses/queued_calls.py): the same
synapses and values as the same calls made by all ranks together."""
import numpy as np
import pytest

from distsim import NeuronGroup, Synapses, ms, run, start_scope
from distsim.synapses import construction


def _seed_thread_style(mode):
    """Three i/j calls, each followed by delay and weight assignments to its
    synapses, and a stride over two calls. ``mode``: 'queued' (no reads in
    between), 'built' (the synapses read after each call: each assignment
    then goes through the store, made by all ranks together)."""
    start_scope()
    G = NeuronGroup(50, "v : 1", name="neurons")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", name="syn")
    pairs = np.random.RandomState(3)
    for nsyn in (60, 80, 70):
        S.connect(i=pairs.randint(0, 50, nsyn), j=pairs.randint(0, 50, nsyn))
        if mode == "built":
            S.store  # noqa: B018 - builds the queue
        else:
            assert construction.has_pending() and len(S._queued_calls) >= 1
        S.delay[-nsyn:] = "clip(2*ms + 0.5*ms*randn(), 0.1*ms, inf*ms)"
        S.w[-nsyn:] = "rand()"
    S.w[100:150:7] = "10 + rand()"  # a stride over the second and third calls
    if mode == "queued":
        assert len(S._queued_calls) == 3  # nothing was built yet
    return [np.asarray(getattr(S, v)) for v in ("i", "j", "w", "delay")]


def test_queued_calls_and_slices_equal_those_made_together():
    queued, built = _seed_thread_style("queued"), _seed_thread_style("built")
    for a, b in zip(queued, built):
        assert np.array_equal(a, b)
    w = queued[2]
    assert len(np.unique(w)) == len(w) and np.all(w[100:150:7] >= 10)
    assert np.sum(w >= 10) == len(range(100, 150, 7))


def _values_style(build_each_call):
    start_scope()
    G = NeuronGroup(30, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", delay=1 * ms)
    pairs = np.random.RandomState(5)
    for k, nsyn in enumerate((40, 25, 35)):
        S.connect(i=pairs.randint(0, 30, nsyn), j=pairs.randint(0, 30, nsyn))
        if build_each_call:
            S.store  # noqa: B018 - builds the queue
        S.w[-nsyn:] = pairs.rand(nsyn)                   # one value per synapse
        S.delay[-nsyn:] = (k + 1) * ms                    # a number with units
    S.w[45:95:4] = np.arange(len(range(45, 95, 4)))      # a stride over two calls
    assert len(S._queued_calls) == (0 if build_each_call else 3)
    with pytest.raises(ValueError, match="3 values for 5 synapses"):
        S.w[-5:] = [1, 2, 3]
    return [np.asarray(getattr(S, v)) for v in ("i", "j", "w", "delay")]


def test_values_set_on_queued_calls_equal_those_set_together():
    for a, b in zip(_values_style(False), _values_style(True)):
        assert np.array_equal(a, b)
    w = _values_style(False)[2]
    assert np.array_equal(w[45:95:4], np.arange(len(range(45, 95, 4))))


def test_a_slice_reaching_built_synapses_or_after_a_whole_assignment_keeps_order():
    G = NeuronGroup(20, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w")
    S.connect(i=np.arange(10), j=np.arange(10))
    run(0 * ms)                                     # built
    S.connect(i=np.arange(5), j=np.arange(5) + 10)  # queued
    S.w[-8:] = "2"                                  # reaches 3 built synapses: together
    S.w = "w + 1"                                   # all synapses, queued after the slice
    S.connect(i=np.arange(4), j=np.arange(4) + 15)  # queued behind a whole assignment
    S.w[-4:] = "7"
    assert list(np.asarray(S.w)) == [1] * 7 + [3] * 8 + [7] * 4


def test_input_errors_at_the_line_and_value_errors_when_built():
    G = NeuronGroup(10, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", name="syn")
    with pytest.raises(IndexError, match=r"pair \(i=10, j=0\) is outside the groups"):
        S.connect(i=[10], j=[0])
    with pytest.raises(TypeError, match="must be given as integers"):
        S.connect(i=[0.5], j=[0])
    S.connect(i=np.arange(5), j=np.arange(5))
    S.delay[-5:] = "(rand() - 2)*ms"                # negative: only the values show it
    with pytest.raises(ValueError, match="delays must be finite and non-negative") as info:
        run(0 * ms)
    assert "Synapses 'syn'" in str(info.value)
    assert "Synapses 'syn'.delay[...] = '(rand() - 2)*ms'" in "\n".join(getattr(info.value, "__notes__", []))


def test_after_a_failed_build_the_synapses_refuse_to_run():
    # The steps queued after the failing one were never made: a script that
    # catches the error must not go on with a part of the model.
    G = NeuronGroup(10, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", name="syn")
    S.connect(i=np.arange(5), j=np.arange(5))
    S.delay[-5:] = "(rand() - 2)*ms"
    S.connect(i=np.arange(3), j=np.arange(3))       # queued after the failing step
    with pytest.raises(ValueError, match="delays must be finite"):
        run(0 * ms)
    for use in (lambda: run(0 * ms), lambda: S.N, lambda: S.w[:]):
        with pytest.raises(RuntimeError, match=r"Synapses 'syn' is incomplete: building its "
                                               r"queued .* failed \(.*delays must be finite"):
            use()


@pytest.mark.mpi(min_size=2)
def test_ranks_given_other_arrays_get_an_error_on_every_rank():
    # An unseeded draw on each rank would build a different model silently.
    from distsim.parallel import CollectiveError, get_comm
    rank = get_comm().Get_rank()
    G = NeuronGroup(10, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", name="syn")
    S.connect(i=np.arange(5), j=np.arange(5))
    S.connect(i=np.array([1, 2, 3]) if rank != 1 else np.array([3, 2, 1]), j=np.arange(3))
    with pytest.raises((ValueError, CollectiveError),
                       match=r"Synapses 'syn'.connect\(i=..., j=...\) call 2: rank \d was given "
                             r"other arrays"):
        run(0 * ms)


def test_the_fingerprint_sees_values_and_order():
    from distsim.synapses.queued_calls import _fingerprint
    base = _fingerprint(np.array([1, 2, 3]), np.array([4, 5, 6]), 1)
    assert base == _fingerprint([1, 2, 3], np.array([4, 5, 6], dtype=np.int32), 1)
    for i, j, n in (([3, 2, 1], [4, 5, 6], 1), ([1, 2, 3], [4, 6, 5], 1),
                    ([1, 2, 4], [4, 5, 6], 1), ([1, 2, 3], [4, 5, 6], 2), ([1, 2], [4, 5], 1)):
        assert _fingerprint(np.array(i), np.array(j), n) != base
    long = np.random.RandomState(1).randint(0, 1000, 1000)
    swapped = long.copy()
    swapped[[5, 700]] = swapped[[700, 5]]
    assert long[5] != long[700]
    assert _fingerprint(long, long, 1) != _fingerprint(swapped, long, 1)
