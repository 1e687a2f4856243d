"""Neuron morphologies (Brian2's ``Soma``, ``Cylinder``, ``Section``).

A morphology is a tree of sections; each section is a chain of compartments.
Its compartments are numbered depth first: a section's own compartments,
then each child subtree in the order the children were attached
(``morpho.axon = Cylinder(...)``), as Brian2 numbers them. Geometry is kept
in SI floats; the public properties return quantities.

Per compartment: ``length``, ``area`` (the lateral surface: a sphere's for a
soma, a truncated cone's otherwise), ``volume``, ``diameter`` (at the
midpoint), ``distance`` (of the midpoint from the root), and ``r_length_1``,
``r_length_2``: the geometric factors of the axial conductance from the
compartment's start to its midpoint and from the midpoint to its end
(conductance = factor / Ri). A soma is isopotential: its factors are 1 m
(a negligible axial resistance), as in Brian2.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..units import DimensionMismatchError, Quantity, get_dimensions, meter

__all__ = ["Morphology", "Soma", "Cylinder", "Section", "SubMorphology", "FlatMorphology"]

_METER = meter.dim
# Brian2's tolerance for a distance on a compartment boundary: it belongs to
# the following compartment (a start) or the previous one (an end).
_BOUNDARY_TOLERANCE = 1e-12


def _meters(value, what, size=None):
    """``value`` (a length quantity) as SI floats, checked."""
    if get_dimensions(value) is not _METER:
        raise DimensionMismatchError(f"{what} must be a length", _METER, get_dimensions(value))
    values = np.asarray(value, dtype=np.float64).reshape(-1) if size is not None else \
        float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
    if size is not None and len(values) != size:
        raise TypeError(f"{what} must have {size} values, got {len(values)}")
    return values


def _lengths(unit_values):
    return Quantity(unit_values, dim=_METER)


def _is_everything(item):
    # ``[:]`` (a slice of quantities must not be compared with None).
    return isinstance(item, slice) and item.start is None and item.stop is None and \
        item.step is None


def _is_branch_name(name):
    # Brian2's shorthand for nested children: '12' is child 2 of child 1.
    return len(name) > 1 and all(c in "LR123456789" for c in name)


class Morphology:
    """A section of a neuron's tree and its subtree (the base of `Soma`,
    `Section` and `Cylinder`). Children are attached by attribute or item:
    ``morpho.axon = Cylinder(...)``, ``morpho['dend'] = ...``."""

    def __init__(self, n, type=None):
        if int(n) != n or n < 1:
            raise ValueError(f"A section needs a whole number n >= 1 of compartments, got {n}")
        object.__setattr__(self, "_n", int(n))
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "_parent", None)
        object.__setattr__(self, "_children", [])       # in the order attached
        object.__setattr__(self, "_child_names", {})    # name (and '1', '2', ...) -> child
        object.__setattr__(self, "indices", _IndexWrapper(self))
        # Coordinates given at creation (3 x points, SI), or None.
        object.__setattr__(self, "_points", None)

    @staticmethod
    def from_file(filename, spherical_soma=True):
        """Not supported: build the tree from `Soma`, `Cylinder` and
        `Section` (SWC files are not read by distsim)."""
        raise NotImplementedError(f"Morphology.from_file('{filename}'): distsim does not read "
                                  "SWC files; build the morphology from Soma, Cylinder and "
                                  "Section")

    from_swc_file = from_file

    # -- the tree ---------------------------------------------------------------
    @property
    def n(self) -> int:
        """The number of compartments of this section."""
        return self._n

    def __len__(self):
        raise TypeError("The 'length' of a Morphology is ambiguous: use n (compartments of "
                        "this section) or total_compartments (of its subtree)")

    @property
    def parent(self):
        return self._parent

    @property
    def children(self):
        """The child sections, in the order they were attached."""
        return list(self._children)

    @property
    def total_compartments(self) -> int:
        return self.n + sum(child.total_compartments for child in self._children)

    @property
    def total_sections(self) -> int:
        return 1 + sum(child.total_sections for child in self._children)

    def _attach(self, name, child):
        if name in self._child_names and self._child_names[name] is not child:
            raise AttributeError(f"The name {name} is already used for a subtree")
        if child._parent is not None and child._parent is not self:
            raise ValueError(f"the section '{name}' is already part of another morphology")
        if child not in self._children:
            self._children.append(child)
            self._child_names[str(len(self._children))] = child
        self._child_names[name] = child
        object.__setattr__(child, "_parent", self)

    def __setattr__(self, name, value):
        if isinstance(value, Morphology) and not name.startswith("_"):
            self[name] = value
        else:
            object.__setattr__(self, name, value)

    def __setitem__(self, name, child):
        name = str(name)
        if _is_branch_name(name):
            self._child_names[name[0]][name[1:]] = child
        else:
            self._attach(name, child)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except AttributeError:
            raise AttributeError(f"The subtree {name} does not exist") from None

    def __getitem__(self, item):
        """A child by name (``morpho['axon']``, ``'12'``: child 2 of child
        1), or compartments of this section: one by index or by distance
        along the section (``morpho.axon[40*um]``), several by a slice of
        indices or distances (``morpho.axon[25*um:50*um]``)."""
        if isinstance(item, str):
            if _is_branch_name(item):
                return self._child_names[item[0]][item[1:]]
            if item in self._child_names:
                return self._child_names[item]
            raise AttributeError(f"The subtree {item} does not exist")
        return SubMorphology(self, *self._compartment_range(item))

    def _compartment_range(self, item):
        ends = np.cumsum(self._length)  # distance of each compartment's end along the section
        if isinstance(item, slice):
            by_length = any(v is not None and get_dimensions(v) is _METER
                            for v in (item.start, item.stop))
            if not by_length:
                start, stop, step = item.indices(self.n)
                if step != 1:
                    raise TypeError("Can only slice a contiguous segment of a section")
                return start, stop
            if item.step is not None:
                raise TypeError("Cannot give a step when slicing by distance")
            tolerance = _BOUNDARY_TOLERANCE * ends[-1]

            def position(value, after):
                value = _meters(value, "a distance along the section")
                near = np.abs(value - ends)
                if near.min() < tolerance:
                    return int(np.argmin(near)) + 1
                return int(np.searchsorted(ends, value)) + after
            start = 0 if item.start is None else position(item.start, 0)
            stop = self.n if item.stop is None else position(item.stop, 1)
            return start, stop
        if isinstance(item, Quantity) and get_dimensions(item) is _METER:
            value = _meters(item, "a distance along the section")
            bounds = np.concatenate([[0.0], ends])
            if value < 0 or value > (1 + _BOUNDARY_TOLERANCE) * bounds[-1]:
                raise IndexError(f"Invalid index {item}: the section is {bounds[-1] * 1e6:g} um "
                                 "long")
            near = np.abs(value - bounds)
            k = int(np.argmin(near)) if near.min() < _BOUNDARY_TOLERANCE * bounds[-1] else \
                int(np.searchsorted(bounds, value)) - 1
            return k, k + 1
        if isinstance(item, numbers.Integral):
            k = int(item) + (self.n if item < 0 else 0)
            if not 0 <= k < self.n:
                raise IndexError(f"Invalid index {item} for {self.n} compartments")
            return k, k + 1
        raise TypeError(f"Index of type {type(item).__name__} not understood")

    # -- numbering ---------------------------------------------------------------
    def _start_index(self) -> int:
        """The number of this section's first compartment in the whole tree."""
        root = self
        while root._parent is not None:
            root = root._parent
        found = _first_index(root, self, 0)
        if found is None:  # pragma: no cover - a section is always in its root's tree
            raise AssertionError("section not found in its own tree")
        return found

    def _indices(self, item=None):
        """The compartment numbers of this section (one int for a
        one-compartment section), or of ``self[item]``."""
        if item is not None and not _is_everything(item):
            return self[item]._indices(None if not isinstance(item, slice) else slice(None))
        first = self._start_index()
        if self.n == 1 and item is None:
            return first
        return np.arange(first, first + self.n)

    # -- geometry: per compartment, SI floats in _length etc. (see _GEOMETRY) ----
    @property
    def end_distance(self):
        return Quantity(self._end_distance, dim=_METER)

    @property
    def _start_distance(self) -> float:
        return self._parent._end_distance if self._parent is not None else 0.0

    @property
    def _distance(self):
        return self._start_distance + np.cumsum(self._length) - 0.5 * self._length

    @property
    def _end_distance(self) -> float:
        return self._start_distance + float(np.sum(self._length))


