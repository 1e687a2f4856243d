"""PyNN's Population, PopulationView and Assembly over distsim groups.

A Population is one distsim group (a `NeuronGroup`, or a
`SpikeGeneratorGroup` for ``SpikeSourceArray``), split over the ranks as
distsim splits every group; PyNN's ``_mask_local`` marks the block this rank
owns. Parameters and initial values are written to the local block only, so
``set()`` and ``initialize()`` never communicate (PyNN calls them only on
ranks that own cells).
"""
import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, Sequence, simplify

from ..groups.neurongroup import NeuronGroup
from ..inputs import SpikeGeneratorGroup
from ..units import second
from . import simulator
from .recording import Recorder


# PyNN merges the recorded signals of the ranks in rank order
# (pyNN.recording.gather_blocks), so each rank holds a block of a population's
# cells; every population is its own group, so each is still spread over
# all ranks.
PARTITION = "blocks"


class Assembly(common.Assembly):
    _simulator = simulator


class _ParameterAccess:
    """Reads and writes of native parameters, shared by Population and
    PopulationView (``self._local_positions``: this rank's cells of the
    population or view, as positions in the rank's block of the group)."""

    def _get_parameters(self, *names):
        native_names = self.celltype.get_native_names() \
            if self.celltype.computed_parameters_include(names) \
            else self.celltype.get_native_names(*names)
        return self.celltype.reverse_translate(self._get_native_parameters(*native_names))

    def _get_native_parameters(self, *names):
        """This rank's values, in SI units (no communication)."""
        group = self.group
        values = {}
        for name in names:
            if name == "spike_times":
                spikes = self._root._spike_times
                values[name] = np.array([Sequence(spikes[k] * 1e3)
                                         for k in self._local_indices()], dtype=Sequence)
            else:
                values[name] = simplify(group.variables.arrays[name][self._local_positions()])
        return ParameterSpace(values, shape=(int(self._local_positions().size),))

    def _set_parameters(self, parameter_space):
        """``parameter_space``: native (SI) values for the whole population
        or view; this rank writes the cells it owns."""
        parameter_space.evaluate(mask=self._mask_local, simplify=False)
        group = self.group
        for name, value in parameter_space.items():
            if name == "spike_times":
                self._root._set_spike_times(self._local_indices(), value)
            else:
                group.variables.arrays[name][self._local_positions()] = value

    def _set_initial_value_array(self, variable, initial_values):
        translation = self.celltype.state_variable_translations[variable]
        values = translation["forward_transform"](**{variable: initial_values})
        local = values.evaluate(simplify=False)[self._mask_local] \
            if not np.isscalar(values) else values
        self.group.variables.arrays[translation["translated_name"]][
            self._local_positions()] = local


class _EmptyIdsMixin:
    """``id_to_index([])`` is ``[]``: a rank that owns none of a small
    population's cells asks for it when PyNN assembles the recorded data
    (PyNN's own version fails on the empty list: PyNN#767)."""

    def id_to_index(self, id):
        if np.iterable(id) and not isinstance(id, common.PopulationView) and len(id) == 0:
            return np.empty(0, dtype=int)
        return super().id_to_index(id)


class PopulationView(_EmptyIdsMixin, _ParameterAccess, common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    @property
    def group(self):
        return self.grandparent.group

    @property
    def _root(self):
        return self.grandparent

    def _local_indices(self):
        """Indices in the underlying Population of this rank's cells of the view."""
        return self.index_in_grandparent(np.flatnonzero(self._mask_local))

    def _local_positions(self):
        return self.group.local_positions(self._local_indices())

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(_EmptyIdsMixin, _ParameterAccess, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    @property
    def _root(self):
        return self

    def _local_indices(self):
        return self.group.local_indices

    def _local_positions(self):
        return np.arange(self.group.n_local)

    def _create_cells(self):
        celltype = self.celltype
        name = f"pynn_{self.label}".replace(" ", "_")
        if "spike_times" in celltype.default_parameters:
            self._spike_times = [np.empty(0)] * self.size
            self.group = SpikeGeneratorGroup(self.size, np.empty(0, dtype=np.int64),
                                             np.empty(0) * second, name=name + "*",
                                             time_bins="nearest", partition=PARTITION)
        else:
            self.group = NeuronGroup(self.size, celltype.model(), method=celltype.method,
                                     threshold=celltype.threshold, reset=celltype.reset,
                                     refractory=celltype.refractory, name=name + "*",
                                     partition=PARTITION)
        simulator.state.add(self.group)
        first = simulator.state.id_counter
        self.all_cells = np.array([simulator.ID(first + k) for k in range(self.size)],
                                  dtype=simulator.ID)
        for cell in self.all_cells:
            cell.parent = self
        simulator.state.id_counter += self.size
        self._mask_local = simulator.local_mask(self.size, self.group.local_indices)
        parameter_space = celltype.native_parameters
        parameter_space.shape = (self.size,)
        self._set_parameters(parameter_space)

    def _set_spike_times(self, indices, sequences):
        """Spike times (ms) of the cells ``indices`` (this rank's: only its
        own cells' times reach the group)."""
        for k, sequence in zip(indices, sequences):
            times = np.asarray(getattr(sequence, "value", sequence), float) * 1e-3
            if np.any(np.diff(times) < 0):
                raise errors.InvalidParameterValueError(
                    f"Population '{self.label}': the spike times of cell {k} are not in "
                    f"increasing order ({(times * 1e3).tolist()} ms)")
            self._spike_times[k] = times
        counts = [len(times) for times in self._spike_times]
        cells = np.repeat(np.arange(self.size), counts)
        times = np.concatenate(self._spike_times) if cells.size else np.empty(0)
        self.group.set_spikes(cells, times * second)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)
