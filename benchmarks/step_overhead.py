"""Python overhead per time step: a network so small that the per-step work
of the main loop (the schedule of code objects, the spike exchange) is what
is measured. Prints "build X s, simulate Y s" as the examples do, so that
benchmarks/before_after.py can compare two versions (``--model overhead``).

    mpirun -n 1 python benchmarks/step_overhead.py --duration 2
"""
import argparse
import time

from distsim import NeuronGroup, SpikeMonitor, Synapses, ms, run, second, seed

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--duration", type=float, default=2.0, help="biological seconds")
parser.add_argument("--output", default=None, help="(ignored; for before_after.py)")
args = parser.parse_args()
seed(1)
started = time.perf_counter()
G = NeuronGroup(100, "dv/dt = (1.1 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                method="exact")
S = Synapses(G, G, "w : 1", on_pre="v_post += 0.01")
S.connect(p=0.1)
monitor = SpikeMonitor(G)
run(10 * ms)  # prepare (and compile) once
built = time.perf_counter()
run(args.duration * second)
simulated = time.perf_counter()
steps = round(args.duration / 1e-4)
print(f"{(simulated - built) / steps * 1e6:.2f} us per step, {monitor.num_spikes} spikes")
print(f"build {built - started:.2f} s, simulate {simulated - built:.2f} s")
