"""Neuron groups: NeuronGroup, its subgroups, linked variables, and the
resolver and variable access they share with Synapses."""
from .group import Group
from .linked import LinkedVariable, linked_var
from .neurongroup import NeuronGroup
from .population import NeuronPopulation
from .regular import RegularOperation
from .resolver import Resolution, Resolver
from .subgroup import Subgroup

__all__ = ["Group", "NeuronGroup", "NeuronPopulation", "Subgroup", "LinkedVariable",
           "linked_var", "RegularOperation", "Resolver", "Resolution"]
