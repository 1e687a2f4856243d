"""Groups on different clocks in one run (Brian2's ``dt=`` per group).

Brian2 runs, at each time point, the objects whose clocks are due, in
schedule order. distsim runs a run's steps on its smallest dt (the base
clock) and gives each code object a *period*: it runs at the steps that are
multiples of it, with its own dt. Every dt must be a whole multiple of the
smallest. Which clock an object follows is Brian2's (``core/network.py``,
``synapses/synapses.py``):

- a NeuronGroup's state update, threshold, reset, ``run_regularly``
  operations and custom events: the group's clock;
- a summed variable: its target's clock (just before the target's update);
- a Synapses' clock-driven equations: the Synapses' clock, the default clock;
- a StateMonitor: its source's clock, unless given ``dt``;
- a network operation: the default clock, unless given ``dt``;
- the spike window, ring buffers and pathways: every base step (spikes
  happen at steps of the smallest dt; a slower group's at its own steps).

What distsim does not run on another clock than the base clock is a clear
error naming the object: pathways whose spikes come from a slower group with
delays that are not whole steps of its clock (Brian2 rounds them to it),
PoissonInput onto a slower group and PopulationRateMonitors of one. In the compiled step loop an
operation on a slower clock is wrapped in a ``PeriodicOp`` (ext/step_loop.pyx);
the Python loop calls `periodic`'s wrapper: the same steps either way.
"""
from __future__ import annotations

import numpy as np

from ..groups import NeuronGroup
from ..groups.events import EventDetector, EventOperation
from ..groups.neuron_code import NeuronReset, NeuronStateUpdate, NeuronThreshold
from ..groups.regular import RegularOperation
from ..parallel import get_comm
from ..synapses.dynamics import ClockDrivenUpdate, SummedVariable

#: Relative tolerance for "a whole multiple of the smallest dt".
_TOLERANCE = 1e-9

_GROUP_CODE = (NeuronStateUpdate, NeuronThreshold, NeuronReset, RegularOperation,
               EventDetector, EventOperation)


class RunClocks:
    """The clocks of one run: ``base_dt`` (seconds) is the step of the run;
    ``periods`` maps ``id(group)`` to its period in base steps (groups on
    the base clock are left out); ``default_period`` is the default clock's,
    ``default_used`` whether an object of the run is on it (then it moves)."""

    def __init__(self, base_dt: float, periods: dict, default_period: int,
                 default_used: bool = False):
        self.base_dt = base_dt
        self.periods = periods
        self.default_period = default_period
        self.default_used = default_used

    def period_of(self, group) -> int:
        """The period of a NeuronGroup's clock (1 for the base clock)."""
        return self.periods.get(id(group), 1)


def run_clocks(network_name: str, groups, synapses, default_dt: float) -> RunClocks:
    """The clocks of a run of ``groups`` (NeuronGroups) and ``synapses``.

    With one dt for all groups (the usual case) and no synaptic code on the
    default clock, that dt is the run's. Otherwise the base is the smallest
    of the groups' dts and the default clock's (where Synapses integrate
    clock-driven equations on it, as Brian2's Synapses do); a dt that is not
    a whole multiple of it is an error."""
    dt_of = {id(g): (g.own_dt if g.own_dt is not None else default_dt) for g in groups}
    on_default = [s.name for s in synapses if s.runs_on_own_clock]
    distinct = _distinct(list(dt_of.values()) + ([default_dt] if on_default else []))
    if len(distinct) <= 1:
        return RunClocks(distinct[0] if distinct else default_dt, {}, 1)
    base = distinct[0]
    default_period = _period(default_dt, base, "the default clock", network_name)
    if default_period > 1:
        if on_default:
            raise NotImplementedError(
                f"Network '{network_name}': Synapses {on_default} integrate on the default "
                f"clock (dt = {default_dt * 1e3:g} ms), which is slower than the run's smallest "
                f"dt ({base * 1e3:g} ms); distsim supports this when the default clock has "
                "the smallest dt")
    periods = {}
    for group in groups:
        period = _period(dt_of[id(group)], base, f"NeuronGroup '{group.name}'", network_name)
        if period > 1:
            periods[id(group)] = period
    default_used = bool(on_default) or any(abs(dt - default_dt) <= _TOLERANCE * default_dt
                                           for dt in dt_of.values())
    return RunClocks(base, periods, default_period, default_used)


