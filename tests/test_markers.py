"""The heavy list in tests/conftest.py names tests that exist (a renamed test would silently
leave the inner loop's exclusion)."""

from __future__ import annotations

import re

import pytest
from checkout import REPO_ROOT
from conftest import HEAVY


@pytest.mark.parametrize("nodeid", sorted(HEAVY))
def test_every_heavy_entry_names_an_existing_test(nodeid: str) -> None:
    path, name = nodeid.split("::")
    source = (REPO_ROOT / path).read_text()
    assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), nodeid


def test_heavy_and_slow_are_registered_markers(pytestconfig: pytest.Config) -> None:
    markers = " ".join(pytestconfig.getini("markers"))
    assert "heavy:" in markers and "slow:" in markers
