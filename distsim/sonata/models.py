"""Point-neuron models named by SONATA's ``model_template`` as distsim
equations, with the names, units and defaults of the simulator the template
names, so that a node type's ``dynamics_params`` JSON applies as it does there:

- ``nest:iaf_psc_alpha`` and ``nest:iaf_psc_exp``: NEST's models. Weights are
  NEST's (pA): a positive weight drives the excitatory synaptic current, a
  negative one the inhibitory current, as NEST's single-port models do.
- ``nrn:IntFire1``: NEURON's artificial integrate-and-fire cell as BioNet
  (bmtk) builds it: ``tau`` and ``refrac`` in seconds in the JSON; a weight
  jumps the state ``m`` (inputs are ignored while refractory); the cell fires
  when ``m > 1`` and ``m`` restarts at 0. NEURON delivers events at their
  exact times; distsim delivers them on the time grid.
"""
from dataclasses import dataclass

import numpy as np

from ..units import mV, ms, pA, pF, second

_E = "2.718281828459045"
_UNIT_NAMES = {id(pF): "farad", id(ms): "second", id(second): "second", id(mV): "volt",
               id(pA): "amp"}


@dataclass(frozen=True)
class _Template:
    """One model template: its equations (without parameter declarations),
    parameters {name: (unit of the JSON value, default)}, initial state
    {name: (unit, value)}, spiking code and the synaptic code of an edge with
    a per-synapse ``weight``."""
    equations: str
    parameters: dict
    initial: dict
    threshold: str
    reset: str
    refractory: str
    on_pre: str
    #: Synapses.arrival_slot of edges onto the model: when the target's
    #: threshold sees a spike (NEST's and NEURON's timing, not Brian2's).
    arrival_slot: str = "synapses"


_NEST_LIF = {  # NEST's defaults of its leaky integrate-and-fire models
    "C_m": (pF, 250.0), "tau_m": (ms, 10.0), "t_ref": (ms, 2.0), "E_L": (mV, -70.0),
    "V_th": (mV, -55.0), "V_reset": (mV, -70.0), "I_e": (pA, 0.0),
    "tau_syn_ex": (ms, 2.0), "tau_syn_in": (ms, 2.0),
}
_NEST_LIF_SPIKING = dict(initial={"V_m": (mV, -70.0)},  # NEST's V_m default (not E_L)
                         threshold="V_m >= V_th", reset="V_m = V_reset", refractory="t_ref")
_V_M = "dV_m/dt = -(V_m - E_L)/tau_m + (I_ex + I_in + I_e)/C_m : volt (unless refractory)\n"


def _nest_on_pre(excitatory, inhibitory):
    return (f"{excitatory}_post += int(weight > 0)*weight*pA\n"
            f"{inhibitory}_post += int(weight < 0)*weight*pA")


#: model_template -> _Template
TEMPLATES = {
    "nest:iaf_psc_alpha": _Template(
        equations=_V_M + f"""
        dI_ex/dt = ({_E}*y_ex - I_ex)/tau_syn_ex : amp
        dy_ex/dt = -y_ex/tau_syn_ex : amp
        dI_in/dt = ({_E}*y_in - I_in)/tau_syn_in : amp
        dy_in/dt = -y_in/tau_syn_in : amp
        """, parameters=_NEST_LIF, on_pre=_nest_on_pre("y_ex", "y_in"), **_NEST_LIF_SPIKING),
    "nest:iaf_psc_exp": _Template(
        equations=_V_M + """
        dI_ex/dt = -I_ex/tau_syn_ex : amp
        dI_in/dt = -I_in/tau_syn_in : amp
        """, parameters=_NEST_LIF, on_pre=_nest_on_pre("I_ex", "I_in"), **_NEST_LIF_SPIKING),
    "nrn:IntFire1": _Template(
        equations="dm/dt = -m/tau : 1 (unless refractory)\n",
        parameters={"tau": (second, 0.010), "refrac": (second, 0.005)},  # NEURON's defaults
        initial={"m": (1, 0.0)}, threshold="m > 1", reset="m = 0", refractory="refrac",
        on_pre="m_post += weight", arrival_slot="before_thresholds"),
}


class PointModel:
    """One model template as distsim code for a node population."""

    def __init__(self, template: str, owner: str):
        prefix, _, name = template.partition(":")
        key = f"{prefix.lower()}:{name}"
        if key not in TEMPLATES:
            raise NotImplementedError(
                f"{owner}: model_template '{template}' is not supported by distsim's SONATA "
                f"reader (supported: {', '.join(sorted(TEMPLATES))})")
        self.name = key
        self._template = TEMPLATES[key]
        declarations = "\n".join(f"{p} : {_UNIT_NAMES.get(id(unit), '1')}"
                                 for p, (unit, _) in self._template.parameters.items())
        self.equations = self._template.equations + declarations
        self.threshold = self._template.threshold
        self.reset = self._template.reset
        self.refractory = self._template.refractory
        self.arrival_slot = self._template.arrival_slot

    def values(self, dynamics: list) -> dict:
        """Per-neuron parameter and initial values (SI) from each neuron's
        dynamics_params (the template's names and units; missing ones take
        the template's defaults)."""
        result = {}
        for name, (unit, default) in {**self._template.parameters,
                                      **self._template.initial}.items():
            result[name] = np.array([float(d.get(name, default)) for d in dynamics]) * \
                float(np.asarray(unit))
        unknown = sorted({key for d in dynamics for key in d} - set(result) - {"type"})
        if unknown:
            raise KeyError(f"{self.name}: unknown parameter(s) {unknown} in dynamics_params")
        return result

    def on_pre(self) -> str:
        """The synaptic code of an edge population onto this model."""
        return self._template.on_pre
