"""Reference models of multicompartment neurons (Brian2's ``SpatialNeuron``),
the features Brian2's Brette_2012 examples use: run by Brian2
(make_brian2_reference.py) and by distsim (tests/test_spatial.py). Each
function takes the simulator module and returns a dict of arrays (SI units).
"""
import numpy as np


def _parameters(sim):
    return dict(EL=-75 * sim.mV, Cm=0.75 * sim.uF / sim.cm ** 2,
                gL=1.0 / (30000 * sim.ohm * sim.cm ** 2), Ri=150 * sim.ohm * sim.cm,
                ENa=60 * sim.mV, ka=6 * sim.mV, va=-40 * sim.mV, taum=0.1 * sim.ms)


def ball_and_stick_clamp(sim):
    """A soma with a 300-compartment axon, Na channels at one location, a
    somatic voltage clamp whose command ramps with t (a shared
    subexpression), default integration method; morphology variables read
    back, compartments addressed by distance."""
    ms, um, mV = sim.ms, sim.um, sim.mV
    p = _parameters(sim)
    EL, gL, ENa, ka, va, taum = p["EL"], p["gL"], p["ENa"], p["ka"], p["va"], p["taum"]
    gNa_0 = gL * 2 * 7.85e-9 * sim.meter ** 2
    duration = 20 * ms
    sim.defaultclock.dt = 0.025 * ms
    morpho = sim.Soma(50 * um)
    morpho.axon = sim.Cylinder(diameter=1 * um, length=300 * um, n=300)
    eqs = """
    Im = gL*(EL - v) + gclamp*(vc - v) + gNa*m*(ENa - v) : amp/meter**2
    dm/dt = (minf - m) / taum: 1
    minf = 1 / (1 + exp((va - v) / ka)) : 1
    gclamp : siemens/meter**2
    gNa : siemens/meter**2
    vc = EL + 50*mV * t/duration : volt (shared)
    """
    neuron = sim.SpatialNeuron(morphology=morpho, model=eqs, Cm=p["Cm"], Ri=p["Ri"])
    compartment = morpho.axon[40 * um]
    neuron.v = EL
    neuron.gclamp[0] = gL * 500
    neuron.gNa[compartment] = gNa_0 / neuron.area[compartment]
    mon = sim.StateMonitor(neuron, ["v", "m", "vc"], record=[0, 10, 40, 41, 150, 300])
    sim.run(duration)
    sim.defaultclock.dt = 0.1 * ms
    return dict(v=np.asarray(mon.v_), m=np.asarray(mon.m_), vc=np.asarray(mon[0].vc / mV),
                m_40=np.asarray(mon[compartment].m), index=np.array(compartment._indices()),
                area=np.asarray(neuron.area_[:]), distance=np.asarray(neuron.distance_[:]),
                r_length_1=np.asarray(neuron.r_length_1_[:]),
                length=np.asarray(neuron.length_[:]), v_end=np.asarray(neuron.v_[:]))


def tapering_axon_point_current(sim):
    """A tapering axon (``Section`` with per-compartment diameters), a
    channel profile over a range of distances, a point current switched on
    between two runs, exponential Euler for the gating variable, a branch
    (two children on the soma and one on the axon), a synapse onto the
    dendrite's tip and a monitor given by distance (parts of the morphology
    as indices), and Brian2's time and space constants."""
    ms, um = sim.ms, sim.um
    p = _parameters(sim)
    EL, gL, ENa, ka, va, taum = p["EL"], p["gL"], p["ENa"], p["ka"], p["va"], p["taum"]
    gNa_0 = gL * 2 * 7.85e-9 * sim.meter ** 2
    sim.defaultclock.dt = 0.025 * ms
    morpho = sim.Soma(30 * um)
    diameters = np.hstack([np.linspace(4, 1, 11), np.ones(40)]) * um
    morpho.axon = sim.Section(diameter=diameters, length=np.ones(50) * 2 * um, n=50)
    morpho.dend = sim.Cylinder(diameter=2 * um, length=100 * um, n=20)
    morpho.axon.collateral = sim.Cylinder(diameter=0.5 * um, length=50 * um, n=10)
    eqs = """
    Im = gL*(EL - v) + gNa*m*(ENa - v) : amp/meter**2
    dm/dt = (minf - m) / taum : 1
    minf = 1 / (1 + exp((va - v) / ka)) : 1
    gNa : siemens/meter**2
    Iin : amp (point current)
    """
    neuron = sim.SpatialNeuron(morphology=morpho, model=eqs, Cm=p["Cm"], Ri=p["Ri"],
                               method="exponential_euler")
    compartments = morpho.axon[20 * um:40 * um]
    profile = np.linspace(1, 0, len(compartments))
    profile = profile / np.sum(profile)
    neuron.v = EL
    neuron.gNa[compartments] = gNa_0 * 20 * profile / neuron.area[compartments]
    neuron.dend.Cm = 2 * p["Cm"]
    mon = sim.StateMonitor(neuron, "v", record=True)
    spikes_at = sim.StateMonitor(neuron, "m", record=[0, 15, 70])
    at_distance = sim.StateMonitor(neuron, "m", record=morpho.axon[20 * um])
    kick = sim.SpikeGeneratorGroup(1, [0], [2 * ms])
    onto_tip = sim.Synapses(kick, neuron, on_pre="v += 10*mV")
    onto_tip.connect(i=0, j=morpho.dend[-1])
    sim.run(5 * ms)
    neuron.Iin[0] = gL * 40 * sim.mV * neuron.area[0]
    sim.run(15 * ms)
    sim.defaultclock.dt = 0.1 * ms
    return dict(v=np.asarray(mon.v_), m=np.asarray(spikes_at.m_),
                indices=np.asarray(compartments._indices()),
                main=np.array([neuron.main.N, neuron.axon.N, neuron.dend.N,
                               neuron.axon.collateral.N]),
                area=np.asarray(neuron.area_[:]), distance=np.asarray(neuron.distance_[:]),
                Cm=np.asarray(neuron.Cm_[:]), m_20um=np.asarray(at_distance.m_),
                tip=np.asarray(onto_tip.j[:]),
                space_constant=np.asarray(neuron.space_constant[:] / sim.meter),
                time_constant=np.asarray(neuron.time_constant[:] / sim.second))


