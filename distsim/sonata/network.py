"""``SonataNetwork``: a SONATA circuit (nodes, edges, inputs) as distsim
objects, modelled on NEST's ``nest.SonataNetwork``.

Every node population becomes one distsim group (split over the ranks as
every group is); ``virtual`` populations become spike generators fed from the
simulation config's spike inputs. Each rank reads only the edges onto the
neurons it owns: through the edge file's ``indices/target_to_source`` when
present, else by scanning ``target_node_id`` in chunks; then adds them with
`Synapses.connect_local`. Results: SONATA spikes, one population per node
population, node ids preserved.
"""
import json
import os

import numpy as np

from ..groups.neurongroup import NeuronGroup
from ..inputs import SpikeGeneratorGroup
from ..monitors.spikemonitor import SpikeMonitor
from ..network.network import Network
from ..synapses.synapses import Synapses
from ..units import ms, second
from .config import load_config, read_types
from .models import PointModel

#: Edges read per chunk when a file has no target index.
# More edge ranges than this are read by chunks of the span they cover.
MANY_RANGES = 64
EDGES_PER_CHUNK = 1 << 20
#: NEST's static_synapse delay when an edge gives none (ms).
DEFAULT_DELAY_MS = 1.0


class SonataNetwork:
    """A SONATA circuit in distsim (collective: every rank builds it).

    Parameters
    ----------
    circuit_config : str
        circuit_config.json (nodes, edges, components).
    sim_config : str, optional
        simulation_config.json (run time, dt, spike inputs, output).
    """

    def __init__(self, circuit_config: str, sim_config: str = None):
        self.config = load_config(circuit_config)
        self.sim_config = load_config(sim_config) if sim_config else {}
        self.populations = {}   # name -> distsim group
        self.projections = {}   # edge population name -> Synapses
        self.monitors = {}      # name -> SpikeMonitor
        self._models = {}       # population name -> PointModel
        self._synapse_jsons = {}  # path -> synaptic model parameters
        self.network = None

    # -- building ---------------------------------------------------------------
    def build(self):
        """Create the populations and their synapses (collective)."""
        from ..core.clock import defaultclock
        run = self.sim_config.get("run", {})
        if "dt" in run:
            defaultclock.dt = float(run["dt"]) * ms
        components = self.config.get("components", {})
        self._cell_dir = components.get("point_neuron_models_dir", "")
        self._synapse_dir = components.get("synaptic_models_dir", "")
        for entry in self.config["networks"]["nodes"]:
            self._read_nodes(entry["nodes_file"], read_types(entry["node_types_file"]))
        for entry in self.config["networks"]["edges"]:
            if entry.get("enabled", True):
                self._read_edges(entry["edges_file"], read_types(entry["edge_types_file"]))
        self._set_inputs()
        for name, group in self.populations.items():
            if not isinstance(group, SpikeGeneratorGroup):
                self.monitors[name] = SpikeMonitor(group)  # spikes/<population name>
        self.network = Network(list(self.populations.values()),
                               list(self.projections.values()), list(self.monitors.values()))
        return self.populations

    def _read_nodes(self, path, types):
        import h5py
        with h5py.File(path, "r") as f:
            for name, population in f["nodes"].items():
                owner = f"SONATA node population '{name}' ({os.path.basename(path)})"
                type_ids = population["node_type_id"][...].astype(np.int64)
                models = {types[t].get("model_type") for t in np.unique(type_ids)}
                if models == {"virtual"}:
                    self.populations[name] = SpikeGeneratorGroup(
                        len(type_ids), np.empty(0, np.int64), np.empty(0) * second, name=name,
                        time_bins="nearest")  # events nearest NEURON's exact times
                    continue
                templates = {types[t].get("model_template") for t in np.unique(type_ids)}
                if len(templates) != 1 or "virtual" in models:
                    raise NotImplementedError(f"{owner}: several models in one population "
                                              f"({sorted(map(str, templates))})")
                model = PointModel(templates.pop(), owner)
                group = NeuronGroup(len(type_ids), model.equations, threshold=model.threshold,
                                    reset=model.reset, refractory=model.refractory,
                                    method="exact", name=name)
                dynamics = self._node_dynamics(population, type_ids, types, group)
                for parameter, values in model.values(dynamics).items():
                    group.variables.arrays[parameter][:] = values
                self._models[name] = model
                self.populations[name] = group

    def _node_dynamics(self, population, type_ids, types, group):
        """Each local node's dynamics_params: its type's JSON, then the
        node's own values in the h5 group's ``dynamics_params``."""
        by_type = {}
        for type_id in np.unique(type_ids):
            file = types[type_id].get("dynamics_params")
            by_type[type_id] = _json(os.path.join(self._cell_dir, file)) if \
                isinstance(file, str) and file.endswith(".json") else {}
        local = group.local_indices
        dynamics = [dict(by_type[type_ids[k]]) for k in local]
        if "node_group_id" in population:
            # (per node: small; read whole, then this rank's share)
            group_ids = population["node_group_id"][...][local]
            group_index = population["node_group_index"][...][local]
            for g in np.unique(group_ids):
                params = population[str(g)].get("dynamics_params")
                if params is None:
                    continue
                for key, dataset in params.items():
                    values = dataset[...]
                    for k in np.flatnonzero(group_ids == g):
                        dynamics[k][key] = float(values[group_index[k]])
        return dynamics

    def _read_edges(self, path, types):
        import h5py
        with h5py.File(path, "r") as f:
            for name, edges in f["edges"].items():
                missing = [d for d in ("source_node_id", "target_node_id", "edge_type_id")
                           if d not in edges]
                if missing:
                    raise ValueError(f"SONATA edge population '{name}' ({os.path.basename(path)}) "
                                     f"has no {', '.join(missing)}")
                source_name = _attr(edges["source_node_id"], "node_population")
                target_name = _attr(edges["target_node_id"], "node_population")
                for population in (source_name, target_name):
                    if population not in self.populations:
                        raise ValueError(
                            f"SONATA edge population '{name}' ({os.path.basename(path)}) "
                            f"connects node population '{population}', which no nodes file "
                            "of the circuit config holds")
                if target_name not in self._models:
                    raise ValueError(f"SONATA edge population '{name}' targets the virtual "
                                     f"node population '{target_name}'")
                source = self.populations[source_name]
                target, model = self.populations[target_name], self._models[target_name]
                synapses = Synapses(source, target, "weight : 1", on_pre=model.on_pre(),
                                    name=name)
                synapses.arrival_slot = model.arrival_slot
                ranges = _local_edge_ranges(edges, target.share)
                sources = _read_ranges(edges["source_node_id"], ranges).astype(np.int64)
                targets = _read_ranges(edges["target_node_id"], ranges).astype(np.int64)
                weight, delay = self._edge_values(edges, types, ranges)
                synapses.connect_local(sources, targets,
                                       {"weight": weight, "delay": delay * 1e-3})
                self.projections[name] = synapses

    def _edge_values(self, edges, types, ranges):
        """Weights (the target model's units) and delays (ms) of the edges in ``ranges``:
        the edge's own values (its group's datasets), else its type's."""
        type_ids = _read_ranges(edges["edge_type_id"], ranges).astype(np.int64)
        kinds, which = np.unique(type_ids, return_inverse=True)
        weight = np.array([float(types[t].get("syn_weight", np.nan)) for t in kinds])[which]
        # A synaptic model's "sign" (BioNet's convention for point processes)
        # multiplies its weights, the edges' own ones too.
        signs = np.array([self._synapse_params(types[t]).get("sign", 1) for t in kinds],
                         dtype=np.int8)
        sign = signs[which] if (signs != 1).any() else 1
        delay = np.array([float(types[t].get("delay", DEFAULT_DELAY_MS)) for t in kinds])[which]
        del type_ids, which
        nsyns = np.ones(len(weight))
        if len(weight) and "edge_group_id" in edges:
            group_ids = _read_ranges(edges["edge_group_id"], ranges)
            group_index = _read_ranges(edges["edge_group_index"], ranges).astype(np.int64)
            for g in np.unique(group_ids):
                members = np.flatnonzero(group_ids == g)
                rows = group_index[members]
                first, last = int(rows.min()), int(rows.max()) + 1
                group = edges[str(g)]
                for column, out in (("syn_weight", weight), ("delay", delay), ("nsyns", nsyns)):
                    if column in group:
                        # One slab per group: a rank's edges are close together
                        # in target-sorted files.
                        out[members] = group[column][first:last][rows - first]
        if np.isnan(weight).any():
            raise ValueError(f"SONATA edges '{edges.name}': an edge has no syn_weight")
        return weight * sign * nsyns, delay

    def _synapse_params(self, edge_type):
        """The edge type's synaptic model JSON ({} when it names none)."""
        file = edge_type.get("dynamics_params")
        if not (isinstance(file, str) and file.endswith(".json")):
            return {}
        path = os.path.join(self._synapse_dir, file)
        if path not in self._synapse_jsons:
            self._synapse_jsons[path] = _json(path)
        return self._synapse_jsons[path]

    def _set_inputs(self):
        """Spike inputs of the simulation config for virtual populations."""
        # Without a node sets file, a node set names a population (as NEST reads it).
        path = self.sim_config.get("node_sets_file")
        node_sets = _json(path) if path and os.path.exists(path) else {}
        for name, spec in self.sim_config.get("inputs", {}).items():
            if spec.get("input_type") != "spikes":
                raise NotImplementedError(f"SONATA input '{name}': input_type "
                                          f"{spec.get('input_type')!r} is not supported")
            node_set = node_sets.get(spec["node_set"], {"population": spec["node_set"]})
            population = node_set["population"]
            nodes, times = _read_spikes(spec["input_file"], population)
            self.populations[population].set_spikes(nodes, times * ms)

    # -- running ----------------------------------------------------------------
    def run(self, duration_ms: float = None):
        """Build if needed, run for ``duration_ms`` (default: the simulation
        config's tstop) and write the spikes to its output (collective)."""
        if self.network is None:
            self.build()
        if duration_ms is None:
            duration_ms = float(self.sim_config["run"]["tstop"])
        self.network.run(duration_ms * ms)
        output = self.sim_config.get("output")
        if output:
            os.makedirs(output.get("output_dir", "."), exist_ok=True)
            path = os.path.join(output.get("output_dir", "."),
                                output.get("spikes_file", "spikes.h5"))
            self.network.save(path)
            return path
        return None


