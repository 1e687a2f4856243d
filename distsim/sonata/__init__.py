"""SONATA network input: ``SonataNetwork('circuit_config.json',
'simulation_config.json')`` builds a SONATA circuit of point neurons as
distsim objects (see network.py and docs/sonata.md)."""
from .network import SonataNetwork

__all__ = ["SonataNetwork"]
