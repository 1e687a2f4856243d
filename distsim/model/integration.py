"""Numerical integration of model equations (Brian2's state updaters).

``exact`` (alias ``linear``) solves linear systems with constant coefficients
exactly: sympy finds the system x' = A x + b, and the update is the matrix
exponential of the augmented matrix [[A, b], [0, 0]] * dt, computed
numerically for every distinct parameter combination. Explicit Runge-Kutta
methods (euler, rk2, rk4) evaluate the right-hand sides on numpy arrays;
euler adds ``xi`` noise as Euler-Maruyama.
"""
import numpy as np
import sympy
from sympy.parsing.sympy_parser import parse_expr
from sympy.printing.numpy import NumPyPrinter

from ..core.preferences import compiled_target
from .equations import DIFFERENTIAL_EQUATION
from .matrix_exponential import expm
from .schemes import TABLEAUS, SchemeError, explicit_scheme, run_scheme

__all__ = ["make_state_updater", "EventDrivenUpdater", "IntegrationError", "METHODS", "expm"]


class IntegrationError(ValueError):
    """The chosen method cannot integrate the equations."""


_SYMPY_FUNCTIONS = {"exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
                    "cos": sympy.cos, "tan": sympy.tan, "sinh": sympy.sinh, "cosh": sympy.cosh,
                    "tanh": sympy.tanh, "abs": sympy.Abs, "log10": lambda x: sympy.log(x, 10)}


def _to_sympy(expression, symbols):
    local = dict(_SYMPY_FUNCTIONS)
    local.update(symbols)
    for name in expression.identifiers:
        local.setdefault(name, sympy.Symbol(name, real=True))
        symbols.setdefault(name, local[name])
    return parse_expr(expression.code, local_dict=local, evaluate=True)


def _inline(expr, subexpr_values, symbols):
    # By symbol object: the model's symbols are real, a name would not match.
    return expr.subs({symbols[n]: v for n, v in subexpr_values.items() if n in symbols})


def inlined_subexpressions(equations, symbols):
    """Each subexpression of ``equations`` as a sympy expression of the
    model's variables and constants (the subexpressions it reads inlined),
    by name; ``symbols`` (name -> sympy Symbol) is filled as names are met.
    The one inlining that the right-hand sides and the SpatialNeuron's
    linearised membrane current start from."""
    values = {}
    for eq in equations.ordered_subexpressions():
        values[eq.name] = _inline(_to_sympy(eq.expr, symbols), values, symbols)
    return values


def _sympy_rhs(equations, constants):
    """Right-hand sides as sympy expressions (subexpressions inlined,
    constants substituted), and the symbol table (the state variables'
    symbols included). The one sympy form of the equations that the
    exact, exponential_euler and event-driven solutions start from."""
    symbols = {}
    subexpr_values = inlined_subexpressions(equations, symbols)
    rhs = {}
    for name in equations.diff_eq_names:
        expr = _inline(_to_sympy(equations[name].expr, symbols), subexpr_values, symbols)
        rhs[name] = expr.subs({symbols[c]: sympy.Float(v) for c, v in constants.items()
                               if c in symbols and not isinstance(v, bool)})
        symbols.setdefault(name, sympy.Symbol(name, real=True))
    return rhs, symbols


def _linear_form(rhs, states):
    """(A, b) of rhs = A x + b at x = 0: the Jacobian in the states and the
    rest (callers check that A does not depend on the states)."""
    a_matrix = sympy.Matrix([[sympy.diff(f, x) for x in states] for f in rhs])
    b_vector = [f.subs({x: 0 for x in states}) for f in rhs]
    return a_matrix, b_vector


def _noise_symbols(symbols):
    return [s for n, s in symbols.items() if n == "xi" or n.startswith("xi_")]


