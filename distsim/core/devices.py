"""Brian2's devices (``set_device``, ``device``, ``get_device``).

distsim has one way of running a model: its own runtime, generated Cython
kernels on every MPI rank. Brian2 scripts choose a device; the runtime device
is what distsim is. A standalone device (``cpp_standalone``,
``cuda_standalone``, ``genn``) cannot be had: distsim says so in a warning
that names the difference and runs the model in its own mode, with the same
results (each ``run()`` simulates at once; ``device.build()`` then has nothing
left to do, and no project directory is written).
"""
from __future__ import annotations

import warnings

STANDALONE = ("cpp_standalone", "cuda_standalone", "genn")


class Device:
    """A Brian2 device name, run by distsim's runtime.

    Parameters
    ----------
    name : str
        The device name the script chose.
    """

    def __init__(self, name: str):
        self.name = name
        self.build_on_run = True
        self.build_options: dict = {}
        self.has_been_run = False

    def activate(self, build_on_run: bool = True, **kwargs) -> None:
        """Make this the device of later runs (Brian2's signature)."""
        self.build_on_run = build_on_run
        self.build_options = dict(kwargs)

    def build(self, **kwargs) -> None:
        """Nothing to do: distsim simulated each ``run()`` when it was called."""
        return None

    def reinit(self) -> None:
        """Nothing to reset: distsim keeps no generated project."""
        return None

    def delete(self, *args, **kwargs) -> None:
        """Nothing to delete: distsim writes no project directory."""
        return None

    def seed(self, seed=None) -> None:
        """Set the seed of the random numbers (Brian2's ``device.seed``)."""
        from .random import seed as set_seed
        set_seed(seed)

    def __repr__(self):
        return f"<{type(self).__name__} '{self.name}' (run by distsim's runtime)>"


class RuntimeDevice(Device):
    """Brian2's default device: what distsim runs."""

    def __init__(self):
        super().__init__("runtime")


class StandaloneStandIn(Device):
    """A standalone device name: runs as distsim's runtime (see the module)."""


runtime_device = RuntimeDevice()
_active: Device = runtime_device
_previous: list[Device] = []


def get_device() -> Device:
    """The active device."""
    return _active


def _device_for(name_or_device) -> Device:
    if isinstance(name_or_device, Device):
        return name_or_device
    if name_or_device == "runtime":
        return runtime_device
    if name_or_device in STANDALONE:
        warnings.warn(
            f"set_device('{name_or_device}'): distsim runs the model in its own mode (compiled "
            "kernels on MPI ranks) with the same results; no standalone project is generated "
            "and each run() simulates when it is called", UserWarning, stacklevel=3)
        return StandaloneStandIn(name_or_device)
    raise ValueError(f"set_device: unknown device {name_or_device!r} (Brian2's are 'runtime', "
                     f"{', '.join(repr(n) for n in STANDALONE)})")


def set_device(device, build_on_run: bool = True, **kwargs) -> None:
    """Choose the device of later runs (Brian2's ``set_device``)."""
    global _active
    chosen = _device_for(device)
    _previous.append(_active)
    _active = chosen
    chosen.activate(build_on_run=build_on_run, **kwargs)


def reset_device(device=None) -> None:
    """Go back to the previous device (or to ``device``)."""
    global _active
    if device is not None:
        _active = _device_for(device)
    else:
        _active = _previous.pop() if _previous else runtime_device


def reinit_devices() -> None:
    """Reinitialise every device (nothing to do in distsim) and go back to
    the default clock's dt, as Brian2 does."""
    from .clock import DEFAULT_DT, defaultclock
    defaultclock.dt = DEFAULT_DT


class _ActiveDevice:
    """``device``: reads through to the active device, as Brian2's proxy."""

    def __getattr__(self, name):
        return getattr(_active, name)

    def __repr__(self):
        return repr(_active)


device = _ActiveDevice()
