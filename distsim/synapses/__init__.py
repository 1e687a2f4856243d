"""Synapses: connection rules, per-synapse state and spike delivery, each
rank holding the incoming synapses of its own neurons."""
from .synapses import Synapses

__all__ = ["Synapses"]
