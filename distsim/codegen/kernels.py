"""Generated kernels: a model's per-event or per-neuron code as one compiled loop.

Each ``*_kernel`` function returns a `Kernel` (compiled, cached by build.py)
or raises `Untranslatable` when the code needs the numpy path. A kernel is
called with the arrays and scalars it names, in ``kernel.arrays`` and
``kernel.scalars`` order, packed in two tuples.
"""
import numpy as np

from .._ext import buffers
from ..model.expressions import Expression
from ..model.schemes import LOCAL_PREFIX
from .build import load_kernel
from .cexpr import PREAMBLE, Untranslatable, number, translate, translate_sympy


_TYPE_NUMBERS = {np.float64: np.dtype(np.float64).num, np.uint8: np.dtype(np.uint8).num}


def address(array, dtype=np.float64):
    """Where a contiguous array of ``dtype`` keeps its data (kernels take
    pointers: no memoryview code to compile, and none of its call cost)."""
    found = buffers.address(array, _TYPE_NUMBERS.get(dtype) or np.dtype(dtype).num) \
        if isinstance(array, np.ndarray) else None
    if found is None:
        got = f"{array.dtype} (contiguous: {array.flags.c_contiguous})" \
            if isinstance(array, np.ndarray) else type(array).__name__
        raise TypeError(f"a kernel needs a contiguous {np.dtype(dtype)} array, got {got}")
    return found


class Kernel:
    """A compiled loop and the names of its arguments.

    Attributes
    ----------
    arrays : list
        Keys of the float64 arrays whose addresses ``run`` takes in ``arrays``.
    scalars : list
        Keys of the constants that ``run`` takes in ``scalars``.
    """

    def __init__(self, source, arrays, scalars, fixed=()):
        self.source = source
        self.arrays = arrays
        self.scalars = scalars
        self.fixed = fixed  # the loop's own arguments other than t and dt, in order
        self.module = load_kernel(source)
        self.run = self.module.run

    def bind(self, fixed, arrays, scalars, spikes=None, keep_alive=None):
        """This kernel as an operation of the compiled step loop: ``fixed``
        (the values of `fixed`), the arrays' addresses and the scalars are
        the same at every step. ``spikes`` (a SpikeSlot capsule): where a
        threshold's count goes, or where a pathway's ``n_events`` comes
        from. ``keep_alive``: what owns the arrays."""
        return self.module.Bound(tuple(fixed), tuple(arrays), tuple(scalars), spikes,
                                 keep_alive)


class FixedArray:
    """A kernel's array argument known when the kernel is made (a
    TimedArray's values): every caller passes ``address(values)``."""

    def __init__(self, values):
        self.values = np.ascontiguousarray(values, dtype=np.float64)


def fixed_address(key):
    """The address of a `FixedArray` key, or None for any other key."""
    return address(key.values) if isinstance(key, FixedArray) else None


class _Names:
    """Collects the arguments a kernel's code refers to while it is written."""

    def __init__(self):
        self.arrays = {}   # argument name -> key the caller resolves
        self.types = {}    # argument name -> C type of its elements (default double)
        self.scalars = {}

    def array(self, argument, key, index):
        self.arrays.setdefault(argument, key)
        return f"{argument}[{index}]"

    def fixed(self, function_name, values):
        """The pointer argument of a function's array (see `FixedArray`)."""
        argument = f"f_{function_name}"
        self.arrays.setdefault(argument, FixedArray(values))
        return argument

    def scalar(self, argument, key):
        self.scalars.setdefault(argument, key)
        return argument

    def random(self, function, key, element, draw):
        """The text of ``rand()`` or ``randn()`` drawn in the kernel: the
        counter-based number of (stream ``key``, ``element``, ``draw``), as
        core/random.py draws it. The caller passes the stream's 64-bit key
        in a one-element uint64 array (an array argument with key ``key``)."""
        argument = f"stream_{key[1]}_{key[2]}"
        self.arrays.setdefault(argument, key)
        self.types[argument] = "unsigned long long"
        draw_function = {"rand": "philox_uniform", "randn": "_normal"}[function]
        return f"{draw_function}({argument}[0], <uint64_t>({element}), <uint64_t>({draw}))"

    def declarations(self):
        lines = [f"    cdef {self.types.get(a, 'double')}* {a} = "
                 f"<{self.types.get(a, 'double')}*><size_t>arrays[{k}]"
                 for k, a in enumerate(self.arrays)]
        lines += [f"    cdef double {a} = scalars[{k}]" for k, a in enumerate(self.scalars)]
        return lines


