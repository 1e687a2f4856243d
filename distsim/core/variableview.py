"""``G.v`` and ``S.w``: a view on a distributed variable.

Reading gathers the values of all ranks (in global order, with units): a
collective call, which every rank must make (``G.v[:]``, ``np.asarray(G.v)``,
iterating, arithmetic, ``G.v.mean()``). Writing (``G.v = ...``,
``G.v[idx] = ...``, ``G.v['i < 5'] = ...``) changes only the elements a rank
owns. ``len()`` and ``repr()`` never communicate: they show what this rank
knows. The owner does the work through ``get_variable(name, index)``,
``set_variable(name, index, value)`` and ``local_values(name)``.
"""
import operator

import numpy as np


class VariableView:
    """A view on variable ``name`` of ``owner``."""

    def __init__(self, owner, name, raw=False):
        self.owner = owner
        self.name = name
        self.raw = raw

    def get_item(self, index):
        index = plain_index(index, self.owner)
        value = self.owner.get_variable(self.name, index)
        return np.asarray(value) if self.raw else value

    def __getitem__(self, index):
        return self.get_item(index)

    def __setitem__(self, index, value):
        self.owner.set_variable(self.name, plain_index(index, self.owner), value, raw=self.raw)

    def __array__(self, dtype=None, copy=None):
        values = np.asarray(self.get_item(slice(None)))
        return values.astype(dtype) if dtype is not None else values

    def __len__(self):
        # The number of elements: known to every rank (no communication once
        # the owner is built).
        return len(self.owner)

    def __iter__(self):
        """Iterate over all values (collective: gathers them)."""
        return iter(self.get_item(slice(None)))

    def __repr__(self):
        # Local only: repr() may be called on one rank (a debugger, a print
        # under 'if rank() == 0'), so it must not wait for the others.
        owner, name = self.owner, self.name
        variable = owner.variables[name]
        label = f"{owner.name}.{name}{'_' if self.raw else ''}"
        if variable.shared:
            values = np.asarray(variable.values[:1])
            shown = values if self.raw else owner._with_units(name, values)
            return f"<{label}: {shown[0]!r} (shared)>" if len(values) else f"<{label}: shared>"
        share = getattr(owner, "share", None)
        if share is None:  # synapses: a rank's share is not a block of the global order
            return (f"<{label}: {owner.local_size} synapses on this rank; read all of them "
                    f"with {owner.name}.{name}[:] (a collective call)>")
        values = np.asarray(owner.local_values(name))
        shown = values if self.raw else owner._with_units(name, values)
        if share.n == owner.N:
            return f"<{label}: {shown!r}>"
        return (f"<{label}: this rank's neurons {share.describe()} of {owner.N}: {shown!r}; "
                f"all with {owner.name}.{name}[:] (a collective call)>")

    def __getattr__(self, attr):
        # Quantity/ndarray methods (mean, shape, ...) act on the gathered values.
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.get_item(slice(None)), attr)


def plain_index(index, owner):
    """A part of a morphology (``neuron.v[morpho.axon[40*um]]``,
    ``record=``, ``mon[...]``, ``connect(j=...)``) as its compartments'
    indices in ``owner`` (absolute numbers, made relative to a subgroup, as
    Brian2 does); other indices as given."""
    if not hasattr(index, "_indices"):
        return index
    return np.asarray(index._indices()) - getattr(owner, "sub_start", 0)


def _delegate(op, reflected=False):
    def method(self, other):
        if isinstance(other, VariableView):
            other = other.get_item(slice(None))
        values = self.get_item(slice(None))
        return op(other, values) if reflected else op(values, other)
    return method


for _name, _op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
                   ("truediv", operator.truediv), ("floordiv", operator.floordiv),
                   ("mod", operator.mod), ("pow", operator.pow)]:
    setattr(VariableView, f"__{_name}__", _delegate(_op))
    setattr(VariableView, f"__r{_name}__", _delegate(_op, reflected=True))
for _name, _op in [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt),
                   ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)]:
    setattr(VariableView, f"__{_name}__", _delegate(_op))
VariableView.__neg__ = lambda self: -self.get_item(slice(None))
VariableView.__abs__ = lambda self: abs(self.get_item(slice(None)))
VariableView.__hash__ = None
