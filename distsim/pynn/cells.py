"""PyNN's standard cell types as distsim equations.

Each type keeps PyNN's parameter names as its variable names; values are
stored in SI units. The scale between PyNN's units and SI comes from one
place, the type's own ``units`` table in PyNN (`si_scale`), so translations
and the equations' declarations cannot disagree.
"""
from pyNN.standardmodels import build_translations, cells

#: PyNN's unit names: SI scale and distsim unit name.
_UNITS = {
    "mV": (1e-3, "volt"), "ms": (1e-3, "second"), "nF": (1e-9, "farad"),
    "nA": (1e-9, "amp"), "uS": (1e-6, "siemens"), "nS": (1e-9, "siemens"),
    "Hz": (1.0, "Hz"), "": (1.0, "1"), "dimensionless": (1.0, "1"),
}

#: Membrane equations; ``isyn`` comes from the synapse part.
_LEAKY = """
dv/dt = (v_rest - v)/tau_m + (isyn + i_offset + i_inj)/c_m : volt (unless refractory)
i_inj : amp
"""
_ADEX = """
dv/dt = (gL*(v_rest - v) + gL*delta_T*exp((v - v_thresh)/delta_T) + isyn - w + i_offset
         + i_inj)/c_m : volt (unless refractory)
dw/dt = (a*(v - v_rest) - w)/tau_w : amp
gL = c_m/tau_m : siemens
i_inj : amp
"""
# Traub and Miles (1991), as NEST's hh_cond_exp_traub writes it.
_TRAUB_HH = """
dv/dt = (g_leak*(e_rev_leak - v) - gbar_Na*m**3*h*(v - e_rev_Na) - gbar_K*n**4*(v - e_rev_K)
         + isyn + i_offset + i_inj)/c_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1.28/exprel((13*mV - v + v_offset)/(4*mV))/ms : Hz
beta_m = 1.4/exprel((v - v_offset - 40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV - v + v_offset)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + v_offset)/(5*mV)))/ms : Hz
alpha_n = 0.16/exprel((15*mV - v + v_offset)/(5*mV))/ms : Hz
beta_n = 0.5*exp((10*mV - v + v_offset)/(40*mV))/ms : Hz
i_inj : amp
"""

#: Synaptic responses: the variable a spike increments, per receptor type.
_CURRENT_EXP = """
isyn = isyn_exc + isyn_inh : amp
disyn_exc/dt = -isyn_exc/tau_syn_E : amp
disyn_inh/dt = -isyn_inh/tau_syn_I : amp
"""
# Alpha functions: a spike of weight w raises y by w; g follows with peak w at tau.
_CURRENT_ALPHA = """
isyn = isyn_exc + isyn_inh : amp
disyn_exc/dt = (2.718281828459045*ysyn_exc - isyn_exc)/tau_syn_E : amp
dysyn_exc/dt = -ysyn_exc/tau_syn_E : amp
disyn_inh/dt = (2.718281828459045*ysyn_inh - isyn_inh)/tau_syn_I : amp
dysyn_inh/dt = -ysyn_inh/tau_syn_I : amp
"""
_COND_EXP = """
isyn = gsyn_exc*(e_rev_E - v) + gsyn_inh*(e_rev_I - v) : amp
dgsyn_exc/dt = -gsyn_exc/tau_syn_E : siemens
dgsyn_inh/dt = -gsyn_inh/tau_syn_I : siemens
"""
_COND_ALPHA = """
isyn = gsyn_exc*(e_rev_E - v) + gsyn_inh*(e_rev_I - v) : amp
dgsyn_exc/dt = (2.718281828459045*ysyn_exc - gsyn_exc)/tau_syn_E : siemens
dysyn_exc/dt = -ysyn_exc/tau_syn_E : siemens
dgsyn_inh/dt = (2.718281828459045*ysyn_inh - gsyn_inh)/tau_syn_I : siemens
dysyn_inh/dt = -ysyn_inh/tau_syn_I : siemens
"""
_EXP_TARGETS = {"excitatory": "{}syn_exc", "inhibitory": "{}syn_inh"}
_ALPHA_TARGETS = {"excitatory": "ysyn_exc", "inhibitory": "ysyn_inh"}


#: PyNN names that are distsim unit names (cm: centimetre) get another name.
_RENAMED = {"cm": "c_m"}


def native_name(name: str) -> str:
    """The variable that holds PyNN parameter ``name``."""
    return _RENAMED.get(name, name)


def si_scale(unit: str) -> float:
    """SI value of one PyNN unit (``'mV'`` -> 1e-3)."""
    return _UNITS[unit][0]


def _translations(cls):
    """PyNN name -> same name, scaled from PyNN's units to SI."""
    return build_translations(*[(name, native_name(name), si_scale(cls.units.get(name, "")))
                                for name in cls.default_parameters])


def _state_translations(cls):
    return build_translations(*[(name, name, si_scale(cls.units.get(name, "")))
                                for name in cls.default_initial_values])


