"""Inputs: Poisson background (PoissonInput, PoissonGroup), spikes at given
times (SpikeGeneratorGroup) and values varying in time (TimedArray).

All random draws are keyed by (object, time step, neuron id): the same on
any number of ranks.
"""
import numpy as np

from ._ext import random123
from .core.base import SimulationObject
from .core.clock import defaultclock
from .core.random import stream_key
from .core.scheduling import BoundCode
from .groups import NeuronGroup, NeuronPopulation
from .groups.neuron_code import NeuronThreshold
from .model.functions import Function
from .model.namespace import bind_functions, raw_value, resolve_external
from .units import (DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions, hertz,
                    second)
from .units.quantity import as_quantity

__all__ = ["PoissonInput", "PoissonGroup", "SpikeGeneratorGroup", "TimedArray"]


class PoissonInput(SimulationObject):
    """``N`` independent Poisson inputs at ``rate`` onto each neuron of
    ``target``, each adding ``weight`` to ``target_var`` (Brian2's
    ``PoissonInput``): every step each neuron receives Binomial(N, rate*dt)
    events.

    Parameters
    ----------
    target : NeuronGroup or subgroup
    target_var : str
    N : int
    rate : Quantity (Hz)
    weight : Quantity, number or str
        A string is an expression of constants (evaluated at the run's start)
        or of the time ``t`` (evaluated at every step: ``'stimulus(t)'``).
    """

    when = "synapses"

    def __init__(self, target, target_var, N, rate, weight, name="poissoninput*"):
        super().__init__(name)
        owner = f"PoissonInput '{self.name}'"
        if not isinstance(target, NeuronPopulation):
            raise TypeError(f"{owner}: the target must be a NeuronGroup or subgroup")
        if target_var not in target.variables.arrays:
            raise KeyError(f"{owner}: the target has no variable '{target_var}'")
        if get_dimensions(rate) is not hertz.dim:
            raise DimensionMismatchError(f"{owner}: rate must be a frequency", hertz.dim,
                                         get_dimensions(rate))
        if int(N) != N or N < 0:
            raise ValueError(f"{owner}: N must be a non-negative integer, got {N!r}")
        self.target, self.target_var, self.N = target, target_var, int(N)
        self.rate, self.weight = rate, weight

    def before_run(self, run_namespace, clock):
        owner = f"PoissonInput '{self.name}'"
        weight = self.weight
        self._weight_expr = None
        if isinstance(weight, str):
            # Constants, and the time t (e.g. a TimedArray: 'stimulus(t)',
            # then evaluated at every step, as Brian2's generated code does).
            from .model.expressions import Expression
            expr = Expression(weight)
            names = self.target.namespaces(run_namespace)
            bind_functions([expr], names, owner)
            values = {n: resolve_external(n, names, owner, weight)
                      for n in expr.identifiers - {"t"}}
            dim = expr.dimension(lambda n: second.dim if n == "t" else get_dimensions(values[n]))
            self._weight_values = {n: raw_value(v) for n, v in values.items()}
            if "t" in expr.identifiers:
                self._weight_expr = expr
                weight = Quantity(0.0, dim)
            else:
                weight = Quantity(expr.evaluate(self._weight_values), dim)
        expected = self.target.variables[self.target_var].dim
        if get_dimensions(weight) is not expected:
            raise DimensionMismatchError(f"{owner}: the weight must have the units of "
                                         f"{self.target_var}", expected, get_dimensions(weight))
        self._weight = float(raw_value(weight))
        self._p = float(self.rate / hertz) * clock.dt_
        if self._p > 1:
            raise ValueError(f"{owner}: rate * dt = {self._p:g} > 1")
        # Keyed by the neuron's index in its NeuronGroup (not by network-wide
        # ids, which depend on what else the script created).
        root = getattr(self.target, "parent", self.target)
        self._key = stream_key(self.name, root.name, "events")
        # The local neurons' ids in the NeuronGroup: first + stride*k.
        self._first_neuron_id = self.target.share.first + getattr(self.target, "sub_start", 0)
        self._neuron_id_stride = self.target.share.stride
        self._values = self.target.variables.arrays[self.target_var]
        # A refractory neuron's '(unless refractory)' variable takes no input
        # (Brian2's conditional write): the events go to a scratch array.
        mask = root.write_mask(self.target_var)
        first = self.target.root_local_offset
        self._mask = None if mask is None else mask[first:first + self.target.n_local]
        self._scratch = np.zeros(self.target.n_local) if mask is not None else None
        self._events = random123.BinomialDraws(self.N, self._p)  # tabulated once a run

    def code_objects(self):
        """Adds this step's events to the target variable (the 'synapses'
        slot, order 0: after presynaptic pathways, as in Brian2)."""
        code = BoundCode(self.name, "synapses", self.order, self._add_events,
                         group=getattr(self.target, "parent", self.target))
        if self._weight_expr is None and self._mask is None:  # in C, in the compiled loop
            code.compiled_op = lambda: self._events.adder(
                self._key, self._first_neuron_id, self._weight, self._values,
                self._neuron_id_stride)
        return [code]

    def _add_events(self, step, t, dt):
        if self._weight_expr is not None:
            self._weight = float(self._weight_expr.evaluate(dict(self._weight_values, t=t)))
        if self._mask is None:
            self._events.add_to(self._key, self._first_neuron_id, step, self._weight,
                                self._values, self._neuron_id_stride)
            return
        self._scratch[...] = 0.0
        self._events.add_to(self._key, self._first_neuron_id, step, self._weight, self._scratch,
                            self._neuron_id_stride)
        np.add(self._values, self._scratch, out=self._values, where=self._mask)


