"""Reference for tests/test_sonata.py: NEST 3.10 simulating the public SONATA
example 300_pointneurons (as NEST's wheel ships it, copied to
tests/reference/sonata_300_pointneurons/; the manifests' "${configdir}" made
"." so that other readers take them too). The NEST wheel has no HDF5, so
nest.SonataNetwork is unavailable: this script reads the files with h5py as
the SONATA specification lays them out and builds the circuit with NEST's own
calls (iaf_psc_alpha with each node type's dynamics_params, static synapses
with syn_weight and the type's delay, NEST's 1 ms default where none is
given; spike_generators for the virtual nodes). Writes each internal
neuron's spike count over tstop.

    $NEST_PYTHON tests/reference/sonata_300_pointneurons_nest.py
"""
import csv
import json
import os

import h5py
import nest
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "sonata_300_pointneurons")


def types(name):
    with open(os.path.join(EXAMPLE, "network", name)) as f:
        rows = list(csv.reader(f, delimiter=" ", skipinitialspace=True))
    return {int(r[0]): dict(zip(rows[0], r)) for r in rows[1:] if r}


simulation = json.load(open(os.path.join(EXAMPLE, "simulation_config.json")))
nest.ResetKernel()
nest.resolution = simulation["run"]["dt"]
node_types = types("internal_node_types.csv")
with h5py.File(os.path.join(EXAMPLE, "network", "internal_nodes.h5")) as f:
    type_ids = f["nodes/internal/node_type_id"][...]
internal = nest.Create("iaf_psc_alpha", len(type_ids))
for k, type_id in enumerate(type_ids):
    params = json.load(open(os.path.join(EXAMPLE, "components", "cell_models",
                                         node_types[int(type_id)]["dynamics_params"])))
    internal[k].set(params)
with h5py.File(os.path.join(EXAMPLE, "network", "external_nodes.h5")) as f:
    n_external = len(f["nodes/external/node_type_id"])
external = nest.Create("spike_generator", n_external)
with h5py.File(os.path.join(EXAMPLE, "inputs", "external_spike_trains.h5")) as f:
    gids, times = f["spikes/gids"][...], f["spikes/timestamps"][...]
for k in range(n_external):
    external[k].set(spike_times=np.sort(times[gids == k]).round(2))
populations = {"internal": internal, "external": external}
for edges_file, types_file in (("internal_internal_edges.h5", "internal_internal_edge_types.csv"),
                               ("external_internal_edges.h5", "external_internal_edge_types.csv")):
    edge_types = types(types_file)
    with h5py.File(os.path.join(EXAMPLE, "network", edges_file)) as f:
        (name, edges), = f["edges"].items()
        source = populations[edges["source_node_id"].attrs["node_population"]]
        target = populations[edges["target_node_id"].attrs["node_population"]]
        sources, targets = edges["source_node_id"][...], edges["target_node_id"][...]
        weights = edges["0/syn_weight"][...][edges["edge_group_index"][...]]
        delays = np.array([float(edge_types[int(t)].get("delay", 1.0))
                           for t in edges["edge_type_id"][...]])
    nest.Connect(np.array(source.global_id if len(source) == 1 else source.tolist())[sources],
                 np.array(target.tolist())[targets], "one_to_one",
                 {"synapse_model": "static_synapse", "weight": weights, "delay": delays})
recorder = nest.Create("spike_recorder")
nest.Connect(internal, recorder)
nest.Simulate(simulation["run"]["tstop"])
senders = recorder.get("events")["senders"]
counts = np.bincount(np.asarray(senders) - internal[0].global_id, minlength=len(internal))
with open(os.path.join(HERE, "sonata_300_pointneurons_nest.json"), "w") as f:
    json.dump({"simulator": f"NEST {nest.__version__}", "tstop_ms": simulation["run"]["tstop"],
               "spike_counts": counts.tolist()}, f)
print("connections", nest.num_connections, "spikes", int(counts.sum()),
      "mean rate", counts.mean() / (simulation["run"]["tstop"] / 1000))
