"""Physical constants as quantities (Brian2's ``brian2.units.constants``,
with the CODATA 2014 values Brian2 uses)."""
import numpy as np

from .allunits import all_units

_u = all_units
avogadro_constant = 6.022140857e23 / _u["mole"]
boltzmann_constant = 1.38064852e-23 * _u["joule"] / _u["kelvin"]
electric_constant = 8.854187817e-12 * _u["farad"] / _u["meter"]
electron_mass = 9.10938356e-31 * _u["kilogram"]
elementary_charge = 1.6021766208e-19 * _u["coulomb"]
faraday_constant = 96485.33289 * _u["coulomb"] / _u["mole"]
gas_constant = 8.3144598 * _u["joule"] / _u["mole"] / _u["kelvin"]
magnetic_constant = 4 * np.pi * 1e-7 * _u["newton"] / _u["amp"] ** 2
molar_mass_constant = 1 * _u["gram"] / _u["mole"]
zero_celsius = 273.15 * _u["kelvin"]

__all__ = ["avogadro_constant", "boltzmann_constant", "electric_constant", "electron_mass",
           "elementary_charge", "faraday_constant", "gas_constant", "magnetic_constant",
           "molar_mass_constant", "zero_celsius"]
