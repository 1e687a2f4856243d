"""Monitors: what a run records, readable in the script on every rank and
written to the results file."""
from .ratemonitor import PopulationRateMonitor
from .spikemonitor import EventMonitor, SpikeMonitor
from .statemonitor import StateMonitor

__all__ = ["SpikeMonitor", "EventMonitor", "StateMonitor", "PopulationRateMonitor"]
