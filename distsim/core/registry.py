"""The objects of the current scope, as Brian2's magic network sees them.

The registry holds weak references: an object the script no longer reaches
(a network built in a loop, the previous iteration's) is not simulated, as in
Brian2. Unlike Brian2's frame-based ``collect()``, an object is found wherever
the script keeps it (lists, dicts, attributes, other objects), the pitfall of
the seed thread. Which objects are alive is decided after a full garbage
collection (`alive_objects`), so every rank decides the same.
"""
import gc
import itertools
import re
import sys
import weakref

_objects = []       # weak references, in creation order
_names_used = set()  # every name given in this scope ('*' names are never reused)
_name_counters = {}
# What other layers forget at start_scope() (neuron id offsets, queued
# construction): they register here, so the registry imports none of them.
_scope_reset_hooks = []
_release_hooks = []


_unrun = {}      # id of an object's weak reference -> its description, until it runs
_dropped = []    # descriptions of objects that went away before they ever ran


_registered = itertools.count(1)
_last_registration = 0   # grows with every object registered in any scope


def register(obj):
    global _last_registration
    _last_registration = next(_registered)
    ref = weakref.ref(obj, _on_drop)
    _objects.append(ref)
    _unrun[id(ref)] = f"{type(obj).__name__} '{obj.name}'"
    obj._registry_key = id(ref)


def _on_drop(ref):
    description = _unrun.pop(id(ref), None)
    if description is not None:
        _dropped.append(description)


def mark_run(obj):
    """``obj`` takes part in a run (it is no longer a candidate for the
    warning of `dropped_before_running`)."""
    _unrun.pop(getattr(obj, "_registry_key", None), None)


def dropped_before_running():
    """The objects that went away before they ever ran (the script kept no
    reference to them), since the last call: Brian2 does not simulate them
    either, but silently."""
    found = list(_dropped)
    _dropped.clear()
    return found


def registered_objects():
    """The objects of this scope still alive, in creation order (without a
    garbage collection: what is alive may still differ between ranks; see
    `alive_objects`)."""
    alive = [ref() for ref in _objects]
    _objects[:] = [ref for ref, obj in zip(_objects, alive) if obj is not None]
    return [obj for obj in alive if obj is not None]


def registrations() -> int:
    """A number that grows whenever an object is created: unchanged, no
    object can have appeared (the same on every rank: every rank creates the
    same objects)."""
    return _last_registration


def alive_objects():
    """The objects of this scope the script can still reach, in creation
    order. Runs a full garbage collection first, so that every rank (running
    the same script) finds the same objects: call it on every rank."""
    # A function frame's f_locals dict (Python < 3.13) is a snapshot taken
    # when it was last read (by caller_namespace): it may still hold an
    # object the function has since rebound. Refresh the snapshots first.
    frame = sys._getframe(1)
    while frame is not None:
        frame.f_locals  # noqa: B018 - the read refreshes the snapshot
        frame = frame.f_back
    gc.collect()
    return registered_objects()


def on_release(hook):
    """Call ``hook()`` before deciding that an object is still alive (work a
    layer queued, which holds its objects, runs first)."""
    _release_hooks.append(hook)


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
    _unrun.clear()
    _dropped.clear()
    _names_used.clear()
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
        # A name may be given again once its object is gone (Brian2); whether
        # it is gone is decided after a garbage collection (the same on every
        # rank).
        if name in _names_used and any(o.name == name for o in alive_objects()):
            # Queued work (connect() not yet built) may be what keeps the old
            # object alive: build it (all ranks create objects in the same
            # order, so this is collective-safe), then look again.
            for hook in _release_hooks:
                hook()
            if any(o.name == name for o in alive_objects()):
                raise ValueError(f"An object with name {name!r} already exists")
        _names_used.add(name)
        return name
    base = name[:-1]
    counter = _name_counters.setdefault(base, itertools.count())
    while True:
        k = next(counter)
        candidate = base if k == 0 else f"{base}_{k}"
        if candidate not in _names_used:
            _names_used.add(candidate)
            return candidate


def collect(level=0):
    """The objects ``run()`` would simulate: those created since the last
    ``start_scope()`` that the script can still reach. Collective (a garbage
    collection on every rank).

    Returns
    -------
    list
        Use as ``Network(collect())``.
    """
    return alive_objects()
