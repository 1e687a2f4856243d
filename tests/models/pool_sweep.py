"""A parameter sweep over a multiprocessing Pool, as Brian2's
Maass_Natschlaeger_Markram_2002 example runs one: the parent builds a network
(MPI starts), then forked workers simulate. On 1 rank the workers simulate
on their own (and give what the parent gives); forked from one of several
ranks they cannot join the ranks' collective calls: a clear error on every
rank (distsim.parallel.ForkedRankError), never a hang. The same for
workers that multiprocessing spawns inside an MPI job (their MPI cannot
start). ``python pool_sweep.py [fork|spawn]``."""
import multiprocessing
import sys

from distsim import NeuronGroup, SpikeMonitor, ms, run, start_scope


def spikes_of(drive):
    start_scope()
    G = NeuronGroup(3, "dv/dt = (drive - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                    method="exact", namespace={"drive": drive})
    monitor = SpikeMonitor(G)
    run(50 * ms)
    return int(monitor.num_spikes)


if __name__ == "__main__":
    drives = [1.2, 1.5, 2.0]
    serial = [spikes_of(drive) for drive in drives]  # MPI has started here
    start_method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    with multiprocessing.get_context(start_method).Pool(2) as pool:
        pooled = pool.map(spikes_of, drives)
    print("SERIAL", serial)
    print("POOL", pooled)
