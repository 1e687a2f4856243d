"""Explicit numerical schemes, described once as per-element statements.

A scheme (euler, rk2, rk4, exponential_euler; euler with additive noise)
turns a state updater's equations into a list of `Step`s, Brian2's
"abstract code": each step assigns one expression to a local value or, at
the end, to a state variable, for one element (neuron or synapse). Two
targets run the same list:

- numpy (`run_scheme`): each step on whole arrays, in order;
- Cython (codegen/kernels.py): each step translated to one line of a loop.

So both compute the same arithmetic in the same order, and a scheme is
changed in one place. Names in the steps: the model's names (parameters,
constants, ``i``, ``dt``), and locals that start with ``_s_``: the state at
the start of the step (``_s_x0_<k>``), stage values, slopes, the stage time
``_s_t`` and the noise increments ``_s_dw_<j>`` (a standard normal draw
times sqrt(dt), one per element, made by the caller).

``unless refractory`` variables are held while an element is refractory:
their slopes are 0 (``hold='zero'``), or, for exponential_euler, their new
value is the old one (``hold='keep'``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import sympy
from sympy.printing.str import StrPrinter

from .expressions import Expression

#: Butcher tableaus (a, b, c) of the explicit Runge-Kutta methods.
TABLEAUS = {
    "euler": ([], [1.0], [0.0]),
    "rk2": ([[0.5]], [0.0, 1.0], [0.0, 0.5]),
    "rk4": ([[0.5], [0.0, 0.5], [0.0, 0.0, 1.0]], [1 / 6, 1 / 3, 1 / 3, 1 / 6],
            [0.0, 0.5, 0.5, 1.0]),
}
LOCAL_PREFIX = "_s_"


class SchemeError(ValueError):
    """The equations cannot be written in the scheme's per-element form."""


@dataclass(frozen=True)
class Step:
    """``target = value`` for one element (``value if condition else
    otherwise`` with a condition); ``hold``: what a held (refractory) element
    gets instead: 'zero', or 'keep' (the local ``kept``)."""

    target: str
    value: Expression
    condition: Expression | None = None
    otherwise: Expression | None = None
    hold: str | None = None
    kept: str | None = None

    @property
    def writes_state(self) -> bool:
        return not self.target.startswith(LOCAL_PREFIX)


@dataclass
class Scheme:
    """The steps of one update of all state variables, and what they need."""

    steps: list
    variables: list      # the state variables it reads first and writes last
    locals: list         # the local names it assigns
    n_noise: int         # noise increments _s_dw_0 ... it reads
    holds: bool          # whether some step depends on refractoriness