def _kernel(body_lines, names, loop_header, locals_, returns_count=False):
    """The module of a kernel: ``_body`` (the loop, taking the arrays'
    addresses and the scalars as C arrays), ``run`` (its Python entry, the
    two as tuples) and ``Bound`` (`Kernel.bind`: an operation of the
    compiled step loop with every argument but ``t`` and ``dt`` fixed)."""
    parameters = [p.strip().rsplit(" ", 1) for p in loop_header[0].split(",")]
    names_only = [name for _, name in parameters]
    fixed = [(kind, name) for kind, name in parameters if name not in PER_STEP + ("n_events",)]
    n_arrays, n_scalars = max(1, len(names.arrays)), max(1, len(names.scalars))
    body = (["", "cdef Py_ssize_t _body(" + loop_header[0]
             + ", size_t* arrays, double* scalars) except -1:"]
            + names.declarations() + [f"    cdef double {name}" for name in locals_]
            + loop_header[1:] + body_lines
            + ([] if returns_count else ["    return 0"]))
    entry = ["", "", "def run(" + loop_header[0] + ", tuple arrays, tuple scalars):",
             f"    cdef size_t array_at[{n_arrays}]",
             f"    cdef double scalar[{n_scalars}]",
             "    cdef Py_ssize_t k",
             "    for k in range(len(arrays)):",
             "        array_at[k] = arrays[k]",
             "    for k in range(len(scalars)):",
             "        scalar[k] = scalars[k]",
             f"    return _body({', '.join(names_only)}, array_at, scalar)"]
    fields = [f"    cdef {kind} {name}" for kind, name in fixed]
    arguments = ", ".join(name if name in PER_STEP else "self.spikes.count"
                          if name == "n_events" else f"self.{name}" for name in names_only)
    bound = ["", "", "cdef class Bound:",
             "    cdef StepOp op",
             f"    cdef size_t array_at[{n_arrays}]",
             f"    cdef double scalar[{n_scalars}]",
             "    cdef SpikeSlot* spikes",
             "    cdef object keep_alive"] + fields + [
             "",
             "    def __init__(self, tuple fixed, tuple arrays, tuple scalars, spikes, keep_alive):",
             "        cdef Py_ssize_t k",
             "        for k in range(len(arrays)):",
             "            self.array_at[k] = arrays[k]",
             "        for k in range(len(scalars)):",
             "            self.scalar[k] = scalars[k]"] + [
             f"        self.{name} = fixed[{k}]" for k, (_, name) in enumerate(fixed)] + [
             "        self.spikes = NULL if spikes is None else "
             "<SpikeSlot*>PyCapsule_GetPointer(spikes, SPIKE_SLOT_CAPSULE())",
             "        self.keep_alive = (spikes, keep_alive)",
             "        self.op.run = _step",
             "        self.op.state = <void*>self",
             "",
             "    def step_op(self):",
             "        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)",
             "",
             "",
             "cdef int _step(void* state, int64_t step, double t, double dt) except -1:",
             "    cdef Bound self = <Bound>state",
             f"    cdef Py_ssize_t n = _body({arguments}, self.array_at, self.scalar)"] + (
             ["    self.spikes.count = n"] if returns_count else []) + [
             "    return 0"]
    source = "\n".join([PREAMBLE, STEP_IMPORTS] + body + entry + bound) + "\n"
    return Kernel(source, list(names.arrays.values()), list(names.scalars.values()),
                  [name for _, name in fixed])


