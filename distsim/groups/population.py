"""Neurons a rank holds a block of: reading and writing their variables.

A `NeuronPopulation` is a NeuronGroup or a contiguous Subgroup of one. Each
rank holds its share of the population's N neurons (`share`: the indices
``first + stride*k``, parallel/partition.py). Reading a variable
(``G.v[:]``) gathers all shares: a collective. Writing changes only the
elements a rank owns, so every rank runs the same line.
"""
import numpy as np

from ..core.random import stream_key
from ..model.expressions import (ANY_DIMENSION, Expression, ExpressionError, RandomContext,
                                 Statements, SubexpressionNamespace, Subexpressions)
from ..parallel import get_comm
from ..parallel.partition import Share, positions_in_order, share_of
from ..parallel.gather import allgather_blocks
from ..parallel.guard import collective_call
from ..units import DimensionMismatchError, Quantity, as_quantity
from ..utils.frames import caller_namespace
from .group import Group
from .linked import LinkedVariable, link_variable
from .regular import RegularOperation


class NeuronPopulation(Group):
    """Neurons whose state a rank holds for its share of 0..N-1 (`share`):
    a NeuronGroup or a contiguous Subgroup of one. Provides variable access
    (``G.v``, ``G.v[idx] = ...``, string assignments) on that share."""

    owner_kind = "NeuronGroup"
    #: Where this population's local neurons start among its NeuronGroup's.
    root_local_offset = 0

    @property
    def owner(self) -> str:
        """How errors name this population."""
        return f"{self.owner_kind} '{self.name}'"

    def __len__(self):
        return self.N

    #: The group's partition ('dealt', 'blocks'; None: ``DISTSIM_PARTITION``).
    partition = None

    def share_for(self, rank, size) -> Share:
        """The neurons that ``rank`` of ``size`` ranks holds (a NeuronGroup's
        partition: dealt round-robin or in blocks)."""
        return share_of(self.N, rank, size, self.partition)

    @property
    def start(self) -> int:
        """The first local neuron's index, where the share is a contiguous
        block (the ``blocks`` partition, or one rank)."""
        return self._contiguous_share().first

    @property
    def stop(self) -> int:
        """One past the last local neuron's index, for a contiguous share."""
        return self._contiguous_share().end

    def _contiguous_share(self) -> Share:
        share = self.share
        if share.stride != 1:  # the same on every rank: raised on all of them
            raise NotImplementedError(
                f"{self.owner}: this operation needs each rank's neurons to be a contiguous "
                "block; run with DISTSIM_PARTITION=blocks")
        return share

    def __getitem__(self, item):
        """``G[a:b]`` (or ``G[k]``, one neuron): a Subgroup sharing this
        group's state."""
        from .subgroup import Subgroup
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            k = int(item) + (self.N if item < 0 else 0)
            if not 0 <= k < self.N:
                raise IndexError(f"{self.name}[{item}]: index out of range for {self.N} "
                                 "neurons")
            item = slice(k, k + 1)
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError(f"{self.name}: subgroups are contiguous slices G[a:b] or one "
                            "neuron G[k]")
        start, stop, _ = item.indices(self.N)
        if stop <= start:
            raise IndexError(f"{self.name}[{item.start}:{item.stop}] is empty")
        return Subgroup(self, start, stop)

    @property
    def local_indices(self):
        """Group indices i of the neurons this rank owns (int64, read-only;
        made once: the state update and threshold use it every step)."""
        cached = self.__dict__.get("_local_indices")
        if cached is None:
            cached = self.share.indices()
            cached.setflags(write=False)
            object.__setattr__(self, "_local_indices", cached)
        return cached

    def gather_local(self, local):
        """Every rank's values of a per-neuron array (``local``: this rank's,
        one per local neuron), in index order, on every rank. Collective:
        one Allgatherv (the blocks' lengths follow from the partition)."""
        layout = self.__dict__.get("_gather_layout")
        if layout is None:
            root = self.__dict__.get("parent", self)
            first = getattr(self, "sub_start", 0)
            size = get_comm().Get_size()
            shares = [root.share_for(rank, size).within(first, first + self.N)[0]
                      for rank in range(size)]
            counts = np.array([share.n for share in shares], dtype=np.int64)
            # Interleaved shares are put back in index order after the gather.
            order = None if all(s.stride == 1 or s.n <= 1 for s in shares) else \
                positions_in_order(shares)
            layout = (counts, order)
            object.__setattr__(self, "_gather_layout", layout)
        counts, order = layout
        if len(local) != self.n_local:
            raise ValueError(f"{self.owner}: {len(local)} local values for {self.n_local} "
                             "local neurons")
        gathered = allgather_blocks(local, counts)
        if order is None:
            return gathered
        values = np.empty_like(gathered)
        values[order] = gathered
        return values

    def gather_state(self, variable):
        """Every neuron's value of ``variable`` (a stored per-neuron array),
        by index, on every rank: what synaptic code reads as ``x_pre``.
        Collective."""
        return self.gather_local(self.variables.arrays[variable])

    def owns(self, indices):
        """Whether this rank owns each of the neurons ``indices``."""
        return self.share.owns(indices)

    def local_positions(self, indices):
        """Positions in this rank's arrays of the neurons ``indices`` (all
        owned by this rank)."""
        return self.share.positions(indices)

    def _parse(self, kind, code, what):
        if code is None:
            return None
        try:
            return kind(code)
        except ExpressionError as exc:
            raise ExpressionError(f"{self.owner}, {what}: {exc}") from None

    # -- identifiers and values ------------------------------------------------
    def _namespace(self, constants, index=slice(None), t=0.0, dt=0.0):
        """Values for evaluating the group's code on its local neurons
        ``index`` (arrays are views where ``index`` is a slice)."""
        values = dict(constants)
        for name, array in self._local_state.items():
            values[name] = array[index]
        values["i"] = self.local_indices[index]
        values["N"] = self.N
        values["t"] = t
        values["dt"] = dt
        return SubexpressionNamespace(values, self._readable_subexpressions)

    @property
    def _readable_subexpressions(self):
        """The subexpressions code may read (all but the stochastic ones)."""
        found = self.__dict__.get("_readable")
        if found is None:
            stochastic = self._stochastic_subexpressions
            found = self.__dict__["_readable"] = Subexpressions(
                (eq.name, eq.expr) for eq in self._subexpressions() if eq.name not in stochastic)
        return found

    def _subexpressions(self):
        """The equations' subexpressions in evaluation order."""
        return self.resolver.subexpressions

    @property
    def _stochastic_subexpressions(self):
        """Subexpressions that use noise (``xi``), directly or through others:
        only the integrator evaluates them, with the noise it draws."""
        found = self.__dict__.get("_stochastic")
        if found is None:
            found = set()
            for eq in self._subexpressions():
                if any(n == "xi" or n.startswith("xi_") or n in found
                       for n in eq.expr.identifiers):
                    found.add(eq.name)
            object.__setattr__(self, "_stochastic", found)
        return found

    def _random(self, purpose, element_ids, draw=0):
        base = (self.name, purpose)
        return RandomContext(lambda site: stream_key(*base, site), element_ids, draw)

    def run_regularly(self, code, dt=None, when="start", order=0, name=None):
        """Run statements on the group's (or subgroup's) neurons every ``dt`` (Brian2's
        ``run_regularly``), e.g. ``G.run_regularly('v = v_r + rand()*mV', dt=1*ms)``.

        Parameters
        ----------
        code : str
            Statements assigning to the group's variables.
        dt : Quantity, optional
            A multiple of the clock's dt (default: every step).
        when : str
            The slot of the schedule (default 'start', before the state update).
        order : int
            Order among operations of the same ``when`` (then by name).
        name : str, optional
            Default ``<group>_run_regularly``, numbered from the second one.

        Returns
        -------
        RegularOperation
        """
        root = getattr(self, "parent", self)  # a subgroup's run with its group's code
        if name is None:
            name = f"{self.name}_run_regularly"
            taken = sum(op.name.startswith(name) for op in root.regular_operations)
            if taken:
                name += f"_{taken}"
        operation = RegularOperation(self, self._parse(Statements, code, "run_regularly"), dt,
                                     when, order, name)
        root.regular_operations.append(operation)
        return operation

    # -- reading and writing variables ------------------------------------------
    def _local_positions(self, index):
        """Local positions of the global ``index`` (int, slice, array, bool mask)."""
        if isinstance(index, slice):
            global_ids = np.arange(self.N, dtype=np.int64)[index]
        else:
            index = np.asarray(index)
            if index.dtype == bool:
                if index.shape != (self.N,):
                    raise IndexError(f"{self.name}: boolean index of length {len(index)} "
                                     f"for {self.N} neurons")
                global_ids = np.flatnonzero(index)
            else:
                global_ids = index.astype(np.int64).reshape(-1)
                global_ids = np.where(global_ids < 0, global_ids + self.N, global_ids)
                if np.any((global_ids < 0) | (global_ids >= self.N)):
                    raise IndexError(f"{self.name}: index out of range for {self.N} neurons")
        mine = self.owns(global_ids)
        return global_ids, mine, self.local_positions(global_ids[mine])

    def _is_shared(self, name):
        return self.variables[name].shared if name in self.variables else False

    def _is_linked(self, name):
        return name in self.variables and "linked" in self.variables[name].flags

    def get_variable(self, name, index=slice(None)):
        """The values of variable ``name`` at ``index`` (all neurons, global
        order, with units). Collective: every rank must call it."""
        if name == "i":
            return np.arange(self.N, dtype=np.int64)[index]
        if self._is_subexpression(name):
            run_namespace = caller_namespace()
        with collective_call(f"reading {self.name}.{name}"):
            link = getattr(self.__dict__.get("parent", self), "_remote_links", {}).get(name)
            if link is not None:  # its values live on other ranks
                link.refresh()
            if self._is_subexpression(name):
                values = self.gather_local(self.subexpression_values(name, run_namespace))
                if isinstance(index, str):
                    index = self._condition_mask(index, run_namespace)
                return self._with_units(name, values[index])
            if self._is_shared(name):
                # One value for the whole group (stored alongside each neuron).
                values = np.concatenate(get_comm().allgather(self._local_state[name][:1]))
                return self._with_units(name, values[:1])[0] if len(values) else None
            values = self.gather_local(self._local_state[name])
            if isinstance(index, str):
                index = self._condition_mask(index)
            return self._with_units(name, values[index])

    def local_values(self, name, run_namespace=None):
        """This rank's values of ``name`` (no communication); a subexpression
        is computed with the constants of ``run_namespace`` (default: the
        script's)."""
        if name == "i":
            return self.local_indices
        if self._is_subexpression(name):
            return self.subexpression_values(
                name, caller_namespace() if run_namespace is None else run_namespace)
        return self._local_state[name]

    @staticmethod
    def _current_time():
        from ..core.clock import defaultclock  # every group runs on it
        return defaultclock.t_

    @staticmethod
    def _current_dt():
        from ..core.clock import defaultclock
        return defaultclock.dt_

    def _is_subexpression(self, name):
        return name in self.variables and "subexpression" in self.variables[name].flags

    def subexpression_values(self, name, run_namespace, t=None):
        """This rank's values of the subexpression ``name`` now (at the
        clock's time, or ``t`` in seconds), as Brian2 computes them when read."""
        if name in self._stochastic_subexpressions:
            raise ValueError(f"{self.name}.{name} uses noise (xi): it has no value outside "
                             "the integration step")
        code = self.resolver.subexpressions
        expr = next(eq.expr for eq in code if eq.name == name)
        constants = self.resolver.constants({name}, run_namespace, expr.code)
        now = self._current_time() if t is None else t
        ns = self._namespace(constants, t=now, dt=self._current_dt())
        dtype = self.variables[name].dtype
        return np.array(np.broadcast_to(ns[name], (self.n_local,)), dtype=dtype)

    def _condition_mask(self, condition, run_namespace=None):
        """Which neurons (all of them, global order) satisfy ``condition``.
        Collective."""
        expr = self._parse(Expression, condition, "index")
        ns = self._namespace(self.resolver.constants(expr.identifiers, run_namespace or {},
                                                     condition))
        local = np.broadcast_to(np.asarray(expr.evaluate(ns), dtype=bool), (self.n_local,))
        return self.gather_local(np.ascontiguousarray(local))

    def set_variable(self, name, index, value, raw=False, level=0):
        """``G.name[index] = value``: each rank sets the neurons it owns.
        A string index gathers its condition (collective)."""
        value = as_quantity(value)
        variable = self.variables.get(name)
        if variable is None or variable.read_only:
            raise AttributeError(f"{self.name}: '{name}' cannot be set")
        if self._is_linked(name) or isinstance(value, LinkedVariable):
            link_variable(self, name, index, value)
            return
        target = self._local_state[name]
        if variable.shared:
            if not (isinstance(index, slice) and index == slice(None)):
                raise IndexError(f"{self.name}.{name} is shared: it has one value, no index")
            if not isinstance(value, str) and np.ndim(value) != 0:
                raise ValueError(f"{self.name}.{name} is shared: assign one value")
        if isinstance(index, str):
            with collective_call(f"{self.name}.{name}['{index}'] = ..."):
                index = self._condition_mask(index)
        global_ids, mine, local = self._local_positions(index)
        if isinstance(value, str):
            self._assign_expression(name, value, global_ids[mine], local, raw)
            return
        if not raw:
            self._check_value_units(name, value)
        raw_values = np.asarray(value.view(np.ndarray) if isinstance(value, Quantity) else value)
        if raw_values.ndim == 0:
            target[local] = raw_values
        else:
            if raw_values.shape != global_ids.shape:
                raise ValueError(f"{self.name}.{name}: {raw_values.size} values for "
                                 f"{global_ids.size} elements")
            target[local] = raw_values[mine]

    def _assign_expression(self, name, code, global_ids, local, raw):
        """``G.name[...] = 'expression'`` on this rank's neurons ``local``
        (``global_ids``: their indices). Each assignment of a variable draws
        new random numbers, keyed by the count of such assignments."""
        count = self._assignment_counts.get(name, 0)
        self._assignment_counts[name] = count + 1
        expr = self._parse(Expression, code, f"assignment to {name}")
        run_namespace = caller_namespace()
        dim = expr.dimension(self.resolver.dimension_of(run_namespace, code))
        expected = self.variables[name].dim
        if not raw and dim is not ANY_DIMENSION and dim is not expected:
            raise DimensionMismatchError(
                f"{self.name}.{name} = '{code}': the expression has the wrong units",
                expected, dim)
        ns = self._namespace(self.resolver.constants(expr.identifiers, run_namespace, code),
                             local)
        result = expr.evaluate(ns, self._random(("assign", name, count), global_ids))
        self._local_state[name][local] = np.broadcast_to(result, local.shape)