def threshold_and_reset_synapses(sim):
    """A threshold at one compartment with refractoriness, and Synapses from
    the cell onto all of its compartments that reset it (Brette 2012's
    Fig. 5A trick). The model has a noise term (so the method is chosen as
    for a stochastic model: heun) whose amplitude is 0 here, which keeps
    the spikes comparable one by one."""
    ms, um, mV = sim.ms, sim.um, sim.mV
    p = _parameters(sim)
    EL, gL, ENa, ka, va, taum = p["EL"], p["gL"], p["ENa"], p["ka"], p["va"], p["taum"]
    gNa_0 = gL * 2 * 7.85e-9 * sim.meter ** 2
    sim.defaultclock.dt = 0.025 * ms
    morpho = sim.Soma(50 * um)
    morpho.axon = sim.Cylinder(diameter=1 * um, length=300 * um, n=300)
    taux, sigmax, xx0 = 5 * ms, 0 * mV, 25 * mV
    compartment = 40
    eqs = """
    Im = gL * (EL - v) + gNa * m * (ENa - v) + gLx * (xx0 + xx) : amp/meter**2
    dm/dt = (minf - m) / taum : 1
    minf = 1 / (1 + exp((va - v) / ka)) : 1
    gNa : siemens/meter**2
    gLx : siemens/meter**2
    dxx/dt = -xx / taux + sigmax * (2 / taux)**.5 *xi : volt
    """
    neuron = sim.SpatialNeuron(morphology=morpho, model=eqs, Cm=p["Cm"], Ri=p["Ri"],
                               threshold="m>0.5", threshold_location=compartment,
                               refractory=5 * ms)
    neuron.v = EL
    neuron.gLx[0] = gL
    neuron.gNa[compartment] = gNa_0 / neuron.area[compartment]
    reset = sim.Synapses(neuron, neuron, on_pre="v = EL")
    reset.connect("i == compartment")
    sim.store("start")  # (Destexhe et al. 1998's example restores its cell in a loop)
    neuron.gLx[0] = 3 * gL
    sim.run(30 * ms)
    sim.restore("start")
    spikes = sim.SpikeMonitor(neuron)
    mon = sim.StateMonitor(neuron, "v", record=[0, 300])
    sim.run(200 * ms)
    sim.defaultclock.dt = 0.1 * ms
    return dict(spike_i=np.asarray(spikes.i), spike_t=np.asarray(spikes.t_),
                v=np.asarray(mon.v_), synapses=np.array([len(reset)]))


