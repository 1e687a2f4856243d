"""Counter-based random numbers for whole arrays of elements.

Each number is Philox4x32-10 of (key, element id, draw index): the value of
element e does not depend on which rank computes it, nor on what else was
drawn before. distsim.core.random derives the keys.
"""
import numpy as np
cimport numpy as cnp
from cpython.pycapsule cimport PyCapsule_New
from step_op cimport StepOp, STEP_OP_CAPSULE
from libc.stdint cimport uint64_t, int64_t, uint32_t, int32_t
from philox cimport philox4x32_10, bits_to_unit
from libc.stddef cimport size_t

cdef extern from "philox_lanes.h":
    # Philox blocks drawn together (AVX2 where the processor has it): the
    # words of philox4x32_10 for each counter (lo[j], hi[j]).
    void distsim_philox_blocks(uint64_t key, const uint64_t* lo, const uint64_t* hi,
                               size_t n, uint32_t* words) noexcept nogil
    void distsim_philox_blocks_one_by_one(uint64_t key, const uint64_t* lo,
                                          const uint64_t* hi, size_t n,
                                          uint32_t* words) noexcept nogil
cdef extern from "binomial_lanes.h":
    # Binomial counts by inversion (the definition, and a batch of them
    # added to values, AVX2 where the processor has it).
    enum:
        DISTSIM_INVERSION_TABLE_SIZE
        DISTSIM_INVERSION_SHIFT
    int64_t distsim_binomial_search(uint32_t bits, const double* cdf, int64_t size) noexcept nogil
    int64_t distsim_binomial_inversion(uint32_t bits, const int32_t* by_top_bits,
                                       const double* cdf, int64_t size) noexcept nogil
    void distsim_add_inversions(const uint32_t* words, size_t first, size_t stride, size_t n,
                                const int32_t* by_top_bits, const double* cdf, int64_t size,
                                double weight, double* values) noexcept nogil
cdef extern from "ziggurat_lanes.h":
    # The ziggurat's rectangle test: one block, and a batch of blocks (AVX2
    # where the processor has it) listing those outside their rectangles.
    bint distsim_ziggurat_rectangle(const uint32_t* words, const double* layer_x,
                                    double* value) noexcept nogil
    size_t distsim_ziggurat_rectangles(const uint32_t* words, size_t n, const double* layer_x,
                                       double* values, uint32_t* outside) noexcept nogil
from libc.math cimport floor, sqrt, exp, log

cnp.import_array()


# -- standard normal numbers: Marsaglia & Tsang's ziggurat, 256 layers ------
# (J. Stat. Softw. 5(8), 2000). Box-Muller needed a log, a sqrt and a cos
# per number (37 ns here); the ziggurat accepts 99% of draws with one
# multiplication and comparison (the same Philox block, no functions).
# Each number stays a pure function of (key, element, draw): a rejected try
# draws the block (element, draw ^ (try << 56)), so draw indices must stay
# below 2**56.
cdef enum:
    ZIGGURAT_LAYERS = 256

cdef double ZIGGURAT_R = 3.6541528853610088     # where the tail starts
cdef double ZIGGURAT_AREA = 0.00492867323399    # area of each layer
# Layer i (0 = the base strip with the tail) has width ziggurat_x[i];
# u * ziggurat_x[i] < ziggurat_x[i + 1] lies under the curve for sure.
cdef double ziggurat_x[ZIGGURAT_LAYERS + 1]
cdef double ziggurat_f[ZIGGURAT_LAYERS + 1]     # exp(-x^2 / 2) at ziggurat_x


cdef void _make_ziggurat():
    cdef int i
    cdef double f_r = exp(-0.5 * ZIGGURAT_R * ZIGGURAT_R)
    ziggurat_x[0] = ZIGGURAT_AREA / f_r
    ziggurat_x[1] = ZIGGURAT_R
    for i in range(1, ZIGGURAT_LAYERS - 1):
        ziggurat_x[i + 1] = sqrt(-2.0 * log(ZIGGURAT_AREA / ziggurat_x[i]
                                            + exp(-0.5 * ziggurat_x[i] * ziggurat_x[i])))
    ziggurat_x[ZIGGURAT_LAYERS] = 0.0
    for i in range(ZIGGURAT_LAYERS + 1):
        ziggurat_f[i] = exp(-0.5 * ziggurat_x[i] * ziggurat_x[i])
    ziggurat_f[0] = f_r  # the base strip's rectangle has the tail's height


