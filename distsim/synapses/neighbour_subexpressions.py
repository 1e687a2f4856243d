"""Subexpressions of the source and target groups read by synaptic code.

Brian2 lets synaptic code read a neuron group's subexpression through each
synapse (``F_pre``, ``F_post``, or an unsuffixed ``F`` for the target's, as
Tetzlaff et al. 2015 does in ``I_E_post = w*F_pre : 1 (summed)``): the
expression is evaluated with the values of the synapse's own source or target
neuron when the synaptic code runs. distsim gives the Synapses a subexpression
of its own with that meaning: the neuron's expression with each of the
group's names suffixed (``u`` -> ``u_pre``), its index ``i`` made the
synapse's ``i`` (``j`` for the target) and its ``N`` the group's size. Every
code path (pathways, clock-driven and summed updates, compiled kernels) then
reads it as any synaptic subexpression, through presynaptic values that are
gathered from all ranks and postsynaptic values that are local.
"""
from __future__ import annotations

from ..model.equations import SUBEXPRESSION, SingleEquation


def _neighbour_names(group):
    """The group's own names (variables and subexpressions) and its
    subexpressions by name; none for groups without equations."""
    # (A Synapses' subexpressions mean per-synapse values of its own neurons'
    # indices; read through another Synapses they are not supported.)
    equations = getattr(group, "equations", None) \
        if getattr(group, "owner_kind", None) != "Synapses" else None
    subexpressions = {eq.name: eq for eq in equations.ordered_subexpressions()} \
        if equations is not None else {}
    return set(group.variables.arrays) | set(subexpressions), subexpressions


def neighbour_subexpressions(used: set, defined: set, source, target, roots) -> list:
    """Synaptic subexpressions for the neighbours' subexpressions that
    synaptic code uses (directly or through one another).

    Parameters
    ----------
    used : set of str
        Identifiers of the synaptic model and pathways.
    defined : set of str
        Names the Synapses defines itself (never shadowed).
    source, target : NeuronPopulation
        The source and target groups (or subgroups).
    roots : callable
        ``roots(group)``: the NeuronGroup that holds a (sub)group's state.

    Returns
    -------
    list of SingleEquation
    """
    sides = {}
    for suffix, group, index in (("_pre", source, "i"), ("_post", target, "j")):
        root = roots(group)
        names, subexpressions = _neighbour_names(root)
        subgroup = root is not group
        sides[suffix] = (root, names, subexpressions,
                         f"_{'source_i' if index == 'i' else 'target_j'}" if subgroup else index)

    def wanted(name):
        """(suffix, subexpression name) that ``name`` stands for, or None."""
        for suffix in ("_pre", "_post"):
            if name.endswith(suffix) and name[:-len(suffix)] in sides[suffix][2]:
                return suffix, name[:-len(suffix)]
        if name in sides["_post"][2]:  # an unsuffixed name is the target's, as in Brian2
            return "_post", name
        return None

    made, pending = {}, sorted(used - defined)
    while pending:
        name = pending.pop()
        found = wanted(name) if name not in made and name not in defined else None
        if found is None:
            continue
        suffix, original = found
        root, names, subexpressions, index = sides[suffix]
        eq = subexpressions[original]
        renames = {n: f"{n}{suffix}" for n in eq.expr.identifiers if n in names}
        renames.update({"i": index} if "i" not in names else {})
        renames.update({"N": str(root.N)} if "N" not in names else {})
        expr = eq.expr.renamed(renames)
        made[name] = SingleEquation(
            SUBEXPRESSION, name, eq.dim, eq.var_type, expr,
            line=f"{name} = {expr.code}  ({original} of NeuronGroup '{root.name}')")
        pending.extend(sorted(set(renames.values()) & {f"{n}{suffix}" for n in subexpressions}))
    return list(made.values())
