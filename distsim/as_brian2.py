"""Run a Brian2 script unchanged: ``import brian2`` gives distsim.

    python -m distsim.as_brian2 script.py [arguments]
    distsim run script.py --as-brian2 -n 4

An import hook maps ``brian2`` and the submodules scripts import from
(``brian2.units``, ``brian2.units.constants``, ``brian2.core.functions``,
``brian2.devices.device``, ``brian2.only``...) onto distsim's modules. A
submodule distsim does not have is an ImportError that names it. The hook is
installed only by this entry point, so an installed Brian2 stays importable
everywhere else.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import runpy
import sys
import types

#: Brian2 module -> the distsim module that serves it.
MODULES = {
    "brian2": "distsim",
    "brian2.only": "distsim.only",
    "brian2.units": "distsim.units",
    "brian2.units.allunits": "distsim.units.allunits",
    "brian2.units.stdunits": "distsim.units",
    "brian2.units.fundamentalunits": "distsim.units",
    "brian2.units.constants": "distsim.units.constants",
    "brian2.core": "distsim.core",
    "brian2.core.functions": "distsim.model.functions",
    "brian2.core.network": "distsim.network",
    "brian2.core.magic": "distsim.core.registry",
    "brian2.devices": "distsim.core.devices",
    "brian2.devices.device": "distsim.core.devices",
    "brian2.equations": "distsim.model.equations",
    "brian2.equations.equations": "distsim.model.equations",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``brian2...`` and loads the mapped distsim module in its place."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "brian2" and not fullname.startswith("brian2."):
            return None
        if fullname not in MODULES:
            raise ImportError(f"distsim has no counterpart of Brian2's module '{fullname}' "
                              f"(it serves {', '.join(sorted(MODULES))})", name=fullname)
        return importlib.util.spec_from_loader(fullname, self,
                                               is_package=fullname.count(".") < 2)

    def create_module(self, spec):
        # A module of its own that reads through to distsim's: the import
        # system sets attributes on it (submodules) that must not land on
        # distsim's modules.
        return types.ModuleType(spec.name)

    def exec_module(self, module):
        target = importlib.import_module(MODULES[module.__name__])
        public = getattr(target, "__all__", None) or [
            name for name in vars(target) if not name.startswith("_")]
        module.__dict__.update((name, getattr(target, name)) for name in public)
        module.__all__ = list(public)
        module.__getattr__ = lambda name: getattr(target, name)


def install() -> None:
    """Make ``import brian2`` (and its submodules above) give distsim."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())


def main(argv: list[str] | None = None) -> None:
    """Run a script as ``__main__`` with the hook installed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        sys.exit("usage: python -m distsim.as_brian2 script.py [arguments]")
    install()
    sys.argv = argv
    sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
