"""Linked variables (Brian2's ``linked_var``): ``G.v = linked_var(H, 'v')``
makes ``G.v`` read ``H.v``."""
import numpy as np

from ..core.scheduling import CodeObject
from ..core.variableview import VariableView
from ..units import DimensionMismatchError


class LinkedVariable:
    """What ``linked_var`` returns: a variable to link to."""

    def __init__(self, group, name, index):
        self.group, self.name, self.index = group, name, index


def linked_var(group_or_variable, name=None, index=None):
    """Link a ``(linked)`` variable to another group's variable (Brian2's
    ``linked_var``): ``G.v = linked_var(H, 'v')`` or ``linked_var(H.v)``.

    Parameters
    ----------
    group_or_variable : NeuronGroup or VariableView
    name : str, optional
        The variable's name (with a group).
    index : array of int, optional
        For each neuron of the linked group, the index of the source neuron
        it reads. Without it, both groups must have the same size, or the
        source one neuron (all read it, Brian2's index "0").

    Returns
    -------
    LinkedVariable
    """
    from .population import NeuronPopulation
    if isinstance(group_or_variable, VariableView):
        if name is not None:
            raise TypeError("linked_var(G.v) takes no variable name")
        return LinkedVariable(group_or_variable.owner, group_or_variable.name, index)
    if not isinstance(group_or_variable, NeuronPopulation) or not isinstance(name, str):
        raise TypeError("linked_var takes a group and a variable name, or G.v")
    return LinkedVariable(group_or_variable, name, index)


def link_variable(group, name, index, value):
    """``group.name = value`` for a ``(linked)`` variable ``name``.

    Both groups have the same size, so each rank owns the same neurons of
    both: ``group`` uses the source's array itself (its table entry points
    there, not stored twice) and reads it live, as Brian2 does.
    """
    from .neurongroup import NeuronGroup
    owner = group.owner
    if not group._is_linked(name):
        raise TypeError(f"{group.name}: '{name}' is not declared '(linked)'")
    links = getattr(group, "_links", {})  # a Subgroup has none
    if name in links:
        source, variable = links[name]
        raise TypeError(f"{group.name}.{name} is linked to {source.name}.{variable}; "
                        "set that variable instead")
    if not isinstance(value, LinkedVariable):
        raise TypeError(f"{owner}: '{name}' is a linked variable; assign "
                        f"linked_var(group, 'variable') to it, not {type(value).__name__}")
    if not isinstance(group, NeuronGroup) or not (isinstance(index, slice) and
                                                  index == slice(None)):
        raise IndexError(f"{owner}: link '{name}' of the whole group "
                         f"({group.name}.{name} = linked_var(...))")
    source = value.group
    root = root_group(source)
    if value.name not in root._local_state:
        raise KeyError(f"{owner}: '{source.name}' has no variable '{value.name}' to link "
                       f"'{name}' to")
    expected, got = group.variables[name].dim, root.variables[value.name].dim
    if got is not expected:
        raise DimensionMismatchError(f"{owner}: '{name}' and {source.name}.{value.name} "
                                     "have different units", expected, got)
    if source is root and value.index is None and source.N == group.N and \
            not source._is_shared(value.name):
        # The same neurons of both live on each rank: share the array itself.
        group.variables.replace_array(name, source._local_state[value.name], stored=False)
    else:
        link = RemoteLink(group, name, source, value.name,
                          _source_indices(group, name, source, value))
        group.variables.replace_array(name, link.values, stored=False)
        group.variables[name].shared = link.local_indices is None
        group._remote_links[name] = link
    group._links[name] = (source, value.name)


def link_synaptic_variable(synapses, name, index, value):
    """``S.name = linked_var(G, 'x')`` for a ``(linked)`` variable of Synapses
    (Brian2's homeostatic STDP example): every synapse reads one value, of a
    group of one neuron or a shared variable, which may be a subexpression.
    Refreshed where the source may have changed (a `RemoteLink` writing the
    Synapses' one-element table entry)."""
    owner = f"Synapses '{synapses.name}'"
    if name in synapses._remote_links:
        link = synapses._remote_links[name]
        raise TypeError(f"{owner}.{name} is linked to {link.source.name}.{link.variable}; "
                        "set that variable instead")
    if not isinstance(value, LinkedVariable):
        raise TypeError(f"{owner}: '{name}' is a linked variable; assign "
                        f"linked_var(group, 'variable') to it, not {type(value).__name__}")
    if not (isinstance(index, slice) and index == slice(None)):
        raise IndexError(f"{owner}: link '{name}' of all synapses "
                         f"({synapses.name}.{name} = linked_var(...))")
    source = value.group
    root = root_group(source)
    if value.name not in root.variables or value.name in ("i", "N"):
        raise KeyError(f"{owner}: '{source.name}' has no variable '{value.name}' to link "
                       f"'{name}' to")
    if value.index is not None or not (source.N == 1 or source._is_shared(value.name)):
        raise NotImplementedError(
            f"{owner}: '{name}' can be linked to a group of one neuron or to a shared "
            f"variable (one value for all synapses), not to {source.name}.{value.name} of "
            f"{source.N} neurons; read a neuron's values in synaptic code as "
            f"{value.name}_pre or {value.name}_post")
    expected, got = synapses.variables[name].dim, root.variables[value.name].dim
    if got is not expected:
        raise DimensionMismatchError(f"{owner}: '{name}' and {source.name}.{value.name} "
                                     "have different units", expected, got)
    synapses._remote_links[name] = RemoteLink(synapses, name, source, value.name,
                                              getattr(source, "sub_start", 0),
                                              values=synapses.variables[name].values)


