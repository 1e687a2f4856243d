"""Benchmark: the cost of streaming the microcircuit's spikes to the results
file, and a check that writing does not change the spikes.

    mpirun -n 2 python benchmarks/writing.py --scale 0.1 --duration 1

Runs the same network twice (same seed): monitors kept in memory only, then
streamed to a file with a flush every --flush-interval. Prints and appends a
row to benchmarks/results/writing.md.
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402
ROOT = os.path.dirname(HERE)


def simulate(model, scale, duration, output=None, flush_interval=None):
    from distsim import SpikeMonitor, run, save, second, seed, start_scope
    start_scope()
    seed(100)
    neurons, groups, synapses, inputs, n_layer, n_total = model.build_microcircuit(scale, report=False)
    monitors = [SpikeMonitor(g, name=name) for g, name in zip(groups, model.l_name)]
    started = time.perf_counter()
    run(duration * second, output=output,
        flush_interval=None if flush_interval is None else flush_interval * second)
    if output is not None:
        save(output)
    elapsed = time.perf_counter() - started
    return elapsed, [(m.i.copy(), m.t_.copy()) for m in monitors], n_total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--flush-interval", type=float, default=0.1)
    parser.add_argument("--output", default="/tmp/distsim_writing_benchmark.h5")
    args = parser.parse_args()
    from distsim.parallel import get_comm
    spec = importlib.util.spec_from_file_location("microcircuit",
                                                  os.path.join(ROOT, "examples", "microcircuit.py"))
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    memory_time, memory_spikes, n_total = simulate(model, args.scale, args.duration)
    file_time, file_spikes, _ = simulate(model, args.scale, args.duration, args.output,
                                         args.flush_interval)
    identical = all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                    for a, b in zip(memory_spikes, file_spikes))
    n_spikes = sum(len(s[0]) for s in file_spikes)
    comm = get_comm()
    if comm.Get_rank() == 0:
        overhead = (file_time - memory_time) / memory_time * 100
        row = (f"| {args.scale:g} | {comm.Get_size()} | {args.duration:g} | {n_spikes:,} | "
               f"{args.flush_interval:g} | {memory_time:.2f} | {file_time:.2f} | "
               f"{overhead:+.1f}% | {'yes' if identical else 'NO'} |")
        append_row(os.path.join(HERE, "results", "writing.md"),
                   "# Cost of streaming spikes to the results file (microcircuit)\n\n"
                   f"Machine: {machine()}. `benchmarks/writing.py`: the same run with monitors "
                   "in memory, then streamed to one HDF5 file (flush every 'flush s' of "
                   "biological time, plus the final save). Wall times of run() (+ save()).\n\n"
                   "| scale | ranks | bio s | spikes | flush s | in memory s | streamed s | "
                   "overhead | identical spikes |\n|---|---|---|---|---|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
