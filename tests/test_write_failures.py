"""Writing results when the disk or a rank's writes fail: a clear error,
never a hang, and the file keeps everything up to the last flush."""
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from conftest import ROOT, mpi_env, mpirun

STREAMED = "tests/models/streamed_run.py"


def _spikes(filename):
    with h5py.File(filename, "r") as f:
        return (f["spikes/neurongroup/node_ids"][:], f["spikes/neurongroup/timestamps"][:],
                float(f["distsim"].attrs["t_end"]))


def _assert_start_of(partial, complete):
    ids, times, t_end = partial
    all_ids, all_times, _ = complete
    n = int(np.sum(all_times < t_end))
    assert t_end > 0 and len(ids) == n
    assert np.array_equal(ids, all_ids[:n]) and np.array_equal(times, all_times[:n])


@pytest.fixture(scope="module")
def complete_streamed_run(tmp_path_factory):
    filename = str(tmp_path_factory.mktemp("complete") / "complete.h5")
    result = mpirun(1, [STREAMED, filename, "100"])
    assert result.returncode == 0, result.stderr
    return _spikes(filename)


@pytest.mark.parametrize("n_ranks", [2, 3])
def test_a_full_disk_is_a_clear_error_on_every_rank_and_keeps_the_file(
        tmp_path, complete_streamed_run, n_ranks):
    # A 3 MiB file system of its own (tmpfs, in a private mount namespace so
    # that nothing outlives the test) fills up during the run.
    disk = tmp_path / "disk"
    disk.mkdir()
    output = disk / "out.h5"
    inside = (f"mount -t tmpfs -o size=3m tmpfs {disk} && "
              f"timeout 120 mpirun -n {n_ranks} {sys.executable} {STREAMED} {output} 100; "
              f"code=$?; cp {output} {tmp_path}/kept.h5; exit $code")
    started = time.time()
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                             inside], cwd=ROOT, env=mpi_env(), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode not in (0, 124), result.stderr
    assert time.time() - started < 120
    message = "the disk holding the results file"
    assert message in result.stderr and "MiB free" in result.stderr, result.stderr
    assert "holds everything up to the last flush" in result.stderr
    # Every rank raised it (before writing anything), none waited in HDF5.
    assert result.stderr.count("[Errno 28]") >= 1
    _assert_start_of(_spikes(str(tmp_path / "kept.h5")), complete_streamed_run)


def test_a_write_failing_on_one_rank_aborts_the_job_at_once_and_keeps_the_file(tmp_path):
    complete = str(tmp_path / "complete.h5")
    assert mpirun(1, ["tests/models/failing_flush.py", complete]).returncode == 0
    for n_ranks in (2, 3):
        output = str(tmp_path / f"failed{n_ranks}.h5")
        started = time.time()
        result = mpirun(n_ranks, ["tests/models/failing_flush.py", output], timeout=60)
        assert result.returncode not in (0, 124), result.stderr
        assert time.time() - started < 30
        assert "[distsim rank 1] writing results to" in result.stderr
        assert "injected on rank 1" in result.stderr and "aborting the job" in result.stderr
        partial = _spikes(output)
        assert 10 <= partial[2] < 100
        _assert_start_of(partial, _spikes(complete))


def test_a_script_that_never_calls_save_leaves_a_complete_file(tmp_path):
    # The results file of run(..., output=...) is closed by all ranks
    # together at the end of the script (parallel HDF5 failed at exit before).
    script = tmp_path / "no_save.py"
    output = tmp_path / "out.h5"
    script.write_text(
        "from distsim import *\nseed(1)\n"
        "G = NeuronGroup(100, 'dv/dt = (1.2 - v)/(10*ms) : 1', threshold='v > 1', "
        "reset='v = 0', method='exact')\n"
        "G.v = 'rand()'\n"
        "spikes = SpikeMonitor(G)\n"
        f"run(50*ms, output={str(output)!r}, flush_interval=10*ms)\n")
    for n_ranks in (1, 2, 3):
        result = mpirun(n_ranks, [str(script)], timeout=60)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        ids, times, t_end = _spikes(str(output))
        assert t_end == pytest.approx(50.0) and len(ids) > 100
        if n_ranks == 1:
            reference = (ids, times)
        else:
            assert np.array_equal(ids, reference[0]) and np.array_equal(times, reference[1])


CHECKPOINTED = """
import sys
from distsim import *
seed(3)
G = NeuronGroup(2000, "dv/dt = (1.1 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                method="exact")
G.v = "rand()"
S = Synapses(G, G, "w : 1", on_pre="v_post += w")
S.connect(p=0.05)
S.w = "0.01*rand()"
run(5*ms)
store("first", filename=sys.argv[1])
run(5*ms)
store("second", filename=sys.argv[1])
"""


def test_a_checkpoint_that_does_not_fit_is_a_clear_error_and_keeps_the_previous_one(tmp_path):
    script = tmp_path / "checkpointed.py"
    script.write_text(CHECKPOINTED)
    roomy = tmp_path / "roomy.h5"
    assert mpirun(2, [str(script), str(roomy)], timeout=120).returncode == 0
    with h5py.File(roomy, "r") as f:
        assert sorted(f.keys()) == ["first", "second"]
    # Room for the first checkpoint, not for the file holding both.
    size_kib = (roomy.stat().st_size // 2 + (1 << 20) + (256 << 10)) // 1024
    disk = tmp_path / "disk"
    disk.mkdir()
    checkpoint = disk / "ckpt.h5"
    inside = (f"mount -t tmpfs -o size={size_kib}k tmpfs {disk} && "
              f"timeout 120 mpirun -n 3 {sys.executable} {script} {checkpoint}; "
              f"code=$?; cp {checkpoint} {tmp_path}/kept.h5; ls {disk} > {tmp_path}/ls; "
              "exit $code")
    result = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                             inside], cwd=ROOT, env=mpi_env(), capture_output=True, text=True,
                            timeout=180)
    assert result.returncode not in (0, 124), result.stderr
    assert "the checkpoint needs" in result.stderr and "MiB free" in result.stderr
    assert "[Errno 28]" in result.stderr
    assert (tmp_path / "ls").read_text().split() == ["ckpt.h5"]  # no half-written file
    with h5py.File(tmp_path / "kept.h5", "r") as kept, h5py.File(roomy, "r") as reference:
        assert list(kept.keys()) == ["first"]
        for path in ("first",):
            names = []
            reference[path].visit(names.append)
            for name in names:
                if isinstance(reference[path][name], h5py.Dataset):
                    assert np.array_equal(kept[path][name][()], reference[path][name][()])
