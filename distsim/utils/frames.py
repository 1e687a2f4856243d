"""Which script frame an object or a ``run()`` was called from."""
import functools
import inspect
import numbers
import types

import numpy as np


def caller_namespace(level=0):
    """The locals and globals of the user's frame ``level`` frames above the
    first frame outside distsim (how ``run()`` sees the script's constants)."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__", "").startswith("distsim"):
        frame = frame.f_back
    for _ in range(level):
        if frame is not None and frame.f_back is not None:
            frame = frame.f_back
    if frame is None:
        return {}
    return dict(frame.f_globals, **frame.f_locals)


class NotAConstant:
    """Stands for a script name whose value cannot be a model constant: an
    object keeps the names of the script it was created in, and through this
    no other object alive (Brian2 forgets objects the script dropped)."""

    def __init__(self, type_name):
        self.type_name = type_name


def constants_of(namespace: dict) -> dict:
    """``namespace`` with only what model code can use by name (numbers,
    quantities and arrays, functions callable from models); anything else is
    a `NotAConstant`."""
    result = {}
    for name, value in namespace.items():
        verdict = _verdict_of_type(type(value))
        if verdict is None:
            verdict = _has(value, "dimension_rule") or _has(value, "_return_unit")
        result[name] = value if verdict else NotAConstant(type(value).__name__)
    return result


@functools.lru_cache(maxsize=None)
def _verdict_of_type(kind):
    """True where every value of this type is a constant (numbers,
    quantities, arrays), False where none is (modules, classes, builtins,
    numpy's and matplotlib's objects: not functions with units), None where
    the value must be asked. Cached by type: a namespace has thousands of
    names (pylab's)."""
    if issubclass(kind, (numbers.Number, np.number, np.bool_, np.ndarray)):
        return True
    if issubclass(kind, (types.ModuleType, type, types.BuiltinFunctionType, np.ufunc)) or \
            getattr(kind, "__module__", "").partition(".")[0] in ("numpy", "matplotlib"):
        return False
    return None


def _has(value, attribute):
    """hasattr() for any object of a script: some raise their own error for
    an attribute they lack (PyNN's current sources raise
    NonExistentParameterError), which is also a no."""
    try:
        # With a default, a missing attribute costs no Python exception (a
        # script's namespace holds thousands of names: pylab's).
        return getattr(value, attribute, _MISSING) is not _MISSING
    except Exception:  # noqa: BLE001 - any failure to read it means it is not there
        return False


_MISSING = object()
