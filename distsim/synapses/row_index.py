"""The row index of a rank's synapse store: where each source's synapses are.

The store groups a rank's synapses by source (CSR). A dense index keeps one
row start per source neuron: 8 bytes per neuron of the source group for each
Synapses object, on every rank, whatever the number of ranks
(docs/scaling.md's first memory wall). A compressed index keeps rows only for
the sources the rank has synapses from (their ids, sorted, and the row
starts): 16 bytes per such source, and one bit per source neuron that says
whether it has a row (64 times less than the dense index). A spike then
finds its row by that bit and, where it has one, a binary search
(ext/row_index.pxd) instead of by its id: most spikes a rank of many sees
have no synapse there, and the bit turns them away at once.

The store picks the compressed form where it holds at most a quarter of the
dense index's rows (it then takes at most half the memory); otherwise the
dense form, whose lookup costs nothing. Both give the same synapses in the
same order, so every result is the same in either form (the tests run the
suite with each form forced: ``DISTSIM_ROW_INDEX=dense`` or ``compressed``).
"""
from __future__ import annotations

import os

import numpy as np

FORMS = ("auto", "dense", "compressed")


def chosen_form() -> str:
    """The form the stores use: ``DISTSIM_ROW_INDEX`` (``auto`` by default)."""
    form = os.environ.get("DISTSIM_ROW_INDEX", "auto").strip().lower() or "auto"
    if form not in FORMS:
        raise ValueError(f"DISTSIM_ROW_INDEX={form!r}: use one of {', '.join(FORMS)}")
    return form


def compress(dense_row_start: np.ndarray, form: str | None = None):
    """The row index of a dense ``row_start`` (one row per source) in the
    form chosen for it.

    Returns
    -------
    row_sources : int64 array or None
        The source of each row (sorted, each source with synapses once), or
        None for the dense form (row r is source r).
    row_start : int64 array
        Where each row starts, and the number of synapses after the last.
    """
    form = form or chosen_form()
    counts = np.diff(dense_row_start)
    n_sources = len(counts)
    if form == "dense":
        return None, dense_row_start
    row_sources = np.flatnonzero(counts).astype(np.int64)
    if form == "auto" and 4 * len(row_sources) > n_sources:
        return None, dense_row_start
    row_start = np.empty(len(row_sources) + 1, dtype=np.int64)
    row_start[0] = 0
    np.cumsum(counts[row_sources], out=row_start[1:])
    return row_sources, row_start


def of_grouped_sources(grouped_sources: np.ndarray):
    """The compressed row index of synapses whose sources are ``grouped_sources``
    (sorted): the sources with synapses and where each one's row starts."""
    if len(grouped_sources) == 0:
        return np.empty(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    firsts = np.flatnonzero(np.diff(grouped_sources)) + 1
    row_start = np.empty(len(firsts) + 2, dtype=np.int64)
    row_start[0], row_start[1:-1], row_start[-1] = 0, firsts, len(grouped_sources)
    return grouped_sources[row_start[:-1]].astype(np.int64), row_start


def in_form(row_sources: np.ndarray | None, row_start: np.ndarray, n_sources: int,
            form: str | None = None):
    """A row index (either form) in the form chosen for it: as `compress`
    gives, without a dense array where the result is compressed."""
    form = form or chosen_form()
    if row_sources is None:
        return compress(row_start, form)
    if form == "dense" or (form == "auto" and 4 * len(row_sources) > n_sources):
        return None, expand(row_sources, row_start, n_sources)
    keep = np.flatnonzero(np.diff(row_start))  # only sources with synapses have rows
    if len(keep) < len(row_sources):
        row_sources = row_sources[keep]
        row_start = np.concatenate([row_start[keep], row_start[-1:]])
    return row_sources, row_start


def on_common_rows(indices, n_sources: int):
    """Several row indices (row_sources, row_start) of one source group on
    the rows of their union: the union's sources (None where one is dense)
    and, stacked, each index's row starts over those rows. Costs the union's
    rows where all are compressed, not the source group's size."""
    if any(row_sources is None for row_sources, _ in indices):
        return None, np.stack([expand(row_sources, row_start, n_sources)
                               for row_sources, row_start in indices])
    union = np.unique(np.concatenate([row_sources for row_sources, _ in indices]))
    stacked = np.zeros((len(indices), len(union) + 1), dtype=np.int64)
    for k, (row_sources, row_start) in enumerate(indices):
        counts = np.zeros(len(union), dtype=np.int64)
        counts[np.searchsorted(union, row_sources)] = np.diff(row_start)
        np.cumsum(counts, out=stacked[k, 1:])
    return union, stacked


def presence_bits(row_sources: np.ndarray | None, n_sources: int) -> np.ndarray | None:
    """One bit per source (uint64 words, bit s % 64 of word s // 64): set
    where the source has a row; None for the dense form."""
    if row_sources is None:
        return None
    bits = np.zeros((n_sources + 63) // 64, dtype=np.uint64)
    np.bitwise_or.at(bits, row_sources // 64,
                     np.left_shift(np.uint64(1), (row_sources % 64).astype(np.uint64)))
    return bits


def expand(row_sources: np.ndarray | None, row_start: np.ndarray, n_sources: int) -> np.ndarray:
    """The dense ``row_start`` (one row per source) of a row index."""
    if row_sources is None:
        return row_start
    counts = np.zeros(n_sources, dtype=np.int64)
    counts[row_sources] = np.diff(row_start)
    dense = np.zeros(n_sources + 1, dtype=np.int64)
    np.cumsum(counts, out=dense[1:])
    return dense


def rows_of(row_sources: np.ndarray | None, sources: np.ndarray) -> np.ndarray:
    """The row of each source index in ``sources`` (all in the source group's
    range), -1 where the rank has no synapses from it (compressed form)."""
    sources = np.asarray(sources, dtype=np.int64)
    if row_sources is None:
        return sources
    rows = np.searchsorted(row_sources, sources)
    found = rows < len(row_sources)
    found[found] = row_sources[rows[found]] == sources[found]
    return np.where(found, rows, -1)


def sources_of(row_sources: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """The source index of each row in ``rows``."""
    return rows if row_sources is None else row_sources[rows]
