"""Quantities: numpy arrays that carry a physical dimension.

Values are stored in SI base units; the dimension travels with the array and
is checked in every ufunc, as Brian2's ``Quantity`` does.
"""
import numbers

import numpy as np

from .dimensions import (DIMENSIONLESS, Dimension, DimensionMismatchError,
                         get_dimensions)

__all__ = ["Quantity", "Unit", "check_units_compatible"]

# ufuncs whose operands must share a dimension; the result keeps it.
_SAME_DIM_KEEP = {np.add, np.subtract, np.maximum, np.minimum, np.fmax, np.fmin,
                  np.remainder, np.fmod, np.mod, np.copysign, np.hypot}
# ufuncs whose operands must share a dimension; the result is plain.
_SAME_DIM_PLAIN = {np.less, np.less_equal, np.greater, np.greater_equal,
                   np.equal, np.not_equal, np.arctan2}
# ufuncs of one operand that keep its dimension.
_KEEP = {np.negative, np.positive, np.absolute, np.fabs, np.floor, np.ceil,
         np.trunc, np.rint, np.conjugate}
# ufuncs whose result is plain whatever the dimension.
_PLAIN_ANY = {np.sign, np.isnan, np.isinf, np.isfinite, np.signbit}
# ufuncs that need a dimensionless argument.
_NEEDS_DIMENSIONLESS = {np.exp, np.expm1, np.log, np.log10, np.log2, np.log1p,
                        np.sin, np.cos, np.tan, np.sinh, np.cosh, np.tanh,
                        np.arcsin, np.arccos, np.arctan, np.arcsinh, np.arccosh,
                        np.arctanh, np.exp2, np.logical_and, np.logical_or,
                        np.logical_not, np.logical_xor}


def _raw(x):
    return x.view(np.ndarray) if isinstance(x, Quantity) else x


def _from_sequence(values):
    """Raw values and the common dimension of a (nested) list of quantities
    (Brian2 accepts ``[1*ms, 2*ms]`` wherever an array of times goes)."""
    flat = list(np.ravel(np.array(values, dtype=object)))
    dims = {getattr(x, "dim", DIMENSIONLESS) for x in flat}
    if len(dims) > 1:
        raise DimensionMismatchError("The values of a list have different units", *dims)
    dim = dims.pop() if dims else DIMENSIONLESS
    raw = np.array([_raw(x) for x in flat], dtype=np.float64 if dim is not DIMENSIONLESS
                   else None).reshape(np.shape(np.array(values, dtype=object)))
    return raw, dim


def as_quantity(value):
    """``value``, with a list or tuple of quantities made one quantity."""
    if isinstance(value, (list, tuple)) and any(isinstance(x, Quantity)
                                                 for x in np.ravel(np.array(value, dtype=object))):
        return Quantity(value)
    return value


def _wrap(value, dim):
    if dim is DIMENSIONLESS:
        return value
    if isinstance(value, np.ndarray):
        return value.view(Quantity)._with_dim(dim)
    return Quantity(value, dim)