class PoissonGroup(NeuronGroup):
    """``N`` neurons spiking as Poisson processes (Brian2's ``PoissonGroup``).

    Parameters
    ----------
    N : int
    rates : Quantity or str
        A frequency (scalar or one per neuron) or a string expression (e.g.
        using ``t`` or a TimedArray).
    namespace : dict, optional
    name : str, optional
    """

    def __init__(self, N, rates, namespace=None, name="poissongroup*"):
        if isinstance(rates, str):
            super().__init__(N, "", threshold=f"rand() < ({rates})*dt", namespace=namespace,
                             name=name)
        else:
            super().__init__(N, "rates : Hz", threshold="rand() < rates*dt",
                             namespace=namespace, name=name)
            self.rates = rates


class SpikeGeneratorGroup(NeuronGroup):
    """Neurons that spike at given times (Brian2's ``SpikeGeneratorGroup``).

    Parameters
    ----------
    N : int
    indices : array of int
    times : Quantity array
    period : Quantity, optional
        Repeat the pattern with this period (0: no repetition).
    time_bins : {'brian2', 'nearest'}, optional
        How a time between two steps is binned (a distsim extension):
        'brian2' (default), the step that contains it, as Brian2 bins it
        (time plus dt/1000, truncated); 'nearest', the nearest step (the
        SONATA and PyNN front-ends: closest to NEURON's and NEST's exact
        event times).
    """

    def __init__(self, N, indices, times, period=0 * second, name="spikegeneratorgroup*",
                 sorted=False, when="thresholds", order=0, time_bins="brian2", partition=None):
        if time_bins not in ("brian2", "nearest"):
            raise ValueError(f"SpikeGeneratorGroup: time_bins must be 'brian2' or 'nearest', "
                             f"got {time_bins!r}")
        super().__init__(N, "", name=name, partition=partition)
        object.__setattr__(self, "time_bins", time_bins)
        self.set_spikes(indices, times, period)

    def set_spikes(self, indices, times, period=0 * second, sorted=False):
        """Replace the spikes (Brian2's ``set_spikes``; between runs). The
        times are absolute: those before the next run's start never fire."""
        owner = f"SpikeGeneratorGroup '{self.name}'"
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        times = as_quantity(times)
        if get_dimensions(times) is not second.dim:
            raise DimensionMismatchError(f"{owner}: times must be times", second.dim,
                                         get_dimensions(times))
        times = np.asarray(times.view(np.ndarray) if isinstance(times, Quantity) else times,
                           dtype=np.float64).reshape(-1)
        if len(indices) != len(times):
            raise ValueError(f"{owner}: {len(indices)} indices but {len(times)} times")
        if np.any((indices < 0) | (indices >= self.N)):
            raise IndexError(f"{owner}: indices outside 0..{self.N - 1}")
        self._spike_indices, self._spike_times = indices, times
        self._period = float(period / second)

    def before_run(self, run_namespace, clock):
        super().before_run(run_namespace, clock)
        owner = f"SpikeGeneratorGroup '{self.name}'"
        dt = clock.dt_
        # Brian2's time bins: shifted by a thousandth of dt, then truncated
        # (a spike in the second half of a step stays in it).
        steps = np.floor((self._spike_times + 1e-3 * dt) / dt).astype(np.int64) \
            if self.time_bins == "brian2" else np.rint(self._spike_times / dt).astype(np.int64)
        self._period_steps = int(round(self._period / dt)) if self._period else 0
        if self._period_steps and np.any(steps >= self._period_steps):
            raise ValueError(f"{owner}: spike times must be shorter than the period")
        pairs = np.unique(np.stack([steps, self._spike_indices]), axis=1)
        if pairs.shape[1] != len(steps):
            raise ValueError(f"{owner}: a neuron has two spikes in one time step of "
                             f"{dt * 1e3:g} ms")
        mine = self.owns(self._spike_indices)
        order = np.argsort(steps[mine], kind="stable")
        self._local_steps = steps[mine][order]
        self._local_spikers = self.local_positions(self._spike_indices[mine][order])

    def _threshold_code(self, state_update):
        return _GeneratedSpikes(self, state_update)

    def generated_spikes(self, step, t):
        """Local indices of the neurons that spike at ``step``."""
        when = step % self._period_steps if self._period_steps else step
        lo, hi = np.searchsorted(self._local_steps, [when, when + 1])
        local = np.sort(self._local_spikers[lo:hi])
        self._local_state["lastspike"][local] = t
        return local


