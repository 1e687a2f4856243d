"""Reading a large SONATA circuit (10^8 edges by default) against building
the same network from a distsim script, on 1 and 2 ranks: wall time and peak
memory per rank, median of several runs.

    python benchmarks/sonata_read.py --neurons 100000 --in-degree 1000 --repeats 3

The circuit is generated here (h5py, as the SONATA specification lays it
out): `--neurons` iaf_psc_alpha nodes of two types, each the target of
`--in-degree` edges from random sources, sorted by target, with a
target_to_source index, a per-edge syn_weight and the type's delay. The
script builds the same synapses with `Synapses.connect(i=..., j=...)` from
the same arrays (every rank draws them). Writes
benchmarks/results/sonata_read.md.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import machine  # noqa: E402

ENV = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
           OMPI_MCA_mpi_yield_when_idle="1", PYTHONPATH=ROOT)
CHUNK = 10_000_000


def edges_of(neurons, in_degree, seed=1):
    """(sources, targets, weights) of the circuit, sorted by target."""
    import numpy as np
    rng = np.random.default_rng(seed)
    targets = np.repeat(np.arange(neurons, dtype=np.uint64), in_degree)
    sources = rng.integers(0, neurons, size=neurons * in_degree, dtype=np.uint64)
    weights = rng.uniform(5.0, 15.0, size=neurons * in_degree)
    weights[np.isin(sources, np.arange(int(0.8 * neurons), neurons))] *= -4.0
    return sources, targets, weights


def generate(directory, neurons, in_degree):
    import h5py
    import numpy as np
    marker = os.path.join(directory, f".complete_{neurons}_{in_degree}")
    if os.path.exists(marker):
        return
    os.makedirs(os.path.join(directory, "network"), exist_ok=True)
    os.makedirs(os.path.join(directory, "components", "cell_models"), exist_ok=True)
    n_exc = int(0.8 * neurons)
    with h5py.File(os.path.join(directory, "network", "nodes.h5"), "w") as f:
        group = f.create_group("nodes/cortex")
        group["node_type_id"] = np.where(np.arange(neurons) < n_exc, 1, 2).astype(np.uint64)
        group["node_id"] = np.arange(neurons, dtype=np.uint64)
        group["node_group_id"] = np.zeros(neurons, dtype=np.uint32)
        group["node_group_index"] = np.arange(neurons, dtype=np.uint64)
        group.create_group("0")
    with open(os.path.join(directory, "network", "node_types.csv"), "w") as f:
        f.write("node_type_id model_type model_template dynamics_params\n"
                "1 point_process nest:iaf_psc_alpha exc.json\n"
                "2 point_process nest:iaf_psc_alpha inh.json\n")
    for name, tau in (("exc", 20.0), ("inh", 10.0)):
        with open(os.path.join(directory, "components", "cell_models", name + ".json"), "w") as f:
            json.dump({"tau_m": tau, "C_m": 250.0, "t_ref": 2.0, "E_L": -65.0, "V_th": -50.0,
                       "V_reset": -65.0, "I_e": 380.0}, f)
    sources, targets, weights = edges_of(neurons, in_degree)
    total = len(sources)
    with h5py.File(os.path.join(directory, "network", "edges.h5"), "w") as f:
        group = f.create_group("edges/cortex_to_cortex")
        for name, dtype in (("source_node_id", np.uint64), ("target_node_id", np.uint64),
                            ("edge_type_id", np.uint32), ("edge_group_id", np.uint16),
                            ("edge_group_index", np.uint64)):
            group.create_dataset(name, shape=(total,), dtype=dtype)
        group["source_node_id"].attrs["node_population"] = "cortex"
        group["target_node_id"].attrs["node_population"] = "cortex"
        weight = group.create_group("0").create_dataset("syn_weight", shape=(total,),
                                                         dtype=np.float64)
        for begin in range(0, total, CHUNK):
            end = min(total, begin + CHUNK)
            group["source_node_id"][begin:end] = sources[begin:end]
            group["target_node_id"][begin:end] = targets[begin:end]
            group["edge_type_id"][begin:end] = 1
            group["edge_group_id"][begin:end] = 0
            group["edge_group_index"][begin:end] = np.arange(begin, end, dtype=np.uint64)
            weight[begin:end] = weights[begin:end]
        index = group.create_group("indices/target_to_source")
        index["node_id_to_range"] = np.stack([np.arange(neurons), np.arange(neurons) + 1],
                                             axis=1).astype(np.uint64)
        starts = np.arange(neurons, dtype=np.uint64) * in_degree
        index["range_to_edge_id"] = np.stack([starts, starts + in_degree], axis=1)
    with open(os.path.join(directory, "network", "edge_types.csv"), "w") as f:
        f.write("edge_type_id delay model_template\n1 1.5 static_synapse\n")
    with open(os.path.join(directory, "circuit_config.json"), "w") as f:
        json.dump({"manifest": {"$BASE_DIR": "."},
                   "components": {"point_neuron_models_dir": "$BASE_DIR/components/cell_models"},
                   "networks": {"nodes": [{"nodes_file": "$BASE_DIR/network/nodes.h5",
                                           "node_types_file": "$BASE_DIR/network/node_types.csv"}],
                                "edges": [{"edges_file": "$BASE_DIR/network/edges.h5",
                                           "edge_types_file": "$BASE_DIR/network/edge_types.csv"}]}},
                  f)
    open(marker, "w").close()


WORKER = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {here!r})
from distsim.parallel import get_comm
comm = get_comm()
mode, directory, neurons, in_degree = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
comm.Barrier()
start = time.perf_counter()
if mode == "sonata":
    from distsim.sonata import SonataNetwork
    network = SonataNetwork(directory + "/circuit_config.json")
    network.build()
    synapses = network.projections["cortex_to_cortex"]
else:
    from distsim import NeuronGroup, Synapses, ms
    from sonata_read import edges_of
    from distsim.sonata.models import PointModel
    model = PointModel("nest:iaf_psc_alpha", "script")
    group = NeuronGroup(neurons, model.equations, threshold=model.threshold, reset=model.reset,
                        refractory=model.refractory, method="exact", name="cortex")
    sources, targets, weights = edges_of(neurons, in_degree)
    synapses = Synapses(group, group, "weight : 1", on_pre=model.on_pre())
    synapses.connect(i=sources.astype(np.int64), j=targets.astype(np.int64))
    del sources, targets
    synapses.weight = weights
    synapses.delay = 1.5 * ms
    len(synapses.store)
comm.Barrier()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
total = comm.allreduce(synapses.local_size)
peaks = comm.gather(peak)
if comm.rank == 0:
    print("RESULT " + json.dumps({{"seconds": seconds, "peak_gib": max(peaks), "synapses": total}}))
"""


