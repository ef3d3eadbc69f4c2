"""The heavy lists in tests/conftest.py name tests that exist (a renamed test would silently
leave the inner loop's exclusion), and never the caching core's own suites."""

from __future__ import annotations

import re

import pytest
from checkout import REPO_ROOT
from conftest import HEAVY, HEAVY_PATHS


@pytest.mark.parametrize("nodeid", sorted(HEAVY))
def test_every_heavy_entry_names_an_existing_test(nodeid: str) -> None:
    path, name = nodeid.split("::")
    source = (REPO_ROOT / path).read_text()
    assert re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE), nodeid


@pytest.mark.parametrize("path", sorted(HEAVY_PATHS))
def test_every_heavy_path_holds_tests(path: str) -> None:
    found = REPO_ROOT / path
    files = sorted(found.rglob("test_*.py")) if path.endswith("/") else [found]
    assert path.startswith("tests/") and files, path
    assert any(re.search(r"^def test_", f.read_text(), re.MULTILINE) for f in files), path


def test_the_inner_loop_keeps_the_core_suites() -> None:
    """Heavy files are end-to-end suites; the core's own tests stay in the quick loop."""
    core = ("tests/test_keys.py", "tests/test_policy.py", "tests/test_archive.py", "tests/store/",
            "tests/net/", "tests/products/")  # fmt: skip
    covered = [(k, c) for k in HEAVY_PATHS for c in core if k.startswith(c) or c.startswith(k)]
    assert not covered


def test_heavy_and_slow_are_registered_markers(pytestconfig: pytest.Config) -> None:
    markers = " ".join(pytestconfig.getini("markers"))
    assert "heavy:" in markers and "slow:" in markers
