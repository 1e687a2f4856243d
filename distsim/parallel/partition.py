"""Which rank owns which neuron.

A rank's share of a group is an arithmetic progression of its indices,
``first + stride*k`` for ``k`` in ``0..n-1`` (`Share`), and the rank stores
those neurons in that order. Two partitions exist:

- ``blocks``: contiguous blocks in rank order (stride 1);
- ``dealt``: the neurons dealt out round-robin, neuron ``g`` on rank
  ``g % size`` (as NEST does), so every part of a group (a population
  written as a subgroup) is spread evenly over the ranks.

Both keep the local order the global order, so any contiguous range of
the group (a Subgroup) is a contiguous range of a rank's storage: subgroups
stay slices. ``DISTSIM_PARTITION`` (``blocks``, the default, or ``dealt``)
chooses the partition of NeuronGroups; results are the same either way
(every random number is keyed by global index). Measured at full scale on 2
ranks (docs/performance.md): dealt evens the ranks' memory, but simulates
slower today, hence not the default. All arithmetic is on
Python ints or int64: there is no 2**31 limit.
"""
import os
from dataclasses import dataclass

import numpy as np

PARTITIONS = ("blocks", "dealt")


def block_range(n, rank, size):
    """The half-open range [start, stop) of ``n`` elements owned by ``rank``
    under the ``blocks`` partition. Blocks differ in length by at most one."""
    n = int(n)
    return (n * rank) // size, (n * (rank + 1)) // size


@dataclass(frozen=True)
class Share:
    """The indices ``first + stride*k`` (``k < n``) of a group that a rank owns."""

    first: int
    stride: int
    n: int

    @property
    def last(self) -> int:
        """The last owned index (``first - stride`` when empty)."""
        return self.end - self.stride

    @property
    def end(self) -> int:
        """One stride past the last owned index (``first`` when empty)."""
        return self.first + self.stride * self.n

    def indices(self) -> np.ndarray:
        """The owned indices, in storage order (int64)."""
        return self.first + self.stride * np.arange(self.n, dtype=np.int64)

    def owns(self, indices) -> np.ndarray:
        """Whether each of ``indices`` is owned."""
        indices = np.asarray(indices)
        inside = (indices >= self.first) & (indices < self.end)
        if self.stride == 1:
            return inside
        return inside & ((indices - self.first) % self.stride == 0)

    def positions(self, indices) -> np.ndarray:
        """Storage positions of owned ``indices``."""
        offset = np.asarray(indices) - self.first
        return offset if self.stride == 1 else offset // self.stride

    def within(self, lo: int, hi: int):
        """The owned indices in [lo, hi): ``(share, position)``, the share
        counted from ``lo`` (a subgroup's own indices) and the storage
        position of its first element."""
        lo, hi = int(lo), int(hi)
        start = max(lo, self.first)
        start += (self.first - start) % self.stride  # the next owned index
        stop = min(hi, self.end)
        n = max(0, -(-(stop - start) // self.stride))
        if n == 0:
            return Share(0, self.stride, 0), 0
        return Share(start - lo, self.stride, n), (start - self.first) // self.stride

    def kernel_arguments(self) -> tuple:
        """``(n_local, first_index, index_stride)`` of the generated neuron
        kernels (codegen/kernels.py)."""
        return self.n, self.first, self.stride

    def describe(self) -> str:
        """The owned indices in words, for messages."""
        if self.n == 0:
            return "none"
        if self.stride == 1:
            return f"{self.first}..{self.last}"
        return f"{self.first}, {self.first + self.stride}, ... {self.last}"

    def local_range(self, lo: int, hi: int) -> slice:
        """Storage positions of the owned indices in [lo, hi) (a slice:
        storage follows the global order)."""
        share, position = self.within(lo, hi)
        return slice(position, position + share.n)


def partition_name() -> str:
    """The partition of NeuronGroups (``DISTSIM_PARTITION``, checked)."""
    name = os.environ.get("DISTSIM_PARTITION", "blocks")
    if name not in PARTITIONS:
        raise ValueError(f"DISTSIM_PARTITION={name!r}: use one of {', '.join(PARTITIONS)}")
    return name


def share_of(n, rank, size, partition=None) -> Share:
    """``rank``'s share of a group of ``n`` neurons among ``size`` ranks."""
    partition = partition or partition_name()
    n = int(n)
    if partition == "blocks" or size == 1:
        start, stop = block_range(n, rank, size)
        return Share(start, 1, stop - start)
    return Share(rank, size, max(0, -(-(n - rank) // size)))


def positions_in_order(shares) -> np.ndarray:
    """Where each rank's values go in a global-order array, given every
    rank's share (the rank order of an Allgatherv): the inverse of dealing."""
    return np.concatenate([share.indices() for share in shares]) if shares else \
        np.zeros(0, dtype=np.int64)
