"""How the C allocator hands memory back: kept in the process, not returned.

glibc's malloc serves large blocks (above 128 KiB, a threshold it raises up to
32 MiB as it sees them freed) by ``mmap`` and returns them to the kernel on
``free``; it also trims the top of its heap when more than 128 KiB lie free
there. Building a large network allocates and frees gigabytes of numpy
temporaries (random numbers, repeated indices, grouping by source), and every
fresh mapping is zero-filled by the kernel page by page: at full scale the
microcircuit's ranks spent 14% of their build in the kernel's page clearing.

Keeping freed memory in the process (no mmap for large blocks, no trimming)
makes the next temporary reuse pages already touched. The peak is the same
(the memory was in use at that moment anyway); what changes is that the
process does not give memory back between the peaks. Measured at full scale
on 2 ranks (benchmarks/results/before_after.md): build 13.0 -> 11.4 s,
peak RSS unchanged.

``DISTSIM_MALLOC=system`` keeps glibc's defaults (e.g. for a process that
must shrink after building); where the C library is not glibc, nothing is
changed. This module imports nothing of distsim.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

# glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_MAX = -4
#: mallopt(3): a trim threshold of -1 disables trimming completely.
NEVER_TRIM = -1
#: The variable that opts out, and its value for "leave the allocator alone".
OPT_OUT_VARIABLE = "DISTSIM_MALLOC"
OPT_OUT_VALUE = "system"


def _glibc():
    """glibc loaded by ctypes, or None where the C library is another one."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "gnu_get_libc_version"):
        return None
    return libc


def keep_freed_memory() -> bool:
    """Tell glibc's malloc to keep freed memory in this process.

    Returns whether the setting was applied (False where the user opted out
    with ``DISTSIM_MALLOC=system``, or the C library is not glibc).
    Local to this process; call it before large allocations.
    """
    if os.environ.get(OPT_OUT_VARIABLE, "").strip().lower() == OPT_OUT_VALUE:
        return False
    libc = _glibc()
    if libc is None:
        return False
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    applied = libc.mallopt(M_MMAP_MAX, 0) == 1
    return libc.mallopt(M_TRIM_THRESHOLD, NEVER_TRIM) == 1 and applied
