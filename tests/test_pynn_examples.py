"""PyNN's own example scripts run unchanged (``python -m distsim.pynn``) on 1,
2 and 3 ranks with identical results: VAbenchmarks.py (Vogels & Abbott 2005,
CUBA: 4,000 neurons, 320k synapses). The scripts come from PyNN's source
distribution (scripts/setup). Rates beside NEST's: benchmarks/results/
pynn_side_by_side.md."""
import glob
import os
import re
import sys

import numpy as np
import pytest

from conftest import mpirun

EXAMPLES = os.path.join(sys.prefix, "share", "pynn-tests", "examples")


def _spike_trains(path):
    import neo
    block = neo.io.PickleIO(path).read_block()
    return [np.asarray(train) for train in block.segments[0].spiketrains]


@pytest.fixture(scope="module")
def vabenchmarks(tmp_path_factory):
    runs = {}
    for n in (1, 2, 3):
        directory = tmp_path_factory.mktemp(f"va{n}")
        run = mpirun(n, ["-m", "distsim.pynn", os.path.join(EXAMPLES, "VAbenchmarks.py"),
                         "distsim", "CUBA"], timeout=600, cwd=str(directory))
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        rates = [float(x) for x in re.findall(r"(?:Excitatory|Inhibitory) rate\s*:\s*([\d.]+)",
                                              run.stdout)]
        synapses = re.search(r"Number of Synapses\s*:\s*(.*)", run.stdout).group(1)
        files = {kind: glob.glob(str(directory / "Results" / "*" / f"*CUBA_{kind}*.pkl"))
                 for kind in ("exc", "inh")}
        assert all(len(found) == 1 for found in files.values()), files
        runs[n] = (rates, synapses, {k: _spike_trains(v[0]) for k, v in files.items()})
    return runs


def test_vabenchmarks_runs_with_the_published_activity(vabenchmarks):
    rates, synapses, trains = vabenchmarks[1]
    # Vogels & Abbott's CUBA network fires irregularly at a few Hz.
    assert 2.0 < rates[0] < 15.0 and 2.0 < rates[1] < 15.0
    assert len(trains["exc"]) == 3200 and len(trains["inh"]) == 800
    counts = [int(x) for x in re.findall(r"(\d+) ", synapses)]
    assert abs(sum(counts) - 0.02 * 4000 * 4000) < 0.01 * 0.02 * 4000 * 4000


@pytest.mark.parametrize("n", [2, 3])
def test_vabenchmarks_is_identical_on_every_rank_count(vabenchmarks, n):
    rates, synapses, trains = vabenchmarks[n]
    reference = vabenchmarks[1]
    assert rates == reference[0] and synapses == reference[1]
    for kind in ("exc", "inh"):
        assert len(trains[kind]) == len(reference[2][kind])
        for a, b in zip(trains[kind], reference[2][kind]):
            assert np.array_equal(a, b)
