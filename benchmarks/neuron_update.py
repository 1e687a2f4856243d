"""Benchmark: cost of a neuron model's update (integration, threshold,
reset, refractoriness) per neuron and step, on one core.

    python benchmarks/neuron_update.py --neurons 40000 --steps 2000
    python benchmarks/neuron_update.py --model hh --method rk4 [--numpy]

``pd14``: the microcircuit's iaf_psc_exp neuron, exact integration (compiled
pass of ext/neuron_kernels.pyx). ``hh``: Brian2's Hodgkin-Huxley example
neuron (Traub & Miles), a generated kernel (distsim/codegen) or, with
--numpy, the numpy updaters.

Appends a row to benchmarks/results/neuron_update.md.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=40000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--numpy", action="store_true", help="numpy instead of the compiled loop")
    parser.add_argument("--model", choices=["pd14", "hh"], default="pd14")
    parser.add_argument("--method", default=None, help="hh: rk4 or exponential_euler")
    args = parser.parse_args()
    from distsim import NeuronGroup, defaultclock, ms, mV, pA, pF, prefs, seed
    prefs.codegen.target = "numpy" if args.numpy else "cython"
    from distsim.network import Network
    seed(1)
    if args.model == "hh":
        defaultclock.dt = 0.01 * ms  # the example's step: HH diverges at 0.1 ms
        G = hodgkin_huxley(args.neurons, args.method or "exponential_euler")
    else:
        tau_m, tau_syn, Cm, v_r, theta = 10 * ms, 0.5 * ms, 250 * pF, -65 * mV, -50 * mV
        G = NeuronGroup(args.neurons, """
            dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
            dI/dt = -I/tau_syn : amp
            Iext : amp""", threshold="v > theta", reset="v = v_r", refractory=2 * ms,
            method="exact", namespace=dict(tau_m=tau_m, tau_syn=tau_syn, Cm=Cm, v_r=v_r,
                                           theta=theta))
        G.v = "-58*mV + 10*mV*randn()"
        G.Iext = "(350 + 50*rand())*pA"  # a few Hz of spiking, as in the microcircuit
    net = Network(G)
    net.run(1 * ms)  # prepare
    dt = defaultclock.dt_
    first = defaultclock.timestep  # continue in time: lastspike stays in the past
    timings = []
    for repeat in range(3):  # the best of 3 blocks of steps
        started = time.perf_counter()
        for step in range(first + repeat * args.steps, first + (repeat + 1) * args.steps):
            t = step * dt
            for code in G.code_objects():  # update, threshold, reset
                code.run(step, t, dt)
        timings.append(time.perf_counter() - started)
    ns = min(timings) / args.steps / args.neurons * 1e9
    import numpy as np
    if not np.all(np.isfinite(np.asarray(G.v_))):
        raise SystemExit("the model diverged: no timing recorded")
    if args.numpy:
        kind = "numpy"
    elif G.state_update_code.compiled_step is not None:
        kind = "one compiled pass: refractoriness, update, threshold (exact_step), best of 3"
    elif G.state_update_code.kernel is not None:
        kind = "generated kernel (distsim/codegen), best of 3"
    else:
        kind = "compiled loop (ext/neuron_kernels.pyx)"
    if args.model == "hh":
        kind = "Hodgkin-Huxley: " + kind
    row = f"| {args.neurons:,} | {args.steps} | {kind}, method {G.state_updater.name} | {ns:.2f} |"
    append_row(os.path.join(HERE, "results", "neuron_update.md"),
               "# Neuron update cost (1 core)\n\n"
               f"Machine: {machine()}. `benchmarks/neuron_update.py`: state update + threshold "
               "+ reset per step; ns per neuron per step.\n\n"
               "| neurons | steps | implementation | ns/neuron/step |\n|---|---|---|---|\n", row)


def hodgkin_huxley(n, method):
    """Brian2's Hodgkin-Huxley example neuron (as tests/reference/brian2_models.py)
    with a spread of input currents, so that some neurons spike."""
    from distsim import NeuronGroup, cm, msiemens, mV, ms, nA, siemens, ufarad, umetre
    area = 20000 * umetre ** 2
    namespace = dict(Cm=1 * ufarad * cm ** -2 * area, gl=5e-5 * siemens * cm ** -2 * area,
                     El=-65 * mV, EK=-90 * mV, ENa=50 * mV, VT=-63 * mV,
                     g_na=100 * msiemens * cm ** -2 * area, g_kd=30 * msiemens * cm ** -2 * area)
    G = NeuronGroup(n, """
    dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
    dm/dt = 0.32*(mV**-1)*(13.*mV-v+VT)/(exp((13.*mV-v+VT)/(4.*mV))-1.)/ms*(1-m)-0.28*(mV**-1)*(v-VT-40.*mV)/(exp((v-VT-40.*mV)/(5.*mV))-1.)/ms*m : 1
    dn/dt = 0.032*(mV**-1)*(15.*mV-v+VT)/(exp((15.*mV-v+VT)/(5.*mV))-1.)/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
    dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
    I : amp
    """, threshold="v > -40*mV", refractory="v > -40*mV", method=method, namespace=namespace)
    G.v = -65 * mV
    G.I = "(0.2 + 1.3*rand())*nA"
    return G


if __name__ == "__main__":
    main()