class _GeneratedSpikes(NeuronThreshold):
    """The 'threshold' of a SpikeGeneratorGroup: the given spikes."""

    def _spikes(self, step, t, dt):
        return self.group.generated_spikes(step, t)


class TimedArray(Function):
    """Values given at steps of ``dt``, callable in model expressions as
    ``name(t)`` or, for 2-d values (time x neuron), ``name(t, i)``
    (Brian2's ``TimedArray``). After the end, the last value holds.

    Parameters
    ----------
    values : Quantity or array
        1-d (time) or 2-d (time x neuron) values, with their units.
    dt : Quantity
        The time between two values.
    name : str, optional
        The name model expressions call it by (default: the script's).
    """

    def __init__(self, values, dt, name=None):
        values = as_quantity(values)  # also [25*Hz, 50*Hz, ...] (Brian2)
        self.dim = get_dimensions(values)
        # contiguous: compiled kernels read it through a pointer
        self.values = np.ascontiguousarray(values.view(np.ndarray) if isinstance(values, Quantity)
                                           else values, dtype=np.float64)
        if self.values.ndim not in (1, 2):
            raise ValueError("TimedArray values must be 1-d (time) or 2-d (time x neuron)")
        if get_dimensions(dt) is not second.dim:
            raise DimensionMismatchError("TimedArray dt must be a time", second.dim,
                                         get_dimensions(dt))
        self.dt = float(dt / second)
        self.name = name
        self.pyfunc = None
        self.implementations = {}
        self.implementation = self._evaluate
        self.dimension_rule = self._dimension_rule

    def _grid(self):
        """(epsilon, K) of Brian2's lookup: t is rounded to a grid K times
        finer than the values' dt (K from the simulation's dt), then divided
        down, so that float error in t never picks the previous value."""
        group_dt = defaultclock.dt_
        K = max(int(2 ** np.ceil(np.log2(8 / group_dt * self.dt))), 1)
        return self.dt / K, K

    def _steps(self, t):
        epsilon, K = self._grid()
        steps = (np.round(np.asarray(t) / epsilon) / K).astype(np.int64)
        return np.clip(steps, 0, self.values.shape[0] - 1)

    def kernel_lookup(self, arguments, array_of):
        """The Cython text of ``name(t)`` in a generated kernel (a 1-d
        TimedArray; the same index as `_steps`): ``array_of(values)`` names
        the pointer to the values."""
        from .codegen.cexpr import Untranslatable, number
        if self.values.ndim != 1 or len(arguments) != 1:
            raise Untranslatable("a 2-d TimedArray")
        epsilon, K = self._grid()
        return (f"{array_of(self.values)}[_timed_index({arguments[0]}, {number(epsilon)}, "
                f"{number(K)}, {self.values.shape[0]})]")

    def _evaluate(self, t, i=None):
        steps = self._steps(t)
        if self.values.ndim == 1:
            return self.values[steps]
        if i is None:
            raise TypeError("a 2-d TimedArray is called as name(t, i)")
        return self.values[steps, np.asarray(i, dtype=np.int64)]

    def _dimension_rule(self, arg_dims, expr_text):
        if not arg_dims or arg_dims[0] is not second.dim:
            raise DimensionMismatchError(f"A TimedArray takes a time as first argument in "
                                         f"'{expr_text}'", *arg_dims)
        if len(arg_dims) != self.values.ndim:
            raise TypeError(f"A {self.values.ndim}-d TimedArray takes {self.values.ndim} "
                            f"argument(s) in '{expr_text}'")
        return self.dim

    def __call__(self, t, i=None):
        """Direct use in Python: ``ta(5*ms)``, or an array of times (a
        monitor's ``t``) as Brian2 allows."""
        seconds = np.asarray(t / second, dtype=np.float64)
        value = self._evaluate(float(seconds) if seconds.ndim == 0 else seconds, i)
        return Quantity(value, self.dim) if self.dim is not DIMENSIONLESS else value
