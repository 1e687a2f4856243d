"""Checkpoints (Brian2's store/restore): a restored run continues exactly as
the uninterrupted one, also on another number of ranks; a checkpoint that
does not fit the network is a clear error."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from distsim import (NeuronGroup, SpikeMonitor, StateMonitor, Synapses, ms, restore, run,
                     store)
from distsim.parallel import CollectiveError, get_comm

from conftest import ROOT, mpi_env, mpirun

MODEL = "tests/models/checkpoint_model.py"


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "full.npz"
    result = mpirun(1, [MODEL, "full", str(out)])
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(np.load(out))


def test_the_model_keeps_state_everywhere(uninterrupted):
    assert len(uninterrupted["i"]) > 200  # neurons spike (and refractory periods matter)
    w = uninterrupted["w"]
    assert w.max() > 0.15 and np.any(w == 0)  # STDP moved them out of [0, 0.15)
    assert uninterrupted["trace"].shape == (4, 1200)


def test_the_uninterrupted_run_is_the_same_on_3_ranks(tmp_path, uninterrupted):
    # Also a regression test: events of one arrival step queued by one window
    # ran in spike order, by several windows in store order, so a target's
    # v_post += w summed in another order on another rank count (1 ulp).
    result = mpirun(3, [MODEL, "full", str(tmp_path / "full3.npz")])
    assert result.returncode == 0, result.stdout + result.stderr
    on_three = dict(np.load(tmp_path / "full3.npz"))
    for key, expected in uninterrupted.items():
        assert np.array_equal(on_three[key], expected), key


@pytest.mark.parametrize("written, read", [(3, 2), (3, 1), (1, 3), (2, 2), ("2 blocks", 3),
                                           (3, "2 blocks")])
def test_a_restored_run_continues_bit_identically_on_any_rank_count(tmp_path, uninterrupted,
                                                                    written, read):
    # The file's layout depends on neither the rank count nor the partition
    # ("blocks": contiguous blocks; else dealt out round-robin).
    def ranks_and_partition(given):
        n, _, partition = str(given).partition(" ")
        return int(n), {"DISTSIM_PARTITION": partition or "dealt"}
    checkpoint = tmp_path / "ckpt.h5"
    n, env = ranks_and_partition(written)
    first = mpirun(n, [MODEL, "first", str(tmp_path / "first.npz"), str(checkpoint)],
                   extra_env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    n, env = ranks_and_partition(read)
    second = mpirun(n, [MODEL, "second", str(tmp_path / "second.npz"), str(checkpoint)],
                    extra_env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    continued = dict(np.load(tmp_path / "second.npz"))
    for key, expected in uninterrupted.items():
        assert np.array_equal(continued[key], expected), key


def _network():
    G = NeuronGroup(30, """dv/dt = (1.2 - v)/(10*ms) : 1 (unless refractory)""",
                    threshold="v > 1", reset="v = 0", refractory=1 * ms, name="g")
    G.v = "rand()"
    S = Synapses(G, G, """w : 1
                          dA/dt = -A/(10*ms) : 1 (event-driven)""",
                 on_pre="v_post += w; A += 0.1", on_post="w = clip(w + A, 0, 0.2)", name="s")
    S.connect(p=0.2)
    S.w = "0.05*rand()"
    S.delay = "(i % 5)*0.7*ms"
    return G, S, SpikeMonitor(G, name="m"), StateMonitor(G, "v", record=[0, 7], name="sm")


def test_store_and_restore_in_memory_go_back_in_time():
    G, S, spikes, trace = _network()
    run(20 * ms)
    store()
    store("other")
    run(30 * ms)
    first = (np.asarray(spikes.i), np.asarray(spikes.t_), np.asarray(S.w), np.asarray(trace.v))
    restore()
    assert abs(float(np.asarray(trace.t_)[-1]) - 0.0199) < 1e-9  # the monitor went back too
    run(30 * ms)
    second = (np.asarray(spikes.i), np.asarray(spikes.t_), np.asarray(S.w), np.asarray(trace.v))
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    restore("other")  # several names
    with pytest.raises(KeyError, match="no checkpoint named 'missing'"):
        restore("missing")


def test_a_checkpoint_of_another_network_is_an_error_naming_the_difference(tmp_path):
    G, S, spikes, trace = _network()
    run(2 * ms)
    store("x", filename=str(tmp_path / "c.h5"))
    import distsim
    distsim.start_scope()
    G = NeuronGroup(31, "dv/dt = (1.2 - v)/(10*ms) : 1", name="g")
    with pytest.raises(ValueError, match="'g' has size 30 in the checkpoint, 31 in the network"):
        restore("x", filename=str(tmp_path / "c.h5"))
    with pytest.raises(KeyError, match="no checkpoint named 'y'"):
        restore("y", filename=str(tmp_path / "c.h5"))
    with pytest.raises(FileNotFoundError):
        restore("x", filename=str(tmp_path / "none.h5"))


@pytest.mark.mpi(min_size=2)
def test_a_misfit_is_an_error_on_every_rank(tmp_path):
    path = get_comm().bcast(str(tmp_path / "c.h5"), root=0)
    G = NeuronGroup(10, "v : 1", name="g")
    store("x", filename=path)
    import distsim
    distsim.start_scope()
    G = NeuronGroup(10, "v : 1\nu : 1", name="g")
    with pytest.raises((ValueError, CollectiveError), match="variables"):
        restore("x", filename=path)


INTERRUPTED = "tests/models/interrupted_model.py"


@pytest.mark.parametrize("signum, ranks, continued_on", [(signal.SIGUSR1, 2, 3),
                                                          (signal.SIGTERM, 3, 1)])
def test_a_signal_mid_run_writes_a_checkpoint_and_the_job_continues_exactly(
        tmp_path, signum, ranks, continued_on):
    full = mpirun(1, [INTERRUPTED, str(tmp_path / "full.npz"), str(tmp_path / "unused.h5"),
                      str(tmp_path / "m0")])
    assert full.returncode == 0, full.stdout + full.stderr
    checkpoint, marker = tmp_path / "ckpt.h5", tmp_path / "marker"
    job = subprocess.Popen(
        ["mpirun", "-n", str(ranks), sys.executable, INTERRUPTED,
         str(tmp_path / "part.npz"), str(checkpoint), str(marker)],
        cwd=ROOT, env=mpi_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and job.poll() is None:
        time.sleep(0.05)
    time.sleep(1.0)  # well into the run (2 s of biological time)
    # mpirun forwards SIGUSR1 to the ranks; SIGTERM goes to the ranks directly
    # (as SLURM sends it to every task of a step).
    targets = [job.pid] if signum == signal.SIGUSR1 else \
        [int(p) for p in subprocess.run(["pgrep", "-f", f"{INTERRUPTED} {tmp_path}"],
                                        capture_output=True, text=True).stdout.split()
         if int(p) != job.pid]
    for pid in targets:
        os.kill(pid, signum)
    try:
        stdout, stderr = job.communicate(timeout=240)
    finally:
        job.kill()
    assert job.returncode == 85, stdout + stderr
    assert "checkpoint 'default' written" in stdout, stdout
    assert checkpoint.exists() and not (tmp_path / "part.npz").exists()
    rest = mpirun(continued_on, [INTERRUPTED, str(tmp_path / "rest.npz"), str(checkpoint),
                                 str(tmp_path / "m2"), "continue"])
    assert rest.returncode == 0, rest.stdout + rest.stderr
    expected, continued = np.load(tmp_path / "full.npz"), np.load(tmp_path / "rest.npz")
    assert len(expected["i"]) > 1000
    for key in ("i", "t", "w", "t_end"):
        assert np.array_equal(continued[key], expected[key]), key


@pytest.mark.mpi(min_size=2)
def test_ranks_with_rings_of_different_lengths_write_one_checkpoint(tmp_path):
    # Each rank's ring buffer is as long as its own longest delay; the file's
    # dataset must still be the same on every rank (else parallel HDF5 hangs).
    path = get_comm().bcast(str(tmp_path / "rings.h5"), root=0)
    G = NeuronGroup(12, "dv/dt = (1.5 - v)/(5*ms) : 1", threshold="v > 1", reset="v = 0",
                    name="g")
    S = Synapses(G, G, on_pre="v_post += 0.1", name="s")
    S.connect(p=0.5)
    S.delay = "j*0.4*ms"  # the targets on higher ranks wait longer
    spikes = SpikeMonitor(G, name="m")
    run(6 * ms)
    store(filename=path)
    run(6 * ms)
    expected = (np.asarray(spikes.i), np.asarray(spikes.t_))
    restore(filename=path)
    run(6 * ms)
    assert np.array_equal(np.asarray(spikes.i), expected[0])
    assert np.array_equal(np.asarray(spikes.t_), expected[1])


def test_periodic_checkpoints_do_not_grow_the_file_and_other_names_are_kept(tmp_path):
    path = str(tmp_path / "c.h5")
    G, S, spikes, trace = _network()
    run(5 * ms)
    store("keep", filename=path)
    store(filename=path)
    size = os.path.getsize(path)
    for _ in range(3):
        run(1 * ms)
        store(filename=path)  # 'default' again: the file does not grow
    assert os.path.getsize(path) < 1.2 * size
    restore("keep", filename=path)  # still there
    other = tmp_path / "results.h5"
    other.write_bytes(b"not a checkpoint")
    with pytest.raises(FileExistsError, match="not a distsim checkpoint file"):
        store(filename=str(other))


@pytest.mark.parametrize("direct", [True, False])
def test_slabs_land_at_their_places_aligned_or_not(tmp_path, direct):
    """The checkpoint's slab writer: O_DIRECT for the page-aligned middle,
    buffered head and tail, values computed in two alternating buffers while
    the other is written; every byte where it belongs, nothing else touched."""
    import numpy as np
    from distsim.io.checkpoint_file import Computed
    from distsim.io.slab_writer import SlabWriter
    path = tmp_path / "slabs.bin"
    size = 3 * 2**20
    path.write_bytes(b"\xff" * size)
    rng = np.random.default_rng(2)
    expected = bytearray(b"\xff" * size)
    slabs = [(0, rng.random(1000)), (8001, rng.integers(0, 60000, 70000).astype(np.uint16)),
             (151234, rng.random((40000, 2))), (4096 * 200, rng.random(3)),
             (1 << 21, rng.integers(0, 9, 100000).astype(np.uint8))]
    with SlabWriter(str(path), 1 << 20) as writer:
        if not direct and writer.direct is not None:
            import os
            os.close(writer.direct)
            writer.direct = None
        for k, (position, values) in enumerate(slabs):
            expected[position:position + values.nbytes] = values.tobytes()
            if k % 2:
                writer.write(position, values)
            else:
                writer.write(position, Computed(values.dtype, values.shape,
                                                lambda out, v=values: out.__setitem__(..., v)))
    assert path.read_bytes() == bytes(expected)


def test_restoring_a_state_stored_before_any_recording_empties_the_monitors():
    # Brian2: store() at t = 0, run, restore() -> the monitors hold nothing
    # (a StateMonitor kept its data before).
    G, S, spikes, trace = _network()
    store("start")
    run(10 * ms)
    assert len(np.asarray(trace.t_)) == 100 and len(np.asarray(spikes.i)) > 0
    restore("start")
    assert len(np.asarray(trace.t_)) == 0 and np.asarray(trace.v).shape[1] == 0
    assert len(np.asarray(spikes.i)) == 0
    run(10 * ms)
    assert len(np.asarray(trace.t_)) == 100
