"""Neuron update loops: the exact (linear) update of all neurons in one pass.

The Python side (distsim.model.integration.ExactUpdater) computes the update
matrices and checks the inputs; this loop applies them in place.
"""
cimport numpy as cnp
from libc.stdint cimport uint8_t, int64_t
from libc.math cimport floor
from cpython.pycapsule cimport PyCapsule_New, PyCapsule_GetPointer
from step_op cimport StepOp, SpikeSlot, STEP_OP_CAPSULE, SPIKE_SLOT_CAPSULE

cnp.import_array()

cdef extern from "exact_pass.h":
    ctypedef Py_ssize_t (*exact_pass_function)(
        Py_ssize_t n, double** values, const double* free_m, const double* held_m,
        int refractoriness, int shared_period, const int64_t* periods, double* lastspike,
        uint8_t* not_refractory, const double* threshold_variable, int op, double level,
        double t, double margin, double per_step, int64_t* spikes) noexcept nogil
    Py_ssize_t distsim_exact_pass_1(
        Py_ssize_t, double**, const double*, const double*, int, int, const int64_t*,
        double*, uint8_t*, const double*, int, double, double, double, double,
        int64_t*) noexcept nogil
    Py_ssize_t distsim_exact_pass_2(
        Py_ssize_t, double**, const double*, const double*, int, int, const int64_t*,
        double*, uint8_t*, const double*, int, double, double, double, double,
        int64_t*) noexcept nogil
    Py_ssize_t distsim_exact_pass_3(
        Py_ssize_t, double**, const double*, const double*, int, int, const int64_t*,
        double*, uint8_t*, const double*, int, double, double, double, double,
        int64_t*) noexcept nogil

DEF MAX_VARIABLES = 32


def exact_update(const double[:, ::1] matrix, const double[:, ::1] held_matrix,
                 list variables, const uint8_t[::1] not_refractory,
                 const double[:, ::1] offsets, const double[:, ::1] held_offsets):
    """x <- M[:, :K] x + M[:, K] (+ offsets[:, i]) for every neuron i, in place.

    ``held_matrix`` (the update with the '(unless refractory)' rows frozen)
    is used where ``not_refractory`` is 0; pass an empty ``not_refractory``
    when no neuron can be refractory. ``offsets`` (K x n, or empty) are
    per-neuron constant terms (parameters in the equations).
    """
    cdef Py_ssize_t n_vars = len(variables), k, n
    cdef double* values[MAX_VARIABLES]
    # Raw pointers: switching memoryviews per neuron would cost refcounting.
    cdef const double* free_m = &matrix[0, 0]
    cdef const double* held_m = &held_matrix[0, 0]
    cdef const double* free_c = NULL
    cdef const double* held_c = NULL
    cdef const uint8_t* flags = NULL
    cdef bint per_neuron = offsets.shape[0] > 0
    if n_vars == 0:
        return
    n = _variable_pointers(variables, values)
    if per_neuron:
        if offsets.shape[1] != n or held_offsets.shape[1] != n:
            raise ValueError("offsets must have one column per neuron")
        free_c = &offsets[0, 0]
        held_c = &held_offsets[0, 0]
    if not_refractory.shape[0] > 0:
        if not_refractory.shape[0] != n:
            raise ValueError("one refractoriness flag per neuron")
        flags = &not_refractory[0]
    with nogil:
        _update_neurons(n_vars, n, values, free_m, held_m, free_c, held_c, flags, per_neuron)


def exact_update_per_neuron(const double[:, :, ::1] matrices,
                            const double[:, :, ::1] held_matrices, list variables,
                            const uint8_t[::1] not_refractory):
    """x_i <- M_i[:, :K] x_i + M_i[:, K] for every neuron i, in place, with a
    K x (K + 1) matrix per neuron (coefficients that differ between neurons:
    a different tau_m per cell). ``held_matrices`` where ``not_refractory``
    is 0; an empty ``not_refractory``: no neuron is refractory."""
    cdef Py_ssize_t n_vars = len(variables), n, i
    cdef double* values[MAX_VARIABLES]
    cdef const uint8_t* flags = NULL
    cdef Py_ssize_t size
    if n_vars == 0:
        return
    n = _variable_pointers(variables, values)
    if matrices.shape[0] != n or held_matrices.shape[0] != n or \
            matrices.shape[1] != n_vars or matrices.shape[2] != n_vars + 1 or \
            held_matrices.shape[1] != n_vars or held_matrices.shape[2] != n_vars + 1:
        raise ValueError("one K x (K + 1) update matrix per neuron")
    if not_refractory.shape[0] > 0:
        if not_refractory.shape[0] != n:
            raise ValueError("one refractoriness flag per neuron")
        flags = &not_refractory[0]
    if n == 0:
        return
    size = n_vars * (n_vars + 1)
    cdef const double* free_m = &matrices[0, 0, 0]
    cdef const double* held_m = &held_matrices[0, 0, 0]
    with nogil:
        for i in range(n):
            _update_neuron_unrolled(n_vars, i, n, values, free_m + i * size,
                                    held_m + i * size, NULL, NULL,
                                    flags == NULL or flags[i])


