"""Reference for tests/test_sonata.py: NEURON simulating the public SONATA
example 300_intfire (copied to tests/reference/sonata_300_intfire/ from the
SONATA repository's examples/, with its shared components beside it; its
original BioNet output is kept there as bionet_spikes.h5).

The circuit is built with NEURON's own calls as BioNet (bmtk) builds point
processes: an IntFire1 per v1 node (tau and refrac from the node type's
dynamics_params JSON, in seconds there); one NetCon per edge with weight
syn_weight * sign * nsyns (sign from the edge type's synaptic model JSON)
and the type's delay; the virtual nodes' spikes from the input files queued
as NetCon events at spike time + delay. Fixed step dt, tstop from
simulation_config.json. Writes every v1 spike (node id, time in ms).

    $NEURON_PYTHON tests/reference/sonata_300_intfire_neuron.py
"""
import csv
import json
import os

import h5py
import numpy as np
from neuron import h

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "sonata_300_intfire")
NETWORK = os.path.join(EXAMPLE, "network")
COMPONENTS = os.path.join(EXAMPLE, "components")


def types(name):
    with open(os.path.join(NETWORK, name)) as f:
        rows = list(csv.reader(f, delimiter=" ", skipinitialspace=True))
    return {int(r[0]): dict(zip(rows[0], r)) for r in rows[1:] if r}


def component(directory, name):
    with open(os.path.join(COMPONENTS, directory, name)) as f:
        return json.load(f)


simulation = json.load(open(os.path.join(EXAMPLE, "simulation_config.json")))
h.load_file("stdrun.hoc")
h.dt, h.tstop = simulation["run"]["dt"], simulation["run"]["tstop"]

node_types = types("v1_node_types.csv")
with h5py.File(os.path.join(NETWORK, "v1_nodes.h5")) as f:
    type_ids = f["nodes/v1/node_type_id"][...]
cells = []
for type_id in type_ids:
    params = component("point_neuron_models_dir", node_types[int(type_id)]["dynamics_params"])
    cell = h.IntFire1()
    cell.tau, cell.refrac = params["tau"] * 1000.0, params["refrac"] * 1000.0
    cells.append(cell)

spike_times, spike_ids, recorders = h.Vector(), h.Vector(), []
for node_id, cell in enumerate(cells):
    recorder = h.NetCon(cell, None)
    recorder.record(spike_times, spike_ids, node_id)
    recorders.append(recorder)

inputs = {}
for name, spec in simulation["inputs"].items():
    path = os.path.join(EXAMPLE, "inputs", os.path.basename(spec["input_file"]))
    with h5py.File(path) as f:
        gids, times = f["spikes/gids"][...], f["spikes/timestamps"][...]
    inputs[spec["node_set"]] = {int(g): np.sort(times[gids == g]) for g in np.unique(gids)}

netcons, queued = [], []   # queued: (NetCon, event times) for the virtual sources
for edges_file, types_file in (("v1_v1_edges.h5", "v1_v1_edge_types.csv"),
                               ("lgn_v1_edges.h5", "lgn_v1_edge_types.csv"),
                               ("tw_v1_edges.h5", "tw_v1_edge_types.csv")):
    edge_types = types(types_file)
    with h5py.File(os.path.join(NETWORK, edges_file)) as f:
        (_, edges), = f["edges"].items()
        source_population = edges["source_node_id"].attrs["node_population"]
        sources, targets = edges["source_node_id"][...], edges["target_node_id"][...]
        nsyns = edges["0/nsyns"][...][edges["edge_group_index"][...]]
        edge_type_ids = edges["edge_type_id"][...]
    for source, target, n, type_id in zip(sources, targets, nsyns, edge_type_ids):
        edge_type = edge_types[int(type_id)]
        sign = component("synaptic_models", edge_type["dynamics_params"]).get("sign", 1)
        delay = float(edge_type["delay"])
        if source_population == "v1":
            netcon = h.NetCon(cells[int(source)], cells[int(target)])
        else:
            netcon = h.NetCon(None, cells[int(target)])
            queued.append((netcon, inputs[source_population].get(int(source), ()) + delay))
        netcon.weight[0] = float(edge_type["syn_weight"]) * sign * int(n)
        netcon.delay = delay
        netcons.append(netcon)


def queue_inputs():
    for netcon, times in queued:
        for time in times:
            netcon.event(float(time))


handler = h.FInitializeHandler(queue_inputs)
h.finitialize()
h.continuerun(h.tstop)

result = {"simulator": f"NEURON {h.nrnversion(1)}", "tstop_ms": h.tstop, "dt_ms": h.dt,
          "node_ids": [int(i) for i in spike_ids], "times_ms": [round(t, 6) for t in spike_times]}
with open(os.path.join(HERE, "sonata_300_intfire_neuron.json"), "w") as f:
    json.dump(result, f)
print(f"{len(result['node_ids'])} spikes of {len(cells)} cells in {h.tstop:g} ms")
