"""A Synapses as the source or target of another Synapses (Brian2 allows
both: dopamine onto STDP synapses, astrocytes reading and modulating
synapses).

Its elements are its synapses, numbered as Brian2 numbers them (creation
order: `Synapses.global_indices`). A rank holds the synapses onto its own
neurons, at their store positions, so the elements a rank owns are not a
contiguous block: an id becomes a store position through a sorted look-up.
The other Synapses' synapses onto an element live on the element's rank;
reading the elements as presynaptic values gathers them in id order.
"""
from collections.abc import Mapping

import numpy as np

from ..parallel import get_comm
from ..parallel.gather import allgather_blocks


class SynapsesAsGroup:
    """The synapses of ``synapses`` seen as a group of ``N`` elements, for
    the code of another Synapses (the interface its code uses of a
    NeuronGroup: sizes, ownership, local arrays, gathered values).

    Made (by `of`) when the other Synapses is created, after ``synapses`` is
    connected (collective: it numbers the synapses); ``synapses`` may get no
    more synapses after that (`check_unchanged`).
    """

    owner_kind = "Synapses"
    #: Local arrays are the store's arrays: element k is at store position k.
    root_local_offset = 0
    #: (no `share`: ids are not a progression; generators see the whole
    #: range of ids, and `owns` decides which ids this rank holds)

    @classmethod
    def of(cls, synapses):
        """The one view of ``synapses`` (a new one after it changed), so
        that every Synapses connected to it sees the same group. Collective
        when made."""
        view = synapses.__dict__.get("_as_group")
        if view is None or view._calls != synapses._connect_calls:
            view = cls(synapses)
            object.__setattr__(synapses, "_as_group", view)
        return view

    def __init__(self, synapses):
        self.synapses = synapses
        self.name = synapses.name
        self.N = synapses.N  # builds queued work (collective)
        self.order = synapses.order
        self.equations = synapses.equations
        self.variables = _ElementTable(synapses)
        self._calls = synapses._connect_calls
        ids = synapses.global_indices()  # collective
        self.ids = ids  # Brian2 index of the synapse at each store position
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]
        self.n_local = len(ids)
        self._counts = np.asarray(get_comm().allgather(self.n_local), dtype=np.int64)
        # Every synapse's id in rank order: only for reading the synapses as
        # a source (their values on every rank), so only made then.
        self._all_ids = None

    def __repr__(self):
        return f"<Synapses '{self.name}' as the group of its {self.N} synapses>"

    def check_unchanged(self, user: str):
        """Raise where ``synapses`` got synapses since the view was made:
        their store positions, which ``user``'s synapses name, have moved."""
        if self.synapses._connect_calls != self._calls:
            raise RuntimeError(
                f"{user}: Synapses '{self.name}' got new synapses after {user} was created "
                f"with them as source or target; call {self.name}.connect() before creating "
                "Synapses that connect to its synapses")

    # -- ownership ---------------------------------------------------------------
    @property
    def local_indices(self):
        """Ids of the synapses this rank holds, ascending."""
        return self._sorted

    def owns(self, ids):
        """Whether this rank holds each of the synapses ``ids``."""
        ids = np.asarray(ids, dtype=np.int64)
        where = np.minimum(np.searchsorted(self._sorted, ids), max(self.n_local - 1, 0))
        return (self._sorted[where] == ids) if self.n_local else np.zeros(ids.shape, bool)

    def local_positions(self, ids):
        """Store positions of the synapses ``ids`` (all held by this rank)."""
        ids = np.asarray(ids, dtype=np.int64)
        return self._order[np.searchsorted(self._sorted, ids)]

    def write_mask(self, variable):
        """Synapses are never refractory: no write is conditional."""
        return None

    # -- values --------------------------------------------------------------------
    def get_variable(self, name, index=slice(None)):
        """The synapses' values of ``name`` by id, with units (as
        ``synapses.name[:]``; what ``X.name_post`` reads). Collective."""
        return self.synapses.get_variable(name, index)

    def gather_state(self, variable):
        """Every synapse's value of ``variable``, by id, on every rank.
        Collective (one Allgatherv of the values; the ids were gathered once)."""
        if self._all_ids is None:
            self._all_ids = allgather_blocks(self.ids, self._counts)
        values = allgather_blocks(self.variables.arrays[variable], self._counts)
        out = np.empty(self.N, dtype=values.dtype)
        out[self._all_ids] = values
        return out


class _ElementTable(Mapping):
    """The variable table of the Synapses, with ``arrays`` giving the
    current per-synapse arrays of its store (what code reads as ``x_pre`` or
    ``x_post`` of a group)."""

    def __init__(self, synapses):
        self._synapses = synapses
        self._table = synapses.variables

    def __getitem__(self, name):
        return self._table[name]

    def __iter__(self):
        return iter(self._table)

    def __len__(self):
        return len(self._table)

    @property
    def dims(self):
        return self._table.dims

    @property
    def arrays(self):
        return self._synapses.store.variables
