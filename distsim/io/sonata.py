"""The SONATA layout constants shared by the writer and the loader."""
import numpy as np

MAGIC = np.uint32(0x0A7A)
VERSION = np.array([0, 1], dtype=np.uint32)
SORTING_VALUES = {"none": 0, "by_id": 1, "by_time": 2}
TIME_UNITS = "ms"
# distsim's own metadata lives beside the SONATA groups.
METADATA_GROUP = "distsim"


def sorting_dtype():
    import h5py
    return h5py.enum_dtype(SORTING_VALUES, basetype=np.uint8)


def file_units(dim):
    """(unit name, factor from SI) for storing values of dimension ``dim``:
    the units SONATA tools expect for common quantities, else SI."""
    from ..units import all_units
    conventional = ("mV", "nA", "uS", "ms", "pF", "Hz")
    for name in conventional:
        if all_units[name].dim is dim:
            return name, 1.0 / float(np.asarray(all_units[name]))
    from ..units.allunits import _DISPLAY
    return _DISPLAY.get(dim, str(dim) if not dim.is_dimensionless else "1"), 1.0


def si_factor(unit_name):
    """Factor from values stored in ``unit_name`` back to SI."""
    from ..units import all_units
    if isinstance(unit_name, bytes):
        unit_name = unit_name.decode()
    if unit_name in ("", "1"):
        return 1.0
    return float(np.asarray(all_units[unit_name])) if unit_name in all_units else 1.0
