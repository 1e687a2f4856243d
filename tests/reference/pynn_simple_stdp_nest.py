"""Reference for tests/test_pynn_examples.py: PyNN's example simple_STDP.py
run unchanged with pyNN.nest (NEST 3.10, PyNN 0.13; PyNN's numpy-2 fix of
distsim/pynn/compat.py applied first, as distsim.pynn applies it). Writes the
final weights it prints.

    cd $(mktemp -d) && $NEST_PYTHON /path/to/tests/reference/pynn_simple_stdp_nest.py \\
        $DISTSIM_VENV/share/pynn-tests/examples/simple_STDP.py
"""
import contextlib
import importlib.util
import io
import json
import os
import re
import runpy
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "compat", os.path.join(HERE, "..", "..", "distsim", "pynn", "compat.py"))
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)
compat.apply()

script = sys.argv[1]
sys.argv = [script, "nest"]
output = io.StringIO()
with contextlib.redirect_stdout(output):
    runpy.run_path(script, run_name="__main__")
text = output.getvalue()
weights = re.search(r"Final weights: \[([^\]]*)\]", text).group(1)
result = {"simulator": "NEST 3.10.0 through pyNN.nest 0.13",
          "final_weights": [float(w) for w in weights.split()]}
with open(os.path.join(HERE, "pynn_simple_stdp_nest.json"), "w") as f:
    json.dump(result, f)
print(f"{len(result['final_weights'])} weights, "
      f"{int(np.sum(np.diff(result['final_weights']) < 0))} drop(s)")