def _attr(dataset, name):
    value = dataset.attrs[name]
    return value.decode() if isinstance(value, bytes) else str(value)


def _json(path):
    with open(path) as f:
        return json.load(f)


def _local_edge_ranges(edges, share):
    """The edges whose target is in this rank's ``share`` of the target
    population, as sorted, merged [a, b) ranges of edge ids: from the
    target_to_source index when the file has one (only the index rows of
    these targets are read), else by scanning target_node_id in chunks."""
    index = edges.get("indices/target_to_source")
    if index is not None:
        # The specification's name, and the singular that bmtk writes.
        rows_of_node = index.get("node_id_to_ranges")
        if rows_of_node is None:
            rows_of_node = index["node_id_to_range"]
        if share.n == 0:
            return np.empty((0, 2), np.int64)
        node_ranges = rows_of_node[share.first:share.last + 1:share.stride].astype(np.int64)
        # A negative start: the node has no edges.
        used = node_ranges[(node_ranges[:, 0] >= 0) & (node_ranges[:, 1] > node_ranges[:, 0])]
        if not len(used):
            return np.empty((0, 2), np.int64)
        rows = index["range_to_edge_id"][int(used[:, 0].min()):int(used[:, 1].max())]
        picked = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in used]) - \
            int(used[:, 0].min())
        return _merged(rows[picked].astype(np.int64))
    dataset, runs = edges["target_node_id"], []
    for begin in range(0, dataset.shape[0], EDGES_PER_CHUNK):
        chunk = dataset[begin:begin + EDGES_PER_CHUNK]
        mine = np.flatnonzero(share.owns(chunk)) + begin
        if len(mine):
            breaks = np.flatnonzero(np.diff(mine) != 1)
            firsts = np.concatenate([[mine[0]], mine[breaks + 1]])
            lasts = np.concatenate([mine[breaks], [mine[-1]]]) + 1
            runs.append(np.stack([firsts, lasts], axis=1))
    return _merged(np.concatenate(runs)) if runs else np.empty((0, 2), np.int64)


