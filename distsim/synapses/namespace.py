"""Names in synaptic code and the values they stand for.

Every name resolves through the Synapses' `Resolver` (groups/resolver.py):
pathways, clock-driven updates, summed variables, assignments, selections
and connect conditions use the same meaning. This mixin builds what code
needs from that meaning: namespaces of values on a set of synapses, the
presynaptic values gathered from all ranks, and the arrays and scalars of
generated kernels.
"""
import numpy as np

from .._ext import synapse_store
from ..codegen.kernels import FixedArray, address, fixed_address


def root_of(group):
    """The NeuronGroup that holds a (sub)group's state. (Read from the
    instance dict: called at every step, and a missing attribute goes
    through the group's ``__getattr__``, which looks for variables.)"""
    return group.__dict__.get("parent", group)


class SynapticNamespace:
    """Name resolution and namespaces of `Synapses` (a mixin)."""

    @property
    def _delay_variables(self):
        return {p.delay_variable for p in self._pathway_objects.values()} | {"delay"}

    def delay_steps(self, name):
        """The per-synapse delays (in steps) of delay variable ``name``."""
        return self.variables[name].values

    def gather_presynaptic(self, variables):
        """The source group's current values of ``variables``, all neurons
        (an allgather per variable: a collective whenever variables are
        given). Neuron arrays, never synapse arrays."""
        root = root_of(self.source)
        return {v: root.gather_state(v) for v in variables}

    def postsynaptic_index(self, positions):
        """Index of each synapse's target in the target group's local arrays."""
        return self.store.local_targets[positions].astype(np.int64) + \
            self.target.root_local_offset

    def namespace_for(self, plan, positions, constants, t, dt, presynaptic):
        """Values for evaluating synaptic code (``plan`` from namespace_plan)
        on the synapses at store ``positions`` (an index array, or a slice:
        then the per-synapse arrays are views that write through)."""
        reads, subexpressions = plan
        ns = dict(constants)
        ns.update(t=t, dt=dt, N_pre=self.source.N, N_post=self.target.N)
        store = self.store
        sources = post_index = None
        for name, kind, variable in reads:
            if kind == "synapse":
                ns[name] = store.variables[name][positions]
            elif kind == "shared":
                ns[name] = self.variables[name].values[0]
            elif kind == "derived":
                ns[name] = self.local_values(name)[positions] \
                    if not isinstance(positions, slice) else self.local_values(name, positions)
            elif kind == "post":
                if post_index is None:
                    post_index = self.postsynaptic_index(positions)
                ns[name] = root_of(self.target).variables.arrays[variable][post_index]
            elif kind == "pre":
                if sources is None:
                    sources = store.sources_in(positions)
                ns[name] = presynaptic[variable][sources + getattr(self.source, "sub_start", 0)]
        for eq in subexpressions:
            ns[eq.name] = eq.expr.evaluate(ns)
        return ns

    def kernel_values(self, constants):
        """Constants, shared values and group sizes by name: the scalar
        arguments of generated kernels."""
        values = dict(constants)
        values.update({name: v.values[0] for name, v in self.variables.items() if v.shared})
        values.update(N_pre=self.source.N, N_post=self.target.N)
        return values

    def uncompilable(self, reads):
        """Why generated kernels cannot run code with ``reads`` (a namespace
        plan's), or None: they take float64 arrays only, shared values once
        per run (a linked value changes), and index targets as a block of a
        NeuronGroup (not another Synapses' synapses)."""
        if not self.float_model(reads):
            return "non-float variables"
        if self.reads_linked(reads):
            return "a linked variable"
        if self._store.target_ids is not None or \
                getattr(self.source, "owner_kind", None) == "Synapses":
            return "Synapses connected to Synapses"
        return None

    def float_model(self, reads):
        """Whether the per-synapse variables and the group variables among
        ``reads`` (a namespace plan's) are all float64: generated kernels
        handle only those."""
        groups = {"post": root_of(self.target), "pre": root_of(self.source)}
        arrays = [a for name, a in self.store.variables.items()
                  if name not in self._delay_variables]
        arrays += [groups[kind].variables.arrays[v] for _, kind, v in reads if kind in groups]
        return all(a.dtype == np.float64 for a in arrays)

    def reads_linked(self, reads):
        """Whether ``reads`` (a namespace plan's) include a linked variable,
        whose value changes during a run: generated kernels take shared
        values once, at the start of the run, so its code runs on the numpy
        path, which reads it at each call."""
        return any(kind == "shared" and "linked" in self.variables[variable].flags
                   for _, kind, variable in reads)

    def kernel_array_addresses(self, keys):
        """Addresses of a kernel's per-synapse and target-group arrays, which
        stay in place during a run; other keys (presynaptic values, random
        draws) are kept, to be resolved at each call (`kernel_arrays`)."""
        root = root_of(self.target)
        return [fixed_address(key) if isinstance(key, FixedArray) else
                address(self.store.variables[key[1]]) if key[0] == "synapse" else
                address(root.variables.arrays[key[1]]) if key[0] == "post" else key
                for key in keys]

    @staticmethod
    def kernel_arrays(addresses, fresh):
        """The array addresses of one kernel call: ``fresh`` maps the keys
        that `kernel_array_addresses` left open to this call's arrays."""
        return tuple(address(fresh[a]) if isinstance(a, tuple) else a for a in addresses)

    def synapses_by_target(self):
        """This rank's synapses grouped by local target: (row start per
        target, store positions in store order within each target). A
        counting sort (ext/synapse_store.pyx), O(synapses)."""
        store = self.store
        return synapse_store.group_by_source(store.local_targets.astype(np.int64),
                                             self.target.n_local)
