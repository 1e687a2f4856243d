"""The ``distsim`` command.

    distsim run model.py -n 4 [-- model arguments]   run a script on 4 ranks
    distsim run brian2_script.py --as-brian2 -n 2    a Brian2 script, unchanged
    distsim info results.h5                          populations, rates, metadata
    distsim plot results.h5 -o raster.png            raster and rates
    distsim --version
"""
import argparse
import sys

from . import __version__


def _parser():
    parser = argparse.ArgumentParser(
        prog="distsim", description="Run distsim models on MPI ranks and look at their "
                                    "results files.")
    parser.add_argument("--version", action="version", version=f"distsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="run a model script under mpirun",
        description="Run a model script under mpirun on N ranks, with this environment's "
                    "Python and the settings the ranks need (root, oversubscription).",
        usage="distsim run [-h] SCRIPT [-n RANKS] [--hostfile FILE] [--as-brian2] [--dry-run] "
              "[-- SCRIPT ARGUMENTS]",
        epilog="Everything after -- goes to the script. Example: "
               "distsim run model.py -n 4 -- --scale 0.1")
    run.add_argument("script", help="the model script")
    run.add_argument("-n", "--ranks", type=int, default=1, help="number of MPI ranks (default 1)")
    run.add_argument("--hostfile", help="OpenMPI hostfile (several machines)")
    run.add_argument("--as-brian2", action="store_true",
                     help="run a Brian2 script unchanged: 'import brian2' gives distsim")
    run.add_argument("--dry-run", action="store_true",
                     help="print the command and environment instead of running it")
    info = commands.add_parser("info", help="populations, counts, rates and run metadata",
                               description="Print the populations, spike counts, rates and "
                                           "run metadata of a results file.")
    info.add_argument("file", help="a distsim results file (HDF5)")
    plot = commands.add_parser("plot", help="raster, rates and rate histograms (PNG)",
                               description="Draw a spike raster, the mean rate per "
                                           "population and rate histograms.")
    plot.add_argument("file", help="a distsim results file (HDF5)")
    plot.add_argument("-o", "--output", default="raster.png", help="image file (default "
                                                                   "raster.png)")
    plot.add_argument("--max-points", type=int, default=None,
                      help="at most this many spikes in the raster (a random subset)")
    return parser


def main(argv=None) -> int:
    """Entry point of the ``distsim`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # The script's own arguments follow '--' (they may look like options).
    script_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    args = _parser().parse_args(argv)
    if args.command == "run":
        from .launch import run_script
        return run_script(args.script, args.ranks, script_args, args.hostfile, args.dry_run,
                          args.as_brian2)
    if script_args:
        _parser().error(f"'{args.command}' takes no arguments after --")
    from .io import cli as results
    if args.command == "info":
        results.info(args.file)
    else:
        max_points = args.max_points or results.MAX_RASTER_POINTS
        print(f"wrote {results.plot(args.file, args.output, max_points)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
