"""Resolving external names (constants of the user's script) as Brian2 does."""
import numpy as np

from ..units import Quantity, Unit, all_units, get_dimensions
from .functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS, Function


class NameResolutionError(KeyError):
    """An identifier in a model that is neither a variable nor a known constant."""

    def __str__(self):
        return self.args[0]


def resolve_external(name, namespaces, owner_description, expression_text=None):
    """The value of ``name`` from the first namespace that has it.

    Only scalar numbers and quantities are model constants; anything else is
    an error naming the object and the expression.
    """
    where = f" in '{expression_text}'" if expression_text else ""
    for ns in namespaces:
        if ns is not None and name in ns:
            value = ns[name]
            break
    else:
        if name in all_units:
            value = all_units[name]
        elif name in DEFAULT_CONSTANTS:
            value = DEFAULT_CONSTANTS[name]
        else:
            raise NameResolutionError(
                f"{owner_description}: the identifier '{name}'{where} is not a variable of the "
                "model and is not defined in the script's namespace")
    if isinstance(value, (bool, int, float, np.number, np.bool_)) or \
            (isinstance(value, (Quantity, np.ndarray)) and np.ndim(value) == 0):
        return value
    if name in DEFAULT_FUNCTIONS or isinstance(value, Function):
        return value
    if callable(value) and hasattr(value, "_arg_units") and hasattr(value, "_return_unit"):
        return Function(value)  # a Python function with @check_units (Brian2)
    raise NameResolutionError(
        f"{owner_description}: the identifier '{name}'{where} refers to a "
        f"{getattr(value, 'type_name', type(value).__name__)}, but external names in models "
        "must be scalar constants")


def raw_value(value):
    """The SI float (or bool) of a scalar constant."""
    if isinstance(value, (Quantity, Unit)):
        return float(np.asarray(value))
    return value


def bind_functions(expressions, namespaces, owner_description):
    """Make user functions (e.g. TimedArray) called in ``expressions``
    available to them, resolved like constants."""
    for expr in expressions:
        for name in getattr(expr, "called", ()):
            if name in DEFAULT_FUNCTIONS:
                continue
            value = resolve_external(name, namespaces, owner_description, expr.code)
            if not isinstance(value, Function):
                raise NameResolutionError(f"{owner_description}: '{name}' in '{expr.code}' is "
                                          "called but is not a function")
            expr.bind_function(name, value)
