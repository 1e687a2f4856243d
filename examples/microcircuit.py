"""The cortical microcircuit of Potjans & Diesmann (2014), written as the seed
thread's Brian2 script (one NeuronGroup, a subgroup per population, a Synapses
object per projection, PoissonInput background), run with distsim.

    mpirun -n 2 python examples/microcircuit.py --scale 0.1 --duration 1

``--groups per-population`` writes each population as its own NeuronGroup (as
PyNN and NEST scripts do): every rank then holds a share of every population,
which evens out the ranks' synapses and build (docs/performance.md).

Connections use the model's "fixed total number" rule with multapses
(``connect(fixed_total_number=K)``, a distsim extension after NEST): each rank
draws the synapses of its own neurons, no rank holds a global synapse list.
"""
import argparse
import time

import numpy as np

from distsim import *
from distsim.network import magic_network
from distsim.parallel import get_comm, rank, size
from distsim.utils.memory import peak_rss_bytes

# --- model facts (../shared/reference/microcircuit.md) -----------------------
l_name = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
n_full = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
bg_layer = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
# connection probabilities, row = target, column = source
p_conn = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])

def build_microcircuit(scale=1.0, report=True, groups="one"):
    """The network, as the seed thread builds it (``groups="one"``: one
    NeuronGroup, a subgroup per population) or with a NeuronGroup per
    population (``groups="per-population"``). Returns the neuron group (the
    list of groups for "per-population"), the populations, the Synapses objects and the background
    PoissonInputs (the caller must keep them: as in Brian2, run() simulates
    only the objects the script still references), the population sizes and
    the number of synapses."""
    n_layer = [max(1, int(round(n * scale))) for n in n_full]
    defaultclock.dt = 0.1*ms
    tau_m = 10.0*ms
    tau_syn = 0.5*ms
    tau_ref = 2.0*ms
    Cm = 250.0*pF
    v_r = -65.0*mV
    theta = -50.0*mV
    w_ex = 87.81*pA
    g = 4
    bg_freq = 8*Hz
    d_ex, std_d_ex = 1.5*ms, 0.75*ms
    d_in, std_d_in = 0.75*ms, 0.375*ms

    eqs = '''
        dv/dt = (-v + v_r)/tau_m + (I + Iext)/Cm : volt (unless refractory)
        dI/dt = -I/tau_syn : amp
        Iext : amp
    '''

    if groups not in ("one", "per-population"):
        raise ValueError(f"groups must be 'one' or 'per-population', got {groups!r}")
    # Each rank holds a contiguous block of each NeuronGroup: with one group,
    # rank 0 of 2 holds L2/3 and half of L4E; with a group per population,
    # a share of every population.
    sizes = [sum(n_layer)] if groups == "one" else n_layer
    neurons = []
    for n in sizes:  # a loop, not a comprehension: the group sees this function's names
        group = NeuronGroup(n, eqs, threshold='v > theta', reset='v = v_r',
                            refractory=tau_ref, method='exact')
        neurons.append(group)
        group.v = '-58.0*mV + 10.0*mV*randn()'
        group.I = 0*pA
        group.Iext = 0*pA
    if groups == "one":
        neurons = neurons[0]
        bounds = np.concatenate([[0], np.cumsum(n_layer)])
        n_groups = [neurons[bounds[r]:bounds[r + 1]] for r in range(len(n_layer))]
    else:
        n_groups = neurons

    syn_in = [PoissonInput(n_groups[r], 'I', bg_layer[r], bg_freq, weight=w_ex)
              for r in range(len(n_groups))]

    syn_group = []
    n_synapses = 0
    for target in range(8):
        for source in range(8):
            p = p_conn[target, source]
            if p == 0:
                continue
            n_pre, n_post = n_layer[source], n_layer[target]
            nsyn = int(round(np.log(1.0 - p) / np.log(1.0 - 1.0 / (n_pre * n_post))))
            excitatory = source % 2 == 0
            weight = w_ex * (2 if (source, target) == (2, 0) else 1) * (1 if excitatory else -g)
            delay, delay_sd = (d_ex, std_d_ex) if excitatory else (d_in, std_d_in)
            S = Synapses(n_groups[source], n_groups[target], 'w : amp', on_pre='I_post += w',
                         name=f"{l_name[source]}_to_{l_name[target]}")
            S.connect(fixed_total_number=nsyn)
            S.w = f'{float(weight / pA)}*pA * (1 + 0.1*randn())'
            S.delay = f'clip({float(delay / ms)}*ms + {float(delay_sd / ms)}*ms*randn(), 0.1*ms, inf*ms)'
            syn_group.append(S)
            n_synapses += nsyn
            if rank() == 0 and report:
                print(f"  built {S.name}: {nsyn} synapses", flush=True)

    return neurons, n_groups, syn_group, syn_in, n_layer, n_synapses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="neurons scaled by this factor, connection probabilities kept")
    parser.add_argument("--duration", type=float, default=1.0, help="biological seconds")
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--groups", choices=("one", "per-population"), default="one",
                        help="one NeuronGroup with a subgroup per population (the seed "
                             "thread's script), or a NeuronGroup per population")
    parser.add_argument("--output", default="microcircuit.h5")
    parser.add_argument("--report", default="text")
    parser.add_argument("--transient", type=float, default=0.1,
                        help="seconds left out of the rate table")
    args = parser.parse_args()
    wall_start = time.perf_counter()
    seed(args.seed)
    neurons, n_groups, syn_group, syn_in, n_layer, n_synapses = build_microcircuit(
        args.scale, bool(args.report), args.groups)
    monitors = [SpikeMonitor(group, name=name) for group, name in zip(n_groups, l_name)]
    build_time = time.perf_counter() - wall_start

    run(args.duration*second, report=args.report or None, output=args.output,
        flush_interval=0.1*second)
    # Synapses are built by all ranks at once when the run starts (queued by
    # connect() and the assignments): that is build time, not simulation.
    build_time += magic_network.wall_times["prepare"]
    sim_time = magic_network.wall_times["simulate"]

    write_start = time.perf_counter()
    save(args.output)
    write_time = time.perf_counter() - write_start
    # Collective: every rank's peak resident memory and waiting, to rank 0.
    peaks = get_comm().gather(peak_rss_bytes(), root=0)
    waits = get_comm().gather(magic_network.exchange_wait, root=0)

    if rank() == 0:
        print(f"\nPotjans-Diesmann microcircuit, scale {args.scale:g}: {sum(n_layer)} neurons, "
              f"{n_synapses} synapses, {size()} MPI rank(s), seed {args.seed}")
        span = args.duration - args.transient
        if span > 0:
            print(f"{'population':<8} {'neurons':>8} {'rate (Hz)':>10}   (after {args.transient:g} s)")
            for name, mon, n in zip(l_name, monitors, n_layer):
                count = np.sum(np.asarray(mon.t_) >= args.transient)
                print(f"{name:<8} {n:>8} {count / n / span:>10.3f}")
        else:
            print(f"(no rate table: the run is not longer than the {args.transient:g} s transient)")
        print(f"build {build_time:.1f} s, simulate {sim_time:.1f} s "
              f"(real-time factor {sim_time / max(args.duration, 1e-12):.1f}), write {write_time:.1f} s")
        print("peak memory per rank: " + ", ".join(f"{peak / 2**30:.2f}" for peak in peaks)
              + " GiB")
        print("waiting in the spike exchange per rank: " + ", ".join(
            f"{wait:.2f} s ({100 * wait / max(sim_time, 1e-12):.1f}%)" for wait in waits))


if __name__ == "__main__":
    main()