def is_multiplicative(equations, constants):
    """Whether some noise term's factor depends on a state variable."""
    rhs, symbols = _sympy_rhs(equations, constants)
    states = [symbols[n] for n in equations.diff_eq_names]
    for noise in _noise_symbols(symbols):
        for expr in rhs.values():
            factor = sympy.diff(expr, noise)
            if factor.free_symbols & set(states):
                return True
    return False


class _Updater:
    """Common interface: ``prepare`` at run start, ``update`` every step."""

    def __init__(self, equations, owner):
        self.equations = equations
        self.owner = owner
        self.variables = equations.diff_eq_names
        self.unless_refractory = [eq.name for eq in equations
                                  if eq.kind == DIFFERENTIAL_EQUATION
                                  and "unless refractory" in eq.flags]

    def _refuse_noise(self, method, advice):
        if self.equations.is_stochastic:
            raise IntegrationError(f"{self.owner}: {method} cannot integrate stochastic "
                                   f"equations (xi); {advice}")

    def prepare(self, parameter_values, dt, n_local, changed=None):
        """Prepare a run (``parameter_values``: name -> local array or
        scalar of the coefficients' parameters; ``changed``: see
        `ExactUpdater.prepare`); nothing by default."""


class ExactUpdater(_Updater):
    """Exact update for linear equations with time-independent coefficients."""

    name = "exact"

    def __init__(self, equations, owner, constants):
        super().__init__(equations, owner)
        self._refuse_noise("method 'exact'", "use 'euler'")
        # Subexpressions and constants inlined, so only variables remain.
        rhs_by_name, symbols = _sympy_rhs(equations, constants)
        rhs = [rhs_by_name[name] for name in self.variables]
        state_symbols = [symbols[n] for n in self.variables]
        free = set().union(*(e.free_symbols for e in rhs)) if rhs else set()
        if symbols.get("t") in free:
            raise IntegrationError(f"{owner}: method 'exact' needs coefficients that do not "
                                   "depend on time t; use 'euler' or 'rk4'")
        a_matrix, b_vector = _linear_form(rhs, state_symbols)
        for (k, l), entry in np.ndenumerate(np.array(a_matrix.tolist(), dtype=object)):
            if entry.free_symbols & set(state_symbols):
                raise IntegrationError(
                    f"{owner}: method 'exact' cannot integrate 'd{self.variables[k]}/dt = "
                    f"{equations[self.variables[k]].expr.code}': it is not linear in "
                    f"{self.variables[l]}; use 'euler', 'rk2' or 'rk4'")
        self.parameters = sorted(
            {str(s) for s in set().union(*(e.free_symbols for e in list(a_matrix) + b_vector))},
        ) if rhs else []
        param_symbols = [symbols[p] for p in self.parameters]
        #: The parameters of the coefficient matrix A (the others are in b).
        self.matrix_parameters = {str(s) for e in list(a_matrix) for s in e.free_symbols}
        n = len(self.variables)
        self._a_entries = [[sympy.lambdify(param_symbols, a_matrix[k, l], "numpy")
                            for l in range(n)] for k in range(n)]
        # b as numpy code: evaluated here by lambdify, and by generated
        # kernels from the same text (codegen/kernels.py: exact_update_kernel),
        # so both targets compute the same numbers.
        printer = NumPyPrinter({"fully_qualified_modules": False, "inline": True,
                                "allow_unknown_functions": True, "user_functions": {}})
        self._b_entries = [sympy.lambdify(param_symbols, b_vector[k], "numpy", printer=printer)
                           for k in range(n)]
        #: The constant terms b as the text numpy evaluates.
        self.b_codes = [printer.doprint(b_vector[k]) for k in range(n)]
        self._frozen = [k for k, name in enumerate(self.variables) if name in self.unless_refractory]
        self._matrices = None
        self._last_a = None  # (dt, A's entries) of the last prepare

    def prepare(self, parameter_values, dt, n_local, changed=None):
        """Compute the update matrices for this run.

        ``parameter_values`` maps each parameter in the coefficients to its
        local array (or scalar). ``changed``: during a run, the parameters
        that may have changed since the last call (None: any); the matrix
        A is kept when none of its parameters is among them.
        """
        n = len(self.variables)
        args = [parameter_values[p] for p in self.parameters]
        kept = changed is not None and self._last_a is not None and \
            self._last_a[0] == dt and not set(changed) & self.matrix_parameters
        if kept:
            a = self._last_a[1]
        else:
            # A per-neuron parameter that has one value on this rank (PyNN's
            # cells keep every parameter per neuron) gives shared
            # coefficients: the fast path below, exactly.
            a = [[_shared_if_uniform(np.asarray(self._a_entries[k][l](*args), dtype=float))
                  for l in range(n)] for k in range(n)]
            self._last_a = (dt, a)
        b = [np.asarray(self._b_entries[k](*args), dtype=float) for k in range(n)]
        self._offsets = None
        if all(entry.ndim == 0 for row in a for entry in row):
            # Coefficients shared by all neurons; parameters only in the
            # constant terms b: x' = e^{A dt} x + Phi b, Phi = int_0^dt e^{A s} ds,
            # so one small matrix and a per-neuron offset Phi b_i.
            a_matrix = np.array([[float(e) for e in row] for row in a])
            self._matrices, self._offsets = {}, {}
            for free in (True, False):
                if not free and not self._frozen:
                    continue
                a_used = a_matrix.copy()
                b_used = [np.broadcast_to(x, np.broadcast_shapes(*(y.shape for y in b)))
                          for x in b]
                if not free:
                    a_used[self._frozen, :] = 0.0
                    b_used = [np.zeros_like(x) if k in self._frozen else x
                              for k, x in enumerate(b_used)]
                exp_a, phi = self._propagators(free, a_used, dt, kept)
                matrix = np.zeros((n, n + 1))
                matrix[:, :n] = exp_a
                b_stack = np.array(b_used)
                if b_stack.ndim == 1:  # b shared too: fold it into the matrix
                    matrix[:, n] = phi @ b_stack
                    self._offsets[free] = np.zeros((0, 0))
                else:
                    self._offsets[free] = np.ascontiguousarray(
                        np.einsum("kl,l...->k...", phi, b_stack).reshape(n, -1))
                self._matrices[free] = matrix
            if all(o.size and np.all(o == o[:, :1]) for o in self._offsets.values()):
                # The same offsets for every neuron (a parameter set to one
                # value): folded into the matrices, exactly (their constant
                # column was 0), which saves reading them per neuron and step.
                for free, offsets in self._offsets.items():
                    self._matrices[free][:, n] = offsets[:, 0]
                    self._offsets[free] = np.zeros((0, 0))
            return
        # Coefficients per neuron: x' = e^{A dt} x + Phi b per neuron, the
        # propagators e^{A dt} and Phi = int_0^dt e^{A s} ds kept while A
        # stays the same (parameters that change during a run, such as a
        # current written by synapses, usually sit in b only).
        shape = np.broadcast_shapes(*(x.shape for row in a for x in row), *(x.shape for x in b))
        a_stack = None
        if not kept:
            a_stack = np.zeros(shape + (n, n))
            for k in range(n):
                for l in range(n):
                    a_stack[..., k, l] = a[k][l]
        b_stack = np.zeros(shape + (n,))
        for k in range(n):
            b_stack[..., k] = b[k]
        # With A kept, the last matrices are updated in place: only their
        # constant column changes.
        matrices = self._matrices if kept and self._matrices else {}
        for free in (True, False):
            if not free and not self._frozen:
                continue
            if not free:
                if a_stack is not None:
                    a_stack[..., self._frozen, :] = 0.0
                b_stack[..., self._frozen] = 0.0
            exp_a, phi = self._propagators(free, a_stack, dt, kept)
            matrix = matrices.get(free)
            if matrix is None or matrix.shape != shape + (n, n + 1):
                matrix = matrices[free] = np.empty(shape + (n, n + 1))
                matrix[..., :n] = exp_a
            matrix[..., n] = np.einsum("...kl,...l->...k", phi, b_stack)
        self._matrices = matrices

    def _propagators(self, free, a_stack, dt, kept=False):
        """(e^{A dt}, Phi) for the matrix A (``a_stack``: one, or one per
        neuron), computed again only when it or dt changed since the last
        call (``kept``: A is known to be the last call's; ``a_stack`` may
        then be None)."""
        cache = self.__dict__.setdefault("_propagator_cache", {})
        cached = cache.get(free)
        if cached is not None and cached[0] == dt and (kept or (
                cached[1].shape == a_stack.shape and np.array_equal(cached[1], a_stack))):
            return cached[2], cached[3]
        n = a_stack.shape[-1]
        if not np.any(a_stack * (1.0 - np.eye(n))):
            exp_a, phi = _diagonal_propagators(a_stack, dt)
        else:
            big = np.zeros(a_stack.shape[:-2] + (2 * n, 2 * n))
            big[..., :n, :n] = a_stack * dt
            big[..., :n, n:] = np.eye(n) * dt
            exp_big = expm(big)
            exp_a, phi = exp_big[..., :n, :n].copy(), exp_big[..., :n, n:].copy()
        cache[free] = (dt, a_stack.copy(), exp_a, phi)
        return exp_a, phi

    def kernel_propagators(self):
        """The propagators of the last `prepare`, for a kernel that computes
        b itself at every step (codegen/kernels.py: exact_update_kernel):
        ``{True: (E, P), False: (E, P)}`` for free and held elements (held:
        rows of '(unless refractory)' variables frozen, their b ignored),
        ``x' = E x + P b``. E and P are (K, K) when shared, (elements, K, K)
        when per element; contiguous float64; the held pair is the free
        pair itself when no variable is held. None before a prepare."""
        cache = self.__dict__.get("_propagator_cache", {})
        if True not in cache:
            return None
        found = {}
        for free in (True, False):
            if free not in cache:
                continue
            _, _, exp_a, phi = cache[free]
            phi = phi.copy()
            if not free:
                phi[..., :, self._frozen] = 0.0  # b of frozen variables is ignored
            found[free] = (np.ascontiguousarray(exp_a), np.ascontiguousarray(phi))
        found.setdefault(False, found[True])
        return found

    def _apply(self, matrix, values, offsets=None):
        n = len(self.variables)
        new = []
        for k in range(n):
            total = matrix[..., k, n]
            if offsets is not None and offsets.size:
                total = total + offsets[k]
            for l in range(n):
                coeff = matrix[..., k, l]
                if np.ndim(coeff) == 0 and coeff == 0.0:
                    continue
                total = total + coeff * values[l]
            new.append(total)
        return new

    def compiled_arguments(self, state):
        """(matrix, held matrix, variables, offsets, held offsets) for the
        compiled loops (ext/neuron_kernels.pyx), or None where only the numpy
        path applies (coefficients that differ between neurons)."""
        if self._offsets is None or not compiled_target():
            return None
        matrix = self._matrices[True]
        return (matrix, self._matrices.get(False, matrix),
                [state[name] for name in self.variables], self._offsets[True],
                self._offsets.get(False, self._offsets[True]))

    def _per_neuron_matrices(self):
        """The (neurons, K, K + 1) free and held matrices, contiguous, when the
        coefficients differ between neurons (else None)."""
        if self._offsets is not None or self._matrices is None:
            return None
        cached = getattr(self, "_per_neuron", None)
        if cached is None or cached[0] is not self._matrices:
            n = len(self.variables)
            free = self._matrices[True]
            if free.ndim != 3:
                return None
            held = self._matrices.get(False, free)
            cached = (self._matrices, np.ascontiguousarray(free[:, :n, :]),
                      np.ascontiguousarray(held[:, :n, :]))
            self._per_neuron = cached
        return cached[1], cached[2]

    def update(self, state, not_refractory, t, dt, random_context=None):
        per_neuron = self._per_neuron_matrices() if compiled_target() else None
        if per_neuron is not None:
            # A matrix per neuron (coefficients that differ between neurons).
            from .._ext import neuron_kernels
            flags = np.empty(0, np.uint8) if not self._frozen or not_refractory is None else \
                not_refractory.view(np.uint8)
            neuron_kernels.exact_update_per_neuron(
                per_neuron[0], per_neuron[1], [state[name] for name in self.variables], flags)
            return
        compiled = self.compiled_arguments(state)
        if compiled is not None:
            # One compiled pass over the neurons (coefficients shared by all).
            from .._ext import neuron_kernels
            matrix, held, values, offsets, held_offsets = compiled
            flags = np.empty(0, np.uint8) if not self._frozen or not_refractory is None else \
                not_refractory.view(np.uint8)
            neuron_kernels.exact_update(matrix, held, values, flags, offsets, held_offsets)
            return
        values = [state[name] for name in self.variables]
        matrix = self._matrices[True]
        offsets = self._offsets or {}
        new = self._apply(matrix, values, offsets.get(True))
        if self._frozen and not_refractory is not None and not not_refractory.all():
            held = self._apply(self._matrices[False], values, offsets.get(False))
            new = [np.where(not_refractory, a, b) for a, b in zip(new, held)]
        for name, value in zip(self.variables, new):
            state[name][...] = value


