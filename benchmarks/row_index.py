"""Row index memory per rank against the size of the source group
(docs/scaling.md's first memory wall; synapses/row_index.py).

    python benchmarks/row_index.py [--sources 100000 1000000 10000000] [--ranks 2]

One rank of a very large network holds the synapses of few neurons from a
huge source population. This builds that situation: a source NeuronGroup
of N neurons, 2,000 target neurons with 100 synapses each from random
sources (explicit i/j arrays), on ``--ranks`` ranks, with the dense row index
and with the store's own choice (auto: compressed here). Each rank reports
the row index bytes (row starts, the sources of a compressed index, its bit
per source, the connect call's record), its peak resident memory and the
time of 100 steps in which 1% of the sources spike (a SpikeGeneratorGroup
with the same ids, so the delivery looks up as many rows). Writes
benchmarks/results/row_index.md (the largest rank).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import append_row, machine, run_for_result  # noqa: E402

SCRIPT = r"""
import json, resource, time
import numpy as np
from distsim import *
from distsim.parallel import get_comm
N, n_targets, per_target = {sources}, 2000, 100
rng = np.random.default_rng(5)
steps = 100
ids = rng.choice(N, N // 100, replace=False)
times = rng.integers(0, steps, len(ids)) * defaultclock.dt
generator = SpikeGeneratorGroup(N, ids, times, name="sources")
targets = NeuronGroup(n_targets, "dv/dt = -v/(10*ms) : 1", threshold="v > 100",
                      reset="v = 0", method="exact", name="targets")
S = Synapses(generator, targets, "w : 1", on_pre="v_post += w", name="onto_targets")
S.connect(i=rng.integers(0, N, n_targets * per_target),
          j=np.repeat(np.arange(n_targets), per_target))
S.w = 0.01
run(0*ms)  # build
started = time.perf_counter()
run(steps * defaultclock.dt)
seconds = time.perf_counter() - started
store = S._store
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
mine = dict(index=int(store.index_nbytes), compressed=store.row_sources is not None,
            synapses=len(store), rows=int(store.n_rows), peak=peak, seconds=seconds,
            v=float(np.sum(targets.v_[:])))
every = get_comm().gather(mine, root=0)
if get_comm().Get_rank() == 0:
    print("RESULT " + json.dumps(every))
"""

HEADER = """# Row index memory per rank against the source group's size

Machine: {machine}. `benchmarks/row_index.py`: a source group of N neurons, 2,000 target
neurons with 100 synapses each from random sources, R ranks; the rank with the largest
row index. "index" is the row starts, the sources and presence bits of a compressed
index and the connect call's record; "100 steps" is the run in which 1% of the sources
spike once (every rank looks each spike up). "sum v" must agree between the forms.

| date | N sources | ranks | row index | synapses on the rank | rows | index KiB | peak MiB | 100 steps s | sum v |
|---|---|---|---|---|---|---|---|---|---|
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, nargs="+", default=[100_000, 1_000_000,
                                                                   10_000_000])
    parser.add_argument("--ranks", type=int, default=2)
    args = parser.parse_args()
    import time
    path = os.path.join(HERE, "results", "row_index.md")
    for name, value in (("OMP_NUM_THREADS", "1"), ("OMPI_ALLOW_RUN_AS_ROOT", "1"),
                        ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
                        ("OMPI_MCA_rmaps_base_oversubscribe", "1"),
                        ("OMPI_MCA_mpi_yield_when_idle", "1")):
        os.environ.setdefault(name, value)
    os.environ["PYTHONPATH"] = ROOT
    for n in args.sources:
        for form in ("dense", "auto"):
            os.environ["DISTSIM_ROW_INDEX"] = form
            every = run_for_result(["mpirun", "-n", str(args.ranks), sys.executable, "-c",
                                    SCRIPT.format(sources=n)], 1800)
            if every is None:
                continue
            top = max(every, key=lambda r: r["index"])
            name = "compressed" if top["compressed"] else "dense"
            append_row(path, HEADER.format(machine=machine()),
                       f"| {time.strftime('%Y-%m-%d')} | {n:,} | {args.ranks} | "
                       f"{form} ({name}) | {top['synapses']:,} | {top['rows']:,} | "
                       f"{top['index'] / 1024:,.0f} | {top['peak'] / 2**20:,.0f} | "
                       f"{max(r['seconds'] for r in every):.2f} | "
                       f"{sum(r['v'] for r in every):.6f} |")


if __name__ == "__main__":
    main()
