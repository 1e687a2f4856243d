"""PyNN's Projection over distsim Synapses.

PyNN's connectors walk the postsynaptic cells this rank owns and call
``_convergent_connect`` for each; the pairs are kept until the connector
is done, then each rank adds its own in one collective call
(`Synapses.connect_local`). One distsim Synapses object serves each pair of
(presynaptic, postsynaptic) Populations behind the projection's views and
assemblies.
"""
from collections import defaultdict

import numpy as np
from pyNN import common
from pyNN.core import is_listlike
from pyNN.parameters import ParameterSpace
from pyNN.space import Space

from ..synapses.synapses import Synapses
from . import simulator
from .populations import Assembly, PopulationView
from .synapse_types import StaticSynapse


class _Side:
    """One side (pre or post) of a projection: its cells as (part, index in
    the part's Population), for a Population, a PopulationView or an
    Assembly of them."""

    def __init__(self, cells):
        parts = cells.populations if isinstance(cells, Assembly) else [cells]
        self.parts = parts
        self.roots = [p.grandparent if isinstance(p, PopulationView) else p for p in parts]
        self.boundaries = np.cumsum([0] + [p.size for p in parts])

    def split(self, indices):
        """Projection-level indices -> [(part number, root indices, positions)]."""
        indices = np.asarray(indices, dtype=np.int64)
        part_of = np.searchsorted(self.boundaries, indices, side="right") - 1
        result = []
        for k, part in enumerate(self.parts):
            positions = np.flatnonzero(part_of == k)
            if positions.size:
                within = indices[positions] - self.boundaries[k]
                if isinstance(part, PopulationView):
                    within = part.index_in_grandparent(within)
                result.append((k, np.asarray(within, dtype=np.int64), positions))
        return result

    def to_projection(self, k, root_indices):
        """Root indices of part ``k`` -> projection-level indices."""
        part = self.parts[k]
        if isinstance(part, PopulationView):
            root_indices = part.index_from_parent_index(root_indices) \
                if part.parent is part.grandparent else \
                np.searchsorted(part.index_in_grandparent(np.arange(part.size)), root_indices)
        return np.asarray(root_indices, dtype=np.int64) + self.boundaries[k]


