"""NEST's iaf_psc_exp update cost per neuron and step (the peer of
benchmarks/neuron_update.py): 40,000 unconnected neurons with a constant
current firing a few Hz, one thread, 1 s.

    python nest_neuron_update.py   # in NEST's environment

Appends a row to benchmarks/results/neuron_update.md.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from tables import append_row  # noqa: E402


def main(n=40000, duration_ms=200.0):
    import nest
    nest.set_verbosity("M_ERROR")
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": 1})
    neurons = nest.Create("iaf_psc_exp", n, params=dict(
        C_m=250.0, tau_m=10.0, tau_syn_ex=0.5, tau_syn_in=0.5, t_ref=2.0, E_L=-65.0,
        V_reset=-65.0, V_th=-50.0))
    neurons.I_e = nest.random.uniform(min=350.0, max=400.0)
    neurons.V_m = nest.random.normal(mean=-58.0, std=10.0)
    nest.Prepare()
    started = time.perf_counter()
    nest.Run(duration_ms)
    elapsed = time.perf_counter() - started
    nest.Cleanup()
    ns = elapsed / (duration_ms / 0.1) / n * 1e9
    append_row(os.path.join(os.path.dirname(HERE), "results", "neuron_update.md"), "",
               f"| {n:,} | {int(duration_ms / 0.1)} | NEST {nest.__version__} iaf_psc_exp, "
               f"1 thread | {ns:.2f} |")


if __name__ == "__main__":
    main()
