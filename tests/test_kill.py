"""A run killed with SIGKILL after a flush leaves a readable file that holds
everything up to that flush."""
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import ROOT, mpirun


def test_killed_run_leaves_the_flushed_spikes(tmp_path):
    complete = str(tmp_path / "complete.h5")
    result = mpirun(2, ["tests/models/streamed_run.py", complete, "4"])
    assert result.returncode == 0, result.stderr
    with h5py.File(complete, "r") as f:
        all_ids = f["spikes/neurongroup/node_ids"][:]
        all_times = f["spikes/neurongroup/timestamps"][:]
    assert len(all_ids) > 100

    killed = str(tmp_path / "killed.h5")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", PYTHONPATH=ROOT)
    env = {k: v for k, v in env.items() if not k.startswith(("OMPI_COMM_WORLD", "PMIX_"))}
    process = subprocess.Popen(["mpirun", "-n", "2", sys.executable, "tests/models/streamed_run.py",
                                killed, "100000"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        deadline = time.time() + 120
        for line in process.stdout:
            if line.startswith("chunk 1") or time.time() > deadline:
                break
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    with h5py.File(killed, "r") as f:
        ids = f["spikes/neurongroup/node_ids"][:]
        times = f["spikes/neurongroup/timestamps"][:]
        t_end = f["distsim"].attrs["t_end"]
    # At least the two announced chunks (40 ms) are there, and what is there
    # is exactly the start of the complete run.
    assert t_end >= 40.0
    assert len(ids) >= np.sum(all_times < 40.0)
    n = min(len(ids), len(all_ids))
    assert np.array_equal(ids[:n], all_ids[:n]) and np.array_equal(times[:n], all_times[:n])
    assert np.all(times < t_end)


def test_a_rank_killed_mid_run_does_not_leave_the_others_waiting(tmp_path):
    # OpenMPI's mpirun notices a rank that dies and ends the job: the other
    # ranks (busy in the spike exchange) do not wait for it forever.
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", PYTHONPATH=ROOT)
    env = {k: v for k, v in env.items() if not k.startswith(("OMPI_COMM_WORLD", "PMIX_"))}
    marker = tmp_path / "marker"
    script = "tests/models/interrupted_model.py"
    process = subprocess.Popen(["mpirun", "-n", "3", sys.executable, script,
                                str(tmp_path / "out.npz"), str(tmp_path / "ckpt.h5"),
                                str(marker)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 120
        while not marker.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        ranks = [int(p) for p in subprocess.run(["pgrep", "-f", f"{script} {tmp_path}"],
                                                capture_output=True, text=True).stdout.split()
                 if int(p) != process.pid]
        assert len(ranks) == 3
        os.kill(ranks[1], signal.SIGKILL)
        killed_at = time.time()
        returncode = process.wait(timeout=60)
        assert returncode != 0 and time.time() - killed_at < 30
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert not (tmp_path / "out.npz").exists()


@pytest.mark.parametrize("n_ranks", [2, 3])
def test_an_exception_in_user_code_on_one_rank_ends_the_job_within_seconds(tmp_path, n_ranks):
    # Rank 1 fails in the script while the others enter run(): they must not
    # wait for it in the spike exchange.
    script = tmp_path / "fails_on_rank_1.py"
    script.write_text("from distsim import *\n"
                      "from distsim.parallel import rank\n"
                      "G = NeuronGroup(100, 'dv/dt = (2 - v)/(10*ms) : 1', threshold='v > 1', "
                      "reset='v = 0', method='exact')\n"
                      "if rank() == 1:\n"
                      "    raise RuntimeError('user code failed on rank 1')\n"
                      "run(10*second)\n")
    started = time.time()
    result = mpirun(n_ranks, [str(script)], timeout=60)
    assert result.returncode not in (0, 124) and time.time() - started < 30
    assert "[distsim rank 1] uncaught exception, aborting all ranks" in result.stderr
    assert "RuntimeError: user code failed on rank 1" in result.stderr