def measure(mode, ranks, directory, neurons, in_degree):
    worker = os.path.join(directory, "worker.py")
    with open(worker, "w") as f:
        f.write(WORKER.format(here=HERE))
    command = [sys.executable, worker, mode, directory, str(neurons), str(in_degree)]
    if ranks > 1:
        command = ["mpirun", "-n", str(ranks)] + command
    out = subprocess.run(["timeout", "1800"] + command, capture_output=True, text=True,
                         env=ENV, cwd=directory)
    found = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode or not found:
        raise RuntimeError(f"{mode} on {ranks} rank(s) failed:\n{out.stdout[-3000:]}\n"
                           f"{out.stderr[-3000:]}")
    return json.loads(found[0][len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=100_000)
    parser.add_argument("--in-degree", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/distsim_sonata_bench")
    args = parser.parse_args()
    generate(args.dir, args.neurons, args.in_degree)
    size = os.path.getsize(os.path.join(args.dir, "network", "edges.h5")) / 2**30
    rows = []
    for ranks in (1, 2):
        results = {}
        for mode in ("sonata", "script"):
            runs = [measure(mode, ranks, args.dir, args.neurons, args.in_degree)
                    for _ in range(args.repeats)]
            print(mode, ranks, runs, flush=True)
            results[mode] = (statistics.median(r["seconds"] for r in runs),
                             statistics.median(r["peak_gib"] for r in runs), runs[0]["synapses"])
        (ts, ms_, n), (tb, mb, n2) = results["sonata"], results["script"]
        assert n == n2 == args.neurons * args.in_degree, (n, n2)
        rows.append(f"| {ranks} | {n:,} | {ts:.1f} | {ms_:.2f} | {tb:.1f} | {mb:.2f} | "
                    f"{ts / tb:.2f} | {ms_ / mb:.2f} |")
        print(rows[-1], flush=True)
    lines = ["# Reading a SONATA circuit against building it from a script\n",
             f"{machine()}. `benchmarks/sonata_read.py --neurons {args.neurons} --in-degree "
             f"{args.in_degree} --repeats {args.repeats}`: {args.neurons:,} iaf_psc_alpha "
             f"nodes, {args.neurons * args.in_degree:,} edges ({size:.1f} GiB edge file, "
             "sorted by target, with a target_to_source index). `read`: "
             "`SonataNetwork(...).build()`; `script`: the same synapses by "
             "`Synapses.connect(i=, j=)` from arrays every rank draws, then the weights and "
             "delays. Median seconds (wall, all ranks) and peak memory of the largest rank.\n",
             "| ranks | synapses | read s | read peak GiB | script s | script peak GiB "
             "| time read/script | memory read/script |",
             "|---|---|---|---|---|---|---|---|"] + rows
    with open(os.path.join(HERE, "results", "sonata_read.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
