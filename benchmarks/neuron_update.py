"""Benchmark: cost of the PD14 neuron's update (exact integration, threshold,
reset, refractoriness) per neuron and step, on one core.

    python benchmarks/neuron_update.py --neurons 40000 --steps 2000

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
    args = parser.parse_args()
    from distsim.model.integration import ExactUpdater
    ExactUpdater.use_numpy = args.numpy
    from distsim import NeuronGroup, defaultclock, ms, mV, pA, pF, seed
    from distsim.network import Network
    seed(1)
    tau_m, tau_syn, Cm, v_r, theta = 10 * ms, 0.5 * ms, 250 * pF, -65 * mV, -50 * mV
    G = NeuronGroup(args.neurons, """
        dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
        dI/dt = -I/tau_syn : amp
        Iext : amp""", threshold="v > theta", reset="v = v_r", refractory=2 * ms,
        method="exact")
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
            G.update_state(step, t, dt)
            spikes = G.spikes(step, t, dt)
            G.apply_reset(spikes, step, t, dt)
        timings.append(time.perf_counter() - started)
    ns = min(timings) / args.steps / args.neurons * 1e9
    if args.numpy:
        kind = "numpy"
    elif G._compiled_step is not None:
        kind = "one compiled pass: refractoriness, update, threshold (exact_step), best of 3"
    else:
        kind = "compiled loop (ext/neuron_kernels.pyx)"
    row = f"| {args.neurons:,} | {args.steps} | {kind}, method {G.state_updater.name} | {ns:.2f} |"
    append_row(os.path.join(HERE, "results", "neuron_update.md"),
               "# PD14 neuron update cost (1 core)\n\n"
               f"Machine: {machine()}. `benchmarks/neuron_update.py`: state update + threshold "
               "+ reset per step; ns per neuron per step.\n\n"
               "| neurons | steps | implementation | ns/neuron/step |\n|---|---|---|---|\n", row)


if __name__ == "__main__":
    main()
