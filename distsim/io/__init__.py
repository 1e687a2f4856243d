"""Results files: one HDF5 file per run in SONATA layout, written by all
ranks together; loading and the command line."""
from .writer import ResultsWriter, save
from .loader import load

__all__ = ["save", "load", "ResultsWriter"]