#: Per-compartment geometry: public name -> (attribute of SI floats, power of metre).
_GEOMETRY = {"length": ("_length", 1), "diameter": ("_diameter_mid", 1),
             "area": ("_area", 2), "volume": ("_volume", 3),
             "r_length_1": ("_r_length_1", 1), "r_length_2": ("_r_length_2", 1),
             "distance": ("_distance", 1)}


def _geometry_property(attribute, power):
    return property(lambda self: Quantity(getattr(self, attribute), dim=_METER ** power))


for _name, (_attribute, _power) in _GEOMETRY.items():
    setattr(Morphology, _name, _geometry_property(_attribute, _power))


def _coordinate_property(axis):
    def midpoints(self):
        points = self._midpoints()
        return None if points is None else Quantity(points[axis], dim=_METER)
    return property(midpoints, doc="The compartments' midpoints on this axis, or None "
                                   "(a morphology without coordinates).")


for _axis, _name in enumerate("xyz"):
    setattr(Morphology, _name, _coordinate_property(_axis))


def _first_index(current, target, first):
    if current is target:
        return first
    first += current.n
    for child in current._children:
        found = _first_index(child, target, first)
        if found is not None:
            return found
        first += child.total_compartments
    return None


class _IndexWrapper:
    """``morpho.indices[...]``: compartment numbers instead of a view."""

    def __init__(self, morphology):
        self._morphology = morphology

    def __getitem__(self, item):
        return self._morphology._indices(item)


