"""SpatialNeuron: one neuron of many compartments (Brian2's ``SpatialNeuron``).

The model gives the transmembrane current per area, ``Im = ... : amp/meter**2``,
and may declare point currents (``I : amp (point current)``), which enter
``Im`` divided by the compartment's area. ``v`` is added as a parameter that
only the cable update advances (distsim/spatial/cable.py); the other
equations are integrated first, with ``v`` as it was, by the group's usual
state update. Each compartment has the morphology's ``length``,
``distance``, ``area``, ``volume``, ``diameter``, ``r_length_1``,
``r_length_2`` (and ``x``, ``y``, ``z`` where the morphology has
coordinates), a specific capacitance ``Cm`` and the capacitive current
``Ic``; the intracellular resistivity ``Ri`` is shared.

A SpatialNeuron is one cell: the rank that holds it (rank 0) holds all of
its compartments and solves its cable equation; every rank runs the same
script, and synapses and monitors reach it through the usual partition
machinery (the other ranks hold none of it).
"""
from __future__ import annotations

import re

import numpy as np
import sympy

from ..parallel.partition import Share
from ..groups.neurongroup import NeuronGroup
from ..groups.subgroup import Subgroup
from ..model.equations import (PARAMETER, SUBEXPRESSION, EquationError, Equations,
                               SingleEquation)
from ..model.expressions import Expression
from ..model.integration import inlined_subexpressions
from ..units import DimensionMismatchError, Quantity, amp, cm, get_dimensions, meter, ohm, \
    uF, volt
from .cable import CableUpdate
from .morphology import FlatMorphology, Morphology

__all__ = ["SpatialNeuron"]

_CURRENT_DENSITY = (amp / meter ** 2).dim
#: Brian2's default for a SpatialNeuron: the first of these that applies.
DEFAULT_METHODS = ("exact", "exponential_euler", "rk2", "heun")
# Variables every compartment has (Brian2's): geometry, Cm, Ri, Ic.
_COMPARTMENT_EQUATIONS = """
length : meter (constant)
distance : meter (constant)
area : meter**2 (constant)
volume : meter**3
diameter : meter (constant)
Cm : farad/meter**2 (constant)
Ri : ohm*meter (constant, shared)
r_length_1 : meter (constant)
r_length_2 : meter (constant)
Ic : amp/meter**2
"""

# Brian2's subexpressions of the linearised current and the cable's constants.
_LINEARISED_EQUATIONS = """
gtot__private = {} : siemens/meter**2
I0__private = {} : amp/meter**2
time_constant = Cm/gtot__private : second
space_constant = (2/pi)**(1.0/3.0) * (area/(1/r_length_1 + 1/r_length_2))**(1.0/6.0) / \
    (2*(Ri*gtot__private)**(1.0/2.0)) : meter
"""

# The compartments' midpoints, where the morphology has coordinates.
_COORDINATE_EQUATIONS = """
x : meter (constant)
y : meter (constant)
z : meter (constant)
"""


def _cell_equations(model, owner):
    """The group's equations: the user's, with point currents folded into
    ``Im``, ``v`` as a parameter, and the compartments' variables."""
    if isinstance(model, str):
        model = Equations(model)
    if not isinstance(model, Equations):
        raise TypeError(f"{owner}: model must be a string or Equations, got "
                        f"{type(model).__name__}")
    if "Im" not in model:
        raise EquationError(f"{owner}: the transmembrane current 'Im' must be defined "
                            "('Im = ... : amp/meter**2')")
    membrane = model["Im"]
    if membrane.kind != SUBEXPRESSION or membrane.flags:
        raise EquationError(f"{owner}: 'Im' must be a subexpression without flags "
                            f"('{membrane.line}')")
    if membrane.dim is not _CURRENT_DENSITY:
        raise DimensionMismatchError(f"{owner}: 'Im' must be a current per area "
                                     f"('{membrane.line}')", _CURRENT_DENSITY, membrane.dim)
    if "v" in model:
        raise EquationError(f"{owner}: 'v' is the membrane potential that the cable equation "
                            "defines; do not declare it")
    code = membrane.expr.code
    kept = {}
    for eq in model:
        if eq.name == "Im":
            continue
        flags = list(eq.flags)
        if "point current" in flags:
            if eq.dim is not amp.dim:
                raise DimensionMismatchError(f"{owner}: the point current '{eq.name}' must be "
                                             f"in amp ('{eq.line}')", amp.dim, eq.dim)
            flags.remove("point current")
            code = f"({code}) + {eq.name}/area"
            line = re.sub(r"\(([^()]*)\)\s*$", lambda m: f"({', '.join(flags)})" if flags
                          else "", eq.line).rstrip()
            eq = SingleEquation(eq.kind, eq.name, eq.dim, eq.var_type, eq.expr, flags, line)
        kept[eq.name] = eq
    kept["Im"] = SingleEquation(SUBEXPRESSION, "Im", _CURRENT_DENSITY, expr=Expression(code),
                                line=f"Im = {code} : amp/meter**2")
    kept["v"] = SingleEquation(PARAMETER, "v", volt.dim, line="v : volt")
    equations = Equations()
    equations.equations = kept
    return equations + Equations(_COMPARTMENT_EQUATIONS)


