"""Preferences (Brian2's ``prefs``): ``prefs.codegen.target = 'numpy'`` or
``prefs['codegen.target'] = 'numpy'``.

Every preference Brian2 2.9 registers exists, with Brian2's default, so a
script that sets one runs. Those that decide what distsim computes are
checked when set:

- ``codegen.target``: 'auto' or 'cython' (default: 'auto') runs the compiled
  loops where a model allows them (generated kernels, the compiled exact
  step); 'numpy' evaluates every piece of code with numpy. Both compute the
  same values (the tests compare them). Read when a run is prepared.
- ``core.default_float_dtype``: distsim computes in float64; float32 is
  accepted with a warning that says so.
- ``core.network.default_schedule`` and ``legacy.refractory_timing``: only
  Brian2's defaults (another value would silently change the model).

The others (compiler flags, the standalone project, Brian2's log files)
concern machinery distsim does not have; they are kept and have no effect.
"""
from __future__ import annotations

import warnings

import numpy as np

TARGETS = ("auto", "cython", "numpy")
DEFAULT_SCHEDULE = ["start", "groups", "thresholds", "synapses", "resets", "end"]

#: Brian2 2.9's preferences and their defaults (``prefs.keys()`` there).
BRIAN2_DEFAULTS = {
    "GSL.directory": None,
    "codegen.cpp.compiler": "",
    "codegen.cpp.define_macros": [],
    "codegen.cpp.extra_compile_args": None,
    "codegen.cpp.extra_compile_args_gcc": ["-w", "-O3", "-ffast-math", "-fno-finite-math-only",
                                           "-march=native", "-std=c++11"],
    "codegen.cpp.extra_compile_args_msvc": ["/Ox", "/w", "", "/MP"],
    "codegen.cpp.extra_link_args": [],
    "codegen.cpp.headers": [],
    "codegen.cpp.include_dirs": [],
    "codegen.cpp.libraries": [],
    "codegen.cpp.library_dirs": [],
    "codegen.cpp.msvc_architecture": "",
    "codegen.cpp.msvc_vars_location": "",
    "codegen.cpp.runtime_library_dirs": [],
    "codegen.generators.cpp.flush_denormals": False,
    "codegen.generators.cpp.restrict_keyword": "__restrict",
    "codegen.loop_invariant_optimisations": True,
    "codegen.max_cache_dir_size": 1000,
    "codegen.runtime.cython.cache_dir": None,
    "codegen.runtime.cython.delete_source_files": True,
    "codegen.runtime.cython.multiprocess_safe": True,
    "codegen.runtime.numpy.discard_units": False,
    "codegen.string_expression_target": "numpy",
    "codegen.target": "auto",
    "core.default_float_dtype": np.float64,
    "core.default_integer_dtype": np.int32,
    "core.network.default_schedule": list(DEFAULT_SCHEDULE),
    "core.outdated_dependency_error": True,
    "core.stop_on_keyboard_interrupt": True,
    "devices.cpp_standalone.extra_make_args_unix": ["-j"],
    "devices.cpp_standalone.extra_make_args_windows": [],
    "devices.cpp_standalone.make_cmd_unix": "make",
    "devices.cpp_standalone.openmp_spatialneuron_strategy": None,
    "devices.cpp_standalone.openmp_threads": 0,
    "devices.cpp_standalone.run_cmd_unix": "./main",
    "devices.cpp_standalone.run_environment_variables": {"LD_BIND_NOW": "1"},
    "legacy.refractory_timing": False,
    "logging.console_log_level": "INFO",
    "logging.delete_log_on_exit": True,
    "logging.display_brian_error_message": True,
    "logging.file_log": True,
    "logging.file_log_level": "DEBUG",
    "logging.file_log_max_size": 10000000,
    "logging.save_script": True,
    "logging.std_redirection": True,
    "logging.std_redirection_to_file": True,
}


def _check_target(value):
    if value not in TARGETS:
        raise ValueError(f"prefs.codegen.target must be one of {TARGETS}, got {value!r}")


def _check_float_dtype(value):
    if np.dtype(value) != np.float64:
        warnings.warn(f"prefs.core.default_float_dtype = {np.dtype(value).name}: distsim "
                      "computes in float64 (values differ from a float32 run in the last "
                      "digits)", UserWarning, stacklevel=4)


def _only_default(name):
    def check(value):
        if value != BRIAN2_DEFAULTS[name]:
            raise NotImplementedError(
                f"prefs.{name} = {value!r} is not supported by distsim (only Brian2's default "
                f"{BRIAN2_DEFAULTS[name]!r}): it would change the model's schedule")
    return check


_CHECKS = {
    "codegen.target": _check_target,
    "core.default_float_dtype": _check_float_dtype,
    "core.network.default_schedule": _only_default("core.network.default_schedule"),
    "legacy.refractory_timing": _only_default("legacy.refractory_timing"),
}


class _Section:
    """``prefs.codegen`` and deeper: attribute access below a prefix."""

    def __init__(self, preferences, prefix):
        object.__setattr__(self, "_preferences", preferences)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, key):
        return self._preferences[f"{self._prefix}.{key}"]

    def __setattr__(self, key, value):
        self._preferences[f"{self._prefix}.{key}"] = value

    def __repr__(self):
        found = {k: v for k, v in self._preferences.items()
                 if k.startswith(self._prefix + ".")}
        return f"prefs.{self._prefix}: {found}"


class Preferences:
    """distsim's preferences, named as Brian2 names them."""

    def __init__(self):
        object.__setattr__(self, "_values", {})
        self.reset_to_defaults()

    def reset_to_defaults(self) -> None:
        """Every preference back to its default."""
        self._values.clear()
        self._values.update((k, list(v) if isinstance(v, list) else v)
                            for k, v in BRIAN2_DEFAULTS.items())

    def _is_section(self, name):
        return any(k.startswith(name + ".") for k in self._values)

    def __getitem__(self, name):
        if name in self._values:
            return self._values[name]
        if self._is_section(name):
            return _Section(self, name)
        raise KeyError(f"there is no preference '{name}' (Brian2 2.9's preferences are "
                       "distsim's)")

    def __setitem__(self, name, value):
        if name not in self._values:
            raise KeyError(f"there is no preference '{name}' (Brian2 2.9's preferences are "
                           "distsim's)")
        check = _CHECKS.get(name)
        if check is not None:
            check(value)
        self._values[name] = value

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError as error:
            raise AttributeError(error.args[0]) from None

    def __setattr__(self, key, value):
        self[key] = value

    def items(self):
        return self._values.items()

    def keys(self):
        return self._values.keys()


prefs = Preferences()


def compiled_target() -> bool:
    """Whether compiled loops may run (``prefs.codegen.target`` is not 'numpy')."""
    return prefs["codegen.target"] != "numpy"
