"""Connection generation, one target at a time, for the targets a rank owns.

The random numbers of target j are keyed by j alone, so the synapses of a
target do not depend on the rank that generates them.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint64_t, int64_t
from libc.math cimport log, floor
from philox cimport philox_uniform

cnp.import_array()


def bernoulli_by_target(uint64_t key, int64_t n_sources, const int64_t[::1] targets,
                        double p):
    """Each (source, target) pair exists with probability ``p``.

    Skips over absent pairs with geometric gaps, so the cost is proportional to
    the synapses made, not to the pairs considered (this is what makes
    ``connect(p=...)`` affordable for 1e5 x 1e5 groups).

    Returns
    -------
    sources, targets : int64 arrays
        Grouped by target (in the order given), sources ascending within one.
    """
    cdef Py_ssize_t n_targets = targets.shape[0], t
    cdef int64_t source, count = 0
    cdef uint64_t draw
    cdef double log_q, u
    expected = int(n_targets * n_sources * p * 1.1 + 64)
    out_sources = np.empty(max(expected, 16), dtype=np.int64)
    out_targets = np.empty(max(expected, 16), dtype=np.int64)
    cdef int64_t[::1] src_view = out_sources, tgt_view = out_targets
    if p <= 0.0 or n_sources == 0:
        return out_sources[:0], out_targets[:0]
    log_q = log(1.0 - p) if p < 1.0 else 0.0
    for t in range(n_targets):
        source = -1
        draw = 0
        while True:
            if p >= 1.0:
                source += 1
            else:
                u = philox_uniform(key, <uint64_t>targets[t], draw)
                draw += 1
                # Gap to the next present pair: Geometric(p) - 1, by inversion.
                source += 1 + <int64_t>floor(log(1.0 - u) / log_q)
            if source >= n_sources:
                break
            if count == src_view.shape[0]:
                out_sources = np.resize(out_sources, 2 * count)
                out_targets = np.resize(out_targets, 2 * count)
                src_view = out_sources
                tgt_view = out_targets
            src_view[count] = source
            tgt_view[count] = targets[t]
            count += 1
    return out_sources[:count], out_targets[:count]
