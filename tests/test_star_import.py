"""``from distsim import *`` gives what ``from brian2 import *`` takes from
pylab (numpy's and pyplot's names: linspace, rand, plot, np, ...), the same
objects, checked against the names Brian2 2.9 itself gives
(tests/reference/brian2_star_import.json, made by the script beside it)."""
import json
import os

import pylab

REFERENCE = os.path.join(os.path.dirname(__file__), "reference", "brian2_star_import.json")

# Where distsim's own name replaces pylab's (Brian2 leaves pylab's there):
# distsim's results-file functions, the unit TH (teraHenry; pylab's TH
# is dateutil's Thursday), and sum (numpy's, also summing a generator as
# the numpy < 2.4 under Brian2 2.9 does).
DISTSIM_OWN = {"save", "load", "TH", "sum"}


def _star(module):
    namespace = {}
    exec(f"from {module} import *", namespace)
    return namespace


def test_the_star_import_gives_brian2s_pylab_names_bound_to_the_same_objects():
    with open(REFERENCE) as handle:
        origins = json.load(handle)["names"]
    from_pylab = {name for name, origin in origins.items() if origin == "pylab"}
    assert len(from_pylab) > 800  # numpy's, its fft/linalg/random and pyplot's names
    # Brian2 2.9 runs on numpy < 2.4 (which still had in1d and trapz):
    # compare the names this numpy and matplotlib have.
    from_pylab = {name for name in from_pylab if hasattr(pylab, name)}
    assert len(from_pylab) > 800
    namespace = _star("distsim")
    missing = sorted(name for name in from_pylab if name not in namespace)
    assert not missing, missing
    different = {name for name in from_pylab if namespace[name] is not getattr(pylab, name)}
    assert different == DISTSIM_OWN
    import distsim
    assert namespace["save"] is distsim.save and namespace["seed"] is distsim.seed
    for name in ("linspace", "rand", "randn", "plot", "show", "exp", "arange", "zeros"):
        assert namespace[name] is getattr(pylab, name)
    assert namespace["np"].__name__ == "numpy"


def test_distsim_only_gives_distsims_names_alone():
    namespace = _star("distsim.only")
    assert "NeuronGroup" in namespace and "ms" in namespace and "run" in namespace
    assert "linspace" not in namespace and "plot" not in namespace and "np" not in namespace


def test_sum_from_the_star_import_sums_a_generator_as_under_brian2():
    # numpy < 2.4 (Brian2 2.9's) sums a generator with Python's sum (with a
    # DeprecationWarning); numpy 2.4 raises. Brian2's float_32_64_benchmark
    # example returns sum(t for name, t in net.profiling_info).
    namespace = _star("distsim")
    assert namespace["sum"](x * 0.5 for x in range(4)) == 3.0
    assert list(namespace["sum"]([[1, 2], [3, 4]], axis=0)) == [4, 6]
