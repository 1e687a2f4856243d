"""Which rank owns which neuron: contiguous balanced blocks per group."""


def block_range(n, rank, size):
    """The half-open range [start, stop) of ``n`` elements owned by ``rank``.

    Blocks differ in length by at most one; all arithmetic is on Python ints,
    so there is no 2**31 limit.
    """
    n = int(n)
    return (n * rank) // size, (n * (rank + 1)) // size
