"""CUBA: the Brette et al. (2007) benchmark, as in Brian2's documentation.

Run with ``mpirun -n 2 python examples/cuba.py --output results.h5``; the
script is Brian2's example with ``from distsim import *`` and a results file.
"""
import argparse
import time

from distsim import *

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--duration", type=float, default=1.0, help="biological seconds")
parser.add_argument("--seed", type=int, default=4321)
parser.add_argument("--output", default="results.h5")
parser.add_argument("--report", default=None, help="'text' to print progress")
args = parser.parse_args()

build_start = time.perf_counter()
seed(args.seed)

taum = 20*ms
taue = 5*ms
taui = 10*ms
Vt = -50*mV
Vr = -60*mV
El = -49*mV

eqs = '''
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
'''

P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms,
                method='exact')
P.v = 'Vr + rand() * (Vt - Vr)'
P.ge = 0*mV
P.gi = 0*mV

we = (60*0.27/10)*mV  # excitatory synaptic weight (voltage)
wi = (-20*4.5/10)*mV  # inhibitory synaptic weight
Ce = Synapses(P, P, on_pre='ge += we')
Ci = Synapses(P, P, on_pre='gi += wi')
Ce.connect('i<3200', p=0.02)
Ci.connect('i>=3200', p=0.02)

s_mon = SpikeMonitor(P)
build_time = time.perf_counter() - build_start

run_start = time.perf_counter()
run(args.duration * second, report=args.report, output=args.output, flush_interval=0.25 * second)
run_time = time.perf_counter() - run_start
save(args.output)

n_synapses = Ce.N + Ci.N
rate = s_mon.num_spikes / len(P) / args.duration
from distsim.parallel import rank, size  # noqa: E402
if rank() == 0:
    print(f"CUBA on {size()} rank(s): {len(P)} neurons, {n_synapses} synapses, "
          f"{s_mon.num_spikes} spikes in {args.duration:g} s, mean rate {rate:.2f} Hz")
    print(f"build {build_time:.2f} s, simulate {run_time:.2f} s "
          f"(real-time factor {run_time / args.duration:.2f}), results in {args.output}")
