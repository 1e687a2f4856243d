"""Multicompartment neurons: morphologies and the cable equation
(Brian2's ``SpatialNeuron``)."""
from .morphology import Cylinder, Morphology, Section, Soma
from .spatialneuron import SpatialNeuron

__all__ = ["SpatialNeuron", "Morphology", "Soma", "Cylinder", "Section"]
