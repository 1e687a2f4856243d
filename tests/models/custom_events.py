"""The custom events of tests/reference/brian2_fidelity_models.py as
a script, for runs on several ranks (events of neurons on other ranks
trigger pathways and fill EventMonitors).

    mpirun -n N python tests/models/custom_events.py OUT.npz
"""
import os
import sys

import numpy as np

import distsim
from distsim.parallel import rank

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reference"))
from brian2_fidelity_models import custom_events  # noqa: E402

distsim.seed(2024)
results = custom_events(distsim)
if rank() == 0:
    np.savez(sys.argv[1], **results)
