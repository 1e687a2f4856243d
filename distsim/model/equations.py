"""Model equations as Brian2 writes them.

    dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
    I_syn = ge * (Ee - v) : amp          # a subexpression
    tau : second (constant)              # a parameter
"""
import re

from ..units import DIMENSIONLESS, DimensionMismatchError, Quantity, all_units, second
from ..units.allunits import STANDARD_SHORT_NAMES, short_symbol_names
from .expressions import ANY_DIMENSION, Expression, ExpressionError

__all__ = ["Equations", "SingleEquation", "EquationError",
           "DIFFERENTIAL_EQUATION", "SUBEXPRESSION", "PARAMETER"]

DIFFERENTIAL_EQUATION = "differential equation"
SUBEXPRESSION = "subexpression"
PARAMETER = "parameter"

# Which flags each kind of equation may carry (Brian2's rules); the groups
# narrow this further (e.g. 'event-driven' only in Synapses).
ALLOWED_FLAGS = {
    DIFFERENTIAL_EQUATION: {"unless refractory", "event-driven", "clock-driven",
                            "point current"},
    SUBEXPRESSION: {"shared", "constant over dt", "summed", "point current"},
    PARAMETER: {"constant", "shared", "linked", "point current"},
}

_DIFF_EQ = re.compile(r"^d\s*(?P<name>[A-Za-z_]\w*)\s*/\s*dt\s*=\s*(?P<expr>.+)$")
_SUBEXPR = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<expr>.+)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)$")
_FLAGS = re.compile(r"^(?P<unit>.*?)\s*\((?P<flags>[A-Za-z\s,-]+)\)\s*$")
_RESERVED = {"t", "dt", "i", "j", "N", "xi", "lastspike", "not_refractory", "rand", "randn",
             "True", "False", "inf", "pi", "e"}


# Unit names a variable may not take: Brian2's (a prefixed short symbol such
# as EK, El or m2 is free, unless it is one of Brian2's standard short names).
_RESERVED_UNIT_NAMES = (set(all_units) - short_symbol_names) | STANDARD_SHORT_NAMES


class EquationError(ValueError):
    """An equation string that cannot be parsed or is inconsistent."""


class SingleEquation:
    """One line of a model.

    Attributes
    ----------
    kind : str
        `DIFFERENTIAL_EQUATION`, `SUBEXPRESSION` or `PARAMETER`.
    name : str
        The variable defined.
    dim : Dimension
        Its physical dimension.
    var_type : str
        'float', 'boolean' or 'integer'.
    expr : Expression or None
        The right-hand side (None for parameters).
    flags : list of str
    """

    def __init__(self, kind, name, dim, var_type="float", expr=None, flags=(), line=""):
        self.kind = kind
        self.name = name
        self.dim = dim
        self.var_type = var_type
        self.expr = expr
        self.flags = list(flags)
        self.line = line

    @property
    def is_stochastic(self):
        return self.expr is not None and any(
            n == "xi" or n.startswith("xi_") for n in self.expr.identifiers)

    def __repr__(self):
        return f"SingleEquation({self.line!r})"


def _parse_unit(text, line):
    text = text.strip()
    if text == "boolean":
        return DIMENSIONLESS, "boolean"
    if text == "integer":
        return DIMENSIONLESS, "integer"
    if text == "1":
        return DIMENSIONLESS, "float"
    try:
        expr = Expression(text)

        def dim_of(name):
            if name not in all_units:
                raise EquationError(f"Unknown unit '{name}' in equation '{line}'")
            return all_units[name].dim
        dim = expr.dimension(dim_of)
    except ExpressionError:
        raise EquationError(f"Cannot parse the unit '{text}' in equation '{line}'") from None
    return (DIMENSIONLESS if dim is ANY_DIMENSION else dim), "float"