def _diagonal_propagators(a_stack: np.ndarray, dt: float):
    """(e^{A dt}, Phi) of diagonal matrices A (uncoupled variables, one
    matrix or a stack), element by element: e^{a dt} and
    dt (e^{a dt} - 1)/(a dt), dt where a = 0. No matrix exponential: a
    coefficient that changes at every step (a current, a concentration
    summed in by other synapses) costs two exponentials per element."""
    x = np.diagonal(a_stack, axis1=-2, axis2=-1) * dt
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(x == 0.0, 1.0, np.expm1(x) / np.where(x == 0.0, 1.0, x))
    eye = np.eye(a_stack.shape[-1])
    return np.exp(x)[..., :, None] * eye, (dt * ratio)[..., :, None] * eye


def _shared_if_uniform(values: np.ndarray) -> np.ndarray:
    """``values`` as a 0-d array when all its elements are equal (or it has
    none), else unchanged."""
    if values.ndim == 0:
        return values
    flat = values.reshape(-1)
    if flat.size == 0:
        return np.asarray(0.0)
    return np.asarray(flat[0]) if np.all(flat == flat[0]) else values


class RungeKuttaUpdater(_Updater):
    """Explicit Runge-Kutta methods; ``euler`` also integrates ``xi`` noise
    (Euler-Maruyama). The scheme is described once (model/schemes.py) and
    run by numpy here or by a generated kernel (codegen/kernels.py)."""

    TABLEAUS = TABLEAUS

    def __init__(self, equations, owner, method):
        super().__init__(equations, owner)
        self.name = method
        self.noise = sorted({n for eq in equations if eq.expr is not None
                             for n in eq.expr.identifiers if n == "xi" or n.startswith("xi_")})
        if self.noise and method != "euler":
            raise IntegrationError(f"{owner}: method '{method}' cannot integrate stochastic "
                                   "equations (xi); use 'euler'")
        self.subexpressions = equations.ordered_subexpressions()
        self.parameters = []
        self.scheme = explicit_scheme(self, self.subexpressions)

    def update(self, state, not_refractory, t, dt, random_context=None):
        draws = [random_context.randn(j) * np.sqrt(dt) for j in range(len(self.noise))]
        run_scheme(self.scheme, state, _with_time(state, t, dt), not_refractory, draws)


