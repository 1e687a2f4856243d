"""Monitors: what a run records, readable in the script on every rank and
written to the results file."""
from .spikemonitor import SpikeMonitor

__all__ = ["SpikeMonitor"]
