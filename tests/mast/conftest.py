"""Fixtures for the pure protocol tests: recorded MAST answers and table comparison."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.table import Table

SAMPLES = Path("/work/shared/mast-samples")


@pytest.fixture(scope="session")
def sample() -> Callable[[str], Any]:
    """Load one recorded MAST answer by file name."""

    def load(name: str) -> Any:
        path = SAMPLES / name
        if not path.exists():
            pytest.skip(f"recorded sample {name} is not available")
        return json.loads(path.read_text())

    return load


def _same_column(name: str, ours: Any, theirs: Any) -> None:
    assert type(ours) is type(theirs), name
    assert ours.dtype == theirs.dtype, (name, ours.dtype, theirs.dtype)
    assert np.array_equal(np.ma.getmaskarray(ours), np.ma.getmaskarray(theirs)), name
    fills = (ours.fill_value, theirs.fill_value)
    assert fills[0] == fills[1] or all(f != f for f in fills), (name, fills)
    data = (np.asarray(ours.data), np.asarray(theirs.data))
    if data[0].dtype.kind == "f":
        assert np.array_equal(data[0], data[1], equal_nan=True), name
    else:
        assert np.array_equal(data[0], data[1]), name


@pytest.fixture(scope="session")
def assert_same_table() -> Callable[[Table, Table], None]:
    """Cell-for-cell equality: names, order, dtypes, masks, fill values, masked flag."""

    def check(ours: Table, theirs: Table) -> None:
        assert ours.colnames == theirs.colnames
        assert ours.masked == theirs.masked
        assert len(ours) == len(theirs)
        for name in ours.colnames:
            _same_column(name, ours[name], theirs[name])

    return check
