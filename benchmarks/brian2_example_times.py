"""Brian2's own examples, start to end, under distsim and under Brian2 2.9, side
by side in one sitting.

    BRIAN2_PYTHON=/tmp/brian2env/bin/python python benchmarks/brian2_example_times.py \\
        EXAMPLES_DIR --only Jansen_Rit Platkiewicz --repeats 3

EXAMPLES_DIR is the ``examples/`` folder of Brian2's repository. Each example
runs unchanged (distsim through ``python -m distsim.as_brian2``, as
tools/brian2_examples.py runs them; Brian2 with its default Cython runtime
target; each
simulator's compiled code cached by a first unmeasured run), alternately,
with matplotlib's Agg backend; the figure is the whole script's wall time, so
it includes the analysis the script does with the results (reading monitors)
and each simulator's start-up. Appends a row per example to
benchmarks/results/brian2_example_times.md.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
from brian2_examples import in_scope, run_example  # noqa: E402
from tables import append_row, machine  # noqa: E402

BRIAN2_PYTHON = os.environ.get("BRIAN2_PYTHON", os.path.join(
    os.path.expanduser("~/.cache/distsim"), "peers", "brian2", "bin", "python"))


def brian2_seconds(scratch, name, timeout):
    """Wall time of one run of the example under Brian2 (None if it failed)."""
    script = scratch / name
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    started = time.perf_counter()
    done = subprocess.run([BRIAN2_PYTHON, script.name], cwd=script.parent, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        print(f"Brian2 failed on {name}:\n{done.stderr[-1500:]}")
        return None
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", type=Path, help="Brian2's examples/ folder")
    parser.add_argument("--only", nargs="+", required=True, help="examples (substrings)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ranks", type=int, default=1, help="distsim's MPI ranks")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    names = [n for n in in_scope(args.examples) if any(part in n for part in args.only)]
    with tempfile.TemporaryDirectory(prefix="brian2_example_times_") as tmp:
        scratch = Path(tmp) / "examples"
        shutil.copytree(args.examples, scratch)
        for name in names:
            # Unmeasured first runs: both compile their generated code and cache it.
            brian2_seconds(scratch, name, args.timeout)
            run_example(scratch, name, args.ranks, args.timeout)
            times = {"distsim": [], "brian2": []}
            for repeat in range(args.repeats):
                record = run_example(scratch, name, args.ranks, args.timeout)
                if record["outcome"] != "ok":
                    raise SystemExit(f"distsim: {name}: {record['outcome']}")
                times["distsim"].append(record["seconds"])
                times["brian2"].append(brian2_seconds(scratch, name, args.timeout))
                print(name, repeat, times["distsim"][-1], times["brian2"][-1], flush=True)
            if None in times["brian2"]:
                continue
            medians = {who: statistics.median(t) for who, t in times.items()}
            row = (f"| {name} | {time.strftime('%Y-%m-%d')} | {args.ranks} | "
                   + " | ".join(f"{medians[who]:.1f} ({', '.join(f'{t:.1f}' for t in ts)})"
                                for who, ts in times.items())
                   + f" | {medians['distsim'] / medians['brian2']:.2f} |")
            append_row(os.path.join(HERE, "results", "brian2_example_times.md"),
                       "# Brian2's examples start to end: distsim beside Brian2 2.9\n\n"
                       f"Machine: {machine()}. `benchmarks/brian2_example_times.py`: the "
                       "whole script's wall time (simulation, analysis, start-up), the "
                       "example unchanged, the two run alternately; medians, the runs in "
                       "brackets. Brian2: Cython runtime target; both with their compiled code cached.\n\n"
                       "| example | measured | distsim ranks | distsim s | Brian2 s | "
                       "ratio |\n|---|---|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
