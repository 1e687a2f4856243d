"""Memory per rank of the full-scale microcircuit on 1, 2, 4 and 8 ranks
(oversubscribed here: the times mean nothing, the memory does).

    python benchmarks/memory_per_rank.py [--scale 1] [--ranks 1 2 4 8]
        [--groups per-population]

Each rank builds the network, runs 10 ms and reports its peak resident
memory and what it holds: synapses (targets, delays, weights), row pointers
(the stores' row indexes and connect calls' records: one int64 per source
neuron and Synapses object with targets on the rank, or two per source the
rank has synapses from where those are under a quarter: row_index.py),
neuron state, and the rest (interpreter, libraries, buffers). The row
pointers and the rest do not shrink with the rank count (docs/scaling.md).
Writes benchmarks/results/memory_per_rank.md.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402

SCRIPT = r"""
import json, resource, sys
sys.path.insert(0, {examples!r})
from distsim import *
from distsim.parallel import get_comm
from microcircuit import build_microcircuit
seed(1)
neurons, groups, synapses, inputs, n_layer, n_synapses = build_microcircuit({scale}, report=False,
                                                                             groups={groups!r})
run(10*ms)
stores = [s._store for s in synapses]
# (lists: the star import binds numpy's sum, as Brian2's does)
row_pointers = int(sum([s.index_nbytes for s in stores]))
synapse_bytes = int(sum([s.nbytes for s in stores])) - row_pointers
neuron_bytes = int(sum([v.nbytes for group in (neurons if isinstance(neurons, list)
                                                 else [neurons])
                         for v in group.variables.arrays.values()]))
with open("/proc/self/status") as f:
    rss = [int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:")][0]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
mine = dict(peak=peak, rss=rss, synapses=synapse_bytes, row_pointers=row_pointers,
            neurons=neuron_bytes, n_synapses=int(sum([len(s) for s in stores])))
every = get_comm().gather(mine, root=0)
if get_comm().Get_rank() == 0:
    print("RESULT " + json.dumps(every))
"""

HEADER = """# Memory per rank, the microcircuit

Machine: {machine}. `benchmarks/memory_per_rank.py`: build, run 10 ms, peak resident
memory per rank (the largest rank) and what the rank holds; ranks oversubscribed on the
2 cores beyond 2 (the memory is what matters here). "rest" is the peak minus synapses, row
pointers and neuron state: interpreter, numpy/h5py/MPI libraries, construction
temporaries and buffers.

| scale | ranks | synapses per rank (M) | peak per rank GiB | synapses GiB | row pointers MiB | neuron state MiB | rest GiB | all ranks GiB |
|---|---|---|---|---|---|---|---|---|
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--groups", choices=("one", "per-population"), default="one",
                        help="examples/microcircuit.py's layout: one NeuronGroup with a "
                             "subgroup per population, or a NeuronGroup per population")
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
               OMPI_MCA_mpi_yield_when_idle="1", PYTHONPATH=ROOT)
    script = SCRIPT.format(examples=os.path.join(ROOT, "examples"), scale=args.scale,
                           groups=args.groups)
    path = os.path.join(HERE, "results", "memory_per_rank.md")
    for ranks in args.ranks:
        out = subprocess.run(["timeout", "3600", "mpirun", "-n", str(ranks), sys.executable,
                              "-c", script], capture_output=True, text=True, env=env)
        lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        if not lines:
            print(out.stderr[-3000:], file=sys.stderr)
            continue
        every = json.loads(lines[0][len("RESULT "):])
        top = max(every, key=lambda r: r["peak"])
        layout = "" if args.groups == "one" else " (a group per population)"
        rest = top["peak"] - top["synapses"] - top["row_pointers"] - top["neurons"]
        append_row(path, HEADER.format(machine=machine()),
                   f"| {args.scale:g}{layout} | {ranks} | {top['n_synapses'] / 1e6:.1f} | "
                   f"{top['peak'] / 2**30:.2f} | {top['synapses'] / 2**30:.2f} | "
                   f"{top['row_pointers'] / 2**20:.1f} | {top['neurons'] / 2**20:.1f} | "
                   f"{rest / 2**30:.2f} | {sum(r['peak'] for r in every) / 2**30:.2f} |")


if __name__ == "__main__":
    main()
