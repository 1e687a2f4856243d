"""The STDP example (Brian2's, examples/stdp.py): the same weights and spikes
on 1, 2 and 3 ranks, and plasticity that spreads the weights."""
import h5py
import numpy as np

from conftest import mpirun


def test_the_stdp_example_is_the_same_on_1_2_and_3_ranks(tmp_path):
    results = {}
    for n in (1, 2, 3):
        output = str(tmp_path / f"stdp{n}.h5")
        run = mpirun(n, ["examples/stdp.py", "--duration", "2", "--targets", "5",
                         "--output", output])
        assert run.returncode == 0, run.stdout + run.stderr
        with h5py.File(output, "r") as f:
            spikes = f["spikes/neurongroup"]["node_ids"][:], f["spikes/neurongroup"]["timestamps"][:]
            weights = f["report/synapses/data"][:]  # the StateMonitor of S.w
        results[n] = (spikes, weights, np.load(str(tmp_path / f"stdp{n}_weights.npy")))
    (ids, times), trace, final = results[1]
    assert len(ids) > 100 and trace.shape[1] == 2
    # the recorded weights moved; the final ones spread beyond the uniform start
    assert np.ptp(trace[:, 0]) > 0 and np.ptp(trace[:, 1]) > 0
    assert np.std(final) > np.sqrt(1 / 12)
    for n in (2, 3):
        (other_ids, other_times), other_trace, other_final = results[n]
        assert np.array_equal(other_ids, ids) and np.array_equal(other_times, times)
        assert np.array_equal(other_trace, trace) and np.array_equal(other_final, final)
