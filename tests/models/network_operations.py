"""The network operations of tests/reference/brian2_fidelity_models.py as
a script, for runs on several ranks (Python code during the run, on every
rank).

    mpirun -n N python tests/models/network_operations.py OUT.npz
"""
import os
import sys

import numpy as np

import distsim
from distsim.parallel import rank

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reference"))
from brian2_fidelity_models import network_operations  # noqa: E402

distsim.seed(2024)
results = network_operations(distsim)
if rank() == 0:
    np.savez(sys.argv[1], **results)