def _parse_line(line):
    if ":" not in line:
        raise EquationError(f"Equation '{line}' has no unit: write it as "
                            "'dx/dt = ... : unit', 'x = ... : unit' or 'x : unit'")
    lhs_and_expr, unit_and_flags = line.rsplit(":", 1)
    lhs_and_expr = lhs_and_expr.strip()
    flags = []
    match = _FLAGS.match(unit_and_flags.strip())
    if match:
        unit_text = match.group("unit")
        flags = [f.strip() for f in match.group("flags").split(",") if f.strip()]
    else:
        unit_text = unit_and_flags
    dim, var_type = _parse_unit(unit_text, line)
    for pattern, kind in ((_DIFF_EQ, DIFFERENTIAL_EQUATION), (_SUBEXPR, SUBEXPRESSION),
                          (_PARAM, PARAMETER)):
        m = pattern.match(lhs_and_expr)
        if m:
            break
    else:
        raise EquationError(f"Cannot parse equation '{line}'")
    name = m.group("name")
    if name in _RESERVED or name in _RESERVED_UNIT_NAMES:
        raise EquationError(f"'{name}' is a reserved name and cannot be defined in '{line}'")
    if (name.endswith("_pre") or name.endswith("_post")) != ("summed" in flags):
        raise EquationError(
            f"Only a summed variable ('x_post = ... : unit (summed)') names a pre- or "
            f"postsynaptic variable, and it must ('{line}')")
    expr = None
    if kind != PARAMETER:
        try:
            expr = Expression(m.group("expr"))
        except ExpressionError as exc:
            raise EquationError(f"{exc} (in equation '{line}')") from None
    for flag in flags:
        if flag not in ALLOWED_FLAGS[kind]:
            raise EquationError(f"Flag '{flag}' is not allowed for a {kind} ('{line}'); "
                                f"allowed: {sorted(ALLOWED_FLAGS[kind]) or 'none'}")
    if kind == DIFFERENTIAL_EQUATION and var_type != "float":
        raise EquationError(f"A differential equation must define a float variable ('{line}')")
    return SingleEquation(kind, name, dim, var_type, expr, flags, line)


_CONTINUES = ("+", "-", "*", "/", "(", ",", "=")
_CONTINUES_WORD = re.compile(r"\b(and|or|not)$")
_STARTS_EQUATION = re.compile(r"^(d[A-Za-z_]\w*/dt\s*=|[A-Za-z_]\w*\s*[=:])")


def _is_complete_expression(text):
    """No open parenthesis, no trailing operator or backslash."""
    return text.count("(") <= text.count(")") and not text.endswith(_CONTINUES) and \
        not _CONTINUES_WORD.search(text) and not text.endswith((" ", "\\"))


def _logical_lines(text):
    """The equations of ``text``, one string each: physical lines joined
    while a parenthesis is open, a line ends with an operator or a
    backslash, or the ``:`` of the unit has not come yet."""
    pending = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if pending and _is_complete_expression(pending) and _STARTS_EQUATION.match(line):
            yield pending  # a line without its unit: _parse_line says so
            pending = ""
        pending = f"{pending} {line}".strip() if pending else line
        pending = pending[:-1].rstrip() + " " if pending.endswith("\\") else pending
        if pending.endswith(" ") or pending.count("(") > pending.count(")") or \
                pending.endswith(_CONTINUES) or _CONTINUES_WORD.search(pending) or \
                ":" not in pending:
            continue
        yield pending
        pending = ""
    if pending.strip():
        yield pending.strip()


def _substituted(line, replacements):
    """``line`` with Brian2's substitutions applied to its variable name and
    right-hand side (not to its unit and flags)."""
    if ":" not in line:
        return line
    lhs_and_expr, unit_and_flags = line.rsplit(":", 1)
    lhs, equals, expr = lhs_and_expr.partition("=")
    derivative = re.match(r"^\s*d([A-Za-z_]\w*)/dt\s*$", lhs)
    variable = derivative.group(1) if derivative else lhs.strip()
    for name, replacement in replacements.items():
        pattern = r"\b" + re.escape(name) + r"\b"
        if name == variable:
            if not isinstance(replacement, str) or not replacement.isidentifier():
                raise EquationError(f"Cannot replace the model variable '{name}' with "
                                    f"{replacement!r} (a variable can only be renamed)")
            lhs = f"d{replacement}/dt " if derivative else f"{replacement} "
        if equals and re.search(pattern, expr):
            text = replacement if isinstance(replacement, str) else \
                f"({replacement!r})" if isinstance(replacement, Quantity) else \
                f"({float(replacement)!r})"
            expr = re.sub(pattern, text, expr)
    return f"{lhs}{equals}{expr}:{unit_and_flags}"


