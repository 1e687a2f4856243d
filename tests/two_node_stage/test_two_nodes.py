"""Ranks on two emulated nodes (network namespaces, TCP only; started by
scripts/two_node_stage) give the results of one rank, write one results
file together, and each node compiles its kernels into its own cache."""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import ROOT, mpi_env, mpirun

WORK = os.environ.get("DISTSIM_TWO_NODES", "")
NODES = os.environ.get("DISTSIM_NODE_NAMES", "").split()
SUBNET = os.environ.get("DISTSIM_NODE_SUBNET", "")


def on_two_nodes(n_ranks, arguments, timeout=600):
    """``python arguments`` on ``n_ranks`` ranks spread over the two nodes
    (mpirun in the first node's namespace, the agent starts the second's)."""
    command = ["ip", "netns", "exec", NODES[0], "timeout", str(timeout), "mpirun",
               "--hostfile", f"{WORK}/hosts", "-n", str(n_ranks), "--map-by", "node",
               "--mca", "plm_rsh_agent", f"{WORK}/agent", "--mca", "btl", "tcp,self",
               "--mca", "btl_tcp_if_include", SUBNET, "--mca", "oob_tcp_if_include", SUBNET,
               "-x", "PATH", "-x", "PYTHONPATH", "-x", "OMP_NUM_THREADS",
               "-x", "OMPI_MCA_mpi_yield_when_idle", sys.executable] + list(arguments)
    env = mpi_env({"DISTSIM_CACHE": f"{WORK}/cache-{NODES[0]}"})
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout + 60)


def _spikes(filename):
    with h5py.File(filename, "r") as f:
        return {name: (f[f"spikes/{name}/node_ids"][:], f[f"spikes/{name}/timestamps"][:])
                for name in f["spikes"]}, int(f["distsim"].attrs["n_ranks"])


def test_the_ranks_run_in_both_namespaces_and_talk_over_tcp():
    probe = ("import os; from mpi4py import MPI; c = MPI.COMM_WORLD; "
             "print(c.Get_rank(), os.readlink('/proc/self/ns/net'), "
             "c.allreduce(c.Get_rank()), flush=True)")
    result = on_two_nodes(2, ["-c", probe], timeout=120)
    assert result.returncode == 0, result.stderr
    lines = sorted(result.stdout.split("\n")[:-1])
    assert len(lines) == 2
    namespaces = {line.split()[1] for line in lines}
    assert len(namespaces) == 2  # two different network namespaces
    assert all(line.split()[2] == "1" for line in lines)  # they communicated


@pytest.mark.parametrize("model, arguments", [
    ("tests/models/small_network.py", []),
    ("examples/microcircuit.py", ["--scale", "0.1", "--duration", "0.1", "--report", ""]),
])
def test_results_on_two_nodes_equal_one_rank(tmp_path, model, arguments):
    def output_args(name):
        path = str(tmp_path / name)
        return (arguments + ["--output", path] if "microcircuit" in model else [path]), path

    args, one = output_args("one.h5")
    assert mpirun(1, [model] + args).returncode == 0
    args, two = output_args("two_nodes.h5")
    result = on_two_nodes(2, [model] + args)
    assert result.returncode == 0, result.stderr
    expected, _ = _spikes(one)
    produced, n_ranks = _spikes(two)
    assert n_ranks == 2 and expected.keys() == produced.keys()
    assert sum(len(ids) for ids, _ in expected.values()) > 100
    for name, (ids, times) in expected.items():
        assert np.array_equal(ids, produced[name][0]) and np.array_equal(times, produced[name][1])
    # Each node compiled the model's kernels into its own cache.
    for node in NODES:
        kernels = os.path.join(WORK, f"cache-{node}", "kernels")
        assert os.path.isdir(kernels) and os.listdir(kernels), node


def test_the_rank_independence_network_on_two_nodes_equals_one_rank(tmp_path):
    # Every connect form, indexing form, delays, subgroups, plasticity and
    # inputs (tests/test_rank_independence.py), with 4 ranks on the 2 nodes.
    model = "tests/models/synapse_forms.py"
    assert mpirun(1, [model, str(tmp_path / "one")]).returncode == 0
    result = on_two_nodes(4, [model, str(tmp_path / "two_nodes")])
    assert result.returncode == 0, result.stderr
    expected, produced = np.load(tmp_path / "one.npz"), np.load(tmp_path / "two_nodes.npz")
    assert set(expected.files) == set(produced.files) and len(expected.files) > 20
    for key in expected.files:
        assert np.array_equal(expected[key], produced[key]), key