cdef Py_ssize_t _variable_pointers(list variables, double** values) except -1:
    """Point ``values`` at the state arrays (1 to MAX_VARIABLES of one
    length); returns that length."""
    cdef Py_ssize_t n_vars = len(variables), k, n
    cdef double[::1] view
    if n_vars == 0 or n_vars > MAX_VARIABLES:
        raise ValueError(f"1 to {MAX_VARIABLES} state variables")
    n = len(variables[0])
    for k in range(n_vars):
        view = variables[k]
        if view.shape[0] != n:
            raise ValueError("state variables must have one length")
        values[k] = &view[0] if n else NULL
    return n


cdef inline void _update_neurons(Py_ssize_t n_vars, Py_ssize_t n, double** values,
                                 const double* free_m, const double* held_m,
                                 const double* free_c, const double* held_c,
                                 const uint8_t* not_refractory, bint per_neuron) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        _update_neuron_unrolled(n_vars, i, n, values, free_m, held_m,
                                free_c if per_neuron else NULL,
                                held_c if per_neuron else NULL,
                                not_refractory == NULL or not_refractory[i])


cdef inline void _update_neuron_unrolled(Py_ssize_t n_vars, Py_ssize_t i, Py_ssize_t n,
                                         double** values, const double* free_m,
                                         const double* held_m, const double* free_c,
                                         const double* held_c, bint free) noexcept nogil:
    # Literal sizes let the compiler unroll the small matrix products (the
    # inline function is specialised for each): PD14 has 2 variables, CUBA 3.
    if n_vars == 2:
        _update_neuron(2, i, n, values, free_m, held_m, free_c, held_c, free)
    elif n_vars == 3:
        _update_neuron(3, i, n, values, free_m, held_m, free_c, held_c, free)
    elif n_vars == 1:
        _update_neuron(1, i, n, values, free_m, held_m, free_c, held_c, free)
    else:
        _update_neuron(n_vars, i, n, values, free_m, held_m, free_c, held_c, free)


def refractory_flags(const double[::1] lastspike, double t, double dt,
                     const int64_t[::1] refractory_steps, uint8_t[::1] not_refractory):
    """``not_refractory[i] = timestep(t - lastspike[i]) >= refractory_steps[i]``
    (one refractory period for all when ``refractory_steps`` has length 1),
    with Brian2's robust time-to-step conversion, as ``distsim.groups``'s
    numpy path computes it."""
    cdef Py_ssize_t n = lastspike.shape[0]
    cdef bint shared = refractory_steps.shape[0] == 1
    if not_refractory.shape[0] != n or not (shared or refractory_steps.shape[0] == n):
        raise ValueError("one flag and one refractory period per neuron")
    if n:
        with nogil:
            _refractory_pass(n, &lastspike[0], t, dt, &refractory_steps[0], shared,
                             &not_refractory[0])


cdef inline void _refractory_pass(Py_ssize_t n, const double* lastspike, double t, double dt,
                                  const int64_t* refractory_steps, bint shared,
                                  uint8_t* not_refractory) noexcept nogil:
    """The loop of `refractory_flags` (also the compiled loop's RefractoryFlags)."""
    cdef double margin = 1e-3 * dt, per_step = 1.0 / dt
    cdef Py_ssize_t i
    for i in range(n):
        # A multiplication, not a division (a division per neuron and step
        # cost more than the rest of the loop); the margin keeps the
        # floor away from the rounding of either.
        not_refractory[i] = _steps_since(t, lastspike[i], margin, per_step) >= \
            refractory_steps[0 if shared else i]


