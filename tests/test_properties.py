"""Property-based tests of the parsers and of connect(): any input gives a
result or a clean distsim error (a ValueError, TypeError, SyntaxError, IndexError,
KeyError or NotImplementedError of distsim's or Python's own, with a
message), never another exception, a crash or a hang.

The examples are derandomized (the same ones on every run) and bounded, so
CI is deterministic and fast; raise ``DISTSIM_HYPOTHESIS_EXAMPLES`` and set
``DISTSIM_HYPOTHESIS_SEARCH=1`` (random examples) to search longer locally.
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import distsim
from distsim import NeuronGroup, Synapses, ms, run
from distsim.model.equations import Equations
from distsim.model.expressions import Expression

CLEAN_ERRORS = (ValueError, TypeError, SyntaxError, KeyError, IndexError, NotImplementedError)
EXAMPLES = int(os.environ.get("DISTSIM_HYPOTHESIS_EXAMPLES", "150"))
SEARCH = os.environ.get("DISTSIM_HYPOTHESIS_SEARCH") == "1"
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=not SEARCH, database=None,
                    suppress_health_check=list(HealthCheck))


def result_or_clean_error(action, clean=CLEAN_ERRORS):
    """Run ``action()``; an exception must be a clean one, raised by distsim
    or Python itself (not by a library distsim uses), with a message."""
    try:
        return action()
    except clean as error:
        module = type(error).__module__
        assert module == "builtins" or module.startswith("distsim"), \
            f"{type(error).__module__}.{type(error).__name__} leaked: {error}"
        assert str(error).strip(), f"{type(error).__name__} without a message"
        return None


# -- text built from the pieces of the language (most examples are near misses) --
NAMES = st.sampled_from(["v", "w", "x", "ge", "tau", "I", "t", "dt", "i", "j", "N", "xi",
                         "lastspike", "not_refractory", "v_post", "x_pre", "exp", "sin",
                         "rand", "randn", "clip", "int", "exprel", "foo", "_x", "v2"])
NUMBERS = st.sampled_from(["0", "1", "2.5", "-1", "1e-3", "1e308", "0.0", "3", "1e400"])
UNITS = st.sampled_from(["volt", "mV", "ms", "second", "1", "amp", "nS", "siemens", "Hz",
                         "radian", "furlong", "volt/second", "mV**2", "metre**-1", ""])
OPERATORS = st.sampled_from([" + ", " - ", "*", "/", "**", " < ", " > ", " == ", " and ",
                             " or ", "%", "//", " += ", " = ", ", ", " if ", " else "])
PUNCTUATION = st.sampled_from(["(", ")", ":", "\n", " ", ",", "[", "]", "'", "#", "\\", ";",
                               "not ", "lambda", "[0]", ".v", "(unless refractory)",
                               "(constant)", "(shared)", "(event-driven)", "(summed)",
                               "(clock-driven)", "(sometimes)"])
TOKENS = st.one_of(NAMES, NUMBERS, OPERATORS, PUNCTUATION, UNITS.map(lambda u: "*" + u))
TOKEN_TEXT = st.lists(TOKENS, max_size=14).map("".join)
ANY_TEXT = st.text(max_size=40)
EXPRESSION_TEXT = st.one_of(TOKEN_TEXT, ANY_TEXT)


@st.composite
def equation_lines(draw):
    """One line of a model: near a valid equation, with random pieces."""
    name = draw(NAMES)
    kind = draw(st.sampled_from(["d{}/dt = {} : {}", "{} = {} : {}", "{} : {}{}", "{}{}{}"]))
    rhs = draw(EXPRESSION_TEXT)
    unit = draw(UNITS)
    flags = draw(st.sampled_from(["", " (unless refractory)", " (constant)", " (shared)",
                                  " (constant over dt)", " (linked)", " (bogus)"]))
    if kind.startswith("d{}"):
        return kind.format(name, rhs, unit) + flags
    if kind.startswith("{} = "):
        return kind.format(name, rhs, unit) + flags
    return kind.format(name, draw(st.sampled_from(["", " ", ":"])), unit) + flags


MODELS = st.one_of(st.lists(equation_lines(), min_size=1, max_size=4).map("\n".join),
                   TOKEN_TEXT, ANY_TEXT)


@pytest.fixture(autouse=True)
def numpy_target_and_a_memory_limit(monkeypatch):
    # The properties are about parsing and checking; the numpy target runs
    # the same code without compiling a kernel per example. Connect calls
    # asking for billions of synapses are refused by the memory check.
    distsim.prefs.codegen.target = "numpy"
    monkeypatch.setenv("DISTSIM_MEMORY_LIMIT", "1G")
    yield


@PROPERTY
@given(model=MODELS, method=st.sampled_from([None, "euler", "exact", "rk4", "heun",
                                             "exponential_euler"]))
def test_any_model_gives_a_group_or_a_clean_error(model, method):
    distsim.start_scope()
    kwargs = {} if method is None else {"method": method}

    def build_and_step():
        Equations(model)
        G = NeuronGroup(3, model, **kwargs)
        run(0.2 * ms)
        return G
    result_or_clean_error(build_and_step)


@PROPERTY
@given(code=EXPRESSION_TEXT)
def test_any_expression_gives_values_or_a_clean_error(code):
    distsim.start_scope()
    G = NeuronGroup(4, "v : volt\nx : 1\ntau : second")

    def parse_and_evaluate():
        Expression(code)
        G.x = code
        return G.x[:]
    result_or_clean_error(parse_and_evaluate)
    result_or_clean_error(lambda: G.v.__setitem__(slice(None), code))
    result_or_clean_error(lambda: G.x[code])


@PROPERTY
@given(threshold=st.one_of(st.none(), EXPRESSION_TEXT),
       reset=st.one_of(st.none(), st.lists(st.one_of(EXPRESSION_TEXT, TOKEN_TEXT.map(
           lambda t: "v = " + t), TOKEN_TEXT.map(lambda t: "x += " + t)), max_size=3).map(
           "\n".join)),
       refractory=st.one_of(st.none(), st.just(1 * ms), EXPRESSION_TEXT))
def test_any_threshold_reset_and_refractory_give_a_group_or_a_clean_error(threshold, reset,
                                                                           refractory):
    distsim.start_scope()
    kwargs = {"threshold": threshold, "reset": reset}
    if refractory is not None:
        kwargs["refractory"] = refractory

    def build_and_step():
        G = NeuronGroup(3, "dv/dt = (2 - v)/(10*ms) : 1 (unless refractory)\nx : 1",
                        method="exact", **kwargs)
        run(1 * ms)
        return G
    result_or_clean_error(build_and_step)


@PROPERTY
@given(on_pre=st.one_of(st.none(), EXPRESSION_TEXT, TOKEN_TEXT.map(lambda t: "v_post += " + t)),
       model=st.one_of(st.just("w : 1"), st.just(""), TOKEN_TEXT))
def test_any_synaptic_statements_give_synapses_or_a_clean_error(on_pre, model):
    distsim.start_scope()
    G = NeuronGroup(4, "dv/dt = (2 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                    method="exact")

    def build_and_step():
        S = Synapses(G, G, model, on_pre=on_pre)
        S.connect(j="i")
        run(1 * ms)
        return S
    result_or_clean_error(build_and_step)


CONNECT_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 12), st.floats(allow_nan=True),
    EXPRESSION_TEXT, st.lists(st.integers(-3, 12), max_size=6),
    st.lists(st.integers(-3, 12), max_size=6).map(np.array),
    st.sampled_from(["i", "i+1", "k for k in range(i-1, i+2)", "k for k in range(3) if k != i",
                     "k for k in sample(N_post, p=0.5)", "i != j", "abs(i-j) < 2",
                     "exp(-abs(i-j))", "v_pre > 0", "1*ms", "j", "N_post", "0.5"]))


@PROPERTY
@given(condition=CONNECT_VALUES, i=CONNECT_VALUES, j=CONNECT_VALUES, p=CONNECT_VALUES,
       n=CONNECT_VALUES, fixed=st.one_of(st.none(), st.integers(-2, 30), st.floats()))
def test_any_connect_arguments_give_synapses_or_a_clean_error(condition, i, j, p, n, fixed):
    distsim.start_scope()
    G = NeuronGroup(10, "v : 1")
    S = Synapses(G, G, "w : 1", on_pre="v_post += w")
    kwargs = {name: value for name, value in
              dict(condition=condition, i=i, j=j, p=p, n=n, fixed_total_number=fixed).items()
              if value is not None}

    def connect_and_count():
        S.connect(**kwargs)
        total = len(S)
        assert total == len(S.i[:]) == len(S.j[:])
        assert np.all((S.i[:] >= 0) & (S.i[:] < 10) & (S.j[:] >= 0) & (S.j[:] < 10))
        return total
    # A call asking for more synapses than the memory holds: distsim's
    # MemoryError (a plain one, with its message), before drawing any.
    result_or_clean_error(connect_and_count, CLEAN_ERRORS + (MemoryError,))
