"""Small networks, where the per-step overhead decides: distsim (1 and 2
ranks) beside Brian2 (Cython runtime mode, and C++ standalone for CUBA), same
sitting, median of several runs.

    BRIAN2_PYTHON=/tmp/brian2env/bin/python python benchmarks/small_networks.py --repeats 3

Models: CUBA (benchmarks/peers/*_models.py: 4,000 neurons, 320k synapses),
the STDP benchmark (the same files: Brian2's STDP model with 1,000 targets,
10^6 plastic synapses) and Brian2's own STDP example (1,000 plastic synapses
onto one neuron: examples/synapses/STDP.py of Brian2, run unchanged through
``python -m distsim.as_brian2``). The figure is the marginal simulate time
per biological second, (T(long) - T(short)) / (long - short) in biological
seconds, which leaves out start-up and one-time compilation. Appends a row per
model to benchmarks/results/small_networks.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import append_row, machine, run_for_result  # noqa: E402

PEERS = os.path.join(HERE, "peers")
BRIAN2_PYTHON = os.environ.get("BRIAN2_PYTHON", os.path.join(
    os.path.expanduser("~/.cache/distsim"), "peers", "brian2", "bin", "python"))
ENV = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", PYTHONPATH=ROOT, MPLBACKEND="Agg")

# Brian2's STDP example (Song, Miller & Abbott 2000), as Brian2 ships it, but
# for a given duration and without the plots.
STDP_EXAMPLE = """
import sys, time
from brian2 import *
duration = float(sys.argv[1])
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
neurons = NeuronGroup(1, eqs_neurons, threshold='v>vt', reset='v = vr',
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
s_mon = SpikeMonitor(poisson_input)
started = time.perf_counter()
run(duration*second)
print(f"SIMULATED {time.perf_counter() - started:.4f}")
"""


# Exact steps with per-neuron time constants and currents that synapses set
# at every step (the form of Maass et al. 2002's liquid): the per-neuron
# propagators are kept while only the currents change.
LIQUID = """
import sys, time
from brian2 import *
duration = float(sys.argv[1])
N = 200
G = NeuronGroup(N, '''dv/dt = (I_syn + I_b - v)/tau : 1 (unless refractory)
                      tau : second (constant)
                      I_b : 1 (constant)
                      I_syn : 1''', threshold='v > 1', reset='v = 0', refractory=2*ms,
                method='exact')
G.tau = '(20 + 10.0*i/N)*ms'
G.I_b = '0.95 + 0.1*i/N'
S = Synapses(G, G, '''w : 1
                      dx/dt = -x/(3*ms) : 1 (clock-driven)
                      I_syn_post = w*x : 1 (summed)''', on_pre='x += 1', method='exact')
S.connect('(i*7 + j*3) % 10 == 0')
S.w = 0.05
spikes = SpikeMonitor(G)
started = time.perf_counter()
run(duration*second)
print(f"SIMULATED {time.perf_counter() - started:.4f}")
"""


def stdp_seconds(python_command, duration, script):
    out = subprocess.run(python_command + [script, str(duration)], capture_output=True,
                         text=True, env=ENV, timeout=3600)
    found = re.search(r"SIMULATED ([\d.]+)", out.stdout)
    if out.returncode or not found:
        raise SystemExit(f"failed: {python_command}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return float(found.group(1))


def model_seconds(python_command, duration, model="cuba"):
    """Simulate time of a model of benchmarks/peers/*_models.py."""
    row = run_for_result(python_command + [model, "--duration", str(duration)], 3600)
    if row is None:
        raise SystemExit("failed")
    return row["simulate_s"]


def marginal(measure, short, long, repeats):
    """Median over ``repeats`` of (T(long) - T(short)) / (long - short)."""
    values = []
    for _ in range(repeats):
        values.append((measure(long) - measure(short)) / (long - short))
    return statistics.median(values), values


def _cell(value, values):
    return "-" if value is None else f"{value:.3f} ({', '.join(f'{v:.3f}' for v in values)})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="first words of the models to run "
                        "(default: all)")
    args = parser.parse_args()
    os.environ.update(ENV)  # run_for_result's commands take the environment
    models = os.path.join(PEERS, "distsim_models.py")
    distsim_peer = {n: ["mpirun", "-n", str(n), sys.executable, models] for n in (1, 2)}
    brian2_peer = [BRIAN2_PYTHON, os.path.join(PEERS, "brian2_models.py")]
    standalone_cuba = brian2_peer + ["--device", "cpp_standalone"]
    as_brian2 = {n: ["mpirun", "-n", str(n), sys.executable, "-m", "distsim.as_brian2"]
                 for n in (1, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "stdp_example.py")
        with open(script, "w") as f:
            f.write(STDP_EXAMPLE)
        liquid = os.path.join(tmp, "liquid.py")
        with open(liquid, "w") as f:
            f.write(LIQUID)
        stdp_seconds([BRIAN2_PYTHON], 0.1, liquid)
        stdp_seconds(as_brian2[1], 0.1, liquid)
        # Warm Brian2's and distsim's compiled-code caches first.
        for model in ("cuba", "stdp"):
            model_seconds(brian2_peer, 0.1, model)
            model_seconds(distsim_peer[1], 0.1, model)
        stdp_seconds([BRIAN2_PYTHON], 0.1, script)
        stdp_seconds(as_brian2[1], 0.1, script)
        # name, short, long, {column: measure or None}
        cases = [
            ("CUBA", 2, 10, {
                "distsim 1": lambda d: model_seconds(distsim_peer[1], d),
                "distsim 2": lambda d: model_seconds(distsim_peer[2], d),
                "runtime": lambda d: model_seconds(brian2_peer, d),
                "standalone": lambda d: model_seconds(standalone_cuba, d)}),
            ("Brian2's STDP example", 2, 20, {
                "distsim 1": lambda d: stdp_seconds(as_brian2[1], d, script),
                "distsim 2": lambda d: stdp_seconds(as_brian2[2], d, script),
                "runtime": lambda d: stdp_seconds([BRIAN2_PYTHON], d, script),
                "standalone": None}),
            ("STDP with 10^6 synapses (1,000 targets)", 1, 3, {
                "distsim 1": lambda d: model_seconds(distsim_peer[1], d, "stdp"),
                "distsim 2": lambda d: model_seconds(distsim_peer[2], d, "stdp"),
                "runtime": lambda d: model_seconds(brian2_peer, d, "stdp"),
                "standalone": None}),
            ("Liquid: exact steps, per-neuron tau, summed currents", 1, 3, {
                "distsim 1": lambda d: stdp_seconds(as_brian2[1], d, liquid),
                "distsim 2": lambda d: stdp_seconds(as_brian2[2], d, liquid),
                "runtime": lambda d: stdp_seconds([BRIAN2_PYTHON], d, liquid),
                "standalone": None}),
        ]
        for name, short, long, measures in cases:
            if args.only and name.split()[0].rstrip(":'s").lower() not in \
                    [o.lower() for o in args.only]:
                continue
            found = {column: marginal(measure, short, long, args.repeats)
                     if measure is not None else (None, [])
                     for column, measure in measures.items()}
            ours = found["distsim 1"][0]
            runtime, standalone = found["runtime"][0], found["standalone"][0]
            row = (f"| {name} | {time.strftime('%Y-%m-%d')} | "
                   + " | ".join(_cell(*found[c]) for c in ("distsim 1", "distsim 2", "runtime",
                                                           "standalone"))
                   + f" | {ours / runtime:.2f} | "
                   + (f"{ours / standalone:.2f}" if standalone else "-") + " |")
            append_row(os.path.join(HERE, "results", "small_networks.md"),
                       "# Small networks: distsim beside Brian2 2.9\n\n"
                       f"Machine: {machine()}. `benchmarks/small_networks.py`: marginal "
                       "simulate time per biological second, (T(long) - T(short)) / (long - "
                       "short), median of the runs in brackets, all in the same "
                       "sitting, one run at a time. CUBA: 2 and 10 s; Brian2's STDP example "
                       "(unchanged, through distsim.as_brian2): 2 and 20 s. Brian2: Cython "
                       "runtime mode and C++ standalone (the program's own run time). "
                       "Ratios: distsim on 1 rank over Brian2.\n\n"
                       "| model | measured | distsim 1 rank s/s (runs) | distsim 2 ranks "
                       "s/s (runs) | Brian2 runtime s/s (runs) | Brian2 standalone s/s "
                       "(runs) | ratio to runtime | ratio to standalone |\n"
                       "|---|---|---|---|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
