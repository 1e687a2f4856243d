"""The magic-network sweep of tests/reference/brian2_fidelity_models.py as
a script, for runs on several ranks (objects dropped in a loop must be
dropped on every rank alike).

    mpirun -n N python tests/models/magic_sweep.py OUT.npz
"""
import os
import sys

import numpy as np

import distsim
from distsim.parallel import rank

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reference"))
from brian2_fidelity_models import magic_sweep  # noqa: E402

distsim.seed(2024)
results = magic_sweep(distsim)
if rank() == 0:
    np.savez(sys.argv[1], **results)
