"""The variable table (all the state of an object, one source of each
variable's facts) and the schedule of a step (Brian2's when/order/name)."""
import numpy as np
import pytest

from distsim import (Network, NeuronGroup, PoissonInput, SpikeMonitor, StateMonitor, Synapses,
                     Hz, mV, ms, start_scope)


def test_the_table_lists_all_the_state_of_each_object():
    G = NeuronGroup(4, """dv/dt = -v/(10*ms) : volt (unless refractory)
                          I : amp
                          s : 1 (shared)""", threshold="v > 1*mV", reset="v = 0*mV",
                    refractory=1 * ms)
    S = Synapses(G, G, """w : 1
                          dA/dt = -A/(5*ms) : 1 (event-driven)""",
                 on_pre="v_post += w*mV; A += 1", on_post="w += A")
    S.connect(j="i")
    len(S)
    assert set(G.variables.stored_state()) == {"v", "I", "s", "lastspike", "not_refractory"}
    assert set(S.variables.stored_state()) == {"w", "A", "lastupdate", "delay",
                                               "_delay_post"}
    assert G.variables["s"].shared and G.variables["i"].derived
    assert G.variables["lastspike"].read_only and S.variables["lastupdate"].read_only
    # the values are the object's own arrays, not copies
    S.w = 0.5
    assert np.all(S.variables.stored_state()["w"] == 0.5)
    sub = G[1:3]
    assert sub.variables.stored_state() == {}  # a view: its parent stores the state
    sub.v = 2 * mV
    assert list(np.asarray(G.v_)) == [0, 0.002, 0.002, 0]


def test_read_only_and_unknown_variables_cannot_be_set():
    G = NeuronGroup(2, "v : volt")
    with pytest.raises(AttributeError, match="cannot be set"):
        G.lastspike = 0 * ms
    with pytest.raises(AttributeError, match="no variable 'u'"):
        G.u = 1


def test_the_schedule_follows_brian2s_slots_orders_and_names():
    G = NeuronGroup(10, "dv/dt = (1.2 - v)/(10*ms) : 1\nI : 1", threshold="v > 1",
                    reset="v = 0", name="neurons")
    H = NeuronGroup(5, "dx/dt = -x/(5*ms) : 1\ntotal : 1", name="a_early_name")
    plastic = Synapses(G, G, "w : 1", on_pre="v_post += w", on_post="w += 0.01",
                       name="plastic")
    summed = Synapses(G, H, "y : 1\ntotal_post = y : 1 (summed)", name="summer")
    summed.connect(p=0.5)
    plastic.connect(p=0.5)
    inputs_and_monitors = [PoissonInput(G, "v", 10, 10 * Hz, 0.01, name="noise"),
                           SpikeMonitor(G, variables="v", name="spikes"),
                           StateMonitor(G, "v", record=True, name="trace")]
    G.run_regularly("I = 0", when="end", name="neurons_cleanup")
    net = Network(G, H, plastic, summed, inputs_and_monitors)
    net.run(0.2 * ms)
    summary = net.scheduling_summary()
    assert summary == [
        ("start", 0, "trace"),
        ("groups", -1, "summer_summed_variable_total_post"),
        ("groups", 0, "a_early_name_stateupdater"),
        ("groups", 0, "neurons_stateupdater"),
        ("thresholds", 0, "a_early_name_spike_thresholder"),
        ("thresholds", 0, "neurons_spike_thresholder"),
        ("thresholds", 1, "spikes"),
        ("before_synapses", -(1 << 30), "spike_exchange"),
        ("synapses", -1, "plastic_pre"),
        ("synapses", 0, "noise"),
        ("synapses", 1, "plastic_post"),
        ("resets", 0, "neurons_spike_resetter"),
        ("end", 0, "neurons_cleanup"),
    ]


def test_run_regularly_in_any_slot_sees_the_values_of_that_point_of_the_step():
    # v grows by 0.1 a step and is reset after crossing 2.55 (in step 25)
    seen = {}
    for when in ("start", "after_groups", "end"):
        start_scope()
        G = NeuronGroup(1, "dv/dt = 1/ms : 1\nseen : 1", threshold="v > 2.55", reset="v = 0",
                        name=f"g_{when}")
        G.run_regularly("seen = v", when=when)
        Network(G).run(2.6 * ms)
        seen[when] = float(np.asarray(G.seen)[0])
    assert seen["start"] == pytest.approx(2.5)         # before the update
    assert seen["after_groups"] == pytest.approx(2.6)  # after it, before the reset
    assert seen["end"] == 0                             # after the reset




def _spike_times_ms(method, arrival_slot):
    from distsim import SpikeGeneratorGroup
    start_scope()
    G = SpikeGeneratorGroup(2, [0, 1], [1.04, 2.0] * ms)
    H = NeuronGroup(2, "dm/dt = -m/(10*ms) : 1", threshold="m > 1", reset="m = 0",
                    method=method)
    S = Synapses(G, H, "w : 1", on_pre="m_post += w")
    S.connect(j="i")
    S.w, S.delay = 2, 2 * ms
    S.arrival_slot = arrival_slot
    M = SpikeMonitor(H)
    Network(G, H, S, M).run(6 * ms)
    return np.round(M.t[:] / ms, 9).tolist()


@pytest.mark.parametrize("method", ["exact", "euler"])
def test_input_arriving_before_thresholds_is_seen_in_the_same_step(method):
    # Brian2's timing (Brian2 2.9 gives [3.1, 4.1] ms): a spike at t with
    # delay d is seen by the target's threshold one step after t + d; NEST's and NEURON's (the SONATA
    # reader's IntFire1): at t + d, also where the exact step finds the
    # crossings in its compiled pass.
    assert _spike_times_ms(method, "synapses") == [3.1, 4.1]
    assert _spike_times_ms(method, "before_thresholds") == [3.0, 4.0]


def test_input_arriving_before_thresholds_needs_a_delay():
    from distsim import SpikeGeneratorGroup
    start_scope()
    G = SpikeGeneratorGroup(1, [0], [1.0] * ms)
    H = NeuronGroup(1, "dm/dt = -m/(10*ms) : 1", threshold="m > 1", method="exact")
    S = Synapses(G, H, "w : 1", on_pre="m_post += w")
    S.connect()
    S.arrival_slot = "before_thresholds"
    with pytest.raises(ValueError, match="'synapses'.*at least one time step"):
        Network(G, H, S).run(1 * ms)


def test_code_between_update_and_threshold_is_seen_by_the_threshold():
    # v = 0.6 after the first add, 0.6*exp(-0.1) + 0.6 = 1.14 after the second
    # at 1 ms: the threshold of that step fires (Brian2's order; Brian2 2.9
    # gives [1, 3] ms), although the exact step would find crossings before
    # the add.
    start_scope()
    G = NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                    method="exact")
    G.run_regularly("v += 0.6", dt=1 * ms, when="before_thresholds")
    M = SpikeMonitor(G)
    Network(G, M).run(3.5 * ms)
    assert np.round(M.t[:] / ms, 9).tolist() == [1.0, 3.0]