def _with_time(namespace, t, dt):
    """A copy of ``namespace`` (of the same kind: subexpressions computed on
    use) with the step's ``t`` and ``dt``."""
    copied = namespace.copy()
    copied["t"] = t
    copied["dt"] = dt
    return copied


class ExponentialEulerUpdater(_Updater):
    """Brian2's ``exponential_euler``: each equation, linear in its own
    variable (dx/dt = A x + B, A and B depending on the others), is advanced
    exactly for one step with A and B frozen: x' = -B/A + (x + B/A) exp(A dt).
    Made for conductance-based models such as Hodgkin-Huxley."""

    name = "exponential_euler"

    def __init__(self, equations, owner, constants):
        super().__init__(equations, owner)
        self._refuse_noise("'exponential_euler'", "use 'heun' or 'milstein'")
        rhs, symbols = _sympy_rhs(equations, constants)
        #: name -> (A, B) of dx/dt = A x + B (sympy)
        self.linear_parts = {}
        for name in self.variables:
            # Brian2's conditional linearity: the expanded right-hand side
            # collected in x as A*x + B, where A and B may still depend on x
            # through other functions (Morris-Lecar's m_inf(V)); they are
            # evaluated at the start of the step.
            x = symbols[name]
            expanded = sympy.expand(rhs[name])
            parts = sympy.collect(expanded, x, evaluate=False) if expanded.has(x) else \
                {sympy.S.One: expanded}
            if len(parts) > 2 or (expanded.has(x) and x not in parts):
                raise IntegrationError(
                    f"{owner}: 'exponential_euler' needs each equation to be linear in its own "
                    f"variable, but 'd{name}/dt = {equations[name].expr.code}' is not linear in "
                    f"{name}; use 'rk4'")
            self.linear_parts[name] = (sympy.simplify(parts.get(x, sympy.S.Zero)),
                                       sympy.simplify(parts.get(sympy.S.One, sympy.S.Zero)))
        self.parameters = []
        try:
            self.scheme = explicit_scheme(self, equations.ordered_subexpressions())
        except SchemeError as exc:
            raise IntegrationError(f"{owner}: 'exponential_euler' cannot integrate these "
                                   f"equations ({exc}); use 'rk4'") from None

    def update(self, state, not_refractory, t, dt, random_context=None):
        run_scheme(self.scheme, state, _with_time(state, t, dt), not_refractory)


