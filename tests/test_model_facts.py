"""The demo's microcircuit (examples/microcircuit.py, a script written as the
seed thread writes it, so it states its own numbers) and the model the peer
benchmarks run in NEST and Brian2 (benchmarks/peers/model_facts.py) are one
model: a comparison of the two would otherwise compare different networks."""
import importlib.util
import os
import sys

import numpy as np

from conftest import ROOT


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_demo_builds_the_model_the_peers_run():
    sys.path.insert(0, os.path.join(ROOT, "benchmarks", "peers"))
    try:
        facts = _load("benchmarks/peers/model_facts.py", "model_facts_under_test")
    finally:
        sys.path.pop(0)
    demo = _load("examples/microcircuit.py", "microcircuit_under_test")
    assert demo.l_name == facts.POPULATIONS
    assert demo.n_full == facts.N_FULL and demo.bg_layer == facts.K_EXT
    assert np.array_equal(demo.p_conn, facts.P_CONN)

    from distsim import ms, pA
    scale = 0.02
    _, populations, synapses, inputs, n_layer, _ = demo.build_microcircuit(scale, report=False)
    assert n_layer == facts.sizes(scale)
    assert [p.N for p in inputs] == facts.K_EXT
    by_name = {s.name: s for s in synapses}
    expected = list(facts.projections(scale))
    assert len(by_name) == len(expected)
    for source, target, k, weight, delay, delay_sd in expected:
        S = by_name[f"{facts.POPULATIONS[source]}_to_{facts.POPULATIONS[target]}"]
        assert len(S) == k
        # weights drawn around the published mean (sd 10%), delays around
        # theirs (clipped at 0.1 ms): five standard errors
        w = np.asarray(S.w / pA)
        assert abs(w.mean() - weight) < 5 * 0.1 * abs(weight) / np.sqrt(k) + 1e-9
        d = np.asarray(S.delay / ms)
        assert d.min() >= 0.1 - 1e-9
        assert abs(np.median(d) - delay) < 5 * 1.26 * delay_sd / np.sqrt(k) + 0.05
