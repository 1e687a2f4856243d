"""Multicompartment neurons (SpatialNeuron) against Brian2 2.9's own output
(tests/reference/brian2_spatial_models.py, made by make_brian2_reference.py),
and the same on 1, 2 and 3 ranks."""
import os
import sys

import numpy as np
import pytest

import distsim
from distsim.spatial.morphology import FlatMorphology

from conftest import mpirun

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
sys.path.insert(0, HERE)
from brian2_spatial_models import MODELS  # noqa: E402

FIDELITY_MODEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models",
                              "fidelity_model.py")


def run_both(name, target="auto"):
    reference = dict(np.load(os.path.join(HERE, f"brian2_{name}.npz")))
    reference.pop("brian2_version")
    distsim.start_scope()
    distsim.defaultclock.dt = 0.1 * distsim.ms
    distsim.seed(2024)
    distsim.prefs.codegen.target = target
    try:
        return reference, MODELS[name](distsim)
    finally:
        distsim.prefs.codegen.target = "auto"


def assert_matches(ours, reference, rtol=1e-9, atol=1e-12):
    assert set(ours) == set(reference)
    for key, expected in reference.items():
        assert np.shape(ours[key]) == np.shape(expected), key
        assert np.allclose(ours[key], expected, rtol=rtol, atol=atol), key


@pytest.mark.parametrize("target", ["cython", "numpy"])
def test_a_voltage_clamped_ball_and_stick_matches_brian2(target):
    # Before: NotImplementedError (no multicompartment neurons).
    reference, ours = run_both("ball_and_stick_clamp", target)
    assert reference["m"].max() > 0.9  # the Na channels opened
    assert_matches(ours, reference)


def test_branches_tapering_and_point_currents_match_brian2():
    reference, ours = run_both("tapering_axon_point_current")
    assert reference["v"].max() > 0  # a spike travelled
    assert_matches(ours, reference)


def test_a_threshold_at_one_compartment_and_a_reset_by_synapses_match_brian2():
    reference, ours = run_both("threshold_and_reset_synapses")
    assert len(reference["spike_t"]) == 7
    assert np.array_equal(ours["spike_i"], reference["spike_i"])
    assert np.allclose(ours["spike_t"], reference["spike_t"], rtol=0, atol=1e-9)
    assert_matches(ours, reference)


def test_parts_of_subtrees_are_addressed_as_in_brian2():
    # Before: an empty subgroup (distances on a subtree), and monitors of a
    # subtree that did not find the part (absolute compartment numbers).
    reference, ours = run_both("subtree_parts")
    assert np.count_nonzero(reference["gx"]) == 10
    assert_matches(ours, reference)


def test_coordinates_and_a_field_from_them_are_brian2s():
    reference, ours = run_both("coordinates")
    assert np.isnan(reference["x"][-1]) and not np.isnan(reference["x"][0])
    # The electrodes' field needs the summed variable after the cell's update
    # (summed_updaters[...].when): in the 'groups' slot it differs by 130%.
    assert not np.isnan(reference["field"]).any() and np.abs(reference["field"]).max() > 0
    for key in reference:
        assert np.allclose(ours[key], reference[key], rtol=1e-9, atol=1e-12,
                           equal_nan=True), key


@pytest.mark.parametrize("ranks", [2, 3])
def test_a_spatial_neuron_is_the_same_on_every_rank_count(tmp_path, ranks):
    out = tmp_path / f"spatial_{ranks}.npz"
    done = mpirun(ranks, [FIDELITY_MODEL, "threshold_and_reset_synapses", str(out)],
                  timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    ours = dict(np.load(out))
    reference = dict(np.load(os.path.join(HERE, "brian2_threshold_and_reset_synapses.npz")))
    reference.pop("brian2_version")
    assert_matches(ours, reference)


def test_the_morphology_is_numbered_and_measured_as_brian2_does():
    um = distsim.um
    soma = distsim.Soma(20 * um)
    soma.dend = distsim.Cylinder(diameter=2 * um, length=30 * um, n=3)
    soma.axon = distsim.Cylinder(diameter=1 * um, length=10 * um, n=2)
    soma.dend.tip = distsim.Cylinder(diameter=1 * um, length=5 * um, n=1)
    flat = FlatMorphology(soma)
    # Depth first: soma 0, dend 1-3, its tip 4, axon 5-6.
    assert soma.total_compartments == 7 and soma.total_sections == 4
    assert list(soma.dend.indices[:]) == [1, 2, 3] and soma.dend.tip.indices[:] == 4
    assert list(soma.axon.indices[:]) == [5, 6]
    assert list(flat.starts) == [0, 1, 4, 5] and list(flat.parent_node) == [0, 1, 2, 1]
    assert soma.dend[15 * um]._indices() == 2      # the middle compartment
    assert soma.dend[10 * um]._indices() == 2      # a boundary: the next one
    assert list(soma.dend[5 * um:25 * um]._indices()) == [1, 2, 3]
    assert np.allclose(np.asarray(soma.dend.distance), [5e-6, 15e-6, 25e-6])
    assert np.allclose(np.asarray(soma.dend.tip.distance), [32.5e-6])
    assert np.allclose(np.asarray(soma.area), [np.pi * (20e-6) ** 2])
    assert np.allclose(np.asarray(soma.dend.area), np.pi * 2e-6 * 10e-6)


def test_spatial_model_errors_name_the_neuron_and_the_problem():
    um, ms = distsim.um, distsim.ms
    morpho = distsim.Soma(20 * um)
    with pytest.raises(ValueError, match="transmembrane current 'Im'"):
        distsim.SpatialNeuron(morpho, "gL : siemens/meter**2")
    with pytest.raises(distsim.DimensionMismatchError, match="point current 'I'"):
        distsim.SpatialNeuron(morpho, "Im = -v*siemens/meter**2 : amp/meter**2\n"
                                      "I : volt (point current)")
    with pytest.raises(ValueError, match="flag.*point current.*NeuronGroup"):
        distsim.NeuronGroup(1, "I : amp (point current)")
    with pytest.raises(TypeError, match="one compartment"):
        distsim.SpatialNeuron(morpho, "Im = -v*siemens/meter**2 : amp/meter**2",
                              threshold="v > 0*mV", threshold_location=[0, 1])
    with pytest.raises(IndexError, match="Invalid index"):
        distsim.Cylinder(diameter=1 * um, length=10 * um, n=2)[20 * um]
    del ms