cdef inline bint _crosses(double x, int op, double level) noexcept nogil:
    """``x OP level``, OP from THRESHOLD_OPS."""
    if op == 0:
        return x > level
    if op == 1:
        return x >= level
    if op == 2:
        return x < level
    return x <= level


cdef inline int64_t _steps_since(double t, double last, double margin,
                                 double per_step) noexcept nogil:
    # floor(), without its library call for the usual non-negative case
    # (truncation equals floor there).
    cdef double x = ((t - last) + margin) * per_step
    return <int64_t>x if x >= 0.0 else <int64_t>floor(x)


# Threshold comparisons of the compiled step: variable OP level.
THRESHOLD_OPS = {"Gt": 0, "GtE": 1, "Lt": 2, "LtE": 3}


cdef struct ExactPass:
    # One group's compiled step (see `exact_step`), as pointers.
    Py_ssize_t n_vars, n
    double* values[MAX_VARIABLES]
    # Local copies: stores to the uint8 flags may alias anything the loop
    # reads through a pointer, which would reload every coefficient per neuron.
    double free_m[MAX_VARIABLES * (MAX_VARIABLES + 1)]
    double held_m[MAX_VARIABLES * (MAX_VARIABLES + 1)]
    const double* free_c
    const double* held_c
    uint8_t* not_refractory
    double* lastspike
    const int64_t* refractory_steps
    bint refractoriness, shared_period
    const double* threshold_variable
    int threshold_op
    double threshold_level
    double margin, per_step


