"""What a checkpoint of the microcircuit costs: write and read time, file
size, beside the disk's sequential write speed and the build time, and
whether the restored run continues exactly.

    python benchmarks/checkpoint_cost.py --scale 1 --ranks 2

Three runs under mpirun, one after the other: (1) build, simulate 0.1 s,
store to a file, simulate 0.1 s more (the reference spikes); (2) build,
restore, simulate 0.1 s; then the disk's sequential write speed (dd with
fdatasync, a file as large as the checkpoint). Appends a row to
benchmarks/results/checkpoint_cost.md.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402

SCRIPT = r"""
import sys, time
import numpy as np
sys.path.insert(0, {examples!r})
from distsim import *
from distsim.network import magic_network
from distsim.parallel import get_comm, rank
from microcircuit import build_microcircuit, l_name
mode, checkpoint, out = sys.argv[1:4]
started = time.perf_counter()
seed(100)
neurons, groups, synapses, inputs, n_layer, n_synapses = build_microcircuit({scale}, report=False)
monitors = [SpikeMonitor(g, name=n) for g, n in zip(groups, l_name)]
len(synapses[0])  # builds the queued synapses (collective)
get_comm().Barrier()
built = time.perf_counter() - started
if mode == "write":
    run(0.1*second)
    get_comm().Barrier(); t0 = time.perf_counter()
    store(filename=checkpoint)
    get_comm().Barrier(); seconds = time.perf_counter() - t0
else:
    get_comm().Barrier(); t0 = time.perf_counter()
    restore(filename=checkpoint)
    get_comm().Barrier(); seconds = time.perf_counter() - t0
run(0.1*second)
spikes = [np.asarray(m.t_) for m in monitors]
if rank() == 0:
    np.savez(out, *spikes)
    print(f"built {{built:.2f}} s, checkpoint {{seconds:.2f}} s")
"""


def mpirun(ranks, arguments, script):
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
               OMPI_MCA_mpi_yield_when_idle="1", PYTHONPATH=ROOT)
    result = subprocess.run(["timeout", "3600", "mpirun", "-n", str(ranks), sys.executable,
                             script] + arguments, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stdout[-3000:] + result.stderr[-3000:])
    found = re.search(r"built ([\d.]+) s, checkpoint ([\d.]+) s", result.stdout)
    return float(found.group(1)), float(found.group(2))


def disk_write_speed(directory, size):
    """Sequential write speed (bytes/s) of ``size`` bytes, synced to disk."""
    target = os.path.join(directory, "dd.bin")
    result = subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=16M",
                             f"count={max(1, size // (16 << 20))}", "conv=fdatasync"],
                            capture_output=True, text=True)
    os.remove(target)
    found = re.search(r"(\d+) bytes .* copied, ([\d.]+) s", result.stderr)
    return int(found.group(1)) / float(found.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--directory", default=None, help="where the checkpoint goes")
    args = parser.parse_args()
    import numpy as np
    with tempfile.TemporaryDirectory(dir=args.directory) as tmp:
        script = os.path.join(tmp, "model.py")
        with open(script, "w") as handle:
            handle.write(SCRIPT.format(examples=os.path.join(ROOT, "examples"),
                                       scale=args.scale))
        checkpoint = os.path.join(tmp, "ckpt.h5")
        build_w, write = mpirun(args.ranks, ["write", checkpoint, os.path.join(tmp, "a.npz")],
                                script)
        size = os.path.getsize(checkpoint)
        build_r, read = mpirun(args.ranks, ["read", checkpoint, os.path.join(tmp, "b.npz")],
                               script)
        a, b = np.load(os.path.join(tmp, "a.npz")), np.load(os.path.join(tmp, "b.npz"))
        identical = all(np.array_equal(a[k], b[k]) for k in a.files)
        disk = disk_write_speed(tmp, size)
    row = (f"| {args.scale:g} | {args.ranks} | {size / 2**30:.2f} | {write:.1f} "
           f"({size / write / 2**20:.0f} MiB/s) | {disk / 2**20:.0f} MiB/s | {read:.1f} | "
           f"{min(build_w, build_r):.1f} | {'yes' if identical else 'NO'} |")
    print(row)
    append_row(os.path.join(HERE, "results", "checkpoint_cost.md"),
               "# Checkpoint cost, the microcircuit\n\n"
               f"Machine: {machine()}. `benchmarks/checkpoint_cost.py`: store() after 0.1 s, "
               "restore() in a new run on the same ranks, both followed by 0.1 s of "
               "simulation; the disk's sequential write speed measured beside it (dd, "
               "fdatasync, as many bytes as the checkpoint).\n\n"
               "| scale | ranks | file GiB | write s (speed) | disk write speed | read s | "
               "build s | continued run identical |\n|---|---|---|---|---|---|---|---|\n",
               row)


if __name__ == "__main__":
    main()
