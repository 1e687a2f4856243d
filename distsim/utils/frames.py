"""Which script frame an object or a ``run()`` was called from."""
import inspect


def caller_namespace(level=0):
    """The locals and globals of the user's frame ``level`` frames above the
    first frame outside distsim (how ``run()`` sees the script's constants)."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__", "").startswith("distsim"):
        frame = frame.f_back
    for _ in range(level):
        if frame is not None and frame.f_back is not None:
            frame = frame.f_back
    if frame is None:
        return {}
    return dict(frame.f_globals, **frame.f_locals)
