"""Two versions of distsim side by side: build and simulate times, and whether
the spikes are identical (a refactoring must not change them).

    git worktree add /tmp/before <commit>      # or any clone of the old version
    python benchmarks/before_after.py --before /tmp/before --after . \\
        --model mc1 --ranks 2 --repeats 3 --label "architecture (issue 12)"

The two may be one tree run with different environments (``--before-env
DISTSIM_MALLOC=system``: a setting's effect). Runs the model's example script
(examples/microcircuit.py, cuba.py or stdp.py) from each tree in turn (before,
after, before, after, ...: the machine's drift hits both), each under
``mpirun -n RANKS`` with the tree first on PYTHONPATH (its Cython extensions
must be built in place: ``python setup.py build_ext --inplace``). Reports
medians and the after/before ratio (and the largest rank's peak memory where
the script prints it), and appends a table to benchmarks/results/before_after.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402

MODELS = {  # name -> (script, arguments)
    "mc1": ("examples/microcircuit.py", ["--scale", "1", "--duration", "1"]),
    "mc0.1": ("examples/microcircuit.py", ["--scale", "0.1", "--duration", "1"]),
    "cuba": ("examples/cuba.py", ["--duration", "2"]),
    "stdp1000": ("examples/stdp.py", ["--duration", "2", "--targets", "1000"]),
    "overhead": ("benchmarks/step_overhead.py", ["--duration", "2"]),
}


def run_once(tree, model, ranks, output, settings=()):
    """(build s, simulate s, largest rank's peak GiB or nan) of one run."""
    script, arguments = MODELS[model]
    env = dict(os.environ, **dict(setting.split("=", 1) for setting in settings))
    env.update(PYTHONPATH=os.path.abspath(tree), OMP_NUM_THREADS="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_mpi_yield_when_idle="1")
    command = ["timeout", "1800", "mpirun", "-n", str(ranks), sys.executable,
               os.path.join(tree, script)] + arguments + ["--output", output]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tree)
    if result.returncode:
        raise SystemExit(f"{tree}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    if not os.path.exists(output):  # a benchmark without a results file
        open(output, "w").close()
    found = re.search(r"build ([\d.]+) s, simulate ([\d.]+) s", result.stdout)
    peaks = re.search(r"peak memory per rank: ([\d., ]+) GiB", result.stdout)
    peak = max(map(float, peaks.group(1).split(","))) if peaks else float("nan")
    return float(found.group(1)), float(found.group(2)), peak


def spikes(filename):
    import h5py
    if not os.path.getsize(filename):
        return {}
    with h5py.File(filename, "r") as f:
        return {pop: (f["spikes"][pop]["node_ids"][...], f["spikes"][pop]["timestamps"][...])
                for pop in f["spikes"]}


def same_spikes(a, b):
    return a.keys() == b.keys() and all(
        np.array_equal(a[p][0], b[p][0]) and np.array_equal(a[p][1], b[p][1]) for p in a)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default=os.path.dirname(HERE))
    parser.add_argument("--model", choices=sorted(MODELS), default="mc1")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--label", default="")
    for which in ("before", "after"):
        parser.add_argument(f"--{which}-env", action="append", default=[], metavar="NAME=VALUE",
                            help=f"an environment variable for the {which} runs")
    args = parser.parse_args()
    times = {"before": [], "after": []}
    files = {}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for which in ("before", "after"):
                output = os.path.join(tmp, f"{which}{repeat}.h5")
                times[which].append(run_once(getattr(args, which), args.model, args.ranks,
                                             output, getattr(args, f"{which}_env")))
                files.setdefault(which, output)
                print(which, repeat, times[which][-1], flush=True)
        before, after = spikes(files["before"]), spikes(files["after"])
        identical = ("yes" if same_spikes(before, after) else "NO") if before or after \
            else "n/a (no results file)"
    median = {which: [statistics.median(t[k] for t in times[which]) for k in (0, 1, 2)]
              for which in times}
    ratio = [median["after"][k] / median["before"][k] for k in (0, 1)]
    peak = ("-" if np.isnan(median["before"][2]) else
            f"{median['before'][2]:.2f} / {median['after'][2]:.2f}")
    row = (f"| {args.label} | {args.model} | {args.ranks} | {args.repeats} | "
           f"{median['before'][0]:.1f} / {median['after'][0]:.1f} ({ratio[0]:.3f}) | "
           f"{median['before'][1]:.1f} / {median['after'][1]:.1f} ({ratio[1]:.3f}) | "
           f"{peak} | {identical} |")
    print(row)
    append_row(os.path.join(HERE, "results", "before_after.md"),
               "# Before and after a change, side by side\n\n"
               f"Machine: {machine()}. `benchmarks/before_after.py`: the two versions run "
               "alternately in one sitting; medians (seconds), after/before in brackets.\n\n"
               "| change | model | ranks | runs each | build s before / after | "
               "simulate s before / after | peak GiB (largest rank) before / after | "
               "identical spikes |\n"
               "|---|---|---|---|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
