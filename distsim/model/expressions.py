"""Expressions and statements: parse, check identifiers and units, compile.

Model code is Python syntax restricted to arithmetic, comparisons,
``and/or/not`` and calls of known functions, as in Brian2. It is compiled to
a Python function over numpy arrays of raw SI values; ``rand()`` and
``randn()`` become counter-based draws keyed by the caller's stream.
"""
import ast
import operator
import warnings
from typing import Callable

import numpy as np

from ..units import DIMENSIONLESS, DimensionMismatchError
from .functions import DEFAULT_CONSTANTS, DEFAULT_FUNCTIONS
from .namespace import NameResolutionError

__all__ = ["Expression", "Statements", "ExpressionError", "ANY_DIMENSION"]


_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv, ast.Pow: operator.pow}


def _number(node):
    """The value of an expression of number literals (``2``, ``-0.5``,
    ``1.0/6.0``: Brian2 accepts such exponents of quantities); ValueError
    for anything else."""
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        return float(_ARITHMETIC[type(node.op)](_number(node.left), _number(node.right)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _number(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    value = ast.literal_eval(node)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("not a number")
    return float(value)


class ExpressionError(SyntaxError):
    """A model expression or statement that cannot be parsed or is not allowed."""


class _AnyDimension:
    """The dimension of a literal 0 or inf: compatible with every unit."""

    def __repr__(self):
        return "any"


ANY_DIMENSION = _AnyDimension()

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.Mod, ast.FloorDiv)
_AUGOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div)


def _is_literal_any(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return node.value == 0 or np.isinf(node.value)
    if isinstance(node, ast.Name) and node.id == "inf":
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _is_literal_any(node.operand)
    return False


def _parse(code, mode, what):
    if not isinstance(code, str):
        raise TypeError(f"{what} must be a string, got {type(code).__name__}")
    text = code.strip()
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(f"Syntax error in {what} '{text}': {exc.msg}") from None
    for node in ast.walk(tree):
        _check_node_allowed(node, text, what)
    return text, tree


def _check_node_allowed(node, text, what):
    allowed = (ast.Expression, ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.BinOp,
               ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Call, ast.Name, ast.Constant,
               ast.Load, ast.Store, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd,
               ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE) + _BINOPS
    if not isinstance(node, allowed):
        raise ExpressionError(f"'{ast.unparse(node) if hasattr(node, 'lineno') else type(node).__name__}'"
                              f" is not allowed in {what} '{text}'")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ExpressionError(f"Only plain function calls are allowed in {what} '{text}'")
    if isinstance(node, ast.Constant) and not isinstance(node.value, (int, float, bool)):
        raise ExpressionError(f"Constant {node.value!r} is not allowed in {what} '{text}'")
    if isinstance(node, ast.Assign) and (len(node.targets) != 1 or
                                         not isinstance(node.targets[0], ast.Name)):
        raise ExpressionError(f"Only assignments to a single variable are allowed in {what} '{text}'")
    if isinstance(node, ast.AugAssign) and not isinstance(node.op, _AUGOPS):
        raise ExpressionError(f"Operator in '{ast.unparse(node)}' is not allowed in {what}")


class _ToNumpy(ast.NodeTransformer):
    """Rewrites names to namespace look-ups and logic to numpy calls."""

    def __init__(self):
        self.random_sites = 0

    def visit_Name(self, node):
        return ast.copy_location(
            ast.Subscript(value=ast.Name("_ns", ast.Load()), slice=ast.Constant(node.id),
                          ctx=ast.Load()), node)

    def visit_Call(self, node):
        node.args = [self.visit(a) for a in node.args]
        name = node.func.id
        func = ast.Subscript(value=ast.Name("_fn", ast.Load()), slice=ast.Constant(name),
                             ctx=ast.Load())
        if name in ("rand", "randn"):
            # Each call site draws its own numbers: rand() + rand() is two draws.
            node.args = [ast.Constant(self.random_sites)]
            self.random_sites += 1
        return ast.copy_location(ast.Call(func=func, args=node.args, keywords=[]), node)

    def _np_call(self, name, args, like):
        func = ast.Attribute(value=ast.Name("_np", ast.Load()), attr=name, ctx=ast.Load())
        return ast.copy_location(ast.Call(func=func, args=args, keywords=[]), like)

    def visit_BoolOp(self, node):
        values = [self.visit(v) for v in node.values]
        name = "logical_and" if isinstance(node.op, ast.And) else "logical_or"
        result = values[0]
        for v in values[1:]:
            result = self._np_call(name, [result, v], node)
        return result

    def visit_UnaryOp(self, node):
        node.operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return self._np_call("logical_not", [node.operand], node)
        return node

    def visit_Compare(self, node):
        operands = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
        parts = [ast.copy_location(ast.Compare(left=a, ops=[op], comparators=[b]), node)
                 for a, op, b in zip(operands, node.ops, operands[1:])]
        result = parts[0]
        for p in parts[1:]:
            result = self._np_call("logical_and", [result, p], node)
        return result


class _Code:
    """Shared machinery of `Expression` and `Statements`."""

    def identifiers_in(self, tree):
        names = set()
        calls = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                calls.add(node.func.id)
            elif isinstance(node, ast.Name):
                names.add(node.id)
        return names - calls - set(DEFAULT_CONSTANTS), calls

    def _dimension(self, node, dim_of):
        """The dimension of ``node``; ``dim_of(name)`` gives identifiers'."""
        text = self.code
        if isinstance(node, ast.Constant):
            if _is_literal_any(node):
                return ANY_DIMENSION
            return DIMENSIONLESS
        if isinstance(node, ast.Name):
            if node.id == "inf":
                return ANY_DIMENSION
            if node.id in DEFAULT_CONSTANTS:
                return DIMENSIONLESS
            return dim_of(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = self._dimension(node.operand, dim_of)
            if isinstance(node.op, ast.Not):
                return DIMENSIONLESS
            return inner
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._dimension(v, dim_of)
            return DIMENSIONLESS
        if isinstance(node, ast.Compare):
            operands = [node.left] + list(node.comparators)
            dims = [self._dimension(o, dim_of) for o in operands]
            self._same(dims, node)
            return DIMENSIONLESS
        if isinstance(node, ast.BinOp):
            left = self._dimension(node.left, dim_of)
            if isinstance(node.op, ast.Pow):
                right = self._dimension(node.right, dim_of)
                if right not in (DIMENSIONLESS, ANY_DIMENSION):
                    raise DimensionMismatchError(
                        f"The exponent in '{ast.unparse(node)}' (in '{text}') must be dimensionless",
                        right)
                if left in (DIMENSIONLESS, ANY_DIMENSION):
                    return left
                try:
                    exponent = _number(node.right)
                except (ValueError, TypeError, SyntaxError, ZeroDivisionError):
                    raise DimensionMismatchError(
                        f"A quantity with units can only be raised to a literal number "
                        f"in '{ast.unparse(node)}' (in '{text}')", left) from None
                return left ** exponent
            right = self._dimension(node.right, dim_of)
            if isinstance(node.op, (ast.Add, ast.Sub, ast.Mod)):
                return self._same([left, right], node)
            left = DIMENSIONLESS if left is ANY_DIMENSION else left
            right = DIMENSIONLESS if right is ANY_DIMENSION else right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.FloorDiv):
                self._same([left, right], node)
                return DIMENSIONLESS
            return left / right
        if isinstance(node, ast.Call):
            name = node.func.id
            arg_dims = [self._dimension(a, dim_of) for a in node.args]
            func = self.functions.get(name)
            if func is None:
                raise ExpressionError(f"Unknown function '{name}' in '{text}'")
            if any(d is ANY_DIMENSION for d in arg_dims):
                known = [d for d in arg_dims if d is not ANY_DIMENSION]
                fill = known[0] if known else DIMENSIONLESS
                arg_dims = [fill if d is ANY_DIMENSION else d for d in arg_dims]
            return func.dimension_rule(arg_dims, text)
        raise ExpressionError(f"Cannot determine the units of '{ast.unparse(node)}' in '{text}'")

    def _same(self, dims, node):
        concrete = [d for d in dims if d is not ANY_DIMENSION]
        if any(d is not concrete[0] for d in concrete[1:]):
            raise DimensionMismatchError(
                f"Inconsistent units in '{ast.unparse(node)}' (in '{self.code}')", *concrete)
        return concrete[0] if concrete else ANY_DIMENSION

    def _compile(self, tree, mode):
        transformer = _ToNumpy()
        tree = transformer.visit(ast.fix_missing_locations(_copy(tree)))
        self.random_sites = transformer.random_sites
        ast.fix_missing_locations(tree)
        return compile(tree, f"<{self.code}>", mode)

    def bind_function(self, name, function):
        """Make ``function`` (a `Function`) callable as ``name`` in the code."""
        self.functions[name] = function
        self.__dict__.pop("_table_without_random", None)

    def function_table(self, random_context=None):
        """Name -> implementation of every function the code may call. Kept
        when no random numbers are drawn: state updates evaluate their
        expressions at every step."""
        if random_context is None:
            table = self.__dict__.get("_table_without_random")
            if table is None:
                table = {name: f.implementation for name, f in self.functions.items()}
                table["rand"] = table["randn"] = _no_random
                self._table_without_random = table
            return table
        table = {name: f.implementation for name, f in self.functions.items()}
        table["rand"] = random_context.rand
        table["randn"] = random_context.randn
        return table


def _no_random(site):
    raise ExpressionError("rand() and randn() are not available here")


def _copy(tree):
    return ast.parse(ast.unparse(tree), mode="eval" if isinstance(tree, ast.Expression) else "exec")


class Expression(_Code):
    """A model expression such as ``'Vr + rand()*(Vt - Vr)'``.

    Parameters
    ----------
    code : str
        The expression.
    functions : dict, optional
        Extra functions (name -> `Function`) besides the defaults.
    """

    def __init__(self, code, functions=None):
        self.functions = dict(DEFAULT_FUNCTIONS, **(functions or {}))
        self.code, self.tree = _parse(code, "eval", "expression")
        self.identifiers, self.called = self.identifiers_in(self.tree)
        self._code_object = self._compile(self.tree, "eval")

    def dimension(self, dim_of):
        """The physical dimension of the value, checking every operation.

        Returns `ANY_DIMENSION` for a bare 0 or inf.
        """
        return self._dimension(self.tree.body, dim_of)

    def evaluate(self, namespace, random_context=None):
        """Evaluate on a dict of raw (SI) values and arrays (or a
        `SubexpressionNamespace`, whose subexpressions are computed on use)."""
        if not isinstance(namespace, SubexpressionNamespace):
            namespace = dict(DEFAULT_CONSTANTS, **namespace)
        try:
            return eval(self._code_object, {"_np": np, "_ns": namespace,
                                            "_fn": self.function_table(random_context)})
        except ArithmeticError as error:  # Python's own scalar arithmetic (0/0, 2**10000.)
            raise ValueError(f"'{self.code}' cannot be evaluated: {error}") from error

    def renamed(self, names: dict) -> "Expression":
        """The same expression with the identifiers in ``names`` replaced by
        their values (other identifiers and called functions kept)."""
        tree = _copy(self.tree)
        called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and id(node) not in called:
                node.id = names.get(node.id, node.id)
        return Expression(ast.unparse(tree), {name: f for name, f in self.functions.items()
                                             if name not in DEFAULT_FUNCTIONS})

    def __repr__(self):
        return f"Expression({self.code!r})"


class Subexpressions:
    """A group's subexpressions that code may read, and for each name the
    subexpressions computed from it (directly or through others).

    Parameters
    ----------
    expressions : dict
        Name -> `Expression`, in evaluation order.
    """

    def __init__(self, expressions):
        self.expressions = dict(expressions)
        self.dependents = {}
        for name, expr in self.expressions.items():
            for used in expr.identifiers:
                self.dependents.setdefault(used, set()).add(name)
        changed = True
        while changed:  # close over chains of subexpressions
            changed = False
            for name, found in self.dependents.items():
                more = set().union(*(self.dependents.get(sub, ()) for sub in found)) - found
                if more:
                    found |= more
                    changed = True


class SubexpressionNamespace(dict):
    """Values for evaluating a group's code, whose subexpressions are computed
    when code first reads them, as Brian2 computes a subexpression where it is
    used: code needs only the constants its own subexpressions use, and a
    statement that writes a variable makes later statements see the
    subexpressions computed from the new value.

    Parameters
    ----------
    values : dict
        Constants and variables (raw SI values and arrays).
    subexpressions : Subexpressions
        The subexpressions that may be read.
    """

    def __init__(self, values, subexpressions: Subexpressions):
        super().__init__(values)
        self.subexpressions = subexpressions

    def __missing__(self, name):
        expr = self.subexpressions.expressions.get(name)
        if expr is None:
            return DEFAULT_CONSTANTS[name]
        value = expr.evaluate(self)
        dict.__setitem__(self, name, value)
        return value

    def __setitem__(self, name, value):
        super().__setitem__(name, value)
        for stale in self.subexpressions.dependents.get(name, ()):
            self.pop(stale, None)

    def copy(self):
        """A copy that still computes subexpressions on use."""
        return SubexpressionNamespace(self, self.subexpressions)


class Statements(_Code):
    """Statements such as ``'v = Vr; w += b'`` (reset, on_pre, ...).

    Each statement assigns to one variable: ``x = expr`` or ``x op= expr``.
    """

    def __init__(self, code, functions=None):
        self.functions = dict(DEFAULT_FUNCTIONS, **(functions or {}))
        if isinstance(code, str):
            lines = (line.split("#", 1)[0].strip() for line in code.splitlines())
            code = "; ".join(line for line in lines if line)
        self.code, self.tree = _parse(code, "exec", "statements")
        for stmt in self.tree.body:
            if not isinstance(stmt, (ast.Assign, ast.AugAssign)):
                raise ExpressionError(f"'{ast.unparse(stmt)}' is not an assignment "
                                      f"(in statements '{self.code}')")
        self.statements = []
        self._site_offsets = []
        sites = 0
        for stmt in self.tree.body:
            target = stmt.targets[0].id if isinstance(stmt, ast.Assign) else stmt.target.id
            op = None if isinstance(stmt, ast.Assign) else type(stmt.op).__name__
            expr = Expression(ast.unparse(stmt.value), functions)
            self.statements.append((target, op, expr))
            # Random call sites are numbered across all statements.
            self._site_offsets.append(sites)
            sites += expr.random_sites
        self.written = [t for t, _, _ in self.statements]
        self.expressions = [expr for _, _, expr in self.statements]
        self.identifiers = set(self.written)
        for _, _, expr in self.statements:
            self.identifiers |= expr.identifiers

    def temporaries(self, is_variable) -> dict:
        """Brian2's temporaries: ``x = expr`` where ``x`` names no variable
        (``is_variable(name)`` is False) creates ``x`` for the statements
        after it. Returns name -> the index of the statement that creates it."""
        found = {}
        for k, (target, op, expr) in enumerate(self.statements):
            if target in found or is_variable(target):
                continue
            if op is not None:
                raise NameResolutionError(f"'{target}' in '{self.code}' is not a variable: "
                                      f"'{target} {_OP_TEXT[op]} ...' needs one ('{target} = "
                                      "...' would create a temporary)")
            if any(target in e.identifiers for _, _, e in self.statements[:k + 1]):
                raise ExpressionError(f"'{target}' in '{self.code}' is used before the "
                                      "statement that creates it")
            found[target] = k
            if not any(target in e.identifiers for _, _, e in self.statements[k + 1:]):
                # Brian2 accepts it silently; it is most often a typo.
                warnings.warn(f"'{target}' in '{self.code}' is neither a variable nor used by a "
                              "later statement: a temporary that has no effect (a typo?)",
                              UserWarning, stacklevel=4)
        return found

    def dimensions_with_temporaries(self, dim_of, temporaries) -> Callable:
        """``dim_of`` that also knows the temporaries' dimensions (each that of
        the expression creating it)."""
        dims = {}

        def with_temporaries(name):
            return dims[name] if name in dims else dim_of(name)
        for name, k in temporaries.items():
            dims[name] = self.statements[k][2].dimension(with_temporaries)
        return with_temporaries

    def check_units(self, dim_of):
        """Each assigned expression must have the units of its target."""
        for target, op, expr in self.statements:
            target_dim = dim_of(target)
            value_dim = expr.dimension(dim_of)
            if op in ("Mult", "Div"):
                expected = DIMENSIONLESS
            else:
                expected = target_dim
            if value_dim is not ANY_DIMENSION and value_dim is not expected:
                raise DimensionMismatchError(
                    f"The statement '{target} {'=' if op is None else _OP_TEXT[op]} {expr.code}' "
                    f"assigns a value with the wrong units", expected, value_dim)

    def execute(self, namespace, random_context=None, start=0, stop=None):
        """Run the statements (those from ``start`` to ``stop``) on a dict of
        arrays; returns the written values.

        ``namespace`` is updated in place, so later statements see earlier
        assignments; the caller writes the returned values back to its state.
        """
        written = {}
        for (target, op, expr), offset in list(zip(self.statements,
                                                    self._site_offsets))[start:stop]:
            context = random_context.shifted(offset) if random_context is not None else None
            value = expr.evaluate(namespace, context)
            if op == "Add":
                value = namespace[target] + value
            elif op == "Sub":
                value = namespace[target] - value
            elif op == "Mult":
                value = namespace[target] * value
            elif op == "Div":
                value = namespace[target] / value
            namespace[target] = value
            written[target] = value
        return written

    def __repr__(self):
        return f"Statements({self.code!r})"


_OP_TEXT = {"Add": "+=", "Sub": "-=", "Mult": "*=", "Div": "/="}


class RandomContext:
    """Binds ``rand()``/``randn()`` of one evaluation to counter-based draws.

    Parameters
    ----------
    key_for_site : callable
        ``key_for_site(site) -> 64-bit key`` for the n-th random call site.
    element_ids : int64 array
        Global ids of the elements evaluated (neurons, synapses, pairs).
    draw : int
        The draw index, e.g. the time step for per-step code.
    """

    def __init__(self, key_for_site, element_ids, draw=0, site_offset=0):
        self.key_for_site = key_for_site
        self.element_ids = element_ids
        self.draw = draw
        self.site_offset = site_offset

    def shifted(self, offset):
        """The context for code whose call sites are numbered from ``offset``."""
        return RandomContext(self.key_for_site, self.element_ids, self.draw,
                             self.site_offset + offset)

    def rand(self, site):
        from ..core.random import uniform
        return uniform(self.key_for_site(self.site_offset + site), self.element_ids, self.draw)

    def randn(self, site):
        from ..core.random import normal
        return normal(self.key_for_site(self.site_offset + site), self.element_ids, self.draw)
