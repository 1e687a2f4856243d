"""Bad input and the error it gets: the catalogue behind docs/errors.md.

Each entry is (area, what the user did, a function doing it in a fresh
scope, the exception type, a regular expression the message must match).
tests/test_errors.py runs every entry serially and on 2 and 3 ranks (every
rank must raise, none may hang); ``python tests/error_catalogue.py``
prints docs/errors.md.
"""
import os
import re
import sys
import tempfile

import numpy as np

import distsim
from distsim import (Hz, Network, NeuronGroup, PoissonInput, SpikeGeneratorGroup, SpikeMonitor,
                     StateMonitor, Synapses, TimedArray, mV, ms, nS, restore, run, save,
                     second, store)
from distsim.model.equations import EquationError
from distsim.model.integration import IntegrationError
from distsim.model.namespace import NameResolutionError
from distsim.units import DimensionMismatchError


def _group(n=10, model="dv/dt = -v/(10*ms) : volt", **kwargs):
    return NeuronGroup(n, model, **kwargs)


def _synapses(model="w : 1", **kwargs):
    G = _group(model="dv/dt = -v/(10*ms) : 1")
    return G, Synapses(G, G, model, **kwargs)


def _restore_other_network():
    directory = distsim.parallel.get_comm().bcast(tempfile.mkdtemp(), root=0)
    group = _group(name="g")
    store(filename=os.path.join(directory, "c.h5"))
    distsim.start_scope()
    group = _group(12, name="g")
    restore(filename=os.path.join(directory, "c.h5"))


def _store_over_another_file():
    comm = distsim.parallel.get_comm()
    path = os.path.join(comm.bcast(tempfile.mkdtemp(), root=0), "results.txt")
    if comm.Get_rank() == 0:
        with open(path, "w") as handle:
            handle.write("data the user keeps")
    comm.Barrier()
    _group()
    store(filename=path)


def _more_synapses_than_memory():
    previous = os.environ.get("DISTSIM_MEMORY_LIMIT")
    os.environ["DISTSIM_MEMORY_LIMIT"] = "64M"
    try:
        G = _group(10000)
        S = Synapses(G, G, "w : 1", on_pre="v_post += w*mV", name="dense")
        S.connect(p=0.2)
        len(S)
    finally:
        if previous is None:
            del os.environ["DISTSIM_MEMORY_LIMIT"]
        else:
            os.environ["DISTSIM_MEMORY_LIMIT"] = previous


def _unknown_synaptic_target():
    G, S = _synapses(on_pre="x_post += 1")
    S.connect(j="i")
    run(0.1 * ms)


def _state_monitor_out_of_range():
    monitor = StateMonitor(_group(), "v", record=[3, 10])
    run(0.1 * ms)


