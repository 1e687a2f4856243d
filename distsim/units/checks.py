"""Brian2's ``@check_units``: a function's arguments and result must have
the given units (also what makes a Python function usable in equations)."""
from __future__ import annotations

import functools
import inspect

from .dimensions import DimensionMismatchError, get_dimensions


def _check(function_name, what, value, expected, arguments):
    if expected is None:
        return
    if expected is bool:
        if not isinstance(value, bool) and getattr(value, "dtype", None) != bool:
            raise TypeError(f"Function '{function_name}': {what} must be a boolean, got "
                            f"{value!r}")
        return
    if isinstance(expected, str):  # the same units as another argument
        expected_dim = get_dimensions(arguments[expected])
    else:
        expected_dim = get_dimensions(expected)  # 1 (a plain number): dimensionless
    if get_dimensions(value) is not expected_dim:
        raise DimensionMismatchError(f"Function '{function_name}': {what} has the wrong units",
                                     expected_dim, get_dimensions(value))


def check_units(**units):
    """Decorate a function so that its arguments (by name) and its result
    (``result=``) are checked for units (Brian2's ``check_units``).

    ``1`` means dimensionless, ``None`` any units, ``bool`` a boolean and the
    name of another argument the same units as that one.

    Examples
    --------
    >>> @check_units(v=volt, result=amp)
    ... def leak(v):
    ...     return v / (100 * Mohm)
    """
    def decorate(func):
        signature = inspect.signature(func)
        names = list(signature.parameters)

        @functools.wraps(func)
        def checked(*args, **kwargs):
            arguments = signature.bind(*args, **kwargs).arguments
            for name, value in arguments.items():
                _check(func.__name__, f"argument '{name}'", value, units.get(name), arguments)
            result = func(*args, **kwargs)
            _check(func.__name__, "the result", result, units.get("result"), arguments)
            return result

        checked._arg_units = [units.get(name) for name in names]
        checked._arg_names = names
        checked._return_unit = units.get("result")
        checked._orig_func = func
        return checked
    return decorate