cdef int _prepare_pass(ExactPass* p, const double[:, ::1] matrix,
                       const double[:, ::1] held_matrix, list variables,
                       const double[:, ::1] offsets, const double[:, ::1] held_offsets,
                       uint8_t[::1] not_refractory, double[::1] lastspike, double dt,
                       const int64_t[::1] refractory_steps,
                       const double[::1] threshold_variable, int threshold_op,
                       double threshold_level) except -1:
    """Check the arguments of `exact_step` and point ``p`` at them."""
    cdef Py_ssize_t n_vars = len(variables), k, n
    n = _variable_pointers(variables, p.values)
    p.n_vars, p.n = n_vars, n
    if matrix.shape[0] != n_vars or matrix.shape[1] != n_vars + 1 or \
            held_matrix.shape[0] != n_vars or held_matrix.shape[1] != n_vars + 1:
        raise ValueError("update matrices must be K x (K + 1)")
    for k in range(n_vars * (n_vars + 1)):
        p.free_m[k] = matrix[k // (n_vars + 1), k % (n_vars + 1)]
        p.held_m[k] = held_matrix[k // (n_vars + 1), k % (n_vars + 1)]
    p.free_c = p.held_c = NULL
    if n == 0:
        return 0
    if offsets.shape[0] > 0:
        if offsets.shape[1] != n or held_offsets.shape[1] != n:
            raise ValueError("offsets must have one column per neuron")
        p.free_c = &offsets[0, 0]
        p.held_c = &held_offsets[0, 0]
    if not_refractory.shape[0] != n or lastspike.shape[0] != n or \
            threshold_variable.shape[0] != n or \
            not (refractory_steps.shape[0] in (0, 1, n)) or not 0 <= threshold_op <= 3:
        raise ValueError("inconsistent arguments")
    p.not_refractory = &not_refractory[0]
    p.lastspike = &lastspike[0]
    p.refractoriness = refractory_steps.shape[0] > 0
    p.shared_period = refractory_steps.shape[0] == 1
    p.refractory_steps = &refractory_steps[0] if p.refractoriness else NULL
    p.threshold_variable = &threshold_variable[0]
    p.threshold_op = threshold_op
    p.threshold_level = threshold_level
    p.margin = 1e-3 * dt
    p.per_step = 1.0 / dt
    return 0


cdef Py_ssize_t _exact_pass(ExactPass* p, double t, int64_t* spikes) noexcept nogil:
    """One step of every neuron (see `exact_step`); returns the number of spikes."""
    cdef Py_ssize_t i, n_spikes = 0
    cdef bint crossed, free
    if p.free_c == NULL and 1 <= p.n_vars <= 3:
        # The usual models: 1 to 3 variables, one update for all (vectorized)
        return _small_pass(p, t, spikes)
    for i in range(p.n):
        free = True
        if p.refractoriness:
            free = _steps_since(t, p.lastspike[i], p.margin, p.per_step) >= \
                p.refractory_steps[0 if p.shared_period else i]
        _update_neuron_unrolled(p.n_vars, i, p.n, p.values, p.free_m, p.held_m, p.free_c,
                                p.held_c, free)
        crossed = _crosses(p.threshold_variable[i], p.threshold_op, p.threshold_level) and free
        if crossed:
            spikes[n_spikes] = i
            n_spikes += 1
            p.lastspike[i] = t
        if p.refractoriness:
            p.not_refractory[i] = free and not crossed
    return n_spikes


cdef inline Py_ssize_t _small_pass(ExactPass* p, double t, int64_t* spikes) noexcept nogil:
    """`_exact_pass` for 1 to 3 variables without per-neuron offsets: the
    vectorized loops of exact_pass.h (the same values)."""
    cdef exact_pass_function run = distsim_exact_pass_1
    if p.n_vars == 2:
        run = distsim_exact_pass_2
    elif p.n_vars == 3:
        run = distsim_exact_pass_3
    return run(p.n, p.values, p.free_m, p.held_m, p.refractoriness, p.shared_period,
               p.refractory_steps, p.lastspike, p.not_refractory, p.threshold_variable,
               p.threshold_op, p.threshold_level, t, p.margin, p.per_step, spikes)


def exact_step(const double[:, ::1] matrix, const double[:, ::1] held_matrix,
               list variables, const double[:, ::1] offsets, const double[:, ::1] held_offsets,
               uint8_t[::1] not_refractory, double[::1] lastspike, double t, double dt,
               const int64_t[::1] refractory_steps, const double[::1] threshold_variable,
               int threshold_op, double threshold_level, int64_t[::1] spikes):
    """One step of a group in one pass per neuron: refractoriness (if
    ``refractory_steps`` is not empty; as `refractory_flags`), the exact
    update (as `exact_update`; ``offsets`` may be empty) and the threshold
    ``threshold_variable OP threshold_level`` (OP from THRESHOLD_OPS, tested
    after the update; refractory neurons do not spike). A spiking neuron's
    index goes to ``spikes`` (room for all), its ``lastspike`` becomes ``t``
    and it turns refractory.

    Returns the number of spikes.
    """
    cdef ExactPass p
    cdef Py_ssize_t n_spikes
    _prepare_pass(&p, matrix, held_matrix, variables, offsets, held_offsets, not_refractory,
                  lastspike, dt, refractory_steps, threshold_variable, threshold_op,
                  threshold_level)
    if p.n == 0:
        return 0
    if spikes.shape[0] < p.n:
        raise ValueError("inconsistent arguments")
    with nogil:
        n_spikes = _exact_pass(&p, t, &spikes[0])
    return n_spikes


cdef struct ExactOpState:
    ExactPass p
    SpikeSlot* slot


cdef class ExactStep:
    """`exact_step` as an operation of the compiled step loop: the same
    arguments (but ``t``), checked once, and the spike slot (a capsule from
    ``step_loop.SpikeSlots``) that receives the spikes. The arrays must stay
    alive and in place while the loop runs (this object keeps references)."""
    cdef ExactOpState s
    cdef StepOp op
    cdef tuple keep_alive

    def __init__(self, matrix, held_matrix, variables, offsets, held_offsets, not_refractory,
                 lastspike, double dt, refractory_steps, threshold_variable, int threshold_op,
                 double threshold_level, slot):
        _prepare_pass(&self.s.p, matrix, held_matrix, variables, offsets, held_offsets,
                      not_refractory, lastspike, dt, refractory_steps, threshold_variable,
                      threshold_op, threshold_level)
        self.s.slot = <SpikeSlot*>PyCapsule_GetPointer(slot, SPIKE_SLOT_CAPSULE())
        self.keep_alive = (matrix, held_matrix, variables, offsets, held_offsets,
                           not_refractory, lastspike, refractory_steps, threshold_variable,
                           slot)
        self.op.run = _exact_step_op
        self.op.state = <void*>&self.s

    def step_op(self):
        """This operation for the step loop (a capsule of a StepOp)."""
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)


cdef int _exact_step_op(void* state, int64_t step, double t, double dt) except -1:
    cdef ExactOpState* s = <ExactOpState*>state
    with nogil:
        s.slot.count = _exact_pass(&s.p, t, s.slot.ids) if s.p.n else 0
    return 0


cdef inline void _update_neuron(Py_ssize_t n_vars, Py_ssize_t i, Py_ssize_t n, double** values,
                                const double* free_m, const double* held_m,
                                const double* free_c, const double* held_c,
                                bint free) noexcept nogil:
    # x <- M x + m (+ c[:, i]), with the free or the held ('unless
    # refractory' rows frozen) update; the numpy path's sums, in its order.
    cdef double old[MAX_VARIABLES]
    cdef double total
    cdef const double* m = free_m if free else held_m
    cdef const double* c = free_c if free else held_c
    cdef Py_ssize_t k, l, width = n_vars + 1
    for k in range(n_vars):
        old[k] = values[k][i]
    for k in range(n_vars):
        total = m[k * width + n_vars]
        if c != NULL:
            total += c[k * n + i]
        for l in range(n_vars):
            total += m[k * width + l] * old[l]
        values[k][i] = total


cdef class ExactUpdate:
    """`exact_update` as an operation of the compiled step loop (its arrays
    must stay alive and in place while the loop runs)."""
    cdef StepOp op
    cdef double* values[MAX_VARIABLES]
    cdef Py_ssize_t n_vars, n
    cdef const double* free_m
    cdef const double* held_m
    cdef const double* free_c
    cdef const double* held_c
    cdef const uint8_t* flags
    cdef bint per_neuron
    cdef tuple keep_alive

    def __init__(self, const double[:, ::1] matrix, const double[:, ::1] held_matrix,
                 list variables, const uint8_t[::1] not_refractory,
                 const double[:, ::1] offsets, const double[:, ::1] held_offsets):
        self.n_vars = len(variables)
        self.n = _variable_pointers(variables, self.values) if self.n_vars else 0
        self.free_m, self.held_m = &matrix[0, 0], &held_matrix[0, 0]
        self.per_neuron = offsets.shape[0] > 0
        self.free_c = self.held_c = NULL
        if self.per_neuron:
            if offsets.shape[1] != self.n or held_offsets.shape[1] != self.n:
                raise ValueError("offsets must have one column per element")
            self.free_c, self.held_c = &offsets[0, 0], &held_offsets[0, 0]
        self.flags = NULL
        if not_refractory.shape[0] > 0:
            if not_refractory.shape[0] != self.n:
                raise ValueError("one refractoriness flag per element")
            self.flags = &not_refractory[0]
        self.keep_alive = (matrix, held_matrix, variables, not_refractory, offsets,
                           held_offsets)
        self.op.run = _exact_update_op
        self.op.state = <void*>self

    def step_op(self):
        """This operation for the step loop (a capsule of a StepOp)."""
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)


