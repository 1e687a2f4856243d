# One step of a SpatialNeuron's cable equation (ext/cable.pyx): the loops of
# distsim/spatial/cable.py, which prepares and checks every argument.
from libc.stdint cimport int64_t


def advance(double[::1] v, double[::1] Ic, const double[::1] Cm, const double[::1] gtot,
            const double[::1] I0, double dt,
            const double[::1] lower, const double[::1] diag, const double[::1] upper,
            const double[:, ::1] rhs_homogeneous, double[:, ::1] rhs, double[::1] scratch,
            const int64_t[::1] starts, const int64_t[::1] ends, const int64_t[::1] parent_node,
            const int64_t[::1] child_start, const int64_t[::1] child_sections,
            const double[::1] invr0, const double[::1] invrn,
            double[::1] P_diag, double[::1] P_parent, double[::1] P_child, double[::1] B):
    """Advance ``v`` by one backward Euler step of the cable equation.

    Row k of the compartments' tridiagonal matrix is ``lower[k] x[k-1] +
    (diag[k] - gtot[k]) x[k] + upper[k] x[k+1]``. Its three right-hand
    sides (rows of ``rhs``) give the particular solution ``v*`` and the
    homogeneous ones ``u+``, ``u-`` (Thomas' algorithm, no pivoting: the
    matrix is diagonally dominant). The node potentials B follow from
    current conservation at the nodes (sections' children eliminated leaves
    first: a child's section index is higher than its parent's), and each
    section's potential is ``v* + B[parent node] u- + B[end node] u+``.
    ``Ic`` gets the capacitive current.
    """
    cdef Py_ssize_t n = v.shape[0], sections = starts.shape[0]
    cdef Py_ssize_t k, r, s, node, c, first, last
    cdef double pivot, factor, before
    if n == 0:
        return
    for k in range(n):
        rhs[0, k] = -(Cm[k] / dt * v[k]) - I0[k]
        rhs[1, k] = rhs_homogeneous[0, k]
        rhs[2, k] = rhs_homogeneous[1, k]
    # Thomas' algorithm, three right-hand sides at once.
    pivot = diag[0] - gtot[0]
    scratch[0] = upper[0] / pivot if n > 1 else 0.0
    for r in range(3):
        rhs[r, 0] = rhs[r, 0] / pivot
    for k in range(1, n):
        pivot = (diag[k] - gtot[k]) - lower[k] * scratch[k - 1]
        scratch[k] = upper[k] / pivot if k < n - 1 else 0.0
        for r in range(3):
            rhs[r, k] = (rhs[r, k] - lower[k] * rhs[r, k - 1]) / pivot
    for k in range(n - 2, -1, -1):
        for r in range(3):
            rhs[r, k] -= scratch[k] * rhs[r, k + 1]
    # The nodes' system (rhs rows: 0 v*, 1 u+, 2 u-).
    for s in range(sections):
        first, last, node = starts[s], ends[s] - 1, parent_node[s]
        if s == 0:  # the root's start: a sealed end
            P_diag[0] = rhs[2, first] - 1
            P_child[0] = rhs[1, first]
            B[0] = -rhs[0, first]
        else:
            P_diag[node] += (1 - rhs[2, first]) * invr0[s]
            P_child[s] = -rhs[1, first] * invr0[s]
            B[node] += rhs[0, first] * invr0[s]
        P_diag[s + 1] = (1 - rhs[1, last]) * invrn[s]
        P_parent[s] = -rhs[2, last] * invrn[s]
        B[s + 1] = rhs[0, last] * invrn[s]
    for node in range(sections, -1, -1):
        for k in range(child_start[node], child_start[node + 1]):
            c = child_sections[k]
            factor = P_child[c] / P_diag[c + 1]
            P_diag[node] = P_diag[node] - factor * P_parent[c]
            B[node] = B[node] - factor * B[c + 1]
    B[0] = B[0] / P_diag[0]
    for s in range(sections):
        B[s + 1] = (B[s + 1] - P_parent[s] * B[parent_node[s]]) / P_diag[s + 1]
    for s in range(sections):
        for k in range(starts[s], ends[s]):
            before = v[k]
            v[k] = rhs[0, k] + B[parent_node[s]] * rhs[2, k] + B[s + 1] * rhs[1, k]
            Ic[k] = Cm[k] * (v[k] - before) / dt
