"""PyNN's simulation control (``setup``, ``run``, ``reset``, ``end``, ...)."""
from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_MIN_DELAY, DEFAULT_TIMESTEP
from pyNN.recording import get_io

from ..core.random import seed
from . import simulator


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new PyNN session (collective): forgets any existing network.

    ``timestep``, ``min_delay`` and ``max_delay`` are in ms; ``rng_seed``
    seeds the random numbers drawn during the simulation. Returns the MPI
    rank."""
    max_delay = extra_params.get("max_delay", DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    simulator.state.clear()
    simulator.state.dt = timestep
    simulator.state.min_delay = min_delay
    simulator.state.max_delay = max_delay
    # Random numbers drawn inside the simulation (Poisson sources, noise):
    # distsim's counter-based streams under this seed (NEST's default: 42).
    seed(int(extra_params.get("rng_seed", 42)))
    return simulator.state.mpi_rank


def end(compatible_output=True):
    """Write the data asked for with ``record(..., to_file=)`` (collective)."""
    for population, variables, filename in simulator.state.write_on_end:
        population.write_data(get_io(filename), variables)
    simulator.state.write_on_end = []


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize
get_current_time, get_time_step, get_min_delay, get_max_delay, num_processes, rank = \
    common.build_state_queries(simulator)
