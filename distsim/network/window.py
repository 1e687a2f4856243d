"""The spike exchange of a min-delay window, as a code object of the schedule.

Each step it collects the spikes the thresholds found on this rank; at the
end of each window (never longer than the smallest synaptic delay, so no
spike is due before it is exchanged) it gathers all ranks' spikes, hands
them to the compiled delivery into ring buffers and to the presynaptic
pathways' queues, and passes them on to the spike and rate monitors in
batches. It runs at the start of ``before_synapses``: after every threshold,
before any synaptic code.
"""
import numpy as np

from .._ext import step_loop
from ..core.scheduling import CodeObject
from ..parallel import SpikeExchange

# Exchanged spikes reach the spike and rate monitors in batches of this many
# steps (and before every flush and at the end of a run): a Python call per
# monitor and window cost more than the recording itself.
MONITOR_BATCH_STEPS = 100


class SpikeWindow(CodeObject):
    """Collects, exchanges and distributes the spikes of each window.

    Parameters
    ----------
    groups : list of NeuronGroup
        Whose spikes are exchanged (``group.spikes_now`` after the thresholds).
    window_steps : int
        Steps per window (the smallest synaptic delay, at least 1).
    delivery_plan : DeliveryPlan
        The compiled delivery of the additive pathways.
    pre_pathways : list of SynapticPathway
        Pathways triggered by presynaptic spikes (queued at each exchange).
    spike_monitors, rate_monitors : lists
        Recorders of the exchanged spikes.
    monitor_batch_steps : int
        They receive the spikes every this many steps (1: at every step, for
        Python code that reads them during the run).
    """

    when = "before_synapses"
    order = -(1 << 30)  # first in its slot
    name = "spike_exchange"

    def __init__(self, groups, window_steps, delivery_plan, pre_pathways, spike_monitors,
                 rate_monitors, monitor_batch_steps=MONITOR_BATCH_STEPS, event_sources=()):
        self.groups = groups
        # Custom events travel in the same exchange: id * n_kinds + kind
        # (kind 0: spikes; with no custom event, ids as they are).
        self.event_sources = list(event_sources)
        self.n_kinds = 1 + len(self.event_sources)
        self.kind_of = {(id(group), event): k for k, (group, event)
                        in enumerate(self.event_sources, 1)}
        self.unrecorded_events = {k: [] for k in range(1, self.n_kinds)}
        self.window_steps = window_steps
        self.monitor_batch_steps = monitor_batch_steps
        self.delivery_plan = delivery_plan
        self.pre_pathways = pre_pathways
        self.spike_monitors = spike_monitors
        self.rate_monitors = rate_monitors
        self.exchange = SpikeExchange()

    def begin_run(self, first, stop, flush_steps, flush):
        """Prepare a run of steps [first, stop); ``flush(end_step)`` is called
        every ``flush_steps`` steps (None: never) after the monitors are fed
        with the steps before ``end_step``."""
        self.stop = stop
        self.window_start = first
        self.ids, self.steps = [], []
        self.unrecorded, self.unrecorded_first = [], first
        self.flush_steps, self.flush = flush_steps, flush
        self.next_flush = first + flush_steps if flush_steps else None
        self.compiled = None

    def run(self, step, t, dt):
        n_kinds = self.n_kinds
        for group in self.groups:
            local = group.spikes_now
            if len(local):
                ids = group.local_indices[local] + group.id_offset
                self.ids.append(ids * n_kinds if n_kinds > 1 else ids)
                self.steps.append(np.full(len(local), step, dtype=np.int64))
        for kind, (group, event) in enumerate(self.event_sources, 1):
            local = group.events_now(event)
            if len(local):
                self.ids.append((group.local_indices[local] + group.id_offset) * n_kinds + kind)
                self.steps.append(np.full(len(local), step, dtype=np.int64))
        last = step == self.stop - 1
        # A flush ends a window early (an early exchange is always safe), so
        # that flushes keep their interval even when windows are longer.
        flushing = self.next_flush is not None and step + 1 >= self.next_flush
        if step - self.window_start + 1 < self.window_steps and not last and not flushing:
            return
        self._exchange()
        self.window_start = step + 1
        if flushing or step + 1 - self.unrecorded_first >= self.monitor_batch_steps or last:
            self.record_exchanged(step + 1)
        if flushing:
            self.flush(step + 1)
            self.next_flush += self.flush_steps

    def end_early(self, next_step):
        """The run stops before ``next_step`` (``stop()``): exchange what this
        window collected and hand it to the monitors. Collective."""
        if next_step > self.window_start:
            self._exchange()
            self.window_start = next_step
        self.record_exchanged(next_step)

    def can_compile(self):
        """Whether `compiled_op` can make the window (not with custom events)."""
        return self.n_kinds == 1

    def compiled_op(self, before_flush=None):
        """The window as step_loop.SpikeWindowOp, made after the pathways'
        operations. When every presynaptic pathway has its compiled queue,
        it exchanges, delivers and queues in C; otherwise it calls
        `_exchange_arrays` at the end of each window. ``before_flush()`` is
        called before each flush."""
        def flush(end_step):
            if before_flush is not None:
                before_flush()
            self.flush(end_step)
        in_c = all(p.compiled_queue is not None for p in self.pre_pathways)
        op = step_loop.SpikeWindowOp(
            [group.threshold_code.found for group in self.groups],
            [group.share.first + group.id_offset for group in self.groups],
            [group.share.stride for group in self.groups],
            self.exchange.capsule() if in_c else None, self.delivery_plan.deliverer(),
            [p.compiled_queue.event_sink() for p in self.pre_pathways] if in_c else [],
            self._exchange_arrays, self._record_from_op, flush)
        op.begin(self.window_start, self.stop, self.window_steps, self.next_flush,
                 self.flush_steps, self.monitor_batch_steps, self.unrecorded_first)
        self.compiled = op
        return op

    def _record_from_op(self, stop):
        self.take_from_op()
        self.record_exchanged(stop)

    def take_from_op(self):
        """Bring what the compiled window did (spikes it delivered itself,
        where the window is) into this object's state."""
        op = self.compiled
        ids, steps = op.take_exchanged()
        if len(ids):
            self.unrecorded.append((ids, steps))
        self.window_start = op.window_start
        self.next_flush = op.next_flush if op.next_flush >= 0 else None

    def _exchange(self):
        """Gather a window's spikes from all ranks and queue their effects."""
        ids = np.concatenate(self.ids) if self.ids else np.empty(0, np.int64)
        steps = np.concatenate(self.steps) if self.steps else np.empty(0, np.int64)
        self.ids, self.steps = [], []
        self._exchange_arrays(ids, steps)

    def _exchange_arrays(self, ids, steps):
        """Gather a window's spikes (this rank's ``ids``, ``steps``) from all
        ranks and queue their effects. Collective."""
        ids, steps = self.exchange.exchange(ids, steps)
        events = {}
        if self.n_kinds > 1:
            kinds, ids = ids % self.n_kinds, ids // self.n_kinds
            events = {k: (ids[kinds == k], steps[kinds == k]) for k in range(1, self.n_kinds)}
            ids, steps = ids[kinds == 0], steps[kinds == 0]
            for k, (event_ids, event_steps) in events.items():
                if len(event_ids):
                    self.unrecorded_events[k].append((event_ids, event_steps))
        self.delivery_plan.deliver(ids, steps)
        for pathway in self.pre_pathways:
            if pathway.event == "spike":
                pathway.queue_presynaptic(ids, steps)
            else:
                pathway.queue_presynaptic(*events[self._kind(pathway)])
        if len(ids):
            self.unrecorded.append((ids, steps))

    def _kind(self, pathway):
        source = pathway.synapses.source
        return self.kind_of[(id(getattr(source, "parent", source)), pathway.event)]

    def record_exchanged(self, stop):
        """Hand the spikes exchanged since the last call (steps up to
        ``stop``) to the spike and rate monitors."""
        first = self.unrecorded_first
        if self.unrecorded:
            ids = np.concatenate([ids for ids, _ in self.unrecorded])
            steps = np.concatenate([steps for _, steps in self.unrecorded])
        else:
            ids = steps = np.empty(0, np.int64)
        for monitor in self.spike_monitors:
            if monitor.event == "spike":
                monitor.record_spikes(ids, steps)
        for monitor in self.rate_monitors:
            monitor.record_window(ids, steps, first, stop)
        for monitor in self.spike_monitors:  # EventMonitors: their event's stream
            if monitor.event != "spike":
                source = monitor.source
                chunks = self.unrecorded_events[self.kind_of[(id(getattr(source, "parent",
                                                                          source)),
                                                              monitor.event)]]
                monitor.record_spikes(
                    np.concatenate([c[0] for c in chunks]) if chunks else np.empty(0, np.int64),
                    np.concatenate([c[1] for c in chunks]) if chunks else np.empty(0, np.int64))
        for chunks in self.unrecorded_events.values():
            chunks.clear()
        self.unrecorded, self.unrecorded_first = [], stop
