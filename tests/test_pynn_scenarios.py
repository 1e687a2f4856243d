"""PyNN's own system-test scenarios (``test/system/scenarios`` of PyNN 0.13,
which scripts/setup fetches from PyNN's source distribution), with
distsim.pynn as the simulator: each scenario is a PyNN test function of
``sim``, run here as PyNN runs it for NEST, NEURON and Brian2.

Scenarios that do not apply to distsim are listed in NOT_APPLICABLE with
the reason; every other one must pass.
"""
import importlib
import inspect
import os
import pkgutil
import sys
from pathlib import Path

import pytest

import distsim.pynn as sim

SCENARIOS = Path(os.environ.get("DISTSIM_PYNN_SCENARIOS",
                                Path(sys.prefix) / "share" / "pynn-tests"))

NOT_APPLICABLE = {
    "test_cell_types::test_SpikeSourceGamma":
        "SpikeSourceGamma is not provided by distsim.pynn yet",
    "test_cell_types::test_composed_neuron_model_homogeneous_receptors":
        "PointNeuron (cell types composed from receptor components) is not provided yet",
    "test_recording::test_issue259":
        "needs off-grid spike times (NEST's precise spiking); distsim's spikes are on the "
        "time grid",
    "test_scenario5::test_scenario5":
        "multicompartment morphologies; distsim simulates point neurons",
}


def _scenarios():
    """(id, function) of every scenario PyNN parametrises by simulator."""
    if not (SCENARIOS / "scenarios" / "fixtures.py").exists():
        return []
    sys.path.insert(0, str(SCENARIOS))
    package = importlib.import_module("scenarios")
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"scenarios.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__ \
                    and "sim" in inspect.signature(function).parameters:
                found.append((f"{info.name}::{name}", function))
    return found


ALL = _scenarios()
APPLICABLE = [(key, f) for key, f in ALL if key not in NOT_APPLICABLE]


def test_the_scenarios_are_there():
    """scripts/setup fetched them; the list of exceptions names real ones."""
    assert len(ALL) > 50, f"PyNN's scenarios are missing from {SCENARIOS}: run scripts/setup"
    assert set(NOT_APPLICABLE) <= {key for key, _ in ALL}


@pytest.mark.parametrize("scenario", [f for _, f in APPLICABLE],
                         ids=[key for key, _ in APPLICABLE])
def test_pynn_scenario(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # some write their data to ./Results
    scenario(sim)