cdef int _exact_update_op(void* state, int64_t step, double t, double dt) except -1:
    cdef ExactUpdate self = <ExactUpdate>state
    if self.n_vars:
        _update_neurons(self.n_vars, self.n, self.values, self.free_m, self.held_m,
                        self.free_c, self.held_c, self.flags, self.per_neuron)
    return 0


cdef class RefractoryFlags:
    """`refractory_flags` as an operation of the compiled step loop (the
    arrays must stay alive and in place while the loop runs)."""
    cdef StepOp op
    cdef const double* lastspike
    cdef const int64_t* refractory_steps
    cdef uint8_t* not_refractory
    cdef Py_ssize_t n
    cdef bint shared
    cdef tuple keep_alive

    def __init__(self, const double[::1] lastspike, const int64_t[::1] refractory_steps,
                 uint8_t[::1] not_refractory):
        self.n = lastspike.shape[0]
        self.shared = refractory_steps.shape[0] == 1
        if not_refractory.shape[0] != self.n or \
                not (self.shared or refractory_steps.shape[0] == self.n):
            raise ValueError("one flag and one refractory period per neuron")
        self.lastspike = &lastspike[0] if self.n else NULL
        self.refractory_steps = &refractory_steps[0] if refractory_steps.shape[0] else NULL
        self.not_refractory = &not_refractory[0] if self.n else NULL
        self.keep_alive = (lastspike, refractory_steps, not_refractory)
        self.op.run = _refractory_op
        self.op.state = <void*>self

    def step_op(self):
        """This operation for the step loop (a capsule of a StepOp)."""
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)


cdef int _refractory_op(void* state, int64_t step, double t, double dt) except -1:
    cdef RefractoryFlags self = <RefractoryFlags>state
    if self.n:
        _refractory_pass(self.n, self.lastspike, t, dt, self.refractory_steps, self.shared,
                         self.not_refractory)
    return 0