class Connection(common.Connection):
    """One local connection (PyNN's ``Projection.connections``): reads and
    writes go to its synapse on this rank."""

    def __init__(self, projection, synapses, position, pre, post):
        self.projection = projection
        self._synapses = synapses
        self._position = position
        self.presynaptic_index = pre
        self.postsynaptic_index = post

    def _native_name(self, name):
        return self.projection.synapse_type.translations[name]["translated_name"]

    def _get(self, name):
        native = self._native_name(name)
        value = self._synapses.local_values(native)[self._position]
        return float(self.projection._standard_values({native: np.array([value])})[name][0])

    def _set(self, name, value):
        space = ParameterSpace({name: value}, self.projection.synapse_type.get_schema(),
                               shape=(1,))
        native = self.projection.synapse_type.translate(space)
        native.evaluate()
        for native_name, column in native.items():
            self._synapses.set_local_values(native_name, column, [self._position])

    weight = property(lambda self: self._get("weight"), lambda self, w: self._set("weight", w))
    delay = property(lambda self: self._get("delay"), lambda self, d: self._set("delay", d))

    def __getattr__(self, name):
        if name.startswith("_") or name in ("projection",):
            raise AttributeError(name)
        return self._get(name)

    def as_tuple(self, *names):
        return tuple(getattr(self, name) for name in names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=Space(),
                 label=None):
        super().__init__(presynaptic_population, postsynaptic_population, connector,
                         synapse_type, source, receptor_type, space, label)
        self._pre_side = _Side(self.pre)
        self._post_side = _Side(self.post)
        self._synapses = {}
        for a, pre_root in enumerate(self._pre_side.roots):
            for b, post_root in enumerate(self._post_side.roots):
                self._synapses[a, b] = self._make_synapses(pre_root, post_root)
        self._pending = defaultdict(lambda: ([], [], defaultdict(list)))
        connector.connect(self)
        self._add_pending()

    def _make_synapses(self, pre_root, post_root):
        celltype = post_root.celltype
        target = celltype.post_synaptic_variables.get(self.receptor_type)
        if target is None:
            raise ValueError(f"Projection '{self.label}': {type(celltype).__name__} has no "
                             f"receptor type '{self.receptor_type}' "
                             f"(it has {sorted(celltype.post_synaptic_variables)})")
        unit = "uS" if celltype.conductance_based else "nA"
        model, on_pre, on_post = self.synapse_type.code(target, unit)
        name = f"pynn_{self.label}".replace(" ", "_").replace("→", "to")
        synapses = Synapses(pre_root.group, post_root.group, model=model, on_pre=on_pre,
                            on_post=on_post, name="".join(c if c.isalnum() or c == "_"
                                                          else "_" for c in name) + "*")
        simulator.state.add(synapses)
        return synapses

    # -- construction ------------------------------------------------------------
    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        """Connect cells ``presynaptic_indices`` to ``postsynaptic_index``
        (a cell this rank owns; projection-level indices, native values)."""
        if location_selector is not None:
            raise NotImplementedError("distsim's PyNN backend has point neurons only")
        (b, post_root, _), = self._post_side.split([postsynaptic_index])
        presynaptic_indices = np.asarray(presynaptic_indices, dtype=np.int64)
        values = {name: np.broadcast_to(np.asarray(value, dtype=float),
                                        presynaptic_indices.shape)
                  for name, value in connection_parameters.items()}
        for a, pre_root, positions in self._pre_side.split(presynaptic_indices):
            sources, targets, columns = self._pending[a, b]
            sources.append(pre_root)
            targets.append(np.full(pre_root.shape, post_root[0], dtype=np.int64))
            for name, column in values.items():
                columns[name].append(column[positions])

    def _add_pending(self):
        """Add every rank's pairs (collective, once per Synapses object)."""
        initial = self.synapse_type.initial_values()
        for key, synapses in self._synapses.items():
            sources, targets, columns = self._pending.pop(key, ([], [], {}))
            sources = np.concatenate(sources) if sources else np.empty(0, np.int64)
            targets = np.concatenate(targets) if targets else np.empty(0, np.int64)
            values = {name: np.concatenate(parts) for name, parts in columns.items()}
            for name, value in initial.items():
                values.setdefault(name, np.full(sources.shape, value))
            if "delay" in values:
                values.update(self.synapse_type.pathway_delays(values))
            synapses.connect_local(sources, targets, values)

    def __len__(self):
        """The number of connections on this rank (no communication)."""
        return sum(s.local_size for s in self._synapses.values())

    # -- reading and writing attributes -------------------------------------------
    def _local_table(self, names):
        """This rank's connections: projection-level indices and the native
        values of ``names``."""
        pre_idx, post_idx, values = [], [], defaultdict(list)
        for (a, b), synapses in self._synapses.items():
            pre_idx.append(self._pre_side.to_projection(a, synapses.local_values("i")))
            post_idx.append(self._post_side.to_projection(b, synapses.local_values("j")))
            for name in names:
                values[name].append(np.asarray(synapses.local_values(name), dtype=float))
        join = (lambda parts: np.concatenate(parts) if parts else np.empty(0))
        return join(pre_idx), join(post_idx), {n: join(v) for n, v in values.items()}

    def _standard_values(self, native):
        """Native values (name -> array) in PyNN's names and units."""
        n = len(next(iter(native.values()))) if native else 0
        space = self.synapse_type.reverse_translate(ParameterSpace(native, shape=(n,)))
        space.evaluate(simplify=False)
        return {name: np.broadcast_to(space[name], (n,)) for name in space.keys()}

    def _get_attributes_as_list(self, names):
        native = [n for n in names if n not in ("presynaptic_index", "postsynaptic_index")]
        pre_idx, post_idx, values = self._local_table(native)
        standard = self._standard_values(values) if native else {}
        translated = {n: self.synapse_type.translations[n]["translated_name"]
                      for n in self.synapse_type.translations}
        reverse = {v: k for k, v in translated.items()}
        columns = []
        for name in names:
            if name == "presynaptic_index":
                columns.append(pre_idx)
            elif name == "postsynaptic_index":
                columns.append(post_idx)
            else:
                columns.append(standard[reverse.get(name, name)])
        return [tuple(row) for row in zip(*columns)] if columns else []

    def _get_attributes_as_arrays(self, names, multiple_synapses="sum"):
        pre_idx, post_idx, values = self._local_table(names)
        standard = self._standard_values(values)
        reverse = {self.synapse_type.translations[k]["translated_name"]: k
                   for k in self.synapse_type.translations}
        combine = self.MULTI_SYNAPSE_OPERATIONS[multiple_synapses]
        arrays = []
        for name in names:
            array = np.full((self.pre.size, self.post.size), np.nan)
            for i, j, value in zip(pre_idx.astype(int), post_idx.astype(int),
                                   standard[reverse.get(name, name)]):
                array[i, j] = value if np.isnan(array[i, j]) else combine(array[i, j], value)
            arrays.append(array)
        return arrays

    def _set_attributes(self, parameter_space):
        """Native values given over the (pre, post) matrix: each rank writes
        its own connections."""
        parameter_space.evaluate(simplify=True)
        for (a, b), synapses in self._synapses.items():
            i = self._pre_side.to_projection(a, synapses.local_values("i"))
            j = self._post_side.to_projection(b, synapses.local_values("j"))
            for name, value in parameter_space.items():
                column = value[i, j] if is_listlike(value) and np.ndim(value) == 2 else \
                    np.broadcast_to(np.asarray(value, dtype=float), i.shape)
                synapses.set_local_values(name, column)

    def _set_initial_value_array(self, variable, initial_value):
        raise NotImplementedError("Projection.initialize() is not supported yet by distsim")

    @property
    def connections(self):
        """This rank's connections (PyNN's Connection objects)."""
        for (a, b), synapses in self._synapses.items():
            pre = self._pre_side.to_projection(a, synapses.local_values("i"))
            post = self._post_side.to_projection(b, synapses.local_values("j"))
            for position in range(len(pre)):
                yield Connection(self, synapses, position, int(pre[position]),
                                 int(post[position]))
