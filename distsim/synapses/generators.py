"""Brian2's generator syntax for ``connect(j=...)``, evaluated on each rank
for the targets it owns:

    j='i'                                  one target per source
    j='k for k in range(i-3, i+4) if k != i'
    j='k for k in sample(N_post, p=0.1)'   each candidate with probability p
    j='k for k in sample(N_post, size=5)'  5 distinct targets per source
"""
import ast
import re

import numpy as np

from ..core.random import stream_key, uniform
from ..model.expressions import Expression, RandomContext

_GENERATOR_HEAD = re.compile(r"^\s*(?P<expr>.+?)\s+for\s+(?P<var>[A-Za-z_]\w*)\s+in\s+"
                             r"(?P<iterator>range|sample)\s*\(")
_CONDITION = re.compile(r"^\s+if\s+(?P<cond>.+?)\s*$|^\s*$")


def _parse_generator(code):
    """``{'expr', 'var', 'iterator', 'args', 'cond'}`` of a generator
    expression ``expr for var in range|sample(args) [if cond]``, or None.
    The call's arguments end at their matching parenthesis (the condition
    may hold parentheses of its own)."""
    head = _GENERATOR_HEAD.match(code)
    if head is None:
        return None
    depth, position = 1, head.end()
    while position < len(code) and depth:
        depth += {"(": 1, ")": -1}.get(code[position], 0)
        position += 1
    condition = _CONDITION.match(code[position:])
    if depth or condition is None:
        return None
    return dict(head.groupdict(), args=code[head.end():position - 1],
                cond=condition.group("cond"))


def _parse_call_args(text, owner, code):
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except SyntaxError:
        raise SyntaxError(f"{owner}: cannot parse the arguments in j='{code}'") from None
    args = [ast.unparse(a) for a in call.args]
    keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
    return args, keywords


def _per_source(synapses, code, sources, run_namespace, owner):
    """An integer or float expression of i, evaluated for every source."""
    expr = Expression(code)
    ns = synapses._pair_namespace(sources, None, run_namespace, expr, owner)
    return np.broadcast_to(np.asarray(expr.evaluate(ns)), sources.shape)


def _owned_candidates(target, starts, stops):
    """The per-source ranges [starts, stops) of candidate targets cut to the
    ones this rank owns: (starts, stops, steps) for `_ranges`. A share that
    is a progression gives exact ranges; another Synapses' synapses (ids
    that are not a progression) give the whole ranges, `owns` decides."""
    share = getattr(target, "share", None)
    if share is None:
        return starts, stops, None
    lo = np.maximum(starts, share.first)
    lo = lo + (share.first - lo) % share.stride  # the next owned index
    return lo, np.minimum(stops, share.end), np.full_like(lo, share.stride)