def _bound(expression, bindings, functions=None):
    """``expression`` (an Expression or text) with names replaced as
    ``bindings`` says (a name or a number), as a new Expression."""
    tree = ast.parse(expression if isinstance(expression, str) else expression.code,
                     mode="eval")

    class Bind(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id not in bindings:
                return node
            value = bindings[node.id]
            replacement = ast.Constant(value) if isinstance(value, float) else \
                ast.Name(value, ast.Load())
            return ast.copy_location(replacement, node)

    text = ast.unparse(Bind().visit(tree))
    return Expression(text, functions if functions is not None else
                      getattr(expression, "functions", None))


class _ExactFloats(StrPrinter):
    """sympy to expression text: floats that read back as the same double,
    and the expression language's names for sympy's functions and constants."""

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Infinity(self, expr):
        return "inf"

    def _print_NegativeInfinity(self, expr):
        return "(-inf)"

    def emptyPrinter(self, expr):
        raise SchemeError(f"'{expr}' has no form in the expression language")


def sympy_text(expr) -> str:
    """The expression-language text of a sympy expression."""
    text = _ExactFloats().doprint(expr)
    # Asked of the expression, not its text: a variable may be named I or
    # end in it ('e_rev_I*g'), which the imaginary unit also prints as.
    expr = sympy.sympify(expr)
    if expr.has(sympy.I, sympy.zoo, sympy.nan) or \
            expr.atoms(sympy.Derivative, sympy.Piecewise):
        raise SchemeError(f"'{text}' has no form in the expression language")
    return text


def explicit_scheme(updater, subexpressions) -> Scheme:
    """The steps of ``updater`` (a RungeKuttaUpdater with additive noise or
    an ExponentialEulerUpdater) for one element; ``subexpressions`` in
    evaluation order."""
    if updater.name == "exponential_euler":
        return _exponential_euler(updater, subexpressions)
    return _runge_kutta(updater, subexpressions)


def _start(updater):
    steps, locals_ = [], [f"{LOCAL_PREFIX}t"]
    for k, name in enumerate(updater.variables):
        locals_.append(f"{LOCAL_PREFIX}x0_{k}")
        steps.append(Step(f"{LOCAL_PREFIX}x0_{k}", Expression(name)))
    steps.append(Step(f"{LOCAL_PREFIX}t", Expression("t")))
    return steps, locals_


def _runge_kutta(updater, subexpressions):
    a_rows, weights, nodes = TABLEAUS[updater.name]
    variables, noise = updater.variables, list(getattr(updater, "noise", None) or [])
    held = set(updater.unless_refractory)
    steps, locals_ = _start(updater)
    # What each model name means in the stage being written.
    bindings = {xi: 0.0 for xi in noise}
    bindings.update({name: f"{LOCAL_PREFIX}x0_{k}" for k, name in enumerate(variables)})
    bindings["t"] = f"{LOCAL_PREFIX}t"

    def slopes(prefix, first):
        """Steps for the subexpressions and each variable's slope
        ('<prefix>_<k>') at the values the stage has bound."""
        for eq in subexpressions:
            # '(constant over dt)' subexpressions keep their start-of-step value
            if first or "constant over dt" not in eq.flags:
                local = f"{LOCAL_PREFIX}sub_{eq.name}"
                steps.append(Step(local, _bound(eq.expr, bindings)))
                bindings[eq.name] = local
                if local not in locals_:
                    locals_.append(local)
        for k, name in enumerate(variables):
            local = f"{LOCAL_PREFIX}{prefix}_{k}"
            locals_.append(local)
            steps.append(Step(local, _bound(updater.equations[name].expr, bindings),
                              hold="zero" if name in held else None))

    for stage in range(len(weights)):
        if stage:
            steps.append(Step(f"{LOCAL_PREFIX}t", Expression(f"t + {nodes[stage]!r} * dt")))
            for k, name in enumerate(variables):
                terms = " + ".join(f"{a!r} * {LOCAL_PREFIX}k{s}_{k}"
                                   for s, a in enumerate(a_rows[stage - 1]) if a)
                local = f"{LOCAL_PREFIX}x{stage}_{k}"
                locals_.append(local)
                steps.append(Step(local, Expression(f"{LOCAL_PREFIX}x0_{k} + dt * ({terms})")))
                bindings[name] = local
        slopes(f"k{stage}", stage == 0)
    new_values = {}
    for k, name in enumerate(variables):
        terms = " + ".join(f"{w!r} * {LOCAL_PREFIX}k{s}_{k}" for s, w in enumerate(weights) if w)
        new_values[name] = f"{LOCAL_PREFIX}x0_{k} + dt * ({terms})"
    if noise:
        # Euler-Maruyama: each noise term's coefficient is f(xi=1) - f(xi=0)
        # at the start of the step, times the increment the caller draws.
        bindings.update({name: f"{LOCAL_PREFIX}x0_{k}" for k, name in enumerate(variables)})
        bindings["t"] = f"{LOCAL_PREFIX}t"
        for j, xi in enumerate(noise):
            bindings[xi] = 1.0
            slopes(f"xi{j}", False)
            for k, name in enumerate(variables):
                new_values[name] = (f"({new_values[name]}) + ({LOCAL_PREFIX}xi{j}_{k} - "
                                    f"{LOCAL_PREFIX}k0_{k}) * {LOCAL_PREFIX}dw_{j}")
            bindings[xi] = 0.0
    for name, value in new_values.items():
        steps.append(Step(name, Expression(value)))
    return Scheme(steps, list(variables), locals_, len(noise), bool(held))


def _exponential_euler(updater, subexpressions):
    """x' = -b/a + (x + b/a) exp(a dt) for dx/dt = a x + b (x + b dt where
    a = 0), with a and b at the start of the step."""
    variables = updater.variables
    held = set(updater.unless_refractory)
    steps, locals_ = _start(updater)
    # a and b have the subexpressions inlined (sympy): only the state and t.
    bindings = {name: f"{LOCAL_PREFIX}x0_{k}" for k, name in enumerate(variables)}
    bindings["t"] = f"{LOCAL_PREFIX}t"
    functions = {}
    for eq in subexpressions:
        functions.update(eq.expr.functions)
    for k, name in enumerate(variables):
        functions.update(updater.equations[name].expr.functions)
        a, b = updater.linear_parts[name]
        for part, expr in (("a", a), ("b", b)):
            local = f"{LOCAL_PREFIX}{part}_{k}"
            locals_.append(local)
            steps.append(Step(local, _bound(sympy_text(expr), bindings, functions)))
    for k, name in enumerate(variables):
        x, a, b = (f"{LOCAL_PREFIX}{p}_{k}" for p in ("x0", "a", "b"))
        steps.append(Step(name, Expression(f"{x} + {b} * dt"),
                          condition=Expression(f"{a} == 0"),
                          otherwise=Expression(f"-({b} / {a}) + ({x} + {b} / {a}) * exp({a} * dt)"),
                          hold="keep" if name in held else None, kept=x))
    return Scheme(steps, list(variables), locals_, 0, bool(held))


def run_scheme(scheme, state, namespace, not_refractory, draws=()):
    """Run ``scheme`` on whole arrays (the numpy target).

    Parameters
    ----------
    scheme : Scheme
    state : dict
        name -> array of each state variable (written in place at the end).
    namespace : dict
        Values of every other name the steps read (parameters, constants,
        ``t``, ``dt``, ``i``...).
    not_refractory : bool array or None
        Elements not held (None: nothing is held).
    draws : sequence of arrays
        The noise increments, one array per noise term.
    """
    ns = namespace.copy()  # keeps subexpressions computed on use
    ns.update({name: state[name] for name in scheme.variables})
    for j, draw in enumerate(draws):
        ns[f"{LOCAL_PREFIX}dw_{j}"] = draw
    new = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for step in scheme.steps:
            value = step.value.evaluate(ns)
            if step.condition is not None:
                value = np.where(step.condition.evaluate(ns), value, step.otherwise.evaluate(ns))
            if step.hold is not None and not_refractory is not None:
                value = value * not_refractory if step.hold == "zero" else \
                    np.where(not_refractory, value, ns[step.kept])
            if step.writes_state:
                new[step.target] = value
            else:
                ns[step.target] = value
    for name, value in new.items():
        state[name][...] = value
