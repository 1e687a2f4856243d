"""Progress of a long construction, once (rank 0), and Python's logging with
one prefix per rank."""
from conftest import mpirun

SCRIPT = """
from distsim import *
G = NeuronGroup(2000, "v : 1", name="cells")
for k in range(3):
    S = Synapses(G, G, "w : 1", on_pre="v_post += w", name=f"projection{k}")
    S.connect(p=0.05)
run(0.1*ms)
"""


def test_a_construction_reports_its_progress_once_and_names_the_rank(tmp_path):
    script = tmp_path / "build.py"
    script.write_text(SCRIPT)
    result = mpirun(2, [str(script)], timeout=120, extra_env={"DISTSIM_PROGRESS_AFTER": "0"})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "building synapses" in line]
    assert [line.split(":")[0] for line in lines] == ["[distsim rank 0] INFO distsim.construction"] * 3
    assert "step 1/3 done (Synapses 'projection0'.connect(...) call 1)" in lines[0]
    assert "about" in lines[0] and "s left" in lines[0] and "s left" not in lines[2]
    # about 100,000 synapses of each projection on each of the 2 ranks
    counts = [int(line.split("; ")[1].split()[0].replace(",", "")) for line in lines]
    assert 90_000 < counts[0] < 110_000 and 270_000 < counts[2] < 330_000


def test_every_rank_speaks_when_asked_and_none_by_default_for_short_builds(tmp_path):
    script = tmp_path / "build.py"
    script.write_text(SCRIPT)
    everyone = mpirun(3, [str(script)], timeout=120,
                      extra_env={"DISTSIM_PROGRESS_AFTER": "0", "DISTSIM_LOG_ALL_RANKS": "1"})
    assert everyone.returncode == 0, everyone.stderr
    for rank in range(3):
        assert everyone.stderr.count(f"[distsim rank {rank}] INFO distsim.construction") == 3
    quiet = mpirun(2, [str(script)], timeout=120)
    assert quiet.returncode == 0 and "building synapses" not in quiet.stderr
    silenced = mpirun(2, [str(script)], timeout=120,
                      extra_env={"DISTSIM_PROGRESS_AFTER": "0", "DISTSIM_LOG_LEVEL": "WARNING"})
    assert silenced.returncode == 0 and "building synapses" not in silenced.stderr
