"""The network layer: the objects of a run, the schedule of a step, the main
loop, the spike exchange's window and the results file of a run."""
from .magic import MagicError, MagicNetwork, magic_network, restore, run, save, stop, store
from .operations import NetworkOperation, network_operation
from .network import Network
from .profiling import ProfilingSummary, profiling_summary

__all__ = ["Network", "run", "save", "store", "restore", "MagicNetwork", "magic_network",
           "MagicError", "stop", "NetworkOperation", "network_operation", "profiling_summary",
           "ProfilingSummary"]