def _ranges(starts, stops, steps=None):
    """All (source position, k) pairs of per-source ranges, vectorised."""
    steps = np.ones_like(starts) if steps is None else steps
    lengths = np.maximum(0, -(-(stops - starts) // steps)).astype(np.int64)
    owner_pos = np.repeat(np.arange(len(starts)), lengths)
    first = np.repeat(np.cumsum(lengths) - lengths, lengths)
    k = np.repeat(starts, lengths) + (np.arange(lengths.sum(), dtype=np.int64) - first) * \
        np.repeat(steps, lengths)
    return owner_pos, k


def targets_from_j(synapses, code, key, run_namespace, owner, skip_if_invalid=False):
    """Source and target indices of ``connect(j=code)`` for this rank."""
    source, target = synapses.source, synapses.target
    all_sources = np.arange(source.N, dtype=np.int64)
    loose = re.match(r"^\s*(?P<var>[A-Za-z_]\w*)\s+in\s+(?P<rest>.+)$", code)
    if loose is None and not re.search(r"\bfor\b", code) and len(code.split(" if ")) == 2:
        # Brian2's short form j='i if i < N': one candidate per source, kept if.
        element, condition = code.split(" if ")
        code = f"{element} for _ in range(1) if {condition}"
    match = _parse_generator(code)
    if match is None and loose is not None:
        # Brian2's guide writes "j='k in range(5, 10) if i < 5'" once (a typo).
        raise SyntaxError(f"{owner}: j='{code}' is not a generator expression; write "
                          f"j='{loose.group('var')} for {loose.group('var')} in "
                          f"{loose.group('rest')}'")
    if match is None:  # a plain expression of i: one target per source
        targets = np.asarray(_per_source(synapses, code, all_sources, run_namespace, owner),
                             dtype=np.int64)
        sources = all_sources
    else:
        var = match["var"]
        args, keywords = _parse_call_args(match["args"], owner, code)
        if match["iterator"] == "range":
            if keywords or not 1 <= len(args) <= 3:
                raise SyntaxError(f"{owner}: range() takes 1 to 3 positional arguments in "
                                  f"j='{code}'")
            bounds = ["0"] + args if len(args) == 1 else args
            starts = np.asarray(_per_source(synapses, bounds[0], all_sources, run_namespace,
                                            owner), dtype=np.int64)
            stops = np.asarray(_per_source(synapses, bounds[1], all_sources, run_namespace,
                                           owner), dtype=np.int64)
            steps = None
            if len(bounds) == 3:
                steps = np.asarray(_per_source(synapses, bounds[2], all_sources, run_namespace,
                                               owner), dtype=np.int64)
                if np.any(steps <= 0):
                    raise ValueError(f"{owner}: range() steps must be positive in j='{code}'")
            if match["expr"].strip() == var and steps is None:
                # k is the target: only this rank's block is needed, but
                # candidates outside the group must still be reported.
                if not skip_if_invalid:
                    for lo, hi in ((starts, np.minimum(stops, 0)),
                                   (np.maximum(starts, target.N), stops)):
                        position, k = _ranges(lo, hi)
                        k = _filtered(synapses, match, var, all_sources[position], k,
                                      run_namespace, owner, key)[1]
                        if len(k):
                            raise IndexError(
                                f"{owner}: j='{code}' gives target {k[0]}, outside "
                                f"0..{target.N - 1} (use skip_if_invalid=True to drop such pairs)")
                starts, stops, steps = _owned_candidates(target, starts, stops)
            position, k = _ranges(starts, stops, steps)
            sources = all_sources[position]
        else:
            sources, k = _sample(synapses, args, keywords, key, all_sources, run_namespace,
                                 owner, code, match["expr"].strip() == var)
        sources, k = _filtered(synapses, match, var, sources, k, run_namespace, owner, key)
        targets = _elements(synapses, match, var, sources, k, run_namespace, owner)
    invalid = (targets < 0) | (targets >= target.N)
    if invalid.any():
        if not skip_if_invalid:
            bad = np.flatnonzero(invalid)[0]
            raise IndexError(f"{owner}: j='{code}' gives target {targets[bad]} for source "
                             f"{sources[bad]}, outside 0..{target.N - 1} (use "
                             "skip_if_invalid=True to drop such pairs)")
    mine = ~invalid & target.owns(targets)
    sources, targets = sources[mine], targets[mine]
    order = np.lexsort((sources, targets))
    return sources[order], targets[order]


def _elements(synapses, match, var, sources, k, run_namespace, owner):
    """The generator's element (the target index) for every candidate."""
    if match["expr"].strip() == var:
        return k
    element = Expression(match["expr"])
    ns = synapses._pair_namespace(sources, None, run_namespace, element, owner, {var: k})
    return np.broadcast_to(np.asarray(element.evaluate(ns)), sources.shape).astype(np.int64)


def _filtered(synapses, match, var, sources, k, run_namespace, owner, key):
    """Keep the candidates that satisfy the generator's ``if`` condition
    (its ``rand()``: one number per (source, candidate), the same on any rank)."""
    if not match["cond"] or len(sources) == 0:
        return sources, k
    cond = Expression(match["cond"])
    # As in Brian2, j in the condition is the element (the target) itself.
    targets = _elements(synapses, match, var, sources, k, run_namespace, owner)
    ns = synapses._pair_namespace(sources, None, run_namespace, cond, owner,
                                  {var: k, "j": targets})
    rng = RandomContext(lambda site: stream_key(key, "generator-if", site), k, sources)
    keep = np.broadcast_to(np.asarray(cond.evaluate(ns, rng), dtype=bool), sources.shape)
    return sources[keep], k[keep]


def _sample(synapses, args, keywords, key, all_sources, run_namespace, owner, code, k_is_target):
    """Candidates of ``sample(...)``: Bernoulli with ``p=`` or ``size=`` distinct."""
    target = synapses.target
    if len(args) not in (1, 2) or set(keywords) - {"p", "size"} or len(keywords) != 1:
        raise SyntaxError(f"{owner}: use sample(high, p=...), sample(low, high, p=...) or "
                          f"size=... in j='{code}'")
    bounds = ["0"] + args if len(args) == 1 else args
    low = np.asarray(_per_source(synapses, bounds[0], all_sources, run_namespace, owner),
                     dtype=np.int64)
    high = np.asarray(_per_source(synapses, bounds[1], all_sources, run_namespace, owner),
                      dtype=np.int64)
    if "p" in keywords:
        p = np.asarray(_per_source(synapses, keywords["p"], all_sources, run_namespace, owner),
                       dtype=np.float64)
        steps = None
        if k_is_target:
            low, high, steps = _owned_candidates(target, low, high)
        position, k = _ranges(low, high, steps)
        sources = all_sources[position]
        # One uniform per (source, candidate): the same on any rank.
        keep = uniform(stream_key(key, "sample-p"), k, sources) < p[position]
        return sources[keep], k[keep]
    size_values = _per_source(synapses, keywords["size"], all_sources, run_namespace, owner)
    if np.any(size_values != size_values.flat[0]):
        raise NotImplementedError(f"{owner}: sample(size=...) must be the same for all sources")
    size = int(size_values.flat[0])
    if np.any(high - low < size):
        raise ValueError(f"{owner}: cannot sample {size} distinct values from a smaller range "
                         f"in j='{code}'")
    chosen = _floyd_sample(stream_key(key, "sample-size"), all_sources, low, high, size)
    return np.repeat(all_sources, size), chosen.reshape(-1)


def _floyd_sample(key, sources, low, high, size):
    """``size`` distinct values in [low, high) per source (Floyd's algorithm),
    vectorised over sources, with draws keyed by (source, step)."""
    n = high - low
    chosen = np.empty((len(sources), size), dtype=np.int64)
    for step in range(size):
        t = n - size + step  # choose r uniformly in [0, t]
        r = np.minimum((uniform(key, sources, step) * (t + 1)).astype(np.int64), t)
        taken = np.any(chosen[:, :step] == r[:, None], axis=1) if step else np.zeros(len(r), bool)
        chosen[:, step] = np.where(taken, t, r)
    return np.sort(chosen, axis=1) + low[:, None]
