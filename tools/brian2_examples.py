"""Run Brian2's own examples unchanged under distsim and tabulate the outcome.

    python tools/brian2_examples.py EXAMPLES_DIR [-n RANKS] [--timeout S] [--only NAME...]
        [--json results.json]
    python tools/brian2_examples.py --table one_rank.json two_ranks.json [--notes notes.json]
        > docs/brian2_compatibility_table.md

EXAMPLES_DIR is the ``examples/`` folder of Brian2's repository (not part of
this project; ``git archive`` it from a clone). The in-scope examples are all
but ``compartmental/``, ``standalone/``, ``multiprocessing/``, the helper
modules and the three that need OpenCV, sbi or GSL (74 at Brian2 2.9). Each
runs in a scratch copy of the folder with ``python -m distsim.as_brian2`` (so
``import brian2`` gives distsim), matplotlib's Agg backend and a time limit.
The outcome is ``ok``, ``timeout`` or the script's last error line; the table
sorts the errors by how many examples each stops (docs/brian2_compatibility.md
is made from it).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

OUT_OF_SCOPE_DIRS = ("compartmental", "standalone", "multiprocessing")
#: Not examples (imported by others), or needing packages outside Brian2's own.
OUT_OF_SCOPE_FILES = {
    "frompapers/Brette_2012/params.py": "helper module",
    "frompapers/Stimberg_et_al_2018/plot_utils.py": "helper module",
    "frompapers/Stimberg_et_al_2019/example_3_bisection_standalone.py": "standalone",
    "advanced/compare_GSL_to_conventional.py": "needs GSL",
    "advanced/modelfitting_sbi.py": "needs sbi",
    "advanced/opencv_movie.py": "needs OpenCV",
}


def in_scope(examples: Path) -> list[str]:
    """The in-scope examples, as paths relative to ``examples``."""
    names = []
    for path in sorted(examples.rglob("*.py")):
        relative = path.relative_to(examples).as_posix()
        if relative.split("/")[0] in OUT_OF_SCOPE_DIRS or relative in OUT_OF_SCOPE_FILES:
            continue
        names.append(relative)
    return names


def last_error(stderr: str) -> str:
    """The exception line of the last traceback (or the last line)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        head = line.split(":")[0].strip()
        if head.endswith(("Error", "Exception", "Warning", "Interrupt")) and " " not in head:
            return line.strip()[:200]
    return lines[-1].strip()[:200] if lines else "(no output)"


def run_example(scratch: Path, name: str, ranks: int, timeout: float) -> dict:
    """Run one example in ``scratch``; returns its outcome record."""
    script = scratch / name
    command = [sys.executable, "-m", "distsim.as_brian2", script.name]
    env = dict(os.environ, MPLBACKEND="Agg", OMP_NUM_THREADS="1")
    if ranks > 1:
        command = ["mpirun", "-n", str(ranks)] + command
        env.update(OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_mpi_yield_when_idle="1")
        if os.geteuid() == 0:
            env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=script.parent, env=env, capture_output=True,
                              text=True, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired:
        return {"example": name, "ranks": ranks, "outcome": "timeout", "seconds": timeout}
    seconds = round(time.perf_counter() - start, 1)
    outcome = "ok" if done.returncode == 0 else last_error(done.stderr)
    return {"example": name, "ranks": ranks, "outcome": outcome, "seconds": seconds}


def table(one_rank: Path, two_ranks: Path, notes: Path | None) -> str:
    """The markdown table of two surveys (1 and 2 ranks): one row per
    example, with the reason where it does not run (from ``notes``: example
    -> reason, else the error)."""
    first = {r["example"]: r for r in json.loads(one_rank.read_text())}
    second = {r["example"]: r for r in json.loads(two_ranks.read_text())}
    reasons = json.loads(notes.read_text()) if notes else {}
    rows = ["| Example | 1 rank | 2 ranks | Seconds (1 rank) | Reason, where it does not run |",
            "|---|---|---|---|---|"]
    for name in sorted(first):
        one, two = first[name], second.get(name, {"outcome": "not run"})
        verdict = [("runs" if r["outcome"] == "ok" else r["outcome"] if r["outcome"] in
                    ("timeout", "not run") else "error") for r in (one, two)]
        reason = reasons.get(name, "" if one["outcome"] == two["outcome"] == "ok"
                             else (one if one["outcome"] != "ok" else two)["outcome"])
        rows.append(f"| {name} | {verdict[0]} | {verdict[1]} | {one['seconds']:.0f} | "
                    f"{reason.replace('|', '/')} |")
    runs = sum(first[n]["outcome"] == "ok" and second.get(n, {}).get("outcome") == "ok"
               for n in first)
    rows.append("")
    rows.append(f"{runs} of {len(first)} examples run to the end unchanged on 1 and 2 ranks.")
    return "\n".join(rows)


def main(argv=None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == "--table":
        notes = Path(argv[argv.index("--notes") + 1]) if "--notes" in argv else None
        print(table(Path(argv[1]), Path(argv[2]), notes))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", type=Path, help="Brian2's examples/ folder")
    parser.add_argument("-n", "--ranks", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", nargs="*", help="run only these examples (substrings)")
    parser.add_argument("--json", type=Path, help="write the records here")
    args = parser.parse_args(argv)
    names = in_scope(args.examples)
    if args.only:
        names = [n for n in names if any(part in n for part in args.only)]
    records = []
    with tempfile.TemporaryDirectory(prefix="brian2_examples_") as tmp:
        scratch = Path(tmp) / "examples"
        shutil.copytree(args.examples, scratch)
        for k, name in enumerate(names, 1):
            record = run_example(scratch, name, args.ranks, args.timeout)
            records.append(record)
            print(f"[{k}/{len(names)}] {name}: {record['outcome']} ({record['seconds']} s)",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    failures = Counter(r["outcome"] for r in records if r["outcome"] != "ok")
    print(f"\n{sum(r['outcome'] == 'ok' for r in records)}/{len(records)} ran to the end "
          f"on {args.ranks} rank(s)")
    for outcome, count in failures.most_common():
        print(f"{count:3d}  {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
