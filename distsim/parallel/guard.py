"""Collectives the script triggers, checked: a clear error instead of a hang.

Reading ``G.v[:]``, ``len(S)`` before the synapses are built, ``run()`` and
``save()`` communicate: every rank must make the same call. A script that
makes one of them on one rank only (``if rank() == 0: print(S.w[:])``)
would wait forever. `collective_call` first lets the ranks agree on what
they are doing (a non-blocking allgather of the call's description):

- all ranks in the same call: it proceeds (costs one small allgather);
- ranks in different calls (one rank reading ``S.w``, the others already
  in ``run()`` or at the end of the script): every rank raises
  `CollectiveMismatchError` naming what each rank was doing, at once;
- other ranks busy elsewhere: after ``DISTSIM_COLLECTIVE_WARN`` seconds (10)
  a line on stderr says which call waits, and after
  ``DISTSIM_COLLECTIVE_TIMEOUT`` seconds (600; a rank may be building its
  share of a large network meanwhile) it raises `CollectiveTimeoutError`.

Only the outermost call checks: distsim's own collectives inside it are
made by all ranks in the same order by construction.
"""
import atexit
import contextlib
import os
import sys
import threading
import time

import numpy as np

from .comm import get_comm

DESCRIPTION_BYTES = 120
_state = threading.local()


class CollectiveMismatchError(RuntimeError):
    """Ranks made different collective calls (one rank called alone)."""


class CollectiveTimeoutError(RuntimeError):
    """The other ranks did not join a collective call in time."""


def _seconds(variable, default):
    try:
        return float(os.environ.get(variable, default))
    except ValueError:
        return float(default)


def _agree(comm, description):
    """Every rank's description of the call it is in (a non-blocking
    allgather, polled so that a rank waiting alone can say so)."""
    from mpi4py import MPI
    mine = np.zeros(DESCRIPTION_BYTES, dtype=np.uint8)
    encoded = description.encode("utf-8", "replace")[:DESCRIPTION_BYTES]
    mine[:len(encoded)] = np.frombuffer(encoded, dtype=np.uint8)
    everyone = np.zeros((comm.Get_size(), DESCRIPTION_BYTES), dtype=np.uint8)
    request = comm.Iallgather([mine, MPI.BYTE], [everyone, MPI.BYTE])
    warn_after = _seconds("DISTSIM_COLLECTIVE_WARN", 10)
    give_up_after = _seconds("DISTSIM_COLLECTIVE_TIMEOUT", 600)
    started = time.monotonic()
    pause, warned = 1e-5, False
    while not request.Test():
        waited = time.monotonic() - started
        if not warned and waited > warn_after:
            sys.stderr.write(f"[distsim rank {comm.Get_rank()}] waiting {waited:.0f} s for the "
                             f"other ranks in '{description}' (a collective call: every rank "
                             "must make it)\n")
            sys.stderr.flush()
            warned = True
        if waited > give_up_after:
            raise CollectiveTimeoutError(
                f"rank {comm.Get_rank()}: the other ranks did not join '{description}' within "
                f"{give_up_after:g} s; it is a collective call, which every rank must make "
                "(was it called on some ranks only?)")
        time.sleep(pause)
        pause = min(pause * 2, 0.01)
    return [bytes(row).rstrip(b"\0").decode("utf-8", "replace") for row in everyone]


@contextlib.contextmanager
def collective_call(description):
    """Mark a block as a collective call the script made (see the module's
    docstring); nested blocks check only at the outermost one."""
    depth = getattr(_state, "depth", 0)
    comm = get_comm()
    if depth == 0 and comm.Get_size() > 1:
        descriptions = _agree(comm, description)
        if len(set(descriptions)) > 1:
            doing = "; ".join(f"rank {r}: '{d}'" for r, d in enumerate(descriptions))
            raise CollectiveMismatchError(
                f"the ranks made different collective calls ({doing}). Every rank must make "
                "the same calls in the same order: a call such as reading a variable "
                "(G.v[:]), len(S) or run() communicates, so do not make it on some ranks only")
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth


def _at_exit():
    # A rank still waiting in a collective call learns that the others have
    # finished the script (instead of waiting for its timeout).
    try:
        with collective_call("the end of the script"):
            pass
    except CollectiveMismatchError as exc:
        sys.stderr.write(f"[distsim rank {get_comm().Get_rank()}] {exc}\n")


def install_exit_check():
    """Check at exit that all ranks end the script together (more than one rank)."""
    if not getattr(install_exit_check, "done", False) and get_comm().Get_size() > 1:
        atexit.register(_at_exit)
        install_exit_check.done = True
