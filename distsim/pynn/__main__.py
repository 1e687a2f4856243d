"""Run a PyNN script unchanged with distsim as its simulator:

    mpirun -n 4 python -m distsim.pynn VAbenchmarks.py distsim CUBA

PyNN's example scripts choose their backend by name (``pyNN.utility.
get_simulator`` imports ``pyNN.<name>``): this makes ``pyNN.distsim`` name
distsim.pynn, then runs the script as ``__main__`` with the remaining
arguments.
"""
import runpy
import sys

from . import register_as_pynn_backend


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    register_as_pynn_backend()
    sys.argv = argv
    runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
