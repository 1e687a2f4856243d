"""PyNN's own VAbenchmarks.py (Vogels & Abbott 2005: 4,000 neurons, CUBA and
COBA) run unchanged by distsim.pynn and by pyNN.nest (NEST 3.10), side by side
in one sitting.

    python benchmarks/pynn_side_by_side.py --seeds 5

The script's connectivity and initial potentials come from its own
``rngseed``; each run here sets another seed (the line ``rngseed = ...`` of a
temporary copy) so that the rates' spread over networks is measured, not
assumed. The rates agree when the difference of the two simulators' means is
small against that spread (|z| below 3, z = difference / standard error).
Times are the script's own build and simulation times, medians over the
seeds; the ratio is distsim/NEST. distsim on 2 ranks runs the first seed and
must give the 1-rank rates exactly. Writes benchmarks/results/pynn_side_by_side.md.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tables import machine  # noqa: E402

NEST_PYTHON = os.environ.get("NEST_PYTHON", os.path.join(
    os.path.expanduser("~/.cache/distsim"), "peers", "nest", "bin", "python"))
EXAMPLES = os.path.join(sys.prefix, "share", "pynn-tests", "examples")
ENV = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1",
           OMPI_MCA_mpi_yield_when_idle="1", PYTHONPATH=ROOT, MPLBACKEND="Agg")
FIELDS = {"exc": r"Excitatory rate\s*:\s*([\d.]+)", "inh": r"Inhibitory rate\s*:\s*([\d.]+)",
          "build": r"Build time\s*:\s*([\d.]+)", "simulate": r"Simulation time\s*:\s*([\d.]+)"}


def run(simulator, benchmark, seed, ranks, directory):
    script = os.path.join(directory, f"va_{seed}.py")
    if not os.path.exists(script):
        with open(os.path.join(EXAMPLES, "VAbenchmarks.py")) as f:
            text = f.read()
        text, count = re.subn(r"(?m)^rngseed\s*=\s*\d+", f"rngseed = {seed}", text)
        assert count == 1, "VAbenchmarks.py has no 'rngseed =' line"
        with open(script, "w") as f:
            f.write(text)
    if simulator == "nest":
        command = [NEST_PYTHON, script, "nest", benchmark]
    else:
        command = [sys.executable, "-m", "distsim.pynn", script, "distsim", benchmark]
        if ranks > 1:
            command = ["mpirun", "-n", str(ranks)] + command
    out = subprocess.run(["timeout", "900"] + command, capture_output=True, text=True,
                         cwd=directory, env=ENV)
    found = {key: re.search(pattern, out.stdout) for key, pattern in FIELDS.items()}
    if out.returncode or not all(found.values()):
        raise RuntimeError(f"{' '.join(command)} failed:\n{out.stdout[-2000:]}\n"
                           f"{out.stderr[-2000:]}")
    return {key: float(match.group(1)) for key, match in found.items()}


def summary(values):
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--benchmarks", nargs="+", default=["CUBA", "COBA"])
    args = parser.parse_args()
    seeds = [98765 + k for k in range(args.seeds)]
    lines = [f"# PyNN's VAbenchmarks.py: distsim.pynn beside pyNN.nest\n",
             f"{machine()}. Produced by `benchmarks/pynn_side_by_side.py --seeds "
             f"{args.seeds}`: each simulator runs PyNN's unchanged example for "
             f"{len(seeds)} network seeds; rates are mean ± s.d. over the seeds, z the "
             "difference of the means over its standard error; times are medians "
             "(distsim on 1 rank); ratio = distsim/NEST.\n",
             "| model | distsim exc Hz | NEST exc Hz | z | distsim inh Hz | NEST inh Hz | z "
             "| build s (distsim / NEST) | simulate s (distsim / NEST) | sim ratio "
             "| 2 ranks = 1 rank |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as directory:
        for benchmark in args.benchmarks:
            results = {"distsim": [], "nest": []}
            for seed in seeds:
                for simulator in results:
                    results[simulator].append(run(simulator, benchmark, seed, 1, directory))
                    print(benchmark, seed, simulator, results[simulator][-1], flush=True)
            two = run("distsim", benchmark, seeds[0], 2, directory)
            same = all(two[k] == results["distsim"][0][k] for k in ("exc", "inh"))
            row = [benchmark]
            for kind in ("exc", "inh"):
                (m1, s1), (m2, s2) = (summary([r[kind] for r in results[s]])
                                      for s in ("distsim", "nest"))
                error = ((s1 ** 2 + s2 ** 2) / len(seeds)) ** 0.5
                z = (m1 - m2) / error if error else float("nan")
                row += [f"{m1:.2f} ± {s1:.2f}", f"{m2:.2f} ± {s2:.2f}", f"{z:+.1f}"]
            median = {s: {k: statistics.median(r[k] for r in results[s])
                          for k in ("build", "simulate")} for s in results}
            row += [f"{median['distsim']['build']:.2f} / {median['nest']['build']:.2f}",
                    f"{median['distsim']['simulate']:.2f} / {median['nest']['simulate']:.2f}",
                    f"{median['distsim']['simulate'] / median['nest']['simulate']:.2f}",
                    "yes" if same else f"NO ({two['exc']}, {two['inh']})"]
            lines.append("| " + " | ".join(row) + " |")
            print(lines[-1], flush=True)
    path = os.path.join(HERE, "results", "pynn_side_by_side.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
