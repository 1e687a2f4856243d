"""What ``distsim info`` and ``distsim plot`` show of a results file (the
command itself: distsim/cli.py)."""
import sys

import numpy as np

from .loader import load

# At most this many spikes are drawn in a raster (a random subset beyond).
MAX_RASTER_POINTS = 200_000


def info(filename, out=None):
    """Print populations, counts, rates and run metadata as a table."""
    out = out if out is not None else sys.stdout
    with load(filename, progress=True) as results:
        meta = results.metadata
        duration_ms = float(meta.get("t_end", 0.0))
        print(f"{filename}", file=out)
        for key in ("script", "seed", "n_ranks", "dt", "t_end", "start_date", "end_date",
                    "wall_time_build", "wall_time_simulate", "wall_time_write"):
            if key in meta:
                value = meta[key]
                unit = {"dt": " ms", "t_end": " ms"}.get(key, " s" if key.startswith("wall") else "")
                text = f"{value:.3f}" if isinstance(value, float) and key.startswith("wall") else value
                print(f"  {key:<20} {text}{unit}", file=out)
        print(f"\n{'population':<20} {'neurons':>10} {'spikes':>12} {'rate (Hz)':>10}", file=out)
        for name, population in results.spikes.items():
            n = population.n_nodes
            rate = len(population) / n / (duration_ms * 1e-3) if n and duration_ms else float("nan")
            print(f"{name:<20} {n if n else '?':>10} {len(population):>12} {rate:>10.3f}",
                  file=out)
        for name, report in results.reports.items():
            shape = results._file["report"][name]["data"].shape
            print(f"report {name}: {report.variable} of {len(report.node_ids)} element(s), "
                  f"{shape[0]} samples", file=out)
        for name, (t, rate) in results.rates.items():
            print(f"rate monitor {name}: {len(rate)} samples, mean {float(np.mean(np.asarray(rate))):.3f} Hz",
                  file=out)


def plot(filename, output, max_points=MAX_RASTER_POINTS):
    """Raster, mean rate per population and per-neuron rate histograms."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with load(filename, progress=True) as results:
        duration = float(results.metadata.get("t_end", 0.0)) * 1e-3
        populations = list(results.spikes.items())
        fig = plt.figure(figsize=(12, 8), constrained_layout=True)
        grid = fig.add_gridspec(2, 2, width_ratios=[3, 1])
        raster = fig.add_subplot(grid[:, 0])
        bars = fig.add_subplot(grid[0, 1])
        hist = fig.add_subplot(grid[1, 1])
        offset = 0
        total = sum(len(p) for _, p in populations)
        keep_fraction = min(1.0, max_points / total) if total else 1.0
        rng = np.random.default_rng(0)
        ticks, names, means = [], [], []
        for k, (name, population) in enumerate(populations):
            ids, times = population.node_ids, np.asarray(population.timestamps)
            n = population.n_nodes or (int(ids.max()) + 1 if len(ids) else 1)
            if keep_fraction < 1:
                chosen = rng.random(len(ids)) < keep_fraction
                ids, times = ids[chosen], times[chosen]
            raster.plot(times * 1e3, offset + ids, ".", markersize=1.5, color=f"C{k % 10}")
            ticks.append(offset + n / 2)
            names.append(name)
            rates = np.bincount(population.node_ids, minlength=n) / duration if duration else \
                np.zeros(n)
            means.append(rates.mean())
            hist.hist(rates, bins=30, histtype="step", color=f"C{k % 10}", label=name)
            offset += n
        raster.set_yticks(ticks, names)
        raster.invert_yaxis()
        raster.set_xlabel("time (ms)")
        title = "spike raster"
        if keep_fraction < 1:
            title += f" ({keep_fraction:.1%} of {total:,} spikes shown)"
        raster.set_title(title)
        bars.barh(names, means, color=[f"C{k % 10}" for k in range(len(names))])
        bars.invert_yaxis()
        bars.set_xlabel("mean rate (Hz)")
        hist.set_xlabel("rate per neuron (Hz)")
        hist.set_ylabel("neurons")
        if names:
            hist.legend(fontsize="small")
        fig.savefig(output, dpi=100)
        plt.close(fig)
    return output