# A kernel's arguments that the compiled step loop passes at every step
# (`Kernel.bind` fixes the others).
PER_STEP = ("step", "t", "dt")

#: How many events ahead a synaptic kernel asks for its synapses' values.
PREFETCH_DISTANCE = 8

# What a kernel module needs to be an operation of the compiled step loop,
# to draw random numbers (ext/philox.pxd; random123's normal numbers) and to
# prefetch (a hint: it changes no result).
STEP_IMPORTS = """\
cdef extern from *:
    \"\"\"
    #define DISTSIM_PREFETCH(address) __builtin_prefetch((const void*)(address), 1, 3)
    \"\"\"
    void _prefetch "DISTSIM_PREFETCH" (const void* address) noexcept nogil

from libc.stdint cimport int64_t, uint64_t
from cpython.pycapsule cimport PyCapsule_New, PyCapsule_GetPointer
from step_op cimport StepOp, SpikeSlot, STEP_OP_CAPSULE, SPIKE_SLOT_CAPSULE
from philox cimport philox_uniform
from distsim._ext import random123 as _random123

ctypedef double (*_normal_function)(uint64_t, uint64_t, uint64_t) noexcept nogil
cdef _normal_function _normal = <_normal_function>PyCapsule_GetPointer(
    _random123.normal_function(), "distsim.normal")
"""


def _synaptic_names(names, kinds, constants, element, i_text, j_text):
    """``name_of`` for code run on one synapse (store position ``element``):
    ``kinds`` resolves names as the Synapses' resolver (Resolver.plan) does; ``post`` and
    ``pre`` index the target's and the source's arrays."""
    def name_of(name):
        kind, variable = kinds.get(name, ("external", name))
        if kind == "synapse":
            return names.array(f"s_{name}", ("synapse", name), element)
        if kind == "post":
            return names.array(f"p_{variable}", ("post", variable), "post")
        if kind == "pre":
            return names.array(f"q_{variable}", ("pre", variable), "pre")
        if kind == "clock":
            return name
        if name in ("i", "j"):
            return i_text if name == "i" else j_text
        if kind in ("shared", "size", "external"):
            return _constant(names, name, constants)
        raise Untranslatable(f"'{name}' ({kind})")
    return name_of


def _indented(lines, depth):
    return [" " * (4 * depth) + line for line in lines]


