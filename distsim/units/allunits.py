"""Named units, with every SI prefix, under the names Brian2 exports."""
import numpy as np

from .dimensions import DIMENSIONLESS, Dimension, get_dimensions
from .quantity import Quantity, Unit

_PREFIXES = {"y": 1e-24, "z": 1e-21, "a": 1e-18, "f": 1e-15, "p": 1e-12, "n": 1e-9,
             "u": 1e-6, "m": 1e-3, "c": 1e-2, "d": 1e-1, "": 1.0, "da": 1e1, "h": 1e2,
             "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18, "Z": 1e21,
             "Y": 1e24}


def _dim(m=0, kg=0, s=0, A=0, K=0, mol=0, cd=0):
    return Dimension((m, kg, s, A, K, mol, cd))


# (long name, short symbol or None, scale of the unprefixed unit in SI, dimension)
_BASE_UNITS = [
    ("metre", "m", 1.0, _dim(m=1)),
    ("meter", None, 1.0, _dim(m=1)),
    ("gram", "g", 1e-3, _dim(kg=1)),
    ("gramm", None, 1e-3, _dim(kg=1)),
    ("second", "s", 1.0, _dim(s=1)),
    ("amp", "A", 1.0, _dim(A=1)),
    ("ampere", None, 1.0, _dim(A=1)),
    ("kelvin", "K", 1.0, _dim(K=1)),
    ("mole", "mol", 1.0, _dim(mol=1)),
    ("mol", None, 1.0, _dim(mol=1)),
    ("candela", "cd", 1.0, _dim(cd=1)),
    ("volt", "V", 1.0, _dim(m=2, kg=1, s=-3, A=-1)),
    ("ohm", "ohm", 1.0, _dim(m=2, kg=1, s=-3, A=-2)),
    ("siemens", "S", 1.0, _dim(m=-2, kg=-1, s=3, A=2)),
    ("farad", "F", 1.0, _dim(m=-2, kg=-1, s=4, A=2)),
    ("hertz", "Hz", 1.0, _dim(s=-1)),
    ("coulomb", "C", 1.0, _dim(s=1, A=1)),
    ("joule", "J", 1.0, _dim(m=2, kg=1, s=-2)),
    ("watt", "W", 1.0, _dim(m=2, kg=1, s=-3)),
    ("newton", "N", 1.0, _dim(m=1, kg=1, s=-2)),
    ("pascal", "Pa", 1.0, _dim(m=-1, kg=1, s=-2)),
    ("weber", "Wb", 1.0, _dim(m=2, kg=1, s=-2, A=-1)),
    ("tesla", "T", 1.0, _dim(kg=1, s=-2, A=-1)),
    ("henry", "H", 1.0, _dim(m=2, kg=1, s=-2, A=-2)),
    ("litre", "l", 1e-3, _dim(m=3)),
    ("liter", None, 1e-3, _dim(m=3)),
    ("molar", "M", 1e3, _dim(m=-3, mol=1)),
    ("mmolar", None, 1.0, _dim(m=-3, mol=1)),
]

# Single letters would shadow users' variables (Brian2 does not export them).
_NO_BARE_SYMBOL = {"m", "g", "s", "A", "K", "V", "S", "F", "C", "J", "W", "N", "T", "H",
                   "l", "M"}

all_units = {}
#: Names made of an SI prefix and a unit's short symbol (mS, EK, El, m2, ...):
#: Brian2 does not reserve them as variable names, except its standard
#: short names (`STANDARD_SHORT_NAMES`).
short_symbol_names = set()
#: Brian2's ``stdunits``: the short names it does reserve.
STANDARD_SHORT_NAMES = frozenset({
    "mV", "mA", "uA", "nA", "pA", "pF", "uF", "nF", "nS", "uS", "ms", "us", "Hz", "kHz",
    "MHz", "cm", "cm2", "cm3", "mm", "mm2", "mm3", "um", "um2", "um3", "mM", "uM", "nM"})


def _register(name, unit):
    all_units.setdefault(name, unit)


for long_name, symbol, scale, dim in _BASE_UNITS:
    for prefix, factor in _PREFIXES.items():
        if long_name == "mmolar" and prefix:
            continue
        value = scale * factor
        _register(prefix + long_name, Unit(value, dim, prefix + long_name))
        if symbol is not None and (prefix or symbol not in _NO_BARE_SYMBOL):
            if prefix == "da" or (prefix + symbol) in ("mm",) and False:
                continue
            _register(prefix + symbol, Unit(value, dim, prefix + symbol))
            short_symbol_names.add(prefix + symbol)
        # Squared and cubed lengths (cm2, um3, metre2, ...), as Brian2 exports.
        if dim is _dim(m=1):
            for power in (2, 3):
                for base in {prefix + long_name, (prefix + symbol) if symbol else None} - {None}:
                    _register(f"{base}{power}", Unit(value ** power, dim ** power, f"{base}{power}"))
                    if symbol and base == prefix + symbol:
                        short_symbol_names.add(f"{base}{power}")

# The kilogram is a base unit; make sure ``kilogram`` has exactly 1.
all_units["kilogram"] = Unit(1.0, _dim(kg=1), "kilogram")
all_units["kg"] = all_units["kilogram"]
# Brian2's spelling of 'kohm', 'Mohm' etc. comes from the loop; add 'molar' shorthands.
all_units["mM"] = Unit(1.0, _dim(m=-3, mol=1), "mM")
all_units["uM"] = Unit(1e-3, _dim(m=-3, mol=1), "uM")
all_units["nM"] = Unit(1e-6, _dim(m=-3, mol=1), "nM")
# Brian2 treats ``radian`` and friends as dimensionless.
all_units["radian"] = all_units["rad"] = Unit(1.0, DIMENSIONLESS, "rad")
all_units["steradian"] = all_units["sr"] = Unit(1.0, DIMENSIONLESS, "sr")
all_units["celsius"] = all_units["kelvin"]

# Display: the unit used to show a quantity of each dimension.
_DISPLAY = {}
for name in ("metre", "kilogram", "second", "amp", "kelvin", "mole", "candela", "volt", "ohm",
             "siemens", "farad", "hertz", "coulomb", "joule", "watt", "newton", "pascal",
             "weber", "tesla", "henry", "molar"):
    unit = all_units[name]
    _DISPLAY.setdefault(unit.dim, name)


def best_unit(quantity):
    """The prefixed unit that shows ``quantity`` with a mantissa in [1, 1000)."""
    dim = get_dimensions(quantity)
    base_name = _DISPLAY.get(dim)
    if base_name is None:
        return Unit(1.0, dim, str(dim))
    base = all_units[base_name]
    values = np.abs(np.asarray(quantity, dtype=float).view(np.ndarray))
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return base
    magnitude = np.median(values) / float(np.asarray(base))
    best = base
    for prefix in ("f", "p", "n", "u", "m", "", "k", "M", "G"):
        name = prefix + base_name
        if name in all_units and magnitude >= _PREFIXES[prefix]:
            best = all_units[name]
    return best


def unit_name(unit):
    return getattr(unit, "name", None) or str(get_dimensions(unit))
