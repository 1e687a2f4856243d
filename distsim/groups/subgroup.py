"""``G[a:b]``: a contiguous part of a NeuronGroup (Brian2's ``Subgroup``)."""
import numpy as np

from .population import NeuronPopulation


class Subgroup(NeuronPopulation):
    """Neurons ``parent[sub_start:sub_stop]`` (Brian2's ``Subgroup``).

    Shares the parent's state (its variable table holds views of the
    parent's arrays), so it is never simulated by itself; it serves as a
    source or target of synapses, for monitors and for setting variables.
    Index ``i`` counts from the subgroup's start.
    """

    owner_kind = "Subgroup"

    def __init__(self, parent, sub_start, sub_stop):
        root = parent.parent if isinstance(parent, Subgroup) else parent
        offset = parent.sub_start if isinstance(parent, Subgroup) else 0
        set_attr = object.__setattr__
        set_attr(self, "parent", root)
        set_attr(self, "sub_start", offset + sub_start)
        set_attr(self, "sub_stop", offset + sub_stop)
        set_attr(self, "name", f"{root.name}_subgroup_{self.sub_start}_{self.sub_stop}")
        set_attr(self, "namespace", root.namespace)
        set_attr(self, "_creation_namespace", root._creation_namespace)
        set_attr(self, "N", self.sub_stop - self.sub_start)
        set_attr(self, "equations", root.equations)
        set_attr(self, "id_offset", root.id_offset + self.sub_start)
        # This rank's part: the parent's share within the subgroup, a
        # contiguous part of the parent's storage.
        share, first = root.share.within(self.sub_start, self.sub_stop)
        set_attr(self, "share", share)
        set_attr(self, "n_local", share.n)
        local = slice(first, first + share.n)
        set_attr(self, "root_local_offset", first)
        set_attr(self, "variables", root.variables.view(self.name, local))
        resolver = root.resolver
        set_attr(self, "resolver", type(resolver)(
            f"{self.owner_kind} '{self.name}'", self.variables, resolver.subexpressions,
            {"N": self.N}, self.namespaces, "neuron"))
        # One count of string assignments per variable, the parent's: each
        # assignment draws new numbers, however the neurons are addressed.
        set_attr(self, "_assignment_counts", root._assignment_counts)
        set_attr(self, "_frozen", True)

    def _random(self, purpose, element_ids, draw=0):
        # The parent's keys and neuron ids: a neuron's numbers do not depend
        # on whether the script addressed it through a subgroup.
        return self.parent._random(purpose, np.asarray(element_ids) + self.sub_start, draw)

    def write_mask(self, name):
        """The parent's mask of writable neurons, for this subgroup's part."""
        mask = self.parent.write_mask(name)
        first = self.root_local_offset
        return None if mask is None else mask[first:first + self.n_local]

    def __repr__(self):
        return f"<Subgroup {self.parent.name}[{self.sub_start}:{self.sub_stop}]>"
