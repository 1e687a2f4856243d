"""PyNN's standard synapse types as distsim synaptic code.

Weights stay in PyNN's units (nA for current-based cells, uS for
conductance-based ones) in a dimensionless ``weight`` variable; the code
applies the unit when it increments the target. Delays are seconds
(translated from ms). Each type gives, for a target variable and unit,
``(model, on_pre, on_post)`` and the values its per-synapse state starts
from (`initial_values`).
"""
import numpy as np
from pyNN.standardmodels import build_translations, synapses

from . import simulator

_DELAY = ("delay", "delay", 1e-3)


class DistsimSynapseType:
    """What distsim needs of a synapse type besides PyNN's tables."""

    def _get_minimum_delay(self):
        """PyNN's default delay (ms): ``min_delay``, or one step when 'auto'."""
        delay = simulator.state.min_delay
        return simulator.state.dt if delay == "auto" else delay

    def code(self, target: str, unit: str):
        """(model, on_pre, on_post) for events that increment ``target``
        (a variable of the postsynaptic group) by ``weight*unit``."""
        raise NotImplementedError

    def initial_values(self) -> dict:
        """Per-synapse state variables and the value each synapse starts with."""
        return {}

    def pathway_delays(self, values: dict) -> dict:
        """Delays of other pathways than the presynaptic one (distsim's
        variable name -> seconds per synapse), from the connections' native
        values."""
        return {}


class StaticSynapse(DistsimSynapseType, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(("weight", "weight"), _DELAY)

    def code(self, target, unit):
        return "weight : 1", f"{target}_post += weight*{unit}", None


class TsodyksMarkramSynapse(DistsimSynapseType, synapses.TsodyksMarkramSynapse):
    """Short-term depression and facilitation, as NEST's tsodyks2_synapse
    computes them at each presynaptic spike (after an interval h):
    ``x = 1 + (x - x*u - 1)*exp(-h/tau_rec)``,
    ``u = U + u*(1 - U)*exp(-h/tau_facil)`` (u = U without facilitation),
    then the target receives ``weight*u*x``."""
    translations = build_translations(("weight", "weight"), _DELAY, ("U", "U"),
                                      ("tau_rec", "tau_rec", 1e-3),
                                      ("tau_facil", "tau_facil", 1e-3))

    def code(self, target, unit):
        model = """weight : 1
                   U : 1
                   tau_rec : second
                   tau_facil : second
                   x : 1
                   u : 1
                   t_last : second"""
        # tau_facil = 0 (no facilitation): the decay factor is 0, u = U.
        on_pre = f"""x = 1 + (x - x*u - 1)*exp(-(t - t_last)/tau_rec)
                     u = U + u*(1 - U)*exp(-(t - t_last)/(tau_facil + 1e-300*second))
                     {target}_post += weight*{unit}*u*x
                     t_last = t"""
        return model, on_pre, None

    def initial_values(self):
        # Long before the first spike: the first one finds x = 1, u = U.
        return {"x": 1.0, "u": 0.0, "t_last": -1e9}


class SimpleStochasticSynapse(DistsimSynapseType, synapses.SimpleStochasticSynapse):
    """Each presynaptic spike is transmitted with probability ``p`` (one
    counter-based draw per synapse and spike: the same on any rank count)."""
    __doc__ = synapses.SimpleStochasticSynapse.__doc__
    translations = build_translations(("weight", "weight"), _DELAY, ("p", "p"))

    def code(self, target, unit):
        return ("weight : 1\np : 1",
                f"{target}_post += weight*{unit}*int(rand() < p)", None)


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(("tau_plus", "tau_plus", 1e-3),
                                      ("tau_minus", "tau_minus", 1e-3),
                                      ("A_plus", "A_plus"), ("A_minus", "A_minus"))


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    potentiation = "A_plus*w_max*P"
    depression = "A_minus*w_max*M"


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    translations = build_translations(("w_max", "w_max"), ("w_min", "w_min"))
    potentiation = "A_plus*(w_max - weight)*P"
    depression = "A_minus*(weight - w_min)*M"


class STDPMechanism(DistsimSynapseType, synapses.STDPMechanism):
    """Pair-based STDP as NEST's stdp_synapse applies it: at a presynaptic
    spike the weight is first depressed by the postsynaptic trace, then
    sent; at a postsynaptic spike it is potentiated by the presynaptic
    trace; weights stay within [w_min, w_max].

    The ``dendritic_delay_fraction`` f of the delay d (PyNN's default 1, all
    dendritic, as NEST) is the postsynaptic spike's way back to the synapse:
    a presynaptic spike meets it at the synapse (1 - f)*d after it left,
    a postsynaptic spike f*d after. The presynaptic pathway runs at arrival
    (d after the spike, for the transmission), so the postsynaptic pathway
    runs 2*f*d after its spike: the pair's timing is the same."""
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(("weight", "weight"), _DELAY,
                                           ("dendritic_delay_fraction",
                                            "dendritic_delay_fraction"))

    def code(self, target, unit):
        rule = self.weight_dependence
        model = """weight : 1
                   tau_plus : second
                   tau_minus : second
                   A_plus : 1
                   A_minus : 1
                   w_max : 1
                   w_min : 1
                   dendritic_delay_fraction : 1
                   dP/dt = -P/tau_plus : 1 (event-driven)
                   dM/dt = -M/tau_minus : 1 (event-driven)"""
        on_pre = f"""weight = clip(weight - {rule.depression}, w_min, w_max)
                     {target}_post += weight*{unit}
                     P += 1"""
        on_post = f"""M += 1
                      weight = clip(weight + {rule.potentiation}, w_min, w_max)"""
        return model, on_pre, on_post

    def pathway_delays(self, values):
        fraction = values.get("dendritic_delay_fraction", 1.0)
        return {"_delay_post": 2 * np.asarray(fraction) * np.asarray(values["delay"])}
