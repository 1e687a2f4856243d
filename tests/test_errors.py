"""Every kind of bad input in tests/error_catalogue.py gets its clear error,
serially and on every rank under mpirun -n 2 and -n 3 (none may hang)."""
import os
import re

import pytest

import distsim
from distsim.parallel import CollectiveError

from conftest import mpirun
from error_catalogue import CATALOGUE, markdown

IDS = [f"{area}: {what}" for area, what, *_ in CATALOGUE]


def _raises(make, error, pattern):
    with pytest.raises((error, CollectiveError)) as caught:
        make()
    assert re.search(pattern, str(caught.value)), f"{caught.value!r} does not match {pattern!r}"


@pytest.mark.parametrize("area, what, make, error, pattern", CATALOGUE, ids=IDS)
def test_bad_input_gets_its_error(area, what, make, error, pattern):
    _raises(make, error, pattern)


@pytest.mark.mpi(min_size=2)
def test_every_rank_gets_the_error_of_every_bad_input():
    for area, what, make, error, pattern in CATALOGUE:
        distsim.start_scope()
        distsim.prefs.codegen.target = "cython"
        _raises(make, error, pattern)


def test_the_catalogue_has_at_least_40_kinds_and_docs_list_them_all():
    assert len(CATALOGUE) >= 40
    path = os.path.join(os.path.dirname(__file__), "..", "docs", "errors.md")
    with open(path, encoding="utf-8") as handle:
        assert handle.read() == markdown(), "run: python tests/error_catalogue.py > docs/errors.md"


def test_a_pool_forked_from_several_ranks_gets_a_clear_error_on_every_rank():
    """multiprocessing inside an MPI job: on 1 rank the Pool's workers
    simulate (the same spikes as the parent's own runs); forked from one of
    2 ranks they would join the ranks' collectives and hang or crash: every
    rank gets ForkedRankError at once instead."""
    one = mpirun(1, ["tests/models/pool_sweep.py"], timeout=120)
    assert one.returncode == 0, one.stdout + one.stderr
    serial = one.stdout.split("SERIAL")[1].splitlines()[0].strip()
    pooled = one.stdout.split("POOL")[1].splitlines()[0].strip()
    assert pooled == serial and serial != "[0, 0, 0]", one.stdout
    two = mpirun(2, ["tests/models/pool_sweep.py"], timeout=120)
    assert two.returncode not in (0, 124), two.stdout + two.stderr
    output = two.stdout + two.stderr
    assert "POOL" not in two.stdout
    for rank in (0, 1):
        assert re.search(f"ForkedRankError: this process was forked .* from MPI rank {rank} "
                         "of 2", output), output[-3000:]


@pytest.mark.parametrize("ranks", [1, 2])
def test_a_pool_spawned_inside_an_mpi_job_gets_a_clear_error(ranks):
    """Spawned workers inherit the rank's MPI environment and their MPI
    cannot start (before: the Pool replaced its dying workers forever)."""
    run = mpirun(ranks, ["tests/models/pool_sweep.py", "spawn"], timeout=120)
    assert run.returncode not in (0, 124), run.stdout + run.stderr
    assert "SERIAL" not in run.stdout or "POOL" not in run.stdout
    output = run.stdout + run.stderr
    assert "ForkedRankError: this process was started by multiprocessing" in output, \
        output[-3000:]
    assert "MPI_Init" not in output, output[-3000:]  # stopped before MPI tried to start
