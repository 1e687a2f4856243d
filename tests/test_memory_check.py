"""The memory check made before the synapses are built: the estimate is the
memory the synapses take, and a model that cannot fit is refused at once,
on every rank, with what would fit."""
import importlib.util
import os
import time

import numpy as np
import pytest

from conftest import ROOT, mpirun
from distsim import NeuronGroup, Synapses
from distsim.parallel import get_comm
from distsim.parallel.memory import node_available_bytes, parse_size
from distsim.synapses import construction


def _built_bytes(synapses):
    return sum(len(s._store) * s._store.bytes_per_synapse() for s in synapses)


def _microcircuit(scale):
    spec = importlib.util.spec_from_file_location("microcircuit",
                                                  os.path.join(ROOT, "examples/microcircuit.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_microcircuit(scale=scale, report=False)


@pytest.mark.mpi(min_size=2)
@pytest.mark.parametrize("rule", ["p", "fixed_total_number"])
def test_the_estimate_is_the_memory_the_synapses_take(rule):
    G = NeuronGroup(3000, "v : 1")
    H = NeuronGroup(2000, "v : 1")
    S = Synapses(G, H, "w : 1", on_pre="v_post += w")
    T = Synapses(H, G, "w : 1\nx : 1", on_pre="v_post += w")
    if rule == "p":
        S.connect(p=0.1)
        T.connect(p=0.05, n=2)
    else:
        S.connect(fixed_total_number=600_000)
        T.connect(fixed_total_number=300_000)
    estimate = construction.pending_bytes()
    construction.build_pending()
    built = _built_bytes([S, T])
    # 900k synapses a rank count of 1-3 splits in shares of 300k or more: the
    # binomial spread of the count is well under 1 %.
    assert built > 0 and estimate == pytest.approx(built, rel=0.01)


def test_the_estimate_of_the_microcircuit_is_what_it_builds():
    _microcircuit(scale=0.02)
    synapses = [s for s in construction._pending if s[2] is not None]
    estimate = construction.pending_bytes()
    construction.build_pending()
    built = _built_bytes({id(s[2]): s[2] for s in synapses}.values())
    assert built > 1_000_000 and estimate == pytest.approx(built, rel=0.01)


@pytest.mark.mpi(min_size=2)
def test_a_model_too_large_is_refused_on_every_rank_before_anything_is_built(monkeypatch):
    monkeypatch.setenv("DISTSIM_MEMORY_LIMIT", "100M")
    G = NeuronGroup(10000, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", name="big")
    S.connect(p=0.2)  # 20 M synapses, 14 bytes each: 280 MB
    started = time.perf_counter()
    with pytest.raises(MemoryError) as info:
        construction.build_pending()
    assert time.perf_counter() - started < 1.0  # refused, not attempted
    message = str(info.value)
    assert "'big'" in message and "Nothing was built" in message
    share = 100 * 2**20 // get_comm().Get_size() / 2**30  # all ranks on this one node
    assert f"which has {share:.2f} GiB" in message
    assert "run on at least 3 nodes" in message  # 0.29 GiB over nodes of 0.1 GiB
    assert len(S._store) == 0


def test_a_script_too_large_for_the_machine_stops_with_the_message_on_every_rank(tmp_path):
    script = tmp_path / "too_large.py"
    script.write_text("from distsim import *\n"
                      "G = NeuronGroup(10000, 'v : 1')\n"
                      "S = Synapses(G, G, 'w : 1', on_pre='v_post += w')\n"
                      "S.connect(p=0.2)\n"
                      "run(1*ms)\n")
    for n_ranks in (2, 3):
        started = time.time()
        result = mpirun(n_ranks, [str(script)], timeout=60,
                        extra_env={"DISTSIM_MEMORY_LIMIT": "100M"})
        assert result.returncode not in (0, 124) and time.time() - started < 30
        assert result.stderr.count("MemoryError: Building the synapses of 'synapses' needs "
                                   "about") == n_ranks, result.stderr


def test_sizes_and_the_memory_available():
    assert parse_size("512M") == 512 * 2**20
    assert parse_size("2GiB") == parse_size("2G") == parse_size("2g") == 2 * 2**30
    assert parse_size("1000") == 1000
    with pytest.raises(ValueError, match="DISTSIM_MEMORY_LIMIT"):
        parse_size("lots")
    with open("/proc/meminfo") as handle:
        total = int(handle.readline().split()[1]) * 1024
    assert 0 < node_available_bytes() <= total
