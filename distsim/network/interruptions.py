"""Checkpoints during a run: at a fixed interval of biological time, and when
the job is told to stop (SIGTERM, or SIGUSR1: what SLURM sends before the
time limit with ``#SBATCH --signal=USR1@120``).

A signal only sets a flag on the rank that receives it. Every
`SIGNAL_CHECK_STEPS` steps, at the end of a spike-exchange window, the
ranks agree (one allreduce) whether any of them was signalled; then all of
them write the checkpoint together at that same step, flush the results
file, and exit with `CHECKPOINT_EXIT_CODE`, so that a job script can tell
"interrupted, continue me" from success (0) and failure (anything else).
A checkpoint is only ever taken between two steps at the end of a window:
no spike is half-exchanged.
"""
from __future__ import annotations

import signal
import sys
import threading

from ..parallel import get_comm

#: The exit code of a run stopped by a signal after writing its checkpoint.
CHECKPOINT_EXIT_CODE = 85
#: Steps between two checks of whether a rank was signalled (one allreduce).
SIGNAL_CHECK_STEPS = 100
SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class RunCheckpoints:
    """The checkpoints of one run (a context manager: it installs the signal
    handlers for the run's duration).

    Parameters
    ----------
    network : Network
    filename : str
        The checkpoint file (checkpoint name 'default').
    interval_steps : int or None
        Steps between periodic checkpoints (None: only on a signal).
    first, stop : int
        The run's steps [first, stop).
    """

    name = "default"

    def __init__(self, network, filename, interval_steps, first, stop):
        self.network = network
        self.filename = filename
        self.interval_steps = interval_steps
        self.next_due = first + interval_steps if interval_steps else None
        self.stop = stop
        self.last_check = first
        self.received = 0
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        return False

    def _note(self, signum, frame):
        self.received = int(signum)

    def next_check(self):
        """The first step from which `at_window_end` may act (a loop may skip
        calling it at the window ends before)."""
        due = self.next_due if self.next_due is not None else self.stop
        return min(due, self.last_check + SIGNAL_CHECK_STEPS, self.stop)

    def at_window_end(self, next_step, dt):
        """Called by every rank when a window ended with the step before
        ``next_step``: checkpoint if one is due or a rank was signalled (then
        exit)."""
        due = self.next_due is not None and next_step >= self.next_due
        received = 0
        if due or next_step - self.last_check >= SIGNAL_CHECK_STEPS or next_step == self.stop:
            self.last_check = next_step
            received = get_comm().allreduce(self.received, op=_mpi_max())
        if not (due or received):
            return
        self.network.window.record_exchanged(next_step)
        self.network.store(self.name, self.filename)
        if due:
            self.next_due += self.interval_steps
        if received:
            if self.network.writer is not None and self.network.writer.is_open:
                self.network.close_output()
            if get_comm().Get_rank() == 0:
                print(f"distsim: {signal.Signals(received).name} received; checkpoint "
                      f"'{self.name}' written to '{self.filename}' at t = {next_step * dt:g} s. "
                      f"Exiting with code {CHECKPOINT_EXIT_CODE}; continue with "
                      f"restore(filename='{self.filename}') and run the remaining time.",
                      flush=True)
            sys.stdout.flush()
            raise SystemExit(CHECKPOINT_EXIT_CODE)


def _mpi_max():
    from mpi4py import MPI
    return MPI.MAX
