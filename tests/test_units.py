import numpy as np
import pytest

from distsim.units import (DimensionMismatchError, Quantity, all_units, amp, get_dimensions,
                           ms, mV, nS, ohm, pA, pF, second, siemens, volt)


def test_arithmetic_and_dimensions():
    assert float((3 * mV + 2 * mV) / mV) == pytest.approx(5)
    assert get_dimensions(mV / ms) is get_dimensions(volt / second)
    assert get_dimensions(nS * mV) is get_dimensions(amp)
    assert get_dimensions(1 / (ohm * siemens)).is_dimensionless
    assert float(250 * pF / (10 * ms) / nS) == pytest.approx(25)


def test_mismatch_is_an_error_naming_the_dimensions():
    with pytest.raises(DimensionMismatchError, match="different units"):
        mV + ms
    with pytest.raises(DimensionMismatchError):
        np.exp(3 * mV)
    with pytest.raises(DimensionMismatchError):
        mV < ms


def test_arrays_reductions_and_repr():
    values = np.array([1.0, 2.0, 3.0]) * mV
    assert isinstance(values, Quantity)
    assert get_dimensions(values.mean()) is get_dimensions(volt)
    assert float(values.sum() / mV) == pytest.approx(6)
    assert repr(-60 * mV) == "-60.0 * mvolt"
    assert "pamp" in repr(87.8 * pA)
    assert np.all(values > 0)  # comparing with a bare 0 is allowed, as in Brian2


def test_brian2_unit_names_exist():
    for name in ["second", "ms", "us", "volt", "mV", "amp", "nA", "pA", "siemens", "nS",
                 "farad", "pF", "ohm", "Mohm", "Hz", "kHz", "metre", "meter", "cm", "um",
                 "cm2", "um2", "mM", "kelvin", "mole"]:
        assert name in all_units, name


def test_float_and_int_of_a_quantity_give_its_si_value_as_in_brian2():
    # Brian2 2.9 (its Quantity is an ndarray): float(3*ms) == 0.003,
    # int(3*second) == 3, np.asarray([0, 3*ms]) == [0, 0.003]; its
    # spike_based_homeostasis example plots such a list.
    from distsim import ms, second
    assert float(3 * ms) == 0.003
    assert int(3 * second) == 3
    assert np.array_equal(np.atleast_1d([0, 3 * ms]), [0.0, 0.003])