class DistsimCellType:
    """What distsim needs of a standard cell type, besides PyNN's tables.

    Attributes
    ----------
    equations : str
        The model without the parameter declarations (added from PyNN's
        ``default_parameters`` and ``units``).
    threshold, reset, refractory, method
        As for `NeuronGroup`.
    post_synaptic_variables : dict
        Receptor type -> the variable a synaptic event increments.
    """
    equations = ""
    threshold = None
    reset = None
    refractory = False
    method = None
    post_synaptic_variables = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.translations = _translations(cls)
        cls.state_variable_translations = _state_translations(cls)

    @classmethod
    def model(cls) -> str:
        """The equations with every parameter declared, in SI units."""
        declared = [f"{native_name(name)} : {_UNITS[cls.units.get(name, '')][1]}"
                    for name in cls.default_parameters if name not in cls.computed_names()]
        return cls.equations + "\n" + "\n".join(declared) + "\n"

    @classmethod
    def computed_names(cls):
        """Parameters that are not per-neuron variables."""
        return set()

    @property
    def weight_scale(self) -> float:
        """SI value of one unit of this cell's synaptic weights."""
        return si_scale("uS") if self.conductance_based else si_scale("nA")


#: Conductance-based cells are not linear in v: 'rk4' (NEST integrates them
#: with an adaptive Runge-Kutta; Euler would make an alpha conductance's
#: peak 2.5% high at dt = 0.1 ms). Current-based ones are linear: 'exact'.
_NONLINEAR_METHOD = "rk4"


def _leaky(cls_name, base, synapses, targets):
    return type(cls_name, (DistsimCellType, base), {
        "__doc__": base.__doc__,
        "equations": _LEAKY + synapses,
        "threshold": "v > v_thresh",
        "reset": "v = v_reset",
        "refractory": "tau_refrac",
        "method": _NONLINEAR_METHOD if base.conductance_based else None,
        "post_synaptic_variables": targets,
    })


_CURRENT_TARGETS = {k: v.format("i") for k, v in _EXP_TARGETS.items()}
_COND_TARGETS = {k: v.format("g") for k, v in _EXP_TARGETS.items()}

IF_curr_exp = _leaky("IF_curr_exp", cells.IF_curr_exp, _CURRENT_EXP, _CURRENT_TARGETS)
IF_curr_alpha = _leaky("IF_curr_alpha", cells.IF_curr_alpha, _CURRENT_ALPHA, _ALPHA_TARGETS)
IF_cond_exp = _leaky("IF_cond_exp", cells.IF_cond_exp, _COND_EXP, _COND_TARGETS)
IF_cond_alpha = _leaky("IF_cond_alpha", cells.IF_cond_alpha, _COND_ALPHA, _ALPHA_TARGETS)


def _adex(cls_name, base, synapses, targets):
    return type(cls_name, (DistsimCellType, base), {
        "__doc__": base.__doc__,
        "equations": _ADEX + synapses,
        "threshold": "v > v_spike",
        "reset": "v = v_reset; w += b",
        "refractory": "tau_refrac",
        "method": _NONLINEAR_METHOD,
        "post_synaptic_variables": targets,
    })


EIF_cond_exp_isfa_ista = _adex("EIF_cond_exp_isfa_ista", cells.EIF_cond_exp_isfa_ista,
                               _COND_EXP, _COND_TARGETS)
EIF_cond_alpha_isfa_ista = _adex("EIF_cond_alpha_isfa_ista", cells.EIF_cond_alpha_isfa_ista,
                                 _COND_ALPHA, _ALPHA_TARGETS)


class HH_cond_exp(DistsimCellType, cells.HH_cond_exp):
    __doc__ = cells.HH_cond_exp.__doc__
    equations = _TRAUB_HH + _COND_EXP
    # A spike when v crosses -40 mV upwards (NEST's hh_cond_exp_traub:
    # refractory while v stays above).
    threshold = "v > -40*mV"
    refractory = "v > -40*mV"
    method = "exponential_euler"  # as Brian2's HH examples
    post_synaptic_variables = _COND_TARGETS
    receptor_types = ("excitatory", "inhibitory")


class SpikeSourcePoisson(DistsimCellType, cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    # As a PoissonGroup draws: one uniform number per neuron and step.
    threshold = "t >= start and t < start + duration and rand() < rate*dt"


class SpikeSourcePoissonRefractory(DistsimCellType, cells.SpikeSourcePoissonRefractory):
    """Poisson spikes with a dead time: after each spike the cell is silent
    for ``tau_refrac``, then spikes at the rate that keeps the mean rate at
    ``rate`` (1/rate = tau_refrac + 1/hazard)."""
    equations = "hazard = rate/(1 - rate*tau_refrac) : Hz\n"
    threshold = "t >= start and t < start + duration and rand() < hazard*dt"
    refractory = "tau_refrac"


class SpikeSourceArray(DistsimCellType, cells.SpikeSourceArray):
    """Cells that spike at given times (``spike_times``, a Sequence in ms per
    cell); a `SpikeGeneratorGroup`. The times stay in ms until the group
    takes them (a scale would not apply to a function giving Sequences)."""

    @classmethod
    def computed_names(cls):
        return {"spike_times"}


SpikeSourceArray.translations = build_translations(("spike_times", "spike_times"))
