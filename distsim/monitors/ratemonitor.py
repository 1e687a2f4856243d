"""PopulationRateMonitor: the instantaneous rate of a group (Brian2's
``PopulationRateMonitor``), from the exchanged spikes (the same on every rank)."""
import numpy as np

from ..groups import NeuronPopulation
from ..parallel import block_range
from ..units import Quantity, get_dimensions, hertz, second
from ..io.checkpoint_file import Replicated
from .base import (Monitor, append_replicated, appended_bytes, create_rows,
                   spike_recording_slot)


class PopulationRateMonitor(Monitor):
    """Fraction of ``source`` spiking per time step, divided by dt (Brian2's
    ``PopulationRateMonitor``): ``rate`` and ``t``, the same on every rank.

    Parameters
    ----------
    source : NeuronGroup or subgroup
    name : str, optional
    when, order : optional
        The slot (default 'end', as Brian2): any slot from the thresholds on.
    """

    def __init__(self, source, name="ratemonitor*", when=None, order=0, codeobj_class=None,
                 dtype=None):
        super().__init__(name)
        self.when = spike_recording_slot("end" if when is None else when,
                                         f"PopulationRateMonitor '{self.name}'")
        self.order = order
        if not isinstance(source, NeuronPopulation):
            raise TypeError(f"PopulationRateMonitor '{self.name}': the source must be a "
                            "NeuronGroup or subgroup")
        self.source = source
        self._counts = []
        self._first_step = None
        self._n_flushed = 0

    def before_run(self, run_namespace, clock):
        self._dt = clock.dt_

    def record_window(self, spike_ids, spike_steps, first, stop):
        """Counts per step for the window [first, stop)."""
        if self._first_step is None:
            self._first_step = first
        offset = self.source.id_offset
        mine = (spike_ids >= offset) & (spike_ids < offset + self.source.N)
        self._counts.append(np.bincount(spike_steps[mine] - first, minlength=stop - first))

    def _buffered(self):
        return np.concatenate(self._counts) if self._counts else np.empty(0, np.int64)

    @property
    def rate_(self):
        """The rate per step in Hz, without units."""
        counts = self._buffered()
        rate = counts / self.source.N / self._dt
        flushed = self._read_flushed("rate")
        if flushed is not None:
            rate = np.concatenate([flushed, rate])
        return rate

    @property
    def rate(self):
        return Quantity(self.rate_, hertz.dim)

    @property
    def t_(self):
        """The time of each step in seconds, without units."""
        n = len(self.rate_)
        first = self._first_step or 0
        return (first + np.arange(n)) * self._dt

    @property
    def t(self):
        return Quantity(self.t_, second.dim)

    def smooth_rate(self, window="gaussian", width=None):
        """The rate smoothed as in Brian2.

        Parameters
        ----------
        window : {'gaussian', 'flat'} or array
            A Gaussian window (standard deviation ``width``), a flat one
            (length ``width``), or an array of weights.
        width : Quantity, optional
            A time; needed with a named window.

        Returns
        -------
        Quantity
            The smoothed rate (Hz), one value per step.
        """
        rate = np.asarray(self.rate)
        if isinstance(window, str):
            if width is None or get_dimensions(width) is not second.dim:
                raise TypeError("smooth_rate needs width= as a time")
            w = float(width / second)
            if window == "gaussian":
                half = int(np.round(2 * w / self._dt))
                x = np.arange(-half, half + 1) * self._dt
                kernel = np.exp(-x ** 2 / (2 * w ** 2))
            elif window == "flat":
                length = max(1, int(np.round(w / self._dt)))
                kernel = np.ones(length + 1 - length % 2)
            else:
                raise ValueError(f"unknown window {window!r}; use 'gaussian' or 'flat'")
        else:
            kernel = np.asarray(window, dtype=np.float64)
        kernel = kernel / kernel.sum()
        return Quantity(np.convolve(rate, kernel, mode="same"), hertz.dim)

    def checkpoint_parts(self):
        """The spike counts per step so far (flushed or not); local."""
        if getattr(self, "_dt", None) is None:  # never run
            return {"counts": Replicated(np.empty(0, np.int64)),
                    "first_step": Replicated(np.array([-1]))}
        counts = np.rint(np.asarray(self.rate) * self.source.N * self._dt).astype(np.int64)
        first = -1 if self._first_step is None else self._first_step
        return {"counts": Replicated(counts), "first_step": Replicated(np.array([first]))}

    def restore_parts(self, reader, prefix):
        counts = reader.replicated(f"{prefix}/counts")
        first = int(reader.replicated(f"{prefix}/first_step")[0])
        self._dt = reader.meta["dt"]
        self._counts = [counts] if len(counts) else []
        self._first_step = None if first < 0 else first
        self._file_group = self._writer = None
        self._n_flushed = 0

    def create_in(self, writer):
        """``/rates/<name>``."""
        group = writer.new_group("rates", self.name, self)
        self.create_datasets(group)
        self.attach(writer, group)
        return group

    def create_datasets(self, group):
        create_rows(group, "rate", np.float64, attrs={"units": "Hz"})
        group.attrs["source"] = self.source.name
        self._n_flushed = 0

    def pending_file_bytes(self):
        """Bytes the next flush appends: one rate per buffered step."""
        return appended_bytes(self._n_flushed, sum(len(c) for c in self._counts), 8)

    def flush_to(self, group):
        counts = self._buffered()
        if self._n_flushed == 0:
            group.attrs["start"] = (self._first_step or 0) * self._dt * 1e3
            group.attrs["dt"] = self._dt * 1e3
            group.attrs["time_units"] = "ms"
        append_replicated(group["rate"], counts / self.source.N / self._dt)
        self._n_flushed += len(counts)
        self._counts = []
