"""The cable equation of a SpatialNeuron: the new membrane potential of all
compartments at each step (Brian2's ``SpatialStateUpdater``, same scheme).

The transmembrane current is linearised around the present state,
``Im = I0 - gtot*v`` (gtot = -dIm/dv, found symbolically), and the potential
advances by a backward Euler step of the cable equation::

    Cm (v' - v)/dt = I0 - gtot v' + axial currents(v') / area

Within a section the compartments form a tridiagonal system. Sections meet
at nodes (0: the root's start; k + 1: the end of section k) whose potential
is unknown: each section's solution is ``v* + B_parent u_minus + B_end
u_plus`` (a particular solution and two homogeneous ones, from one matrix),
and current conservation at the nodes gives a small tree-shaped system for
the node potentials B, solved from the leaves up (Hines' ordering: a
section's nodes follow its parent's). The root's start is a sealed end.

The gating variables are integrated before this (the group's state update,
with v as it was), as in Brian2: the cable update has order 1 in 'groups'.
"""
import numpy as np

from .._ext import cable
from ..codegen.kernels import FixedArray, Untranslatable, neuron_expressions_kernel
from ..core.preferences import compiled_target
from ..core.scheduling import CodeObject
from ..groups.neuron_code import _resolve, bind_neuron_kernel


class CableUpdate(CodeObject):
    """Advances ``v`` of a SpatialNeuron's compartments by one step
    (``when='groups'``, ``order=1``, after the gating variables). Runs on
    the rank that holds the neuron (the others hold no compartment).

    ``linearised``: the expressions of gtot and I0; ``constants``: the
    external constants they use. Both are evaluated per compartment by a
    generated kernel where the target allows it, else by numpy.
    """

    when = "groups"
    order = 1
    writes_other_groups = False

    def __init__(self, neuron, linearised, constants):
        self.group = neuron
        self.name = f"{neuron.name}_spatialstateupdater"
        self.linearised = linearised
        self.constants = constants
        flat = neuron.flat_morphology
        self.starts, self.ends = flat.starts, flat.ends
        self.parent_node = flat.parent_node
        # Each node's child sections (CSR): node k's are
        # child_sections[child_start[k]:child_start[k + 1]].
        order = np.argsort(self.parent_node, kind="stable")
        self.child_sections = np.ascontiguousarray(order, dtype=np.int64)
        self.child_start = np.searchsorted(self.parent_node[order],
                                           np.arange(flat.sections + 2)).astype(np.int64)
        n = neuron.n_local
        self.gtot, self.I0 = np.zeros(n), np.zeros(n)
        self.kernel = self._kernel() if n else None
        self._matrix_dt = None

    def _kernel(self):
        """The generated loop computing gtot and I0, or None (numpy)."""
        G = self.group
        if not compiled_target():
            return None
        gtot, I0 = self.linearised
        try:
            kernel = neuron_expressions_kernel(
                [(FixedArray(self.gtot), gtot), (FixedArray(self.I0), I0)], self.constants,
                _resolve(G))
        except Untranslatable:
            return None
        bound, self._streams = bind_neuron_kernel(G, kernel, self.constants)
        return bound

    def _prepare(self, dt):
        """The parts of the matrix that stay the same during a run."""
        state = self.group._local_state
        n = len(state["v"])
        area, Cm = state["area"], state["Cm"]
        Ri = float(state["Ri"][0])
        r1, r2 = state["r_length_1"], state["r_length_2"]
        # Axial conductance between compartments k-1 and k (0 across sections).
        invr = np.zeros(n)
        invr[1:] = 1.0 / (Ri * (1.0 / r2[:-1] + 1.0 / r1[1:]))
        invr[self.starts] = 0.0
        self.lower = invr / area                  # coefficient of v[k-1] in row k
        self.upper = np.zeros(n)
        self.upper[:-1] = invr[1:] / area[:-1]    # coefficient of v[k+1] in row k
        self.diag = -(Cm / dt) - self.lower - self.upper
        # To the nodes at each section's ends.
        firsts, lasts = self.starts, self.ends - 1
        self.invr0 = r1[firsts] / Ri
        self.invrn = r2[lasts] / Ri
        np.subtract.at(self.diag, firsts, self.invr0 / area[firsts])
        np.subtract.at(self.diag, lasts, self.invrn / area[lasts])
        # Right-hand sides of the homogeneous solutions u+ and u-.
        self.rhs_homogeneous = np.zeros((2, n))
        self.rhs_homogeneous[0, lasts] = -(self.invrn / area[lasts])
        self.rhs_homogeneous[1, firsts] = -(self.invr0 / area[firsts])
        sections = len(self.starts)
        self.work = (np.empty((3, n)), np.empty(n), np.zeros(sections + 1), np.zeros(sections),
                     np.zeros(sections), np.zeros(sections + 1))
        self._matrix_dt = dt

    def run(self, step, t, dt):
        G = self.group
        if G.n_local == 0:
            return
        if self._matrix_dt != dt:
            self._prepare(dt)
        state = G._local_state
        if self.kernel is not None:
            kernel, arrays, scalars, flags = self.kernel
            kernel.run(*G.share.kernel_arguments(), flags, step, t, dt, arrays, scalars)
        else:
            ns = G._namespace(self.constants, t=t, dt=dt)
            for out, expression in zip((self.gtot, self.I0), self.linearised):
                out[:] = np.broadcast_to(expression.evaluate(ns), out.shape)
        rhs, scratch, P_diag, P_parent, P_child, B = self.work
        cable.advance(state["v"], state["Ic"], state["Cm"], self.gtot, self.I0, dt,
                      self.lower, self.diag, self.upper, self.rhs_homogeneous, rhs, scratch,
                      self.starts, self.ends, self.parent_node, self.child_start,
                      self.child_sections, self.invr0, self.invrn,
                      P_diag, P_parent, P_child, B)