class StochasticUpdater(_Updater):
    """Brian2's ``heun`` (Stratonovich) and ``milstein`` (Ito, derivative-free)
    schemes for equations with noise ``xi`` (also multiplicative)."""

    def __init__(self, equations, owner, method):
        super().__init__(equations, owner)
        self.name = method
        self.noise = sorted({n for eq in equations if eq.expr is not None
                             for n in eq.expr.identifiers if n == "xi" or n.startswith("xi_")})
        self.subexpressions = equations.ordered_subexpressions()
        self.parameters = []

    def _derivatives(self, namespace, not_refractory):
        for eq in self.subexpressions:
            # '(constant over dt)' subexpressions keep their start-of-step value.
            if "constant over dt" not in eq.flags or eq.name not in namespace:
                namespace[eq.name] = eq.expr.evaluate(namespace)
        result = {}
        for name in self.variables:
            value = self.equations[name].expr.evaluate(namespace)
            if name in self.unless_refractory and not_refractory is not None:
                value = value * not_refractory
            result[name] = value
        return result

    def _drift_and_diffusion(self, base, values, not_refractory):
        namespace = dict(base, **values)
        for noise in self.noise:
            namespace[noise] = 0.0
        drift = self._derivatives(dict(namespace), not_refractory)
        diffusion = []
        for noise in self.noise:
            with_noise = self._derivatives(dict(namespace, **{noise: 1.0}), not_refractory)
            diffusion.append({n: with_noise[n] - drift[n] for n in self.variables})
        return drift, diffusion

    def update(self, state, not_refractory, t, dt, random_context=None):
        base = dict(state)
        base["t"] = t
        for eq in self.subexpressions:
            # Read now, at the start of the step (``state`` computes
            # subexpressions on use): '(constant over dt)' keeps this value.
            if "constant over dt" in eq.flags and eq.name not in base:
                try:
                    base[eq.name] = state[eq.name]
                except KeyError:  # a stochastic one: computed with the noise
                    pass
        x = {name: state[name] for name in self.variables}
        dw = [random_context.randn(k) * np.sqrt(dt) for k in range(len(self.noise))]
        f, g = self._drift_and_diffusion(base, x, not_refractory)
        if self.name == "heun":
            # Brian2's heun: the drift is Euler's; only the noise is averaged
            # over a support point (x + g dW, at t + dt).
            support = {n: x[n] + sum(w * gk[n] for w, gk in zip(dw, g))
                       for n in self.variables}
            _, g_s = self._drift_and_diffusion(dict(base, t=t + dt), support, not_refractory)
            new = {n: x[n] + dt * f[n]
                   + sum(w / 2 * (gk[n] + gs[n]) for w, gk, gs in zip(dw, g, g_s))
                   for n in self.variables}
        else:  # milstein, derivative-free (Kloeden & Platen)
            new = {n: x[n] + dt * f[n] for n in self.variables}
            for k, (w, gk) in enumerate(zip(dw, g)):
                support = {n: x[n] + dt * f[n] + np.sqrt(dt) * gk[n] for n in self.variables}
                _, g_s = self._drift_and_diffusion(base, support, not_refractory)
                for n in self.variables:
                    new[n] = new[n] + gk[n] * w + (g_s[k][n] - gk[n]) / (2 * np.sqrt(dt)) * \
                        (w * w - dt)
        for name in self.variables:
            state[name][...] = new[name]


