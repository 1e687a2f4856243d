"""Preferences (Brian2's ``prefs``): ``prefs.codegen.target = 'numpy'``.

``codegen.target``: 'cython' (default) runs the compiled loops where a
model allows them (generated kernels, the compiled exact step); 'numpy'
evaluates every piece of code with numpy. Both compute the same values (the
tests compare them); numpy is slower and needs no compiler. Read when a run
is prepared.
"""

TARGETS = ("cython", "numpy")


class _Section:
    def __init__(self, name, **defaults):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(defaults))

    def __getattr__(self, key):
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"prefs.{self._name} has no preference '{key}'") from None

    def __setattr__(self, key, value):
        if key not in self._values:
            raise AttributeError(f"prefs.{self._name} has no preference '{key}'")
        if self._name == "codegen" and key == "target" and value not in TARGETS:
            raise ValueError(f"prefs.codegen.target must be one of {TARGETS}, got {value!r}")
        self._values[key] = value

    def __repr__(self):
        return f"prefs.{self._name}: {self._values}"


class Preferences:
    """distsim's preferences, by section."""

    def __init__(self):
        self.codegen = _Section("codegen", target="cython")


prefs = Preferences()


def compiled_target() -> bool:
    """Whether compiled loops may run (``prefs.codegen.target == 'cython'``)."""
    return prefs.codegen.target == "cython"
