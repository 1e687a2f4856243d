"""Benchmark: one spike exchange (Allgatherv of (id, step) pairs) per window.

    mpirun -n 2 python benchmarks/exchange.py --spikes-per-window 25

25 spikes per 0.1 ms window is the full-scale microcircuit (about 250,000
spikes per biological second). Appends a row to benchmarks/results/exchange.md.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spikes-per-window", type=int, default=25)
    parser.add_argument("--windows", type=int, default=20000)
    args = parser.parse_args()
    from distsim.parallel import SpikeExchange, block_range, get_comm
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    exchange = SpikeExchange()
    rng = np.random.default_rng(rank)
    start, stop = block_range(args.spikes_per_window, rank, size)
    ids = np.sort(rng.integers(0, 77169, size=stop - start)).astype(np.int64)
    steps = np.zeros(len(ids), dtype=np.int64)
    comm.Barrier()
    started = time.perf_counter()
    for window in range(args.windows):
        steps[:] = window
        exchange.exchange(ids, steps)
    elapsed = comm.allreduce(time.perf_counter() - started, op=__import__("mpi4py").MPI.MAX)
    if rank == 0:
        per_window = elapsed / args.windows * 1e6
        row = (f"| {size} | {args.spikes_per_window} | {args.spikes_per_window * 16} | "
               f"{per_window:.1f} | {per_window * 1e4 / 1e6:.2f} |")
        append_row(os.path.join(HERE, "results", "exchange.md"),
                   "# Spike exchange cost (one exchange per 0.1 ms window)\n\n"
                   f"Machine: {machine()}, ranks on one node (shared memory; 3 ranks "
                   "oversubscribe 2 cores). `benchmarks/exchange.py`.\n\n"
                   "| ranks | spikes/window | bytes gathered/window | us/window | "
                   "s per biological s (10,000 windows) |\n|---|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
