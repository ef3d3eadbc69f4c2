"""Fixtures for the pure protocol tests: recorded MAST answers and table comparison."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from astropy.table import Table
from resources import missing, require_mast_samples
from tablecompare import assert_tables_equal


@pytest.fixture(scope="session")
def sample() -> Callable[[str], Any]:
    """Load one recorded MAST answer by file name (from ``resources.mast_samples_dir()``:
    ``../shared/mast-samples`` beside the checkout, or ``$MASTCACHE_MAST_SAMPLES``). Without
    them these tests skip, naming what is missing; with CI=true they fail."""

    def load(name: str) -> Any:
        path = require_mast_samples() / name
        if not path.exists():
            missing(f"the recorded MAST sample {name}", f"it belongs in {path.parent}")
        return json.loads(path.read_text())

    return load


@pytest.fixture(scope="session")
def assert_same_table() -> Callable[[Table, Table], None]:
    """The shared strict comparison (tests/tablecompare.py)."""
    return assert_tables_equal
