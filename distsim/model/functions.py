"""Functions usable in model expressions, with their unit rules (Brian2's
``brian2.core.functions``: ``Function``, ``implementation``, ``DEFAULT_FUNCTIONS``)."""
import numpy as np

from ..units import DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions, second


def _dimensionless_in_out(name):
    def rule(arg_dims, expr_text):
        for d in arg_dims:
            if d is not DIMENSIONLESS:
                raise DimensionMismatchError(
                    f"The argument of {name}() must be dimensionless in '{expr_text}'", d)
        return DIMENSIONLESS
    return rule


def _keep_first(name, n_args):
    def rule(arg_dims, expr_text):
        if len(arg_dims) != n_args:
            raise TypeError(f"{name}() takes {n_args} argument(s) in '{expr_text}'")
        for d in arg_dims[1:]:
            if d is not arg_dims[0]:
                raise DimensionMismatchError(
                    f"The arguments of {name}() must have the same units in '{expr_text}'",
                    *arg_dims)
        return arg_dims[0]
    return rule


def _sqrt_rule(arg_dims, expr_text):
    return arg_dims[0] ** 0.5


def _plain_result(arg_dims, expr_text):
    return DIMENSIONLESS


def _no_args(name):
    def rule(arg_dims, expr_text):
        if arg_dims:
            raise TypeError(f"{name}() takes no arguments in '{expr_text}'")
        return DIMENSIONLESS
    return rule


class Function:
    """A function callable from model expressions (Brian2's ``Function``).

    Parameters
    ----------
    pyfunc : callable
        The Python implementation. It receives quantities with the units of
        ``arg_units`` and returns a value with ``return_unit``, as Brian2's
        numpy target calls it.
    sympy_func : optional
        Accepted for Brian2's signature (distsim does not need it).
    arg_units : list, optional
        A unit per argument (``1`` for dimensionless, ``None`` for any, the
        name of another argument for "the same units as that one"). Taken
        from ``@check_units`` when not given.
    arg_names : list of str, optional
        The argument names (for ``arg_units`` given by name).
    return_unit : unit or callable, optional
        The result's unit, or ``f(*arg_dims) -> dims``. Taken from
        ``@check_units(result=...)`` when not given.
    arg_types, return_type, stateless
        Accepted for Brian2's signature.
    auto_vectorise : bool
        Not supported (the function would be called once per element).
    """

    def __init__(self, pyfunc, sympy_func=None, arg_units=None, arg_names=None,
                 return_unit=None, arg_types=None, return_type=None, stateless=True,
                 auto_vectorise=False):
        self.pyfunc = pyfunc
        self.name = getattr(pyfunc, "__name__", "function")
        arg_units = getattr(pyfunc, "_arg_units", None) if arg_units is None else arg_units
        return_unit = getattr(pyfunc, "_return_unit", None) if return_unit is None \
            else return_unit
        if arg_units is None or return_unit is None:
            raise ValueError(f"Function '{self.name}': give arg_units and return_unit, or "
                             "decorate the function with @check_units(..., result=...)")
        if auto_vectorise:
            raise NotImplementedError(f"Function '{self.name}': auto_vectorise is not "
                                      "supported by distsim")
        self.arg_names = list(arg_names or getattr(pyfunc, "_arg_names", None) or [])
        self.arg_units = list(arg_units)
        self.return_unit = return_unit
        self.stateless = stateless
        #: Code for other targets (``@implementation('cython', code)``): kept,
        #: distsim runs the Python implementation.
        self.implementations = {}
        self.implementation = self._call_raw
        self.dimension_rule = self._result_dimension

    @classmethod
    def from_raw(cls, implementation, dimension_rule):
        """A function on raw (SI) values: ``implementation(*arrays)`` and
        ``dimension_rule(arg_dims, expr_text) -> result dimension``."""
        self = cls.__new__(cls)
        self.pyfunc = None
        self.name = getattr(implementation, "__name__", "function")
        self.implementations = {}
        self.implementation = implementation
        self.dimension_rule = dimension_rule
        return self

    def _argument_dims(self, arg_dims):
        """The dimension each argument must have (None: any, bool: a bool)."""
        wanted = []
        for unit in self.arg_units:
            if isinstance(unit, str):
                unit = self.arg_units[self.arg_names.index(unit)]
            wanted.append(unit if unit is None or unit is bool else get_dimensions(unit))
        return wanted

    def _result_dimension(self, arg_dims, expr_text):
        if len(arg_dims) != len(self.arg_units):
            raise TypeError(f"{self.name}() takes {len(self.arg_units)} argument(s), got "
                            f"{len(arg_dims)} in '{expr_text}'")
        for k, (got, wanted) in enumerate(zip(arg_dims, self._argument_dims(arg_dims))):
            if isinstance(self.arg_units[k], str):
                wanted = arg_dims[self.arg_names.index(self.arg_units[k])]
            if wanted is not None and wanted is not bool and got is not wanted:
                raise DimensionMismatchError(
                    f"Argument {k + 1} of {self.name}() has the wrong units in '{expr_text}'",
                    wanted, got)
        if self.return_unit is bool:
            return DIMENSIONLESS
        if callable(self.return_unit) and not isinstance(self.return_unit, Quantity):
            return get_dimensions(self.return_unit(*arg_dims))
        return get_dimensions(self.return_unit)

    def _call_raw(self, *args):
        """Call the Python implementation on raw values, with units as Brian2
        gives them; the result's units are checked and dropped."""
        given = [a if d is None or d is bool or d is DIMENSIONLESS else Quantity(a, d)
                 for a, d in zip(args, self._argument_dims(None))]
        result = self.pyfunc(*given)
        expected = self._result_dimension([get_dimensions(a) for a in given], self.name)
        if get_dimensions(result) is not expected and self.return_unit is not bool:
            raise DimensionMismatchError(f"{self.name}() returned a value with the wrong "
                                         "units", expected, get_dimensions(result))
        return np.asarray(result.view(np.ndarray) if isinstance(result, Quantity) else result)

    def __call__(self, *args):
        """Direct use in Python (with units, as Brian2's)."""
        if self.pyfunc is not None:
            return self.pyfunc(*args)
        arg_dims = [get_dimensions(a) for a in args]
        raw = [np.asarray(a.view(np.ndarray)) if isinstance(a, Quantity) else a for a in args]
        result = self.implementation(*raw)
        dim = self.dimension_rule(arg_dims, self.name)
        return result if dim is DIMENSIONLESS else Quantity(result, dim)

    def __repr__(self):
        return f"<Function {self.name}>"