_make_ziggurat()


def ziggurat_layers():
    """The layer edges (for tests: the top layer must close at x = 0)."""
    return [ziggurat_x[i] for i in range(ZIGGURAT_LAYERS + 1)]


cdef inline bint ziggurat_rectangle(const uint32_t* words, double* value) noexcept nogil:
    """The ziggurat's first test on a block: True (and the number in
    ``value``) for the 99% of blocks whose point lies in a layer's rectangle
    (ziggurat_lanes.h: the definition, and four blocks at a time)."""
    return distsim_ziggurat_rectangle(words, ziggurat_x, value)


cdef inline double normal_from_block(uint64_t key, uint64_t element, uint64_t draw) noexcept nogil:
    cdef uint32_t words[4]
    cdef uint64_t attempt = 0
    cdef int layer
    cdef double x, y, tail_x, tail_y, sign, value
    while True:
        philox4x32_10(key, element, draw ^ (attempt << 56), words)
        attempt += 1
        if ziggurat_rectangle(words, &value):
            return value
        layer = words[0] & 0xFF
        sign = 1.0 - 2.0 * ((words[0] >> 8) & 1)
        x = value * sign
        if layer == 0:
            # The tail beyond R (Marsaglia 1964), from this block's last words;
            # a rejected tail value is drawn again from a further block.
            while True:
                tail_x = -log((words[2] + 0.5) * (1.0 / 4294967296.0)) / ZIGGURAT_R
                tail_y = -log((words[3] + 0.5) * (1.0 / 4294967296.0))
                if 2.0 * tail_y > tail_x * tail_x:
                    return sign * (ZIGGURAT_R + tail_x)
                philox4x32_10(key, element, draw ^ (attempt << 56), words)
                attempt += 1
        # The wedge between the rectangle and the curve.
        y = ziggurat_f[layer] + bits_to_unit(words[2], words[3]) * \
            (ziggurat_f[layer + 1] - ziggurat_f[layer])
        if y < exp(-0.5 * x * x):
            return sign * x


def uniform(uint64_t key, const int64_t[::1] elements, uint64_t draw=0):
    """Uniform numbers in [0, 1), one per element id."""
    cdef Py_ssize_t n = elements.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    if n:
        with nogil:
            _fill_uniforms(key, &elements[0], NULL, draw, n, &values[0])
    return out


cdef enum:
    # Blocks drawn per call of distsim_philox_blocks (a multiple of its lanes).
    BATCH_BLOCKS = 64


cdef struct CounterBatch:
    # Up to BATCH_BLOCKS counters and their blocks' words, drawn together.
    uint64_t lo[BATCH_BLOCKS]
    uint64_t hi[BATCH_BLOCKS]
    uint32_t words[4 * BATCH_BLOCKS]


cdef inline Py_ssize_t _draw_counters(CounterBatch* batch, uint64_t key, const int64_t* elements,
                                      const int64_t* draws, uint64_t draw, Py_ssize_t first,
                                      Py_ssize_t n) noexcept nogil:
    """The blocks of counters (elements[k], draws[k] or draw) for k from
    ``first`` (at most BATCH_BLOCKS of them, fewer at the end): their count."""
    cdef Py_ssize_t j, m = min(<Py_ssize_t>BATCH_BLOCKS, n - first)
    for j in range(m):
        batch.lo[j] = <uint64_t>elements[first + j]
        batch.hi[j] = <uint64_t>draws[first + j] if draws else draw
    distsim_philox_blocks(key, batch.lo, batch.hi, m, batch.words)
    return m


cdef void _fill_uniforms(uint64_t key, const int64_t* elements, const int64_t* draws,
                         uint64_t draw, Py_ssize_t n, double* values) noexcept nogil:
    """values[k]: `philox_uniform` of counter (elements[k], draws[k] or draw),
    the blocks of a batch drawn together."""
    cdef CounterBatch batch
    cdef Py_ssize_t k = 0, j, m
    while k < n:
        m = _draw_counters(&batch, key, elements, draws, draw, k, n)
        for j in range(m):
            values[k + j] = bits_to_unit(batch.words[4 * j], batch.words[4 * j + 1])
        k += m


