"""What a rank's share of every population is worth: the microcircuit written as
one NeuronGroup with a subgroup per population (the seed thread's script)
with its neurons in contiguous blocks (each rank holds whole populations) or
dealt out round-robin (each rank a share of every population,
``DISTSIM_PARTITION``), or a NeuronGroup per population, and the floor that
no partition lowers: identical work on every rank, one exchange per step.

    python benchmarks/partition_balance.py --scale 1 --ranks 2 --repeats 3 \
        --layouts one:blocks,one:dealt

Runs examples/microcircuit.py with each layout (``--groups`` and the
partition) alternately (the machine's drift hits all) under ``mpirun``,
then (unless ``--no-floor``) benchmarks/exchange.py with ``--work-us`` set to
the microcircuit's compute per step. Reports medians of build, simulate, each
rank's peak memory and each rank's waiting in the spike exchange (as a share
of the simulation), and appends rows to benchmarks/results/partition_balance.md.
Layouts of the same ``--groups`` are the same model: their spikes are checked
identical. One group and a group per population draw different random
numbers (group ids differ): their rates agree (the table of each run is
printed).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402

HEADER = (
    "# Partition balance: whole populations per rank against a share of each\n\n"
    f"Machine: {machine()}. `benchmarks/partition_balance.py`: examples/microcircuit.py "
    "with `--groups one` (one NeuronGroup, a subgroup per population: rank 0 of 2 holds "
    "L2/3 and half of L4E) and `--groups per-population` (each rank a share of every "
    "population), alternately; then `benchmarks/exchange.py --work-us` (every rank the "
    "same fixed work per step, then the exchange: the machine's floor for waiting). "
    "Medians; waiting as a share of the simulate time, per rank.\n\n"
    "| layout | scale | ranks | runs | build s | simulate s | peak GiB per rank | "
    "waiting per rank |\n|---|---|---|---|---|---|---|---|\n")


def run_layout(groups, partition, scale, ranks, duration, output):
    """(build s, simulate s, [peak GiB per rank], [waiting % per rank])."""
    command = ["timeout", "1800", "mpirun", "-n", str(ranks), sys.executable,
               os.path.join(ROOT, "examples", "microcircuit.py"), "--scale", str(scale),
               "--duration", str(duration), "--groups", groups, "--output", output,
               "--report", ""]
    env = dict(os.environ, PYTHONPATH=ROOT, DISTSIM_PARTITION=partition)
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{groups}: {result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    text = result.stdout
    found = re.search(r"build ([\d.]+) s, simulate ([\d.]+) s", text)
    peaks = re.search(r"peak memory per rank: ([\d., ]+) GiB", text).group(1)
    waits = re.findall(r"\(([\d.]+)%\)", text.split("waiting in the spike exchange")[1])
    print(groups, text[text.index("population"):].strip(), "\n", flush=True)
    return (float(found.group(1)), float(found.group(2)),
            [float(p) for p in peaks.split(",")], [float(w) for w in waits])


def floor(ranks, work_us, windows):
    """Each rank's waiting (%) with identical work per step."""
    command = ["timeout", "600", "mpirun", "-n", str(ranks), sys.executable,
               os.path.join(HERE, "exchange.py"), "--work-us", str(work_us),
               "--windows", str(windows), "--no-table"]
    result = subprocess.run(command, env=dict(os.environ, PYTHONPATH=ROOT),
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stdout[-2000:] + result.stderr[-2000:])
    return [float(w) for w in re.findall(r"waiting ([\d.]+)%", result.stdout)]


def check_same_spikes(directory, repeat, runs):
    """Layouts of one ``--groups`` (partitions differ) gave the same spikes."""
    import h5py
    import numpy as np
    by_groups = {}
    for layout in runs:
        groups, partition = layout.split(":")
        with h5py.File(os.path.join(directory, f"{groups}-{partition}{repeat}.h5"), "r") as f:
            spikes = {name: (pop["node_ids"][...], pop["timestamps"][...])
                      for name, pop in f["spikes"].items()}
        first = by_groups.setdefault(groups, (layout, spikes))
        for name, (ids, times) in spikes.items():
            other_ids, other_times = first[1][name]
            if not (np.array_equal(ids, other_ids) and np.array_equal(times, other_times)):
                raise SystemExit(f"{layout} and {first[0]}: the spikes of '{name}' differ")


def median_per_rank(runs):
    return [statistics.median(run[k] for run in runs) for k in range(len(runs[0]))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layouts", default="one:blocks,one:dealt,per-population:dealt",
                        help="comma-separated --groups:partition pairs")
    parser.add_argument("--no-floor", action="store_true")
    args = parser.parse_args()
    runs = {layout: [] for layout in args.layouts.split(",")}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for layout in runs:
                groups, partition = layout.split(":")
                output = os.path.join(tmp, f"{groups}-{partition}{repeat}.h5")
                runs[layout].append(run_layout(groups, partition, args.scale, args.ranks,
                                               args.duration, output))
                print(layout, repeat, runs[layout][-1], flush=True)
            check_same_spikes(tmp, repeat, runs)
    table = os.path.join(HERE, "results", "partition_balance.md")
    steps = int(round(args.duration / 1e-4))
    for layout, results in runs.items():
        groups, partition = layout.split(":")
        build = statistics.median(r[0] for r in results)
        simulate = statistics.median(r[1] for r in results)
        peaks = median_per_rank([r[2] for r in results])
        waits = median_per_rank([r[3] for r in results])
        append_row(table, HEADER,
                   f"| `--groups {groups}`, {partition} | {args.scale:g} | {args.ranks} | {args.repeats} | "
                   f"{build:.1f} | {simulate:.1f} | {', '.join(f'{p:.2f}' for p in peaks)} | "
                   f"{', '.join(f'{w:.1f}%' for w in waits)} |")
    if args.no_floor:
        return
    # The floor: the same compute per step as the microcircuit's mean step.
    # (90% of the step: the rest is the exchange itself)
    simulate = statistics.median(r[1] for r in list(runs.values())[-1])
    work_us = int(simulate / steps * 1e6 * 0.9)
    waits = [floor(args.ranks, work_us, steps) for _ in range(args.repeats)]
    append_row(table, HEADER,
               f"| identical work per rank ({work_us} us a step) | - "
               f"| {args.ranks} | {args.repeats} | - | - | - | "
               f"{', '.join(f'{w:.1f}%' for w in median_per_rank(waits))} |")


if __name__ == "__main__":
    main()
