"""Brian2's event-driven synaptic variables (``(event-driven)`` equations):
solved exactly over each synapse's elapsed time when a pathway acts on it."""
import numpy as np
import sympy

from .integration import IntegrationError, _linear_form, _sympy_rhs


class EventDrivenUpdater:
    """Brian2's event-driven synaptic variables: the exact solution of linear
    equations over a per-synapse elapsed time (t - lastupdate), applied when
    a pathway acts on a synapse.

    The solution is symbolic in the elapsed time and the constants: the
    exponential of the augmented matrix [[A, b], [0, 0]] * elapsed (sympy),
    turned into one numpy function per variable.

    Parameters
    ----------
    equations : Equations
        The event-driven differential equations (and the subexpressions and
        parameters they use).
    owner : str
        Names the object in error messages.
    """

    def __init__(self, equations, owner):
        self.variables = equations.diff_eq_names
        rhs_by_name, symbols = _sympy_rhs(equations, {})
        rhs = [rhs_by_name[name] for name in self.variables]
        states = [symbols[n] for n in self.variables]
        n = len(states)
        a_matrix, b_vector = _linear_form(rhs, states)
        for k, f in enumerate(rhs):
            coefficients = set().union(*(e.free_symbols for e in a_matrix.row(k))) | \
                b_vector[k].free_symbols
            if coefficients & set(states) or "t" in {str(c) for c in coefficients} or \
                    sympy.expand(f - sum(a_matrix[k, l] * states[l] for l in range(n))
                                 - b_vector[k]) != 0:
                raise IntegrationError(
                    f"{owner}: cannot solve 'd{self.variables[k]}/dt = "
                    f"{equations[self.variables[k]].expr.code}' as event-driven (it must be "
                    "linear with constant coefficients); use (clock-driven) instead")
        elapsed = sympy.Symbol("_elapsed", positive=True)
        if a_matrix.is_diagonal():
            # Uncoupled traces (the usual case): each one's solution directly,
            # without sympy's general (and slow) matrix exponential.
            solution = []
            for k, x in enumerate(states):
                a, b = a_matrix[k, k], b_vector[k]
                decay = sympy.exp(a * elapsed)
                solution.append(x + b * elapsed if a == 0 else
                                decay * x + (b / a * (decay - 1) if b != 0 else 0))
        else:
            augmented = sympy.zeros(n + 1, n + 1)
            augmented[:n, :n] = a_matrix
            augmented[:n, n] = sympy.Matrix(b_vector)
            solution = list((augmented * elapsed).exp() * sympy.Matrix(states + [1]))
        self.parameters = sorted({str(s) for e in solution for s in sympy.sympify(e).free_symbols} -
                                 {str(s) for s in states} - {"_elapsed"})
        arguments = [elapsed] + states + [symbols[p] for p in self.parameters]
        #: Each variable's value after ``_elapsed`` seconds (sympy), in the
        #: order of ``variables``; generated kernels print them.
        # Not simplified: sympy would rewrite e^{-t/tau} (x - a) + a as
        # (x - a(1 - e^{t/tau})) e^{-t/tau}, which overflows for long gaps.
        self.solutions = [sympy.sympify(solution[k]) for k in range(n)]
        self._solutions = [sympy.lambdify(arguments, expr, "numpy") for expr in self.solutions]

    def advance(self, values, elapsed, parameter_values):
        """The variables after ``elapsed`` seconds (array per synapse).

        ``values`` and ``parameter_values`` map names to arrays or scalars;
        returns the new values in the order of ``self.variables``.
        """
        args = [elapsed] + [values[name] for name in self.variables] + \
            [parameter_values[p] for p in self.parameters]
        return [np.broadcast_to(np.asarray(f(*args), dtype=np.float64), np.shape(elapsed))
                for f in self._solutions]
