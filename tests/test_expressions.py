"""The model language's parser and its errors."""
import numpy as np
import pytest

from distsim.model import EquationError, Equations, Expression, ExpressionError, Statements
from distsim.units import DIMENSIONLESS, DimensionMismatchError, get_dimensions, mV, ms, volt


def test_expression_evaluates_like_numpy():
    expr = Expression("v > -50*mV and not (i < 2) or abs(x) >= clip(y, 0, 1)")
    ns = {"v": np.array([-0.06, -0.04, -0.04]), "mV": 1e-3, "i": np.arange(3),
          "x": np.zeros(3), "y": np.ones(3) * 2}
    assert list(expr.evaluate(ns)) == [False, False, True]


def test_identifiers_and_functions():
    expr = Expression("exp(-t/tau) * sqrt(x) + rand()")
    assert expr.identifiers == {"t", "tau", "x"}


@pytest.mark.parametrize("code", ["v >", "v = 3", "import os", "x[0]", "lambda: 1", "f(x=1)",
                                  "'text'"])
def test_syntax_and_disallowed_constructs_are_errors(code):
    with pytest.raises(ExpressionError):
        Expression(code)


def test_unit_mismatch_in_expression_names_it():
    dims = {"v": get_dimensions(volt), "t": get_dimensions(ms)}
    with pytest.raises(DimensionMismatchError, match="v \\+ t"):
        Expression("v + t").dimension(dims.__getitem__)
    assert Expression("v > 0").dimension(dims.__getitem__) is DIMENSIONLESS


def test_unknown_function_is_an_error():
    with pytest.raises(ExpressionError, match="Unknown function 'foo'"):
        Expression("foo(1)").dimension(lambda n: DIMENSIONLESS)


def test_statements():
    st = Statements("v = Vr\nw += b  # adaptation")
    ns = {"v": np.ones(2), "w": np.zeros(2), "Vr": 0.5, "b": 2.0}
    written = st.execute(ns)
    assert list(written) == ["v", "w"]
    assert np.all(written["v"] == 0.5) and np.all(written["w"] == 2.0)
    with pytest.raises(ExpressionError, match="not an assignment"):
        Statements("v + 1")


EQS = """
dv/dt = (ge + gi - (v - El)) / taum : volt (unless refractory)
dge/dt = -ge / taue : volt
dgi/dt = -gi / taui : volt
I_total = ge / Rm : amp
tau : second (constant)
flag : boolean
count : integer
"""


def test_equations_parse_kinds_units_and_flags():
    eqs = Equations(EQS)
    assert eqs.diff_eq_names == ["v", "ge", "gi"]
    assert eqs.subexpr_names == ["I_total"]
    assert eqs.parameter_names == ["tau", "flag", "count"]
    assert eqs["v"].flags == ["unless refractory"]
    assert eqs["flag"].var_type == "boolean" and eqs["count"].var_type == "integer"
    assert eqs.identifiers == {"El", "taum", "taue", "taui", "Rm"}


def test_unit_mismatch_in_an_equation_is_a_clear_error():
    eqs = Equations("dv/dt = -v : volt")  # the rhs is volt, not volt/second
    with pytest.raises(DimensionMismatchError, match="Inconsistent units in equation 'dv/dt = -v"):
        eqs.check_units(lambda name: None)
    eqs = Equations("dv/dt = (El - v)/tau + I : volt")
    dims = {"El": get_dimensions(mV), "tau": get_dimensions(ms), "I": DIMENSIONLESS}
    with pytest.raises(DimensionMismatchError, match="Inconsistent units"):
        eqs.check_units(dims.__getitem__)


@pytest.mark.parametrize("eqs, message", [
    ("dv/dt = -v/tau", "has no unit"),
    ("dv/dt = -v/tau : volt (event driven)", "not allowed"),
    ("tau : second (unless refractory)", "not allowed"),
    ("dv/dt = -v/ : volt", "Syntax error"),
    ("v : volt\nv : volt", "defined twice"),
    ("x = y : 1\ny = x : 1", "cycle"),
    ("dv/dt = -v/tau : vlt", "Unknown unit"),
    ("dt : second", "reserved"),
    ("mV : volt", "reserved"),
    ("dmetre/dt = 1/ms : 1", "reserved"),
])
def test_bad_equations(eqs, message):
    with pytest.raises(EquationError, match=message):
        Equations(eqs)


