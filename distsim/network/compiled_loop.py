"""The main loop in C: a run's schedule as ext/step_loop.pyx's StepLoop.

Each code object of the schedule gives its compiled operation
(``compiled_op()``: a group's exact step, a constant reset, a ring buffer's
slot, the spike window) or runs as a Python call from the loop; the order is
the schedule's, so every value is the one the Python loop computes. The loop
returns to Python at the end of a window, every `CHUNK_STEPS` steps or so,
for progress reports and checkpoints.

It is used when nothing needs Python between two steps: no network
operations (they may stop the run, and see spikes every step), no profiling
(which times each code object), and the compiled target (``prefs.codegen.target
= 'numpy'`` keeps the Python loop, the reference the tests compare against).
"""
from .._ext import step_loop
from ..core.preferences import compiled_target
from ..groups.neuron_code import NeuronThreshold
from .clocks import periodic

#: Steps between two returns to Python (progress, checkpoint checks).
CHUNK_STEPS = 100


def make_step_loop(schedule, window, clock):
    """The StepLoop of ``schedule`` (whose spike window is ``window``,
    prepared for the run by ``begin_run``), or None where the Python loop
    must run it."""
    if not compiled_target() or not window.can_compile():
        return None
    made = {id(code): code.compiled_op() for code in schedule if code is not window}
    # (after the pathways' queues exist; flushes see what C recorded)
    window_op = window.compiled_op(lambda: sync_from_compiled(schedule))
    operations = []
    in_python = False
    for code in schedule:
        operation = window_op if code is window else made[id(code)]
        if operation is None:
            operation = step_loop.PythonOp(periodic(code, code.run))
            in_python = True
        elif getattr(code, "period", 1) > 1:  # on a slower clock (network/clocks.py)
            clear = code.found if isinstance(code, NeuronThreshold) else None
            operation = [step_loop.PeriodicOp(op, code.period, code.own_dt, clear)
                         for op in (operation if isinstance(operation, list) else [operation])]
        # (one code object may be several operations)
        operations.extend(operation if isinstance(operation, list) else [operation])
    if in_python:  # Python code may read the clock (network.py's loop keeps it current)
        operations.insert(0, step_loop.ClockOp(clock))
    return step_loop.StepLoop(operations, window_op)


def sync_from_compiled(schedule):
    """Hand what the compiled operations recorded so far to their Python
    objects (StateMonitors), before Python reads them."""
    for code in schedule:
        sync = getattr(code, "sync_from_compiled", None)
        if sync is not None:
            sync()


def end_compiled_run(schedule):
    """After a run of the compiled loop (or its failure): what the code
    objects kept in C for it goes back to their Python state."""
    for code in schedule:
        end = getattr(code, "end_compiled_run", None)
        if end is not None:
            end()


def run_steps(loop, schedule, window, first, stop, dt, clock, reporter, checkpoints):
    """Run steps [first, stop) with ``loop``, returning to Python at the end
    of a window every `CHUNK_STEPS` steps or so (and when a checkpoint may be
    due, exactly where the Python loop would write it). Returns ``stop``."""
    try:
        _run_chunks(loop, schedule, window, first, stop, dt, clock, reporter, checkpoints)
    finally:
        end_compiled_run(schedule)
    return stop


def _run_chunks(loop, schedule, window, first, stop, dt, clock, reporter, checkpoints):
    step = first
    while step < stop:
        pause_at = step + CHUNK_STEPS
        if checkpoints is not None:
            pause_at = min(pause_at, checkpoints.next_check())
        step = loop.run(step, stop, dt, pause_at)
        clock.timestep = step
        window.take_from_op()
        if checkpoints is not None:
            sync_from_compiled(schedule)
        reporter.maybe_report(step - first)
        if checkpoints is not None and window.window_start == step:
            checkpoints.at_window_end(step, dt)
            window.compiled.unrecorded_first = window.unrecorded_first