def subtree_parts(sim):
    """Parts of a cell addressed as Brian2's compartmental examples do
    (bipolar_cell, spike_initiation): a distance range of a subtree
    (``neuron.L[10*um:30*um]``), a monitor of a subtree read by a
    morphology part (absolute numbers, relative to the subtree) and a
    monitor recording a part."""
    ms, um, nA = sim.ms, sim.um, sim.nA
    p = _parameters(sim)
    sim.defaultclock.dt = 0.025 * ms
    morpho = sim.Soma(30 * um)
    morpho.axon = sim.Cylinder(diameter=1 * um, length=100 * um, n=20)
    morpho.L = sim.Cylinder(diameter=1 * um, length=100 * um, n=50)
    morpho.R = sim.Cylinder(diameter=1 * um, length=150 * um, n=50)
    eqs = """
    Im = gL * (EL - v) + gx * (EL + 20*mV - v) : amp/meter**2
    gx : siemens/meter**2
    I : amp (point current)
    """
    neuron = sim.SpatialNeuron(morphology=morpho, model=eqs, Cm=p["Cm"], Ri=p["Ri"],
                               method="exponential_euler",
                               namespace=dict(gL=p["gL"], EL=p["EL"]))
    neuron.v = p["EL"]
    neuron.L[10 * um:30 * um].gx = 5 * p["gL"]
    mon_R = sim.StateMonitor(neuron.R, "v", record=True)
    mon_L = sim.StateMonitor(neuron, "v", record=morpho.L[50 * um])
    sim.run(1 * ms)
    neuron.I[morpho.L[50 * um]] = 0.2 * nA
    sim.run(4 * ms)
    sim.defaultclock.dt = 0.1 * ms
    return dict(v_R=np.asarray(mon_R[morpho.R[75 * um]].v / sim.volt),
                v_L=np.asarray(mon_L[morpho.L[50 * um]].v / sim.volt),
                gx=np.asarray(neuron.gx_[:]))


def coordinates(sim):
    """Compartments' coordinates (Brian2's: a section's points relative to
    its parent's end, a soma's absolute, NaN for a section without them),
    lengths from coordinates (Destexhe et al. 1998's cell), a passive
    response to a point current and the field it makes at two electrodes
    (Brian2's lfp.py: a summed variable after the cell's update)."""
    ms, um, nA = sim.ms, sim.um, sim.nA
    sim.defaultclock.dt = 0.025 * ms
    morpho = sim.Soma(20 * um, x=5 * um, y=-3 * um)
    morpho.dend = sim.Cylinder(x=[0, 30] * um, y=[0, 40] * um, diameter=2 * um, n=5)
    morpho.dend.tip = sim.Section(x=[0, 10, 20] * um, z=[0, 5, 5] * um,
                                  diameter=[2, 1.5, 1] * um, n=2)
    morpho.axon = sim.Cylinder(diameter=1 * um, length=50 * um, n=4)
    constants = dict(gL=1e-4 * sim.siemens / sim.cm ** 2, EL=-70 * sim.mV)
    neuron = sim.SpatialNeuron(morpho, "Im = gL*(EL - v) : amp/meter**2\nI : amp (point "
                               "current)", Cm=1 * sim.uF / sim.cm ** 2, Ri=100 * sim.ohm * sim.cm,
                               namespace=constants)
    neuron.v = -70 * sim.mV
    neuron.I[morpho.dend.tip[-1]] = 0.1 * nA
    mon = sim.StateMonitor(neuron, "v", record=[0, 5, 7, 10])
    # An extracellular electrode as Brian2's lfp.py computes it: a summed
    # variable moved after the cell's update (summed_updaters[...].when).
    electrode = sim.NeuronGroup(2, "v : volt\nx : meter\ny : meter\nz : meter")
    electrode.x = [50, -20] * um
    field = sim.Synapses(neuron, electrode, "w : ohm*meter**2 (constant)\n"
                         "v_post = w*(Ic_pre - Im_pre) : volt (summed)", namespace=constants)
    field.summed_updaters["v_post"].when = "after_groups"
    field.connect("i < 8")  # (the axon has no coordinates)
    field.w = "area_pre/(4*pi*0.3*siemens/meter)/((x_pre-x_post)**2+(y_pre-y_post)**2" \
              "+(z_pre-z_post)**2)**.5"
    field_mon = sim.StateMonitor(electrode, "v", record=True)
    sim.run(3 * ms)
    sim.defaultclock.dt = 0.1 * ms
    return dict(x=np.asarray(neuron.x_[:]), y=np.asarray(neuron.y_[:]),
                z=np.asarray(neuron.z_[:]), length=np.asarray(neuron.length_[:]),
                area=np.asarray(neuron.area_[:]), v=np.asarray(mon.v_),
                field=np.asarray(field_mon.v_))


MODELS = {
    "ball_and_stick_clamp": ball_and_stick_clamp,
    "tapering_axon_point_current": tapering_axon_point_current,
    "threshold_and_reset_synapses": threshold_and_reset_synapses,
    "subtree_parts": subtree_parts,
    "coordinates": coordinates,
}