def pathway_kernel(statements, destinations, reads, subexpressions, event_driven,
                   constants, site_offsets):
    """The kernel of a synaptic pathway: for each event (a store position,
    in order), advance the event-driven variables to ``t``, evaluate the
    subexpressions and run the statements one synapse at a time (Brian2's
    serial semantics; postsynaptic ``+=`` adds in event order).

    ``reads``: (name, kind, variable) of every name the code uses, as
    the Synapses' resolver (Resolver.plan) resolves them; ``destinations``: statement
    target -> (kind, variable); ``site_offsets``: each statement's first
    random call site. Array keys given back: ('synapse', name), ('post',
    variable), ('pre', variable) and ('random', 'rand' or 'randn', site): one
    number per event; scalar keys: constant names.
    """
    names = _Names()
    kinds = {name: (kind, variable) for name, kind, variable in reads}
    kinds.update({target: destination for target, destination in destinations.items()})
    subexpression_names = {eq.name for eq in subexpressions}

    synaptic = _synaptic_names(names, kinds, constants, "syn", "<double>i_values[k]",
                               "<double>j_values[k]")

    def name_of(name):
        return f"sub_{name}" if name in subexpression_names else synaptic(name)

    body = []
    locals_ = []
    if event_driven is not None:
        def text_of_symbol(symbol):
            if symbol == "_elapsed":
                return "(t - " + name_of("lastupdate") + ")"
            return name_of(symbol)
        kinds["lastupdate"] = ("synapse", "lastupdate")
        for k, (variable, solution) in enumerate(zip(event_driven.variables,
                                                     event_driven.solutions)):
            kinds.setdefault(variable, ("synapse", variable))
            locals_.append(f"advanced_{k}")
            body.append(f"advanced_{k} = {translate_sympy(solution, text_of_symbol)}")
        for k, variable in enumerate(event_driven.variables):
            body.append(f"{name_of(variable)} = advanced_{k}")
    for eq in subexpressions:
        locals_.append(f"sub_{eq.name}")
        body.append(f"sub_{eq.name} = {translate(eq.expr, name_of, array_of=names.fixed)}")
    for (target, op, expr), first_site in zip(statements, site_offsets):
        def random_of(function, site, first_site=first_site):
            # drawn by the caller for every event, exactly as the numpy path draws
            return names.array(f"r_{first_site + site}", ("random", function,
                                                          first_site + site), "k")
        operator = {None: "=", "Add": "+=", "Sub": "-=", "Mult": "*=", "Div": "/="}[op]
        body.append(f"{name_of(target)} {operator} "
                    f"{translate(expr, name_of, random_of, names.fixed)}")
    if event_driven is not None:
        body.append(f"{name_of('lastupdate')} = t")
    uses = "\n".join(body)
    header = ["size_t positions_at, Py_ssize_t n_events, size_t local_targets_at, "
              "long long target_offset, size_t pre_index_at, size_t i_values_at, "
              "size_t j_values_at, double t, double dt",
              "    cdef long long* positions = <long long*>positions_at",
              "    cdef int* local_targets = <int*>local_targets_at",
              "    cdef long long* pre_index = <long long*>pre_index_at",
              "    cdef long long* i_values = <long long*>i_values_at",
              "    cdef long long* j_values = <long long*>j_values_at",
              "    cdef Py_ssize_t k, syn, post, pre, ahead",
              "    for k in range(n_events):"]
    # The events' synapses lie far apart in the store (a target's synapses
    # one row apart): ask for a later event's values while this one computes.
    synapse_arrays = [argument for argument, key in names.arrays.items()
                      if key[0] == "synapse"]
    if synapse_arrays:
        header += [f"        if k + {PREFETCH_DISTANCE} < n_events:",
                   f"            ahead = positions[k + {PREFETCH_DISTANCE}]"]
        header += [f"            _prefetch(&{argument}[ahead])" for argument in synapse_arrays]
    header.append("        syn = positions[k]")
    if "[post]" in uses:
        header.append("        post = local_targets[syn] + target_offset")
    if "[pre]" in uses:
        header.append("        pre = pre_index[k]")
    return _kernel(_indented(body, 2), names, header, locals_)


def _constant(names, name, constants):
    """A constant's kernel argument (raises Untranslatable if it is not one number)."""
    value = constants.get(name)
    if value is None or np.ndim(value) != 0 or isinstance(value, (bool, np.bool_)):
        raise Untranslatable(f"'{name}' is not a number")
    return names.scalar(f"c_{name}", name)


def _numerical_update(updater, names, state_array, other_name_of, noise_of):
    """The lines (unindented) and locals of one element's numerical update:
    the updater's scheme (model/schemes.py: euler, rk2, rk4,
    exponential_euler; euler with additive noise), one line per step, so
    the kernel computes what the numpy target computes.

    ``state_array(name)``: the text of a state variable's element;
    ``other_name_of(name)``: the text of any other name (parameters, indices,
    constants); ``noise_of(j)``: the text of the j-th noise's increment
    (its normal number times sqrt(dt)). Held elements: the loop sets ``held``.
    """
    scheme = getattr(updater, "scheme", None)
    if scheme is None:
        raise Untranslatable(f"method {updater.name}")
    locals_ = set(scheme.locals)

    def name_of(name):
        if name in locals_:
            return name
        if name.startswith(f"{LOCAL_PREFIX}dw_"):
            j = int(name[len(f"{LOCAL_PREFIX}dw_"):])
            return noise_of(j)
        if name in scheme.variables:
            return state_array(name)
        if name in ("t", "dt"):
            return name
        return other_name_of(name)

    body = []
    for step in scheme.steps:
        value = translate(step.value, name_of, array_of=names.fixed)
        if step.condition is not None:
            value = (f"({value}) if {translate(step.condition, name_of, array_of=names.fixed)} "
                     f"else ({translate(step.otherwise, name_of, array_of=names.fixed)})")
        if step.hold == "zero":
            value = f"0.0 if held else ({value})"
        elif step.hold == "keep":
            value = f"{step.kept} if held else ({value})"
        target = state_array(step.target) if step.writes_state else step.target
        body.append(f"{target} = {value}")
    return body, list(scheme.locals)


