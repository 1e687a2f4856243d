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
    cdef double[::1] view
    # Raw pointers: switching memoryviews per neuron would cost refcounting.
    cdef const double* free_m = &matrix[0, 0]
    cdef const double* held_m = &held_matrix[0, 0]
    cdef const double* free_c = NULL
    cdef const double* held_c = NULL
    cdef const uint8_t* flags = NULL
    cdef bint per_neuron = offsets.shape[0] > 0
    if n_vars > MAX_VARIABLES:
        raise ValueError(f"at most {MAX_VARIABLES} variables")
    if n_vars == 0:
        return
    n = len(variables[0])
    for k in range(n_vars):
        view = variables[k]
        if view.shape[0] != n:
            raise ValueError("state variables must have one length")
        values[k] = &view[0] if n else NULL
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
        # Literal sizes let the compiler unroll the small matrix products
        # (the inline function is specialised for each).
        if n_vars == 1:
            _update_neurons(1, n, values, free_m, held_m, free_c, held_c, flags, per_neuron)
        elif n_vars == 2:
            _update_neurons(2, n, values, free_m, held_m, free_c, held_c, flags, per_neuron)
        elif n_vars == 3:
            _update_neurons(3, n, values, free_m, held_m, free_c, held_c, flags, per_neuron)
        else:
            _update_neurons(n_vars, n, values, free_m, held_m, free_c, held_c, flags,
                            per_neuron)


cdef inline void _update_neurons(Py_ssize_t n_vars, Py_ssize_t n, double** values,
                                 const double* free_m, const double* held_m,
                                 const double* free_c, const double* held_c,
                                 const uint8_t* not_refractory, bint per_neuron) noexcept nogil:
    cdef double old[MAX_VARIABLES]
    cdef double total
    cdef const double* m
    cdef const double* c
    cdef Py_ssize_t i, k, l, width = n_vars + 1
    for i in range(n):
        for k in range(n_vars):
            old[k] = values[k][i]
        if not_refractory != NULL and not not_refractory[i]:
            m = held_m
            c = held_c
        else:
            m = free_m
            c = free_c
        for k in range(n_vars):
            # The same sum, in the same order, as the numpy path.
            total = m[k * width + n_vars]
            if per_neuron:
                total += c[k * n + i]
            for l in range(n_vars):
                total += m[k * width + l] * old[l]
            values[k][i] = total


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
            not_refractory[i] = <int64_t>floor(((t - lastspike[i]) + margin) * per_step) >= \
                refractory_steps[0 if shared else i]


def add_and_clear(double[::1] values, double[::1] arrived):
    """``values += arrived; arrived[:] = 0`` in one pass (a ring buffer's slot
    applied to its variable)."""
    cdef Py_ssize_t n = values.shape[0], i
    if arrived.shape[0] != n:
        raise ValueError("one arrival per value")
    with nogil:
        for i in range(n):
            values[i] += arrived[i]
            arrived[i] = 0.0
