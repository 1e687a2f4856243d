"""Brian2 names that distsim does not implement: each raises an error that
says so and why, instead of a NameError deep in a ported script."""

__all__ = ["network_operation", "EventMonitor"]


def _unsupported(name, why):
    def raiser(*args, **kwargs):
        raise NotImplementedError(f"{name} is not supported by distsim: {why} "
                                  "(see docs/porting.md)")
    raiser.__name__ = name
    raiser.__doc__ = f"Not supported: {why}"
    return raiser


network_operation = _unsupported(
    "network_operation", "Python code run at every step would see only this rank's neurons; "
    "use run_regularly, whose statements run on every rank's share")
EventMonitor = _unsupported("EventMonitor", "custom events are not implemented yet")