def implementation(target, code=None, namespace=None, dependencies=None, discard_units=None,
                   name=None, **compiler_kwds):
    """Brian2's decorator that adds an implementation of a function for a
    code-generation target. distsim calls the Python implementation: code for
    'numpy' replaces it; code for other targets ('cython', 'cpp') is kept and
    not used."""
    def decorate(func):
        function = func if isinstance(func, Function) else Function(func)
        if target == "numpy" and code is not None:
            function.pyfunc = code
        elif code is not None:
            function.implementations[target] = code
        return function
    return decorate


def declare_types(**types):
    """Brian2's type annotation of a function (accepted; distsim computes in
    float64 and int64)."""
    def annotate(func):
        func._arg_types = types
        return func
    return annotate


def _int(x):
    return np.asarray(x).astype(np.int64) if np.ndim(x) else int(x)


def _exprel(x):
    """(exp(x) - 1)/x, 1 at x = 0 (Brian2's exprel, after scipy.special's:
    1 for |x| < 1e-16, inf above 717)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = np.where(np.abs(x) < 1e-16, 1.0,
                          np.where(x > 717, np.inf, np.expm1(x) / x))
    return result if result.ndim else float(result)


def _timestep(t, dt):
    """The step of time ``t`` (Brian2's timestep: shifted by 1e-3 dt so that
    multiples of dt do not fall into the step before)."""
    steps = np.asarray((np.asarray(t) + 1e-3 * np.asarray(dt)) / np.asarray(dt)).astype(np.int64)
    return steps if steps.ndim else int(steps)


def _timestep_rule(arg_dims, expr_text):
    if len(arg_dims) != 2 or any(d is not second.dim for d in arg_dims):
        raise DimensionMismatchError(f"timestep(t, dt) takes two times in '{expr_text}'",
                                     *arg_dims)
    return DIMENSIONLESS


DEFAULT_FUNCTIONS = {name: Function.from_raw(getattr(np, name), _dimensionless_in_out(name))
                     for name in ("exp", "log", "log10", "sin", "cos", "tan", "sinh", "cosh",
                                  "tanh", "arcsin", "arccos", "arctan", "expm1", "log1p")}
DEFAULT_FUNCTIONS.update({
    "sqrt": Function.from_raw(np.sqrt, _sqrt_rule),
    "abs": Function.from_raw(np.abs, _keep_first("abs", 1)),
    "floor": Function.from_raw(np.floor, _keep_first("floor", 1)),
    "ceil": Function.from_raw(np.ceil, _keep_first("ceil", 1)),
    "clip": Function.from_raw(np.clip, _keep_first("clip", 3)),
    "sign": Function.from_raw(np.sign, _plain_result),
    "int": Function.from_raw(_int, _dimensionless_in_out("int")),
    "exprel": Function.from_raw(_exprel, _dimensionless_in_out("exprel")),
    "timestep": Function.from_raw(_timestep, _timestep_rule),
    # rand/randn are bound per evaluation to counter-based draws (expressions.py).
    "rand": Function.from_raw(None, _no_args("rand")),
    "randn": Function.from_raw(None, _no_args("randn")),
})

#: Brian2's ``brian2.core.functions.timestep``, callable from Python too.
timestep = DEFAULT_FUNCTIONS["timestep"]

# Constants usable by name in any expression.
DEFAULT_CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "True": True, "False": False}
