"""distsim as a PyNN backend: ``import distsim.pynn as sim``.

PyNN's API (0.13) on distsim's engine: populations are distsim groups split
over the MPI ranks, projections are distsim Synapses holding each rank's
incoming connections, recording uses distsim's monitors. See docs/pynn.md.
"""
from pyNN import errors, random, space                              # noqa: F401
from pyNN.connectors import *                                       # noqa: F401,F403
from pyNN.network import Network                                    # noqa: F401
from pyNN.random import GSLRNG, NumpyRNG, RandomDistribution        # noqa: F401
from pyNN.recording import *                                        # noqa: F401,F403
from pyNN.space import Space                                        # noqa: F401
from pyNN.standardmodels import StandardCellType

from . import compat

from .cells import (EIF_cond_alpha_isfa_ista, EIF_cond_exp_isfa_ista,  # noqa: F401
                    HH_cond_exp, IF_cond_alpha, IF_cond_exp, IF_curr_alpha, IF_curr_exp,
                    SpikeSourceArray, SpikeSourcePoisson,
                    SpikeSourcePoissonRefractory)
from .connectors import FixedTotalNumberConnector                      # noqa: F401
from .control import (end, get_current_time, get_max_delay, get_min_delay,  # noqa: F401
                      get_time_step, initialize, num_processes, rank, reset, run, run_for,
                      run_until, setup)
from .electrodes import ACSource, DCSource, NoisyCurrentSource, StepCurrentSource  # noqa: F401
from .populations import Assembly, Population, PopulationView          # noqa: F401
from .procedural_api import connect, create, record, record_gsyn, record_v  # noqa: F401
from .projections import Projection                                     # noqa: F401
from .synapse_types import (AdditiveWeightDependence,  # noqa: F401
                            MultiplicativeWeightDependence, SimpleStochasticSynapse,
                            SpikePairRule, StaticSynapse,
                            STDPMechanism, TsodyksMarkramSynapse)


compat.apply()


def register_as_pynn_backend():
    """Make ``import pyNN.distsim`` (and ``get_simulator('distsim')`` in PyNN's
    example scripts) give this module."""
    import sys
    import pyNN
    sys.modules["pyNN.distsim"] = sys.modules[__name__]
    pyNN.distsim = sys.modules[__name__]


def list_standard_models():
    """The standard cell types this backend provides."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj is not StandardCellType]
