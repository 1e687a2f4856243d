"""``distsim run``: a model script under mpirun, with the environment the
ranks need (what scripts/_common.sh sets for the project's own runs).

- ``OMP_NUM_THREADS=1``: numpy's BLAS threads would fight the ranks for cores.
- As root, OpenMPI's two consent variables (it refuses root without them).
- More ranks than cores (and no hostfile): oversubscription allowed, and
  ranks that yield the core when idle, so that they do not spin on each
  other's cores.
"""
from __future__ import annotations

import os
import shutil
import sys


def mpirun_command(script: str, ranks: int, script_args: list[str],
                   hostfile: str | None = None, python: str = sys.executable,
                   environ: dict | None = None,
                   as_brian2: bool = False) -> tuple[list[str], dict]:
    """The mpirun command line and environment that run ``script`` on
    ``ranks`` ranks with this Python (the venv distsim is installed in);
    ``as_brian2``: through distsim.as_brian2 (``import brian2`` gives distsim)."""
    if ranks < 1:
        raise ValueError(f"the number of ranks must be at least 1, got {ranks}")
    env = dict(os.environ if environ is None else environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if hostfile is None and ranks > (os.cpu_count() or 1):
        env.update(OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_mpi_yield_when_idle="1")
    command = ["mpirun", "-n", str(ranks)]
    if hostfile is not None:
        command += ["--hostfile", hostfile]
    runner = [python, "-m", "distsim.as_brian2"] if as_brian2 else [python]
    return command + runner + [script] + list(script_args), env


def run_script(script: str, ranks: int, script_args: list[str], hostfile: str | None = None,
               dry_run: bool = False, as_brian2: bool = False) -> int:
    """Run ``script`` under mpirun (replacing this process); print the
    command instead with ``dry_run``. Returns an exit code on errors."""
    if not os.path.isfile(script):
        print(f"distsim run: no such script: '{script}'", file=sys.stderr)
        return 2
    if shutil.which("mpirun") is None:
        print("distsim run: mpirun not found; install OpenMPI (bash scripts/setup does)",
              file=sys.stderr)
        return 2
    command, env = mpirun_command(script, ranks, script_args, hostfile, as_brian2=as_brian2)
    if dry_run:
        changed = {k: v for k, v in env.items() if os.environ.get(k) != v}
        print(" ".join(f"{k}={v}" for k, v in sorted(changed.items())), " ".join(command))
        return 0
    sys.stdout.flush()
    os.execvpe(command[0], command, env)
