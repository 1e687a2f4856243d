"""Progress lines during a run (Brian2's ``report='text'``), printed by rank 0."""
import sys
import time

from ..parallel import get_comm


class Reporter:
    """Brian2-style progress lines, printed by rank 0 only."""

    def __init__(self, report, period, n_steps, dt):
        self.enabled = report in ("text", "stdout", "stderr") and get_comm().Get_rank() == 0
        self.stream = sys.stderr if report == "stderr" else sys.stdout
        self.period = period
        self.dt = dt
        self.n_steps = n_steps
        self.start = time.perf_counter()
        self.next_report = self.start + period
        if report not in (None, "text", "stdout", "stderr"):
            raise ValueError(f"report must be None, 'text', 'stdout' or 'stderr', got {report!r}")
        if self.enabled:
            print(f"Starting simulation of {n_steps * dt:g} s ({n_steps} steps) "
                  f"on {get_comm().Get_size()} rank(s).", file=self.stream, flush=True)

    def maybe_report(self, done):
        if not self.enabled:
            return
        now = time.perf_counter()
        if now >= self.next_report:
            elapsed = now - self.start
            remaining = elapsed / done * (self.n_steps - done)
            print(f"{done * self.dt:g} s ({100.0 * done / self.n_steps:.0f}%) simulated in "
                  f"{elapsed:.1f} s, estimated {remaining:.0f} s remaining.",
                  file=self.stream, flush=True)
            self.next_report = now + self.period

    def finish(self, n_steps, elapsed):
        if self.enabled:
            print(f"{n_steps * self.dt:g} s (100%) simulated in {elapsed:.1f} s.",
                  file=self.stream, flush=True)