class Soma(Morphology):
    """A spherical, isopotential soma of the given ``diameter`` (one
    compartment). A section attached to it starts at distance 0."""

    def __init__(self, diameter, x=None, y=None, z=None, type="soma"):
        Morphology.__init__(self, 1, type)
        d = _meters(diameter, "Soma: diameter")
        object.__setattr__(self, "_length", np.array([d]))
        object.__setattr__(self, "_diameter_mid", np.array([d]))
        object.__setattr__(self, "_area", np.array([np.pi * d ** 2]))
        object.__setattr__(self, "_volume", np.array([np.pi * d ** 3 / 6]))
        object.__setattr__(self, "_r_length_1", np.array([1.0]))
        object.__setattr__(self, "_r_length_2", np.array([1.0]))
        if any(c is not None for c in (x, y, z)):  # a point, absolute
            object.__setattr__(self, "_points", np.array(
                [[0.0 if c is None else _meters(c, "Soma: coordinates")] for c in (x, y, z)]))

    def _absolute_points(self):
        return self._points

    def _midpoints(self):
        return self._points

    @property
    def _distance(self):
        # A soma is a point: at its parent's last midpoint, or 0 at the root.
        return self._parent._distance[-1:] if self._parent is not None else np.zeros(1)

    @property
    def _end_distance(self) -> float:
        return self._start_distance

    def __repr__(self):
        return f"Soma(diameter={self._diameter_mid[0] * 1e6:g}*um)"


class Section(Morphology):
    """An unbranched section of ``n`` compartments, each a truncated cone:
    ``diameter`` gives the n + 1 diameters at the compartments' boundaries,
    ``length`` the n lengths (or ``x``/``y``/``z``: the n + 1 boundary
    coordinates, relative to the parent's end)."""

    def __init__(self, diameter, n=1, length=None, x=None, y=None, z=None, type=None):
        Morphology.__init__(self, n, type)
        n = self.n
        boundaries = _meters(diameter, "Section: diameter", n + 1)
        lengths = self._section_lengths(length, x, y, z, n)
        self._set_geometry(boundaries[:-1], boundaries[1:], lengths)

    def _section_lengths(self, length, x, y, z, n):
        kind = self.__class__.__name__
        if length is not None and any(c is not None for c in (x, y, z)):
            raise TypeError(f"{kind}: give either length or coordinates, not both")
        if length is not None:
            return _meters(length, f"{kind}: length", n)
        if all(c is None for c in (x, y, z)):
            raise TypeError(f"{kind}: give its length or its x, y or z coordinates")
        points = np.array([np.zeros(n + 1) if c is None else
                           _meters(c, f"{kind}: coordinates", n + 1) for c in (x, y, z)])
        object.__setattr__(self, "_points", points)  # relative to the parent's end
        return np.sqrt(np.sum(np.diff(points, axis=1) ** 2, axis=0))

    def _absolute_points(self):
        """The compartments' boundary points (3 x n+1, SI), from the parent's
        end (or the origin), or None without coordinates (Brian2's)."""
        if self._points is None:
            return None
        parent = self._parent._absolute_points() if self._parent is not None else None
        return self._points + (parent[:, -1:] if parent is not None else 0.0)

    def _midpoints(self):
        points = self._absolute_points()
        return None if points is None else \
            points[:, :-1] + 0.5 * (points[:, 1:] - points[:, :-1])

    def _set_geometry(self, d_start, d_end, lengths):
        d_mid = 0.5 * (d_start + d_end)
        set_attr = object.__setattr__
        set_attr(self, "_length", np.asarray(lengths, dtype=np.float64))
        set_attr(self, "_diameter_mid", d_mid)
        set_attr(self, "_area", np.pi / 2 * (d_start + d_end) *
                 np.sqrt((d_start - d_end) ** 2 / 4 + lengths ** 2))
        set_attr(self, "_volume", np.pi * lengths * (d_start ** 2 + d_start * d_end +
                                                      d_end ** 2) / 12)
        set_attr(self, "_r_length_1", np.pi / 2 * (d_start * d_mid) / lengths)
        set_attr(self, "_r_length_2", np.pi / 2 * (d_mid * d_end) / lengths)

    def __repr__(self):
        return f"{self.__class__.__name__}(n={self.n}, length={np.sum(self._length) * 1e6:g}*um)"


