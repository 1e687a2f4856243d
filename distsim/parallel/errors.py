"""Turning an error on some ranks into the same error on every rank."""
import contextlib

from .comm import get_comm


class CollectiveError(RuntimeError):
    """Raised on ranks that did not fail themselves when another rank failed
    inside a `collective` block."""


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
