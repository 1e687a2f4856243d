"""``distsim info results.h5``: what a results file holds."""
import argparse
import sys

import numpy as np

from .loader import load


def info(filename, out=sys.stdout):
    with load(filename) as results:
        meta = results.metadata
        duration_ms = float(meta.get("t_end", 0.0))
        print(f"{filename}: seed {meta.get('seed')}, {meta.get('n_ranks')} rank(s), "
              f"dt {meta.get('dt')} ms, simulated {duration_ms:g} ms", file=out)
        print(f"{'population':<20} {'neurons':>10} {'spikes':>12} {'rate (Hz)':>10}", file=out)
        for name, population in results.spikes.items():
            n = population.n_nodes
            rate = len(population) / n / (duration_ms * 1e-3) if n and duration_ms else float("nan")
            print(f"{name:<20} {n if n else '?':>10} {len(population):>12} {rate:>10.3f}",
                  file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="distsim", description="distsim results files")
    commands = parser.add_subparsers(dest="command", required=True)
    info_parser = commands.add_parser("info", help="populations, counts, rates and run metadata")
    info_parser.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "info":
        info(args.file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