cdef void _fill_normals(uint64_t key, const int64_t* elements, const int64_t* draws,
                        uint64_t draw, Py_ssize_t n, double* values) noexcept nogil:
    """values[k]: the normal number of counter (elements[k], draws[k] or draw).
    The blocks of a batch are drawn together (vectorized); the rare blocks
    outside the rectangles are drawn again by normal_from_block."""
    cdef CounterBatch batch
    cdef uint32_t outside[BATCH_BLOCKS]
    cdef Py_ssize_t k = 0, j, m, n_outside
    while k < n:
        m = _draw_counters(&batch, key, elements, draws, draw, k, n)
        n_outside = distsim_ziggurat_rectangles(batch.words, m, ziggurat_x, values + k, outside)
        for j in range(n_outside):
            values[k + outside[j]] = normal_from_block(key, batch.lo[outside[j]],
                                                       batch.hi[outside[j]])
        k += m


def normal(uint64_t key, const int64_t[::1] elements, uint64_t draw=0):
    """Standard normal numbers, one per element id."""
    cdef Py_ssize_t n = elements.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    if n:
        with nogil:
            _fill_normals(key, &elements[0], NULL, draw, n, &values[0])
    return out


cdef double _normal_number(uint64_t key, uint64_t element, uint64_t draw) noexcept nogil:
    return normal_from_block(key, element, draw)


def normal_function():
    """`normal`'s number of one counter, for generated kernels: a capsule
    (name "distsim.normal") of ``double f(key, element, draw)``."""
    return PyCapsule_New(<void*>_normal_number, "distsim.normal", NULL)


def raw_block(uint64_t key, uint64_t counter_lo, uint64_t counter_hi):
    """The four 32-bit words of one Philox block (for tests against the
    published known-answer vectors)."""
    cdef uint32_t out[4]
    philox4x32_10(key, counter_lo, counter_hi, out)
    return [out[0], out[1], out[2], out[3]]


def raw_blocks(uint64_t key, const uint64_t[::1] lo, const uint64_t[::1] hi,
               bint vectorized=True):
    """The words of the blocks (lo[j], hi[j]), shape (n, 4): `raw_block` of
    each, drawn together as the kernels draw them (``vectorized=False``: the
    path of processors without AVX2)."""
    cdef Py_ssize_t n = lo.shape[0]
    if hi.shape[0] != n:
        raise ValueError("lo and hi must have the same length")
    out = np.zeros((n, 4), dtype=np.uint32)
    cdef uint32_t[:, ::1] words = out
    if n:
        with nogil:
            if vectorized:
                distsim_philox_blocks(key, &lo[0], &hi[0], n, &words[0, 0])
            else:
                distsim_philox_blocks_one_by_one(key, &lo[0], &hi[0], n, &words[0, 0])
    return out


def uniform_pairs(uint64_t key, const int64_t[::1] elements, const int64_t[::1] draws):
    """Uniform numbers in [0, 1) for counters (elements[k], draws[k])."""
    cdef Py_ssize_t n = elements.shape[0]
    if draws.shape[0] != n:
        raise ValueError("one draw index per element")
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    if n:
        with nogil:
            _fill_uniforms(key, &elements[0], &draws[0], 0, n, &values[0])
    return out


def normal_pairs(uint64_t key, const int64_t[::1] elements, const int64_t[::1] draws):
    """Standard normal numbers for counters (elements[k], draws[k])."""
    cdef Py_ssize_t n = elements.shape[0]
    if draws.shape[0] != n:
        raise ValueError("one draw index per element")
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] values = out
    if n:
        with nogil:
            _fill_normals(key, &elements[0], &draws[0], 0, n, &values[0])
    return out


cdef struct BinomialTable:
    # Binomial(n, p) by inversion: cdf[x] = P(X <= x) for x < size; above a
    # mean of 400, a rounded normal instead (normal_approx).
    long long n
    double mean
    double sd
    bint normal_approx
    const double* cdf
    Py_ssize_t size
    # The count of each part of the unit interval (by the top bits of a
    # 32-bit uniform: binomial_lanes.h), or -1 where a cdf value cuts
    # through it: one table look-up for almost every draw.
    int32_t count_by_top_bits[DISTSIM_INVERSION_TABLE_SIZE]


cdef struct BlockCache:
    # The last Philox block drawn: one block serves 4 consecutive elements.
    uint64_t block
    uint32_t words[4]