class Cylinder(Section):
    """A cylinder of one ``diameter`` and total ``length`` (or ``x``/``y``/
    ``z``: its start and end point), in ``n`` equal compartments."""

    def __init__(self, diameter, n=1, length=None, x=None, y=None, z=None, type=None):
        Morphology.__init__(self, n, type)
        n = self.n
        d = np.full(n, _meters(diameter, "Cylinder: diameter"))
        if length is not None:
            if any(c is not None for c in (x, y, z)):
                raise TypeError("Cylinder: give either length or coordinates, not both")
            lengths = np.full(n, _meters(length, "Cylinder: length") / n)
        else:
            ends = [None if c is None else _meters(c, "Cylinder: coordinates", 2)
                    for c in (x, y, z)]
            points = [None if c is None else _lengths(np.linspace(c[0], c[1], n + 1))
                      for c in ends]
            lengths = self._section_lengths(None, *points, n)
        self._set_geometry(d, d, lengths)
        # A cylinder's area is pi*d*l exactly (as Brian2 computes it).
        object.__setattr__(self, "_area", np.pi * d * lengths)
        object.__setattr__(self, "_volume", np.pi * (d / 2) ** 2 * lengths)
        object.__setattr__(self, "_r_length_1", np.pi / 2 * d ** 2 / lengths)
        object.__setattr__(self, "_r_length_2", np.pi / 2 * d ** 2 / lengths)


class SubMorphology:
    """Compartments ``[i, j)`` of one section (``morpho.axon[10*um:20*um]``)."""

    def __init__(self, section, i, j):
        if j <= i:
            raise IndexError(f"an empty part of the section (compartments {i} to {j})")
        self._section, self._i, self._j = section, i, j
        self.indices = _IndexWrapper(self)

    @property
    def n(self):
        return self._j - self._i

    def __len__(self):
        return self.n

    def _indices(self, item=None):
        if item is not None and not _is_everything(item):
            raise IndexError("Cannot index a part of a section further")
        first = self._section._start_index() + self._i
        return first if (item is None and self.n == 1) else np.arange(first, first + self.n)

    def __getattr__(self, name):
        if name in _GEOMETRY:
            return getattr(self._section, name)[self._i:self._j]
        raise AttributeError(name)


class FlatMorphology:
    """The tree as arrays (SI floats), in compartment order, and its
    sections: ``starts``/``ends`` (compartments [start, end) of each
    section, depth first), ``parent_node`` (the node a section starts at:
    0 for the root's start, k + 1 for the end of section k)."""

    def __init__(self, morphology: Morphology):
        sections = []
        _depth_first(morphology, -1, sections)
        self.sections = len(sections)
        self.n = sum(section.n for section, _ in sections)
        names = ("_length", "_distance", "_area", "_diameter_mid", "_volume", "_r_length_1",
                 "_r_length_2")
        columns = {name: np.concatenate([np.asarray(getattr(s, name), dtype=np.float64)
                                         for s, _ in sections]) for name in names}
        self.length, self.distance, self.area = (columns["_length"], columns["_distance"],
                                                 columns["_area"])
        self.diameter, self.volume = columns["_diameter_mid"], columns["_volume"]
        self.r_length_1, self.r_length_2 = columns["_r_length_1"], columns["_r_length_2"]
        # Midpoint coordinates where any section has them (NaN elsewhere).
        midpoints = [section._midpoints() for section, _ in sections]
        self.has_coordinates = any(m is not None for m in midpoints)
        self.coordinates = np.concatenate(
            [m if m is not None else np.full((3, section.n), np.nan)
             for m, (section, _) in zip(midpoints, sections)], axis=1) \
            if self.has_coordinates else None
        sizes = np.array([section.n for section, _ in sections], dtype=np.int64)
        self.ends = np.cumsum(sizes)
        self.starts = self.ends - sizes
        self.parent_node = np.array([parent + 1 for _, parent in sections], dtype=np.int64)


def _depth_first(section, parent, out):
    index = len(out)
    out.append((section, parent))
    for child in section._children:
        _depth_first(child, index, out)
