"""Run a SONATA circuit with distsim.sonata and write its output spikes.

    mpirun -n N python tests/models/sonata_run.py CIRCUIT SIM_CONFIG OUTPUT_DIR TSTOP_MS
"""
import json
import sys

from distsim.sonata import SonataNetwork

circuit, simulation, output, tstop = sys.argv[1:5]
config = json.load(open(simulation))
network = SonataNetwork(circuit, simulation)
network.sim_config["output"] = {"output_dir": output, "spikes_file": "spikes.h5"}
network.run(float(tstop))
