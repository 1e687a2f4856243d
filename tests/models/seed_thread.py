"""The seed thread's first example (seeds/000): four projections between
subgroups, built as a list of Synapses (method 1) or as one Synapses with
explicit index arrays (method 2). In Brian2, method 1's list was silently
left out of run(); in distsim both must give the same spikes."""
import numpy as np

from distsim import NeuronGroup, SpikeMonitor, Synapses, ms, run, start_scope


def simulate(method, duration=100 * ms):
    start_scope()
    np.random.seed(100)
    n_layer = [10, 10, 10, 10]
    src, tgt, nsyn_list = [0, 0, 2, 2], [0, 1, 2, 3], [3, 5, 7, 9]
    bounds = np.concatenate([[0], np.cumsum(n_layer)])
    neurons = NeuronGroup(sum(n_layer), "dv/dt = (I-v)/tau : 1\nI : 1\ntau : second",
                          threshold="v>1", reset="v = 0", method="exact")
    neurons.I = 2
    neurons.tau = 10 * ms
    n_groups = [neurons[bounds[r]:bounds[r + 1]] for r in range(len(n_layer))]
    syn_group = []
    if method == 2:
        syn = Synapses(neurons, neurons, on_pre="v_post += 0.2")
    for k, nsyn in enumerate(nsyn_list):
        pre = np.random.randint(n_layer[src[k]], size=nsyn)
        post = np.random.randint(n_layer[tgt[k]], size=nsyn)
        if method == 1:
            syn_group.append(Synapses(n_groups[src[k]], n_groups[tgt[k]], on_pre="v_post += 0.2"))
            syn_group[-1].connect(i=pre, j=post)
            syn_group[-1].delay = 1.4 * ms
        else:
            syn.connect(i=pre + bounds[src[k]], j=post + bounds[tgt[k]])
            syn.delay = 1.4 * ms
    if method == 2:
        syn_group.append(syn)
    monitor = SpikeMonitor(neurons)
    run(duration)
    return monitor.i.copy(), monitor.t_.copy(), np.asarray(neurons.v)
