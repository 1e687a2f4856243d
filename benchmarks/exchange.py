"""Benchmark: one spike exchange (Allgatherv of (id, step) pairs) per window.

    mpirun -n 2 python benchmarks/exchange.py --spikes-per-window 25

25 spikes per 0.1 ms window is the full-scale microcircuit (about 250,000
spikes per biological second). Appends a row to benchmarks/results/exchange.md.

``--work-us W`` does the same fixed work on every rank before each exchange
(random reads, as delivery does; the repeat count calibrated on rank 0 and
used by all) and prints each rank's waiting in the exchange as a share of
the run: with identical work the waiting is the machine's own step-to-step
noise, the floor below which no partition of a network can bring it
(benchmarks/partition_balance.py).
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402


def fixed_work(comm, work_us):
    """A function doing about ``work_us`` microseconds of random reads, the
    same number of them on every rank (collective: rank 0 calibrates)."""
    rng = np.random.default_rng(0)
    values = rng.random(1 << 16)
    indices = rng.integers(0, len(values), size=1 << 14)
    started = time.perf_counter()
    for _ in range(200):
        np.take(values, indices).sum()
    unit_us = (time.perf_counter() - started) / 200 * 1e6
    repeats = comm.bcast(int(round(work_us / unit_us)), root=0)

    def work():
        for _ in range(repeats):
            np.take(values, indices).sum()
    return work


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spikes-per-window", type=int, default=25)
    parser.add_argument("--windows", type=int, default=20000)
    parser.add_argument("--work-us", type=float, default=0.0,
                        help="identical compute per window on every rank, microseconds")
    parser.add_argument("--no-table", action="store_true", help="print only")
    args = parser.parse_args()
    from distsim.parallel import SpikeExchange, block_range, get_comm
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    exchange = SpikeExchange()
    rng = np.random.default_rng(rank)
    start, stop = block_range(args.spikes_per_window, rank, size)
    ids = np.sort(rng.integers(0, 77169, size=stop - start)).astype(np.int64)
    steps = np.zeros(len(ids), dtype=np.int64)
    work = fixed_work(comm, args.work_us)
    comm.Barrier()
    started = time.perf_counter()
    for window in range(args.windows):
        work()
        steps[:] = window
        exchange.exchange(ids, steps)
    mine = time.perf_counter() - started
    elapsed = comm.allreduce(mine, op=__import__("mpi4py").MPI.MAX)
    if args.work_us:
        for who, (wait, total) in enumerate(comm.gather((exchange.wait_seconds, mine))
                                            or []):
            print(f"rank {who}: {total:.2f} s, waiting {100 * wait / total:.1f}%")
    if args.no_table:
        return
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
