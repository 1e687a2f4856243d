"""Benchmark: the microcircuit's connectivity in distsim's synapse store.

For each scale and rank count: build time of all synapses (with their
weights and delays), resident bytes per synapse, construction peak versus
resident memory, and delivery throughput (synaptic events per second when
every neuron spikes once).

    python benchmarks/connectivity.py --scales 0.1 1 --ranks 1 2

runs each configuration under mpirun and writes
benchmarks/results/connectivity.md (and .json). The machine's cores and
memory are recorded with the table.
"""
import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import machine, run_for_result  # noqa: E402
ROOT = os.path.dirname(HERE)


def worker(scale):
    from distsim import defaultclock, seed
    from distsim.network import magic_network
    from distsim.parallel import get_comm
    from distsim.utils.memory import peak_rss_bytes, rss_bytes
    comm = get_comm()
    spec = importlib.util.spec_from_file_location("microcircuit",
                                                  os.path.join(ROOT, "examples", "microcircuit.py"))
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    seed(100)
    from distsim import NeuronGroup
    # Baseline: everything but the synapses (imports, neurons).
    probe = NeuronGroup(sum(max(1, int(round(n * scale))) for n in model.n_full), "v : 1",
                        name="baseline_probe")
    del probe
    from distsim.core import registry
    registry.start_scope()
    comm.Barrier()
    base = rss_bytes()
    started = time.perf_counter()
    neurons, groups, synapses, inputs, n_layer, n_total = model.build_microcircuit(scale, report=False)
    from distsim.synapses import construction
    construction.build_pending()  # connect() and assignments queue their work
    comm.Barrier()
    build = time.perf_counter() - started
    resident = rss_bytes()
    peak = peak_rss_bytes()
    local = sum(len(s.store) for s in synapses)
    # Delivery: every neuron spikes once at step 0; push through all pathways.
    magic_network.objects = registry.registered_objects()
    magic_network.before_run({})
    ids = np.arange(neurons.id_offset, neurons.id_offset + neurons.N, dtype=np.int64)
    steps = np.zeros(len(ids), dtype=np.int64)
    comm.Barrier()
    started = time.perf_counter()
    magic_network.window.delivery_plan.deliver(ids, steps)
    delivery = time.perf_counter() - started
    delivery_wall = comm.allreduce(delivery, op=_max())
    after_run_prep = rss_bytes()
    rows = comm.gather(dict(base=base, resident=resident, peak=peak, local=local,
                            after_prep=after_run_prep, delivery=delivery), root=0)
    if comm.Get_rank() == 0:
        grown = sum(r["resident"] - r["base"] for r in rows)
        result = dict(
            scale=scale, ranks=comm.Get_size(), neurons=int(neurons.N), synapses=int(n_total),
            build_s=build, resident_gib=sum(r["resident"] for r in rows) / 2**30,
            peak_gib=sum(r["peak"] for r in rows) / 2**30,
            bytes_per_synapse=grown / n_total,
            bytes_per_synapse_with_buffers=sum(r["after_prep"] - r["base"] for r in rows) / n_total,
            construction_peak_ratio=max((r["peak"] - r["base"]) / max(r["resident"] - r["base"], 1)
                                        for r in rows),
            delivery_s=delivery_wall, events_per_s=n_total / delivery_wall,
            events_per_s_per_rank=n_total / delivery_wall / comm.Get_size())
        print("RESULT " + json.dumps(result), flush=True)


def _max():
    from mpi4py import MPI
    return MPI.MAX


def write_table(results, path):
    lines = [f"# Microcircuit connectivity in distsim's synapse store",
             "",
             f"Machine: {machine()}. Written by `benchmarks/connectivity.py` on "
             f"{time.strftime('%Y-%m-%d')}. Scale s: neurons x s, probabilities kept "
             "(synapses x s^2); each synapse has a float64 weight and a delay.",
             "Bytes/synapse = (resident after building - resident before) / synapses, summed "
             "over ranks; 'with buffers' adds the ring buffers made when a run starts. "
             "Construction peak = (peak - before) / (resident - before), worst rank. "
             "Delivery: every neuron spikes once; wall time of pushing all events.",
             "",
             "| scale | ranks | synapses | build s | resident GiB | peak GiB | bytes/synapse | "
             "with buffers | construction peak / resident | delivery s | events/s | "
             "events/s per rank |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['scale']:g} | {r['ranks']} | {r['synapses']:,} | {r['build_s']:.1f} | "
                     f"{r['resident_gib']:.2f} | {r['peak_gib']:.2f} | "
                     f"{r['bytes_per_synapse']:.1f} | {r['bytes_per_synapse_with_buffers']:.1f} | "
                     f"{r['construction_peak_ratio']:.2f} | {r['delivery_s']:.2f} | "
                     f"{r['events_per_s']:.3g} | {r['events_per_s_per_rank']:.3g} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--worker", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--output", default=os.path.join(HERE, "results", "connectivity"))
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker)
        return
    results = []
    for scale in args.scales:
        for ranks in args.ranks:
            cmd = ["mpirun", "-n", str(ranks), sys.executable, os.path.abspath(__file__),
                   "--worker", str(scale)]
            row = run_for_result(cmd, 3000)
            if row is None:
                sys.exit(1)
            results.append(row)
            print(json.dumps(results[-1]), flush=True)
    with open(args.output + ".json", "w") as f:
        json.dump(dict(machine=machine(), results=results), f, indent=1)
    write_table(results, args.output + ".md")
    print(open(args.output + ".md").read())


if __name__ == "__main__":
    main()
