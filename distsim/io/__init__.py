"""Results files: one HDF5 file per run in SONATA layout, written by all
ranks together; loading and the command line. (``save()`` is the network's:
it hands the writer its monitors.)"""
from .writer import ResultsWriter
from .loader import load

__all__ = ["load", "ResultsWriter"]