CATALOGUE = [
    # -- equations and expressions ------------------------------------------------
    ("equations", "an undefined constant in the equations",
     lambda: (_group(model="dv/dt = -v/tau_undefined : volt"), run(0.1 * ms)),
     NameResolutionError, r"NeuronGroup 'neurongroup'.*'tau_undefined'"),
    ("equations", "a right-hand side with the wrong units",
     lambda: (_group(model="dv/dt = -v : volt"), run(0.1 * ms)),
     DimensionMismatchError, r"units"),
    ("equations", "a syntax error", lambda: _group(model="dv/dt = (-v/(10*ms) : volt"),
     EquationError, r"neurongroup"),
    ("equations", "an unknown flag", lambda: _group(model="v : volt (sometimes)"),
     EquationError, r"Flag 'sometimes' is not allowed"),
    ("equations", "a unit that does not exist", lambda: _group(model="v : furlong"),
     EquationError, r"furlong"),
    ("equations", "a threshold that is not a condition",
     lambda: (_group(threshold="v"), run(0.1 * ms)),
     DimensionMismatchError, r"threshold 'v' must be a condition"),
    ("equations", "a reset of a variable the group lacks",
     lambda: (_group(threshold="v > 1*mV", reset="u = 0*mV"), run(0.1 * ms)),
     EquationError, r"'u', which is not a variable"),
    ("equations", "a refractory period that is not a time",
     lambda: _group(refractory=5 * mV), DimensionMismatchError, r"refractory must be a time"),
    ("equations", "an unknown integration method", lambda: (_group(method="rk5"),
                                                            run(0.1 * ms)),
     IntegrationError, r"unknown integration method 'rk5'"),
    ("equations", "'exact' for a nonlinear equation",
     lambda: (_group(model="dv/dt = -v**2/(10*ms*mV) : volt", method="exact"), run(0.1 * ms)),
     IntegrationError, r"not linear"),
    ("equations", "a function that does not exist",
     lambda: (_group(model="dv/dt = -frobnicate(v)/(10*ms) : volt"), run(0.1 * ms)),
     NameResolutionError, r"'frobnicate' in '-frobnicate\(v\)/\(10\*ms\)'"),
    ("equations", "a Python construct the language lacks",
     lambda: _group(model="dv/dt = [v][0]/(10*ms) : volt"), EquationError, r"not allowed"),
    # -- groups ------------------------------------------------------------------
    ("groups", "N = 0", lambda: _group(0), ValueError, r"N must be a positive integer"),
    ("groups", "N = 2.5", lambda: _group(2.5), ValueError, r"N must be a positive integer"),
    ("groups", "a value with the wrong units", lambda: setattr(_group(), "v", 5 * second),
     DimensionMismatchError, r"wrong units"),
    ("groups", "an expression with the wrong units",
     lambda: setattr(_group(), "v", "5*second"), DimensionMismatchError, r"wrong units"),
    ("groups", "an index past the end", lambda: _group().v.__setitem__(20, 1 * mV),
     IndexError, r"out of range for 10 neurons"),
    ("groups", "a variable the model lacks", lambda: setattr(_group(), "u", 1),
     AttributeError, r"no variable 'u'"),
    ("groups", "an expression that cannot be evaluated",
     lambda: setattr(_group(), "v", "(1/0)*mV"), ValueError, r"'\(1/0\)\*mV' cannot be evaluated"),
    ("groups", "writing a read-only variable", lambda: setattr(_group(), "lastspike", 0 * ms),
     AttributeError, r"'lastspike' cannot be set"),
    ("groups", "a subgroup with a step", lambda: _group()[::2], TypeError, r"contiguous"),
    ("groups", "an empty subgroup", lambda: _group()[5:5], IndexError, r"empty"),
    ("groups", "too many values", lambda: setattr(_group(), "v", np.zeros(11) * mV),
     ValueError, r"11 values for 10"),
    ("groups", "run_regularly in a slot that does not exist",
     lambda: _group().run_regularly("v = 0*mV", when="thresold"),
     ValueError, r"not a slot of the schedule"),
    # -- synapses -----------------------------------------------------------------
    ("synapses", "a source that is not a group", lambda: Synapses(5, _group()),
     TypeError, r"the source must be a NeuronGroup"),
    ("synapses", "Brian 1's pre=", lambda: _synapses(pre="v += 1"),
     TypeError, r"Brian 1 names"),
    ("synapses", "writing a variable neither group has", _unknown_synaptic_target,
     Exception, r"x_post|'x'"),
    ("synapses", "p > 1", lambda: _synapses()[1].connect(p=1.5), ValueError,
     r"p must be between 0 and 1"),
    ("synapses", "i/j outside the groups", lambda: _synapses()[1].connect(i=[0, 12], j=[1, 2]),
     IndexError, r"outside the groups"),
    ("synapses", "a condition with units",
     lambda: _synapses()[1].connect("i*mV"), DimensionMismatchError,
     r"condition 'i\*mV' must be dimensionless"),
    ("synapses", "a condition and i/j arrays together",
     lambda: _synapses()[1].connect("i > 2", i=[0], j=[1]), TypeError, r"either"),
    ("synapses", "n < 0", lambda: _synapses()[1].connect(n=-1), ValueError,
     r"n must be a non-negative integer"),
    ("synapses", "fixed_total_number with p",
     lambda: _synapses()[1].connect(p=0.5, fixed_total_number=10), TypeError,
     r"fixed_total_number takes no condition or p"),
    ("synapses", "n that is not an integer", lambda: _synapses()[1].connect(n=1.5), TypeError,
     r"n must be an integer or a string"),
    ("synapses", "i given as floats", lambda: _synapses()[1].connect(i=[0.5, 1.0], j=[1, 2]),
     TypeError, r"i must be given as integers"),
    ("synapses", "more synapses than the memory holds", _more_synapses_than_memory,
     MemoryError, r"'dense' needs about .* GiB on rank .*Nothing was built"),
    ("synapses", "a negative delay",
     lambda: (lambda S: (S.connect(j="i"), setattr(S, "delay", -1 * ms)))(
         _synapses(on_pre="v_post += 1")[1]), ValueError, r"non-negative"),
    ("synapses", "an expression for delay=",
     lambda: _synapses(on_pre="v_post += 1", delay="1*ms"), TypeError, r"delay= takes one time"),
    ("synapses", "the delay of synapses without a 'pre' pathway",
     lambda: _synapses()[1].delay, AttributeError, r"no 'pre' pathway"),
    ("synapses", "the delay of an unknown pathway",
     lambda: _synapses(on_pre="v_post += 1", delay={"post": 1 * ms}), ValueError,
     r"unknown pathway"),
    ("synapses", "a weight with the wrong units",
     lambda: (lambda S: (S.connect(j="i"), setattr(S, "w", 1 * nS)))(_synapses()[1]),
     DimensionMismatchError, r"wrong units"),
    ("synapses", "a summed variable onto a variable that is not a parameter",
     lambda: (lambda GS: (GS[1].connect(j="i"), run(0.1 * ms)))(
         _synapses("y : 1\nv_post = y : 1 (summed)")), KeyError, r"must be a parameter"),
    ("synapses", "the guide's typo j='k in range(...)'",
     lambda: _synapses()[1].connect(j="k in range(3)"), Exception, r"for k in"),
    # -- inputs and monitors --------------------------------------------------------
    ("inputs", "a PoissonInput rate that is not a frequency",
     lambda: PoissonInput(_group(), "v", 10, 5 * ms, 1 * mV), DimensionMismatchError,
     r"rate must be a frequency"),
    ("inputs", "a PoissonInput with rate*dt > 1",
     lambda: (PoissonInput(_group(), "v", 10, 20000 * Hz, 1 * mV), run(0.1 * ms)), ValueError,
     r"rate \* dt"),
    ("inputs", "SpikeGeneratorGroup indices and times of different lengths",
     lambda: SpikeGeneratorGroup(3, [0, 1], [1] * ms), ValueError, r"2 indices but 1 times"),
    ("inputs", "a TimedArray of three dimensions",
     lambda: TimedArray(np.zeros((2, 2, 2)), dt=1 * ms), ValueError, r"1-d .* or 2-d"),
    ("monitors", "a StateMonitor of a variable the group lacks",
     lambda: StateMonitor(_group(), "u", record=True), KeyError, r"'u' is not a variable"),
    ("monitors", "a SpikeMonitor of something that is not a group",
     lambda: SpikeMonitor(5), TypeError, r"must be a NeuronGroup"),
    ("monitors", "recording an element past the end", _state_monitor_out_of_range,
     IndexError, r"record indices outside 0..9"),
    # -- running, files, checkpoints ----------------------------------------------------
    ("run", "a negative duration", lambda: (_group(), run(-1 * ms)), ValueError,
     r"expected a non-negative duration"),
    ("run", "a duration without units", lambda: (_group(), run(5)), DimensionMismatchError,
     r"must be a time"),
    ("run", "an unknown report", lambda: (_group(), run(1 * ms, report="loud")), ValueError,
     r"report must be"),
    ("run", "flush_interval without a results file",
     lambda: (_group(), run(1 * ms, flush_interval=1 * ms)), ValueError,
     r"flush_interval needs output="),
    ("run", "checkpoint_interval without a checkpoint file",
     lambda: (_group(), run(1 * ms, checkpoint_interval=1 * ms)), ValueError,
     r"needs checkpoint="),
    ("run", "adding something that is not an object to a Network",
     lambda: Network(_group(), 5), TypeError, r"Cannot add 5"),
    ("run", "an unknown code generation target",
     lambda: setattr(distsim.prefs.codegen, "target", "cuda"), ValueError,
     r"target must be one of"),
    ("files", "a results file in a directory that does not exist",
     lambda: (_group(), save("/nonexistent-directory/results.h5")), FileNotFoundError,
     r"cannot create the results file '/nonexistent-directory/results.h5': the directory "
     r"'/nonexistent-directory' does not exist"),
    ("files", "loading a file that does not exist",
     lambda: distsim.load("/nonexistent-directory/results.h5"), Exception,
     r"nonexistent|No such file|unable|Unable"),
    ("checkpoints", "restoring a name never stored", lambda: (_group(), restore("nothing")),
     KeyError, r"no checkpoint named 'nothing'"),
    ("checkpoints", "restoring from a file that does not exist",
     lambda: (_group(), restore(filename="/nonexistent-directory/ckpt.h5")),
     FileNotFoundError, r"no checkpoint file"),
    ("checkpoints", "restoring into another network", _restore_other_network, ValueError,
     r"'g' has size 10 in the checkpoint, 12 in the network"),
    ("checkpoints", "a checkpoint over a file that is not one", _store_over_another_file,
     FileExistsError, r"exists and is not a distsim checkpoint file"),
]


