"""distsim's own names without pylab's (Brian2's ``brian2.only``):

    from distsim.only import *
"""
import distsim as _distsim

__all__ = list(_distsim._own_names)
globals().update((name, getattr(_distsim, name)) for name in __all__)