cdef object _fill_binomial_table(BinomialTable* table, long long n, double p):
    """Fill ``table`` for n > 0, 0 < p < 1; returns the array holding the cdf
    (the caller keeps it alive while the table is used)."""
    cdef double q = 1.0 - p, s = p / q, a = (n + 1) * s, term, total
    cdef Py_ssize_t x
    cdef double[::1] cdf
    table.n = n
    table.mean = n * p
    table.sd = sqrt(n * p * q)
    table.normal_approx = table.mean > 400.0
    table.cdf = NULL
    table.size = 0
    if table.normal_approx:
        return None
    # P(X <= x) for x = 0 .. until the rest is below double resolution.
    table.size = min(n, <long long>(table.mean + 40.0 * table.sd + 40.0)) + 1
    cdf_array = np.empty(table.size, dtype=np.float64)
    cdf = cdf_array
    term = q ** n
    total = term
    cdf[0] = total
    for x in range(1, table.size):
        term *= a / x - s
        total += term
        cdf[x] = total
    table.cdf = &cdf[0]
    cdef int top
    cdef int64_t first_count, last_count
    cdef uint32_t first_bits, last_bits = (1u << DISTSIM_INVERSION_SHIFT) - 1
    for top in range(DISTSIM_INVERSION_TABLE_SIZE):
        # Counts grow with the uniform: equal at both ends, equal throughout.
        first_bits = (<uint32_t>top) << DISTSIM_INVERSION_SHIFT
        first_count = distsim_binomial_search(first_bits, table.cdf, table.size)
        last_count = distsim_binomial_search(first_bits | last_bits, table.cdf, table.size)
        table.count_by_top_bits[top] = first_count if first_count == last_count else -1
    return cdf_array


cdef inline int64_t binomial_draw(uint64_t key, uint64_t element, uint64_t draw,
                                  const BinomialTable* table, BlockCache* cache) noexcept nogil:
    cdef long long x
    cdef uint64_t block
    if table.normal_approx:
        x = <long long>floor(table.mean + table.sd * normal_from_block(key, element, draw) + 0.5)
        return 0 if x < 0 else (table.n if x > table.n else x)
    # A 32-bit uniform per element (ample for inversion), 4 elements per
    # block; still a pure function of (key, element, draw).
    block = element >> 2
    if block != cache.block:
        philox4x32_10(key, block, draw, cache.words)
        cache.block = block
    return binomial_inversion(cache.words[element & 3], table)


cdef inline int64_t binomial_inversion(uint32_t bits, const BinomialTable* table) noexcept nogil:
    """The count whose cdf interval holds the uniform (bits + 0.5) / 2**32."""
    return distsim_binomial_inversion(bits, table.count_by_top_bits, table.cdf, table.size)


cdef class BinomialDraws:
    """Binomial(n, p) counts, counter-based: the count of element e for draw
    d is a pure function of (key, e, d).

    Inversion against the cumulative distribution, tabulated once here (a
    PoissonInput draws with the same n and p every step); above a mean of
    400 a rounded normal.
    """
    cdef BinomialTable table
    cdef object cdf_keeper
    cdef long long n
    cdef double p

    def __init__(self, long long n, double p):
        self.n, self.p = n, p
        if n > 0 and 0.0 < p < 1.0:
            self.cdf_keeper = _fill_binomial_table(&self.table, n, p)

    def counts(self, uint64_t key, const int64_t[::1] elements, uint64_t draw):
        """One count per element id."""
        cdef Py_ssize_t count = elements.shape[0], k
        out = np.zeros(count, dtype=np.int64)
        cdef int64_t[::1] values = out
        cdef BlockCache cache
        if self.n <= 0 or self.p <= 0.0:
            return out
        if self.p >= 1.0:
            out[:] = self.n
            return out
        cache.block = 0xFFFFFFFFFFFFFFFF
        with nogil:
            for k in range(count):
                values[k] = binomial_draw(key, <uint64_t>elements[k], draw, &self.table, &cache)
        return out

    def add_to(self, uint64_t key, int64_t first_element, uint64_t draw, double weight,
               double[::1] values, int64_t stride=1):
        """``values[k] += weight * count`` of element ``first_element +
        stride*k``: the counts of `counts` for a rank's share of elements,
        added in place (PoissonInput's step, without temporaries)."""
        if values.shape[0]:
            _add_counts(self, key, first_element, stride, draw, weight, &values[0],
                        values.shape[0])

    def adder(self, uint64_t key, int64_t first_element, double weight, double[::1] values,
              int64_t stride=1):
        """`add_to` at every step (draw = the step) as an operation of the
        compiled step loop (the PoissonInput's events)."""
        return _AddCounts(self, key, first_element, stride, weight, values)


