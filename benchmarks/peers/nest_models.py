"""The benchmark models in NEST (run in NEST's own environment).

    python nest_models.py microcircuit --scale 1 --threads 2 --duration 1
    python nest_models.py cuba --threads 1 --duration 1

Prints one 'RESULT {json}' line: build and simulate wall times, real-time
factor, peak RSS, synapses and rates (microcircuit: after a 0.1 s transient).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_facts as facts  # noqa: E402


def microcircuit(nest, args):
    n = facts.sizes(args.scale)
    p = facts.NEURON
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": args.threads,
                          "rng_seed": args.seed, "print_time": False})
    params = dict(C_m=p["C_m"], tau_m=p["tau_m"], tau_syn_ex=p["tau_syn"],
                  tau_syn_in=p["tau_syn"], t_ref=p["t_ref"], E_L=p["E_L"],
                  V_reset=p["V_reset"], V_th=p["V_th"])
    populations = [nest.Create("iaf_psc_exp", size, params=params) for size in n]
    for pop in populations:
        pop.V_m = nest.random.normal(mean=-58.0, std=10.0)
    total = 0
    if not args.no_connections:
        # One synapse model per target population: NEST holds at most
        # 134,217,726 connections per thread and synapse model.
        for target in range(8):
            nest.CopyModel("static_synapse", f"static_to_{target}")
        for source, target, k, weight, delay, sd in facts.projections(args.scale):
            nest.Connect(populations[source], populations[target],
                         {"rule": "fixed_total_number", "N": k,
                          "allow_autapses": True, "allow_multapses": True},
                         {"synapse_model": f"static_to_{target}",
                          "weight": nest.math.redraw(nest.random.normal(
                              mean=weight, std=abs(weight) * 0.1),
                              min=-np.inf if weight < 0 else 0.0,
                              max=0.0 if weight < 0 else np.inf),
                          "delay": nest.math.redraw(nest.random.normal(mean=delay, std=sd),
                                                    min=0.1, max=np.inf)})
            total += k
    for pop, k_ext in zip(populations, facts.K_EXT):
        background = nest.Create("poisson_generator", params={"rate": facts.BG_RATE * k_ext})
        nest.Connect(background, pop, "all_to_all",
                     {"weight": facts.W_EX_PA, "delay": 0.1})
    recorders = []
    for pop in populations:
        recorder = nest.Create("spike_recorder")
        nest.Connect(pop, recorder)
        recorders.append(recorder)
    return populations, recorders, total, 100.0


def cuba(nest, args):
    # Brette et al. (2007) CUBA as iaf_psc_exp: a voltage jump w in ge equals a
    # current jump w*C/tau_m.
    c_m, tau_m = 250.0, 20.0
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": args.threads,
                          "rng_seed": args.seed, "print_time": False})
    params = dict(C_m=c_m, tau_m=tau_m, tau_syn_ex=5.0, tau_syn_in=10.0, t_ref=5.0,
                  E_L=-49.0, V_reset=-60.0, V_th=-50.0)
    neurons = nest.Create("iaf_psc_exp", 4000, params=params)
    neurons.V_m = nest.random.uniform(min=-60.0, max=-50.0)
    we, wi = 60 * 0.27 / 10 * c_m / tau_m, -20 * 4.5 / 10 * c_m / tau_m
    total = 0
    if not args.no_connections:
        nest.Connect(neurons[:3200], neurons, {"rule": "pairwise_bernoulli", "p": 0.02},
                     {"weight": we, "delay": 0.1})
        nest.Connect(neurons[3200:], neurons, {"rule": "pairwise_bernoulli", "p": 0.02},
                     {"weight": wi, "delay": 0.1})
        total = nest.GetKernelStatus("num_connections")
    recorder = nest.Create("spike_recorder")
    nest.Connect(neurons, recorder)
    return [neurons], [recorder], total, 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["microcircuit", "cuba"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--no-connections", action="store_true")
    args = parser.parse_args()
    import nest
    nest.set_verbosity("M_ERROR")
    started = time.perf_counter()
    populations, recorders, total, transient = (microcircuit if args.model == "microcircuit"
                                                else cuba)(nest, args)
    nest.Prepare()
    build = time.perf_counter() - started
    started = time.perf_counter()
    nest.Run(args.duration * 1000.0)
    simulate = time.perf_counter() - started
    nest.Cleanup()
    rates = []
    for pop, recorder in zip(populations, recorders):
        times = recorder.get("events")["times"]
        span = args.duration - transient / 1000.0
        rates.append(float(np.sum(np.asarray(times) >= transient) / len(pop) / span))
    facts.report(f"NEST {nest.__version__} ({args.threads} thread{'s' if args.threads > 1 else ''})",
                 args.model, args.scale if args.model == "microcircuit" else 1.0, build, simulate,
                 args.duration, int(total), rates)


if __name__ == "__main__":
    main()