def root_group(group):
    """The NeuronGroup that holds a (sub)group's state."""
    return group.__dict__.get("parent", group)


def _source_indices(group, name, source, value):
    """For each neuron of ``group``, the index into ``source``'s root group
    that its variable ``name`` reads, or one index (an int) that all read
    (Brian2's index "0": a shared variable, or a source of one neuron)."""
    owner = group.owner
    offset = getattr(source, "sub_start", 0)
    if value.index is None:
        if source._is_shared(value.name) or (source.N == 1 and group.N != 1):
            return offset
        if source.N != group.N:
            raise ValueError(f"{owner}: cannot link '{name}' ({group.N} neurons) to "
                             f"{source.name}.{value.name} ({source.N} neurons) without "
                             "an index: give linked_var(..., index=...)")
        index = np.arange(group.N, dtype=np.int64)
    else:
        if isinstance(value.index, str):
            raise NotImplementedError(f"{owner}: linked_var(..., index='{value.index}') "
                                      "(an index variable) is not supported yet; give "
                                      "the indices as an array")
        index = np.asarray(value.index)
        if index.shape != (group.N,) or index.dtype.kind not in "iu":
            raise ValueError(f"{owner}: the index of the link '{name}' must be one integer "
                             f"per neuron ({group.N}), not an array of shape {index.shape}")
        if len(index) and (index.min() < 0 or index.max() >= source.N):
            raise IndexError(f"{owner}: the index of the link '{name}' goes outside "
                             f"{source.name} (0..{source.N - 1})")
        if source._is_shared(value.name):
            return offset
    return index.astype(np.int64) + offset


class RemoteLink(CodeObject):
    """A linked variable whose values live on other ranks: a local copy,
    refreshed from the source's variable before the code objects that read
    the group (`place_refreshes`), so every read sees the source's value of
    that moment, as in Brian2.

    ``run`` (and `refresh`) is collective: it gathers the source's variable
    from every rank (about once a step: a small source, as in Brian2's
    examples, costs one short allgather; a large one its whole array).
    """

    writes_other_groups = False

    def __init__(self, group, name, source, variable, indices, values=None):
        self.group, self.variable = group, variable
        self.source = root_group(source)
        self.name = f"{group.name}_link_{name}"
        # An int: every neuron reads that one source neuron.
        self.scalar_index = indices if isinstance(indices, int) else None
        self.local_indices = None if self.scalar_index is not None else \
            indices[group.local_indices]
        # The local copy; a linked variable of Synapses gives its one-element
        # table entry, which synaptic code reads as a shared variable.
        self.values = np.zeros(group.n_local, dtype=group.variables[name].dtype) \
            if values is None else values

    #: Where a subexpression source finds its constants (set before each run).
    run_namespace = None

    def refresh(self) -> None:
        """Copy the source's current values into the local copy. Collective."""
        source = self.source
        local = source.subexpression_values(self.variable, self.run_namespace or {}) \
            if source._is_subexpression(self.variable) else source._local_state[self.variable]
        everything = source.gather_local(np.ascontiguousarray(local, dtype=np.float64))
        if self.local_indices is None:
            self.values[:] = everything[self.scalar_index]
        else:
            self.values[:] = everything[self.local_indices]

    def run(self, step, t, dt):
        self.refresh()


def place_refreshes(schedule, groups):
    """``schedule`` with each remote link's refresh before the code objects
    that may read its group (the group's own code, Synapses from or to it,
    monitors of it, network operations), where the source's variable may
    have changed since the last refresh (a code object that may write the
    source ran in between, over the step's cycle). Refreshes every link now
    (the values at the start of the run). Collective."""
    links = [link for g in groups for link in g._remote_links.values()]
    before = {}  # position in schedule -> links refreshed there
    for link in links:
        link.refresh()
        changed = False
        for _ in range(2):  # the second pass sees the previous step's writes
            for position, code in enumerate(schedule):
                if changed and _touches(code, link.group):
                    before.setdefault(position, []).append(link)
                    changed = False
                if _touches(code, link.source):
                    changed = True
    placed = []
    for position, code in enumerate(schedule):
        placed.extend(dict.fromkeys(before.get(position, ())))
        placed.append(code)
    return placed


def _touches(code, group):
    """Whether ``code`` may read or write the variables of ``group``."""
    if getattr(code, "touches_every_group", False):
        return True
    owner = getattr(code, "group", None)
    if owner is not None and root_group(owner) is group:
        return True
    synapses = getattr(code, "synapses", None)
    if synapses is not None and group in (synapses, root_group(synapses.source),
                                          root_group(synapses.target)):
        return True
    monitor = getattr(code, "monitor", None)
    source = getattr(monitor, "source", None)
    return source is not None and root_group(source) is group
