"""The heavy list in tests/conftest.py names tests that exist (a renamed test would silently
leave the inner loop's exclusion)."""

from __future__ import annotations

import re

import pytest
from checkout import REPO_ROOT
from conftest import HEAVY, HEAVY_FILES


@pytest.mark.parametrize("nodeid", sorted(HEAVY))
def test_every_heavy_entry_names_an_existing_test(nodeid: str) -> None:
    path, name = nodeid.split("::")
    source = (REPO_ROOT / path).read_text()
    assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), nodeid


@pytest.mark.parametrize("path", sorted(HEAVY_FILES))
def test_every_heavy_file_exists_and_holds_tests(path: str) -> None:
    source = (REPO_ROOT / path).read_text()
    assert path.startswith("tests/") and re.search(r"^def test_", source, re.MULTILINE), path


def test_the_inner_loop_keeps_the_core_suites() -> None:
    """Heavy files are end-to-end suites; the core's own tests stay in the quick loop."""
    core = ("tests/test_keys.py", "tests/test_policy.py", "tests/test_archive.py", "tests/store/",
            "tests/net/", "tests/products/")  # fmt: skip
    assert not [path for path in HEAVY_FILES if path.startswith(core)]


def test_heavy_and_slow_are_registered_markers(pytestconfig: pytest.Config) -> None:
    markers = " ".join(pytestconfig.getini("markers"))
    assert "heavy:" in markers and "slow:" in markers
