"""The job templates of slurm/, submitted for real to a one-machine SLURM
(scripts/slurm_stage starts it): exit codes, output files, and results
identical to a one-rank run; the long run continues exactly after SIGUSR1."""
import os
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import ROOT, mpi_env, mpirun

MODEL = os.path.join(ROOT, "tests/models/small_network.py")
INTERRUPTED = os.path.join(ROOT, "tests/models/interrupted_model.py")


def _env():
    # The job inherits this environment (sbatch --export=ALL): the clone,
    # and none of this process's own MPI variables.
    return mpi_env({"DISTSIM_ROOT": ROOT})


def sbatch(arguments, cwd, wait=True):
    command = ["sbatch", "--parsable"] + (["--wait"] if wait else []) + list(arguments)
    return subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=600)


def _spikes(filename):
    with h5py.File(filename, "r") as f:
        return f["spikes/cells/node_ids"][:], f["spikes/cells/timestamps"][:]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    directory = tmp_path_factory.mktemp("reference")
    result = mpirun(1, [MODEL, str(directory / "one_rank.h5")])
    assert result.returncode == 0, result.stderr
    return _spikes(directory / "one_rank.h5")


def _assert_same(filename, expected):
    ids, times = _spikes(filename)
    assert len(ids) > 100
    assert np.array_equal(ids, expected[0]) and np.array_equal(times, expected[1])


def test_run_sbatch_starts_the_ranks_with_srun(tmp_path, reference):
    result = sbatch(["--ntasks=2", "--output=job.out", os.path.join(ROOT, "slurm/run.sbatch"),
                     MODEL, "out.h5"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr + (tmp_path / "job.out").read_text()
    _assert_same(tmp_path / "out.h5", reference)
    with h5py.File(tmp_path / "out.h5", "r") as f:
        assert f["distsim"].attrs["n_ranks"] == 2


def test_run_mpirun_sbatch_starts_the_ranks_with_mpirun(tmp_path, reference):
    result = sbatch(["--ntasks=3", "--overcommit", "--output=job.out",
                     os.path.join(ROOT, "slurm/run_mpirun.sbatch"), MODEL, "out.h5"],
                    cwd=tmp_path)
    assert result.returncode == 0, result.stderr + (tmp_path / "job.out").read_text()
    _assert_same(tmp_path / "out.h5", reference)
    with h5py.File(tmp_path / "out.h5", "r") as f:
        assert f["distsim"].attrs["n_ranks"] == 3


def test_a_failing_job_fails_with_the_models_error(tmp_path):
    result = sbatch(["--ntasks=2", "--output=job.out", os.path.join(ROOT, "slurm/run.sbatch"),
                     MODEL, "/nonexistent-directory/out.h5"], cwd=tmp_path)
    assert result.returncode != 0
    assert "nonexistent-directory" in (tmp_path / "job.out").read_text()


def test_scan_sbatch_runs_one_task_per_index_each_with_its_results_file(tmp_path):
    result = sbatch(["--array=0-2", "--ntasks=1", os.path.join(ROOT, "slurm/scan.sbatch"),
                     MODEL, "unused"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    array_id = result.stdout.strip().split(";")[0]
    rates = []
    for index in range(3):
        produced = tmp_path / f"scan-{array_id}-{index}.h5"
        expected = tmp_path / f"expected-{index}.h5"
        assert mpirun(1, [MODEL, "unused", str(index), str(expected)]).returncode == 0
        _assert_same(produced, _spikes(expected))
        rates.append(len(_spikes(produced)[0]))
    assert rates[0] < rates[1] < rates[2]  # each task ran its own parameter


def test_long_run_sbatch_checkpoints_at_the_signal_resubmits_and_continues_exactly(tmp_path):
    full = mpirun(1, [INTERRUPTED, str(tmp_path / "full.npz"), str(tmp_path / "unused.h5"),
                      str(tmp_path / "m0")])
    assert full.returncode == 0, full.stderr
    marker = tmp_path / "marker"
    result = sbatch(["--ntasks=2", "--output=long-%j.out",
                     os.path.join(ROOT, "slurm/long_run.sbatch"), INTERRUPTED,
                     str(tmp_path / "out.npz"), str(tmp_path / "ckpt.h5"), str(marker), "auto"],
                    cwd=tmp_path, wait=False)
    assert result.returncode == 0, result.stderr
    first_job = result.stdout.strip()
    deadline = time.monotonic() + 300
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # well into the run
    # What SLURM does before the time limit with --signal=USR1@...
    subprocess.run(["scancel", "--signal=USR1", first_job], env=_env(), check=True)
    # The first job submits the continuation before it ends: the queue is
    # empty only when the chain is done.
    while subprocess.run(["squeue", "-h", "-n", "distsim-long"], env=_env(), capture_output=True,
                         text=True).stdout.strip() and time.monotonic() < deadline:
        time.sleep(0.5)
    logs = sorted(tmp_path.glob("long-*.out"))
    text = "".join(log.read_text() for log in logs)
    assert len(logs) == 2, text
    assert "checkpoint 'default' written" in text
    assert "submitting the continuation" in (tmp_path / f"long-{first_job}.out").read_text()
    expected, continued = np.load(tmp_path / "full.npz"), np.load(tmp_path / "out.npz")
    for key in ("i", "t", "w", "t_end"):
        assert np.array_equal(continued[key], expected[key]), key
