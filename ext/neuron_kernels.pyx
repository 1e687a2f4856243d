"""Neuron update loops: the exact (linear) update of all neurons in one pass.

The Python side (distsim.model.integration.ExactUpdater) computes the update
matrices and checks the inputs; this loop applies them in place.
"""
cimport numpy as cnp
from libc.stdint cimport uint8_t

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
    cdef Py_ssize_t n_vars = len(variables), k, l, i, n
    cdef double* values[MAX_VARIABLES]
    cdef double old[MAX_VARIABLES]
    cdef double[::1] view
    # Raw pointers: switching memoryviews per neuron would cost refcounting.
    cdef const double* free_m = &matrix[0, 0]
    cdef const double* held_m = &held_matrix[0, 0]
    cdef const double* free_c = NULL
    cdef const double* held_c = NULL
    cdef const double* m
    cdef const double* c
    cdef Py_ssize_t width
    cdef bint check = not_refractory.shape[0] > 0
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
    width = n_vars + 1
    with nogil:
        for i in range(n):
            for k in range(n_vars):
                old[k] = values[k][i]
            if check and not not_refractory[i]:
                m = held_m
                c = held_c
            else:
                m = free_m
                c = free_c
            for k in range(n_vars):
                values[k][i] = m[k * width + n_vars]
                if per_neuron:
                    values[k][i] += c[k * n + i]
                for l in range(n_vars):
                    values[k][i] += m[k * width + l] * old[l]
