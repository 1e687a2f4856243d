"""Memory readings of this process (Linux), for reports and benchmarks."""
import resource


def _statm_bytes(field):
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[field])
    return pages * resource.getpagesize()


def rss_bytes():
    """Resident set size now."""
    return _statm_bytes(1)


def virtual_size_bytes():
    """Address space mapped now (VmSize: what ``ulimit -v`` limits)."""
    return _statm_bytes(0)


def peak_rss_bytes():
    """Largest resident set size so far (ru_maxrss)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak():
    """Make the next `peak_rss_bytes` count from now (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False