METHODS = ("exact", "linear", "euler", "rk2", "rk4", "exponential_euler", "heun", "milstein")


def make_state_updater(equations, method, constants, owner):
    """Choose and build the state updater.

    Parameters
    ----------
    equations : Equations
    method : str or None
        None chooses as Brian2 does: 'exact' if it applies, otherwise 'euler'.
    constants : dict
        Raw SI values of the external constants the equations use.
    owner : str
        Names the object in error messages.
    """
    if not equations.diff_eq_names:
        return None
    if method is None:
        # As Brian2: 'exact' if it applies, else 'euler' (additive noise), else 'heun'.
        try:
            return ExactUpdater(equations, owner, constants)
        except IntegrationError:
            pass
        if equations.is_stochastic and is_multiplicative(equations, constants):
            return StochasticUpdater(equations, owner, "heun")
        return RungeKuttaUpdater(equations, owner, "euler")
    if isinstance(method, (tuple, list)):
        # Brian2: the first method of the sequence that can integrate them.
        failures = []
        for choice in method:
            try:
                return make_state_updater(equations, choice, constants, owner)
            except IntegrationError as exc:
                failures.append(str(exc))
        raise IntegrationError(f"{owner}: none of the methods {tuple(method)} can integrate "
                               f"these equations: {'; '.join(failures)}")
    if not isinstance(method, str):
        raise TypeError(f"{owner}: method must be a string, got {method!r}")
    key = method.lower()
    if key in ("exact", "linear"):
        return ExactUpdater(equations, owner, constants)
    if key == "euler" and equations.is_stochastic and is_multiplicative(equations, constants):
        raise IntegrationError(f"{owner}: 'euler' integrates additive noise only; the noise in "
                               "these equations is multiplicative: use 'heun' or 'milstein'")
    if key in RungeKuttaUpdater.TABLEAUS:
        return RungeKuttaUpdater(equations, owner, key)
    if key == "exponential_euler":
        return ExponentialEulerUpdater(equations, owner, constants)
    if key in ("heun", "milstein"):
        return StochasticUpdater(equations, owner, key)
    raise IntegrationError(f"{owner}: unknown integration method '{method}'; "
                           f"available: {', '.join(METHODS)}")
