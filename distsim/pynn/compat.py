"""Fixes to PyNN 0.13 under numpy 2, applied when distsim.pynn is imported.

- A connection map's column is "a 1D array or a single value"
  (``LazyArray.by_column``); with one presynaptic cell the single value is a
  numpy bool, which PyNN's connectors test with ``is True`` and then call
  ``nonzero()`` on, an error for 0-d arrays since numpy 2.1
  (``OneToOneConnector`` from one cell, as PyNN's simple_STDP.py example
  does). Single values become Python bools, the type PyNN expects.
"""
import numpy as np
from pyNN.parameters import LazyArray

_by_column = LazyArray.by_column


def _by_column_with_python_bools(self, mask=None):
    for column in _by_column(self, mask):
        yield bool(column) if isinstance(column, np.bool_) else column


def apply():
    if LazyArray.by_column is not _by_column_with_python_bools:
        LazyArray.by_column = _by_column_with_python_bools
