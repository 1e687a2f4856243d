"""Side-by-side benchmark: distsim, NEST and Brian2 on the same machine.

    bash benchmarks/peers/setup_peers.sh      # NEST and Brian2, each in its own venv
    python benchmarks/compare.py --models cuba mc0.1 mc1

Runs every configuration one after the other (nothing else should run on the
machine), also without connections to get bytes per synapse = (peak RSS -
peak RSS without connections) / synapses, and writes
benchmarks/results/comparison.md (+ .json) with the machine's cores and memory.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import machine, run_for_result  # noqa: E402
PEERS = os.path.join(HERE, "peers")
CACHE = os.environ.get("DISTSIM_CACHE", os.path.expanduser("~/.cache/distsim"))
NEST_PYTHON = os.environ.get("NEST_PYTHON", os.path.join(CACHE, "peers", "nest", "bin", "python"))
BRIAN2_PYTHON = os.environ.get("BRIAN2_PYTHON",
                               os.path.join(CACHE, "peers", "brian2", "bin", "python"))

MODELS = {"cuba": ("cuba", 1.0), "mc0.1": ("microcircuit", 0.1), "mc1": ("microcircuit", 1.0),
          "stdp": ("stdp", 1.0), "stdp10": ("stdp", 10.0)}
# Rows written before the table recorded dates were all measured that day.
FIRST_RUN = "2026-11-24"


def configurations(model, scale, duration):
    args = [model, "--duration", str(duration)] + (["--scale", str(scale)]
                                                    if model in ("microcircuit", "stdp") else [])
    distsim = [sys.executable, os.path.join(PEERS, "distsim_models.py")] + args
    yield "distsim, 1 rank", ["mpirun", "-n", "1"] + distsim
    yield "distsim, 2 ranks", ["mpirun", "-n", "2"] + distsim
    if model != "stdp":  # a Brian2-language synapse model: Brian2 is its peer
        nest = [NEST_PYTHON, os.path.join(PEERS, "nest_models.py")] + args
        yield "NEST, 1 thread", nest + ["--threads", "1"]
        yield "NEST, 2 threads", nest + ["--threads", "2"]
    yield "Brian2, 1 process", [BRIAN2_PYTHON, os.path.join(PEERS, "brian2_models.py")] + args


def measure(command, timeout):
    started = time.perf_counter()
    row = run_for_result(command, timeout)
    if row is not None:
        row["wall_s"] = time.perf_counter() - started
        row["date"] = time.strftime("%Y-%m-%d")
    return row


def write(results, path):
    lines = ["# distsim beside NEST and Brian2, measured side by side",
             "",
             f"Machine: {machine()}. Written by `benchmarks/compare.py` on "
             f"{time.strftime('%Y-%m-%d')}; one run at a time. Same models "
             "(benchmarks/peers/model_facts.py): CUBA (4000 neurons, p = 0.02), the "
             "Potjans-Diesmann microcircuit (N x scale, probabilities kept; background as "
             "Poisson input at 8 Hz x K_ext; delays clipped at 0.1 ms) and stdp (Brian2's "
             "STDP example, Song et al. 2000, with 1000 target neurons: 1000 x 1000 plastic "
             "synapses with event-driven traces and on_post; stdp10: 10,000 targets, 10^7 "
             "synapses; rate = the targets' mean rate; Brian2 only as peer). "
             "Build = network construction (Brian2: + its run preparation in brackets); "
             "RTF = simulate wall time / biological time; bytes/synapse = (peak RSS - peak "
             "RSS of the same run without connections) / synapses; rates after 0.1 s "
             "(microcircuit), in population order L23E L23I L4E L4I L5E L5I L6E L6I. "
             "'measured': the day of the row's run (rows are re-run selectively with "
             "--only; all on this machine). Brian2 is measured with its Cython cache warm "
             "(a first run compiles for minutes, which is not model building).",
             "",
             "| model | simulator | measured | synapses | build s | simulate s | RTF | "
             "peak RSS GiB | bytes/synapse | rates (Hz) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        build = f"{r['build_s']:.1f}"
        if "prepare_s" in r:
            build += f" (+{r['prepare_s']:.1f})"
        per_syn = f"{r['bytes_per_synapse']:.1f}" if r.get("bytes_per_synapse") else "n/a"
        lines.append(f"| {r['label_model']} | {r['label']} | {r.get('date', FIRST_RUN)} | "
                     f"{r['synapses']:,} | {build} | "
                     f"{r['simulate_s']:.1f} | {r['rtf']:.1f} | {r['peak_rss'] / 2**30:.2f} | "
                     f"{per_syn} | {' '.join(f'{x:.2f}' for x in r['rates'])} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--only", nargs="*", help="labels to run (default all)")
    parser.add_argument("--output", default=os.path.join(HERE, "results", "comparison"))
    parser.add_argument("--timeout", type=int, default=3600)
    args = parser.parse_args()
    results = []
    if os.path.exists(args.output + ".json"):
        with open(args.output + ".json") as f:
            results = json.load(f)["results"]
    for name in args.models:
        model, scale = MODELS[name]
        for label, command in configurations(model, scale, args.duration):
            if args.only and label not in args.only:
                continue
            row = measure(command, args.timeout)
            if row is None:
                continue
            baseline = measure(command + ["--no-connections"], args.timeout)
            if baseline and row["synapses"]:
                row["bytes_per_synapse"] = (row["peak_rss"] - baseline["peak_rss"]) / row["synapses"]
            row["label"], row["label_model"] = label, name
            print(json.dumps(row), flush=True)
            results = [r for r in results if (r["label"], r["label_model"]) != (label, name)]
            results.append(row)
            order = {m: k for k, m in enumerate(MODELS)}
            results.sort(key=lambda r: (order[r["label_model"]], r["label"]))
            with open(args.output + ".json", "w") as f:
                json.dump(dict(machine=machine(), results=results), f, indent=1)
            write(results, args.output + ".md")
    print(open(args.output + ".md").read())


if __name__ == "__main__":
    main()
