"""The distsim command: run (a script under mpirun with the right
environment), --version and --help for each command (info and plot are
tested with the results file, test_results_file.py)."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

import distsim
from conftest import ROOT, mpi_env, mpirun
from distsim.launch import mpirun_command

MODEL = "tests/models/small_network.py"


def distsim_command(*arguments, timeout=300):
    # The command as installed (pyproject's entry point) runs distsim.cli.main.
    return subprocess.run([sys.executable, "-m", "distsim.cli", *arguments], cwd=ROOT,
                          env=mpi_env(), capture_output=True, text=True, timeout=timeout)


def _spikes(filename):
    with h5py.File(filename, "r") as f:
        return f["spikes/cells/node_ids"][:], f["spikes/cells/timestamps"][:], \
            int(f["distsim"].attrs["n_ranks"])


def test_distsim_run_runs_the_script_on_n_ranks_with_the_same_results(tmp_path):
    assert mpirun(1, [MODEL, str(tmp_path / "one.h5")]).returncode == 0
    result = distsim_command("run", MODEL, "-n", "3", "--", str(tmp_path / "three.h5"))
    assert result.returncode == 0, result.stderr
    one, three = _spikes(tmp_path / "one.h5"), _spikes(tmp_path / "three.h5")
    assert three[2] == 3 and len(one[0]) > 100
    assert np.array_equal(one[0], three[0]) and np.array_equal(one[1], three[1])


def test_distsim_run_passes_the_script_its_exit_code(tmp_path):
    script = tmp_path / "fails.py"
    script.write_text("import sys\nsys.exit(3)\n")
    assert distsim_command("run", str(script), "-n", "2").returncode != 0
    assert distsim_command("run", str(tmp_path / "missing.py")).returncode == 2


def test_the_environment_allows_root_and_oversubscription_only_when_needed():
    cores = os.cpu_count()
    command, env = mpirun_command("model.py", cores + 1, ["--scale", "0.1"], environ={})
    assert command == ["mpirun", "-n", str(cores + 1), sys.executable, "model.py", "--scale",
                       "0.1"]
    assert env["OMPI_MCA_rmaps_base_oversubscribe"] == "1" and env["OMP_NUM_THREADS"] == "1"
    assert ("OMPI_ALLOW_RUN_AS_ROOT" in env) == (os.geteuid() == 0)
    _, env = mpirun_command("model.py", 1, [], environ={})
    assert "OMPI_MCA_rmaps_base_oversubscribe" not in env
    command, env = mpirun_command("model.py", 8, [], hostfile="hosts", environ={})
    assert command[3:5] == ["--hostfile", "hosts"]
    assert "OMPI_MCA_rmaps_base_oversubscribe" not in env  # the hostfile decides
    with pytest.raises(ValueError, match="at least 1"):
        mpirun_command("model.py", 0, [])
    dry = distsim_command("run", MODEL, "-n", "2", "--dry-run", "--", "out.h5")
    assert dry.returncode == 0 and f"mpirun -n 2 {sys.executable} {MODEL} out.h5" in dry.stdout


def test_version_and_help():
    version = distsim_command("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"distsim {distsim.__version__}"
    top = distsim_command("--help")
    assert top.returncode == 0 and "usage: distsim" in top.stdout
    for command in ("run", "info", "plot"):
        assert command in top.stdout
        shown = distsim_command(command, "--help")
        assert shown.returncode == 0 and f"usage: distsim {command}" in shown.stdout
    assert "--ranks" in distsim_command("run", "--help").stdout
    wrong = distsim_command("rnu")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr
