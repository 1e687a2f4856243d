"""Produce the Brian2 reference traces in this folder (run with Brian2, not distsim).

    python3 -m venv /tmp/brian2env
    /tmp/brian2env/bin/pip install "brian2==2.9.0" "numpy<2.4"
    /tmp/brian2env/bin/python tests/reference/make_brian2_reference.py [model ...]

(all models without arguments).

Brian2 2.9.0 (numpy 2.3.5, numpy code generation target) wrote the .npz
files committed here on 2026-11-24 (stdp, summed_nmda and pathways on
2026-11-25; the models of brian2_fidelity_models.py on 2026-11-30, those of
brian2_spatial_models.py on 2026-12-02). Brian2
cannot be a run-time dependency of
distsim (it does not import with numpy >= 2.4), hence the stored files.
"""
import os
import sys

import numpy as np

import brian2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from brian2_fidelity_models import MODELS as FIDELITY_MODELS  # noqa: E402
from brian2_models import MODELS  # noqa: E402
from brian2_spatial_models import MODELS as SPATIAL_MODELS  # noqa: E402

MODELS = dict(MODELS, **FIDELITY_MODELS, **SPATIAL_MODELS)

brian2.prefs.codegen.target = "numpy"

for name in sys.argv[1:] or MODELS:
    model = MODELS[name]
    brian2.start_scope()
    brian2.defaultclock.dt = 0.1 * brian2.ms
    brian2.seed(2024)
    arrays = model(brian2)
    np.savez_compressed(os.path.join(HERE, f"brian2_{name}.npz"), **arrays,
                        brian2_version=np.array(brian2.__version__))
    print(name, {k: v.shape for k, v in arrays.items()})
