"""Spike-timing-dependent plasticity: Brian2's STDP example (Song, Miller &
Abbott 2000), with ``--targets`` neurons instead of one.

Run with ``mpirun -n 2 python examples/stdp.py --output stdp.h5``. The model
text is Brian2's example with ``from distsim import *``: event-driven traces,
``on_pre`` and ``on_post``, weights clipped to [0, gmax]. At the end the
weights of the first target are written beside the results file (``.npy``) and
their distribution is summarised: STDP drives them towards 0 and gmax.
"""
import argparse
import time

import numpy as np

from distsim import *

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--duration", type=float, default=10.0, help="biological seconds")
parser.add_argument("--targets", type=int, default=1, help="output neurons (Brian2: 1)")
parser.add_argument("--seed", type=int, default=2000)
parser.add_argument("--output", default="stdp.h5")
parser.add_argument("--report", default=None, help="'text' to print progress")
args = parser.parse_args()
seed(args.seed)
build_started = time.perf_counter()

N = 1000
taum = 10*ms
taupre = 20*ms
taupost = taupre
Ee = 0*mV
vt = -54*mV
vr = -60*mV
El = -74*mV
taue = 5*ms
F = 15*Hz
gmax = .01
dApre = .01
dApost = -dApre * taupre / taupost * 1.05
dApost *= gmax
dApre *= gmax

eqs_neurons = '''
dv/dt = (ge * (Ee-v) + El - v) / taum : volt
dge/dt = -ge / taue : 1
'''

poisson_input = PoissonGroup(N, rates=F)
neurons = NeuronGroup(args.targets, eqs_neurons, threshold='v>vt', reset='v = vr',
                      method='euler')
S = Synapses(poisson_input, neurons,
             '''w : 1
                dApre/dt = -Apre / taupre : 1 (event-driven)
                dApost/dt = -Apost / taupost : 1 (event-driven)''',
             on_pre='''ge += w
                    Apre += dApre
                    w = clip(w + Apost, 0, gmax)''',
             on_post='''Apost += dApost
                     w = clip(w + Apre, 0, gmax)''',
             )
S.connect()
S.w = 'rand() * gmax'
mon = StateMonitor(S, 'w', record=[0, 1])
s_mon = SpikeMonitor(neurons)

started = time.perf_counter()
run(args.duration * second, report=args.report, output=args.output)
elapsed = time.perf_counter() - started
# The synapses are built when the run starts: that is build time.
from distsim.network import magic_network  # noqa: E402
build_time = started - build_started + magic_network.wall_times["prepare"]
simulate_time = magic_network.wall_times["simulate"]
save(args.output)

weights = np.asarray(S.w[:, 0]) / gmax  # the first target's 1000 weights
from distsim.parallel import rank, size  # noqa: E402
if rank() == 0:
    np.save(args.output.rsplit(".", 1)[0] + "_weights.npy", weights)
    low, high = np.mean(weights < 0.1), np.mean(weights > 0.9)
    print(f"STDP on {size()} rank(s): {N} inputs x {args.targets} targets, "
          f"{s_mon.num_spikes / args.targets / args.duration:.1f} Hz per target, "
          f"simulated in {elapsed:.1f} s")
    print(f"build {build_time:.2f} s, simulate {simulate_time:.2f} s")
    print(f"weights / gmax of target 0: {100 * low:.0f}% below 0.1, {100 * high:.0f}% above "
          f"0.9, mean {weights.mean():.2f} (started uniform on [0, 1])")