def _neuron_names(names, constants, resolve):
    """``name_of`` for code run on one neuron (local index ``element``).
    ``resolve(name)`` gives (kind, dtype) as the group's resolver and
    variable table say: float variables are arrays, ``i`` the index,
    external names constants."""
    def name_of(name):
        kind, dtype = resolve(name)
        if kind == "derived" and name == "i":
            return f"<double>({NEURON_INDEX})"
        if kind in ("neuron", "shared"):
            if dtype != np.float64:
                raise Untranslatable(f"'{name}' is not a float variable")
            return names.array(f"s_{name}", name, "element")
        if kind == "clock":
            return name
        if kind in ("external", "size"):
            return _constant(names, name, constants)
        raise Untranslatable(f"'{name}' ({kind})")
    return name_of


# Element k of a rank's neurons is neuron first_index + index_stride*k
# (its share, parallel/partition.py).
NEURON_INDEX = "first_index + index_stride * element"
_NEURON_HEADER = ["Py_ssize_t n_local, long long first_index, long long index_stride, "
                  "size_t not_refractory_at, "
                  "long long step, double t, double dt",
                  "    cdef unsigned char* not_refractory = <unsigned char*>not_refractory_at",
                  "    cdef Py_ssize_t element",
                  "    cdef bint held"]


def neuron_update_kernel(updater, constants, resolve):
    """The kernel of a NeuronGroup's numerical update (euler, rk2, rk4,
    exponential_euler; euler with additive noise): each neuron's stages in
    registers, the same arithmetic as the numpy updaters.

    ``resolve(name)``: (kind, dtype) from the group's resolver and variable
    table (see `_neuron_names`). Array keys given back: variable names
    (float64) and ('stream', 'noise', j): the j-th noise's stream key (drawn
    in the kernel for element ``first_index + index_stride * element`` and draw ``step``);
    scalar keys: constant names.
    """
    names = _Names()

    def noise_of(j):  # the numpy updater's draw: randn() of noise j times sqrt(dt)
        return "(" + names.random("randn", ("stream", "noise", j), NEURON_INDEX, "step") + \
            " * sqrt(dt))"
    body, locals_ = _numerical_update(
        updater, names, lambda name: names.array(f"s_{name}", name, "element"),
        _neuron_names(names, constants, resolve), noise_of)
    if updater.scheme.holds:
        body.insert(0, "held = not_refractory[element] == 0")
    header = _NEURON_HEADER + ["    for element in range(n_local):"]
    return _kernel(_indented(body, 2), names, header, locals_)