def _merged(ranges):
    """[a, b) ranges sorted and joined where they touch."""
    ranges = ranges[np.argsort(ranges[:, 0], kind="stable")]
    merged = []
    for a, b in ranges:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.array(merged, dtype=np.int64).reshape(-1, 2)


def _read_ranges(dataset, ranges):
    """The elements of ``dataset`` in the edge id ranges (one read each)."""
    if not len(ranges):
        return np.empty(0, dtype=dataset.dtype)
    if len(ranges) <= MANY_RANGES:
        return np.concatenate([dataset[a:b] for a, b in ranges])
    # Many short ranges (a share dealt out round-robin: a range per target):
    # the span they cover, read in chunks, and the ranges' elements taken.
    wanted = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in ranges])
    found = []
    for begin in range(int(ranges[0, 0]), int(ranges[-1, 1]), EDGES_PER_CHUNK):
        lo, hi = np.searchsorted(wanted, [begin, begin + EDGES_PER_CHUNK])
        if hi > lo:
            found.append(dataset[begin:begin + EDGES_PER_CHUNK][wanted[lo:hi] - begin])
    return np.concatenate(found)


def _read_spikes(path, population):
    """(node ids, times in ms) of a SONATA spike file, for ``population``
    (the old layout, /spikes/gids, holds one population)."""
    import h5py
    with h5py.File(path, "r") as f:
        spikes = f["spikes"]
        if population in spikes:
            spikes = spikes[population]
        ids = spikes["node_ids"] if "node_ids" in spikes else spikes["gids"]
        return ids[...].astype(np.int64), spikes["timestamps"][...].astype(float)
