"""Every simulation object created is registered here, so that ``run()``
simulates all of them, also those kept only in lists or dicts (the pitfall
of Brian2's frame-based ``collect()`` in the seed thread)."""
import itertools
import re

_objects = []
_name_counters = {}
# What other layers forget at start_scope() (neuron id offsets, queued
# construction): they register here, so the registry imports none of them.
_scope_reset_hooks = []


def register(obj):
    _objects.append(obj)


def registered_objects():
    return list(_objects)


def on_start_scope(hook):
    """Call ``hook()`` at every ``start_scope()`` (for state a layer keeps
    about the objects of the current scope)."""
    _scope_reset_hooks.append(hook)


def start_scope():
    """Forget all objects created so far and start time at 0 again (Brian2's
    ``start_scope``: the new objects have never run). Every rank calls it."""
    from .clock import defaultclock
    for hook in _scope_reset_hooks:
        hook()
    _objects.clear()
    _name_counters.clear()
    defaultclock.timestep = 0


def unique_name(name):
    """Brian2's naming: ``'neurongroup*'`` becomes neurongroup, neurongroup_1, ...

    Names are assigned in creation order, which is the same on every rank, so
    they can key random streams and name populations in the output file.
    """
    if not name.endswith("*"):
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ValueError(f"{name!r} is not a valid object name")
        if any(getattr(o, "name", None) == name for o in _objects):
            raise ValueError(f"An object with name {name!r} already exists")
        return name
    base = name[:-1]
    taken = {getattr(o, "name", None) for o in _objects}
    counter = _name_counters.setdefault(base, itertools.count())
    while True:
        k = next(counter)
        candidate = base if k == 0 else f"{base}_{k}"
        if candidate not in taken:
            return candidate


def collect():
    """All objects created since the last ``start_scope()``.

    Returns
    -------
    list
        Use as ``Network(collect())``.
    """
    return registered_objects()
