"""Processes that multiprocessing starts from an MPI rank (a Pool's workers).

A parameter sweep over a ``multiprocessing.Pool`` (as Brian2's
Maass_Natschlaeger_Markram_2002 example runs one) works on one process. In
an MPI job it cannot: a worker forked from one of several ranks inherits the
rank's MPI state but cannot join the ranks' collective calls (it crashed
inside MPI and the ranks hung), and a worker spawned inside the job inherits
the rank's MPI environment, so its MPI cannot start (the Pool replaced the
dying worker forever). Both now get `ForkedRankError`, which the Pool hands
to every rank's script: a clear error, no hang. Forked workers of a single
process (``python script.py`` or 1 rank) simulate on their own, as before.
"""
from __future__ import annotations

import os
import sys

#: Set by mpirun/srun for each rank (OpenMPI, MPICH/PMI, PMIx).
MPI_JOB_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK")
#: The pid of the rank (started by mpirun/srun) that a process descends from.
RANK_PID_VARIABLE = "DISTSIM_MPI_RANK_PID"

_ranks = None        # (rank, ranks) of the communicator in use, read once
_forked_from = None  # the same, in a process forked from one of several ranks


class ForkedRankError(RuntimeError):
    """A process that multiprocessing started from an MPI rank tried to use
    distsim's communication (it cannot join the ranks' collective calls)."""

    # Each rank's workers raise it: let every rank print it before the abort.
    raised_on_every_rank = True


def remember_ranks(rank: int, ranks: int) -> None:
    """The communicator's rank and size, for the processes forked later (no
    MPI call is safe in them)."""
    global _ranks
    _ranks = (rank, ranks)


def _note_fork() -> None:
    global _forked_from
    if _ranks is not None and _ranks[1] > 1:
        _forked_from = _ranks


os.register_at_fork(after_in_child=_note_fork)


def _is_multiprocessing_worker() -> bool:
    """Whether multiprocessing started this process (a Pool's worker, also
    while it imports the main module)."""
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return False
    return multiprocessing.parent_process() is not None or \
        bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def mark_mpi_rank() -> None:
    """In a rank that mpirun/srun started, before MPI starts (a singleton MPI
    sets the same variables later): its pid, for the processes it starts."""
    if "mpi4py.MPI" not in sys.modules and not _is_multiprocessing_worker() and \
            any(name in os.environ for name in MPI_JOB_VARIABLES):
        os.environ[RANK_PID_VARIABLE] = str(os.getpid())


def _started_inside_mpi_job() -> bool:
    """A worker that multiprocessing started (spawn, forkserver, or a fork
    before MPI started) from a rank of an MPI job."""
    rank_pid = os.environ.get(RANK_PID_VARIABLE)
    return rank_pid is not None and rank_pid != str(os.getpid()) and \
        "mpi4py.MPI" not in sys.modules and _is_multiprocessing_worker()


def check_may_communicate(mpi_started: bool) -> None:
    """Raise `ForkedRankError` in a worker that cannot use MPI (see the
    module's docstring). Cheap: called by every `get_comm`."""
    if _forked_from is not None:
        rank, ranks = _forked_from
        raise ForkedRankError(
            f"this process was forked (multiprocessing, e.g. a Pool) from MPI rank {rank} of "
            f"{ranks}: a forked process cannot take part in the ranks' collective calls, so it "
            "cannot run, build or read a network spread over them. Run the sweep's "
            "simulations one after another in the script (each one spread over all ranks), "
            "or run the script on 1 rank, where a Pool's workers simulate on their own")
    if not mpi_started and _started_inside_mpi_job():
        raise ForkedRankError(
            "this process was started by multiprocessing (e.g. a Pool) inside an MPI job "
            "(mpirun/srun): MPI cannot start in it, so it cannot simulate. Run the sweep's "
            "simulations one after another in the script (each one spread over all ranks), "
            "or run the script without mpirun (python script.py), where a Pool's workers "
            "simulate on their own")


mark_mpi_rank()
