"""Shared test fixtures: a fresh scope, clock and seed for every test."""
import os
import subprocess
import sys

import pytest

import distsim
from distsim.core.clock import defaultclock
from distsim.parallel.startup import quick_start_environment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# tests/slurm_stage needs a running SLURM, tests/two_node_stage two emulated
# nodes: scripts/slurm_stage and scripts/two_node_stage set them up and run
# them (stages of scripts/test).
collect_ignore = [stage for stage, flag in (("slurm_stage", "DISTSIM_SLURM_STAGE"),
                                            ("two_node_stage", "DISTSIM_TWO_NODE_STAGE"))
                  if not os.environ.get(flag)]


@pytest.fixture(autouse=True)
def fresh_scope():
    distsim.start_scope()
    defaultclock.dt = 0.1 * distsim.ms
    defaultclock.timestep = 0
    distsim.seed(12345)
    distsim.prefs.codegen.target = "cython"
    yield
    distsim.prefs.codegen.target = "cython"
    distsim.start_scope()


def mpi_env(extra_env=None):
    """A clean environment for starting mpirun from a test (this test process
    may itself be an MPI singleton), with ``extra_env`` set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OMPI_COMM_WORLD", "PMIX_", "OMPI_MCA_ess", "OMPI_MCA_orte",
                                "OMPI_MCA_pmix", "OMPI_FILE_LOCATION", "OMPI_UNIVERSE"))}
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_mpi_yield_when_idle="1",
               OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    env.update(quick_start_environment())  # (PMIX_ variables were dropped above)
    env.update(extra_env or {})
    return env


def mpirun(n, args, timeout=300, cwd=None, extra_env=None):
    """Run ``python args...`` under ``mpirun -n n`` in a clean MPI environment,
    with ``extra_env`` set."""
    env = mpi_env(extra_env)
    cmd = ["timeout", str(timeout), "mpirun", "-n", str(n), sys.executable] + list(args)
    return subprocess.run(cmd, env=env, cwd=cwd or ROOT, capture_output=True, text=True,
                          timeout=timeout + 30)
