#!/usr/bin/env bash
# NEST, Brian2 and NEURON for the side-by-side benchmarks and the references,
# each in its own venv in the cache (Brian2 2.9 needs numpy < 2.4, distsim's
# venv has 2.4). Idempotent.
set -euo pipefail
cache="${DISTSIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/distsim}/peers"
mkdir -p "$cache"
if [ ! -x "$cache/nest/bin/python" ] || ! "$cache/nest/bin/python" -c "import nest" 2>/dev/null; then
    python3 -m venv "$cache/nest"
    "$cache/nest/bin/python" -m pip install -q "nest-simulator==3.10.0"
fi
if [ ! -x "$cache/brian2/bin/python" ] || ! "$cache/brian2/bin/python" -c "import brian2" 2>/dev/null; then
    python3 -m venv "$cache/brian2"
    "$cache/brian2/bin/python" -m pip install -q "brian2==2.9.0" "numpy<2.4" cython setuptools
fi
if [ ! -x "$cache/neuron/bin/python" ] || ! "$cache/neuron/bin/python" -c "import neuron" 2>/dev/null; then
    python3 -m venv "$cache/neuron"
    "$cache/neuron/bin/python" -m pip install -q "neuron==9.0.2" h5py numpy
fi
echo "NEST_PYTHON=$cache/nest/bin/python BRIAN2_PYTHON=$cache/brian2/bin/python" \
     "NEURON_PYTHON=$cache/neuron/bin/python"
