"""Which calls communicate: len() and repr() never do; reading values,
run() and save() are collective calls, and one made on some ranks only
gives a clear error on every rank within seconds instead of a hang."""
import os
import time

import numpy as np
import pytest

from distsim import NeuronGroup, Synapses, mV, ms, nS, run
from distsim.parallel import get_comm

from conftest import mpirun


def test_len_and_repr_are_local_and_say_what_they_show():
    G = NeuronGroup(5, "v : volt\nu : 1 (shared)")
    G.v = "i*mV"
    G.u = 0.5
    assert len(G.v) == 5
    assert repr(G.v) == "<neurongroup.v: [0., 1., 2., 3., 4.] * mvolt>"  # one rank: all
    assert "0.5" in repr(G.u) and "shared" in repr(G.u)
    S = Synapses(G, G, "w : siemens", on_pre="v += 1*mV")
    S.connect(j="i")
    assert len(S) == 5 and len(S.w) == 5  # builds the queued connect (all ranks run this)
    S.w = 2 * nS
    assert "synapses on this rank" in repr(S.w) and "collective" in repr(S.w)


@pytest.mark.mpi(min_size=2)
def test_len_and_repr_on_one_rank_alone_do_not_wait_for_the_others():
    G = NeuronGroup(7, "v : volt")
    S = Synapses(G, G, "w : 1", on_pre="v += w*mV")
    S.connect(p=0.5)
    total = len(S)  # all ranks: builds the queued connect
    if get_comm().Get_rank() == 0:
        started = time.monotonic()
        assert len(S) == total and S.N == total and len(G.v) == 7
        text = repr(G.v) + repr(S.w)
        assert time.monotonic() - started < 1 and "this rank" in text
    get_comm().Barrier()


READ_ALONE = """
import numpy as np
from distsim import *
from distsim.parallel import rank
G = NeuronGroup(20, "dv/dt = -v/(10*ms) : volt")
S = Synapses(G, G, "w : volt", on_pre="v += w")
S.connect(p=0.3)
S.w = 0.1*mV
if rank() == 0:
    print(S.w[:])  # a collective call on one rank only
{others}
"""


@pytest.mark.parametrize("others, doing", [
    ("run(1*ms)", "run() of network 'magicnetwork'"),  # the others go on
    ("", "the end of the script"),                      # the others finish
])
def test_a_collective_call_on_one_rank_only_is_a_clear_error_not_a_hang(tmp_path, others,
                                                                        doing):
    script = tmp_path / "alone.py"
    script.write_text(READ_ALONE.format(others=others))
    started = time.monotonic()
    result = mpirun(3, [str(script)], timeout=120)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert elapsed < 60, f"took {elapsed:.0f} s"
    assert "different collective calls" in output, output
    assert "rank 0: 'reading synapses.w'" in output and f"'{doing}'" in output, output


def test_a_rank_waiting_alone_says_so_and_gives_up_after_the_timeout(tmp_path):
    script = tmp_path / "busy.py"
    script.write_text("""
import time
from distsim import *
from distsim.parallel import rank
G = NeuronGroup(4, "v : 1")
if rank() == 0:
    G.v[:]
else:
    time.sleep(8)  # busy elsewhere, e.g. building a large network
""")
    result = mpirun(2, [str(script)], timeout=120,
                    extra_env={"DISTSIM_COLLECTIVE_WARN": "1", "DISTSIM_COLLECTIVE_TIMEOUT": "4"})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "waiting" in output and "reading neurongroup.v" in output, output
    assert "did not join 'reading neurongroup.v' within 4 s" in output, output
