"""Physical dimensions: exponents of the seven SI base units."""
import numpy as np

__all__ = ["Dimension", "DIMENSIONLESS", "DimensionMismatchError", "get_dimensions",
           "have_same_dimensions", "fail_for_dimension_mismatch"]

_BASE_SYMBOLS = ("m", "kg", "s", "A", "K", "mol", "cd")


class Dimension:
    """Exponents of (metre, kilogram, second, amp, kelvin, mole, candela).

    Instances are interned: equal dimensions are the same object, so ``is``
    and ``==`` agree and hashing is cheap.
    """

    __slots__ = ("exponents",)
    _interned = {}

    def __new__(cls, exponents):
        exponents = tuple(float(e) for e in exponents)
        if len(exponents) != 7:
            raise ValueError("a Dimension needs 7 exponents")
        existing = cls._interned.get(exponents)
        if existing is not None:
            return existing
        self = super().__new__(cls)
        self.exponents = exponents
        cls._interned[exponents] = self
        return self

    def __mul__(self, other):
        return Dimension(a + b for a, b in zip(self.exponents, other.exponents))

    def __truediv__(self, other):
        return Dimension(a - b for a, b in zip(self.exponents, other.exponents))

    def __pow__(self, power):
        return Dimension(a * float(power) for a in self.exponents)

    @property
    def is_dimensionless(self):
        return self is DIMENSIONLESS

    def __reduce__(self):
        return (Dimension, (self.exponents,))

    def __str__(self):
        if self.is_dimensionless:
            return "1"
        parts = []
        for symbol, e in zip(_BASE_SYMBOLS, self.exponents):
            if e == 0:
                continue
            e_text = str(int(e)) if float(e).is_integer() else str(e)
            parts.append(symbol if e == 1 else f"{symbol}^{e_text}")
        return " ".join(parts)

    def __repr__(self):
        return f"Dimension({self})"


DIMENSIONLESS = Dimension((0,) * 7)


class DimensionMismatchError(ValueError):
    """Raised when quantities of incompatible dimensions are combined.

    The message names the operation or expression at fault and the dimensions
    involved, as Brian2's error of the same name does.
    """

    def __init__(self, description, *dims):
        self.description = description
        self.dims = dims
        if dims:
            dims_text = ", ".join(f"[{d}]" for d in dims)
            message = f"{description}, dimensions were ({dims_text})"
        else:
            message = description
        super().__init__(message)


def get_dimensions(value):
    """Return the `Dimension` of a quantity, unit or plain number."""
    dim = getattr(value, "dim", None)
    if isinstance(dim, Dimension):
        return dim
    return DIMENSIONLESS


def have_same_dimensions(a, b):
    return get_dimensions(a) is get_dimensions(b)


def fail_for_dimension_mismatch(a, b=None, description="Dimension mismatch"):
    """Raise `DimensionMismatchError` unless a and b (or a and 1) agree."""
    dim_a = get_dimensions(a)
    dim_b = get_dimensions(b) if b is not None else DIMENSIONLESS
    if dim_a is not dim_b:
        raise DimensionMismatchError(description, dim_a, dim_b)
    return dim_a