cdef void _add_counts(BinomialDraws self, uint64_t key, int64_t first_element, int64_t stride,
                      uint64_t draw, double weight, double* values,
                      Py_ssize_t count) noexcept:
    cdef Py_ssize_t k
    cdef BlockCache cache
    if self.n <= 0 or self.p <= 0.0 or count == 0:
        return
    if self.p >= 1.0:
        with nogil:
            for k in range(count):
                values[k] += weight * self.n
        return
    if self.table.normal_approx:
        cache.block = 0xFFFFFFFFFFFFFFFF
        with nogil:
            for k in range(count):
                values[k] += weight * binomial_draw(
                    key, <uint64_t>(first_element + stride * k), draw, &self.table, &cache)
        return
    with nogil:
        _add_inversions(&self.table, key, <uint64_t>first_element, <uint64_t>stride, draw,
                        weight, values, count)


cdef void _add_inversions(const BinomialTable* table, uint64_t key, uint64_t first_element,
                          uint64_t stride, uint64_t draw, double weight, double* values,
                          Py_ssize_t count) noexcept nogil:
    """values[k] += weight * the count of element first_element + stride*k:
    `binomial_draw`'s numbers (word e & 3 of block e >> 2), the blocks of a
    batch of elements drawn together. Any stride: a rank holding every R-th
    element (the dealt partition) draws the blocks its elements lie in."""
    cdef CounterBatch batch
    cdef Py_ssize_t k = 0, j, m, n_blocks
    cdef uint64_t element, first_block
    # Up to a stride of 4 the elements' blocks are consecutive (none skipped);
    # above it each element has a block of its own.
    cdef bint consecutive = stride <= 4
    cdef Py_ssize_t per_batch = (4 * (BATCH_BLOCKS - 1)) // stride if consecutive \
        else BATCH_BLOCKS
    for j in range(BATCH_BLOCKS):
        batch.hi[j] = draw
    while k < count:
        m = min(per_batch, count - k)
        element = first_element + stride * <uint64_t>k
        first_block = element >> 2
        if consecutive:
            n_blocks = <Py_ssize_t>(((element + stride * <uint64_t>(m - 1)) >> 2) - first_block) + 1
            for j in range(n_blocks):
                batch.lo[j] = first_block + j
            distsim_philox_blocks(key, batch.lo, batch.hi, n_blocks, batch.words)
            # Element e's word is word e & 3 of block e >> 2: batch word
            # e - 4 * first_block, every stride-th from the first element's.
            distsim_add_inversions(batch.words, element & 3, stride, m,
                                   table.count_by_top_bits, table.cdf, table.size, weight,
                                   values + k)
        else:
            for j in range(m):
                batch.lo[j] = (element + stride * <uint64_t>j) >> 2
            distsim_philox_blocks(key, batch.lo, batch.hi, m, batch.words)
            for j in range(m):
                values[k + j] += weight * binomial_inversion(batch.words[4 * j + (element & 3)],
                                                             table)
                element += stride
        k += m


cdef class _AddCounts:
    cdef StepOp op
    cdef BinomialDraws draws
    cdef uint64_t key
    cdef int64_t first_element, stride
    cdef double weight
    cdef double* values
    cdef Py_ssize_t count
    cdef object keep_alive

    def __init__(self, BinomialDraws draws, uint64_t key, int64_t first_element,
                 int64_t stride, double weight, double[::1] values):
        self.draws, self.key, self.first_element, self.weight = draws, key, first_element, weight
        self.stride = stride
        self.count = values.shape[0]
        self.values = &values[0] if self.count else NULL
        self.keep_alive = values
        self.op.run = _add_counts_op
        self.op.state = <void*>self

    def step_op(self):
        return PyCapsule_New(&self.op, STEP_OP_CAPSULE(), NULL)


cdef int _add_counts_op(void* state, int64_t step, double t, double dt) except -1:
    cdef _AddCounts self = <_AddCounts>state
    _add_counts(self.draws, self.key, self.first_element, self.stride, <uint64_t>step,
                self.weight, self.values, self.count)
    return 0


def binomial(uint64_t key, const int64_t[::1] elements, uint64_t draw, long long n, double p):
    """Binomial(n, p) counts, one per element id (see `BinomialDraws`)."""
    return BinomialDraws(n, p).counts(key, elements, draw)
