"""One model of tests/reference/brian2_fidelity_models.py (or of
brian2_spatial_models.py) as a script, for runs on several ranks (compared
with the one-rank run and Brian2's output).

    mpirun -n N python tests/models/fidelity_model.py MODEL OUT.npz
"""
import os
import sys

import numpy as np

import distsim
from distsim.parallel import rank

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "reference"))
from brian2_fidelity_models import MODELS  # noqa: E402
from brian2_spatial_models import MODELS as SPATIAL_MODELS  # noqa: E402

MODELS = dict(MODELS, **SPATIAL_MODELS)

distsim.seed(2024)
results = MODELS[sys.argv[1]](distsim)
if rank() == 0:
    np.savez(sys.argv[2], **results)
