"""The benchmark models in Brian2 (run in Brian2's own environment: it needs
numpy < 2.4), written as the seed thread writes them.

    python brian2_models.py microcircuit --scale 1 --duration 1
    python brian2_models.py cuba --duration 1

Cython code generation; the compiled code is cached by Brian2, so run once to
warm the cache. Prints one 'RESULT {json}' line.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_facts as facts  # noqa: E402


def microcircuit(b2, args):
    ms, mV, pA, pF, Hz = b2.ms, b2.mV, b2.pA, b2.pF, b2.Hz
    n_layer = facts.sizes(args.scale)
    p = facts.NEURON
    tau_m, tau_syn, Cm = p["tau_m"] * ms, p["tau_syn"] * ms, p["C_m"] * pF
    v_r, theta = p["V_reset"] * mV, p["V_th"] * mV
    eqs = """
        dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
        dI/dt = -I/tau_syn : amp
        Iext : amp
    """
    neurons = b2.NeuronGroup(sum(n_layer), eqs, threshold="v > theta", reset="v = v_r",
                             refractory=p["t_ref"] * ms, method="exact",
                             namespace=dict(v_r=v_r, theta=theta, tau_m=tau_m, tau_syn=tau_syn,
                                            Cm=Cm))
    neurons.v = "-58.0*mV + 10.0*mV*randn()"
    bounds = np.concatenate([[0], np.cumsum(n_layer)])
    groups = [neurons[bounds[r]:bounds[r + 1]] for r in range(8)]
    objects = [neurons]
    for group, k_ext in zip(groups, facts.K_EXT):
        objects.append(b2.PoissonInput(group, "I", k_ext, facts.BG_RATE * Hz,
                                       weight=facts.W_EX_PA * pA))
    total = 0
    if not args.no_connections:
        for source, target, k, weight, mean_delay, sd in facts.projections(args.scale):
            S = b2.Synapses(groups[source], groups[target], "w : amp", on_pre="I_post += w")
            S.connect(i=np.random.randint(n_layer[source], size=k),
                      j=np.random.randint(n_layer[target], size=k))
            S.w = f"{weight}*pA * (1 + 0.1*randn())"
            S.delay = f"clip({mean_delay}*ms + {sd}*randn()*ms, 0.1*ms, inf*ms)"
            objects.append(S)
            total += k
    monitors = [b2.SpikeMonitor(g) for g in groups]
    return objects + monitors, monitors, n_layer, total, 0.1


def cuba(b2, args):
    ms, mV = b2.ms, b2.mV
    namespace = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV,
                     El=-49 * mV, we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = b2.NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                       method="exact", namespace=namespace)
    P.v = "Vr + rand() * (Vt - Vr)"
    objects = [P]
    total = 0
    if not args.no_connections:
        Ce = b2.Synapses(P, P, on_pre="ge += we", namespace=namespace)
        Ci = b2.Synapses(P, P, on_pre="gi += wi", namespace=namespace)
        Ce.connect("i<3200", p=0.02)
        Ci.connect("i>=3200", p=0.02)
        objects += [Ce, Ci]
        # (standalone: the synapses exist only once the program ran)
        total = 0 if args.device == "cpp_standalone" else len(Ce) + len(Ci)
    monitor = b2.SpikeMonitor(P)
    return objects + [monitor], [monitor], [4000], total, 0.0


def stdp(b2, args):
    objects, monitors, sizes, total = facts.stdp_network(b2, args.no_connections, args.scale)
    return objects, monitors, sizes, total, 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["microcircuit", "cuba", "stdp"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--no-connections", action="store_true")
    parser.add_argument("--device", choices=["runtime", "cpp_standalone"], default="runtime",
                        help="cpp_standalone: Brian2 generates, compiles and runs a C++ "
                             "program; the simulate time is the program's own run time")
    args = parser.parse_args()
    import brian2 as b2
    if args.device == "cpp_standalone":
        return standalone(b2, args)
    b2.prefs.codegen.target = "cython"
    b2.seed(args.seed)
    b2.defaultclock.dt = 0.1 * b2.ms
    started = time.perf_counter()
    objects, monitors, sizes, total, transient = {"microcircuit": microcircuit, "cuba": cuba,
                                                  "stdp": stdp}[args.model](b2, args)
    net = b2.Network(objects)
    build = time.perf_counter() - started
    started = time.perf_counter()
    net.run(0 * b2.ms)  # code generation and run preparation, reported apart
    prepare = time.perf_counter() - started
    started = time.perf_counter()
    net.run(args.duration * b2.second)
    simulate = time.perf_counter() - started
    rates = [float(np.sum(np.asarray(m.t / b2.second) >= transient) / n /
                   (args.duration - transient)) for m, n in zip(monitors, sizes)]
    facts.report(f"Brian2 {b2.__version__} (cython, 1 process)", args.model,
                 args.scale if args.model in ("microcircuit", "stdp") else 1.0, build, simulate,
                 args.duration, int(total), rates, {"prepare_s": prepare})


def standalone(b2, args):
    """The model as Brian2's C++ standalone program (built in a temporary
    directory; the simulate time is ``device._last_run_time``, the run of the
    compiled program, which includes its start and writing its results)."""
    import tempfile
    with tempfile.TemporaryDirectory() as directory:
        b2.set_device("cpp_standalone", build_on_run=False, directory=directory)
        b2.seed(args.seed)
        b2.defaultclock.dt = 0.1 * b2.ms
        started = time.perf_counter()
        objects, monitors, sizes, total, transient = {"microcircuit": microcircuit,
                                                      "cuba": cuba, "stdp": stdp}[
            args.model](b2, args)
        net = b2.Network(objects)
        net.run(args.duration * b2.second)
        b2.device.build(directory=directory, compile=True, run=True, with_output=False)
        build = time.perf_counter() - started - b2.device._last_run_time
        simulate = b2.device._last_run_time
        rates = [float(np.sum(np.asarray(m.t / b2.second) >= transient) / n /
                       (args.duration - transient)) for m, n in zip(monitors, sizes)]
        total = int(sum(len(o) for o in objects if isinstance(o, b2.Synapses)))
    facts.report(f"Brian2 {b2.__version__} (cpp_standalone, 1 process)", args.model,
                 args.scale if args.model in ("microcircuit", "stdp") else 1.0, build, simulate,
                 args.duration, total, rates, {})


if __name__ == "__main__":
    main()