class Quantity(np.ndarray):
    """An array (or scalar) with a physical `Dimension`.

    Parameters
    ----------
    value : array_like
        Values in SI base units.
    dim : Dimension, optional
        The physical dimension (dimensionless by default).
    """

    def __new__(cls, value, dim=DIMENSIONLESS, dtype=None, copy=False):
        if isinstance(value, Quantity) and dim is DIMENSIONLESS:
            dim = value.dim
        elif isinstance(value, (list, tuple)) and dim is DIMENSIONLESS:
            value, dim = _from_sequence(value)
        arr = np.array(_raw(value), dtype=dtype, copy=copy or None)
        if arr.dtype.kind in "iub" and dtype is None:
            arr = arr.astype(np.float64)
        obj = arr.view(cls)
        obj.dim = dim
        return obj

    def _with_dim(self, dim):
        self.dim = dim
        return self

    def __array_finalize__(self, obj):
        self.dim = getattr(obj, "dim", DIMENSIONLESS)

    # -- numpy protocol -------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(_raw(o) for o in kwargs["out"])
        dims = [get_dimensions(x) for x in inputs]
        raw_inputs = [_raw(x) for x in inputs]
        if method != "__call__":
            if ufunc in _SAME_DIM_KEEP and method in ("reduce", "accumulate", "reduceat"):
                return _wrap(getattr(ufunc, method)(*raw_inputs, **kwargs), dims[0])
            return NotImplemented
        name = ufunc.__name__
        if ufunc in _SAME_DIM_KEEP or ufunc in _SAME_DIM_PLAIN:
            if dims[0] is not dims[1]:
                # Comparing or adding a bare 0 (or inf) to a quantity is
                # allowed, as in Brian2: it means the same in any unit.
                bare = [i for i, x in enumerate(inputs)
                        if not isinstance(x, Quantity) and np.all(np.isin(_raw(x), (0, np.inf, -np.inf)))]
                if not bare:
                    raise DimensionMismatchError(
                        f"Cannot calculate {name} of quantities with different units", *dims)
                dim = dims[1 - bare[0]]
            else:
                dim = dims[0]
            result = ufunc(*raw_inputs, **kwargs)
            return _wrap(result, dim) if ufunc in _SAME_DIM_KEEP else result
        if ufunc in (np.multiply, np.matmul):
            return _wrap(ufunc(*raw_inputs, **kwargs), dims[0] * dims[1])
        if ufunc in (np.divide, np.true_divide, np.floor_divide):
            dim = dims[0] / dims[1] if ufunc is not np.floor_divide else DIMENSIONLESS
            if ufunc is np.floor_divide and dims[0] is not dims[1]:
                raise DimensionMismatchError("Cannot floor-divide quantities with different units", *dims)
            return _wrap(ufunc(*raw_inputs, **kwargs), dim)
        if ufunc is np.reciprocal:
            return _wrap(ufunc(*raw_inputs, **kwargs), DIMENSIONLESS / dims[0])
        if ufunc in (np.power, np.float_power):
            if dims[1] is not DIMENSIONLESS:
                raise DimensionMismatchError("The exponent must be dimensionless", dims[1])
            exponent = np.asarray(raw_inputs[1])
            if dims[0] is not DIMENSIONLESS:
                if exponent.size != 1:
                    raise DimensionMismatchError(
                        "A quantity with units can only be raised to a scalar power", dims[0])
                dim = dims[0] ** float(exponent.reshape(-1)[0])
            else:
                dim = DIMENSIONLESS
            return _wrap(ufunc(*raw_inputs, **kwargs), dim)
        if ufunc is np.sqrt:
            return _wrap(ufunc(*raw_inputs, **kwargs), dims[0] ** 0.5)
        if ufunc is np.square:
            return _wrap(ufunc(*raw_inputs, **kwargs), dims[0] ** 2)
        if ufunc is np.cbrt:
            return _wrap(ufunc(*raw_inputs, **kwargs), dims[0] ** (1.0 / 3))
        if ufunc in _KEEP:
            return _wrap(ufunc(*raw_inputs, **kwargs), dims[0])
        if ufunc in _PLAIN_ANY:
            return ufunc(*raw_inputs, **kwargs)
        if ufunc in _NEEDS_DIMENSIONLESS:
            for d in dims:
                if d is not DIMENSIONLESS:
                    raise DimensionMismatchError(
                        f"{name} needs a dimensionless argument", d)
            return ufunc(*raw_inputs, **kwargs)
        if all(d is DIMENSIONLESS for d in dims):
            return ufunc(*raw_inputs, **kwargs)
        raise DimensionMismatchError(f"{name} is not defined for quantities with units", *dims)

    def __array_function__(self, func, types, args, kwargs):
        handler = _ARRAY_FUNCTIONS.get(func)
        if handler is not None:
            return handler(*args, **kwargs)
        # Functions that only rearrange or select keep the dimension.
        if func in _REARRANGING:
            dim = self.dim
            raw_args = [_raw(a) if not isinstance(a, (list, tuple)) else type(a)(_raw(x) for x in a)
                        for a in args]
            return _wrap(func(*raw_args, **kwargs), dim)
        return super().__array_function__(func, types, args, kwargs)

    # -- reductions that keep the dimension ------------------------------
    def _reduce_keep(self, name, *args, **kwargs):
        return _wrap(getattr(self.view(np.ndarray), name)(*args, **kwargs), self.dim)

    def sum(self, *a, **k): return self._reduce_keep("sum", *a, **k)
    def mean(self, *a, **k): return self._reduce_keep("mean", *a, **k)
    def min(self, *a, **k): return self._reduce_keep("min", *a, **k)
    def max(self, *a, **k): return self._reduce_keep("max", *a, **k)
    def std(self, *a, **k): return self._reduce_keep("std", *a, **k)
    def cumsum(self, *a, **k): return self._reduce_keep("cumsum", *a, **k)
    def ptp(self, *a, **k): return _wrap(np.ptp(self.view(np.ndarray), *a, **k), self.dim)

    def var(self, *a, **k):
        return _wrap(self.view(np.ndarray).var(*a, **k), self.dim ** 2)

    def prod(self, *a, **k):
        raise NotImplementedError("prod of a quantity with units is not supported")

    # -- access ---------------------------------------------------------
    def __getitem__(self, key):
        item = self.view(np.ndarray)[key]
        return _wrap(item, self.dim) if self.dim is not DIMENSIONLESS else Quantity(item)

    def __setitem__(self, key, value):
        if get_dimensions(value) is not self.dim:
            bare_zero = not isinstance(value, Quantity) and np.all(np.asarray(value) == 0)
            if not bare_zero:
                raise DimensionMismatchError("Cannot assign a value with different units",
                                             self.dim, get_dimensions(value))
        self.view(np.ndarray)[key] = _raw(value)

    # float() and int() give the value in SI units, as Brian2's do (its
    # Quantity is an ndarray; its examples rely on it, e.g. a list of
    # quantities with units plotted next to a plain 0). Unit checks of
    # arguments do not go through them.
    def __float__(self):
        return float(self.view(np.ndarray))

    def __int__(self):
        return int(self.view(np.ndarray))

    def __index__(self):
        return int(self)

    def __bool__(self):
        return bool(self.view(np.ndarray))

    def __reduce__(self):
        func, args, state = super().__reduce__()
        return (func, args, (state, self.dim))

    def __setstate__(self, state):
        nd_state, self.dim = state
        super().__setstate__(nd_state)

    def in_unit(self, unit, precision=None):
        """Return a string with the value expressed in ``unit``."""
        from .allunits import unit_name
        fail = get_dimensions(unit)
        if fail is not self.dim:
            raise DimensionMismatchError("Cannot express the value in this unit", self.dim, fail)
        value = self.view(np.ndarray) / np.asarray(unit)
        text = np.array2string(np.asarray(value), precision=precision) if value.ndim else repr(float(value))
        return f"{text} * {unit_name(unit)}"

    @property
    def dimensions(self):
        return self.dim

    def __repr__(self):
        from .allunits import best_unit, unit_name
        unit = best_unit(self)
        value = self.view(np.ndarray) / float(np.asarray(unit))
        if value.ndim == 0:
            text = repr(float(value))
        else:
            text = np.array2string(value, separator=", ")
        return f"{text} * {unit_name(unit)}" if self.dim is not DIMENSIONLESS else text

    __str__ = __repr__


