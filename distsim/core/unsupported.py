"""Brian2 names that distsim does not implement: each raises an error that
says so and why, instead of a NameError deep in a ported script."""

__all__ = ["SpatialNeuron", "Morphology", "Soma", "Cylinder", "Section"]


def _unsupported(name, why):
    def raiser(*args, **kwargs):
        raise NotImplementedError(f"{name} is not supported by distsim: {why} "
                                  "(see docs/porting.md)")
    raiser.__name__ = name
    raiser.__doc__ = f"Not supported: {why}"
    return raiser



_MULTICOMPARTMENT = ("multicompartment neurons are not implemented (distsim simulates point "
                     "neurons); NEURON or Arbor simulate morphologies on many ranks")
SpatialNeuron = _unsupported("SpatialNeuron", _MULTICOMPARTMENT)
Morphology = _unsupported("Morphology", _MULTICOMPARTMENT)
Soma = _unsupported("Soma", _MULTICOMPARTMENT)
Cylinder = _unsupported("Cylinder", _MULTICOMPARTMENT)
Section = _unsupported("Section", _MULTICOMPARTMENT)
