"""Functions usable in model expressions, with their unit rules."""
import numpy as np

from ..units import DIMENSIONLESS, DimensionMismatchError, second


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
    """A function callable from expressions.

    Parameters
    ----------
    implementation : callable
        Works on numpy arrays of raw (SI) values.
    dimension_rule : callable
        ``rule(arg_dims, expr_text) -> result dimension``; raises on misuse.
    """

    def __init__(self, implementation, dimension_rule):
        self.implementation = implementation
        self.dimension_rule = dimension_rule


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


DEFAULT_FUNCTIONS = {name: Function(getattr(np, name), _dimensionless_in_out(name))
                     for name in ("exp", "log", "log10", "sin", "cos", "tan", "sinh", "cosh",
                                  "tanh", "arcsin", "arccos", "arctan", "expm1", "log1p")}
DEFAULT_FUNCTIONS.update({
    "sqrt": Function(np.sqrt, _sqrt_rule),
    "abs": Function(np.abs, _keep_first("abs", 1)),
    "floor": Function(np.floor, _keep_first("floor", 1)),
    "ceil": Function(np.ceil, _keep_first("ceil", 1)),
    "clip": Function(np.clip, _keep_first("clip", 3)),
    "sign": Function(np.sign, _plain_result),
    "int": Function(_int, _dimensionless_in_out("int")),
    "exprel": Function(_exprel, _dimensionless_in_out("exprel")),
    "timestep": Function(_timestep, _timestep_rule),
    # rand/randn are bound per evaluation to counter-based draws (expressions.py).
    "rand": Function(None, _no_args("rand")),
    "randn": Function(None, _no_args("randn")),
})

# Constants usable by name in any expression.
DEFAULT_CONSTANTS = {"pi": np.pi, "e": np.e, "inf": np.inf, "True": True, "False": False}