def _linearised(equations):
    """``gtot = -dIm/dv`` and ``I0 = Im - dIm/dv * v`` as expressions of the
    model's variables (subexpressions inlined), as Brian2 derives them."""
    symbols = {}
    Im = inlined_subexpressions(equations, symbols)["Im"]
    v = symbols.setdefault("v", sympy.Symbol("v", real=True))
    slope = sympy.diff(Im, v)
    if slope.atoms(sympy.Derivative):
        raise EquationError(f"Cannot take the derivative of Im = {Im} with respect to v")
    return (Expression(sympy.sstr(sympy.simplify(-slope))),
            Expression(sympy.sstr(sympy.simplify(Im - slope * v))))


class SpatialNeuron(NeuronGroup):
    """A neuron with a morphology (Brian2's ``SpatialNeuron``).

    Parameters
    ----------
    morphology : Morphology
        The cell's tree (`Soma`, `Cylinder`, `Section`); one compartment per
        element of the group, numbered as the morphology numbers them.
    model : str or Equations
        Must define ``Im`` (amp/meter**2); may declare point currents.
    threshold, reset, refractory, events, namespace, dt, clock, order, name
        As for `NeuronGroup`.
    threshold_location : int or SubMorphology, optional
        The one compartment where the threshold applies (default: all).
    Cm : Quantity
        Specific capacitance (default 0.9 uF/cm**2); a per-compartment variable.
    Ri : Quantity
        Intracellular resistivity (default 150 ohm*cm); shared.
    method : str or tuple of str
        Integration of the equations other than the cable's; a tuple is
        tried in order (default: exact, exponential_euler, rk2, heun).
    """

    owner_kind = "SpatialNeuron"

    def __init__(self, morphology=None, model=None, threshold=None, refractory=False,
                 reset=None, events=None, threshold_location=None, dt=None, clock=None,
                 order=0, Cm=0.9 * uF / cm ** 2, Ri=150 * ohm * cm, name="spatialneuron*",
                 dtype=None, namespace=None, method=DEFAULT_METHODS, method_options=None):
        if method_options is not None:
            raise NotImplementedError("SpatialNeuron: method_options is not supported by "
                                      "distsim")
        if not isinstance(morphology, Morphology):
            raise TypeError("SpatialNeuron: morphology must be a Morphology (Soma, Cylinder, "
                            f"Section), got {type(morphology).__name__}")
        equations = _cell_equations(model, f"SpatialNeuron '{name}'")
        linearised = _linearised(equations)
        flat = FlatMorphology(morphology)
        equations = equations + Equations(_LINEARISED_EQUATIONS.format(*(
            e.code for e in linearised)) + (_COORDINATE_EQUATIONS if flat.has_coordinates
                                            else ""))
        if threshold_location is not None:
            if hasattr(threshold_location, "_indices"):
                threshold_location = threshold_location._indices()
            if np.ndim(threshold_location) != 0:
                raise TypeError("SpatialNeuron: the threshold applies at one compartment only "
                                "(threshold_location)")
            threshold = f"({threshold}) and (i == {int(threshold_location)})"
        object.__setattr__(self, "morphology", morphology)
        object.__setattr__(self, "flat_morphology", flat)
        super().__init__(self.flat_morphology.n, equations, method=method, threshold=threshold,
                         reset=reset, refractory=refractory, namespace=namespace, dtype=dtype,
                         name=name, events=events, order=order, dt=dt, clock=clock)
        self._frozen = False
        flat = self.flat_morphology
        state = self._local_state
        for variable, values in (("length", flat.length), ("distance", flat.distance),
                                 ("area", flat.area), ("volume", flat.volume),
                                 ("diameter", flat.diameter), ("r_length_1", flat.r_length_1),
                                 ("r_length_2", flat.r_length_2)):
            state[variable][:] = values[self.start:self.stop]
        if flat.has_coordinates:
            for axis, variable in enumerate("xyz"):
                state[variable][:] = flat.coordinates[axis, self.start:self.stop]
        self.Cm = Cm
        self.Ri = Ri
        self._frozen = True

    def _written_during_run(self):
        # The cable update writes v at every step: the gating variables'
        # update reads it anew each time.
        return super()._written_during_run() | {"v"}

    @property
    def linearised_current(self):
        """(gtot, I0): the membrane current linearised in v, as the
        Expressions of the model's ``gtot__private`` and ``I0__private``
        subexpressions (the cable update and time_constant read the same)."""
        return tuple(self.equations[name].expr for name in ("gtot__private", "I0__private"))

    def share_for(self, rank, size):
        """All compartments on rank 0: one cell's cable equation is one
        linear system."""
        return Share(0, 1, self.N) if rank == 0 else Share(self.N, 1, 0)

    def before_run(self, run_namespace, clock):
        super().before_run(run_namespace, clock)
        gtot, I0 = self.linearised_current
        constants = self.resolver.constants(gtot.identifiers | I0.identifiers, run_namespace,
                                            f"{gtot.code}; {I0.code}")
        self._code_objects.append(CableUpdate(self, (gtot, I0), constants))

    # -- parts of the cell --------------------------------------------------------
    def __getattr__(self, name):
        part = _subtree(self, self.__dict__.get("morphology"), name)
        return part if part is not None else super().__getattr__(name)

    def __getitem__(self, item):
        """``neuron[10*um:20*um]`` (distances along the root section),
        ``neuron[morpho.axon[5*um]]``, or compartment indices."""
        part = _segment(self, self.morphology, item)
        return part if part is not None else super().__getitem__(item)


