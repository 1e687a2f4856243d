"""The names Brian2's ``from brian2 import *`` takes from pylab.

Brian2's package starts with ``from pylab import *`` (numpy's names, those
of numpy.fft, numpy.linalg and numpy.random, and matplotlib.pyplot's), or
without matplotlib with the same four numpy star imports. Brian2's scripts
use ``linspace``, ``rand``, ``plot`` or ``np`` straight from the star import,
so distsim's star import gives the same objects; distsim's own names are
bound after them and win (``seed``, ``save``, ``load``, units).
"""
import builtins
import types

import numpy


def _sum(a, *args, **kwargs):
    """numpy's ``sum``, which also sums a generator as numpy < 2.4 did (with
    Python's ``sum``): Brian2 2.9 runs on numpy < 2.4, and scripts written
    for it (its float_32_64_benchmark example) write ``sum(x for x in ...)``
    after its star import."""
    if isinstance(a, types.GeneratorType):
        return builtins.sum(a)
    return numpy.sum(a, *args, **kwargs)


def pylab_namespace() -> dict:
    """Name -> object, as ``from pylab import *`` binds them (numpy's star
    imports when matplotlib is missing), plus ``np``, ``numpy`` and ``ma``."""
    namespace = {}
    try:
        import pylab
        modules = [pylab]
    except ImportError:
        import numpy.fft
        import numpy.linalg
        import numpy.random
        modules = [numpy, numpy.fft, numpy.linalg, numpy.random]
    for module in modules:
        names = getattr(module, "__all__", None) or [n for n in dir(module)
                                                     if not n.startswith("_")]
        namespace.update((name, getattr(module, name)) for name in names
                         if hasattr(module, name))
    import numpy.ma
    namespace.update(np=numpy, numpy=numpy, ma=numpy.ma, sum=_sum)
    return namespace
