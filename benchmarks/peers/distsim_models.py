"""The benchmark models in distsim (run under mpirun), same facts as the peers.

    mpirun -n 2 python distsim_models.py microcircuit --scale 1 --duration 1

Prints one 'RESULT {json}' line (rank 0); peak RSS is summed over ranks.
"""
import argparse
import importlib.util
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import model_facts as facts  # noqa: E402


def microcircuit(ds, args):
    spec = importlib.util.spec_from_file_location("microcircuit",
                                                  os.path.join(ROOT, "examples", "microcircuit.py"))
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    if args.no_connections:
        model.p_conn = np.zeros_like(model.p_conn)
    network = model.build_microcircuit(args.scale, report=False)
    neurons, groups, synapses, inputs, n_layer, total = network
    monitors = [ds.SpikeMonitor(g) for g in groups]
    return network, monitors, n_layer, total, 0.1


def cuba(ds, args):
    ms, mV = ds.ms, ds.mV
    namespace = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, Vt=-50 * mV, Vr=-60 * mV,
                     El=-49 * mV, we=(60 * 0.27 / 10) * mV, wi=(-20 * 4.5 / 10) * mV)
    eqs = """
    dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = ds.NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                       method="exact", namespace=namespace)
    P.v = "Vr + rand() * (Vt - Vr)"
    total = 0
    network = [P]
    if not args.no_connections:
        Ce = ds.Synapses(P, P, on_pre="ge += we", namespace=namespace)
        Ci = ds.Synapses(P, P, on_pre="gi += wi", namespace=namespace)
        Ce.connect("i<3200", p=0.02)
        Ci.connect("i>=3200", p=0.02)
        total = Ce.N + Ci.N
        network += [Ce, Ci]
    return network, [ds.SpikeMonitor(P)], [4000], total, 0.0


def stdp(ds, args):
    network, monitors, sizes, total = facts.stdp_network(ds, args.no_connections, args.scale)
    return network, monitors, sizes, total, 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["microcircuit", "cuba", "stdp"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=100)
    parser.add_argument("--no-connections", action="store_true")
    args = parser.parse_args()
    import distsim as ds
    from distsim.parallel import get_comm
    from mpi4py import MPI
    comm = get_comm()
    ds.seed(args.seed)
    started = time.perf_counter()
    # The model's objects stay referenced here: run() simulates only the
    # objects the script keeps (Brian2's magic network).
    network, monitors, sizes, total, transient = {"microcircuit": microcircuit, "cuba": cuba,
                                         "stdp": stdp}[args.model](ds, args)
    comm.Barrier()
    build = time.perf_counter() - started
    started = time.perf_counter()
    ds.run(args.duration * ds.second)
    comm.Barrier()
    # Synapses are built when the run starts (queued construction): build
    # is everything before the first step, simulate the steps themselves.
    from distsim.network import magic_network
    simulate = comm.allreduce(magic_network.wall_times["simulate"], op=MPI.MAX)
    build += time.perf_counter() - started - simulate
    rates = [float(np.sum(np.asarray(m.t_) >= transient) / n / (args.duration - transient))
             for m, n in zip(monitors, sizes)]
    peak = comm.allreduce(facts.peak_rss_bytes())
    if comm.Get_rank() == 0:
        facts.peak_rss_bytes = lambda: peak
        facts.report(f"distsim {ds.__version__} ({comm.Get_size()} rank{'s' if comm.Get_size() > 1 else ''})",
                     args.model, args.scale if args.model in ("microcircuit", "stdp") else 1.0, build,
                     simulate, args.duration, int(total), rates)


if __name__ == "__main__":
    main()
