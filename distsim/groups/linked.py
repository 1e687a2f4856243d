"""Linked variables (Brian2's ``linked_var``): ``G.v = linked_var(H, 'v')``
makes ``G.v`` read ``H.v``."""
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
    index : optional
        Not supported yet (raises when linked).

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
    if value.index is not None or not isinstance(source, NeuronGroup) or source.N != group.N:
        raise NotImplementedError(
            f"{owner}: '{name}' can be linked to a variable of a whole NeuronGroup of the "
            f"same size ({group.N}) only; an index= or a subgroup is not supported yet")
    if value.name not in source._local_state or source._is_shared(value.name):
        raise KeyError(f"{owner}: '{source.name}' has no per-neuron variable "
                       f"'{value.name}' to link '{name}' to")
    expected, got = group.variables[name].dim, source.variables[value.name].dim
    if got is not expected:
        raise DimensionMismatchError(f"{owner}: '{name}' and {source.name}.{value.name} "
                                     "have different units", expected, got)
    group.variables.replace_array(name, source._local_state[value.name], stored=False)
    group._links[name] = (source, value.name)
