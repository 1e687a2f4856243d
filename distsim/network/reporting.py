"""Progress during a run (Brian2's ``report='text'`` or a function), on rank 0."""
import sys
import time

from ..parallel import get_comm
from ..units import Quantity, second


class Reporter:
    """Brian2-style progress lines, printed by rank 0 only."""

    def __init__(self, report, period, n_steps, dt, first_step=0):
        if not (report in (None, "text", "stdout", "stderr") or callable(report)):
            raise ValueError(f"report must be None, 'text', 'stdout', 'stderr' or a function, "
                             f"got {report!r}")
        self.enabled = report is not None and get_comm().Get_rank() == 0
        # Brian2's report function: report(elapsed, completed, start, duration).
        self.function = report if callable(report) else None
        self.stream = sys.stderr if report == "stderr" else sys.stdout
        self.period = period
        self.dt = dt
        self.n_steps = n_steps
        self.first_step = first_step
        self.start = time.perf_counter()
        self.next_report = self.start + period
        if self.function is not None and self.enabled:
            self._call(0.0, 0)
        elif self.enabled:
            print(f"Starting simulation of {n_steps * dt:g} s ({n_steps} steps) "
                  f"on {get_comm().Get_size()} rank(s).", file=self.stream, flush=True)

    def _call(self, elapsed, done):
        self.function(Quantity(elapsed, second.dim), done / self.n_steps if self.n_steps else 1.0,
                      Quantity(self.first_step * self.dt, second.dim),
                      Quantity(self.n_steps * self.dt, second.dim))

    def maybe_report(self, done):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now >= self.next_report:
            elapsed = now - self.start
            if self.function is not None:
                self._call(elapsed, done)
            else:
                remaining = elapsed / done * (self.n_steps - done)
                print(f"{done * self.dt:g} s ({100.0 * done / self.n_steps:.0f}%) simulated in "
                      f"{elapsed:.1f} s, estimated {remaining:.0f} s remaining.",
                      file=self.stream, flush=True)
            self.next_report = now + self.period

    def finish(self, n_steps, elapsed):
        if not self.enabled:
            return
        if self.function is not None:
            self._call(elapsed, n_steps)
        else:
            print(f"{n_steps * self.dt:g} s (100%) simulated in {elapsed:.1f} s.",
                  file=self.stream, flush=True)


