"""Benchmark: the compiled kernels on one core, at the microcircuit's sizes.

    python benchmarks/kernels.py [--only random|delivery] [--label TEXT]

(Two versions side by side: ``PYTHONPATH=/tmp/before python
benchmarks/kernels.py --label before`` and the same from this tree.)

- delivery: ns per synaptic event, one rank's share of the full-scale
  microcircuit on 2 ranks (38,585 local neurons, 61 ring slots, 25 spikes per
  step reaching ~2,200 synapses each over 7 pathways of ~315 synapses per row),
  with the dense row index and with a compressed one (synapses/row_index.py),
  and the same events in rows half as long (a rank holding a share of every
  population, as under the dealt partition);
  and ns per spike and pathway for one rank of very many (1 M sources, 5% of
  them with a synapse on the rank), dense against compressed;
- PoissonInput: ns per neuron and step (Binomial(2000, 8e-4) added in place),
  for a contiguous share and for every 2nd neuron (dealt on 2 ranks);
- normal and uniform numbers: ns per number (the synapse weights and delays);
- grouping synapses by source: ns per synapse (a store's first connect call).

Appends a row per kernel to benchmarks/results/kernels.md.
"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tables import append_row, machine  # noqa: E402


def best_of(repeats, run):
    """The fastest of ``repeats`` timings of ``run()`` (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def delivery_plan(n_sources, n_targets, n_slots, per_row, pathways, form, rng):
    """A DeliveryPlan of ``pathways`` random pathways (``per_row`` synapses
    per source on average) with rows in ``form`` (synapses/row_index.py),
    and each pathway's dense row starts (to count events)."""
    from distsim._ext import delivery
    from distsim.synapses import row_index
    entries, dense_rows = [], []
    ring = np.zeros((n_slots, n_targets))
    for p in range(pathways):
        n_syn = int(n_sources * per_row)
        row_start = np.zeros(n_sources + 1, dtype=np.int64)
        row_start[1:] = np.cumsum(rng.multinomial(n_syn, np.full(n_sources, 1 / n_sources)))
        rows = np.repeat(np.arange(n_sources, dtype=np.int64), np.diff(row_start))
        # ascending within a row, as stored
        targets = (np.sort(rows * n_targets + rng.integers(0, n_targets, n_syn)) -
                   rows * n_targets).astype(np.int32)
        del rows
        delays = np.clip(np.rint(rng.normal(15, 7.5, n_syn)), 1, n_slots - 1).astype(np.uint16)
        weights = rng.normal(87.8, 8.8, n_syn)
        row_sources, rows_start = row_index.compress(row_start, form)
        bits = row_index.presence_bits(row_sources, n_sources)
        entries.append((rows_start, (row_sources, bits), n_sources, targets, delays, weights, 0,
                        ring, 0))
        dense_rows.append(row_start)
    return delivery.DeliveryPlan(entries), ring, dense_rows


def delivery_ns_per_event(form="dense", per_row=315, pathways=7):
    """The microcircuit's share (every source has synapses: a compressed
    index then searches 77,169 rows per spike and pathway, its worst case).
    ``per_row=157.5, pathways=14``: the same events in rows half as long, as
    when a rank holds a share of every population (the dealt partition)."""
    rng = np.random.default_rng(1)
    n_sources, n_slots, steps = 77169, 61, 1000
    plan, ring, dense_rows = delivery_plan(n_sources, 38585, n_slots, per_row, pathways, form,
                                           rng)
    spikes = np.sort(rng.integers(0, n_sources, (steps, 25)), axis=1)
    events = sum(int((r[spikes + 1] - r[spikes]).sum()) for r in dense_rows)

    def run():
        for s in range(steps):
            plan.deliver(spikes[s], np.full(25, s, dtype=np.int64))
            ring[s % n_slots] = 0.0
    return best_of(3, run) / events * 1e9


def sparse_delivery_ns_per_spike(form):
    """One rank of very many: 1,000,000 sources, 5% with a synapse here
    (0.05 per source), 2,000 local targets, 250 spikes a step: the cost per
    spike and pathway, mostly finding (or missing) the spike's row."""
    rng = np.random.default_rng(3)
    n_sources, n_slots, steps, per_step, pathways = 1_000_000, 61, 1000, 250, 4
    plan, ring, _ = delivery_plan(n_sources, 2000, n_slots, 0.05, pathways, form, rng)
    spikes = np.sort(rng.integers(0, n_sources, (steps, per_step)), axis=1)

    def run():
        for s in range(steps):
            plan.deliver(spikes[s], np.full(per_step, s, dtype=np.int64))
            ring[s % n_slots] = 0.0
    return best_of(3, run) / (steps * per_step * pathways) * 1e9


def poisson_ns_per_neuron(stride=1):
    """One rank's share: 38,585 neurons, every ``stride``-th (the dealt
    partition on ``stride`` ranks)."""
    from distsim._ext import random123
    values = np.zeros(38585)
    draws = random123.BinomialDraws(2000, 8e-4)

    def run():
        for step in range(1000):
            draws.add_to(5, 1001, step, 87.81e-12, values, stride)
    return best_of(3, run) / 1000 / len(values) * 1e9


def random_ns_per_number(kind):
    from distsim._ext import random123
    elements = np.arange(1 << 20, dtype=np.int64)
    within = (elements * 7) % 3000
    function = random123.normal_pairs if kind == "normal" else random123.uniform_pairs
    return best_of(5, lambda: function(5, elements, within)) / len(elements) * 1e9


def grouping_ns_per_synapse():
    from distsim._ext import synapse_store
    rng = np.random.default_rng(2)
    n = 20_000_000
    sources = rng.integers(0, 20683, n)
    targets = np.sort(rng.integers(0, 20683, n))
    return best_of(3, lambda: synapse_store.group_targets_by_source(
        sources, targets, 0, 20683)) / n * 1e9


def main():
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["all", "random", "delivery"], default="all",
                        help="one family of kernels")
    parser.add_argument("--label", default="",
                        help="appended to each kernel's name (e.g. which version ran: "
                             "PYTHONPATH=/tmp/before python benchmarks/kernels.py)")
    args = parser.parse_args()
    header = ("# Compiled kernels (1 core)\n\nMachine: " + machine() + ". "
              "`benchmarks/kernels.py`, best of 3-5; sizes of one rank's share of the "
              "full-scale microcircuit on 2 ranks.\n\n"
              "| date | kernel | cost |\n|---|---|---|\n")
    today = time.strftime("%Y-%m-%d")
    path = os.path.join(HERE, "results", "kernels.md")
    random_kernels = [
        ("PoissonInput, Binomial(2000, 8e-4) added in place", poisson_ns_per_neuron,
         "ns/neuron/step"),
        ("PoissonInput, the same for every 2nd neuron (dealt on 2 ranks)",
         lambda: poisson_ns_per_neuron(2), "ns/neuron/step"),
        ("normal numbers (ziggurat on Philox4x32-10)", lambda: random_ns_per_number("normal"),
         "ns/number"),
        ("uniform numbers (Philox4x32-10)", lambda: random_ns_per_number("uniform"),
         "ns/number")]
    delivery_kernels = [
        ("delivery into ring buffers (ext/delivery.pyx)", delivery_ns_per_event, "ns/event"),
        ("delivery, the same events in rows half as long over 14 pathways (a share of "
         "every population, as under the dealt partition)",
         lambda: delivery_ns_per_event(per_row=157.5, pathways=14), "ns/event")]
    other_kernels = [
        ("delivery, the same with a compressed row index (worst case: every source "
         "has a row)", lambda: delivery_ns_per_event("compressed"), "ns/event"),
        ("delivery, 1 M sources, 5% with a synapse on the rank, dense row index",
         lambda: sparse_delivery_ns_per_spike("dense"), "ns/spike/pathway"),
        ("delivery, the same with a compressed row index",
         lambda: sparse_delivery_ns_per_spike("compressed"), "ns/spike/pathway"),
        ("grouping a connect call's synapses by source", grouping_ns_per_synapse,
         "ns/synapse")]
    kernels = {"random": random_kernels, "delivery": delivery_kernels,
               "all": random_kernels + delivery_kernels + other_kernels}[args.only]
    for name, measure, unit in kernels:
        value = measure()
        label = f" ({args.label})" if args.label else ""
        print(f"{name}{label}: {value:.2f} {unit}")
        append_row(path, header, f"| {today} | {name}{label} | {value:.2f} {unit} |")


if __name__ == "__main__":
    main()