class Unit(Quantity):
    """A named unit: a scalar `Quantity` with a display name (``mV``)."""

    def __new__(cls, value, dim, name):
        obj = np.array(float(value)).view(cls)
        obj.dim = dim
        obj.name = name
        return obj

    def __array_finalize__(self, obj):
        self.dim = getattr(obj, "dim", DIMENSIONLESS)
        self.name = None

    def __repr__(self):
        return self.name if self.name else Quantity.__repr__(self)

    __str__ = __repr__

    def __reduce__(self):
        return (Unit, (float(self.view(np.ndarray)), self.dim, self.name))


def check_units_compatible(value, dim, description):
    """Raise a `DimensionMismatchError` naming ``description`` if ``value``'s
    dimension is not ``dim``."""
    if get_dimensions(value) is not dim:
        raise DimensionMismatchError(description, dim, get_dimensions(value))


def _concatenate(arrays, *args, **kwargs):
    dims = {get_dimensions(a) for a in arrays}
    # Different units: the values without units, as Brian2 gives them
    # (vstack((v, zeros(n))) in its examples' plotting code).
    dim = dims.pop() if len(dims) == 1 else DIMENSIONLESS
    return _wrap(np.concatenate([_raw(a) for a in arrays], *args, **kwargs), dim)


def _clip(a, a_min, a_max, *args, **kwargs):
    dim = get_dimensions(a)
    for bound in (a_min, a_max):
        if bound is not None and get_dimensions(bound) is not dim and not np.all(np.isin(_raw(bound), (0, np.inf, -np.inf))):
            raise DimensionMismatchError("clip bounds must have the units of the value", dim,
                                         get_dimensions(bound))
    return _wrap(np.clip(_raw(a), _raw(a_min), _raw(a_max), *args, **kwargs), dim)


def _allclose(a, b, *args, **kwargs):
    if get_dimensions(a) is not get_dimensions(b):
        raise DimensionMismatchError("Cannot compare quantities with different units",
                                     get_dimensions(a), get_dimensions(b))
    return np.allclose(_raw(a), _raw(b), *args, **kwargs)


_ARRAY_FUNCTIONS = {np.concatenate: _concatenate, np.clip: _clip, np.allclose: _allclose}
_REARRANGING = {np.reshape, np.ravel, np.transpose, np.sort, np.unique, np.atleast_1d,
                np.squeeze, np.copy, np.tile, np.repeat, np.diff, np.median, np.round,
                np.around, np.take, np.flip, np.nanmean, np.nanmax, np.nanmin,
                np.sum, np.mean, np.max, np.min, np.amax, np.amin, np.cumsum, np.std,
                np.percentile, np.histogram_bin_edges}
