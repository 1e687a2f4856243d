"""Reading and writing synaptic variables by index, in Brian2's order.

``S.w[:]``, ``S.w[idx]``, ``S.w['i > j']``, ``S.w[:, 3]``, ``S.w = '...'``.
Synapses live on the rank of their target; a synapse's global index is its
place in Brian2's creation order (connect calls in order; within a call,
source-major). Reading gathers the selected values of all ranks (a
collective); writing changes each rank's own synapses.
"""
import numpy as np

from ..core.clock import defaultclock
from ..core.random import stream_key
from ..groups import NeuronPopulation
from ..groups.linked import link_synaptic_variable
from ..model.expressions import ANY_DIMENSION, Expression, RandomContext
from ..parallel import get_comm
from ..parallel.guard import collective_call
from ..units import DimensionMismatchError, Quantity, as_quantity, second
from ..utils.frames import caller_namespace, constants_of
from . import connect as rules
from . import construction
from . import queued_calls

# Synapses evaluated together when an expression is assigned to all of them:
# the temporaries (8 MB each) stay in the caches.
SYNAPSES_PER_CHUNK = 1 << 20


class Indexing:
    """Variable access by index of `Synapses` (a mixin)."""

    def set_local_values(self, name, values, positions=slice(None)):
        """Write this rank's values of a per-synapse variable at store
        ``positions`` (all by default, in the order of `local_values`); SI
        units, delays in seconds. No communication (front-ends that own
        per-synapse data, e.g. PyNN's ``Projection.set``)."""
        owner = f"Synapses '{self.name}'"
        selected = np.arange(len(self.store))[positions]
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), selected.shape)
        self._store_values(name, selected, values, owner)

    def local_values(self, name, chunk=slice(None)):
        """This rank's values of a per-synapse variable (or derived value),
        in store order, for the store positions ``chunk`` (a slice: only
        those are made). No communication once the synapses are built,
        except for ``N_outgoing`` (a sum over all ranks: collective)."""
        store = self.store
        if name in self._delay_variables:
            return self.delay_steps(name)[chunk] * (self._delay_dt or 0.0)
        variable = self.variables[name]
        if variable.shared:
            return np.broadcast_to(variable.values, (len(store),))[chunk]
        if name in ("i", "_synaptic_pre", "_source_i"):
            return store.sources_in(chunk) + (getattr(self.source, "sub_start", 0)
                                              if name != "i" else 0)
        if name in ("j", "_synaptic_post", "_target_j"):
            return store.targets_in(chunk) + \
                (getattr(self.target, "sub_start", 0) if name != "j" else 0)
        if name == "N_incoming":  # all synapses of a target are on its rank
            counts = np.bincount(store.local_targets, minlength=max(self.target.n_local, 1))
            return counts[store.local_targets[chunk]].astype(np.int64)
        if name == "N_outgoing":
            counts = np.bincount(store.sources, minlength=self.source.N).astype(np.int64)
            totals = np.empty_like(counts)
            get_comm().Allreduce(counts, totals)
            return totals[store.sources_in(chunk)]
        return store.variables[name][chunk]

    def call_offsets(self):
        """The global index of each connect call's first synapse, and the
        number after the last (collective the first time a call is counted;
        then local)."""
        calls = self.store.calls
        new = [call for call in calls if call.global_total is None]
        if new:
            local = np.array([call.n_local for call in new], dtype=np.int64)
            totals = np.empty_like(local)
            get_comm().Allreduce(local, totals)
            for call, total in zip(new, totals):
                call.global_total = int(total)
        return np.concatenate([[0], np.cumsum([call.global_total for call in calls],
                                              dtype=np.int64)])

    def global_indices(self):
        """Each local synapse's index in Brian2's creation order: connect
        calls in order; within a call source-major, then target (explicit i/j
        arrays: the order given). Computed with a few collectives over
        per-source counts, never with a global synapse array."""
        result = np.empty(len(self.store), dtype=np.int64)
        for positions, indices in self._indices_of_calls(range(len(self.store.calls))):
            result[positions] = indices
        return result

    def _indices_of_calls(self, numbers):
        """For the connect calls numbered ``numbers`` (ascending, the same on
        every rank): (store positions, global indices) of each call's local
        synapses. Collective."""
        comm = get_comm()
        offsets = self.call_offsets()
        wanted = set(numbers)
        for number, (call, positions, sources, within_source) in zip(
                sorted(wanted), self.store.call_segments(only=wanted)):
            call_offset = int(offsets[number])
            if call.given_positions is not None:
                yield positions, call_offset + call.given_positions
                continue
            if self._targets_interleave():
                yield positions, call_offset + self._numbered_by_pairs(positions, sources,
                                                                       within_source)
                continue
            counts = call.counts_by_source
            totals = np.empty_like(counts)
            comm.Allreduce(counts, totals)
            # Within a source, targets on lower ranks come first.
            on_lower_ranks = np.zeros_like(counts)
            comm.Exscan(counts, on_lower_ranks)
            if comm.Get_rank() == 0:
                on_lower_ranks[:] = 0
            first_of_source = np.cumsum(totals) - totals + on_lower_ranks
            yield positions, call_offset + first_of_source[sources] + within_source

    def _targets_interleave(self) -> bool:
        """Whether the ranks' targets interleave (the dealt partition), so
        that a source's synapses on one rank are not a run of its synapses
        in Brian2's order. The same on every rank."""
        share = getattr(self.target, "share", None)
        return share is not None and share.stride != 1

    def _numbered_by_pairs(self, positions, sources, within_source):
        """Positions in their call of the local synapses at store
        ``positions`` (their ``sources`` and rank ``within_source`` among
        the source's local synapses), in Brian2's order, from the pairs of
        all ranks (connect.positions_in_call: each rank's pairs travel once
        around a ring of the ranks). Collective."""
        order = np.lexsort((within_source, sources))
        targets = self.store.targets_in(positions[order])
        numbered = np.empty(len(order), dtype=np.int64)
        numbered[order] = rules.positions_in_call(sources[order], targets, self.target.N)
        return numbered

    def _calls_reached(self, start, stop):
        """Numbers of the connect calls with synapses in global indices
        [start, stop) (collective the first time a call is counted)."""
        offsets = self.call_offsets()
        return np.flatnonzero((offsets[:-1] < stop) & (offsets[1:] > start)).tolist()

    def _slice_parts(self, calls, start, stop, step):
        """For each of the connect calls ``calls``: (store positions, global
        indices) of its local synapses in the slice ``start:stop:step``, and
        which of the call's local synapses (in store order) they are.
        Collective."""
        for positions, g in self._indices_of_calls(calls):
            picked = (g >= start) & (g < stop)
            if step != 1:
                picked &= (g - start) % step == 0
            yield positions[picked], g[picked], picked

    def _match(self, values, index, group, owner):
        """Mask of ``values`` (neuron indices) selected by one part of a
        ``S[i_index, j_index]`` index: int, slice, array or subgroup."""
        if isinstance(index, NeuronPopulation):
            base = getattr(group, "sub_start", 0)
            first = getattr(index, "sub_start", 0) - base
            if getattr(index, "parent", index) is not getattr(group, "parent", group) or \
                    first < 0 or first + index.N > group.N:
                raise IndexError(f"{owner}: {index!r} is not part of {group!r}")
            return (values >= first) & (values < first + index.N)
        if isinstance(index, slice):
            start, stop, step = index.indices(group.N)
            return (values >= start) & (values < stop) & ((values - start) % step == 0)
        wanted = np.asarray(index, dtype=np.int64).reshape(-1)
        return np.isin(values, np.where(wanted < 0, wanted + group.N, wanted))

    def _selection(self, index, owner, run_namespace=None):
        """Which local synapses ``index`` selects, and the position of each in
        the selection's own order (the order values are read or given in).

        Returns (mask or slice(None), positions or None, selection size,
        requested or None). ``positions`` None means: the selection's global
        creation order. For an index array (possibly unordered or repeated)
        the selection is its distinct indices and ``requested[k]`` is where
        the k-th requested index stands among them.
        """
        if isinstance(index, slice) and index == slice(None):
            return slice(None), None, self.N, None
        if isinstance(index, str):
            expr = Expression(index)
            values = self._evaluate_per_synapse(expr, run_namespace or {}, ("index",),
                                                slice(None), owner)
            mask = np.broadcast_to(np.asarray(values, dtype=bool), (len(self.store),))
            return mask, None, get_comm().allreduce(int(mask.sum())), None
        if isinstance(index, tuple):
            if len(index) != 2:
                raise IndexError(f"{owner}: index synapses as S[i, j]")
            mask = self._match(self.store.sources, index[0], self.source, owner) & \
                self._match(self.store.targets, index[1], self.target, owner)
            return mask, None, get_comm().allreduce(int(mask.sum())), None
        total = self.N
        if isinstance(index, slice):
            start, stop, step = index.indices(total)
            if step < 0:
                raise IndexError(f"{owner}: negative slice steps are not supported")
            # Only the connect calls the slice reaches (S.w[-k:]: the newest),
            # and no array over all synapses: the selection is store positions.
            chosen, where = [], []
            for positions, g, _ in self._slice_parts(self._calls_reached(start, stop),
                                                     start, stop, step):
                chosen.append(positions)
                where.append((g - start) // step)
            if len(chosen) == 1:  # one call's positions are in store order already
                return chosen[0], where[0], len(range(start, stop, step)), None
            chosen = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)
            order = np.argsort(chosen, kind="stable")
            where = np.concatenate(where)[order] if len(chosen) else chosen
            return chosen[order], where, len(range(start, stop, step)), None
        g = self.global_indices()
        wanted = np.asarray(index)
        if wanted.dtype == bool:
            if wanted.shape != (total,):
                raise IndexError(f"{owner}: boolean index of length {wanted.size} for {total} "
                                 "synapses")
            mask = wanted[g]
            return mask, None, int(wanted.sum()), None
        wanted = wanted.astype(np.int64).reshape(-1)
        wanted = np.where(wanted < 0, wanted + total, wanted)
        if np.any((wanted < 0) | (wanted >= total)):
            raise IndexError(f"{owner}: synapse index out of range for {total} synapses")
        unique, requested = np.unique(wanted, return_inverse=True)
        found = np.searchsorted(unique, g)
        mask = (found < len(unique)) & (unique[np.minimum(found, len(unique) - 1)] == g)
        return mask, found[mask], len(unique), requested

    def _selection_positions(self, mask):
        """Positions of the selected local synapses in global creation order
        among all selected ones (one allgather of the selected indices)."""
        g = self.global_indices()[mask]
        everything = np.sort(np.concatenate(get_comm().allgather(g)))
        return np.searchsorted(everything, g)

    def get_variable(self, name, index=slice(None)):
        """Values in Brian2's creation order (or the order of an index array),
        on every rank."""
        owner = f"Synapses '{self.name}'"
        variable = self.variables[name]
        if variable.shared:
            return self._with_units(name, variable.values)[0]
        with collective_call(f"reading {self.name}.{name}"):
            values = self._gather_values(name, index, owner, caller_namespace())
        # One synapse index gives one value, as in Brian2 (S.w[0]).
        return values[0] if isinstance(index, (int, np.integer)) and \
            not isinstance(index, bool) else values

    @property
    def local_size(self):
        """The number of synapses this rank holds (built or not: no
        communication)."""
        return len(self._store)

    def _gather_values(self, name, index, owner, run_namespace):
        mask, positions, size, requested = self._selection(index, owner, run_namespace)
        values = self.local_values(name)[mask]
        if positions is None:
            positions = self._selection_positions(mask) if not isinstance(mask, slice) else \
                self.global_indices()
        parts = get_comm().allgather((positions, values))
        result = np.empty(size, dtype=values.dtype)
        for where, part in parts:
            result[where] = part
        if requested is not None:  # values in the order of the index array
            result = result[requested]
        if name in self.DERIVED:
            return result
        return self._with_units(name, result)

    def __getitem__(self, index):
        """``S[:, 3]``, ``S[2, :]``, ``S['i > j']``: a selection of synapses,
        e.g. for ``StateMonitor(S, 'w', record=S[:, 3])``."""
        return SynapseSelection(self, index)

    @property
    def indices(self):
        """``S.indices[i, j]``: the synapse indices (creation order) of an
        index, as an array (Brian2's; collective when indexed)."""
        return SynapseIndices(self)

    def set_variable(self, name, index, value, raw=False):
        owner = f"Synapses '{self.name}'"
        variable = self.variables.get(name)
        if variable is None or variable.read_only:
            raise AttributeError(f"{owner}: '{name}' cannot be set")
        # Only the script's constants (the assignment may be queued; see connect)
        run_namespace = constants_of(caller_namespace())
        if "linked" in variable.flags:
            link_synaptic_variable(self, name, index, value)
            return
        if variable.shared:
            self._set_shared(name, index, value, raw, run_namespace, owner)
            return
        if isinstance(value, str):
            count = self._assignment_counts.get(name, 0)
            self._assignment_counts[name] = count + 1
            expr = Expression(value)
            dim_of = self.resolver.dimension_of(run_namespace, expr.code)
            if raw:
                for identifier in expr.identifiers:  # unknown names fail now
                    dim_of(identifier)
            else:
                dim = expr.dimension(dim_of)
                if dim is not ANY_DIMENSION and dim is not variable.dim:
                    raise DimensionMismatchError(f"{owner}.{name} = '{value}': wrong units",
                                                 variable.dim, dim)

            purpose = ("assign", name, count)
            everything = isinstance(index, slice) and index == slice(None)
            communicates = self.resolver.reads_neuron_state(expr.identifiers) or \
                "N_outgoing" in self.resolver.with_subexpressions(expr.identifiers)
            if everything and not communicates:
                # Checked now; evaluated by every rank for its own synapses
                # when they are next needed (see construction.py).
                construction.defer(f"{owner}.{name} = '{value}'", lambda: self._assign_in_chunks(
                    name, expr, run_namespace, purpose, owner), synapses=self)
                return
            if isinstance(index, slice) and not communicates and \
                    queued_calls.assign_to_queued(self, name, expr, index, run_namespace,
                                                  purpose, owner):
                return
            # Reads neuron values now (as the line means) or selects: all ranks.
            with collective_call(f"{self.name}.{name}[...] = '{value}'"):
                if everything:
                    self._assign_in_chunks(name, expr, run_namespace, purpose, owner)
                    return
                if isinstance(index, slice) and self._assign_to_unmerged(
                        name, expr, index, run_namespace, purpose, owner):
                    return
                selected, where, _, _ = self._selection(index, owner, run_namespace)
                random_ids = None
                if isinstance(index, slice):
                    # A slice's synapses draw by their global index (known
                    # here; their rank within the target would cost a pass
                    # over all synapses): the same on any number of ranks.
                    start, _, step = index.indices(self.N)
                    random_ids = start + where * step
                values = self._evaluate_per_synapse(expr, run_namespace, purpose, selected,
                                                    owner, random_ids=random_ids)
                self._store_values(name, selected, np.broadcast_to(
                    np.asarray(values, dtype=np.float64), (_count(selected),)), owner)
            return
        if isinstance(index, slice) and queued_calls.set_on_queued(self, name, index, value, raw,
                                                                   owner):
            return
        with collective_call(f"{self.name}.{name}[...] = values"):
            self._set_values(name, index, value, raw, owner, run_namespace)

    def _assign_to_unmerged(self, name, expr, index, run_namespace, purpose, owner):
        """``S.name[a:b] = 'expr'`` where the slice reaches only connect calls
        not merged into the store yet (``S.w[-k:]`` after a connect call) and
        the expression reads constants only: evaluated on those calls' own
        arrays, without merging. Random numbers as for any slice (by global
        index). Returns False where this does not apply (collective)."""
        if any(self.resolver.resolve(n).kind != "external" for n in expr.identifiers):
            return False
        start, stop, step = index.indices(self.N)
        if step < 0:
            return False
        reached = self._calls_reached(start, stop)
        segments = [self.store.pending_segment(number) for number in reached]
        # Every rank the same answer: a rank without synapses of a call has
        # no pending segment for it either.
        unmerged = all(s is not None or self.store.calls[n].n_local == 0
                       for n, s in zip(reached, segments))
        if get_comm().allreduce(int(not unmerged)):  # a rank must merge
            return False
        constants = self.resolver.constants(expr.identifiers, run_namespace, expr.code)
        for segment, (_, g, picked) in zip(segments, self._slice_parts(reached, start, stop,
                                                                        step)):
            if segment is not None and picked.any():
                self._assign_on_segment(segment, picked, g, name, expr, constants, purpose,
                                        owner)
        return True

    def _assign_on_segment(self, segment, picked, ids, name, expr, constants, purpose, owner):
        """``name = expr`` (constants only) for the synapses ``picked`` (a
        mask) of a connect call's own arrays, whose global indices are
        ``ids``: random numbers by global index, as for any slice."""
        base = (self.name,) + tuple(purpose)
        rng = RandomContext(lambda site: stream_key(*base, "by_index", site),
                            np.ascontiguousarray(ids))
        values = np.broadcast_to(np.asarray(expr.evaluate(dict(constants), rng),
                                            dtype=np.float64), (int(picked.sum()),))
        self._write_on_segment(segment, picked, name, values, owner)

    def _write_on_segment(self, segment, picked, name, values, owner):
        """Values (floats, SI) of ``name`` for the synapses ``picked`` (a
        mask) of a connect call's own arrays."""
        if name in self._delay_variables:
            array = segment.delay_steps if name == "delay" else segment.variables[name]
            array[picked] = self._delay_to_steps(Quantity(values, second.dim), owner)
        else:
            segment.variables[name][picked] = values

    def _set_values(self, name, index, value, raw, owner, run_namespace):
        """``S.name[index] = values`` (numbers, not an expression)."""
        value = as_quantity(value)
        selected, positions, size, requested = self._selection(index, owner, run_namespace)
        values = self._float_values(name, value, raw)
        if values.ndim:
            values = values.reshape(-1)
            if requested is not None:
                # Values in the order of an index array: the last of a
                # repeated index wins, as in numpy.
                if len(values) != len(requested):
                    raise ValueError(f"{owner}.{name}: {len(values)} values for "
                                     f"{len(requested)} synapses")
                last = np.zeros(size, dtype=np.int64)
                last[requested] = np.arange(len(requested))
                values = values[last]
            elif len(values) != size:
                raise ValueError(f"{owner}.{name}: {len(values)} values for {size} synapses")
            if positions is None:
                positions = self.global_indices() if isinstance(selected, slice) else \
                    self._selection_positions(selected)
            values = values[positions]
        self._store_values(name, selected, values, owner)

    def _float_values(self, name, value, raw):
        """The numbers given to set ``name`` (units checked unless ``raw``),
        as floats in SI units."""
        value = as_quantity(value)
        if not raw:
            self._check_value_units(name, value)
        return np.asarray(value.view(np.ndarray) if isinstance(value, Quantity) else value,
                          dtype=np.float64)

    def _set_shared(self, name, index, value, raw, run_namespace, owner):
        """A ``(shared)`` variable: one value for all synapses, on every rank."""
        if not (isinstance(index, slice) and index == slice(None)):
            raise IndexError(f"{owner}.{name} is shared: it has one value, no index")
        if isinstance(value, str):
            expr = Expression(value)
            dim_of = self.resolver.dimension_of(run_namespace, expr.code)
            per_synapse = [n for n in expr.identifiers if self.resolver.resolve(n)[0] != "external"]
            if per_synapse or expr.random_sites:
                raise ValueError(f"{owner}.{name} = '{value}': a shared variable takes one "
                                 f"value; {per_synapse or 'rand()'} differ between synapses")
            dim = expr.dimension(dim_of)
            expected = self.variables[name].dim
            if not raw and dim is not ANY_DIMENSION and dim is not expected:
                raise DimensionMismatchError(f"{owner}.{name} = '{value}': wrong units",
                                             expected, dim)
            value = expr.evaluate(self.resolver.constants(expr.identifiers, run_namespace,
                                                          value))
        elif not raw:
            self._check_value_units(name, value)
        if np.ndim(value) != 0:
            raise ValueError(f"{owner}.{name} is shared: assign one value")
        self.variables[name].values[0] = np.asarray(
            value.view(np.ndarray) if isinstance(value, Quantity) else value)

    def _store_values(self, name, selected, values, owner):
        if name in self._delay_variables:
            # self._store: this also runs while the queued construction builds.
            array = self._store.delay_steps if name == "delay" else self._store.variables[name]
            array[selected] = self._delay_to_steps(Quantity(values, second.dim), owner)
        else:
            self._store.variables[name][selected] = values

    def _evaluate_per_synapse(self, expr, run_namespace, purpose, selected, owner,
                              within_target=None, random_ids=None):
        """Evaluate ``expr`` for the selected local synapses (a mask, sorted
        store positions or a slice of them). Only the per-synapse arrays the
        expression uses are built. Random numbers are keyed by (target, rank
        among the target's synapses): ``within_target`` gives the ranks if
        the caller has them (else they are computed); or by ``random_ids``
        (each selected synapse's global index) if given."""
        positions = selected if isinstance(selected, slice) or selected.dtype != bool \
            else np.flatnonzero(selected)
        # Names resolve as in every synaptic code (_resolve): per-synapse,
        # shared, derived, pre- and postsynaptic values, constants.
        plan = self.resolver.plan(expr.identifiers)
        ns = self.namespace_for(
            plan, positions, self.resolver.constants(expr.identifiers, run_namespace,
                                                     expr.code), defaultclock.t_, defaultclock.dt_,
            self.gather_presynaptic(self.resolver.neuron_variables(expr.identifiers, "pre")))
        rng = None
        if expr.random_sites:
            # A synapse's random numbers are keyed by (target, its rank among
            # the target's synapses): the same on any number of ranks.
            base = (self.name,) + tuple(purpose)
            if random_ids is not None:
                rng = RandomContext(lambda site: stream_key(*base, "by_index", site),
                                    np.asarray(random_ids, dtype=np.int64))
                return expr.evaluate(ns, rng)
            if within_target is None:
                within_target = self.store.index_within_target()[selected]
            rng = RandomContext(lambda site: stream_key(*base, site),
                                self.store.targets_in(positions)
                                if not isinstance(positions, slice)
                                else self.local_values("j", positions), within_target)
        return expr.evaluate(ns, rng)

    def _assign_in_chunks(self, name, expr, run_namespace, purpose, owner):
        """``S.name = expr`` for all local synapses, a chunk at a time: the
        temporaries of the expression stay in cache and memory stays bounded
        (the values are those of a single evaluation)."""
        store = self.store
        n = len(store)
        seen_per_target = np.zeros(max(self.target.n_local, 1), dtype=np.int64)
        for begin in range(0, n, SYNAPSES_PER_CHUNK):
            chunk = slice(begin, min(n, begin + SYNAPSES_PER_CHUNK))
            within_target = store.index_within_target(chunk, seen_per_target) \
                if expr.random_sites else None
            values = self._evaluate_per_synapse(expr, run_namespace, purpose, chunk, owner,
                                                within_target)
            self._store_values(name, chunk, np.broadcast_to(
                np.asarray(values, dtype=np.float64), (chunk.stop - chunk.start,)), owner)

    # -- simulation --------------------------------------------------------------

class SynapseIndices:
    """``S.indices``: indexing it gives the selected synapses' indices."""

    def __init__(self, synapses):
        self.synapses = synapses

    def __getitem__(self, index):
        """The sorted global indices of the synapses ``index`` selects.
        Collective."""
        return SynapseSelection(self.synapses, index).synapse_indices()


class SynapseSelection:
    """Synapses selected by an index (Brian2's indexed Synapses)."""

    def __init__(self, synapses, index):
        self.synapses = synapses
        self.index = index

    def synapse_indices(self):
        """Global indices (creation order) of the selected synapses, sorted;
        the same on every rank. Collective."""
        S = self.synapses
        with collective_call(f"selecting synapses of '{S.name}'"):
            mask = S._selection(self.index, f"Synapses '{S.name}'")[0]
            mine = S.global_indices()[mask]
            return np.sort(np.concatenate(get_comm().allgather(mine)))

    def __len__(self):
        return len(self.synapse_indices())

    def __array__(self, dtype=None, copy=None):
        values = self.synapse_indices()


def _count(selected):
    """How many synapses a selection (a mask or store positions) holds."""
    return int(np.sum(selected)) if selected.dtype == bool else len(selected)
