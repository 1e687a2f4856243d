"""Turning an error on some ranks into the same error on every rank."""
import contextlib
import sys

from .comm import get_comm


class CollectiveError(RuntimeError):
    """Raised on ranks that did not fail themselves when another rank failed
    inside a `collective` block."""

    raised_on_every_rank = True


@contextlib.contextmanager
def collective(description):
    """Run a block on all ranks; if it raises on any rank, raise on all.

    The failing rank re-raises its own exception; the other ranks raise a
    `CollectiveError` carrying the first failing rank's message. Every rank
    must enter the block (it ends with one collective call), so use it around
    phases that all ranks run: construction steps, ``before_run``, writing.
    """
    comm = get_comm()
    error = None
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - re-raised below on every rank
        error = exc
    message = None if error is None else f"{type(error).__name__}: {error}"
    messages = comm.allgather(message)
    if error is not None:
        raise error
    failed = [(r, m) for r, m in enumerate(messages) if m is not None]
    if failed:
        r, m = failed[0]
        raise CollectiveError(f"{description} failed on rank {r}: {m}")


def abort_from_parallel_io(error, message):
    """A rank whose parallel HDF5 write failed ends the job.

    Parallel HDF5's collective calls (dataset creation, resize, close) wait
    for every rank inside HDF5, where a `collective` block cannot reach them:
    a rank that fails there prints ``message`` and aborts the job instead of
    leaving the others waiting. One rank alone re-raises ``error``.
    """
    comm = get_comm()
    if comm.Get_size() == 1:
        raise error
    sys.stderr.write(f"[distsim rank {comm.Get_rank()}] {message}\nThe other ranks may be "
                     "waiting inside parallel HDF5: aborting the job.\n")
    sys.stderr.flush()
    comm.Abort(1)