def _distinct(dts):
    found = []
    for dt in sorted(dts):
        if not found or abs(dt - found[-1]) > _TOLERANCE * found[-1]:
            found.append(dt)
    return found


def _period(dt: float, base: float, owner: str, network_name: str) -> int:
    ratio = dt / base
    period = int(round(ratio))
    if period < 1 or abs(ratio - period) > _TOLERANCE * ratio:
        raise NotImplementedError(
            f"Network '{network_name}': {owner} has dt = {dt * 1e3:g} ms, which is not a whole "
            f"multiple of the run's smallest dt ({base * 1e3:g} ms). distsim runs groups on "
            "different clocks when every dt is a multiple of the smallest; choose such dts")
    return period


def check_supported(clocks: RunClocks, pathways, poisson_inputs, rate_monitors,
                    network_name: str) -> None:
    """Clear errors for what distsim does not run on a slower clock."""
    if not clocks.periods:
        return
    for pathway in pathways:
        prepost = getattr(pathway, "prepost", "pre")  # (additive pathways are 'pre')
        group = pathway.synapses.source if prepost == "pre" else pathway.synapses.target
        root = getattr(group, "parent", group)
        period = clocks.period_of(root)
        # Its spikes come at the slower clock's steps; with delays that are
        # whole steps of that clock, events arrive at those steps, as on
        # Brian2's pathway, which runs on that clock. Collective.
        if period > 1 and _delays_off_the_clock(pathway, period):
            raise NotImplementedError(
                f"Network '{network_name}': Synapses '{pathway.synapses.name}' has a "
                f"'{prepost}' pathway whose spikes come from '{root.name}', which runs on a "
                f"clock {period} times slower than the run's smallest dt, with delays that are "
                "not whole steps of that clock (Brian2 rounds them to it); give delays that "
                "are multiples of its dt, or the groups the same dt")
    for owner, group, kind in [(p, p.target, "PoissonInput") for p in poisson_inputs] + \
            [(m, m.source, "PopulationRateMonitor") for m in rate_monitors]:
        root = getattr(group, "parent", group)
        if clocks.period_of(root) > 1:
            raise NotImplementedError(
                f"Network '{network_name}': {kind} '{owner.name}' of '{root.name}', which runs "
                "on a slower clock than the run's smallest dt, is not supported (give the "
                "groups the same dt)")


def _delays_off_the_clock(pathway, period: int) -> bool:
    """Whether some synapse of the pathway, on any rank, has a delay that is
    not a multiple of ``period`` steps. Collective."""
    store = pathway.synapses.store
    delays = store.delay_steps if not hasattr(pathway, "delay_variable") else \
        pathway.synapses.delay_steps(pathway.delay_variable)
    local = bool(len(store) and np.any(np.asarray(delays) % period))
    return get_comm().allreduce(int(local)) > 0  # (a sum: ranks with such delays)


def assign_periods(schedule, clocks: RunClocks) -> None:
    """Give each code object of the run its ``period`` (in base steps) and
    its ``own_dt`` (seconds)."""
    for code in schedule:
        period = 1
        if isinstance(code, _GROUP_CODE):
            period = clocks.period_of(code.group)
        elif isinstance(code, SummedVariable):  # onto Synapses: the default clock
            period = clocks.period_of(code.group) if isinstance(code.group, NeuronGroup) \
                else clocks.default_period
        elif isinstance(code, ClockDrivenUpdate) or getattr(code, "on_default_clock", False):
            period = clocks.default_period
        code.period = period
        code.own_dt = clocks.base_dt * period


def periodic(code, run):
    """``run`` (``code``'s) as the Python loop calls it: at the steps of the
    code's clock, with that clock's step number and dt (a group on a slower
    clock sees its own steps, as in Brian2). Between its steps, a group's
    threshold and event detectors report nothing (the spike window reads
    them at every step)."""
    period, own_dt = getattr(code, "period", 1), getattr(code, "own_dt", None)
    if period == 1:
        return run
    clear = None
    if isinstance(code, NeuronThreshold):
        def clear():
            code.found.count = 0
    elif isinstance(code, EventDetector):
        def clear():
            code.now = code.now[:0]

    def run_when_due(step, t, dt):
        if step % period == 0:
            run(step // period, t, own_dt)
        elif clear is not None:
            clear()
    return run_when_due
