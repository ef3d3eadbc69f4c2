"""The column-batch row encoder writes exactly what `json.dumps` writes, row by row."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mastcache.emulator.portal.json_rows import encode_column, rows_text
from mastcache.emulator.portal.results import RowBatch

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
NAMES = st.lists(st.text(min_size=0, max_size=6), max_size=6)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def expected(rows: list[dict[str, Any]], names: list[str], keyed: bool) -> str:
    if keyed:
        return ",".join(dumps({n: row.get(n) for n in names}) for row in rows)
    return ",".join(dumps([row.get(n) for n in names]) for row in rows)


@settings(max_examples=300, deadline=None)
@given(names=NAMES, data=st.data(), keyed=st.booleans())
def test_rows_text_equals_json_dumps_of_each_row(
    names: list[str], data: st.DataObject, keyed: bool
) -> None:
    size = data.draw(st.integers(0, 6))
    columns = {n: data.draw(st.lists(VALUES, min_size=size, max_size=size)) for n in names}
    batch = RowBatch(size, columns)
    rows = list(batch.rows()) if names else [{} for _ in range(size)]
    assert rows_text(batch, names, keyed) == expected(rows, names, keyed)


@pytest.mark.parametrize(
    "values",
    [
        ["plain", 'quo"te', "back\\slash", "tab\t", "Ünïcödé ☃", "%s %d %%"],
        [1.0, -0.0, 1e16, 1e-7, 123.456789012, 5e-324, 1.7976931348623157e308],
        [0, -1, 2**70, True, False, None],
        [None, 2.5, None],
        [None, "x", None],
        [None, None],
        [np.float64(1.25), 3.0],
        [],
    ],
)
def test_encode_column_matches_json_dumps(values: list[Any]) -> None:
    assert encode_column(values) == [dumps(v) for v in values]


def test_non_finite_floats_are_refused_like_json_dumps() -> None:
    for bad in ([1.0, math.nan], [math.inf], [None, -math.inf]):
        with pytest.raises(ValueError):
            encode_column(bad)


def test_repeated_and_missing_columns() -> None:
    batch = RowBatch(2, {"a": [1, 2], "b%": ["x", None]})
    rows = [{"a": 1, "b%": "x"}, {"a": 2, "b%": None}]
    names = ["a", "b%", "a", "missing"]
    assert rows_text(batch, names, keyed=True) == expected(rows, names, keyed=True)
    assert rows_text(batch, names, keyed=False) == expected(rows, names, keyed=False)
    assert rows_text(batch, [], keyed=True) == "{},{}"
    assert rows_text(RowBatch(0, {}), ["a"], keyed=True) == ""