def _subtree(neuron, morphology, name):
    """``neuron.main`` (the section of ``morphology`` alone) or
    ``neuron.<child>`` (a child's whole subtree) as a subgroup, or None
    where ``name`` is neither (a variable, say)."""
    if name.startswith("_") or morphology is None or \
            name in neuron.__dict__.get("variables", ()):
        return None
    if name == "main":
        first = morphology._start_index()
        return _spatial_subgroup(neuron, first, first + morphology.n, morphology)
    try:
        child = morphology[name]
    except (AttributeError, KeyError):
        return None
    first = child._start_index()
    return _spatial_subgroup(neuron, first, first + child.total_compartments, child)


def _segment(neuron, morphology, item):
    """Brian2's segments: compartments by distance along ``morphology``'s
    section (``neuron.axon[10*um:20*um]``) or a part of the morphology
    (``neuron[morpho.axon[5*um]]``), as a Subgroup of the whole cell; None
    for other items (indices relative to the group)."""
    if isinstance(item, slice) and any(isinstance(v, Quantity) and
                                       get_dimensions(v) is meter.dim
                                       for v in (item.start, item.stop)):
        indices = np.atleast_1d(morphology.indices[item])
    elif hasattr(item, "_indices"):
        indices = np.atleast_1d(item._indices())
    else:
        return None
    return Subgroup(neuron, int(indices[0]), int(indices[-1]) + 1)


def _spatial_subgroup(neuron, start, stop, morphology):
    """A subtree of the cell as a Subgroup whose children are reachable
    (``neuron.dend.distal``)."""
    group = _SpatialSubgroup(neuron, start, stop)
    object.__setattr__(group, "morphology", morphology)
    return group


class _SpatialSubgroup(Subgroup):
    """The compartments of a subtree (``neuron.axon``, ``neuron.main``)."""

    owner_kind = "SpatialSubgroup"

    def __getattr__(self, name):
        part = _subtree(self.parent, self.__dict__.get("morphology"), name)
        return part if part is not None else super().__getattr__(name)

    def __getitem__(self, item):
        part = _segment(self.parent, self.morphology, item)
        return part if part is not None else super().__getitem__(item)
