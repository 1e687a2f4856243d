"""The communicator distsim runs on (MPI.COMM_WORLD unless told otherwise)."""
import sys
import time
import traceback

from .workers import check_may_communicate, remember_ranks

_comm = None

# How long a rank that fails together with all the others waits before it
# aborts the job, so that every rank's message is printed.
ABORT_GRACE_SECONDS = 0.5


def get_comm():
    """Return the MPI communicator, importing mpi4py on first use.

    On first use with more than one rank, an uncaught exception on any rank
    aborts the whole job (after printing its traceback) instead of leaving the
    other ranks waiting forever in a collective, and the end of the script is
    checked like a collective call (parallel/guard.py): a rank still waiting
    in one learns that the others have finished.
    """
    global _comm
    check_may_communicate(_comm is not None)
    if _comm is None:
        from mpi4py import MPI
        _comm = MPI.COMM_WORLD
        remember_ranks(_comm.Get_rank(), _comm.Get_size())
        if _comm.Get_size() > 1:
            _install_abort_on_uncaught_exception(_comm)
            from .guard import install_exit_check
            install_exit_check()
    return _comm


def set_comm(comm):
    """Run distsim on another communicator (e.g. a sub-communicator)."""
    global _comm
    _comm = comm
    if comm is not None:
        remember_ranks(comm.Get_rank(), comm.Get_size())


def rank():
    return get_comm().Get_rank()


def size():
    return get_comm().Get_size()


def _install_abort_on_uncaught_exception(comm):
    previous_hook = sys.excepthook

    def abort_all_ranks(exc_type, exc, tb):
        sys.stderr.write(f"[distsim rank {comm.Get_rank()}] uncaught exception, "
                         "aborting all ranks:\n")
        traceback.print_exception(exc_type, exc, tb)
        sys.stderr.flush()
        if exc_type is KeyboardInterrupt:
            previous_hook(exc_type, exc, tb)
        if getattr(exc, "raised_on_every_rank", False):
            # The others are raising it too: let them print it before the
            # abort ends them (a user should see it from every rank).
            time.sleep(ABORT_GRACE_SECONDS)
        comm.Abort(1)

    sys.excepthook = abort_all_ranks
