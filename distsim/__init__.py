"""distsim: Brian2-style spiking network models, distributed over MPI ranks.

    from distsim import *
    G = NeuronGroup(4000, eqs, threshold='v > Vt', reset='v = Vr', method='exact')
    ...
    run(1*second)
    save('results.h5')

Run the same script with ``mpirun -n N python model.py``.
"""
__version__ = "0.1.0"

# Before anything can start MPI (mpi4py, parallel h5py).
from .parallel.startup import prepare_environment as _prepare_environment
_prepare_environment()
# Before the network's large temporaries: freed memory stays in the process
# (parallel/allocator.py says why; DISTSIM_MALLOC=system opts out).
from .parallel.allocator import keep_freed_memory as _keep_freed_memory
_keep_freed_memory()

# First what Brian2's star import takes from pylab (numpy's and pyplot's
# names: utils/pylab_names.py); distsim's own names below win.
from .utils.pylab_names import pylab_namespace as _pylab_namespace
_pylab = _pylab_namespace()
globals().update(_pylab)

from .units import *  # noqa: F401,F403 - Brian2 exports every unit name
from .units import __all__ as _unit_names
from .core.clock import Clock, defaultclock
from .core.devices import device, get_device, set_device
from .core.preferences import prefs
from .core.random import seed
from .core.registry import collect, start_scope
from .groups import NeuronGroup, linked_var
from .spatial import Cylinder, Morphology, Section, Soma, SpatialNeuron
from .inputs import PoissonGroup, PoissonInput, SpikeGeneratorGroup, TimedArray
from .io import load
from .utils.log import BrianLogger
from .model.equations import Equations
from .model.functions import DEFAULT_FUNCTIONS, Function, declare_types, implementation
from .monitors import EventMonitor, PopulationRateMonitor, SpikeMonitor, StateMonitor
from .network import (MagicError, MagicNetwork, Network, NetworkOperation, magic_network,
                      network_operation, profiling_summary, restore, run, save, stop, store)
from .network.interruptions import CHECKPOINT_EXIT_CODE
from .synapses import Synapses
from numpy import pi, inf  # noqa: E402
exprel = DEFAULT_FUNCTIONS["exprel"]
from . import codegen  # noqa: E402

#: distsim's own names: what ``from distsim.only import *`` gives.
_own_names = list(_unit_names) + [
    "Clock", "defaultclock", "PoissonGroup", "PoissonInput", "SpikeGeneratorGroup",
    "TimedArray", "seed", "collect", "start_scope", "NeuronGroup", "Synapses",
    "SpikeMonitor", "StateMonitor", "PopulationRateMonitor", "Network", "run", "Equations", "save", "load", "pi", "inf",
    "linked_var", "prefs", "CHECKPOINT_EXIT_CODE", "device", "get_device", "set_device",
    "Function", "implementation", "declare_types", "DEFAULT_FUNCTIONS", "exprel",
    "MagicError", "MagicNetwork", "magic_network", "check_units", "stop", "NetworkOperation",
    "store", "restore", "network_operation", "EventMonitor", "BrianLogger",
    "profiling_summary",
    "codegen",  # Brian2's star import gives its codegen package (codegen.target = ...)
    # multicompartment neurons
    "SpatialNeuron", "Morphology", "Soma", "Cylinder", "Section"]
__all__ = sorted(set(_pylab) | set(_own_names))

# Which objects a run simulates is decided after a full garbage collection
# (core/registry.py: the same on every rank). The modules imported so far
# (numpy, sympy, matplotlib: some 100,000 objects) never become garbage;
# frozen, they stay out of those collections (about 70 ms each -> microseconds).
import gc as _gc  # noqa: E402
_gc.collect()
_gc.freeze()
