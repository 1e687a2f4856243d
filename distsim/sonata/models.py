"""NEST point-neuron models named by SONATA's ``model_template``
(``nest:iaf_psc_alpha``) as distsim equations, with NEST's parameter names,
units and defaults, so that a node type's ``dynamics_params`` JSON applies
as it does in NEST.

Weights are NEST's (pA for current-based models): a positive weight drives
the excitatory synaptic current, a negative one the inhibitory current, as
NEST's single-port models do.
"""
from ..units import mV, ms, pA, pF

_E = "2.718281828459045"

#: model -> (equations, {parameter: (unit name, NEST default)}, synaptic targets)
_MODELS = {
    "iaf_psc_alpha": (f"""
        dV_m/dt = -(V_m - E_L)/tau_m + (I_ex + I_in + I_e)/C_m : volt (unless refractory)
        dI_ex/dt = ({_E}*y_ex - I_ex)/tau_syn_ex : amp
        dy_ex/dt = -y_ex/tau_syn_ex : amp
        dI_in/dt = ({_E}*y_in - I_in)/tau_syn_in : amp
        dy_in/dt = -y_in/tau_syn_in : amp
        """, ("y_ex", "y_in")),
    "iaf_psc_exp": ("""
        dV_m/dt = -(V_m - E_L)/tau_m + (I_ex + I_in + I_e)/C_m : volt (unless refractory)
        dI_ex/dt = -I_ex/tau_syn_ex : amp
        dI_in/dt = -I_in/tau_syn_in : amp
        """, ("I_ex", "I_in")),
}

#: NEST's defaults of the leaky integrate-and-fire models (their units).
_PARAMETERS = {
    "C_m": (pF, 250.0), "tau_m": (ms, 10.0), "t_ref": (ms, 2.0), "E_L": (mV, -70.0),
    "V_th": (mV, -55.0), "V_reset": (mV, -70.0), "I_e": (pA, 0.0),
    "tau_syn_ex": (ms, 2.0), "tau_syn_in": (ms, 2.0),
}
_UNIT_NAMES = {id(pF): "farad", id(ms): "second", id(mV): "volt", id(pA): "amp"}
#: The initial membrane potential: NEST's default (not E_L).
V_M_INITIAL = (mV, -70.0)


class PointModel:
    """One NEST model template: equations, parameters and synaptic code."""

    def __init__(self, template: str, owner: str):
        prefix, _, name = template.partition(":")
        if prefix.lower() != "nest" or name not in _MODELS:
            raise NotImplementedError(
                f"{owner}: model_template '{template}' is not supported by distsim's SONATA "
                f"reader (supported: {', '.join('nest:' + m for m in sorted(_MODELS))})")
        self.name = name
        equations, self.targets = _MODELS[name]
        declarations = "\n".join(f"{p} : {_UNIT_NAMES[id(unit)]}"
                                 for p, (unit, _) in _PARAMETERS.items())
        self.equations = equations + declarations
        self.threshold = "V_m >= V_th"
        self.reset = "V_m = V_reset"
        self.refractory = "t_ref"

    def values(self, dynamics: list) -> dict:
        """Per-neuron parameter values (SI) from each neuron's dynamics_params
        (NEST's names and units; missing ones take NEST's defaults)."""
        import numpy as np
        result = {}
        for name, (unit, default) in dict(_PARAMETERS, V_m=V_M_INITIAL).items():
            result[name] = np.array([float(d.get(name, default)) for d in dynamics]) * \
                float(np.asarray(unit))
        unknown = sorted({key for d in dynamics for key in d} - set(result))
        if unknown:
            raise KeyError(f"nest:{self.name}: unknown parameter(s) {unknown} in "
                           "dynamics_params")
        return result

    def on_pre(self):
        excitatory, inhibitory = self.targets
        return (f"{excitatory}_post += int(weight > 0)*weight*pA\n"
                f"{inhibitory}_post += int(weight < 0)*weight*pA")