def markdown():
    lines = ["# Bad input and the errors it gets", "",
             "Every row is tested (tests/test_errors.py) serially and on 2 and 3 ranks: every",
             "rank raises the error, none hangs. Generated by `python tests/error_catalogue.py`.",
             ""]
    area = None
    for entry_area, what, _, error, pattern in CATALOGUE:
        if entry_area != area:
            area = entry_area
            lines += ["", f"## {area}", "", "| bad input | error | message (matches) |",
                      "|---|---|---|"]
        lines.append(f"| {what} | `{error.__name__}` | `{pattern.replace('|', ' or ')}` |")
    lines += ["", "## failures during a run", "",
              "Tested by running scripts under mpirun -n 2 and -n 3 with a timeout",
              "(tests/test_write_failures.py, tests/test_kill.py): none hangs.", "",
              "| what happens | what the user sees |", "|---|---|"]
    lines += [f"| {what} | {seen} |" for what, seen in FAILURES_DURING_A_RUN]
    return "\n".join(lines) + "\n"


# Failures that end the job rather than raise (tested by running scripts).
FAILURES_DURING_A_RUN = [
    ("the results file's disk fills up", "before the flush that does not fit, every rank "
     "raises `OSError` [Errno 28] naming the file, the MiB free and needed; the file is "
     "closed holding everything up to the last flush"),
    ("a checkpoint does not fit on its disk", "every rank raises `OSError` [Errno 28] before "
     "anything is written; the previous checkpoints in the file are untouched"),
    ("a write of the results file fails on one rank only", "that rank prints the error and "
     "aborts the job within seconds (the others wait inside parallel HDF5); the file holds "
     "everything up to the last complete flush"),
    ("an exception in the script on one rank only", "that rank prints its traceback and "
     "aborts the job within seconds"),
    ("a rank is killed (SIGKILL)", "mpirun ends the job within seconds; the results file "
     "holds everything up to the last flush, the last complete checkpoint restarts"),
    ("SIGTERM or SIGUSR1 (a time limit)", "a checkpoint at the next window, exit code 85 "
     "(docs/checkpoints.md)"),
    ("the script ends without save()", "the results file is closed by all ranks together, "
     "complete"),
]


if __name__ == "__main__":
    sys.stdout.write(markdown())
