"""The microcircuit example at scale 0.1: the published synapse count and the
rates every simulator gives at this scale."""
import re

import h5py
import numpy as np
import pytest

from conftest import mpirun

# Scale 0.1 (N x 0.1, probabilities kept): NEST 3.10, Brian2 2.9 and distsim
# all give about these rates (../shared/reference/microcircuit.md).
RATES_AT_SCALE_0_1 = {"L23E": 6.5, "L23I": 18, "L4E": 28, "L4I": 47, "L5E": 58, "L5I": 51,
                      "L6E": 38, "L6I": 59}


@pytest.mark.parametrize("groups", ["one", "per-population"])
def test_microcircuit_at_scale_0_1(tmp_path, groups):
    # "one": the seed thread's NeuronGroup with a subgroup per population;
    # "per-population": a NeuronGroup each (every rank holds a share of each).
    output = str(tmp_path / "mc.h5")
    result = mpirun(2, ["examples/microcircuit.py", "--scale", "0.1", "--duration", "0.6",
                        "--output", output, "--report", "", "--groups", groups])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2988639 synapses" in result.stdout  # the published count at this scale
    rates = dict(re.findall(r"^(L\d+[EI])\s+\d+\s+([\d.]+)", result.stdout, re.M))
    assert set(rates) == set(RATES_AT_SCALE_0_1)
    for population, expected in RATES_AT_SCALE_0_1.items():
        assert abs(float(rates[population]) / expected - 1) < 0.25, (population, rates)
    with h5py.File(output, "r") as f:
        assert set(f["spikes"]) == set(RATES_AT_SCALE_0_1)
        assert f["distsim"].attrs["n_ranks"] == 2
    # The commands users run on the demo's output
    from distsim.cli import main
    main(["info", output])
    png = str(tmp_path / "raster.png")
    main(["plot", output, "-o", png])
    with open(png, "rb") as f:
        assert f.read(4) == b"\x89PNG"
