"""Build time of the seed thread's own way of writing the microcircuit (one
Synapses, ``connect(i=, j=)`` per projection, ``[-k:]`` string assignments;
benchmarks/peers/seed_thread_model.py): distsim on 1 and 2 ranks beside
Brian2 (numpy target), same sitting, median of several runs, as ratios.

    python benchmarks/seed_thread_build.py --scale 0.1 --repeats 5

"build" is the network statements and a run of one step (distsim builds its
queued synapses there), without the imports (reported apart: both import
numpy and pylab). Appends a row per scale to
benchmarks/results/seed_thread_build.md.
"""
import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import append_row, machine, run_for_result  # noqa: E402

MODEL = os.path.join(HERE, "peers", "seed_thread_model.py")
BRIAN2_PYTHON = os.environ.get("BRIAN2_PYTHON", os.path.join(
    os.path.expanduser("~/.cache/distsim"), "peers", "brian2", "bin", "python"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=3600)
    args = parser.parse_args()
    commands = {
        "brian2": [BRIAN2_PYTHON, MODEL, "brian2", str(args.scale)],
        "distsim1": ["mpirun", "-n", "1", sys.executable, MODEL, "distsim", str(args.scale)],
        "distsim2": ["mpirun", "-n", "2", sys.executable, MODEL, "distsim", str(args.scale)],
    }
    builds = {name: [] for name in commands}
    imports = {name: [] for name in commands}
    synapses = None
    for repeat in range(args.repeats):
        for name, command in commands.items():  # interleaved: the same load for each
            result = run_for_result(command, args.timeout)
            if result is None:
                sys.exit(1)
            builds[name].append(result["build"])
            imports[name].append(result["import"])
            synapses = result["synapses"]
            print(f"  run {repeat + 1}: {name} build {result['build']:.2f} s", flush=True)
    median = {name: statistics.median(values) for name, values in builds.items()}
    header = (
        "# The seed thread's microcircuit script: build time beside Brian2\n\n"
        f"Machine: {machine()}. Written by `benchmarks/seed_thread_build.py`. "
        "benchmarks/peers/seed_thread_model.py: one Synapses, `connect(i=, j=)` per "
        "projection from numpy-drawn pairs, then `syn.delay[-k:]` and `syn.w[-k:]` string "
        "assignments (the seed thread's method 2). Build = the network statements and a "
        "one-step run, imports left out; median of the runs (interleaved); Brian2 2.9, "
        "numpy target.\n\n"
        "| date | scale | synapses | runs | Brian2 s | distsim 1 rank s | distsim 2 ranks s "
        "| 1 rank / Brian2 | 2 ranks / Brian2 | imports (Brian2, distsim) s |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n")
    row = (f"| {time.strftime('%Y-%m-%d')} | {args.scale:g} | {synapses:,} | {args.repeats} "
           f"| {median['brian2']:.2f} | {median['distsim1']:.2f} | {median['distsim2']:.2f} "
           f"| {median['distsim1'] / median['brian2']:.2f} "
           f"| {median['distsim2'] / median['brian2']:.2f} "
           f"| {statistics.median(imports['brian2']):.1f}, "
           f"{statistics.median(imports['distsim1']):.1f} |")
    append_row(os.path.join(HERE, "results", "seed_thread_build.md"), header, row)


if __name__ == "__main__":
    main()
