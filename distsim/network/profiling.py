"""Brian2's ``profiling_summary()``: the time of each code object in the runs
with ``run(..., profile=True)``, as a table. Rank-local (each rank times its
own code objects); no communication."""
from __future__ import annotations


class ProfilingSummary:
    """The profiling results of a network, longest first (Brian2's class).

    Parameters
    ----------
    net : Network
        The network that ran with ``profile=True``.
    show : int, optional
        How many code objects to show (the longest); all by default.
    """

    def __init__(self, net, show: int | None = None):
        info = [(name, float(time)) for name, time in net.profiling_info]
        self.total = sum(seconds for _, seconds in info)
        self.names = [name for name, _ in info][:show]
        self.times = [seconds for _, seconds in info][:show]

    def __str__(self) -> str:
        if not self.names:
            return "Profiling summary: no code object was timed (run(..., profile=True))"
        width = max(len(name) for name in self.names)
        lines = ["Profiling summary", "=================="]
        for name, seconds in zip(self.names, self.times):
            share = 100 * seconds / self.total if self.total else 0.0
            lines.append(f"{name:<{width}}  {seconds:10.4f} s  {share:6.2f} %")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{name}</td><td>{seconds:.4f} s</td></tr>"
                       for name, seconds in zip(self.names, self.times))
        return f"<table><tr><th>code object</th><th>time</th></tr>{rows}</table>"


def profiling_summary(net=None, show: int | None = None) -> ProfilingSummary:
    """The profiling summary of ``net`` (the magic network by default), as
    Brian2's ``profiling_summary``; print it for a table."""
    if net is None:
        from .magic import magic_network
        net = magic_network
    return ProfilingSummary(net, show)