def exact_update_kernel(updater, constants, resolve):
    """The kernel of a NeuronGroup's exact update ``x' = E x + P b`` with b
    evaluated for each neuron at every step (a current that synapses write
    changes b, not E and P): the propagators of the updater's last
    `prepare` (``ExactUpdater.kernel_propagators``, shared or one per
    neuron) are fixed arrays of the kernel, valid while the coefficient
    matrix A is unchanged. Held neurons (refractory, with '(unless
    refractory)' variables) use the held propagators."""
    propagators = updater.kernel_propagators()
    if propagators is None:
        raise Untranslatable("exact update not prepared")
    names = _Names()
    name_of = _neuron_names(names, constants, resolve)
    n = len(updater.variables)
    body = []
    for k, code in enumerate(updater.b_codes):
        try:
            expression = Expression(code)
        except Exception as exc:  # sympy's printing of a form the kernels do not know
            raise Untranslatable(f"constant term '{code}'") from exc
        body.append(f"b_{k} = {translate(expression, name_of, array_of=names.fixed)}")
    body += [f"x_{k} = {names.array(f's_{name}', name, 'element')}"
             for k, name in enumerate(updater.variables)]

    def assignments(free):
        exp_a, phi = propagators[free]
        per_element = exp_a.ndim == 3
        first = f"element * {n * n} + " if per_element else ""
        which = "free" if free else "held"
        e_name = names.fixed(f"e_{which}", exp_a.reshape(-1))
        p_name = names.fixed(f"p_{which}", phi.reshape(-1))
        # The numpy path's sums in its order: Phi b first, then e^{A dt} x.
        lines = []
        for k, name in enumerate(updater.variables):
            phi_b = " + ".join(f"{p_name}[{first}{k * n + l}] * b_{l}" for l in range(n))
            terms = [f"({phi_b})"] + [f"{e_name}[{first}{k * n + l}] * x_{l}"
                                      for l in range(n)]
            lines.append(f"{names.array(f's_{name}', name, 'element')} = {' + '.join(terms)}")
        return lines
    if propagators[False] is not propagators[True]:  # variables held while refractory
        body += ["if not_refractory[element] == 0:"] + _indented(assignments(False), 1) + \
            ["else:"] + _indented(assignments(True), 1)
    else:
        body += assignments(True)
    header = _NEURON_HEADER + ["    for element in range(n_local):"]
    return _kernel(_indented(body, 2), names, header,
                   [f"b_{k}" for k in range(n)] + [f"x_{k}" for k in range(n)])


def threshold_kernel(threshold, subexpressions, constants, resolve, refractoriness):
    """The kernel of a NeuronGroup's threshold: the local indices of the
    neurons that cross it (not refractory ones, with ``refractoriness``) go
    to the int64 array at ``spikes_at``; their ``lastspike`` becomes ``t``
    and they turn refractory. Returns the number of spikes. ``rand()`` in
    the threshold (PoissonGroup) is drawn in the kernel: array keys
    ('stream', 'threshold', site) are the call sites' stream keys."""
    names = _Names()
    group_name_of = _neuron_names(names, constants, resolve)
    subexpression_names = {eq.name for eq in subexpressions}

    def name_of(name):
        if name in subexpression_names:
            return f"sub_{name}"
        return name if name in ("t", "dt") else group_name_of(name)

    def random_of(function, site):
        return names.random(function, ("stream", "threshold", site), NEURON_INDEX, "step")

    body = [f"sub_{eq.name} = {translate(eq.expr, name_of, array_of=names.fixed)}"
            for eq in subexpressions]
    condition = translate(threshold, name_of, random_of, names.fixed)
    if refractoriness:
        condition = f"not_refractory[element] != 0 and {condition}"
    lastspike = names.array("s_lastspike", "lastspike", "element")
    body += [f"if {condition}:",
             "    spikes[n_spikes] = element",
             "    n_spikes += 1",
             f"    {lastspike} = t"]
    if refractoriness:
        body.append("    not_refractory[element] = 0")
    header = [_NEURON_HEADER[0] + ", size_t spikes_at"] + _NEURON_HEADER[1:] + [
        "    cdef long long* spikes = <long long*>spikes_at",
        "    cdef Py_ssize_t n_spikes = 0",
        "    for element in range(n_local):"]
    kernel = _kernel(_indented(body, 2) + ["    return n_spikes"], names, header,
                     [f"sub_{eq.name}" for eq in subexpressions], returns_count=True)
    return kernel


