"""The variable table: every fact about an object's variables in one place.

Each group, synapse object, input and monitor declares its variables in a
`Variables` table: name, dimension, dtype, whether it is one value for the
whole object (``shared``) or one per element, whether the script may write
it, whether it is part of the state a run must carry on with (``stored``:
what a checkpoint saves), and where this rank's values live. Unit checks,
name resolution, code generation, monitors, the results file and checkpoints
read it; nothing else keeps a second list of an object's variables.

Values live in one of three places:

- an array the table holds (a neuron variable: this rank's block);
- an array another structure owns and may replace (a synapse variable: the
  synapse store reallocates as synapses are added), given as a function;
- nowhere: values computed on demand (``i``, ``j``, ``N_incoming``...), marked
  ``derived``; their owner computes them.

Knows nothing of MPI: the values are this rank's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping

import numpy as np

from ..units import Dimension

#: The dtypes of Brian2's variable types.
DTYPES = {"float": np.float64, "boolean": np.bool_, "integer": np.int64}


def dtype_for(var_type: str) -> type:
    """numpy dtype of a Brian2 variable type ('float', 'boolean', 'integer')."""
    return DTYPES[var_type]


@dataclass
class Variable:
    """One variable of an object.

    Attributes
    ----------
    name : str
    dim : Dimension
        Its physical dimension (the one source of a variable's unit).
    dtype : numpy dtype
    owner : str
        Name of the object that declares it.
    shared : bool
        One value for all elements (Brian2's ``(shared)``).
    read_only : bool
        The script cannot assign it (``i``, ``lastspike``, ``lastupdate``...).
    stored : bool
        Part of the state a run carries on with (what a checkpoint saves);
        False for derived values and aliases of another object's arrays.
    derived : bool
        Computed from other state on demand; ``values`` is not available.
    flags : tuple of str
        The equation's flags (``constant``, ``unless refractory``...).
    """

    name: str
    dim: Dimension
    dtype: type
    owner: str
    shared: bool = False
    read_only: bool = False
    stored: bool = True
    derived: bool = False
    flags: tuple = ()
    _array: np.ndarray | None = field(default=None, repr=False)
    _locate: Callable[[], np.ndarray] | None = field(default=None, repr=False)

    @property
    def values(self) -> np.ndarray:
        """This rank's values (a shared variable: an array of one)."""
        if self._array is not None:
            return self._array
        if self._locate is not None:
            return self._locate()
        raise AttributeError(f"'{self.owner}.{self.name}' is computed on demand; "
                             "it has no stored values")

    @property
    def is_array(self) -> bool:
        """Whether the table holds the values itself (a neuron variable)."""
        return self._array is not None


class Variables(Mapping):
    """The variables of one object, by name (in declaration order).

    ``dims`` and ``arrays`` are live views kept by the table: name ->
    dimension for every variable, name -> this rank's array for the
    variables whose array the table holds.
    """

    def __init__(self, owner: str):
        self.owner = owner
        self._variables: dict[str, Variable] = {}
        self.dims: dict[str, Dimension] = {}
        self.arrays: dict[str, np.ndarray] = {}

    # -- declaring -----------------------------------------------------------
    def _add(self, variable: Variable) -> Variable:
        if variable.name in self._variables:
            raise ValueError(f"'{self.owner}' declares the variable '{variable.name}' twice")
        self._variables[variable.name] = variable
        self.dims[variable.name] = variable.dim
        if variable.is_array:
            self.arrays[variable.name] = variable._array
        return variable

    def add_array(self, name: str, dim: Dimension, values: np.ndarray, *, shared=False,
                  read_only=False, stored=True, flags=()) -> Variable:
        """A variable whose values this table holds (``values``: this rank's)."""
        return self._add(Variable(name, dim, values.dtype.type, self.owner, shared=shared,
                                  read_only=read_only, stored=stored, flags=tuple(flags),
                                  _array=values))

    def add_located(self, name: str, dim: Dimension, dtype, locate: Callable[[], np.ndarray],
                    *, read_only=False, stored=True, flags=()) -> Variable:
        """A per-element variable whose array another structure owns
        (``locate()`` returns the current one)."""
        return self._add(Variable(name, dim, dtype, self.owner, read_only=read_only,
                                  stored=stored, flags=tuple(flags), _locate=locate))

    def add_derived(self, name: str, dim: Dimension, dtype=np.int64, *, flags=()) -> Variable:
        """A read-only value computed on demand by the owner (``i``, ``j``,
        a subexpression: flag ``subexpression``)."""
        return self._add(Variable(name, dim, dtype, self.owner, read_only=True, stored=False,
                                  derived=True, flags=tuple(flags)))

    def replace_array(self, name: str, values: np.ndarray, *, stored: bool) -> None:
        """Make ``name`` use ``values`` (a linked variable uses its source's
        array; ``stored=False``: the source stores it)."""
        variable = self._variables[name]
        variable._array = values
        variable.stored = stored
        self.arrays[name] = values

    # -- reading -------------------------------------------------------------
    def __getitem__(self, name: str) -> Variable:
        return self._variables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._variables)

    def __len__(self) -> int:
        return len(self._variables)

    def stored_state(self) -> dict[str, np.ndarray]:
        """This rank's values of every stored variable, by name: all the
        state of the object (what a checkpoint saves)."""
        return {name: v.values for name, v in self._variables.items() if v.stored}

    def view(self, owner: str, index: slice) -> "Variables":
        """The same variables on ``index`` of each per-element array (a
        subgroup's table: its arrays are views, nothing is copied)."""
        table = Variables(owner)
        for name, v in self._variables.items():
            # A NeuronGroup keeps a shared value beside each neuron: sliced too.
            array = v._array[index] if v._array is not None else None
            table._add(Variable(name, v.dim, v.dtype, owner, shared=v.shared,
                                read_only=v.read_only, stored=False, derived=v.derived,
                                flags=v.flags, _array=array, _locate=v._locate))
        return table