class Equations:
    """A set of model equations (Brian2's ``Equations``).

    Parameters
    ----------
    eqs : str
        One equation per line; ``#`` starts a comment. An equation may go on
        over several lines while a parenthesis is open, after a trailing
        operator or a backslash, or until its ``: unit`` comes (as in
        Brian2's COBAHH example).
    **replacements
        Brian2's substitutions: ``name='other'`` renames a variable or
        replaces an identifier by the text given; ``name=value`` (a number
        or a quantity) replaces an identifier by the value.
    """

    def __init__(self, eqs="", **replacements):
        if isinstance(eqs, Equations):
            self.equations = dict(eqs.equations)
            if replacements:
                self.equations = Equations(str(eqs), **replacements).equations
            return
        if not isinstance(eqs, str):
            raise TypeError(f"Equations must be a string, got {type(eqs).__name__}")
        self.equations = {}
        for line in _logical_lines(eqs):
            if replacements:
                line = _substituted(line, replacements)
            eq = _parse_line(line)
            if eq.name in self.equations:
                raise EquationError(f"Variable '{eq.name}' is defined twice "
                                    f"('{self.equations[eq.name].line}' and '{line}')")
            self.equations[eq.name] = eq
        self._check_subexpression_cycles()

    def __add__(self, other):
        merged = Equations(self)
        for name, eq in Equations(other).equations.items():
            if name in merged.equations:
                raise EquationError(f"Variable '{name}' is defined twice")
            merged.equations[name] = eq
        return merged

    def __iter__(self):
        return iter(self.equations.values())

    def only(self, names):
        """The equations of ``names`` (in this model's order), as Equations."""
        chosen = Equations()
        chosen.equations = {name: eq for name, eq in self.equations.items() if name in names}
        return chosen

    def __contains__(self, name):
        return name in self.equations

    def __getitem__(self, name):
        return self.equations[name]

    def _of_kind(self, kind):
        return [eq for eq in self.equations.values() if eq.kind == kind]

    @property
    def diff_eq_names(self):
        return [eq.name for eq in self._of_kind(DIFFERENTIAL_EQUATION)]

    @property
    def subexpr_names(self):
        return [eq.name for eq in self.ordered_subexpressions()]

    @property
    def parameter_names(self):
        return [eq.name for eq in self._of_kind(PARAMETER)]

    @property
    def state_names(self):
        """Variables with storage: differential-equation variables and parameters."""
        return [eq.name for eq in self.equations.values() if eq.kind != SUBEXPRESSION]

    @property
    def is_stochastic(self):
        return any(eq.is_stochastic for eq in self.equations.values())

    @property
    def identifiers(self):
        """Names used on right-hand sides that the equations do not define."""
        used = set()
        for eq in self.equations.values():
            if eq.expr is not None:
                used |= eq.expr.identifiers
        return used - set(self.equations)

    def ordered_subexpressions(self):
        """Subexpressions in an order where each follows those it uses."""
        subexprs = {eq.name: eq for eq in self._of_kind(SUBEXPRESSION)}
        ordered, done = [], set()

        def visit(name, chain):
            if name in done:
                return
            if name in chain:
                raise EquationError("Subexpressions refer to each other in a cycle: "
                                    + " -> ".join(chain + [name]))
            for dep in sorted(subexprs[name].expr.identifiers & set(subexprs)):
                visit(dep, chain + [name])
            done.add(name)
            ordered.append(subexprs[name])

        for name in subexprs:
            visit(name, [])
        return ordered

    def _check_subexpression_cycles(self):
        self.ordered_subexpressions()

    def check_units(self, dim_of_external):
        """Check every right-hand side against its declared unit.

        ``dim_of_external(name)`` gives the dimension of names the equations
        do not define (constants, ``t``, ...).
        """
        def dim_of(name):
            if name in self.equations:
                return self.equations[name].dim
            if name == "xi" or name.startswith("xi_"):
                return second.dim ** -0.5
            return dim_of_external(name)

        for eq in self.equations.values():
            if eq.expr is None:
                continue
            expected = eq.dim / second.dim if eq.kind == DIFFERENTIAL_EQUATION else eq.dim
            try:
                got = eq.expr.dimension(dim_of)
            except DimensionMismatchError as exc:
                raise DimensionMismatchError(f"{exc.description} in equation '{eq.line}'",
                                             *exc.dims) from None
            if got is not ANY_DIMENSION and got is not expected:
                what = "of the right-hand side" if eq.kind == SUBEXPRESSION else \
                    "of the right-hand side (should be the variable's unit per second)"
                raise DimensionMismatchError(
                    f"Inconsistent units in equation '{eq.line}': the units {what} do not match",
                    expected, got)

    def __str__(self):
        return "\n".join(eq.line for eq in self.equations.values())