def test_variables_may_take_the_unit_names_brian2_leaves_free():
    # Brian2 reserves its registered unit names and its standard short ones
    # (mV, ms, cm2, ...), not every prefixed symbol: Brette 2012's Fig. 3CF
    # defines m2, and E_K is often written EK.
    eqs = Equations("dm2/dt = -m2/tau : 1\nEK : volt\nmS : 1")
    assert set(eqs.diff_eq_names) == {"m2"} and "EK" in eqs


def test_a_quantity_may_be_raised_to_an_expression_of_numbers():
    # Brian2's SpatialNeuron writes (area/...)**(1.0/6.0); distsim took only
    # a literal exponent.
    from distsim import meter
    from distsim.model.expressions import Expression
    dim = Expression("(x*x*x*x*x*x)**(1.0/6.0) * y**-(1/2)").dimension(
        {"x": meter.dim, "y": (meter ** 2).dim}.__getitem__)
    assert dim is DIMENSIONLESS


def test_brian2s_exprel_and_timestep():
    import numpy as np
    from distsim import ms
    from distsim.model.expressions import Expression
    x = np.array([0.0, 1e-20, -1e-17, 1.0, -2.0, 800.0])
    values = Expression("exprel(x)").evaluate({"x": x})
    assert values[0] == values[1] == values[2] == 1.0
    assert values[3] == np.expm1(1.0) and values[4] == np.expm1(-2.0) / -2.0
    assert np.isinf(values[5])
    # multiples of dt stay in their own step (Brian2's 1e-3 dt shift)
    steps = Expression("timestep(t, dt)").evaluate({"t": np.array([0.3e-3, 0.2998e-3, 1e-3]),
                                                     "dt": 0.1e-3})
    assert list(steps) == [3, 2, 10]
    dims = Expression("timestep(t, dt)").dimension(lambda name: ms.dim)
    from distsim.units import DIMENSIONLESS
    assert dims is DIMENSIONLESS


def test_equations_span_lines_as_in_brian2s_cobahh():
    from distsim.model.equations import Equations
    eqs = Equations("""
        dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) +
                 ge*(Ee-v) + gi*(Ei-v))/Cm : volt
        dm/dt = alpha_m*(1-m) - \\
                beta_m*m : 1   # a comment
        x = (a
             + b) : 1
        w : 1
    """)
    assert [eq.name for eq in eqs] == ["v", "m", "x", "w"]
    # Brian2 2.9 parses the first one to this expression
    assert eqs["v"].expr.identifiers == {"gl", "El", "v", "g_na", "m", "h", "ENa", "ge", "Ee",
                                         "gi", "Ei", "Cm"}
    import pytest
    from distsim.model.equations import EquationError
    with pytest.raises(EquationError, match="'dv/dt = -v/tau' has no unit"):
        Equations("dv/dt = -v/tau\ndw/dt = -w/tau : 1")


def test_equations_substitutions_as_in_brian2():
    # Brian2 2.9 gives '(y + 1 - x)/(10. * msecond)' and '-V/(10. * msecond)'
    from distsim import ms, second
    from distsim.model.equations import Equations
    eqs = Equations("dx/dt = (xinf - x)/tau : 1\ndv/dt = -v/tau : volt", xinf="y + 1",
                    tau=10 * ms, v="V")
    assert [eq.name for eq in eqs] == ["x", "V"]
    assert eqs["x"].expr.evaluate({"y": 2.0, "x": 1.0, "msecond": 1e-3}) == (2.0 + 1 - 1.0) / 0.01
    assert eqs["V"].expr.identifiers == {"V", "msecond"}  # tau replaced there too
    import pytest
    from distsim.model.equations import EquationError
    with pytest.raises(EquationError, match="can only be renamed"):
        Equations("dv/dt = -v/tau : volt", v=3 * second)


def test_a_function_bound_after_a_first_evaluation_is_called():
    """State updates keep each expression's function table between steps;
    binding a function (a TimedArray at the next run) must replace it."""
    from distsim.model.expressions import Expression
    from distsim.model.functions import Function
    expression = Expression("2 * x")
    assert expression.evaluate({"x": 3.0}) == 6.0
    double = Function.from_raw(lambda x: 2 * x, lambda dims, text: dims[0])
    expression = Expression("f(x) + 1", {"f": double})
    assert expression.evaluate({"x": 3.0}) == 7.0
    expression.bind_function("f", Function.from_raw(lambda x: 10 * x, lambda dims, text: dims[0]))
    assert expression.evaluate({"x": 3.0}) == 31.0
