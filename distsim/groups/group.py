"""What neuron groups and synapses share: variable access through the
object's variable table (``G.v``, ``G.v = ...``, ``G.v_`` without units)."""
import numpy as np

from ..core.base import SimulationObject
from ..core.variableview import VariableView
from ..units import DIMENSIONLESS, DimensionMismatchError, Quantity, get_dimensions


class Group(SimulationObject):
    """Base of NeuronGroup, Subgroup and Synapses.

    Subclasses create ``self.variables`` (a `distsim.core.variables.Variables`
    table) and implement ``get_variable(name, index)`` and
    ``set_variable(name, index, value, raw=False)``.
    """

    # The table's live view: name -> this rank's array.
    @property
    def _local_state(self):
        return self.__dict__["variables"].arrays

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        table = self.__dict__.get("variables")
        if table is not None:
            if name in table:
                return VariableView(self, name)
            if name.endswith("_") and name[:-1] in table:
                return VariableView(self, name[:-1], raw=True)
        raise AttributeError(f"{type(self).__name__} '{self.__dict__.get('name')}' has no "
                             f"attribute or variable '{name}'")

    def __setattr__(self, name, value):
        table = self.__dict__.get("variables")
        if table is not None and not name.startswith("_"):
            if name in table:
                self.set_variable(name, slice(None), value)
                return
            if name.endswith("_") and name[:-1] in table:
                self.set_variable(name[:-1], slice(None), value, raw=True)
                return
            if self.__dict__.get("_frozen") and name not in self.__dict__ \
                    and not hasattr(type(self), name):
                raise AttributeError(f"{type(self).__name__} '{self.name}' has no variable "
                                     f"'{name}'; variables are defined in its equations")
        object.__setattr__(self, name, value)

    def _with_units(self, name, values):
        dim = self.variables[name].dim
        return Quantity(values, dim) if dim is not DIMENSIONLESS and values.dtype.kind == "f" \
            else values

    def _check_value_units(self, name, value):
        dim = self.variables[name].dim
        if get_dimensions(value) is not dim:
            bare = not isinstance(value, Quantity) and np.all(np.asarray(value) == 0)
            if not bare:
                raise DimensionMismatchError(
                    f"{self.name}.{name} = ...: the value has the wrong units", dim,
                    get_dimensions(value))
