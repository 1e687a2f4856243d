"""Neuron update loops: the exact (linear) update of all neurons in one pass.

The Python side (distsim.model.integration.ExactUpdater) computes the update
matrices and checks the inputs; this loop applies them in place.
"""
cimport numpy as cnp
from libc.stdint cimport uint8_t, int64_t
from libc.math cimport floor

cnp.import_array()

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
    cdef Py_ssize_t n = lastspike.shape[0], i
    cdef bint shared = refractory_steps.shape[0] == 1
    cdef double margin = 1e-3 * dt, per_step = 1.0 / dt
    if not_refractory.shape[0] != n or not (shared or refractory_steps.shape[0] == n):
        raise ValueError("one flag and one refractory period per neuron")
    with nogil:
        for i in range(n):
            # A multiplication, not a division (a division per neuron and step
            # cost more than the rest of the loop); the margin keeps the
            # floor away from the rounding of either.
            not_refractory[i] = _steps_since(t, lastspike[i], margin, per_step) >= \
                refractory_steps[0 if shared else i]


cdef inline int64_t _steps_since(double t, double last, double margin,
                                 double per_step) noexcept nogil:
    # floor(), without its library call for the usual non-negative case
    # (truncation equals floor there).
    cdef double x = ((t - last) + margin) * per_step
    return <int64_t>x if x >= 0.0 else <int64_t>floor(x)


# Threshold comparisons of the compiled step: variable OP level.
THRESHOLD_OPS = {"Gt": 0, "GtE": 1, "Lt": 2, "LtE": 3}


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
    cdef Py_ssize_t n_vars = len(variables), k, n, i, n_spikes = 0
    cdef double* values[MAX_VARIABLES]
    # Local copies: stores to the uint8 flags may alias anything the loop
    # reads through a pointer, which would reload every coefficient per neuron.
    cdef double free_m[MAX_VARIABLES * (MAX_VARIABLES + 1)]
    cdef double held_m[MAX_VARIABLES * (MAX_VARIABLES + 1)]
    cdef const double* free_c = NULL
    cdef const double* held_c = NULL
    cdef bint refractoriness = refractory_steps.shape[0] > 0
    cdef bint shared_period = refractory_steps.shape[0] == 1
    cdef bint crossed, free
    cdef double margin = 1e-3 * dt, per_step = 1.0 / dt, x
    n = _variable_pointers(variables, values)
    if matrix.shape[0] != n_vars or matrix.shape[1] != n_vars + 1 or \
            held_matrix.shape[0] != n_vars or held_matrix.shape[1] != n_vars + 1:
        raise ValueError("update matrices must be K x (K + 1)")
    for k in range(n_vars * (n_vars + 1)):
        free_m[k] = matrix[k // (n_vars + 1), k % (n_vars + 1)]
        held_m[k] = held_matrix[k // (n_vars + 1), k % (n_vars + 1)]
    if n == 0:
        return 0
    if offsets.shape[0] > 0:
        if offsets.shape[1] != n or held_offsets.shape[1] != n:
            raise ValueError("offsets must have one column per neuron")
        free_c = &offsets[0, 0]
        held_c = &held_offsets[0, 0]
    if not_refractory.shape[0] != n or lastspike.shape[0] != n or \
            threshold_variable.shape[0] != n or spikes.shape[0] < n or \
            not (refractory_steps.shape[0] in (0, 1, n)) or not 0 <= threshold_op <= 3:
        raise ValueError("inconsistent arguments")
    with nogil:
        for i in range(n):
            free = True
            if refractoriness:
                free = _steps_since(t, lastspike[i], margin, per_step) >= \
                    refractory_steps[0 if shared_period else i]
            _update_neuron_unrolled(n_vars, i, n, values, free_m, held_m, free_c, held_c,
                                    free)
            x = threshold_variable[i]
            if threshold_op == 0:
                crossed = x > threshold_level
            elif threshold_op == 1:
                crossed = x >= threshold_level
            elif threshold_op == 2:
                crossed = x < threshold_level
            else:
                crossed = x <= threshold_level
            crossed = crossed and free
            if crossed:
                spikes[n_spikes] = i
                n_spikes += 1
                lastspike[i] = t
            if refractoriness:
                not_refractory[i] = free and not crossed
    return n_spikes


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
