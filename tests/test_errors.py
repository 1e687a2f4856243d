"""Every kind of bad input in tests/error_catalogue.py gets its clear error,
serially and on every rank under mpirun -n 2 and -n 3 (none may hang)."""
import os
import re

import pytest

import distsim
from distsim.parallel import CollectiveError

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
