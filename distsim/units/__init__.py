"""Physical units and quantities with dimension checking (Brian2's names)."""
from .dimensions import (DIMENSIONLESS, Dimension, DimensionMismatchError,
                         fail_for_dimension_mismatch, get_dimensions, have_same_dimensions)
from .quantity import Quantity, Unit, as_quantity, check_units_compatible
from .allunits import all_units, best_unit
from .checks import check_units

globals().update(all_units)

__all__ = ["Dimension", "DIMENSIONLESS", "DimensionMismatchError", "get_dimensions",
           "have_same_dimensions", "fail_for_dimension_mismatch", "Quantity", "Unit",
           "check_units_compatible", "all_units", "best_unit", "check_units"] + sorted(all_units)
