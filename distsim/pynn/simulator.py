"""The simulator state PyNN's common code drives (``pyNN.common`` calls it
``simulator.state``): one distsim `Network` holding every object the PyNN
script creates, its clock and MPI layout.

Every call here that runs or reads the network is collective: PyNN scripts
run the same calls on every rank, as distsim scripts do.
"""
import numpy as np
from pyNN import common

from ..core.clock import defaultclock
from ..core.registry import start_scope
from ..network.network import Network
from ..parallel import get_comm
from ..units import ms

name = "distsim"


#: The network's state at the start of the first run, restored by reset().
_FIRST_RUN = "pynn-before-first-run"


class ID(int, common.IDMixin):
    """A cell's global id (PyNN's ``ID``)."""

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """Time, time step, delays and the network of a PyNN session."""

    def __init__(self):
        super().__init__()
        comm = get_comm()
        self.mpi_rank = comm.Get_rank()
        self.num_processes = comm.Get_size()
        self.network = None
        self._min_delay = "auto"
        self._auto_min_delay = None
        self.max_delay = "auto"
        self.clear()

    # -- time ----------------------------------------------------------------
    @property
    def dt(self) -> float:
        """The time step in ms."""
        return float(defaultclock.dt_ * 1e3)

    @dt.setter
    def dt(self, timestep: float):
        defaultclock.dt = timestep * ms

    @property
    def t(self) -> float:
        """The current time in ms."""
        return float(self.network.t_ * 1e3)

    def run(self, simtime: float):
        """Advance by ``simtime`` ms (collective)."""
        for recorder in self.recorders:
            recorder._finalize()
        for source in self.current_sources:
            source._finalize()
        if not self.running:
            self.network.store(_FIRST_RUN)
        self.running = True
        self.network.run(simtime * ms)
        if self._min_delay == "auto":
            self._auto_min_delay = self._smallest_delay()

    def _smallest_delay(self):
        """The smallest synaptic delay in ms over all ranks (collective;
        None without synapses). Reads each Synapses' smallest delay step,
        without making an array of all delays."""
        from ..synapses.synapses import Synapses
        local = [obj.min_delay_steps for obj in self.network.objects
                 if isinstance(obj, Synapses)]
        local = [steps for steps in local if steps is not None]
        smallest = min(get_comm().allgather(min(local, default=np.inf)))
        return None if np.isinf(smallest) else smallest * self.dt

    def run_until(self, tstop: float):
        """Advance to ``tstop`` ms (collective)."""
        if tstop > self.t + self.dt / 2:
            self.run(tstop - self.t)

    def add(self, *objects):
        """Make distsim objects part of the simulated network."""
        self.network.add(*objects)

    def add_current_source(self, source):
        """A new current source; the first one brings the operation that
        applies them all at each step."""
        if not self.current_sources:
            from .electrodes import current_sources_operation
            self.add(current_sources_operation())
        self.current_sources.append(source)

    @property
    def min_delay(self):
        """The smallest delay (ms): as given to ``setup()``, or with 'auto'
        the smallest delay of any projection at the last run (one step
        before a run)."""
        if self._min_delay != "auto":
            return self._min_delay
        return self._auto_min_delay if self._auto_min_delay is not None else self.dt

    @min_delay.setter
    def min_delay(self, value):
        self._min_delay = value
        self._auto_min_delay = None

    # -- session -------------------------------------------------------------
    def clear(self):
        """Forget the whole network (PyNN's ``setup()`` and ``end()``): the
        objects of an earlier session are not simulated, nor reported as
        left out (a new distsim scope)."""
        start_scope()
        self.recorders = set()
        self.current_sources = []
        self.id_counter = 0
        self.segment_counter = -1
        self.network = Network()
        self.running = False
        self.reset()

    def reset(self):
        """Time back to 0, state variables, monitors and queued spikes as at
        the start of the first run (PyNN's ``reset()``; collective)."""
        if self.running:
            self.network.restore(_FIRST_RUN)
            for source in self.current_sources:
                source._reset()
        self.running = False
        self.t_start = 0
        self.segment_counter += 1


state = State()


def local_mask(size: int, local_indices: np.ndarray) -> np.ndarray:
    """The cells of a population of ``size`` that this rank owns (its group's
    ``local_indices``)."""
    mask = np.zeros(size, dtype=bool)
    mask[local_indices] = True
    return mask