def neuron_expressions_kernel(outputs, constants, resolve):
    """The kernel that writes, for each local neuron, the values of
    expressions into arrays (a SpatialNeuron's linearised membrane current).
    ``outputs``: (FixedArray, Expression) pairs, the expressions using
    variables, constants and the clock. Array keys: the outputs and the
    variables read; scalar keys: constant names."""
    names = _Names()
    group_name_of = _neuron_names(names, constants, resolve)
    body = []
    for k, (target, expression) in enumerate(outputs):
        names.arrays.setdefault(f"out_{k}", target)
        body.append(f"out_{k}[element] = "
                    f"{translate(expression, group_name_of, array_of=names.fixed)}")
    return _kernel(_indented(body, 2), names,
                   _NEURON_HEADER + ["    for element in range(n_local):"], [])


def _synapse_loop(names, reads, constants):
    """Name resolution and loop header of kernels over all of a rank's
    synapses, source by source (store order): ``element`` is the store
    position, ``post``/``pre`` index the target's and the source's arrays."""
    kinds = {name: (kind, variable) for name, kind, variable in reads}
    name_of = _synaptic_names(names, kinds, constants, "element", "<double>source",
                              "<double>(target_start + target_stride * local_targets[element])")
    # row_sources_at == 0: row r holds source r's synapses (a dense row
    # index, synapses/row_index.py); else row_sources[r] is its source.
    header = ["Py_ssize_t n_rows, size_t row_start_at, size_t row_sources_at, "
              "size_t local_targets_at, "
              "long long target_offset, long long target_start, long long target_stride, "
              "long long source_offset, "
              "double t, double dt",
              "    cdef long long* row_start = <long long*>row_start_at",
              "    cdef long long* row_sources = <long long*>row_sources_at",
              "    cdef int* local_targets = <int*>local_targets_at",
              "    cdef Py_ssize_t store_row, source, element, post, pre",
              "    cdef bint held = False",
              "    for store_row in range(n_rows):",
              "        source = row_sources[store_row] if row_sources_at else store_row",
              "        pre = source + source_offset",
              "        for element in range(row_start[store_row], row_start[store_row + 1]):",
              "            post = local_targets[element] + target_offset"]
    return name_of, header


def synapse_update_kernel(updater, reads, constants):
    """The kernel of the synapses' clock-driven equations (as
    `neuron_update_kernel`, one synapse at a time in store order). Array
    keys as in `pathway_kernel`, plus ('noise', j) per synapse."""
    names = _Names()
    name_of, header = _synapse_loop(names, reads, constants)
    body, locals_ = _numerical_update(
        updater, names, lambda name: names.array(f"s_{name}", ("synapse", name), "element"),
        name_of, lambda j: names.array(f"dw_{j}", ("noise", j), "element"))
    return _kernel(_indented(body, 3), names, header, locals_)


def summed_variable_kernel(expression, subexpressions, reads, constants, target):
    """The kernel of a summed variable: the target group's local ``target``
    values (set to 0 by the caller) get each synapse's value added, in store
    order, as numpy's bincount adds them."""
    names = _Names()
    name_of, header = _synapse_loop(names, reads, constants)

    def with_subexpressions(name):
        return f"sub_{name}" if name in {eq.name for eq in subexpressions} else name_of(name)
    body = [f"sub_{eq.name} = {translate(eq.expr, with_subexpressions, array_of=names.fixed)}"
            for eq in subexpressions]
    body.append(f"{names.array('summed', ('post', target), 'post')} += "
                f"{translate(expression, with_subexpressions, array_of=names.fixed)}")
    return _kernel(_indented(body, 3), names, header,
                   [f"sub_{eq.name}" for eq in subexpressions])


__all__ = ["FixedArray", "Kernel", "Untranslatable", "address", "exact_update_kernel",
           "fixed_address", "neuron_update_kernel", "pathway_kernel",
           "summed_variable_kernel", "synapse_update_kernel", "threshold_kernel", "number"]
