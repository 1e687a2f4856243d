"""The benchmark models' facts, shared by the peer scripts (NEST, Brian2) so
that every simulator runs the same model (../shared/reference/microcircuit.md)."""
import numpy as np

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
# row = target, column = source
P_CONN = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]])
W_EX_PA, G_INH, BG_RATE = 87.81, 4.0, 8.0
DELAY_EX, DELAY_EX_SD, DELAY_IN, DELAY_IN_SD = 1.5, 0.75, 0.75, 0.375   # ms
NEURON = dict(C_m=250.0, tau_m=10.0, tau_syn=0.5, t_ref=2.0, E_L=-65.0, V_reset=-65.0,
              V_th=-50.0)


# Brian2's STDP example (Song, Miller & Abbott 2000), with N_OUT target neurons
# instead of 1 so that the plastic synapses dominate: every input connects to
# every target (N_IN x N_OUT synapses, each with event-driven traces).
STDP = dict(N_IN=1000, N_OUT=1000, F=15.0, gmax=0.01, taum=10.0, taupre=20.0, taupost=20.0,
            Ee=0.0, vt=-54.0, vr=-60.0, El=-74.0, taue=5.0, dApre=0.01)
STDP_NEURONS = """dv/dt = (ge * (Ee-v) + El - v) / taum : volt
                  dge/dt = -ge / taue : 1"""
STDP_SYNAPSES = """w : 1
                   dApre/dt = -Apre / taupre : 1 (event-driven)
                   dApost/dt = -Apost / taupost : 1 (event-driven)"""
STDP_ON_PRE = """ge += w
                 Apre += dApre
                 w = clip(w + Apost, 0, gmax)"""
STDP_ON_POST = """Apost += dApost
                  w = clip(w + Apre, 0, gmax)"""


def stdp_namespace(sim):
    """The STDP model's constants in simulator ``sim``'s units (brian2 or distsim)."""
    p = STDP
    ms, mV = sim.ms, sim.mV
    d_apre = p["dApre"] * p["gmax"]
    return dict(taum=p["taum"] * ms, taupre=p["taupre"] * ms, taupost=p["taupost"] * ms,
                Ee=p["Ee"] * mV, vt=p["vt"] * mV, vr=p["vr"] * mV, El=p["El"] * mV,
                taue=p["taue"] * ms, gmax=p["gmax"], dApre=d_apre,
                dApost=-d_apre * p["taupre"] / p["taupost"] * 1.05)


def stdp_network(sim, no_connections=False, scale=1.0):
    """The STDP benchmark in ``sim`` (the same text for brian2 and distsim),
    with N_OUT x ``scale`` targets. Returns (objects, spike monitors, sizes,
    synapses)."""
    p = dict(STDP, N_OUT=int(round(STDP["N_OUT"] * scale)))
    ns = stdp_namespace(sim)
    inputs = sim.PoissonGroup(p["N_IN"], rates=p["F"] * sim.Hz)
    neurons = sim.NeuronGroup(p["N_OUT"], STDP_NEURONS, threshold="v>vt", reset="v = vr",
                              method="euler", namespace=ns)
    neurons.v = "vr"
    objects = [inputs, neurons]
    total = 0
    if not no_connections:
        S = sim.Synapses(inputs, neurons, STDP_SYNAPSES, on_pre=STDP_ON_PRE,
                         on_post=STDP_ON_POST, namespace=ns)
        S.connect()
        S.w = "rand() * gmax"
        objects.append(S)
        total = p["N_IN"] * p["N_OUT"]
    monitor = sim.SpikeMonitor(neurons)
    return objects + [monitor], [monitor], [p["N_OUT"]], total


def sizes(scale):
    return [max(1, int(round(n * scale))) for n in N_FULL]


def n_synapses(p, n_pre, n_post):
    return int(round(np.log(1.0 - p) / np.log(1.0 - 1.0 / (n_pre * n_post))))


def projections(scale):
    """(source, target, K, weight pA, delay ms, delay sd ms) of each projection."""
    n = sizes(scale)
    for target in range(8):
        for source in range(8):
            p = P_CONN[target, source]
            if p == 0:
                continue
            excitatory = source % 2 == 0
            weight = W_EX_PA * (2 if (source, target) == (2, 0) else 1) * (1 if excitatory else -G_INH)
            delay, sd = (DELAY_EX, DELAY_EX_SD) if excitatory else (DELAY_IN, DELAY_IN_SD)
            yield source, target, n_synapses(p, n[source], n[target]), weight, delay, sd


def peak_rss_bytes():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def report(simulator, model, scale, build_s, simulate_s, duration_s, synapses, rates, extra=None):
    """One JSON line the benchmark driver collects."""
    import json
    row = dict(simulator=simulator, model=model, scale=scale, build_s=build_s,
               simulate_s=simulate_s, rtf=simulate_s / duration_s, peak_rss=peak_rss_bytes(),
               synapses=synapses, rates=rates)
    row.update(extra or {})
    print("RESULT " + json.dumps(row), flush=True)
