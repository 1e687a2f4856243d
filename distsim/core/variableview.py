"""``G.v`` and ``S.w``: a view on a distributed variable.

Reading gathers the values of all ranks (in global order, with units);
writing (``G.v = ...``, ``G.v[idx] = ...``, ``G.v['i < 5'] = ...``) changes
only the elements a rank owns. The owner does the work through
``get_variable(name, index)`` and ``set_variable(name, index, value)``.
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
        value = self.owner.get_variable(self.name, index)
        return np.asarray(value) if self.raw else value

    def __getitem__(self, index):
        return self.get_item(index)

    def __setitem__(self, index, value):
        self.owner.set_variable(self.name, index, value, raw=self.raw)

    def __array__(self, dtype=None, copy=None):
        values = np.asarray(self.get_item(slice(None)))
        return values.astype(dtype) if dtype is not None else values

    def __len__(self):
        return len(self.get_item(slice(None)))

    def __iter__(self):
        return iter(self.get_item(slice(None)))

    def __repr__(self):
        return f"<{self.owner.name}.{self.name}: {self.get_item(slice(None))!r}>"

    def __getattr__(self, attr):
        # Quantity/ndarray methods (mean, shape, ...) act on the gathered values.
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.get_item(slice(None)), attr)


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
